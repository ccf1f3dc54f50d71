"""The calibration file: round trip, and one clear CalibrationError for every broken file."""
from __future__ import annotations

import json

import pytest

from imu_pushup.errors import CalibrationError
from imu_pushup.io.calibration import (Calibration, PlacementCalibration, load_calibration,
                                       save_calibration)

MOUNT = {"placement": "chest", "up_plank": [0.1, 0.0, 0.99], "down_dir": [1.0, 0.0, 0.0],
         "pitch_plank_deg": 23.0, "absolute": True}


def _cal() -> Calibration:
    return Calibration(placements={"chest": PlacementCalibration(MOUNT, 23.5),
                                   "head": PlacementCalibration(dict(MOUNT, placement="head"), 21.0)},
                       variant="toe", height_m=1.8, sources=["plank.csv"],
                       extras={"pivot_radius_m": 1.3})


def test_round_trip(tmp_path):
    path = tmp_path / "cal.json"
    cal = _cal()
    save_calibration(cal, path)
    back = load_calibration(path, placements=["chest"])
    assert back.to_dict() == json.loads(path.read_text())
    assert back.placements["chest"].mounting == MOUNT
    assert back.placements["head"].reference_pitch_deg == 21.0
    assert back.variant == "toe" and back.height_m == 1.8
    ref = back.reference()
    assert ref.pitch_deg == {"chest": 23.5, "head": 21.0}
    assert ref.variant == "toe" and ref.source == str(path)
    assert ref.extras["pivot_radius_m"] == 1.3


def test_other_placement_is_refused(tmp_path):
    path = tmp_path / "cal.json"
    save_calibration(_cal(), path)
    with pytest.raises(CalibrationError) as err:
        load_calibration(path, placements=["chest", "wrist"])
    msg = str(err.value)
    assert "\n" not in msg and str(path) in msg and "wrist" in msg and "calibrate" in msg


@pytest.mark.parametrize("text,where", [
    ("", "line 1"),
    ("{not json", "line 1"),
    ("[1, 2]", "top level"),
    (json.dumps({"schema": "imu-pushup/session@1"}), "schema"),
    (json.dumps({"schema": "imu-pushup/calibration@1", "placements": {}}), "placements"),
    (json.dumps({"schema": "imu-pushup/calibration@1", "placements": {"belly": {"mounting": {}}}}),
     "placements.belly"),
    (json.dumps({"schema": "imu-pushup/calibration@1", "placements": {"chest": {}}}),
     "placements.chest.mounting"),
    (json.dumps({"schema": "imu-pushup/calibration@1",
                 "placements": {"chest": {"mounting": MOUNT, "reference_pitch_deg": "x"}}}),
     "placements.chest.reference_pitch_deg"),
    (json.dumps({"schema": "imu-pushup/calibration@1", "variant": "wall",
                 "placements": {"chest": {"mounting": MOUNT}}}), "variant"),
    (json.dumps({"schema": "imu-pushup/calibration@1", "height_m": 180,
                 "placements": {"chest": {"mounting": MOUNT}}}), "height_m"),
])
def test_broken_files_give_one_line(tmp_path, text, where):
    path = tmp_path / "broken.json"
    path.write_text(text)
    with pytest.raises(CalibrationError) as err:
        load_calibration(path)
    msg = str(err.value)
    assert "\n" not in msg and str(path) in msg and where in msg


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(CalibrationError, match="no such"):
        load_calibration(tmp_path / "nope.json")
    path = tmp_path / "bin.json"
    path.write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(CalibrationError):
        load_calibration(path)


def test_upright_long_axis_gives_the_plank_inclination_even_from_a_rep_that_barely_turned():
    """Standing, the trunk's long axis points up; in a plank inclined 25 degrees head-up it makes
    25 degrees with the horizontal. A first rep that turned the trunk a few degrees, mostly
    rolling, gives a poor sagittal plane: projected onto it, the long axis read 38-44 degrees.
    The turn from upright into the plank (65 degrees about the mediolateral axis) gives the plane
    instead: the inclination and the way down are the body's, whatever the rep."""
    import math

    import numpy as np

    from imu_pushup.engine.calibration import learn_mounting

    p = math.radians(25.0)
    up_plank = np.array([math.sin(p), 0.0, math.cos(p)])    # body frame: x head, y left, z back
    way_down = np.array([-math.cos(p), 0.0, math.sin(p)])    # up moves so as the trunk levels
    for turn in ([0.0, 0.06, -0.01], [-0.03, 0.05, 0.0], [-0.04, 0.06, 0.02]):   # mostly rolling
        low = up_plank + np.array(turn)
        m = learn_mounting("chest", up_plank, low / np.linalg.norm(low), np.array([1.0, 0.0, 0.0]))
        assert m.absolute
        assert abs(m.pitch_plank_deg - 25.0) < 0.5
        assert float(m.down_dir @ way_down) > 0.999
    turned = np.array([math.sin(p - 0.2), 0.0, math.cos(p - 0.2)])   # a clean rep: the same
    clean = learn_mounting("chest", up_plank, turned, np.array([1.0, 0.0, 0.0]))
    assert clean.absolute and abs(clean.pitch_plank_deg - 25.0) < 0.5
