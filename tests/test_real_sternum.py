"""Real sternum recordings (gains-pushup: one rep per window, 40 Hz; read from ../shared/data and
skipped when absent): the engine finds that one rep, in windows cut tight around it."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import imu_pushup as ip
from imu_pushup.recording import from_arrays
from imu_pushup.units import GRAVITY_M_S2

GP = Path(__file__).resolve().parents[2] / "shared" / "data" / "gains-pushup"


def _windows():
    for f in sorted(GP.glob("*.json")):
        for s in json.loads(f.read_text())["sessions"]:
            d = s["data"]
            if len(d) >= 10:
                acc = np.array([[x["ax"], x["ay"], x["az"]] for x in d]) * GRAVITY_M_S2
                gyr = np.array([[x["gx"], x["gy"], x["gz"]] for x in d])
                yield s["posture_label"], from_arrays(np.arange(len(d)) / 40.0, acc, gyr,
                                                      placement="chest", sampling_rate_hz=40.0)


@pytest.mark.skipif(not GP.exists(), reason="gains-pushup data not present in ../shared/data")
def test_one_rep_windows_give_one_rep():
    counts = [(label, ip.analyze(rec, keep_signals=False).n_reps) for label, rec in _windows()]
    assert len(counts) > 100
    ones = np.mean([n == 1 for _, n in counts])
    assert ones >= 0.8   # some windows end before the rep is back up: they cannot give one
    assert max(n for _, n in counts) <= 1     # never more than the one rep
    for label in ("good-form", "hips-sagging", "hips-high", "partial-rom"):
        assert np.mean([n == 1 for lab, n in counts if lab == label]) >= 0.5, label
