"""Form detectors recover a known body motion (an analytic pivot-legs-trunk chain, built here)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from imu_pushup.body import BodyGeometry
from imu_pushup.detectors.form import FormSettings, assess_rep, assess_set, new_set, rep_flags
from imu_pushup.detectors.types import PlankReference, RepWindow
from imu_pushup.detectors import variant as V

FS = 100.0


def _bump(t: np.ndarray, t0: float, descent: float, pause: float, ascent: float) -> np.ndarray:
    """0 at the top, 1 at the bottom: half-cosine down, hold, half-cosine up."""
    b = np.zeros_like(t)
    d = (t >= t0) & (t < t0 + descent)
    b[d] = 0.5 - 0.5 * np.cos(np.pi * (t[d] - t0) / descent)
    p = (t >= t0 + descent) & (t < t0 + descent + pause)
    b[p] = 1.0
    t1 = t0 + descent + pause
    a = (t >= t1) & (t < t1 + ascent)
    b[a] = 0.5 + 0.5 * np.cos(np.pi * (t[a] - t1) / ascent)
    return b


def _chain_rep(geom: BodyGeometry, *, variant="toe", depth_frac=1.0, sag_deg=0.0, dip_deg=0.0,
               neck_deg=0.0, descent=1.2, pause=0.5, ascent=0.9, top_shoulder=None,
               lumbar_on_pelvis=True, skin_rock=0.0, rock_known=True,
               lumbar_on_trunk=False, spine_bend_deg=0.0, lower_back_share=0.4, dip_power=1,
               top_reach_frac=0.99):
    """A rep of a pivot-legs-trunk body with arms holding the shoulders at a given height.

    ``skin_rock``: the chest sensor turns further than the trunk by this many degrees per degree
    of elbow flexion (the sternum skin rocking with the shoulder girdle as the elbows bend; the
    arm is a two-segment chain from the shoulder to the planted hand, nearly straight at the top,
    the shoulder swinging forward over the hand as the body turns on its pivot); ``rock_known``
    puts it in the reference, as a calibration would. ``dip_deg`` grows with the descent fraction
    to the power ``dip_power``. ``top_reach_frac``: shoulder-to-wrist distance at the top over the
    arm's length (how straight the arms are held). ``spine_bend_deg``: the spine bends towards the bottom (as the
    square of the descent), the lower back (``lower_back_share`` of the hip-shoulder chord)
    flattening and the thorax steepening about the chord; the hip angle is the chord's against
    the legs. Returns the RepWindow (signals as a sensor-aligned engine would
    report them), the straight reference, and the truth (hip angle at its largest, shoulder drop
    fraction, and the chest's inclination at the top against a straight arm).
    """
    t = np.arange(0.0, 0.5 + descent + pause + ascent + 0.5, 1.0 / FS)
    b = _bump(t, 0.5, descent, pause, ascent)
    lg, lt = geom.legs_m(variant), geom.trunk_m
    h0 = V.top_shoulder_height_m(geom, variant) if top_shoulder is None else top_shoulder
    z = h0 - depth_frac * geom.upper_arm_m * b
    sag = np.radians(sag_deg + dip_deg * b ** dip_power)
    # Lg sin(a) + Lt sin(a + sag) = z  (same physics as any sagittal chain)
    a_c, b_c = lg + lt * np.cos(sag), lt * np.sin(sag)
    legs = np.arcsin(z / np.hypot(a_c, b_c)) - np.arctan2(b_c, a_c)
    trunk = legs + sag                              # the hip-shoulder chord
    bend = np.radians(spine_bend_deg) * b ** 2      # thorax less lower-back turn
    thorax = trunk + lower_back_share * bend
    lower_back = trunk - (1.0 - lower_back_share) * bend
    along, depth = V.sternum_offsets_m(geom)
    sternum_z = z - along * np.sin(thorax) - depth * np.cos(thorax)
    height = sternum_z - sternum_z[0]
    trunk_deg = np.degrees(thorax)
    head_deg = trunk_deg - neck_deg * b
    legs_deg = np.degrees(legs)
    # SPEC events from the sternum height (5 % of excursion)
    exc = -height.min()
    below = np.flatnonzero(height <= -0.05 * exc)
    near = np.flatnonzero(height <= height.min() + 0.05 * exc)
    t_start, t_bottom, t_ascent = t[below[0]], t[near[0]], t[near[-1]]
    t_end = t[below[-1] + 1]
    u, f = geom.upper_arm_m, geom.forearm_m
    shoulder_x = lg * np.cos(legs) + lt * np.cos(trunk)   # forward of the pivot
    reach = np.hypot(top_reach_frac * (u + f) - (z[0] - z), shoulder_x - shoulder_x[0])   # shoulder to wrist
    elbow = np.degrees(np.arccos((u * u + f * f - reach ** 2) / (2 * u * f)))
    flexion = elbow[0] - elbow                      # from the (nearly straight) top
    chest_deg = trunk_deg - skin_rock * flexion
    pitch = {"chest": chest_deg, "head": head_deg}
    if lumbar_on_pelvis:
        pitch["lumbar"] = legs_deg
    if lumbar_on_trunk:
        pitch["lumbar"] = np.degrees(lower_back)
    w = RepWindow(index=3, t_start=t_start, t_bottom=t_bottom, t_ascent=t_ascent, t_end=t_end, t=t,
                  height_m=height, pitch_deg=pitch, depth_m=float(exc), source_placement="chest")
    # good-form reference: straight body at the top
    straight = V.straight_top_pitch_deg(geom, variant)
    ref = PlankReference(pitch_deg={"chest": straight, "lumbar": straight, "head": straight},
                         variant=None, source="test",
                         extras={"chest_skin_rock": skin_rock} if rock_known else {})
    truth = {"sag_deg": float(np.degrees(sag[np.argmax(np.abs(sag))])),
             "depth_frac": depth_frac,
             "chest_top_vs_straight_arm_deg": float(chest_deg[0] - skin_rock * (180.0 - elbow[0]))}
    return w, ref, truth


@pytest.mark.parametrize("sag,dip", [(0.0, 0.0), (12.0, 0.0), (0.0, 14.0), (-12.0, 0.0),
                                     (4.0, 8.0), (-6.0, -8.0)])
def test_sag_from_chest_alone_recovers_hip_angle(sag, dip):
    geom = BodyGeometry.from_height(1.75)
    w, ref, truth = _chain_rep(geom, sag_deg=sag, dip_deg=dip, lumbar_on_pelvis=False)
    ref.variant = "toe"   # a pike dip shortens the apparent pivot radius: variant from the set
    out = assess_rep(w, ref, geom, FormSettings())
    assert out["sag_deg"] == pytest.approx(truth["sag_deg"], abs=1.0)
    s = FormSettings()
    assert ("sag" in out["flags"]) == (truth["sag_deg"] >= s.sag_deg)
    assert ("pike" in out["flags"]) == (truth["sag_deg"] <= -s.pike_deg)


@pytest.mark.parametrize("sag,dip", [(12.0, 0.0), (0.0, 0.0), (-12.0, 0.0)])
def test_rocking_chest_skin_is_learned_over_the_set(sag, dip):
    """The sternum skin turns 0.12 degree per degree of elbow flexion (11 degrees at full depth);
    no calibration tells it."""
    geom = BodyGeometry.from_height(1.8)
    ref = None
    for i in range(4):
        w, first_ref, truth = _chain_rep(geom, sag_deg=sag, dip_deg=dip, skin_rock=0.12,
                                         rock_known=False, lumbar_on_pelvis=False)
        ref = ref or first_ref
        ref.variant = "toe"
        out = assess_rep(w, ref, geom, FormSettings())
    assert out["chest_skin_rock"] == pytest.approx(0.12, abs=0.015)
    assert out["sag_deg"] == pytest.approx(truth["sag_deg"], abs=1.5)


@pytest.mark.parametrize("variant", ["toe", "knee"])
@pytest.mark.parametrize("sag,dip", [(0.0, 12.0), (3.0, 10.0), (0.0, -8.0)])
def test_skin_rock_is_learned_through_a_stomach_dip(variant, sag, dip):
    """Every rep of the set dips (or piques) towards the bottom, growing from nothing at the top,
    while the sternum skin rocks 0.12 degree per degree of elbow flexion; no calibration tells it.
    The dip turns the trunk less than the drop explains: that must not pass for less skin rock,
    which would hide the dip."""
    geom = BodyGeometry.from_height(1.75)
    ref = None
    for _ in range(4):
        w, first_ref, truth = _chain_rep(geom, variant=variant, sag_deg=sag, dip_deg=dip, dip_power=2,
                                         skin_rock=0.12, rock_known=False, lumbar_on_pelvis=False)
        ref = ref or first_ref
        ref.variant = variant
        out = assess_rep(w, ref, geom, FormSettings())
    assert out["chest_skin_rock"] == pytest.approx(0.12, abs=0.015)
    assert out["sag_deg"] == pytest.approx(truth["sag_deg"], abs=1.5)


@pytest.mark.parametrize("sag", [12.0, 0.0, -12.0])
def test_a_mounting_that_saw_the_person_stand_reads_the_tops_skin_rock(sag):
    """A session reference that saw the person stand gives absolute inclinations, so a sag held
    from the first plank is seen. Standing, the arms hang straight; at the plank top the elbows
    are slightly bent (the arm at 0.99 of its length), so the chest already reads the skin's rock
    there: the trunk is that much steeper than the chest."""
    geom = BodyGeometry.from_height(1.8)
    ref = None
    for _ in range(4):
        w, _, truth = _chain_rep(geom, sag_deg=sag, skin_rock=0.12, rock_known=False,
                                 lumbar_on_pelvis=False)
        w.pitch_deg["chest"] = (w.pitch_deg["chest"] - w.pitch_deg["chest"][0]
                                + truth["chest_top_vs_straight_arm_deg"])
        ref = ref or PlankReference(pitch_deg={"chest": float(w.pitch_deg["chest"][0])},
                                    variant="toe", source="session", extras={"pitch_absolute": 1.0})
        out = assess_rep(w, ref, geom, FormSettings())
    assert out["sag_top_deg"] == pytest.approx(truth["sag_deg"], abs=1.0)
    assert out["sag_deg"] == pytest.approx(truth["sag_deg"], abs=1.0)


@pytest.mark.parametrize("sag,bend", [(0.0, 8.0), (12.0, 8.0), (0.0, -6.0)])
def test_chest_and_lower_back_follow_a_bending_spine(sag, bend):
    """The spine bends towards the bottom (the thorax steeper, the lower back flatter about the
    hip-shoulder chord) while the hip angle holds, and the chest skin rocks unknown: with the
    lower back as well, the chord and so the hip angle are recovered."""
    geom = BodyGeometry.from_height(1.7)
    ref = None
    for _ in range(4):
        w, first_ref, truth = _chain_rep(geom, sag_deg=sag, spine_bend_deg=bend, skin_rock=0.1,
                                         rock_known=False, lumbar_on_pelvis=False,
                                         lumbar_on_trunk=True)
        ref = ref or first_ref
        ref.variant = "toe"
        out = assess_rep(w, ref, geom, FormSettings())
    assert out["chest_skin_rock_lower_back"] == pytest.approx(0.1, abs=0.015)
    assert out["spine_bend_deg"] == pytest.approx(bend, abs=1.0)
    assert out["sag_deg"] == pytest.approx(truth["sag_deg"], abs=1.0)


def test_a_lower_back_mounting_off_by_degrees_leaves_the_chests_top():
    """Both mountings saw the person stand, but the lower back's reads 12 degrees off (its turn
    in a rep is small, so its axes are learned less well): the chest's top inclination stands."""
    geom = BodyGeometry()
    w, _, truth = _chain_rep(geom, sag_deg=12.0, lumbar_on_pelvis=False, lumbar_on_trunk=True)
    w.pitch_deg["lumbar"] = w.pitch_deg["lumbar"] + 12.0
    ref = PlankReference(pitch_deg={"chest": float(w.pitch_deg["chest"][0]),
                                    "lumbar": float(w.pitch_deg["lumbar"][0])},
                         variant="toe", source="session",
                         extras={"pitch_absolute": 1.0, "chest_skin_rock": 0.0})
    out = assess_rep(w, ref, geom, FormSettings())
    assert out["sag_deg"] == pytest.approx(truth["sag_deg"], abs=1.0)


