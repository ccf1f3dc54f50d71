"""Render the gallery: the overview plot of each bundled gallery session, and the event picture.

    python scripts/make_gallery.py            # docs/img/<name>.png for every gallery dataset
    python scripts/make_gallery.py --truth    # draw the simulator's truth instead of the analysis

Each overview is the analysis of ``datasets/<name>/`` (``imu_pushup.analyze`` on the chest, or the
first placement there) drawn by :func:`imu_pushup.plot.plot_overview`: what a user gets from the
same files. ``docs/img/events.png`` shows the SPEC event rules on one simulated rep. PNGs are kept
small (< 150 KB) for the README.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402

import imu_pushup as ip  # noqa: E402
from imu_pushup import plot  # noqa: E402
from imu_pushup.results import SessionResult, reps_frame  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
GALLERY = ("good_form", "sag", "pike", "partial", "knee", "fast", "no_pause", "head_down")
MAX_PNG_BYTES = 150_000


def truth_result(sim: Any, placement: str = "chest") -> SessionResult:
    """A result holding the simulator's truth: its reps and the true chest height and trunk pitch."""
    kin = sim.kinematics
    signals = None
    if kin is not None and "chest_height_m" in kin.columns:
        height = kin["chest_height_m"]
        reps = sim.truth.get("reps", [])
        # the top plateau: the highest point in the second before the first rep starts
        top = (float(height.loc[reps[0]["t_start"] - 1.0:reps[0]["t_start"]].max()) if reps
               else float(height.median()))
        signals = kin[["trunk_pitch_deg"]].copy() if "trunk_pitch_deg" in kin.columns else None
        signals = (signals if signals is not None else kin[[]].copy())
        signals.insert(0, "height_m", height - top)
    rows = [{k: v for k, v in rep.items() if k != "shoulder_drop_m"} for rep in sim.truth.get("reps", [])]
    for row in rows:
        row.setdefault("feedback", [])
    return SessionResult(reps=reps_frame(rows), variant=sim.truth.get("variant"),
                         sensors=[{"placement": placement, "sampling_rate_hz": sim.truth.get("sampling_rate_hz"),
                                   "source": "simulator truth"}],
                         signals=signals)


def _save(fig: Figure, path: Path, dpi: int = 80) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    for d in (dpi, 70, 60, 50):
        fig.savefig(path, dpi=d)
        size = path.stat().st_size
        if size < MAX_PNG_BYTES:
            return size
    return size


def _lead(sim: Any) -> str:
    return "chest" if "chest" in sim.recordings else next(iter(sim.recordings))


def render_dataset(name: str, out_dir: Path, *, truth: bool = False) -> Path:
    """Overview PNG of one bundled dataset: the analysis of its lead sensor, or its truth."""
    sim = ip.datasets.load(name)
    lead = _lead(sim)
    if truth:
        result = truth_result(sim, lead)
        title = f"{name}: simulator truth, {len(result.reps)} reps"
    else:
        recordings = list(sim.recordings.values())
        height = sim.truth.get("height_m")
        result = ip.analyze(recordings if len(recordings) > 1 else recordings[0], height_m=height)
        n_true = len(sim.truth.get("reps", []))
        title = (f"{name}: {len(result.reps)} reps found ({n_true} done), "
                 f"{', '.join(sim.recordings)}")
    fig = Figure(figsize=(10.0, 3.2), layout="constrained")
    plot.plot_overview(result, fig.subplots(), title=title, truth=None if truth else sim.truth)
    path = out_dir / f"{name}.png"
    size = _save(fig, path)
    print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {size / 1000:.0f} kB")
    return path


def render_events(out_dir: Path) -> Path:
    """The event definitions on one simulated rep (smooth stroke, a clear pause)."""
    from imu_pushup.simulate import simulate_session
    sim = simulate_session(seed=7, n_reps=1, placements=("chest",), sampling_rate_hz=100.0,
                           descent_s=1.4, pause_s=0.6, ascent_s=1.0)
    result = truth_result(sim)
    rep = result.reps.iloc[0]
    fig = Figure(figsize=(7.0, 3.6), layout="constrained")
    ax = plot.plot_event_definitions(result.signals.index, result.signals["height_m"], rep, fig.subplots())
    ax.set_title("Rep events: 5 % of the excursion from the top and from the lowest point",
                 loc="left", fontsize=10)
    path = out_dir / "events.png"
    size = _save(fig, path, dpi=90)
    print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {size / 1000:.0f} kB")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"datasets (default: {' '.join(GALLERY)})")
    parser.add_argument("-o", "--out", type=Path, default=ROOT / "docs" / "img")
    parser.add_argument("--truth", action="store_true", help="draw the simulator truth, not the analysis")
    parser.add_argument("--no-events", action="store_true", help="skip docs/img/events.png")
    args = parser.parse_args(argv)
    if not args.no_events:
        render_events(args.out)
    available = set(ip.datasets.list_datasets())
    for name in args.names or GALLERY:
        if name not in available:
            print(f"{name}: no such dataset (have: {', '.join(sorted(available))})", file=sys.stderr)
            continue
        render_dataset(name, args.out, truth=args.truth)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
