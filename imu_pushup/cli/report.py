"""``imu-pushup report SENSOR... -o report.html``: analyse a set and write one self-contained HTML.

SENSOR is ``PATH`` or ``PLACEMENT=PATH`` as for ``analyze``. The page embeds its plots as PNG and
needs no network.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..units import PLACEMENTS


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "report", help="write an HTML report of a set (plots, per-rep table, feedback, missed cues)",
        description="Analyse a set and write one self-contained HTML report (plots embedded, no network).")
    p.add_argument("sensors", nargs="+", metavar="SENSOR",
                   help="recording PATH or PLACEMENT=PATH (placements: " + ", ".join(PLACEMENTS) + ")")
    p.add_argument("-o", "--output", required=True, metavar="REPORT.html", help="HTML file to write")
    p.add_argument("--height-m", type=float, default=None, metavar="H", help="body height in metres")
    p.add_argument("--calibration", default=None, metavar="CAL", help="calibration file from `calibrate`")
    p.add_argument("--placement", default=None, choices=PLACEMENTS,
                   help="placement of a bare PATH whose file names none (default chest)")
    p.add_argument("--title", default=None, help="page title (default: the first file's name)")
    p.add_argument("--no-plots", action="store_true", help="tables and text only")
    p.set_defaults(func=run)


def parse_sensor(arg: str, default_placement: str | None) -> tuple[str | None, str]:
    """``PLACEMENT=PATH`` → (placement, path); a bare PATH → (None or the default, path)."""
    head, sep, tail = arg.partition("=")
    if sep and head in PLACEMENTS:
        return head, tail
    if sep and head and not os.path.exists(arg) and "/" not in head and "\\" not in head:
        raise UsageError(f"unknown placement {head!r} in {arg!r}", source=arg,
                         fix="use one of " + ", ".join(PLACEMENTS) + " as PLACEMENT=PATH")
    return None, arg


def _header_placement(path: str) -> str | None:
    """The ``# placement:`` line of a canonical CSV, if any (first 50 lines)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for _, line in zip(range(50), fh):
                if not line.startswith("#"):
                    break
                key, _, value = line[1:].partition(":")
                if key.strip().lower() == "placement" and value.strip():
                    return value.strip()
    except OSError:
        return None
    return None


def load_recordings(sensors: list[str], placement: str | None) -> list[Any]:
    """Read each SENSOR argument: explicit placement, else the file's, else ``placement``."""
    from .. import read
    recordings = []
    for arg in sensors:
        explicit, path = parse_sensor(arg, placement)
        chosen = explicit or (None if _header_placement(path) else placement)
        recordings.append(read(path, placement=chosen))
    return recordings


def run(args: argparse.Namespace) -> int:
    from .. import analyze
    from ..report import write_report

    out = Path(args.output)
    if out.exists() and out.is_dir():
        raise UsageError("is a directory", source=str(out), fix="give a file name such as report.html")
    if not out.parent.exists():
        raise UsageError("folder does not exist", source=str(out), fix="create the folder first")
    recordings = load_recordings(args.sensors, args.placement)
    source: Any = recordings[0] if len(recordings) == 1 else recordings
    result = analyze(source, height_m=args.height_m, calibration=args.calibration)
    title = args.title or f"Push-up set: {Path(parse_sensor(args.sensors[0], None)[1]).name}"
    write_report(result, out, title=title, plots=not args.no_plots,
                 sources=[parse_sensor(a, None)[1] for a in args.sensors])
    print(f"{out}: {result.n_reps} reps, report written")
    return 0
