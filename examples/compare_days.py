"""Compare sets over days: rep count, flagged reps, depth, sag and tempo, set by set.

    python examples/compare_days.py [--out out/] [DAY=PATH ...]

With no arguments it simulates four training days (more reps and less fatigue as the weeks go
on) so the example runs anywhere; pass your own recordings as ``LABEL=PATH`` to compare them.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import imu_pushup as ip  # noqa: E402
from imu_pushup import plot  # noqa: E402
from imu_pushup.simulate import simulate_session  # noqa: E402

#: Simulated training days: (label, reps, fatigue 0..1, held sag in degrees).
DAYS = (("mon", 6, 0.8, 6.0), ("wed", 8, 0.6, 4.0), ("fri", 9, 0.4, 2.0), ("mon+1", 10, 0.2, 0.0))


def simulated_days(folder: Path) -> dict[str, Path]:
    """Write one chest recording per simulated day; return label -> CSV path."""
    paths = {}
    for seed, (label, n_reps, fatigue, sag) in enumerate(DAYS):
        sim = simulate_session(seed=seed, n_reps=n_reps, placements=("chest",), sampling_rate_hz=50.0,
                          fatigue=fatigue, sag_deg=(sag - 1.0, sag + 1.0))
        sim.write(folder / label)
        paths[label] = folder / label / "chest.csv"
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", metavar="LABEL=PATH", help="your recordings, one per set")
    parser.add_argument("--out", type=Path, default=Path("out"))
    parser.add_argument("--height-m", type=float, default=None)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    if args.sets:
        paths = dict(s.split("=", 1) for s in args.sets)
    else:
        paths = simulated_days(args.out / "days")

    results = {label: ip.analyze(path, height_m=args.height_m) for label, path in paths.items()}
    table = plot.set_table(results)
    print(table.round(2).to_string(index=False))
    plot.plot_sets(results).savefig(args.out / "compare_days.png", dpi=90)
    table.to_csv(args.out / "compare_days.csv", index=False)
    print(f"wrote {args.out / 'compare_days.png'} and {args.out / 'compare_days.csv'}")


if __name__ == "__main__":
    main()
