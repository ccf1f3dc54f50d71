"""Arm placements (upper_arm, wrist): ArmSegmenter on constructed rotations, the engine on
simulated sessions, and the real upper-arm sets (read from ../shared/data, skipped when absent)."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import imu_pushup as ip
from imu_pushup.simulate import simulate_session
from imu_pushup.detectors.arm import ArmSegmenter, arm_height

RATE = 50.0
WB = Path(__file__).resolve().parents[2] / "shared" / "data" / "workout-buddy"


def _rot_x(theta_deg: np.ndarray) -> np.ndarray:
    """Up vectors of a segment turned by theta about the sensor's x axis (top: +z)."""
    th = np.radians(theta_deg)
    return np.column_stack((np.zeros_like(th), np.sin(th), np.cos(th)))


def _rot_y(theta_deg: np.ndarray) -> np.ndarray:
    th = np.radians(theta_deg)
    return np.column_stack((np.sin(th), np.zeros_like(th), np.cos(th)))


def _ramp(a: float, b: float, dur_s: float) -> np.ndarray:
    u = np.linspace(0.0, 1.0, int(dur_s * RATE), endpoint=False)
    return a + (b - a) * (10 * u**3 - 15 * u**4 + 6 * u**5)   # minimum-jerk stroke


def _run(up: np.ndarray, still: np.ndarray, chunk: int | None = None):
    seg = ArmSegmenter("upper_arm", RATE)
    breaks = np.zeros(len(up), bool)
    out = []
    step = chunk or len(up)
    for a in range(0, len(up), step):
        out += seg.process(a, up[a:a + step], still[a:a + step], breaks[a:a + step])
    return out, seg


def _set_with_entry(n_reps: int, depth_deg: float = 60.0):
    """Standing hold, an entry in another plane that runs straight into the first descent, reps
    about x without any still top, the last ascent running straight into the exit."""
    parts_up, parts_still, bottoms = [], [], []
    hold = np.zeros(int(1.5 * RATE))
    parts_up.append(_rot_x(hold))
    parts_still.append(np.ones(len(hold), bool))
    entry = np.concatenate((_ramp(0, 70, 1.2), _ramp(70, 0, 1.2)))
    parts_up.append(_rot_y(entry))
    parts_still.append(np.zeros(len(entry), bool))
    n = sum(len(p) for p in parts_up)
    for _ in range(n_reps):
        down, up_ = _ramp(0, depth_deg, 0.9), _ramp(depth_deg, 0, 0.7)
        bottoms.append((n + len(down)) / RATE)
        th = np.concatenate((down, up_))
        parts_up.append(_rot_x(th))
        parts_still.append(np.zeros(len(th), bool))
        n += len(th)
    exit_ = np.concatenate((_ramp(0, -80, 1.5), _ramp(-80, -80, 1.0)))
    parts_up.append(_rot_x(exit_))
    parts_still.append(np.r_[np.zeros(int(1.5 * RATE), bool), np.ones(len(exit_) - int(1.5 * RATE), bool)])
    return np.vstack(parts_up), np.concatenate(parts_still), bottoms


def test_set_without_still_top_counts_every_rep_at_its_lowest_point():
    up, still, bottoms = _set_with_entry(6)
    reps, _ = _run(up, still)
    assert len(reps) == 6
    found = np.array([c.k_low for c in reps]) / RATE
    assert np.max(np.abs(found - np.array(bottoms))) < 0.1
    assert all(50.0 < c.peak_deg < 70.0 for c in reps)


def test_chunking_gives_identical_reps():
    up, still, _ = _set_with_entry(5)
    whole, _ = _run(up, still)
    for chunk in (1, 7, 64):
        parts, _ = _run(up, still, chunk)
        assert [(c.k_start, c.k_bottom, c.k_ascent, c.k_end) for c in parts] == \
               [(c.k_start, c.k_bottom, c.k_ascent, c.k_end) for c in whole]