@pytest.mark.parametrize("sag,dip", [(12.0, 0.0), (0.0, 12.0), (-10.0, 0.0)])
def test_lumbar_on_the_trunk_is_free_of_the_chest_skin(sag, dip):
    """A lower-back sensor riding on the trunk beats a rocking chest with an unknown gain."""
    geom = BodyGeometry.from_height(1.7)
    w, ref, truth = _chain_rep(geom, sag_deg=sag, dip_deg=dip, skin_rock=0.2, rock_known=False,
                               lumbar_on_pelvis=False, lumbar_on_trunk=True)
    ref.variant = "toe"
    out = assess_rep(w, ref, geom, FormSettings())
    assert out["sag_deg"] == pytest.approx(truth["sag_deg"], abs=1.0)


@pytest.mark.parametrize("dip", [0.0, 8.0, 14.0])
def test_stomach_dip_survives_the_chest_skin_rocking(dip):
    """The skin rocks with the shoulder girdle (it grows with the shoulders' drop, not with the
    trunk's turn): a dip that turns the trunk less must still show in full with a calibrated gain."""
    geom = BodyGeometry.from_height(1.75)
    w, ref, truth = _chain_rep(geom, dip_deg=dip, lumbar_on_pelvis=False, skin_rock=0.15)
    ref.variant = "toe"
    out = assess_rep(w, ref, geom, FormSettings())
    assert out["sag_deg"] == pytest.approx(truth["sag_deg"], abs=1.5)


