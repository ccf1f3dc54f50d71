"""The simulator against physics and the SPEC event definitions."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.transform import Rotation

import imu_pushup as ip
from imu_pushup.errors import UsageError
from imu_pushup.simulate import sample_session_params, simulate_session
from imu_pushup.units import GRAVITY_M_S2, PLACEMENTS

ALL = PLACEMENTS
IDEAL = dict(noise=0.0, acc_bias_m_s2=0.0, gyr_bias_deg_s=0.0, scale_error=0.0)


@pytest.fixture(scope="module")
def sim_all():
    return simulate_session(seed=11, n_reps=5, placements=ALL)


@pytest.fixture(scope="module")
def sim_ideal():
    return simulate_session(seed=5, n_reps=4, placements=ALL, **IDEAL)


def test_gravity_magnitude_at_rest(sim_all, sim_ideal):
    for sim, tol in ((sim_all, 0.35), (sim_ideal, 0.03)):
        kin = sim.kinematics
        still = kin.index[(kin["activity"] == "stand") & (kin.index < kin.index[0] + 1.0)]
        for placement, rec in sim.recordings.items():
            norm = np.linalg.norm(rec.acc[np.isin(rec.t, still)], axis=1)
            assert len(norm) > 50
            assert abs(np.median(norm) - GRAVITY_M_S2) < tol, placement
            if tol < 0.1:
                assert np.max(np.abs(norm - GRAVITY_M_S2)) < 0.1, placement


def _integrate(gyr_deg_s: np.ndarray, t: np.ndarray, q0: Rotation) -> Rotation:
    """Body-rate integration with the trapezoidal rate over each step."""
    w = np.radians(gyr_deg_s)
    steps = Rotation.from_rotvec(0.5 * (w[:-1] + w[1:]) * np.diff(t)[:, None])
    out = [q0]
    for s in steps:
        out.append(out[-1] * s)
    return Rotation.concatenate(out)


@pytest.mark.parametrize("placement", ALL)
def test_gyro_integrates_to_model_orientation(sim_all, placement):
    rec = sim_all.recordings[placement]
    info = sim_all.truth["sensors"][placement]
    ori = sim_all.orientations[placement]
    # Calibrate the known bias and scale out (the noise stays in).
    gyr = (rec.gyr - np.array(info["bias_deg_s"])) / np.array(info["gyr_scale"])
    # A 20 s stretch covering the plank and reps.
    t0 = sim_all.truth["plank"]["t_enter"] - 4.0
    sel = (rec.t >= t0) & (rec.t <= t0 + 20.0)
    q = Rotation.from_quat(ori.loc[rec.t[sel]].to_numpy())
    est = _integrate(gyr[sel], rec.t[sel], q[0])
    err_deg = np.degrees((q.inv() * est).magnitude())
    assert err_deg.max() < 1.0
    # The mount rotation is really in the signal: the aligned frame would be far off.
    mount = Rotation.from_quat(info["mount_quat_xyzw"])
    assert np.degrees(mount.magnitude()) > 1.0


def test_specific_force_matches_true_chest_motion(sim_ideal):
    """World-frame vertical specific force minus g equals the chest height's second derivative."""
    sim = simulate_session(seed=5, n_reps=4, placements=("chest",), wobble=0.0, **IDEAL)
    rec = sim.recordings["chest"]
    q = Rotation.from_quat(sim.orientations["chest"].loc[rec.t].to_numpy())
    acc_up = q.apply(np.array(rec.acc))[:, 2] - GRAVITY_M_S2
    h = sim.kinematics["chest_height_m"].loc[rec.t].to_numpy()
    dt = np.diff(rec.t).mean()
    h_dd = np.gradient(np.gradient(h, dt), dt)
    inner = slice(10, -10)
    err = acc_up[inner] - h_dd[inner]
    assert np.sqrt(np.mean(err ** 2)) < 0.05
    assert np.max(np.abs(h_dd)) > 0.5  # the reps really move the chest


def _events(t: np.ndarray, h: np.ndarray) -> tuple[float, float, float, float]:
    """SPEC events recomputed with plain loops, as the SPEC words them."""
    low_i = int(np.argmin(h))
    top = max(h[: low_i + 1])
    low = h[low_i]
    band = 0.05 * (top - low)
    top_i = int(np.argmax(h[: low_i + 1]))
    start = next(i for i in range(top_i, len(h)) if h[i] <= top - band)
    bottom = next(i for i in range(start, len(h)) if h[i] <= low + band)
    ascent = max(i for i in range(len(h)) if h[i] <= low + band)
    end = next(i for i in range(ascent + 1, len(h)) if h[i] >= top - band)
    return t[start], t[bottom], t[ascent], t[end]


