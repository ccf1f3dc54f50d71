"""``imu-pushup analyze [--json] [--height-m H] [--calibration CAL] [--placement P] [--chunk-size N] SENSOR...``

SENSOR is ``PATH`` or ``PLACEMENT=PATH``; a bare PATH takes its placement from the file's
``# placement:`` header, else ``--placement``, else ``chest``. Prints a per-rep table, the summary
and the feedback, or the SPEC JSON document with ``--json``.
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from ..errors import FormatError, ImuPushupError, UsageError
from ..units import PLACEMENTS


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("analyze", help="count reps and assess form in recordings of one session",
                              description=__doc__.split("\n\n")[1] if __doc__ else None)
    p.add_argument("sensors", nargs="+", metavar="SENSOR", help="PATH or PLACEMENT=PATH")
    p.add_argument("--json", action="store_true", help="print the SPEC JSON document")
    p.add_argument("--height-m", type=float, default=None, help="standing height in metres")
    p.add_argument("--calibration", default=None, metavar="CAL", help="calibration file from 'calibrate'")
    p.add_argument("--placement", choices=PLACEMENTS, default=None, help="placement of bare PATHs without a header")
    p.add_argument("--chunk-size", type=int, default=None, metavar="N",
                   help="feed the live engine N samples at a time (same result)")
    p.set_defaults(func=run)


def parse_sensor(spec: str, default_placement: str | None) -> tuple[str | None, str]:
    """``PLACEMENT=PATH`` or ``PATH`` -> (placement or None, path)."""
    if "=" in spec:
        head, tail = spec.split("=", 1)
        if head in PLACEMENTS:
            return head, tail
        if not Path(spec).exists():
            raise UsageError(f"unknown placement {head!r} in {spec!r}",
                             fix=f"use one of: {', '.join(PLACEMENTS)}")
    return default_placement, spec


def run(args: argparse.Namespace) -> int:
    from ..engine.analyze import analyze
    from ..io.read import read
    if args.height_m is not None and not (0.5 < args.height_m < 2.6):
        raise UsageError(f"--height-m {args.height_m} is not a standing height in metres",
                         fix="give e.g. --height-m 1.78")
    if args.chunk_size is not None and args.chunk_size < 1:
        raise UsageError("--chunk-size must be at least 1")
    recs = []
    for spec in args.sensors:
        placement, path = parse_sensor(spec, None)
        if placement is None and args.placement and not _declares_placement(path):
            placement = args.placement
        try:
            rec = read(path, placement=placement)
        except ImuPushupError:
            raise
        except Exception as exc:
            raise FormatError(f"cannot read ({type(exc).__name__}: {exc})", source=path,
                              fix="check the file is a supported recording") from None
        recs.append(rec)
    res = analyze(recs, height_m=args.height_m, calibration=args.calibration,
                  chunk_size=args.chunk_size, keep_signals=False)
    if args.json:
        print(res.to_json(indent=1))
    else:
        print(format_result(res))
    return 0


def _declares_placement(path: str) -> bool:
    """Does the file carry a ``# placement:`` header line?"""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return b"# placement:" in head


def _num(v: Any, fmt: str, scale: float = 1.0) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return "-"
    return "-" if math.isnan(f) else format(f * scale, fmt)


def format_result(res: Any) -> str:
    """Readable per-rep table, summary and feedback lines."""
    lines = []
    sensors = ", ".join(f"{s['placement']} ({s['sampling_rate_hz']:.0f} Hz{', ' + s['source'] if s.get('source') else ''})"
                        for s in res.sensors)
    lines.append(f"sensors: {sensors}")
    head = f"{'rep':>3} {'start s':>8} {'descent s':>9} {'pause s':>7} {'ascent s':>8} {'depth cm':>8} {'sag °':>6}  flags"
    lines.append(head)
    lines.append("-" * len(head))
    for _, r in res.reps.iterrows():
        flags = ",".join(r["flags"]) if isinstance(r["flags"], list) else ""
        lines.append(f"{int(r['index']):>3} {_num(r['t_start'], '8.2f')} {_num(r['descent_s'], '9.2f')} "
                     f"{_num(r['pause_s'], '7.2f')} {_num(r['ascent_s'], '8.2f')} "
                     f"{_num(r['depth_m'], '8.1f', 100.0)} {_num(r['sag_deg'], '6.1f')}  {flags}")
    s = res.summary
    parts = [f"reps: {res.n_reps}"]
    if res.variant:
        parts.append(f"variant: {res.variant}")
    for key, label, scale, unit in (("mean_descent_s", "mean descent", 1, "s"),
                                    ("mean_pause_s", "mean pause", 1, "s"),
                                    ("mean_ascent_s", "mean ascent", 1, "s"),
                                    ("mean_depth_m", "mean depth", 100, "cm")):
        if s.get(key) is not None:
            parts.append(f"{label}: {_num(s[key], '.2f' if unit == 's' else '.1f', scale)} {unit}")
    lines.append("")
    lines.append("summary: " + ", ".join(parts))
    fb = list(res.feedback)
    for _, r in res.reps.iterrows():
        if isinstance(r["feedback"], list):
            fb.extend(r["feedback"])
    if fb:
        lines.append("")
        lines.extend(f"- {x}" for x in fb)
    for w in res.warnings:
        lines.append(f"warning: {w}")
    return "\n".join(lines)
