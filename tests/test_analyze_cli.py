"""``imu-pushup analyze``: table, JSON, placements, one-line errors with exit 2."""
from __future__ import annotations

import json

import pytest

from imu_pushup.cli import main

simulate = pytest.importorskip("imu_pushup.simulate")


@pytest.fixture(scope="module")
def session_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("s")
    simulate.simulate_session(seed=5, n_reps=4, placements=("chest", "wrist"),
                              sampling_rate_hz=50.0).write(d)
    return d


def test_table_and_json(session_dir, capsys):
    assert main(["analyze", str(session_dir / "chest.csv")]) == 0
    out = capsys.readouterr().out
    assert "descent s" in out and "summary: reps: 4" in out
    assert main(["analyze", "--json", str(session_dir / "chest.csv"),
                 f"wrist={session_dir / 'wrist.csv'}"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "imu-pushup/session@1"
    assert len(doc["reps"]) == 4 and doc["summary"]["reps"] == 4
    assert {s["placement"] for s in doc["sensors"]} == {"chest", "wrist"}


def test_chunk_size_gives_same_json(session_dir, capsys):
    main(["analyze", "--json", str(session_dir / "chest.csv")])
    a = capsys.readouterr().out
    main(["analyze", "--json", "--chunk-size", "10", str(session_dir / "chest.csv")])
    assert capsys.readouterr().out == a


@pytest.mark.parametrize("argv", [
    ["analyze", "nope.csv"],
    ["analyze", "elbow=x.csv"],
    ["analyze", "--height-m", "178", "x.csv"],
])
def test_bad_input_one_line_exit_2(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_garbage_file(tmp_path, capsys):
    p = tmp_path / "g.csv"
    p.write_bytes(b"\x00\x01garbage\xff\n1,2\n")
    assert main(["analyze", str(p)]) == 2
    err = capsys.readouterr().err
    assert "g.csv" in err and err.count("\n") == 1
