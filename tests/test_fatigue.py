"""Fatigue across a set: velocity and depth loss, growing sag, and the rep where form broke down."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from imu_pushup.detectors.fatigue import fatigue_summary, rep_velocity_m_s
from imu_pushup.detectors.form import FormSettings, rep_flags


def _set(velocity, depth_frac, sag_deg):
    """Rep rows as the engine fills them, flags from the numbers (as assess_rep does)."""
    s = FormSettings()
    rows = []
    for i, (v, d, sag) in enumerate(zip(velocity, depth_frac, sag_deg), start=1):
        row = {"index": i, "ascent_mean_velocity_m_s": v, "depth_frac": d, "depth_m": 0.3 * d,
               "ascent_s": 0.3 * d / v, "pause_s": 0.5, "sag_deg": sag, "partial": d < s.partial_frac}
        row["flags"] = rep_flags(row, 1.2, 0.5, s)
        rows.append(row)
    return pd.DataFrame(rows)


def test_velocity_loss_and_breakdown_at_the_first_lasting_fault():
    vel = [0.50, 0.52, 0.50, 0.48, 0.47, 0.33, 0.31, 0.30]    # 40 % slower from rep 6
    reps = _set(vel, [1.0] * 8, [1.0, 12.0, 2.0, 1.0, 0.0, 3.0, 2.0, 1.0])   # one odd sag at rep 2
    out = fatigue_summary(reps, FormSettings())
    last = np.mean(vel[-2:])
    assert out["velocity_loss_pct"] == pytest.approx(100 * (1 - last / 0.52), abs=0.5)
    assert out["breakdown_rep"] == 6          # rep 2 alone is not a breakdown
    assert any("speed down" in r for r in out["breakdown_reasons"])


def test_growing_sag_breaks_down_where_the_sag_flag_starts_to_stay():
    sag = [1.0, 2.0, 2.0, 4.0, 7.0, 11.0, 13.0, 15.0]
    out = fatigue_summary(_set([0.5] * 8, [1.0] * 8, sag), FormSettings())
    assert out["breakdown_rep"] == 6
    assert out["sag_change_deg"] == pytest.approx(np.mean(sag[-2:]) - np.mean(sag[:2]))
    assert out["breakdown_reasons"] == ["hips sagged 11°"]


def test_a_clean_set_has_no_breakdown_and_bad_from_start_is_told():
    clean = fatigue_summary(_set([0.5] * 6, [1.0] * 6, [1.0] * 6), FormSettings())
    assert clean["breakdown_rep"] is None and not clean["form_off_from_start"]
    off = fatigue_summary(_set([0.5] * 6, [0.4] * 6, [1.0] * 6), FormSettings())
    assert off["breakdown_rep"] is None and off["form_off_from_start"]


def test_velocity_falls_back_to_depth_over_ascent_time():
    reps = pd.DataFrame({"depth_m": [0.3, 0.3], "ascent_s": [0.6, 1.0]})
    assert rep_velocity_m_s(reps) == pytest.approx([0.5, 0.3])
    assert math.isnan(fatigue_summary(reps.iloc[:0], FormSettings())["velocity_loss_pct"])