def test_a_drop_through_the_floor_leaves_the_top_posture():
    """A broken height (twice the true drop: the chest would pass the floor) must not invent a dip."""
    geom = BodyGeometry()
    w, ref, _ = _chain_rep(geom, sag_deg=4.0, depth_frac=1.0, lumbar_on_pelvis=False)
    ref.variant = "toe"
    w.height_m = 2.0 * w.height_m
    w.depth_m = 2.0 * w.depth_m
    out = assess_rep(w, ref, geom, FormSettings())
    assert out["depth_plausible"] is False
    assert out["sag_deg"] == out["sag_top_deg"] == pytest.approx(4.0, abs=1.0)
    assert "sag" not in out["flags"]


def test_sag_with_lumbar_uses_chest_pelvis_angle():
    geom = BodyGeometry.from_height(1.62)
    w, ref, truth = _chain_rep(geom, sag_deg=3.0, dip_deg=9.0)
    w.height_m = None   # the relative angle alone must carry it
    out = assess_rep(w, ref, geom, FormSettings())
    assert out["sag_deg"] == pytest.approx(truth["sag_deg"], abs=0.5)
    assert "sag" in out["flags"]


def test_stomach_dip_is_told_from_held_sag():
    geom = BodyGeometry()
    w, ref, _ = _chain_rep(geom, dip_deg=15.0, lumbar_on_pelvis=False)
    dip = assess_rep(w, ref, geom, FormSettings())
    w, ref, _ = _chain_rep(geom, sag_deg=15.0, lumbar_on_pelvis=False)
    held = assess_rep(w, ref, geom, FormSettings())
    assert abs(dip["sag_top_deg"]) < 1.5 and dip["sag_bottom_deg"] > 13
    assert held["sag_top_deg"] > 13
    assert any("at the bottom" in s for s in dip["feedback"])
    assert any("whole rep" in s for s in held["feedback"])


