"""Calibration and sag: catch hips that sag from the very first rep.

    python examples/calibration_and_sag.py [--out out/] [--sag-deg 14]

Without a calibration the analysis judges the trunk line from body proportions and the set's own
first plank, so a sag held from the very start is the hardest case. A calibration recorded once in
good form (``imu-pushup calibrate``: a still plank and a few slow good reps) gives it your own
straight line and how the sensor sits on you. Both sets here are simulated with the sensor worn
the same way, so the true sag is known and printed next to the estimates.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import imu_pushup as ip  # noqa: E402
from imu_pushup import plot  # noqa: E402
from imu_pushup.cli import main as imu_pushup_cli  # noqa: E402
from imu_pushup.io.calibration import load_calibration  # noqa: E402
from imu_pushup.simulate import simulate_session  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"))
    parser.add_argument("--sag-deg", type=float, default=14.0, help="sag held through today's set")
    parser.add_argument("--height-m", type=float, default=1.80)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    # Day 1: a good-form set (straight line) -> the calibration file.
    good = simulate_session(seed=21, n_reps=4, placements=("chest",), sampling_rate_hz=50.0,
                       height_m=args.height_m, sag_deg=(-1.0, 1.0))
    good.write(args.out / "good_form")
    cal_path = args.out / "chest.cal.json"
    status = imu_pushup_cli(["calibrate", "--placement", "chest", "--height-m", str(args.height_m),
                             "--variant", "toe", str(args.out / "good_form" / "chest.csv"), "-o", str(cal_path)])
    assert status == 0, "calibration failed"

    # Day 2: the same sensor, worn the same way, and hips sagging from the first rep.
    mount = good.truth["sensors"]["chest"]["mount_quat_xyzw"]
    today = simulate_session(seed=22, n_reps=6, placements=("chest",), sampling_rate_hz=50.0,
                        height_m=args.height_m, sag_deg=args.sag_deg, mount={"chest": mount})
    today.write(args.out / "today")
    rec = ip.read(args.out / "today" / "chest.csv")

    plain = ip.analyze(rec, height_m=args.height_m)
    calibrated = ip.analyze(rec, height_m=args.height_m, calibration=load_calibration(cal_path))

    truth = pd.DataFrame(today.truth["reps"]).set_index("index")
    table = pd.DataFrame({
        "true sag (°)": truth["sag_deg"],
        "no calibration (°)": plain.reps.set_index("index")["sag_deg"],
        "calibrated (°)": calibrated.reps.set_index("index")["sag_deg"],
        "flags, calibrated": calibrated.reps.set_index("index")["flags"].map(", ".join),
    })
    print(table.round(1).to_string())
    err = (table["calibrated (°)"] - table["true sag (°)"]).abs()
    print(f"median |error| with calibration: {np.nanmedian(err):.1f}°")
    for sentence in calibrated.feedback:
        print(sentence)

    fig = Figure(figsize=(10.0, 3.2), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True)
    plot.plot_sag(plain, left).set_title("without calibration", loc="left", fontsize=10)
    plot.plot_sag(calibrated, right).set_title("with the good-form calibration", loc="left", fontsize=10)
    fig.savefig(args.out / "calibration_and_sag.png", dpi=90)
    print(f"wrote {args.out / 'calibration_and_sag.png'}")


if __name__ == "__main__":
    main()
