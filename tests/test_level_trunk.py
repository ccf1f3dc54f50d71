"""Reps with a level upper back: the sternum travels, the trunk does not turn (the back bends).

The stream is built from physics alone: a noisy sensor that stands upright, turns 75 degrees into a
plank, then moves straight down and up (minimum-jerk) without turning, and turns back up. Its
specific force is ``Rᵀ(p̈ + g·up)`` and its angular rate the turn's rate, so the rotation shows
no valley at any rep and only the vertical acceleration can find them.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import imu_pushup as ip
from imu_pushup.engine.stream import StreamAnalyzer
from imu_pushup.recording import from_arrays

G_M_S2 = 9.80665
RATE_HZ = 100.0
DEPTH_M = 0.15


def _min_jerk(u: np.ndarray) -> np.ndarray:
    u = np.clip(u, 0.0, 1.0)
    return u ** 3 * (10 - 15 * u + 6 * u * u)


def _level_trunk_stream(n_reps: int = 5):
    """(recording, true bottoms, true rep windows): standing, into a plank, level reps, back up."""
    t = np.arange(0.0, 9.0 + n_reps * 3.9 + 6.0, 1.0 / RATE_HZ)
    pitch = np.radians(75.0) * (_min_jerk((t - 3.0) / 2.0) - _min_jerk((t - (t[-1] - 4.0)) / 2.0))
    z = 1.30 - 0.85 * (_min_jerk((t - 3.0) / 2.0) - _min_jerk((t - (t[-1] - 4.0)) / 2.0))
    bottoms, windows = [], []
    for i in range(n_reps):
        t0 = 8.0 + 3.9 * i          # 1 s down, 0.4 s at the bottom, 1 s up, 1.5 s at the top
        z -= DEPTH_M * (_min_jerk(t - t0) - _min_jerk(t - (t0 + 1.4)))
        bottoms.append(t0 + 1.0)
        windows.append((t0, t0 + 2.4))
    dt = 1.0 / RATE_HZ
    acc_world = np.stack([np.zeros_like(t), np.zeros_like(t), np.gradient(np.gradient(z, dt), dt) + G_M_S2], axis=1)
    c, s = np.cos(pitch), np.sin(pitch)
    # the sensor turns about its y axis: specific force in the sensor frame is R(pitch)ᵀ f_world
    acc = np.stack([c * acc_world[:, 0] - s * acc_world[:, 2], acc_world[:, 1],
                    s * acc_world[:, 0] + c * acc_world[:, 2]], axis=1)
    gyr = np.stack([np.zeros_like(t), np.degrees(np.gradient(pitch, dt)), np.zeros_like(t)], axis=1)
    rng = np.random.default_rng(0)   # sensor noise (a noiseless axis is refused as dead)
    acc += rng.normal(0.0, 0.02, acc.shape)
    gyr += rng.normal(0.0, 0.1, gyr.shape)
    rec = from_arrays(t, acc, gyr, placement="chest", sampling_rate_hz=RATE_HZ)
    return rec, np.array(bottoms), windows


@pytest.fixture(scope="module")
def level():
    return _level_trunk_stream()


def test_level_trunk_reps_are_found_by_the_height(level):
    rec, bottoms, windows = level
    res = ip.analyze(rec, height_m=1.75)
    assert res.n_reps == len(bottoms)
    # SPEC events: 5 % and 95 % of the way of each minimum-jerk stroke
    u = np.linspace(0.0, 1.0, 100001)
    u5, u95 = u[np.searchsorted(_min_jerk(u), 0.05)], u[np.searchsorted(_min_jerk(u), 0.95)]
    want = np.array([[a + u5, a + u95, a + 1.4 + u5, a + 1.4 + u95] for a, _ in windows])
    got = res.reps[["t_start", "t_bottom", "t_ascent", "t_end"]].to_numpy(dtype=float)
    assert np.max(np.abs(got - want)) < 0.05
    depth = res.reps["depth_m"].to_numpy(dtype=float)
    assert np.all(np.abs(depth - DEPTH_M) < 0.03)
    assert np.all(res.reps["rotation_deg"].to_numpy(dtype=float) < 2.0)


def test_level_trunk_reps_do_not_depend_on_the_chunking(level):
    rec, _, _ = level
    whole = ip.analyze(rec, height_m=1.75)
    for n in (1, 7, 64):
        assert ip.analyze(rec, height_m=1.75, chunk_size=n).to_json() == whole.to_json()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(min_value=1, max_value=300), min_size=1, max_size=20))
def test_level_trunk_random_chunkings_give_the_same_events(level, sizes):
    rec, _, _ = level
    whole = StreamAnalyzer({"chest": RATE_HZ}, height_m=1.75)
    whole.feed("chest", rec.t, rec.acc, rec.gyr)
    whole.finish()
    an = StreamAnalyzer({"chest": RATE_HZ}, height_m=1.75)
    i = j = 0
    while i < len(rec.t):
        n = sizes[j % len(sizes)]
        an.feed("chest", rec.t[i:i + n], rec.acc[i:i + n], rec.gyr[i:i + n])
        i, j = i + n, j + 1
    an.finish()
    assert [(e.type, e.t) for e in an.events] == [(e.type, e.t) for e in whole.events]
    assert an.result().to_json() == whole.result().to_json()


def test_level_trunk_plank_hold_without_reps_gives_none():
    # the same stream with the reps taken out: a plank hold, getting down and up, no valley
    rec, _, _ = _level_trunk_stream(n_reps=0)
    assert ip.analyze(rec, height_m=1.75).n_reps == 0