@pytest.mark.parametrize("frac", [0.4, 0.8, 1.0, 1.2])
@pytest.mark.parametrize("variant", ["toe", "knee"])
def test_depth_fraction_is_shoulder_drop_over_upper_arm(frac, variant):
    geom = BodyGeometry.from_height(1.85)
    w, ref, _ = _chain_rep(geom, variant=variant, depth_frac=frac, lumbar_on_pelvis=False)
    ref.variant = variant
    out = assess_rep(w, ref, geom, FormSettings())
    assert out["depth_frac"] == pytest.approx(frac, abs=0.02)
    assert out["partial"] == (frac < FormSettings().partial_frac)
    assert ("partial" in out["flags"]) == out["partial"]


@pytest.mark.parametrize("variant", ["toe", "knee"])
@pytest.mark.parametrize("height", [1.55, 1.75, 1.95])
def test_variant_from_pivot_radius(variant, height):
    geom = BodyGeometry.from_height(height)
    w, ref, _ = _chain_rep(geom, variant=variant, sag_deg=3.0, lumbar_on_pelvis=False)
    out = assess_rep(w, ref, geom, FormSettings())
    assert out["pivot_radius_m"] == pytest.approx(V.expected_pivot_radius_m(geom, variant), rel=0.08)
    assert V.classify_variant(geom, out["pivot_radius_m"]) == variant
    # the same person with an unknown height still gets the variant right
    assert V.classify_variant(BodyGeometry(), out["pivot_radius_m"]) == variant
    assert V.classify_variant(geom, None, V.straight_top_pitch_deg(geom, variant)) == variant