def test_swing_about_the_rest_posture_is_not_a_set():
    """Walking: the arm swings through its hanging posture; neither end is a top."""
    hold = np.zeros(int(2 * RATE))
    t = np.arange(int(20 * RATE)) / RATE
    swing = 25.0 * np.sin(2 * np.pi * 0.9 * t)
    up = _rot_x(np.concatenate((hold, swing)))
    still = np.r_[np.ones(len(hold), bool), np.zeros(len(swing), bool)]
    reps, _ = _run(up, still)
    assert reps == []


def test_a_wrist_swinging_through_its_hanging_posture_is_not_a_set():
    """Walking, wrist: the swing-through-the-rest rule is the upper arm's; a wrist's forearm also
    passes the vertical of all fours in a push-up, so it is told by the planted hand instead. A
    hand swinging on a 0.6 m arm from the shoulder rises and falls far faster than a sensor
    turning about a planted wrist can."""
    hold = np.zeros(int(2 * RATE))
    t = np.arange(int(20 * RATE)) / RATE
    swing = 25.0 * np.sin(2 * np.pi * 0.9 * t)
    tilt = np.concatenate((hold, swing))
    up = _rot_x(tilt)
    still = np.r_[np.ones(len(hold), bool), np.zeros(len(swing), bool)]
    z_hand = -0.6 * np.cos(np.radians(tilt))
    assert _run_with_acc("wrist", up, still, _second_derivative(z_hand)) == []


def test_one_off_rotations_are_not_reps():
    """Getting down and up again: large single rotations in different planes."""
    th = np.concatenate((np.zeros(50), _ramp(0, 80, 1.5), _ramp(80, 80, 2.0), _ramp(80, 0, 1.5), np.zeros(50)))
    up = np.vstack((_rot_x(th), _rot_y(th)))
    reps, _ = _run(up, np.zeros(len(up), bool))
    assert reps == []


def test_height_proxy_is_highest_at_the_top():
    rot = np.linspace(0.0, 90.0, 50)
    for p in ("upper_arm", "wrist"):
        h = arm_height(rot, p)
        assert np.all(np.diff(h) < 0)


@pytest.fixture(scope="module")
def arm_session():
    return simulate_session(seed=5, n_reps=6, placements=("upper_arm", "wrist"),
                                     sampling_rate_hz=RATE)


@pytest.mark.parametrize("placement", ["upper_arm", "wrist"])
def test_simulated_arm_session_counts_and_times(arm_session, placement):
    truth = arm_session.truth["reps"]
    res = ip.analyze(arm_session.recordings[placement])
    assert len(res.reps) == len(truth)
    for ev in ("t_start", "t_bottom", "t_ascent", "t_end"):
        err = np.abs(res.reps[ev].to_numpy() - np.array([r[ev] for r in truth]))
        assert np.median(err) <= 0.15, ev   # the benchmark holds the 80 ms median target
    assert res.reps["depth_m"].isna().all()   # depth is not observable from an arm segment


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=st.integers(min_value=1, max_value=300))
def test_engine_chunking_identical_for_arm_lead(arm_session, size):
    rec = arm_session.recordings["wrist"]
    whole = ip.analyze(rec)
    parts = ip.analyze(rec, chunk_size=size)
    cols = ["t_start", "t_bottom", "t_ascent", "t_end"]
    assert parts.reps[cols].equals(whole.reps[cols])


@pytest.mark.parametrize("kind", ["walking", "squats", "plank_hold"])
def test_distractors_give_no_arm_reps(kind):
    sim = simulate_session(seed=21, kind=kind, placements=("upper_arm", "wrist"), sampling_rate_hz=RATE,
                                    walk_s=(10.0, 12.0), hold_s=(10.0, 12.0))
    for p in ("upper_arm", "wrist"):
        assert ip.analyze(sim.recordings[p]).n_reps == 0, p