@pytest.mark.parametrize("kw", [
    dict(seed=1),
    dict(seed=2, variant="knee", sampling_rate_hz=50.0, stroke=0.9, top_hold_s=0.0, pause_s=0.0),
    dict(seed=3, depth_frac=(0.2, 0.4), fatigue=1.0, sampling_rate_hz=25.0, timestamp_jitter_s=0.002),
])
def test_truth_events_follow_spec_definitions(kw):
    sim = simulate_session(n_reps=6, **kw)
    kin = sim.kinematics
    t = kin.index.to_numpy()
    h = kin["chest_height_m"].to_numpy()
    reps = sim.truth["reps"]
    assert len(reps) == 6
    period = np.diff(t).max()  # one sample (jitter included)
    for i, rep in enumerate(reps):
        w0 = reps[i - 1]["t_end"] if i else sim.truth["plank"]["t_enter"]
        w1 = reps[i + 1]["t_start"] if i + 1 < len(reps) else sim.truth["plank"]["t_leave"]
        sel = (t >= w0) & (t <= w1)
        ev = _events(t[sel], h[sel])
        got = (rep["t_start"], rep["t_bottom"], rep["t_ascent"], rep["t_end"])
        assert np.allclose(ev, got, atol=period * 1.01), (i, ev, got)
        assert rep["descent_s"] == pytest.approx(rep["t_bottom"] - rep["t_start"])
        hw = h[sel]
        assert rep["depth_m"] == pytest.approx(hw[: np.argmin(hw) + 1].max() - hw.min(), abs=2e-3)


def test_requested_form_shows_in_truth():
    good = simulate_session(seed=4, n_reps=4, depth_frac=1.0, sag_deg=0.0, neck_flexion_deg=5.0,
                            descent_s=1.6, pause_s=0.6)
    for rep in good.truth["reps"]:
        assert rep["depth_frac"] == pytest.approx(1.0, abs=0.03)
        assert rep["flags"] == []
        # The sternum drop is close to the shoulder drop (about one upper-arm length).
        assert 0.2 < rep["depth_m"] < 0.4
    bad = simulate_session(seed=4, n_reps=4, depth_frac=0.3, sag_deg=18.0, neck_flexion_deg=35.0,
                           descent_s=0.5, pause_s=0.0)
    for rep in bad.truth["reps"]:
        assert set(rep["flags"]) == {"sag", "partial", "head_down", "fast_descent", "no_pause"}
        assert rep["sag_deg"] == pytest.approx(18.0, abs=1.0)
    pike = simulate_session(seed=4, n_reps=2, sag_deg=-20.0)
    assert all("pike" in r["flags"] for r in pike.truth["reps"])
    dip = simulate_session(seed=4, n_reps=2, sag_deg=0.0, sag_dip_deg=15.0)
    for rep in dip.truth["reps"]:
        assert rep["sag_deg"] == pytest.approx(15.0, abs=1.5)
        assert "sag" in rep["flags"]
    # The dip is only at the bottom: at the top the hips are back in line.
    kin = dip.kinematics
    assert abs(kin.loc[kin["phase"] == "top", "hip_angle_deg"]).max() < 3.0


def test_fatigue_slows_and_shallows():
    sim = simulate_session(seed=8, n_reps=8, fatigue=1.0, descent_s=1.2, ascent_s=0.9, depth_frac=1.0,
                           sag_deg=0.0)
    reps = sim.reps
    assert reps["descent_s"].iloc[-1] > reps["descent_s"].iloc[0] * 1.3
    assert reps["depth_frac"].iloc[-1] < reps["depth_frac"].iloc[0] * 0.75
    assert reps["sag_deg"].iloc[-1] > 7.0


def test_csv_round_trip_is_identical(tmp_path):
    sim = simulate_session(seed=9, n_reps=3, placements=ALL, sampling_rate_hz=52.0, packet_loss=0.03,
                           timestamp_jitter_s=0.001, clock_offset_s=1234.5678)
    sim.write(tmp_path)
    truth = json.loads((tmp_path / "truth.json").read_text())
    assert truth == json.loads(json.dumps(sim.truth))
    assert truth["schema"] == "imu-pushup/truth@1"
    for placement, rec in sim.recordings.items():
        back = ip.read(tmp_path / f"{placement}.csv")
        assert back.placement == placement
        pd.testing.assert_frame_equal(back.data, rec.data, check_exact=True)
        assert back.sampling_rate_hz == rec.sampling_rate_hz
        assert back.metadata == rec.metadata
        assert len(back.gaps) > 0  # packet loss shows as gaps, with the kept times unchanged
        assert np.isin(back.t, sim.kinematics.index.to_numpy()).all()


def test_deterministic_and_seed_dependent():
    a = simulate_session(seed=21, n_reps=3, placements=("chest", "wrist"))
    b = simulate_session(seed=21, n_reps=3, placements=("chest", "wrist"))
    c = simulate_session(seed=22, n_reps=3, placements=("chest", "wrist"))
    for p in a.recordings:
        pd.testing.assert_frame_equal(a.recordings[p].data, b.recordings[p].data, check_exact=True)
    assert a.truth == b.truth
    assert not a.recordings["chest"].data.equals(c.recordings["chest"].data)
    # The body's motion does not depend on which sensors are simulated.
    d = simulate_session(seed=21, n_reps=3, placements=("chest",))
    assert d.truth["reps"] == a.truth["reps"]
    pd.testing.assert_frame_equal(d.recordings["chest"].data, a.recordings["chest"].data, check_exact=True)


