"""SensorLog reader: CoreMotion sign and units, gyro alignment, duplicates, real exports."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import imu_pushup as ip
from imu_pushup import errors
from imu_pushup.io.sensorlog import read_sensorlog
from imu_pushup.recording import gyro_scale_from_tilt
from imu_pushup.units import GRAVITY_M_S2
from broken_files.make import rocking_motion

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "workout-buddy" / "sensorlog"
REAL = sorted(DATA.glob("*.csv")) if DATA.is_dir() else []
needs_real = pytest.mark.skipif(not REAL, reason="real SensorLog exports not present in ../shared/data")


def sensorlog_frame(rate_hz: float = 20.0, gyro_repeat_every: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A SensorLog-style export of known SPEC data, plus that data (the truth)."""
    truth = rocking_motion(rate_hz=rate_hz, duration_s=30.0)
    t = truth.index.to_numpy() + 5000.0
    acc_g = truth[["acc_x", "acc_y", "acc_z"]].to_numpy() / -GRAVITY_M_S2   # CoreMotion sign, in g
    gyr_rad = np.radians(truth[["gyr_x", "gyr_y", "gyr_z"]].to_numpy())
    t_gyro = t - 0.004
    # SensorLog repeats the previous gyro sample when none arrived in time.
    for i in range(gyro_repeat_every, len(t), gyro_repeat_every):
        t_gyro[i] = t_gyro[i - 1]
        gyr_rad[i] = gyr_rad[i - 1]
    df = pd.DataFrame({
        "loggingTime": ["2015-02-21 11:24:43.947"] * len(t),
        "loggingSample": np.arange(1, len(t) + 1),
        "accelerometerTimestamp_sinceReboot": t,
        "accelerometerAccelerationX": acc_g[:, 0], "accelerometerAccelerationY": acc_g[:, 1],
        "accelerometerAccelerationZ": acc_g[:, 2],
        "gyroTimestamp_sinceReboot": t_gyro,
        "gyroRotationX": gyr_rad[:, 0], "gyroRotationY": gyr_rad[:, 1], "gyroRotationZ": gyr_rad[:, 2],
    })
    truth.index = pd.Index(t, name="t")
    return df, truth


def test_units_sign_and_gyro_alignment_recover_the_truth(tmp_path):
    df, truth = sensorlog_frame()
    path = tmp_path / "log.csv"
    df.to_csv(path, index=False)
    rec = ip.read(path, placement="upper_arm")
    assert rec.placement == "upper_arm" and rec.sampling_rate_hz == pytest.approx(20.0)
    np.testing.assert_allclose(rec.acc, truth[["acc_x", "acc_y", "acc_z"]].to_numpy(), atol=1e-9)
    # Gyro interpolated from its own (4 ms earlier, partly repeated) timestamps: close to truth.
    err = np.abs(rec.gyr - truth[["gyr_x", "gyr_y", "gyr_z"]].to_numpy())
    assert np.median(err) < 0.5 and rec.metadata["sensorlog_gyro_repeats_collapsed"] == len(df) // 7 - (len(df) % 7 == 0)
    assert rec.metadata["format"] == "sensorlog" and rec.metadata["start_time"].startswith("2015-02-21")


def test_default_placement_is_chest(tmp_path):
    df, _ = sensorlog_frame()
    df.to_csv(tmp_path / "log.csv", index=False)
    assert read_sensorlog(tmp_path / "log.csv").placement == "chest"


def test_duplicate_rows_are_dropped_and_reported(tmp_path):
    df, truth = sensorlog_frame()
    df = pd.concat([df.iloc[:101], df.iloc[99:101], df.iloc[101:]], ignore_index=True)  # rows 99, 100 twice
    df.to_csv(tmp_path / "log.csv", index=False)
    rec = read_sensorlog(tmp_path / "log.csv")
    assert len(rec) == len(truth) and rec.metadata["sensorlog_duplicate_rows_dropped"] == 2
    np.testing.assert_allclose(rec.t, truth.index.to_numpy())