@pytest.mark.parametrize("variant", ["toe", "knee"])
def test_a_rep_whose_height_went_through_the_floor_leaves_the_variant_and_skin_rock(variant):
    """A set's first rep reads twice its drop (integration drift): the chest would pass through the
    floor, so that rep's turn against its drop says nothing of the pivot or the skin's rock; the
    set's good reps still give the variant and the rock (0.08 deg per deg of elbow flexion)."""
    geom = BodyGeometry.from_height(1.8)
    ref = None
    for i in range(4):
        w, first_ref, _ = _chain_rep(geom, variant=variant, skin_rock=0.08, rock_known=False,
                                     lumbar_on_pelvis=False)
        ref = ref or first_ref
        if i == 0:
            w.height_m = 2.2 * np.asarray(w.height_m)
            w.depth_m = 2.2 * w.depth_m
        out = assess_rep(w, ref, geom, FormSettings())
    summary, _ = assess_set(pd.DataFrame([out]), ref, geom, FormSettings())
    assert summary["variant"] == variant
    assert out["chest_skin_rock"] == pytest.approx(0.08, abs=0.015)


def test_a_height_through_the_floor_with_a_plausible_depth_keeps_the_top_posture():
    """The rep's depth is right but its height trace reads twice the drop: the bottom's hip angle
    rests on that trace, so the rep reports the held posture of its top."""
    geom = BodyGeometry()
    w, ref, truth = _chain_rep(geom, sag_deg=4.0, lumbar_on_pelvis=False)
    w.height_m = 2.2 * np.asarray(w.height_m)
    out = assess_rep(w, ref, geom, FormSettings())
    assert out["depth_plausible"] is False
    assert out["sag_deg"] == pytest.approx(truth["sag_deg"], abs=1.5)


def test_chest_evidence_joins_a_lower_backs_radius_for_the_variant():
    """A knee set whose lower-back sensor reads a third less turn than the trunk makes (a strap
    riding on the buttock's soft tissue), so its radius looks like a toe pivot's; the chest's
    turn against its drop still tells the knee pivot."""
    geom = BodyGeometry.from_height(1.8)
    ref = None
    for _ in range(4):
        w, first_ref, _ = _chain_rep(geom, variant="knee", skin_rock=0.05, rock_known=False,
                                     lumbar_on_pelvis=False, lumbar_on_trunk=True)
        ref = ref or first_ref
        lumbar = np.asarray(w.pitch_deg["lumbar"])
        w.pitch_deg["lumbar"] = lumbar[0] + 0.62 * (lumbar - lumbar[0])
        out = assess_rep(w, ref, geom, FormSettings())
    summary, _ = assess_set(pd.DataFrame([out]), ref, geom, FormSettings())
    assert summary["variant"] == "knee"


def test_head_down_from_neck_flexion_against_trunk():
    geom = BodyGeometry()
    w, ref, _ = _chain_rep(geom, neck_deg=28.0, dip_deg=6.0)
    out = assess_rep(w, ref, geom, FormSettings())
    assert out["neck_flexion_deg"] == pytest.approx(28.0, abs=1.0)
    assert "head_down" in out["flags"]
    w, ref, _ = _chain_rep(geom, neck_deg=5.0, dip_deg=6.0)
    out = assess_rep(w, ref, geom, FormSettings())
    assert "head_down" not in out["flags"]


def test_head_read_through_a_reversed_mounting_still_gives_the_neck_flexion():
    """A head held 30 degrees down from the start, its pitch read with the sagittal sign reversed
    (turning up as the trunk turns down): the set's reps reveal the reversal and the neck flexion
    against the calibrated neutral comes out as for a head read the right way round."""
    geom = BodyGeometry()
    results = {}
    for reversed_sign in (False, True):
        ref = None
        for _ in range(3):
            w, fresh, _ = _chain_rep(geom, neck_deg=0.0)
            ref = ref or fresh
            true_head = w.pitch_deg["chest"] - 30.0
            neutral = ref.pitch_deg["head"]
            w.pitch_deg["head"] = (2.0 * neutral - true_head) if reversed_sign else true_head
            out = assess_rep(w, ref, geom, FormSettings())
        results[reversed_sign] = out["neck_flexion_deg"]
    assert results[False] == pytest.approx(30.0, abs=1.5)
    assert results[True] == pytest.approx(30.0, abs=1.5)