@pytest.mark.parametrize("kind", ["walking", "squats", "plank_hold"])
def test_distractors_have_no_reps(kind):
    sim = simulate_session(seed=2, kind=kind, n_reps=5, placements=("chest", "wrist"))
    assert sim.truth["kind"] == kind
    assert sim.truth["reps"] == []
    assert (sim.kinematics["rep"] == 0).all()
    assert (sim.truth["plank"] is not None) == (kind == "plank_hold")
    chest = sim.recordings["chest"]
    # Something happens: the chest moves well beyond sensor noise.
    assert np.ptp(np.linalg.norm(chest.acc, axis=1)) > 1.0


def test_bad_parameters_raise_usage_errors():
    with pytest.raises(UsageError, match="bogus"):
        simulate_session(bogus=1.0)
    with pytest.raises(UsageError, match="placement"):
        simulate_session(placements=("knee",))
    with pytest.raises(UsageError, match="one value per rep"):
        simulate_session(n_reps=3, descent_s=[1.0, 1.2])
    with pytest.raises(UsageError):
        simulate_session(kind="burpees")


def test_sampled_params_span_the_variations():
    rng = np.random.default_rng(0)
    draws = [sample_session_params(rng) for _ in range(400)]
    kinds = pd.Series([d["kind"] for d in draws]).value_counts(normalize=True)
    assert 0.04 < 1 - kinds.get("pushups", 0) < 0.2
    rates = {d["sampling_rate_hz"] for d in draws}
    assert min(rates) == 25.0 and max(rates) == 200.0
    assert {d["variant"] for d in draws} == {"toe", "knee"}
    assert any(d["depth_frac"][0] < 0.4 for d in draws)
    assert any(d["sag_deg"][0] > 10 for d in draws) and any(d["sag_deg"][1] < -10 for d in draws)
    assert any(d["packet_loss"] > 0 for d in draws) and any(d["fatigue"] > 0.5 for d in draws)
    # A few of them really simulate.
    for d in draws[:3]:
        sim = simulate_session(seed=1, **d)
        assert set(sim.recordings) == set(d["placements"])


def test_cli_writes_what_the_api_simulates(tmp_path, capsys):
    from imu_pushup.cli import main
    code = main(["simulate", "--reps", "3", "--seed", "7", "--placements", "chest,head", "--rate-hz", "50",
                 "--variant", "knee", "--height-m", "1.62", "--sag-deg", "12", "--descent-s", "0.9:1.3",
                 "--param", "acc_range_g=8", "-o", str(tmp_path)])
    assert code == 0
    sim = simulate_session(seed=7, n_reps=3, placements=("chest", "head"), sampling_rate_hz=50.0,
                           variant="knee", height_m=1.62, sag_deg=12.0, descent_s=(0.9, 1.3),
                           acc_range_g=8.0, mount="random")
    for placement in ("chest", "head"):
        back = ip.read(tmp_path / f"{placement}.csv")
        pd.testing.assert_frame_equal(back.data, sim.recordings[placement].data, check_exact=True)
    truth = json.loads((tmp_path / "truth.json").read_text())
    assert truth["variant"] == "knee" and len(truth["reps"]) == 3
    assert all("sag" in r["flags"] for r in truth["reps"])


def test_cli_bad_input_exits_2_with_one_line(tmp_path, capsys):
    from imu_pushup.cli import main
    assert main(["simulate", "--placements", "chest,knee", "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "knee" in err


def test_aligned_frames_in_the_plank():
    """Aligned mounts: x towards the head (arms: towards the shoulder), z out of the skin."""
    sim = simulate_session(seed=3, n_reps=1, placements=ALL, mount="aligned", **IDEAL)
    kin = sim.kinematics
    plank = kin.index[kin["activity"] == "plank"]
    mean = {p: rec.data.loc[rec.data.index.isin(plank)].mean() for p, rec in sim.recordings.items()}
    trunk_deg = kin.loc[plank, "trunk_pitch_deg"].mean()
    assert 5.0 < trunk_deg < 35.0
    # Chest faces the floor, lower back and back of the head face the ceiling.
    assert mean["chest"]["acc_z"] < -8.0 and mean["lumbar"]["acc_z"] > 8.0 and mean["head"]["acc_z"] > 7.0
    # The trunk rises towards the head: gravity's reaction shows on +x by sin(trunk pitch).
    assert mean["chest"]["acc_x"] == pytest.approx(GRAVITY_M_S2 * np.sin(np.radians(trunk_deg)), abs=0.3)
    # Upper arm: z points sideways (lateral), x up the near-vertical arm towards the shoulder.
    assert abs(mean["upper_arm"]["acc_z"]) < 1.0 and mean["upper_arm"]["acc_x"] > 8.0
    assert mean["wrist"]["acc_x"] > 8.0


def test_module_stays_callable_like_the_top_level_function():
    import imu_pushup.simulate as simulate_module
    sim = ip.simulate(seed=1, n_reps=2)
    assert simulate_module is ip.simulate and len(sim.truth["reps"]) == 2