@pytest.mark.skipif(not (WB / "sets.csv").exists(), reason="workout-buddy data not present in ../shared/data")
def test_real_upper_arm_sets_reported_counts():
    """Every set of the real recordings (iPhone in an armband, entries and exits included)."""
    wrong = []
    with open(WB / "sets.csv", newline="") as fh:
        for r in csv.DictReader(fh):
            rec = ip.read(WB / "sensorlog" / f"{r['set']}.csv", placement="upper_arm")
            n = ip.analyze(rec, height_m=float(r["height_m"])).n_reps
            if n != int(r["reps"]):
                wrong.append(f"{r['set']}: {n}/{r['reps']}")
    assert not wrong, wrong


@pytest.mark.skipif(not (WB / "sets.csv").exists(), reason="workout-buddy data not present in ../shared/data")
@pytest.mark.parametrize("set_name", ["2015-02-21_12-35-35", "2015-02-27_20-20-03"])
def test_real_set_chunked_feed_is_identical(set_name):
    rec = ip.read(WB / "sensorlog" / f"{set_name}.csv", placement="upper_arm")
    cols = ["t_start", "t_bottom", "t_ascent", "t_end"]
    whole = ip.analyze(rec).reps[cols]
    for size in (1, 13):
        assert ip.analyze(rec, chunk_size=size).reps[cols].equals(whole)


def test_walking_without_a_standing_hold_is_not_a_set():
    """Arm swing with no still posture to compare with: the upper-arm sensor does not go down and
    up with the strokes (as it does with the shoulder in push-ups), the wrist is not planted."""
    from imu_pushup.engine.stream import _Track
    sim = simulate_session(seed=4, kind="walking", placements=("upper_arm", "wrist"), sampling_rate_hz=RATE,
                           walk_s=(12.0, 14.0))
    for p in ("upper_arm", "wrist"):
        rec = sim.recordings[p]
        tr = _Track(p, rec.sampling_rate_hz)
        r, up, av, _, _ = tr.push(rec.t, rec.acc, rec.gyr)
        seg = ArmSegmenter(p, rec.sampling_rate_hz)
        no_holds = np.zeros(len(up), bool)
        assert seg.process(int(r.k[0]), up, no_holds, r.breaks, av) == [], p


# -- physics of the arm segments (analytic geometry) ----------------------------------------------

FOREARM_M, UPPER_ARM_M = 0.26, 0.33


