"""The recording model: validation recovers known properties of generated motion."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import imu_pushup as ip
from imu_pushup import errors
from imu_pushup.recording import (CLOCK_JUMP_S, MAX_FILL_SAMPLES, estimate_sampling_rate_hz, find_gaps,
                                  gyro_scale_from_tilt, split_at_gaps)
from imu_pushup.units import GRAVITY_M_S2
from broken_files.make import rocking_motion, still_on_table


def test_good_motion_builds_with_rate_and_no_gaps():
    rec = ip.Recording(rocking_motion(rate_hz=50.0), placement="chest")
    assert rec.sampling_rate_hz == pytest.approx(50.0)
    assert rec.gaps == [] and rec.saturated == {}
    assert rec.has_gyro and rec.acc.shape == (1000, 3)


def test_gyro_scale_is_one_in_deg_s_and_57_in_rad_s():
    df = rocking_motion()
    assert gyro_scale_from_tilt(df) == pytest.approx(1.0, rel=0.25)
    df[["gyr_x", "gyr_y", "gyr_z"]] = np.radians(df[["gyr_x", "gyr_y", "gyr_z"]])
    assert gyro_scale_from_tilt(df) == pytest.approx(np.degrees(1.0), rel=0.25)


def test_gyro_unit_cannot_be_told_when_sensor_does_not_tilt():
    assert gyro_scale_from_tilt(still_on_table()) is None


def test_jittery_timestamps_keep_the_nominal_rate():
    df = rocking_motion(rate_hz=100.0)
    rng = np.random.default_rng(0)
    t = df.index.to_numpy() + rng.uniform(-0.002, 0.002, len(df))
    df.index = pd.Index(np.sort(t), name="t")
    assert estimate_sampling_rate_hz(df.index.to_numpy()) == pytest.approx(100.0, rel=0.05)


def test_gaps_are_found_with_their_missing_samples():
    df = rocking_motion(rate_hz=100.0)
    keep = np.ones(len(df), bool)
    keep[500:502] = False      # 2 samples lost: bridgeable
    keep[1200:1250] = False    # 50 samples lost: a break
    rec = ip.Recording(df[keep])
    assert [g.missing_samples for g in rec.gaps] == [2, 50]
    assert rec.gaps[1].t_before == pytest.approx(11.99) and rec.gaps[1].duration_s == pytest.approx(0.51)
    summary = rec.gap_summary
    assert summary["missing_samples"] == 52 and summary["fillable_gaps"] == 1
    assert summary["lost_fraction"] == pytest.approx(52 / 2000)
    assert 2 <= MAX_FILL_SAMPLES < 50
    # The data is not filled in.
    assert len(rec) == 2000 - 52


def test_find_gaps_ignores_jitter():
    t = np.arange(100) * 0.01 + np.tile([0.0, 0.003], 50)
    assert find_gaps(t, 100.0) == []


def test_clock_jump_is_refused_and_split_at_gaps_is_the_fix():
    df = rocking_motion()
    t = df.index.to_numpy().copy()
    t[1000:] += 2 * CLOCK_JUMP_S
    df.index = pd.Index(t, name="t")
    with pytest.raises(errors.TimestampError, match="jumps forward"):
        ip.Recording(df)
    parts = split_at_gaps(df, placement="wrist")
    assert [len(p) for p in parts] == [1000, 1000]
    assert all(p.placement == "wrist" for p in parts)
    assert parts[1].t[0] == pytest.approx(10.0 + 2 * CLOCK_JUMP_S)


def test_twenty_hz_passes_and_ten_hz_fails():
    assert ip.Recording(rocking_motion(rate_hz=20.0, duration_s=30.0)).sampling_rate_hz == pytest.approx(20.0)
    with pytest.raises(errors.SamplingRateError):
        ip.Recording(rocking_motion(rate_hz=10.0, duration_s=30.0))


def test_time_in_milliseconds_is_caught_as_too_slow_or_declared_mismatch():
    df = rocking_motion(rate_hz=100.0)
    df.index = pd.Index(df.index.to_numpy() * 1000.0, name="t")
    with pytest.raises(errors.SamplingRateError, match="check t is in seconds"):
        ip.Recording(df)


def test_a_few_saturated_samples_are_reported_not_refused():
    df = rocking_motion(amplitude_deg=12.0)
    peak = float(df["acc_x"].abs().max())
    df.iloc[[300, 301, 302], 0] = 2 * GRAVITY_M_S2  # a ±2 g accelerometer pinned for three samples
    rec = ip.Recording(df)
    assert rec.saturated == {"acc_x": 3}
    assert peak < 19.0


def test_still_sensor_is_not_worn_but_a_slow_plank_sway_is_worn():
    with pytest.raises(errors.SensorNotWornError, match="never moved"):
        ip.Recording(still_on_table())
    # A plank hold: a few degrees of sway and breathing is a worn sensor (zero reps, not an error).
    plank = rocking_motion(amplitude_deg=3.0, freq_hz=0.25, duration_s=30.0)
    assert len(ip.Recording(plank)) == 3000


def test_acc_only_recording_is_valid():
    df = rocking_motion().drop(columns=["gyr_x", "gyr_y", "gyr_z"])
    rec = ip.Recording(df, placement="lumbar")
    assert not rec.has_gyro and rec.gyr is None


def test_from_arrays_checks_shapes():
    with pytest.raises(errors.InputError, match="shape"):
        ip.from_arrays(np.arange(10.0), np.zeros((10, 2)))


def test_session_refuses_two_recordings_of_one_placement():
    rec = ip.Recording(rocking_motion())
    with pytest.raises(errors.InputError, match="two recordings"):
        ip.Session([rec, rec])
    assert ip.Session.of(rec).lead is rec


def test_errors_render_as_one_line():
    df = rocking_motion()
    df.iloc[5, 1] = np.nan
    with pytest.raises(errors.NonFiniteError) as info:
        ip.Recording(df, source="multi\nline.csv")
    assert "\n" not in str(info.value) and "sample 5" in str(info.value)


def test_gyro_unit_on_simulated_pushups_all_placements():
    """Simulator truth in deg/s is accepted; the same gyro in rad/s is refused, at every placement."""
    simulate = pytest.importorskip("imu_pushup.simulate")
    sim = simulate.simulate_session(seed=3, n_reps=4, placements=("chest", "upper_arm", "wrist", "lumbar", "head"),
                                    sampling_rate_hz=50.0)
    for placement, rec in sim.recordings.items():
        ip.Recording(rec.data, placement=placement)
        df = rec.data.copy()
        df[["gyr_x", "gyr_y", "gyr_z"]] = np.radians(df[["gyr_x", "gyr_y", "gyr_z"]])
        with pytest.raises(errors.UnitError, match="rad/s"):
            ip.Recording(df, placement=placement)
