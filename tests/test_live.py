"""``live``: connection state, one line per rep, latency in --verbose, lossless recording."""
from __future__ import annotations

import os
import re

import pytest

pytest.importorskip("bumble")

from imu_pushup.cli import main  # noqa: E402


def test_live_prints_one_line_per_rep_and_records_losslessly(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("IMU_PUSHUP_CONFIG", str(tmp_path / "sensors.json"))
    out = tmp_path / "set"
    assert main(["live", "--virtual", "polar-verity-sense", "--reps", "7", "--seed", "2", "--duration", "45",
                 "--speed", "10", "-v", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "streaming" in text and "closed" in text
    rep_lines = [l for l in text.splitlines() if re.match(r"rep \d+:", l)]
    assert [int(re.match(r"rep (\d+):", l).group(1)) for l in rep_lines] == list(range(1, 8))
    assert all("ms after the rep ended" in l and "depth" in l for l in rep_lines)
    assert "7 rep(s)" in text
    assert main(["decode", str(out) + ".raw.jsonl", "-o", str(tmp_path / "y.csv")]) == 0
    assert (tmp_path / "y.csv").read_bytes() == (tmp_path / "set.csv").read_bytes()


@pytest.mark.hardware
@pytest.mark.skipif(os.environ.get("IMU_PUSHUP_HARDWARE") != "1", reason="needs a real sensor: IMU_PUSHUP_HARDWARE=1")
def test_real_paired_sensor_records_and_decodes(tmp_path):
    """With a paired sensor switched on and worn: 10 s recorded, rebuilt exactly from the raw log."""
    out = tmp_path / "hw"
    assert main(["record", "--duration", "10", "-o", str(out)]) == 0
    assert main(["decode", str(out) + ".raw.jsonl", "-o", str(tmp_path / "y.csv")]) == 0
    assert (tmp_path / "y.csv").read_bytes() == (tmp_path / "hw.csv").read_bytes()
