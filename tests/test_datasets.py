"""The bundled datasets: listing, loading, truth, and bit-for-bit regeneration."""
from __future__ import annotations

import pytest

import imu_pushup as ip
from imu_pushup import datasets
from imu_pushup.errors import FormatError


def test_every_recipe_is_bundled():
    assert datasets.list_datasets() == sorted(datasets.RECIPES)


def test_example_is_ten_good_reps_at_every_placement():
    ds = datasets.load("example")
    assert set(ds.recordings) == {"chest", "upper_arm", "wrist", "lumbar", "head"}
    assert len(ds.truth["reps"]) == 10
    assert all(r["flags"] == [] for r in ds.truth["reps"])
    assert ds.truth["schema"] == "imu-pushup/truth@1"
    assert ds.session.lead.placement == "chest"
    chest = ds.recordings["chest"]
    assert chest.sampling_rate_hz == 100.0 and chest.has_gyro


@pytest.mark.parametrize("name, flag", [("sag", "sag"), ("pike", "pike"), ("partial", "partial"),
                                        ("fast", "fast_descent"), ("no_pause", "no_pause"),
                                        ("head_down", "head_down")])
def test_gallery_shows_its_fault(name, flag):
    reps = datasets.load(name).truth["reps"]
    assert reps and all(flag in r["flags"] for r in reps)


@pytest.mark.parametrize("name", ["walking", "squats", "plank_hold"])
def test_distractors_have_no_reps(name):
    assert datasets.load(name).truth["reps"] == []


def test_regeneration_is_bit_for_bit(tmp_path):
    name = "partial"
    datasets.write_all(tmp_path, [name])
    for f in sorted(datasets.path(name).iterdir()):
        assert (tmp_path / name / f.name).read_bytes() == f.read_bytes(), f.name


def test_size_stays_small():
    total = sum(f.stat().st_size for f in datasets.root().rglob("*") if f.is_file())
    assert total < 5_000_000


def test_unknown_dataset_is_a_one_line_error():
    with pytest.raises(FormatError, match="no dataset named 'nope'") as exc:
        datasets.load("nope")
    assert "\n" not in str(exc.value)


def test_read_gives_the_same_recording():
    ds = datasets.load("knee")
    rec = ip.read(datasets.path("knee") / "chest.csv")
    assert rec.data.equals(ds.recordings["chest"].data)
