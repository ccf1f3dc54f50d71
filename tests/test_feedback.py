"""Feedback sentences carry the numbers that raised each flag; the set summary tells where to stop."""
from __future__ import annotations

import pandas as pd

from imu_pushup.detectors.form import FormSettings, assess_set, rep_flags
from imu_pushup.body import BodyGeometry
from imu_pushup.detectors.types import PlankReference
from imu_pushup.feedback import rep_feedback, set_feedback


def test_every_flag_has_a_sentence_with_its_number():
    s = FormSettings()
    fields = {"sag_deg": -13.4, "depth_frac": 0.55, "depth_m": 0.17, "neck_flexion_deg": 31.0,
              "partial": True, "descent_s": 0.6, "pause_s": 0.05}
    fields["flags"] = rep_flags(fields, fields["descent_s"], fields["pause_s"], s)
    assert fields["flags"] == ["pike", "partial", "fast_descent", "no_pause", "head_down"]
    text = rep_feedback(7, fields, s)
    assert len(text) == 5 and all(t.startswith("Rep 7:") for t in text)
    assert "piked 13°" in text[0] and "55 %" in text[1] and "17 cm" in text[1]
    assert "0.6 s" in text[2] and "0.05 s" in text[3] and "31°" in text[4]


def test_sag_sentence_tells_held_from_bottom_dip():
    s = FormSettings()
    held = rep_feedback(2, {"flags": ["sag"], "sag_deg": 14.2, "sag_top_deg": 13.0}, s)
    dip = rep_feedback(2, {"flags": ["sag"], "sag_deg": 14.2, "sag_top_deg": 1.0}, s)
    assert "14° through the whole rep" in held[0] and "14° at the bottom" in dip[0]


def test_set_summary_counts_faults_and_advises_stopping_before_the_breakdown():
    s = FormSettings()
    rows = []
    for i, sag in enumerate([1.0, 2.0, 1.0, 12.0, 14.0, 15.0], start=1):
        row = {"index": i, "descent_s": 1.4, "pause_s": 0.6, "ascent_s": 0.9, "depth_m": 0.3,
               "depth_frac": 1.0, "sag_deg": sag, "partial": False, "sag_top_deg": sag}
        row["flags"] = rep_flags(row, 1.4, 0.6, s)
        rows.append(row)
    reps = pd.DataFrame(rows)
    summary, text = assess_set(reps, PlankReference(variant="toe"), BodyGeometry(), s)
    assert summary["flag_counts"]["sag"] == 3 and summary["good_form_reps"] == 3
    assert text[0] == "Set: 6 toe push-ups, 3 with good form."
    assert any("hips sagged (3 of 6)" in t for t in text)
    assert any("broke down at rep 4" in t and "stop after rep 3" in t for t in text)
    assert set_feedback(reps.iloc[:0], {}, s) == ["No push-ups found in this recording."]