def _planted_arm(shoulder_m: np.ndarray, along_frac: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Upper-arm tilt from vertical (deg) and height of a sensor ``along_frac`` of the way from
    the elbow to the shoulder (m), for a shoulder ``shoulder_m`` straight above a planted hand."""
    e_up = (FOREARM_M**2 - UPPER_ARM_M**2 + shoulder_m**2) / (2.0 * shoulder_m)
    e_back = np.sqrt(np.maximum(FOREARM_M**2 - e_up**2, 0.0))
    tilt_deg = np.degrees(np.arctan2(e_back, shoulder_m - e_up))
    return tilt_deg, e_up + along_frac * (shoulder_m - e_up)


def _second_derivative(z: np.ndarray) -> np.ndarray:
    return np.gradient(np.gradient(z, 1.0 / RATE), 1.0 / RATE)


def _run_with_acc(placement: str, up: np.ndarray, still: np.ndarray, acc: np.ndarray | None):
    return ArmSegmenter(placement, RATE).process(0, up, still, np.zeros(len(up), bool), acc)


def _hold(value: float, dur_s: float) -> np.ndarray:
    return np.full(int(dur_s * RATE), value)


def _one_pushup(bottom_hold_s: float):
    """Shoulder height over a planted hand: plank hold, one rep, plank hold. Returns the upper
    arm's up vectors, still mask, sensor vertical acceleration and the shoulder height (m)."""
    top, bottom = 0.97 * (FOREARM_M + UPPER_ARM_M), 0.30
    parts = [_hold(top, 2.0), _ramp(top, bottom, 1.0), _hold(bottom, bottom_hold_s),
             _ramp(bottom, top, 1.0), _hold(top, 2.0)]
    still = np.concatenate([np.full(len(p), i in (0, 2, 4)) for i, p in enumerate(parts)])
    shoulder = np.concatenate(parts)
    tilt, z = _planted_arm(shoulder)
    return _rot_x(tilt), still, _second_derivative(z), shoulder


def test_single_push_up_between_plank_holds_is_a_rep():
    """A set of one rep: no series of turns, but the upper arm leaves the held plank posture,
    turns once with the sensor going down and back up as the shoulder does, and holds again."""
    up, still, acc, shoulder = _one_pushup(bottom_hold_s=0.4)
    reps = _run_with_acc("upper_arm", up, still, acc)
    assert len(reps) == 1
    band = shoulder.min() + 0.05 * (shoulder.max() - shoulder.min())   # SPEC: 5 % of the excursion
    t_bottom = np.argmax(shoulder <= band) / RATE
    assert abs(reps[0].k_bottom / RATE - t_bottom) <= 0.1


def test_single_rep_needs_the_vertical_acceleration():
    """Without the sensor's height a lone excursion cannot be told from other one-off motions."""
    up, still, _, _ = _one_pushup(bottom_hold_s=0.4)
    assert _run_with_acc("upper_arm", up, still, None) == []


def test_lying_on_the_floor_is_not_a_lone_rep():
    """Down to the floor, lying there, back up: a bottom far longer than a push-up's pause."""
    up, still, acc, _ = _one_pushup(bottom_hold_s=6.0)
    assert _run_with_acc("upper_arm", up, still, acc) == []


def test_arm_raised_from_hanging_is_not_a_lone_rep():
    """The same rotation from vertical and back, but the arm hangs from a still shoulder: the
    sensor rises as the arm swings up (a pendulum), where a push-up lowers it."""
    up, still, _, _ = _one_pushup(bottom_hold_s=0.4)
    tilt = np.degrees(np.arccos(np.clip(up[:, 2], -1.0, 1.0)))
    z_sensor = 1.40 - 0.5 * UPPER_ARM_M * np.cos(np.radians(tilt))
    assert _run_with_acc("upper_arm", up, still, _second_derivative(z_sensor)) == []


def _forearm_series(n_reps: int, body_drop_m: float, radius_m: float = 0.05):
    """Forearm tilting 0 -> 30 deg and back n times between holds; the wrist sensor turns about a
    pivot ``radius_m`` away while the pivot itself goes down by ``body_drop_m`` at the bottom."""
    tilt = [_hold(0.0, 1.5)]
    for _ in range(n_reps):
        tilt += [_ramp(0.0, 30.0, 1.0), _hold(30.0, 0.3), _ramp(30.0, 0.0, 1.0), _hold(0.0, 0.6)]
    tilt.append(_hold(0.0, 1.5))
    still = np.concatenate([np.full(len(p), i % 4 in (0, 2) if 0 < i < len(tilt) - 1 else True)
                            for i, p in enumerate(tilt)])
    th = np.concatenate(tilt)
    z = radius_m * np.cos(np.radians(th)) - body_drop_m * th / 30.0
    return _rot_x(th), still, _second_derivative(z)


def test_wrist_counts_reps_on_a_planted_hand_only():
    """The same forearm rotations: counted when the sensor turns about the planted wrist, not when
    it also goes down and up with the body (a squat or sitting down with the arms)."""
    up, still, acc = _forearm_series(5, body_drop_m=0.0)
    assert len(_run_with_acc("wrist", up, still, acc)) == 5
    up, still, acc = _forearm_series(5, body_drop_m=0.25)
    assert _run_with_acc("wrist", up, still, acc) == []


def test_a_hand_that_shakes_while_the_forearm_tilts_is_not_planted():
    """The planted-hand check holds for every stroke on its own: a hand that shakes at 1.5 m/s²
    (RMS, 20 Hz) while the forearm tilts is no planted hand, also when the series' first stroke
    starts after 6 s of stillness (averaged over the whole series the shaking reads under
    1 m/s²). The same series without the shaking counts."""
    up, still, acc = _forearm_series(5, body_drop_m=0.0)
    n_hold = int(6.0 * RATE)
    up = np.concatenate((np.repeat(up[:1], n_hold, axis=0), up))
    still = np.concatenate((np.ones(n_hold, bool), still))
    acc = np.concatenate((np.zeros(n_hold), acc))
    assert len(_run_with_acc("wrist", up, still, acc)) == 5
    t = np.arange(len(acc)) / RATE
    shake = np.where(still, 0.0, 1.5 * np.sqrt(2.0) * np.sin(2 * np.pi * 20.0 * t))
    assert _run_with_acc("wrist", up, still, acc + shake) == []


@pytest.mark.parametrize("n_reps", [1, 2])
@pytest.mark.parametrize("placement", ["upper_arm", "wrist"])
def test_short_simulated_sets_are_counted(placement, n_reps):
    """Sets of one or two reps (no series of five turns to recognise) on simulated sessions."""
    for seed in (5, 6, 7):
        sim = simulate_session(seed=seed, n_reps=n_reps, placements=("upper_arm", "wrist"),
                               sampling_rate_hz=RATE)
        truth = sim.truth["reps"]
        reps = ip.analyze(sim.recordings[placement]).reps
        assert len(reps) == len(truth), (seed, placement)
        err = np.abs(reps["t_bottom"].to_numpy() - np.array([r["t_bottom"] for r in truth]))
        assert np.max(err) <= 0.3, (seed, placement)


@pytest.mark.parametrize("placement", ["upper_arm", "wrist"])
def test_a_long_gap_inside_one_chunk_keeps_every_row_at_its_time(arm_session, placement):
    """Lost packets over a rep's bottom: fed whole (the gap inside one chunk) or one
    sample at a time, the reps after it are found at the same times, and none is lost."""
    rec, truth = arm_session.recordings[placement], arm_session.truth["reps"]
    keep = np.abs(rec.t - truth[2]["t_bottom"]) > 0.4       # the third rep's bottom is lost
    cut = ip.from_arrays(rec.t[keep], rec.acc[keep], rec.gyr[keep], placement=placement,
                         sampling_rate_hz=rec.sampling_rate_hz)
    whole, single = ip.analyze(cut), ip.analyze(cut, chunk_size=1)
    cols = ["t_start", "t_bottom", "t_ascent", "t_end"]
    assert single.reps[cols].equals(whole.reps[cols])
    assert whole.n_reps == len(truth) - 1
    after = whole.reps["t_bottom"].to_numpy(dtype=float)[2:]
    assert np.max(np.abs(after - [r["t_bottom"] for r in truth[3:]])) < 0.2


@pytest.mark.parametrize("after_s", [0.0, 0.2])
def test_a_lone_rep_at_the_very_end_of_the_stream_is_counted(after_s):
    """A recording stopped right after the one rep's ascent: the end of the stream stands for
    the hold that would have followed."""
    up, still, acc, shoulder = _one_pushup(bottom_hold_s=0.4)
    n = len(up) - int(2.0 * RATE) + int(after_s * RATE)
    seg = ArmSegmenter("upper_arm", RATE)
    assert seg.process(0, up[:n], still[:n], np.zeros(n, bool), acc[:n]) == []
    seg.close()
    reps = [c for name, c in seg.transitions if name == "rep"]
    assert len(reps) == 1
    band = shoulder.min() + 0.05 * (shoulder.max() - shoulder.min())
    assert abs(reps[0].k_bottom / RATE - np.argmax(shoulder <= band) / RATE) <= 0.1
