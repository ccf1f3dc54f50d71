"""Read your own recording: a canonical CSV, another app's CSV, or an iOS SensorLog export.

    python examples/read_your_own_file.py                          # builds small demo files
    python examples/read_your_own_file.py my_set.csv --placement upper_arm

``imu_pushup.read`` picks the reader from the file (canonical CSV, Parquet, SensorLog CSV) and
converts units at the edge: inside the library acceleration is m/s² (+9.81 on the axis pointing
up at rest), angular rate deg/s, time s. A file in another layout is three lines of pandas away
from :func:`imu_pushup.from_arrays`.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

import imu_pushup as ip
from imu_pushup.simulate import simulate_session
from imu_pushup.units import GRAVITY_M_S2


def other_app_csv(folder: Path) -> Path:
    """A CSV as many logging apps write it: ms timestamps, acceleration in g, gyro in rad/s."""
    sim = simulate_session(seed=11, n_reps=4, placements=("chest",), sampling_rate_hz=50.0)
    rec = sim.recordings["chest"]
    df = pd.DataFrame({
        "timestamp_ms": np.round(rec.t * 1000.0).astype(int),
        "ax_g": rec.acc[:, 0] / GRAVITY_M_S2, "ay_g": rec.acc[:, 1] / GRAVITY_M_S2,
        "az_g": rec.acc[:, 2] / GRAVITY_M_S2,
        "gx_rad_s": np.deg2rad(rec.gyr[:, 0]), "gy_rad_s": np.deg2rad(rec.gyr[:, 1]),
        "gz_rad_s": np.deg2rad(rec.gyr[:, 2]),
    })
    path = folder / "other_app.csv"
    df.to_csv(path, index=False)
    return path


def from_other_app(path: Path) -> ip.Recording:
    """Convert the other app's units at the edge, then build a Recording."""
    df = pd.read_csv(path)
    return ip.from_arrays(
        df["timestamp_ms"].to_numpy() / 1000.0,                                     # ms -> s
        df[["ax_g", "ay_g", "az_g"]].to_numpy() * GRAVITY_M_S2,                     # g -> m/s²
        np.rad2deg(df[["gx_rad_s", "gy_rad_s", "gz_rad_s"]].to_numpy()),            # rad/s -> deg/s
        placement="chest", source=str(path))


def plot_raw(rec: ip.Recording, path: Path) -> None:
    """The raw channels, to check units and dropouts (needs matplotlib)."""
    import matplotlib
    matplotlib.use("Agg")
    from imu_pushup import plot
    plot.plot_recording(rec).savefig(path, dpi=80)
    print(f"raw channels plotted to {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, help="your recording (canonical CSV, Parquet, SensorLog CSV)")
    parser.add_argument("--placement", default=None, help="chest, upper_arm, wrist, lumbar or head")
    parser.add_argument("--height-m", type=float, default=None)
    parser.add_argument("--out", type=Path, default=Path("out"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    if args.path is not None:
        rec = ip.read(args.path, placement=args.placement)
        print(rec)
        plot_raw(rec, args.out / "raw.png")
        res = ip.analyze(rec, height_m=args.height_m)
        print(f"{res.n_reps} reps")
        print(res.reps[["index", "t_start", "descent_s", "pause_s", "ascent_s", "flags"]].round(2)
              .to_string(index=False))
        return

    # another app's layout and units -> Recording -> canonical CSV -> read back
    rec = from_other_app(other_app_csv(args.out))
    print("converted:", rec)
    plot_raw(rec, args.out / "raw.png")  # look before you analyse: units, gravity axis, gaps
    ip.write(rec, args.out / "chest.csv")
    again = ip.read(args.out / "chest.csv")
    assert np.allclose(again.acc, rec.acc, rtol=1e-6, atol=1e-5)
    print("canonical CSV header:")
    print("".join(line for line in open(args.out / "chest.csv", encoding="utf-8").readlines()[:5]))

    # a bad file gives one clear line naming the file, the place and the fix
    bad = args.out / "in_g.csv"
    bad.write_text("t,acc_x,acc_y,acc_z\n" + "".join(f"{i / 50:.2f},0.01,0.02,1.0\n" for i in range(500)))
    try:
        ip.read(bad)
    except ip.ImuPushupError as err:
        print("refused:", err)

    res = ip.analyze(again)
    print(f"{res.n_reps} reps in the converted recording")


if __name__ == "__main__":
    main()
