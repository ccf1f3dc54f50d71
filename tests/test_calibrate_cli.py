"""``imu-pushup calibrate``: learns a calibration that ``analyze --calibration`` uses; bad files exit 2."""
from __future__ import annotations

import json

import pytest

from imu_pushup.cli import main

simulate = pytest.importorskip("imu_pushup.simulate")


@pytest.fixture(scope="module")
def worn(tmp_path_factory):
    """A good-form calibration set and a sagging set, with the same sensor mounts."""
    root = tmp_path_factory.mktemp("cal")
    good = simulate.simulate_session(seed=11, n_reps=3, placements=("chest", "head"), sag_deg=0.0,
                                     neck_flexion_deg=0.0, sampling_rate_hz=50.0)
    good.write(root / "good")
    mounts = {p: s["mount_quat_xyzw"] for p, s in good.truth["sensors"].items()}
    bad = simulate.simulate_session(seed=12, n_reps=4, placements=("chest", "head"), sag_deg=14.0,
                                    neck_flexion_deg=30.0, sampling_rate_hz=50.0, mount=mounts)
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
    assert all(abs(r["sag_deg"] - 14.0) <= 4.0 for r in reps)
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


def test_calibrate_without_reps_exits_2(tmp_path, capsys):
    still = simulate.simulate_session(seed=3, kind="plank_hold", placements=("chest",),
                                      sampling_rate_hz=50.0)
    still.write(tmp_path)
    code = main(["calibrate", str(tmp_path / "chest.csv"), "-o", str(tmp_path / "c.json")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "push-up" in err
