"""``imu-pushup calibrate``: learns a calibration that ``analyze --calibration`` uses; bad files exit 2."""
from __future__ import annotations

import json

import pytest

from imu_pushup.cli import main

simulate = pytest.importorskip("imu_pushup.simulate")

#: The sternum skin's rocking of the one simulated person (rad per rad of elbow flexion).
SKIN_ROCK = 0.08


@pytest.fixture(scope="module")
def worn(tmp_path_factory):
    """A good-form calibration set and a sagging set of one person: the same sensor mounts and the
    same sternum skin (how far it rocks as the elbows bend is a property of the person)."""
    root = tmp_path_factory.mktemp("cal")
    good = simulate.simulate_session(seed=11, n_reps=3, placements=("chest", "head"), sag_deg=0.0,
                                     neck_flexion_deg=0.0, sampling_rate_hz=50.0, chest_rock=SKIN_ROCK)
    good.write(root / "good")
    mounts = {p: s["mount_quat_xyzw"] for p, s in good.truth["sensors"].items()}
    bad = simulate.simulate_session(seed=12, n_reps=4, placements=("chest", "head"), sag_deg=14.0,
                                    neck_flexion_deg=30.0, sampling_rate_hz=50.0, mount=mounts,
                                    chest_rock=SKIN_ROCK)
    bad.write(root / "bad")
    return root


def test_calibrate_then_analyze_flags_held_sag(worn, capsys):
    cal = worn / "cal.json"
    assert main(["calibrate", f"chest={worn}/good/chest.csv", f"head={worn}/good/head.csv",
                 "-o", str(cal)]) == 0
    doc = json.loads(cal.read_text())
    assert doc["schema"] == "imu-pushup/calibration@1"
    assert set(doc["placements"]) == {"chest", "head"}
    assert doc["variant"] == "toe"
    capsys.readouterr()
    assert main(["analyze", "--json", "--calibration", str(cal), f"{worn}/bad/chest.csv",
                 f"{worn}/bad/head.csv"]) == 0
    res = json.loads(capsys.readouterr().out)
    reps = res["reps"]
    assert len(reps) >= 3
    assert all("sag" in r["flags"] for r in reps)
    # the median: the engine's first rep after a long hold may carry a drifted height
    assert abs(sorted(r["sag_deg"] for r in reps)[len(reps) // 2] - 14.0) <= 3.0
    assert all("head_down" in r["flags"] for r in reps)
    assert any("sagged" in s for r in reps for s in r["feedback"])


def test_calibration_of_another_placement_exits_2(worn, capsys):
    cal = worn / "chest_only.json"
    assert main(["calibrate", f"chest={worn}/good/chest.csv", "-o", str(cal)]) == 0
    capsys.readouterr()
    code = main(["analyze", "--calibration", str(cal), f"head={worn}/bad/head.csv"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "head" in err and str(cal) in err


def test_broken_calibration_exits_2(worn, capsys):
    broken = worn / "broken.json"
    broken.write_text('{"schema": "imu-pushup/calibration@1", "placements": {"chest": ')
    code = main(["analyze", "--calibration", str(broken), f"{worn}/bad/chest.csv"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "not valid JSON" in err


def test_calibrate_from_a_still_plank_alone(tmp_path, capsys):
    """No push-up: the still plank after standing gives the absolute reference; reps then tell sag."""
    plank = simulate.simulate_session(seed=3, kind="plank_hold", placements=("chest", "head"),
                                      sampling_rate_hz=50.0, sag_deg=0.0, neck_flexion_deg=0.0,
                                      chest_rock=SKIN_ROCK)
    plank.write(tmp_path / "plank")
    kin = plank.kinematics
    true_pitch = float(kin["trunk_pitch_deg"][kin["activity"] == "plank"].median())
    mounts = {p: s["mount_quat_xyzw"] for p, s in plank.truth["sensors"].items()}
    bad = simulate.simulate_session(seed=12, n_reps=4, placements=("chest", "head"), sag_deg=14.0,
                                    neck_flexion_deg=30.0, sampling_rate_hz=50.0, mount=mounts,
                                    chest_rock=SKIN_ROCK)
    bad.write(tmp_path / "bad")
    cal = tmp_path / "plank.json"
    assert main(["calibrate", f"chest={tmp_path}/plank/chest.csv", f"head={tmp_path}/plank/head.csv",
                 "-o", str(cal)]) == 0
    doc = json.loads(cal.read_text())
    assert doc["placements"]["chest"]["reference_pitch_deg"] == pytest.approx(true_pitch, abs=3.0)
    capsys.readouterr()
    assert main(["analyze", "--json", "--calibration", str(cal), f"{tmp_path}/bad/chest.csv",
                 f"{tmp_path}/bad/head.csv"]) == 0
    reps = json.loads(capsys.readouterr().out)["reps"]
    assert len(reps) >= 3
    assert all("sag" in r["flags"] and "head_down" in r["flags"] for r in reps)
    assert abs(sorted(r["sag_deg"] for r in reps)[len(reps) // 2] - 14.0) <= 4.0


def test_calibrate_without_plank_or_reps_exits_2(tmp_path, capsys):
    walk = simulate.simulate_session(seed=4, kind="walking", placements=("chest",),
                                     sampling_rate_hz=50.0)
    walk.write(tmp_path)
    code = main(["calibrate", str(tmp_path / "chest.csv"), "-o", str(tmp_path / "c.json")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "plank" in err
