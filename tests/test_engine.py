"""The streaming engine: reps recovered from simulated truth, chunk invariance, events, errors."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import imu_pushup as ip
from imu_pushup.engine.stream import Event, StreamAnalyzer
from imu_pushup.errors import InputError

simulate = pytest.importorskip("imu_pushup.simulate")


@pytest.fixture(scope="module")
def session():
    return simulate.simulate_session(seed=3, n_reps=5, placements=("chest", "upper_arm"),
                                     sampling_rate_hz=50.0)


def _times(res):
    return res.reps[["t_start", "t_bottom", "t_ascent", "t_end"]].to_numpy(dtype=float)


def test_chest_counts_and_times_match_truth(session):
    res = ip.analyze(session.recordings["chest"])
    truth = session.truth["reps"]
    assert res.n_reps == len(truth)
    want = np.array([[r[k] for k in ("t_start", "t_bottom", "t_ascent", "t_end")] for r in truth])
    assert np.median(np.abs(_times(res) - want)) < 0.1
    depth = res.reps["depth_m"].to_numpy(dtype=float)
    assert np.all(np.abs(depth - [r["depth_m"] for r in truth]) < 0.12)


def test_chunked_feed_is_identical(session):
    rec = session.recordings["chest"]
    whole = ip.analyze(rec)
    for n in (1, 7, 64):
        chunked = ip.analyze(rec, chunk_size=n)
        assert np.array_equal(_times(whole), _times(chunked))
        assert whole.to_json() == chunked.to_json()


@pytest.fixture(scope="module")
def short_session():
    return simulate.simulate_session(seed=8, n_reps=2, placements=("chest",), sampling_rate_hz=25.0)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(min_value=1, max_value=200), min_size=1, max_size=30))
def test_random_chunkings_are_identical(short_session, sizes):
    rec = short_session.recordings["chest"]
    whole = StreamAnalyzer({"chest": rec.sampling_rate_hz})
    whole.feed("chest", rec.t, rec.acc, rec.gyr)
    whole.finish()
    an = StreamAnalyzer({"chest": rec.sampling_rate_hz})
    i, j = 0, 0
    t, acc, gyr = rec.t, rec.acc, rec.gyr
    while i < len(t):
        n = sizes[j % len(sizes)]
        an.feed("chest", t[i:i + n], acc[i:i + n], gyr[i:i + n])
        i += n
        j += 1
    an.finish()
    assert [(e.type, e.t) for e in an.events] == [(e.type, e.t) for e in whole.events]
    assert whole.result().to_json() == an.result().to_json()


def _starting_in_plank(seed: int, variant: str, on_all_fours: bool = False):
    """A simulated session whose recording starts a second into the plank, or on all fours before
    it (no turn from standing into the plank is seen), and its true reps."""
    from imu_pushup.recording import from_arrays
    sim = simulate.simulate_session(seed=seed, n_reps=6, variant=variant, mount="random")
    rec = sim.recordings["chest"]
    t0 = sim.truth["plank"]["t_enter"] + 1.0
    if on_all_fours:   # the still hands-and-knees posture (trunk lower than in the plank)
        kin = sim.kinematics
        tt, pitch = kin.index.to_numpy(), kin["trunk_pitch_deg"].to_numpy()
        enter = sim.truth["plank"]["t_enter"]
        hold = (np.abs(np.gradient(pitch, tt)) < 0.5) & (tt < enter) & (pitch < pitch[np.searchsorted(tt, enter)] - 2)
        t0 = float(tt[hold][int(hold.sum()) // 2])
    i = int(np.searchsorted(rec.t, t0))
    cut = from_arrays(rec.t[i:], rec.acc[i:], rec.gyr[i:], placement="chest",
                      sampling_rate_hz=rec.sampling_rate_hz)
    return cut, sim.truth["reps"]


@pytest.mark.parametrize("seed,variant,on_all_fours", [(1, "knee", False), (2, "toe", False), (4, "toe", False),
                                                      (1, "knee", True), (2, "toe", True)])
def test_recording_started_in_the_plank_counts_every_rep(seed, variant, on_all_fours):
    # the reps turn the trunk away from the stream's first posture by little (in the plank) or
    # towards it (on all fours): the rotation is measured from a posture above the plank once
    # two reps, or two upside-down valleys, show the way down
    rec, truth = _starting_in_plank(seed, variant, on_all_fours)
    res = ip.analyze(rec, height_m=1.75)
    assert res.n_reps == len(truth)
    want = np.array([r["t_bottom"] for r in truth])
    assert np.median(np.abs(res.reps["t_bottom"].to_numpy(dtype=float) - want)) < 0.1
    chunked = ip.analyze(rec, height_m=1.75, chunk_size=13)
    assert chunked.to_json() == res.to_json()


@pytest.mark.parametrize("seed", [6, 27])
def test_reps_that_turn_the_trunk_back_through_the_all_fours_posture_are_counted(seed):
    # the recording starts on all fours; each rep turns the trunk from the plank back to that
    # posture and past it, so the angle to the first posture folds at every rep (25 Hz)
    from imu_pushup.bench import _late_start
    assert dict(_late_start(seed))["on all fours"]


def test_events_stream(session):
    rec = session.recordings["chest"]
    an = StreamAnalyzer({"chest": rec.sampling_rate_hz})
    events: list[Event] = []
    for i in range(0, len(rec.t), 10):
        events += an.feed("chest", rec.t[i:i + 10], rec.acc[i:i + 10], rec.gyr[i:i + 10])
    events += an.finish()
    types = [e.type for e in events]
    assert types.count("rep_completed") == len(session.truth["reps"])
    assert types.index("plank_entered") < types.index("rep_completed")
    assert types[-1] == "set_ended"
    done = [e for e in events if e.type == "rep_completed"]
    assert all(e.data["t_end"] == e.t for e in done)


def test_multi_sensor_session_adds_pitch(session):
    res = ip.analyze(list(session.recordings.values()))
    assert res.n_reps == len(session.truth["reps"])
    assert [s["placement"] for s in res.sensors] == ["chest", "upper_arm"]
    assert res.signals is not None and {"height_m", "trunk_pitch_deg"} <= set(res.signals.columns)


def test_upper_arm_alone_counts(session):
    res = ip.analyze(session.recordings["upper_arm"])
    assert abs(res.n_reps - len(session.truth["reps"])) <= 1
    assert res.reps["depth_m"].isna().all()


@pytest.mark.parametrize("kind", ["plank_hold", "walking", "squats"])
def test_distractors_give_no_reps(kind):
    sim = simulate.simulate_session(seed=11, kind=kind, n_reps=6, placements=("chest",),
                                    sampling_rate_hz=50.0)
    assert ip.analyze(sim.recordings["chest"]).n_reps == 0


def test_bad_feeds_raise_typed_errors():
    an = StreamAnalyzer({"chest": 50.0})
    with pytest.raises(InputError):
        an.feed("wrist", [0.0], [[0, 0, 9.81]])
    with pytest.raises(InputError):
        an.feed("chest", [0.0, 0.02], [[0, 0, 9.81]])
    with pytest.raises(InputError):
        StreamAnalyzer({"elbow": 50.0})


@pytest.fixture(scope="module")
def eight_reps():
    return simulate.simulate_session(seed=5, n_reps=8, placements=("chest",), sampling_rate_hz=50.0)


def _stream(t, acc, gyr, chunk=25):
    an = StreamAnalyzer({"chest": 50.0})
    events = []
    for i in range(0, len(t), chunk):
        events += an.feed("chest", t[i:i + chunk], acc[i:i + chunk], gyr[i:i + chunk])
    events += an.finish()
    return an.result(), events


def test_stream_stopped_mid_rep_reports_the_reps_before_and_ends_the_set(eight_reps):
    rec, truth = eight_reps.recordings["chest"], eight_reps.truth["reps"]
    keep = rec.t < truth[2]["t_bottom"]
    res, events = _stream(rec.t[keep], rec.acc[keep], rec.gyr[keep])
    assert res.n_reps == 2
    assert events[-1].type == "set_ended"


def test_stream_resumes_after_a_gap_and_says_so(eight_reps):
    rec, truth = eight_reps.recordings["chest"], eight_reps.truth["reps"]
    keep = (rec.t < truth[2]["t_bottom"]) | (rec.t > truth[3]["t_bottom"])   # reps 3 and 4 cut
    res, events = _stream(rec.t[keep], rec.acc[keep], rec.gyr[keep])
    assert res.n_reps == len(truth) - 2
    assert "gap" in [e.type for e in events]
    assert any("gap" in w for w in res.warnings)
    bottoms = res.reps["t_bottom"].to_numpy(dtype=float)
    want = [r["t_bottom"] for i, r in enumerate(truth) if i not in (2, 3)]
    assert np.max(np.abs(bottoms - want)) < 0.2


def test_stream_survives_a_clock_jump_and_reports_it(eight_reps):
    rec, truth = eight_reps.recordings["chest"], eight_reps.truth["reps"]
    t = rec.t.copy()
    j = int(np.searchsorted(t, truth[2]["t_end"] + 0.3))
    t[j:] -= 30.0                                  # the sensor clock went back 30 s
    res, events = _stream(t, rec.acc, rec.gyr)
    assert res.n_reps == len(truth)
    jumps = [e for e in events if e.type == "clock_jump"]
    assert len(jumps) == 1 and jumps[0].data["back_s"] == pytest.approx(30.0, abs=0.05)
    assert any("clock went back" in w for w in res.warnings)
    # later reps keep their place on the shifted clock, in order
    assert np.all(np.diff(res.reps["t_start"].to_numpy(dtype=float)) > 0)
    assert _stream(t, rec.acc, rec.gyr, chunk=7)[0].to_json() == res.to_json()


def test_depth_is_measured_rest_to_rest_and_reported_once_the_top_is_reached():
    """Depth from the vertical acceleration between the rests at the tops (SPEC: the sternum's
    excursion), within 2 cm (median) of the simulated truth; each rep is reported when the
    samples DEPTH_SETTLE_S after its end are in, not before."""
    from imu_pushup.engine.stream import DEPTH_SETTLE_S
    err, late = [], []
    for seed in (3, 4, 5):
        sim = simulate.simulate_session(seed=seed, n_reps=5, placements=("chest",), sampling_rate_hz=50.0)
        res = ip.analyze(sim.recordings["chest"])
        assert res.n_reps == 5
        err += list(res.reps["depth_m"].to_numpy(float) - [r["depth_m"] for r in sim.truth["reps"]])
        late += list(res.reps["t_reported"].to_numpy(float) - res.reps["t_end"].to_numpy(float))
    assert np.median(np.abs(err)) <= 0.02
    assert min(late) >= DEPTH_SETTLE_S - 1e-9


@pytest.mark.parametrize("seed,variant,rate_hz", [(4, "toe", 50.0), (0, "toe", 25.0),
                                                  (1, "knee", 50.0), (13, "knee", 50.0)])
def test_first_rep_from_an_unsettled_plank_counts_once_a_later_rep_proves_it(seed, variant, rate_hz):
    """The recording starts as the plank is entered: the first rep leaves a top that never came to
    rest, so its height cannot be integrated and, in the stream's first posture, nothing proves it
    a push-up; the next rep is measured and the first repeats it (same top, same way down, a
    similar turn), so it counts, reported before it. Knee reps turn the trunk too far to pass for
    toe push-ups in the first posture: the measured ones wait for the person to get up, and the
    first waits with them."""
    from imu_pushup.recording import from_arrays
    sim = simulate.simulate_session(seed=seed, n_reps=6, variant=variant, mount="random",
                                    sampling_rate_hz=rate_hz)
    rec, truth = sim.recordings["chest"], sim.truth["reps"]
    i = int(np.searchsorted(rec.t, sim.truth["plank"]["t_enter"] - 0.3))
    cut = from_arrays(rec.t[i:], rec.acc[i:], rec.gyr[i:], placement="chest", sampling_rate_hz=rate_hz)
    res = ip.analyze(cut, height_m=1.75)
    assert res.n_reps == len(truth)
    bottoms = res.reps["t_bottom"].to_numpy(dtype=float)
    assert np.max(np.abs(bottoms - [r["t_bottom"] for r in truth])) < 0.5
    assert ip.analyze(cut, height_m=1.75, chunk_size=7).to_json() == res.to_json()


def _benchmark_session_counted(seed: int):
    """Chest analysis of the benchmark's session ``seed``: every true rep found, each bottom within
    0.3 s of its truth. Returns the recording, the height used and the result."""
    params = simulate.sample_session_params(np.random.default_rng(10_000 + seed))
    sim = simulate.simulate_session(seed=seed, **params)
    rec = sim.recordings["chest"]
    res = ip.analyze(rec, height_m=params["height_m"])
    truth = sim.truth["reps"]
    assert res.n_reps == len(truth)
    bottoms = res.reps["t_bottom"].to_numpy(dtype=float)
    assert np.max(np.abs(bottoms - [r["t_bottom"] for r in truth])) < 0.3
    return rec, params["height_m"], res


@pytest.mark.parametrize("seed", [32, 67, 78, 177])
def test_a_rep_whose_trunk_settles_below_its_top_is_reported_once_back_at_its_end(seed):
    """Benchmark sessions 32, 67 and 177: after a rep the trunk settles a degree or two below the top
    it left, then creeps up. The report waited for the rotation to reach that top's band (up to
    0.8 s after the rep's end); a bottom wobble's tiny valley set how slow "no longer rising" had
    to be. Now a rep is reported once the rotation is back at the turn the rep ends at and slowing,
    or rises by less than a share of the rep's own turn: within the settle the depth needs plus
    one emit delay, fed whole or 7 samples at a time. A set's first rep too (67, 78, 177: it
    waited for its top's band, 0.33 s after its end): every rep within the 0.3 s the live report
    aims at."""
    from imu_pushup.engine.stream import DEPTH_SETTLE_S
    from imu_pushup.engine.trunk import EMIT_DELAY_S
    rec, height_m, res = _benchmark_session_counted(seed)
    late = res.reps["t_reported"].to_numpy(float) - res.reps["t_end"].to_numpy(float)
    assert np.max(late) <= min(DEPTH_SETTLE_S + EMIT_DELAY_S, 0.3)
    assert ip.analyze(rec, height_m=height_m, chunk_size=7).to_json() == res.to_json()


def test_shallow_reps_at_25_hz_are_counted_from_their_rest_to_rest_height():
    """Benchmark session 90: partial reps of 5-9 cm at 25 Hz with a held pike; one rep's height,
    integrated with a single condition, came out at 3 cm (under the 4 cm a rep must travel). From
    rest to rest it is 7 cm, the way the trunk turns: every rep counts."""
    _benchmark_session_counted(90)


def test_the_move_into_the_plank_does_not_make_or_bury_a_rep():
    """Benchmark session 123: the band-limited height remembered the 40 cm move into the plank for
    seconds, so a settle of the chest at the set's start (a turn of 8 degrees, timed by the
    rotation) seemed to go down with it and counted as a rep. The band starts again at the
    plank's first still hold: every rep counts, and only those, fed whole or 7 samples at a
    time."""
    rec, height_m, res = _benchmark_session_counted(123)
    assert ip.analyze(rec, height_m=height_m, chunk_size=7).to_json() == res.to_json()
