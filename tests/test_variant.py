"""Toe or knee: the variant is recovered from known body motions (an analytic chain and the simulator)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from imu_pushup.body import BodyGeometry
from imu_pushup.detectors import variant as V
from imu_pushup.detectors.form import FormSettings, assess_rep, assess_set
from imu_pushup.detectors.types import PlankReference

sys.path.insert(0, str(Path(__file__).parent))
from test_form import _chain_rep  # noqa: E402


def _set_variant(geom: BodyGeometry, variant: str, sag_deg: float, skin_rock: float,
                 absolute: bool, n_reps: int = 4, top_reach_frac: float = 0.99) -> str | None:
    """The set's variant from a chest sensor alone, the skin's rock unknown to the detector.

    ``absolute``: the mounting saw the person stand, so the chest reads the skin as it sits with
    straight arms (at the plank top, with the elbows a little bent, it has rocked already) and the
    reference is that reading; else a relative mounting (reference 0 at the first plank).
    """
    w, _, truth = _chain_rep(geom, variant=variant, sag_deg=sag_deg, skin_rock=skin_rock,
                             rock_known=False, lumbar_on_pelvis=False, top_reach_frac=top_reach_frac)
    del w.pitch_deg["head"]
    if absolute:
        w.pitch_deg["chest"] = (w.pitch_deg["chest"] - w.pitch_deg["chest"][0]
                                + truth["chest_top_vs_straight_arm_deg"])
    plank_deg = float(w.pitch_deg["chest"][0])
    if not absolute:
        w.pitch_deg["chest"] = w.pitch_deg["chest"] - plank_deg
    ref = PlankReference(pitch_deg={"chest": plank_deg if absolute else 0.0}, source="session",
                         extras={"pitch_absolute": 1.0 if absolute else 0.0})
    rows = [dict(assess_rep(w, ref, geom, FormSettings()), index=i + 1) for i in range(n_reps)]
    summary, _ = assess_set(pd.DataFrame(rows), ref, geom, FormSettings())
    return summary["variant"]


@pytest.mark.parametrize("height", [1.55, 1.75, 1.95])
@pytest.mark.parametrize("variant,sag_deg,skin_rock", [
    ("toe", 18.0, 0.12),    # sagging toe plank, as steep as a straight knee plank
    ("toe", 0.0, 0.04),
    ("toe", -15.0, 0.1),    # piked toe plank
    ("knee", -20.0, 0.06),  # piked knee plank, as flat as a straight toe plank
    ("knee", -28.0, 0.1),   # a deep pike on the knees: the top's skin rock steepens the trunk
    ("knee", 0.0, 0.1),
    ("knee", 10.0, 0.05),
])
def test_variant_with_sag_or_pike_and_a_rocking_chest(variant, sag_deg, skin_rock, height):
    geom = BodyGeometry.from_height(height)
    assert _set_variant(geom, variant, sag_deg, skin_rock, absolute=True) == variant


@pytest.mark.parametrize("variant,skin_rock", [("toe", 0.12), ("knee", 0.08)])
def test_variant_with_a_relative_mounting(variant, skin_rock):
    assert _set_variant(BodyGeometry(), variant, 0.0, skin_rock, absolute=False) == variant


@pytest.mark.parametrize("top_reach_frac", [0.998, 0.975])   # arms locked / elbows soft (about 25°)
@pytest.mark.parametrize("variant,sag_deg,skin_rock", [("toe", 18.0, 0.12), ("knee", -20.0, 0.06)])
def test_variant_whatever_the_arms_bend_at_the_top(variant, sag_deg, skin_rock, top_reach_frac):
    geom = BodyGeometry.from_height(1.75)
    assert _set_variant(geom, variant, sag_deg, skin_rock, absolute=True,
                        top_reach_frac=top_reach_frac) == variant


def test_skin_rock_fit_recovers_the_rock_of_the_true_pivot():
    flexion = np.linspace(0.0, 90.0, 50) ** 0.8 * 90.0 ** 0.2   # levels off towards the bottom
    rigid = np.linspace(0.0, 15.0, 50)                          # follows the drop
    xy, xx, log_rms = V.skin_rock_fit(rigid + 0.07 * flexion, rigid, flexion)
    assert xy / xx == pytest.approx(0.07, abs=1e-6)
    assert log_rms == pytest.approx(np.log(V.MIN_RESIDUAL_DEG))
    # a body turning 1.7 times as far (the shorter pivot) leaves a smaller rock and a residual
    xy, xx, log_rms_wrong = V.skin_rock_fit(rigid + 0.07 * flexion, 1.7 * rigid, flexion)
    assert xy / xx < 0.07 and log_rms_wrong > log_rms + 2.0


def test_skin_rock_cost_rejects_a_chest_turning_less_than_the_trunk():
    # below zero only as far as a hip angle growing over the descent explains (about -0.05)
    assert V.skin_rock_cost(-0.12) > V.skin_rock_cost(0.15) > V.skin_rock_cost(0.04) > 0.0
    assert V.skin_rock_cost(-0.05) > V.skin_rock_cost(0.05)
    assert V.skin_rock_cost(0.06, known=0.06) == 0.0


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("variant,sag_deg,chest_rock", [
    ("toe", (16.0, 18.0), 0.12),     # sagging hips on the toes, a strongly rocking chest strap
    ("knee", (-22.0, -20.0), 0.08),  # piked hips on the knees
])
def test_simulated_set_variant(seed, variant, sag_deg, chest_rock):
    from imu_pushup.engine.analyze import analyze
    from imu_pushup.simulate import simulate_session
    sim = simulate_session(seed=seed, n_reps=6, placements=("chest",), variant=variant, height_m=1.75,
                           sag_deg=sag_deg, sag_dip_deg=0.0, fatigue=0.0, chest_rock=chest_rock,
                           mount="random")
    res = analyze([sim.recordings["chest"]], height_m=1.75, keep_signals=False)
    assert res.variant == sim.truth["variant"]
