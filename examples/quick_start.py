"""Quick start: analyse a bundled session, look at the reps, save the plots and the HTML report.

    python examples/quick_start.py [--dataset example] [--out out/]

The bundled datasets are simulated sessions with their truth (``datasets/<name>/``); the same
lines work on your own recording: ``ip.analyze("my_set.csv", height_m=1.80)``.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # write files, no window (drop this line in a notebook)

import imu_pushup as ip  # noqa: E402
from imu_pushup import plot  # noqa: E402
from imu_pushup.report import write_report  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="example", help=f"one of {', '.join(ip.datasets.list_datasets())}")
    parser.add_argument("--out", type=Path, default=Path("out"), help="folder for the plots and the report")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    # 1. read a recording (any supported format; the placement comes from the file's header)
    chest_csv = ip.datasets.path(args.dataset) / "chest.csv"
    rec = ip.read(chest_csv)
    print(rec)

    # 2. analyse it: reps, phases, tempo, depth and form
    res = ip.analyze(rec, height_m=ip.datasets.load(args.dataset).truth.get("height_m"))
    print(f"{res.n_reps} reps, variant {res.variant}")
    print(res.reps[["index", "t_start", "descent_s", "pause_s", "ascent_s", "depth_m", "sag_deg",
                    "flags"]].round(2).to_string(index=False))
    for sentence in res.feedback:
        print(sentence)

    # 3. the plots: one function per view, each returns its Axes or Figure
    plot.plot_overview(res).figure.savefig(args.out / "overview.png", dpi=90)
    plot.plot_tempo(res).figure.savefig(args.out / "tempo.png", dpi=90)
    plot.plot_depth_sag(res).savefig(args.out / "depth_sag.png", dpi=90)
    plot.plot_trend(res).savefig(args.out / "trend.png", dpi=90)

    # 4. one self-contained HTML page (what `imu-pushup report` writes)
    write_report(res, args.out / "report.html", title=f"Quick start: {args.dataset}")

    # 5. the JSON document of `imu-pushup analyze --json`
    (args.out / "result.json").write_text(res.to_json(indent=1), encoding="utf-8")
    print(f"wrote {', '.join(sorted(p.name for p in args.out.iterdir()))} to {args.out}/")


if __name__ == "__main__":
    main()