def test_tempo_flags_follow_settings():
    geom = BodyGeometry()
    w, ref, _ = _chain_rep(geom, descent=0.6, pause=0.0)
    out = assess_rep(w, ref, geom, FormSettings())
    assert "fast_descent" in out["flags"] and "no_pause" in out["flags"]
    relaxed = FormSettings(fast_descent_s=0.3, no_pause_s=0.0)
    out = assess_rep(w, ref, geom, relaxed)
    assert "fast_descent" not in out["flags"] and "no_pause" not in out["flags"]


def test_every_flag_is_explained_by_its_numbers():
    s = FormSettings()
    fields = {"sag_deg": s.sag_deg, "partial": True, "neck_flexion_deg": s.head_down_deg - 0.1}
    assert rep_flags(fields, s.fast_descent_s, s.no_pause_s, s) == ["sag", "partial"]
    assert rep_flags({"sag_deg": -s.pike_deg}, 2.0, 1.0, s) == ["pike"]
    assert rep_flags({"sag_deg": math.nan}, 2.0, 1.0, s) == []


def test_feedback_sentence_carries_the_numbers():
    geom = BodyGeometry()
    w, ref, _ = _chain_rep(geom, dip_deg=14.0, lumbar_on_pelvis=False)
    out = assess_rep(w, ref, geom, FormSettings())
    sentence = next(s for s in out["feedback"] if "sagged" in s)
    assert sentence.startswith("Rep 3: hips sagged 14°")


def test_assess_set_reports_variant_and_flag_counts():
    geom = BodyGeometry()
    rows = []
    ref = None   # one reference for the whole set, as the engine keeps it
    for i, dip in enumerate([0, 0, 0, 12, 14, 16], start=1):
        w, first_ref, _ = _chain_rep(geom, variant="knee", dip_deg=dip, lumbar_on_pelvis=False)
        ref = ref or first_ref
        w.index = i
        row = {"index": i, "descent_s": 1.2, "pause_s": 0.5, "ascent_s": 0.9,
               "depth_m": w.depth_m}
        row.update(assess_rep(w, ref, geom, FormSettings()))
        rows.append(row)
    summary, feedback = assess_set(pd.DataFrame(rows), ref, geom, FormSettings())
    assert summary["variant"] == "knee"
    assert summary["flag_counts"]["sag"] == 3
    assert summary["good_form_reps"] == 3
    assert summary["breakdown_rep"] == 4
    assert any("broke down at rep 4" in s for s in feedback)


@pytest.mark.parametrize("sag", [0.0, 12.0, -12.0])
def test_a_knee_set_after_a_toe_set_reads_against_the_toe_plank_reference(sag):
    """A mounting that never saw the person upright reads the chest against the session's first
    plank. When that was a toe plank and a later set is on the knees (steeper by ~15 degrees), the
    knee set's inclination is the toe plank's straight line plus its change from the reference,
    not the knee plank's: otherwise a straight knee set reads as a 26 degree sag."""
    geom = BodyGeometry(1.75)
    toe_pitch = V.straight_top_pitch_deg(geom, "toe")
    w, _, truth = _chain_rep(geom, variant="knee", sag_deg=sag, skin_rock=0.04, rock_known=False)
    w.pitch_deg = {p: v - toe_pitch for p, v in w.pitch_deg.items()}   # read against the toe plank
    ref = PlankReference(pitch_deg={"chest": 0.0, "lumbar": 0.0, "head": 0.0}, variant=None,
                         source="session", extras={"pitch_absolute": 0.0})
    new_set(ref, "toe")   # the first set was on the toes
    for _ in range(4):    # the set's reps decide its pivot together
        out = assess_rep(w, ref, geom, FormSettings())
    assert out["variant"] == "knee"
    assert out["sag_deg"] == pytest.approx(truth["sag_deg"], abs=2.0)