def test_unit_suffixes_and_semicolons(tmp_path):
    df, truth = sensorlog_frame()
    df = df.rename(columns={c: c + ("(G)" if "Acceleration" in c else "(s)" if "Timestamp" in c else "")
                            for c in df.columns})
    df.to_csv(tmp_path / "log.csv", index=False, sep=";")
    rec = ip.read(tmp_path / "log.csv")
    np.testing.assert_allclose(rec.acc, truth[["acc_x", "acc_y", "acc_z"]].to_numpy(), atol=1e-9)


def test_accelerometer_only_export(tmp_path):
    df, _ = sensorlog_frame()
    df.drop(columns=[c for c in df.columns if c.startswith("gyro")]).to_csv(tmp_path / "log.csv", index=False)
    assert not ip.read(tmp_path / "log.csv").has_gyro


def test_corrupt_cell_names_line(tmp_path):
    df, _ = sensorlog_frame()
    df = df.astype({"accelerometerAccelerationY": object})
    df.loc[40, "accelerometerAccelerationY"] = "garbage"
    df.to_csv(tmp_path / "log.csv", index=False)
    with pytest.raises(errors.ColumnError, match="line 42"):
        ip.read(tmp_path / "log.csv")


def test_export_at_ten_hz_is_refused(tmp_path):
    df, _ = sensorlog_frame(rate_hz=10.0)
    df.to_csv(tmp_path / "log.csv", index=False)
    with pytest.raises(errors.SamplingRateError):
        ip.read(tmp_path / "log.csv")


def test_clock_reset_names_line(tmp_path):
    df, _ = sensorlog_frame()
    df.loc[300:, "accelerometerTimestamp_sinceReboot"] -= 100.0
    df.to_csv(tmp_path / "log.csv", index=False)
    with pytest.raises(errors.TimestampError, match="line 302"):
        ip.read(tmp_path / "log.csv")


@needs_real
@pytest.mark.parametrize("path", REAL[:: max(1, len(REAL) // 6)], ids=lambda p: p.stem)
def test_real_exports_match_coremotion_decomposition(path):
    """Independent truth in the file: CoreMotion's gravity + user acceleration (g, its sign)."""
    rec = read_sensorlog(path, placement="upper_arm")
    assert 19.5 < rec.sampling_rate_hz < 21.0 and rec.has_gyro
    raw = pd.read_csv(path).drop_duplicates("accelerometerTimestamp_sinceReboot")
    motion = raw[[f"motionGravity{a}" for a in "XYZ"]].to_numpy() + raw[[f"motionUserAcceleration{a}" for a in "XYZ"]].to_numpy()
    fused = -GRAVITY_M_S2 * motion
    # Same direction as the reader's specific force: gravity up reads +9.81 on that axis.
    cos = np.sum(rec.acc * fused, axis=1) / (np.linalg.norm(rec.acc, axis=1) * np.linalg.norm(fused, axis=1))
    assert np.median(cos) > 0.95  # fused samples are timed slightly apart; a sign error gives -1
    # The gyro, read as deg/s, explains how the accelerometer sees gravity turn.
    assert 0.6 < gyro_scale_from_tilt(rec.data) < 1.6


@needs_real
def test_all_real_exports_read():
    for path in REAL:
        rec = ip.read(path, placement="upper_arm")
        assert rec.metadata["sensorlog_duplicate_rows_dropped"] == 0
        assert rec.duration_s > 10


@needs_real
def test_real_gyro_left_in_rad_s_is_refused():
    rec = read_sensorlog(REAL[0], placement="upper_arm")
    df = rec.data.copy()
    df[["gyr_x", "gyr_y", "gyr_z"]] = np.radians(df[["gyr_x", "gyr_y", "gyr_z"]])
    with pytest.raises(errors.UnitError, match="rad/s"):
        ip.Recording(df, placement="upper_arm")
