"""The terminal path end to end on virtual sensors: record, analyze, decode, pair, scan."""
from __future__ import annotations

import pytest

pytest.importorskip("bumble")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import imu_pushup as ip  # noqa: E402
from imu_pushup.cli import main  # noqa: E402


@pytest.fixture(autouse=True)
def _config(tmp_path, monkeypatch):
    monkeypatch.setenv("IMU_PUSHUP_CONFIG", str(tmp_path / "sensors.json"))


@pytest.mark.parametrize("model", ["polar-verity-sense", "polar-h10"])
def test_record_counts_the_virtual_reps_and_decode_reproduces_the_csv(model, tmp_path, capsys):
    out = tmp_path / "x"
    assert main(["record", "--virtual", model, "--reps", "7", "--seed", "2", "--duration", "45",
                 "--speed", "10", "-o", str(out)]) == 0
    assert (tmp_path / "x.csv").exists() and (tmp_path / "x.raw.jsonl").exists()
    t = pd.read_csv(tmp_path / "x.csv", comment="#")["t"].to_numpy()
    assert 45.0 <= t[-1] - t[0] < 47.0  # --duration is recording time, however busy the host
    res = ip.analyze(str(tmp_path / "x.csv"))
    # The same count as the engine finds on the simulator's own samples: the BLE path loses nothing.
    from imu_pushup.ble.virtual.sensors import VIRTUAL_SENSORS
    from imu_pushup.ble.virtual.source import SampleSource
    src = SampleSource.simulated(VIRTUAL_SENSORS[model].rate_hz, reps=7, seed=2)
    t = np.arange(len(src.acc_m_s2)) / src.rate_hz
    direct = ip.analyze(ip.from_arrays(t, src.acc_m_s2, None if model == "polar-h10" else src.gyr_deg_s))
    assert len(res.reps) == len(direct.reps)
    if model == "polar-verity-sense":
        assert len(res.reps) == len(src.truth["reps"]) == 7
    assert main(["decode", "--model", model, str(tmp_path / "x.raw.jsonl"), "-o", str(tmp_path / "y.csv")]) == 0
    assert (tmp_path / "y.csv").read_bytes() == (tmp_path / "x.csv").read_bytes()


def test_decode_with_the_wrong_model_is_one_line_exit_2(tmp_path, capsys):
    raw = tmp_path / "x.raw.jsonl"
    raw.write_text('{"model": "movesense", "sampling_rate_hz": 52, "settings": {"sampling_rate_hz": 52}}\n')
    assert main(["decode", "--model", "thingy52", str(raw), "-o", str(tmp_path / "y.csv")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "movesense" in err and str(raw) in err


def test_pair_list_record_with_the_paired_sensor_and_forget(tmp_path, capsys):
    assert main(["pair", "--virtual", "movesense", "--name", "Movesense", "--placement", "lumbar"]) == 0
    assert "paired Movesense" in capsys.readouterr().out
    assert main(["pair", "--list"]) == 0
    listed = capsys.readouterr().out
    assert "lumbar" in listed and "movesense" in listed
    assert main(["record", "--duration", "3", "--speed", "10", "--reps", "1", "-o", str(tmp_path / "p")]) == 0
    head = (tmp_path / "p.csv").read_text().splitlines()[:3]
    assert head[0] == "# placement: lumbar" and "Movesense" in head[1]
    assert main(["pair", "--forget", "lumbar"]) == 0
    assert main(["record", "--duration", "1", "-o", str(tmp_path / "q")]) == 2
    assert "none paired" in capsys.readouterr().err


def test_pair_checks_the_protocol_answers(tmp_path, capsys):
    # A Polar that refuses START (in its charger) is not paired.
    import imu_pushup.ble.virtual.sensors as vs
    orig = vs.make_virtual
    try:
        vs.make_virtual = lambda *a, **k: orig(*a, fail_status=13, **k)
        assert main(["pair", "--virtual", "polar-h10", "--name", "Polar"]) == 2
    finally:
        vs.make_virtual = orig
    assert "device in charger" in capsys.readouterr().err
    assert main(["pair", "--list"]) == 0 and "no paired sensors" in capsys.readouterr().out


def test_scan_prints_name_address_rssi_model(capsys):
    assert main(["scan", "--virtual", "thingy52", "--virtual", "generic", "--timeout", "1"]) == 0
    out = capsys.readouterr().out
    assert "Thingy" in out and "thingy52" in out and "generic" in out and "-50" in out
