"""Form detectors: sag and pike, depth against the target, head posture, tempo cues, per rep and set.

The engine calls :func:`assess_rep` for each completed rep and :func:`assess_set` at the end of a
set; thresholds live in :class:`FormSettings`, documented and adjustable.

Sag from the chest alone (the body model of :mod:`imu_pushup.body`)
    The body pivots on the toes (or knees). The legs run from the pivot to the hips (length
    ``Lg``), the trunk from the hips to the shoulders (``Lt``). With the trunk pitch ``phi`` and the
    shoulder height ``H`` above the pivot, the legs' inclination follows from
    ``Lg sin(psi) = H - Lt sin(phi)`` and the hip angle is ``sag = phi - psi`` (SPEC sign: + when
    the hips drop below the shoulder-pivot line). ``H`` is the shoulder height at the top (arms
    straight under the shoulders) plus the sternum's vertical displacement moved to the shoulder
    joint. ``phi`` at the top is the absolute inclination (a mounting that saw the person stand),
    else the straight line plus the top's difference from the good-form reference; within the
    rep it is the chest's turn less the sternum skin's rocking: the skin and strap over the
    sternum rock with the shoulder girdle as the elbows bend, so a chest sensor turns further
    than the trunk (real good-form sets: about a quarter further), by ``k`` degrees per degree
    of elbow flexion. The elbow flexion follows the shoulder's path over the planted hand: it
    drops with the sternum and swings forward as the body turns about its pivot. ``k`` comes
    from the calibration's good reps, else from the set's own descents: the chest's turn beyond
    a rigid body's for the same drop, less a stomach dip's share (a dip grows from nothing at
    the top, as the square of the descent fraction, where the rock grows fastest near lockout).
    A mounting that saw the person stand reads the skin with straight arms; the plank top's
    slight elbow flexion has already rocked it by ``k`` times that flexion. The hip angle is
    read at the top (a held sag) and over the bottom pause (held plus dip); the larger is the
    rep's ``sag_deg``.

Sag with a lumbar sensor as well
    The lower back (lumbar spine or sacrum) lies on the trunk's side of the hip joint and turns
    with the trunk, free of the sternum skin's rocking, so the chest's turn beyond it measures
    ``k``. The spine may bend within a rep (a hollowing lower back lets the thorax turn less
    than the lower back): that bend is what remains of the chest's turn beyond the lower back's
    once the rock is off, taken with the shape of a stomach dip. The chain runs on the
    hips-to-shoulders chord: the lower back's turn plus the thorax's length share of the bend,
    from the lower back's top inclination (the chest's when they disagree: a mounting error).

Variant
    The set's pivot radius (the sternum's drop against the trunk's turn: about 1.3 m on the
    toes, 0.75 m on the knees) from a lumbar sensor. A chest sensor adds the skin's rock to the
    trunk's turn: each pivot's rigid turn for the sternum's drop leaves a rock that must not be
    negative, is rarely large, and follows the elbow flexion only for the true pivot. An absolute
    plank inclination adds the held hip angle each variant implies (a sagging toe plank is as
    steep as a straight knee plank).

Depth
    Full depth is upper arms parallel to the floor: a shoulder drop of one upper-arm length.
    ``depth_frac`` is the shoulder drop over that length.

Head
    Neck flexion is the head's pitch change against the trunk's, relative to the calibrated (or
    first-plank) neutral: positive when the head drops towards the chest (looking down).

Without a calibration file the first plank hold of the session is the good-form reference, so a
sag (or a dropped head) held from the very start is not seen; calibrate to catch it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..body import BodyGeometry
from ..units import VARIANTS
from . import variant as _variant
from .types import PlankReference, RepWindow


@dataclass(frozen=True)
class FormSettings:
    """Flag thresholds and fatigue limits; every one adjustable.

    - ``sag_deg``: flag ``sag`` when the hip angle reaches this many degrees (hips below the
      shoulder-heel line). 10°: the guide's "one line" allows the spine's natural curves (a
      good plank measures within about ±3°); at 10° a coach sees the hips drop (the hips sit
      about 9 cm below the line for a 1.75 m person). A chest sensor re-strapped between sets
      reads a few degrees off its calibration: on real good-form sets 8° flagged about a
      quarter of the reps, 10° about an eighth.
    - ``pike_deg``: flag ``pike`` when the hips rise this many degrees above the line (10°, the
      same reasoning).
    - ``partial_frac``: flag ``partial`` below this fraction of full depth (upper arms parallel to
      the floor = 1.0). 0.7: a rep stopping 30 % short of parallel (elbows at about 105° instead
      of 90°), clear of the few centimetres a depth estimate can be off.
    - ``head_down_deg``: flag ``head_down`` when the neck flexes this much beyond neutral (the guide:
      gaze slightly forward, not down).
    - ``fast_descent_s``: flag ``fast_descent`` when the descent is shorter (the guide: controlled).
    - ``no_pause_s``: flag ``no_pause`` when the bottom hold is shorter. 0.25 s: a turn-around
      without any hold (a smooth turn alone spends about that long within 5 % of the bottom); a
      held count is 0.5-1 s.
    - ``velocity_loss_frac``: a rep whose ascent is slower than the set's best early reps by this
      fraction counts as fatigued (velocity-based training uses 20-40 %).
    - ``depth_loss_frac``: likewise for depth.
    - ``chest_rotation_gain``: how much further a chest (sternum) sensor turns in a rep than the
      trunk, when no calibration measured it: the skin and strap over the sternum rock with the
      shoulder girdle as the elbows bend. 1.25 from real sternum recordings (good-form reps turn
      about a quarter more than a rigid straight body would for their drop); a calibration
      measures it per person.
    - ``chest_skin_rock``: degrees the sternum skin and strap turn per degree of elbow flexion
      (they rock with the shoulder girdle as the elbows bend; with full depth at about 90° of
      flexion, 0.05 gives the quarter extra turn above), used until the set's own reps, or a
      calibration, measure it.
    - ``smooth_s``: angle smoothing before taking a rep's extreme (noise would bias the maximum).
    """

    sag_deg: float = 10.0
    pike_deg: float = 10.0
    partial_frac: float = 0.7
    head_down_deg: float = 15.0
    fast_descent_s: float = 1.0
    no_pause_s: float = 0.25
    velocity_loss_frac: float = 0.30
    depth_loss_frac: float = 0.25
    smooth_s: float = 0.15
    chest_rotation_gain: float = 1.25
    chest_skin_rock: float = 0.05


#: Flags that describe posture (as opposed to tempo).
POSTURE_FLAGS: tuple[str, ...] = ("sag", "pike", "partial", "head_down")


def assess_rep(window: RepWindow, reference: PlankReference, geometry: BodyGeometry,
               settings: FormSettings) -> dict[str, Any]:
    """Form fields of one rep, to merge into its row (angles in degrees, depth fraction of target)."""
    from ..feedback import rep_feedback

    t = np.asarray(window.t, dtype=float)
    rep = (t >= window.t_start) & (t <= window.t_end)
    if not rep.any():
        rep = np.ones(len(t), dtype=bool)
    top = t <= window.t_start
    if not top.any():
        top = np.zeros(len(t), dtype=bool)
        top[: max(1, min(len(t), 3))] = True
    descent = rep & (t <= window.t_bottom)
    pitch = {p: _smooth(np.asarray(v, dtype=float), t, settings.smooth_s)
             for p, v in window.pitch_deg.items() if v is not None and len(v) == len(t) and len(t)}
    ref = {p: _reference_pitch(reference, p, v, top) for p, v in pitch.items()}
    height = None
    if window.height_m is not None and len(window.height_m) == len(t):
        # Smoothed as the angles are, so that height and angle stay in step (a lag between them
        # would pass for a turn the drop does not explain).
        height = _smooth(np.asarray(window.height_m, dtype=float), t, settings.smooth_s)

    out: dict[str, Any] = {}
    lead_is_chest = window.source_placement == "chest" and height is not None
    gain = chest_rotation_gain(reference, settings, geometry)
    tops = {p: float(np.median(v[top])) for p, v in pitch.items()}

    # Variant: the calibrated one, else the set's evidence so far: the lumbar sensor's pivot
    # radius when present, else how each pivot splits the chest's turn over the descent into body
    # turn and skin rock (and the held hip angle each implies when the plank pitch is absolute).
    radius = raw_radius = lumbar_radius = rock_evidence = None
    # A drop the body cannot make (the chest through the floor) is a broken height: such a rep's
    # turn against its drop tells neither the pivot nor the skin's rock.
    plausible = height is not None and _drop_plausible(geometry, height[rep])
    if lead_is_chest and "chest" in pitch:
        raw_radius = _variant.pivot_radius_m(height[rep], pitch["chest"][rep], geometry)
        if "lumbar" in pitch:
            # The upper half of the descent: a stomach dip (which grows towards the bottom)
            # changes the trunk's turn there least.
            upper = (t <= window.t_bottom) & (height >= 0.5 * float(np.min(height[rep])))
            upper = upper if upper.sum() >= 5 else rep
            lumbar_radius = _variant.pivot_radius_m(height[upper], pitch["lumbar"][upper], geometry)
        if "chest_rotation_gain" in reference.extras and "chest_skin_rock" not in reference.extras:
            rot = tops["chest"] + (pitch["chest"] - tops["chest"]) / gain   # older calibrations
        else:   # the chest's turn less the skin's rocking (the set's value so far)
            rot = pitch["chest"] + _skin_rock_so_far(reference, settings) * elbow_flexion_deg(geometry, -height)
        radius = lumbar_radius or _variant.pivot_radius_m(height[rep], rot[rep], geometry)
        out["pivot_radius_m"] = radius if radius is not None else math.nan
        out["chest_radius_raw_m"] = raw_radius if raw_radius is not None else math.nan
        if reference.variant is None and plausible:
            absolute = reference.source == "session" and _is_absolute(reference, "chest")
            rock_evidence = _variant_rock_evidence(geometry, height[descent], pitch["chest"][descent],
                                                   tops["chest"], ref["chest"], absolute, reference)
    variant = reference.variant or _decide_variant(reference, geometry,
                                                   raw_radius if plausible else None,
                                                   lumbar_radius if plausible else None,
                                                   rock_evidence=rock_evidence)
    chain = _BodyChain(geometry, variant)
    if variant is not None:
        out["variant"] = variant

    # Trunk inclination over the window (deg, absolute). The top posture of this rep comes from
    # the absolute pitch (a mounting that saw the person stand), else from the good-form reference
    # placed on the straight body line. Within the rep the chest sensor turns further than the
    # trunk: the sternum skin and strap rock with the shoulder girdle as the elbows bend. The
    # rocking adds to the trunk's turn and grows with the depth; it is taken as (gain - 1) times
    # the turn a rigid straight body makes for the sternum's drop, so a stomach dip (less trunk
    # turn than the drop explains) stays in full in the estimate.
    def session_absolute(p: str) -> bool:
        # A calibration's good-form reference beats the straight line of a body model.
        return reference.source == "session" and _is_absolute(reference, p)

    # A mounting that saw the person stand reads the sternum skin as it sits with straight arms;
    # at the plank top the elbows are not locked, so the skin has already rocked by the set's
    # rock times the top's elbow flexion (the trunk is that much steeper than the chest reads).
    top_rock = _skin_rock_so_far(reference, settings) * top_elbow_flexion_deg(geometry)

    def base_of(p: str) -> float:
        if session_absolute(p):
            return tops[p] + (top_rock if p == "chest" and lead_is_chest else 0.0)
        return reference_top_pitch_deg(reference, geometry, variant) + (tops[p] - ref[p])

    bottom = (t >= window.t_bottom) & (t <= window.t_ascent)
    if not bottom.any():
        bottom = np.zeros(len(t), dtype=bool)
        bottom[int(np.argmin(np.abs(t - window.t_bottom)))] = True

    rigid = None   # turn of a rigid straight body for the sternum's drop, deg (+ going down)
    rock = None    # the sternum skin's extra turn, deg (+ going down)
    if lead_is_chest and "chest" in pitch:
        descent_frac = _descent_frac(height, rep)
        rigid = _rigid_rotation_deg(chain, base_of("chest"), height)
        flex = chain_elbow_flexion_deg(chain, geometry, height, base_of("chest") - rigid, base_of("chest"))
        turn = tops["chest"] - pitch["chest"]
        k = reference.extras.get("chest_skin_rock")
        if k is None and "chest_rotation_gain" in reference.extras:
            rock = (gain - 1.0) * rigid        # a calibration file from before the skin model
        else:
            if k is None:
                # No calibration: the set's own, from the chest's turn beyond a rigid body's
                # over the descents so far, a stomach dip's share set apart.
                moments = skin_rock_moments(turn[descent] - rigid[descent], flex[descent],
                                            descent_frac[descent]) if plausible else None
                k = _pooled_skin_rock(reference, moments, settings.chest_skin_rock)
                reference.extras["skin_rock_so_far"] = k
                out["chest_skin_rock"] = k
            rock = float(k) * flex
        # This rep's value at the bottom: what a calibration from good reps keeps (no dip there).
        flex_bottom = float(np.median(flex[bottom]))
        if flex_bottom >= MIN_FLEX_DEG:
            out["chest_skin_rock_bottom"] = (float(np.median(turn[bottom] - rigid[bottom])) / flex_bottom)
        rigid_bottom = float(np.median(rigid[bottom]))
        if rigid_bottom >= MIN_GAIN_ROTATION_DEG:   # the chest's turn over the trunk's, at the bottom
            gain = 1.0 + float(np.median(rock[bottom])) / rigid_bottom

    def trunk_from(p: str, g: float) -> np.ndarray:
        if g == 1.0:
            return base_of(p) + (pitch[p] - tops[p])
        if rock is not None:
            return base_of(p) + (pitch[p] - tops[p]) + rock
        return base_of(p) + (pitch[p] - tops[p]) / g

    trunk = trunk_from("chest", gain) if "chest" in pitch else None
    trunk_top = float(np.median(trunk[top])) if trunk is not None else None

    # Depth against the target.
    down = rep & (t <= window.t_ascent)   # top to the bottom turn (height pinned at both ends)
    if not down.any():
        down = rep

    # Sag / pike: the hip angle at the top (held) and over the bottom pause (held + dip).
    sag = None
    if lead_is_chest and trunk is not None:
        sag = _chain_sag(chain, height, trunk, trunk_top)
        if "lumbar" in pitch:
            # The chest's turn beyond the lower back's is the sternum skin's rock (plus any bend
            # of the spine, set apart by its shape): measured against the lower back, over the set.
            beyond = (tops["chest"] - pitch["chest"]) - (tops["lumbar"] - pitch["lumbar"])
            moments = (skin_rock_moments(beyond[descent], flex[descent], descent_frac[descent])
                       if plausible else None)
            k_back = _pooled_skin_rock(reference, moments, _skin_rock_so_far(reference, settings),
                                       key="lower_back_rock")
            out["chest_skin_rock_lower_back"] = k_back
            bend = spine_bend_deg(beyond[descent] - k_back * flex[descent], descent_frac[descent])
            out["spine_bend_deg"] = bend
            thorax = base_of("chest") + (pitch["chest"] - tops["chest"]) + k_back * flex
            sag = _with_lumbar(chain, height, thorax, pitch["lumbar"], base_of("lumbar"), top,
                               bend * descent_frac ** 2)
    elif "chest" in pitch and "lumbar" in pitch:
        sag = (pitch["chest"] - ref["chest"]) / gain - (pitch["lumbar"] - ref["lumbar"])
    drop = _shoulder_drop_m(window, height, trunk, trunk_top, pitch, ref, down, chain)
    if drop is not None:
        out["shoulder_drop_m"] = drop
        frac = drop / geometry.depth_target_m
        out["depth_frac"] = frac
        out["partial"] = bool(frac < settings.partial_frac)
    if sag is not None:
        sag_top = float(np.median(sag[top]))
        sag_bottom = float(np.median(sag[bottom]))
        out["sag_deg"] = sag_bottom if abs(sag_bottom) >= abs(sag_top) else sag_top
        frac = out.get("depth_frac")
        if lead_is_chest and (not plausible or (frac is not None and np.isfinite(frac)
                                                and frac > MAX_PLAUSIBLE_DEPTH_FRAC)):
            # The chest would be through the floor: the height is broken, and so is the
            # bottom's hip angle (it rests on the height); the top posture stands.
            out["sag_deg"] = sag_top
            out["depth_plausible"] = False
        out["sag_top_deg"] = sag_top
        out["sag_bottom_deg"] = sag_bottom

    # Head: neck flexion = trunk inclination minus head inclination (+ head dropped towards the
    # chest), absolute when both mountings saw the person stand, else against the reference.
    if "head" in pitch:
        src = "chest" if "chest" in pitch else ("lumbar" if "lumbar" in pitch else None)
        g = gain if src == "chest" else 1.0
        if src is not None and session_absolute(src) and session_absolute("head"):
            neck = trunk_from(src, g) - pitch["head"]
        else:
            trunk_change = ((tops[src] - ref[src]) + (pitch[src] - tops[src]) / g if src is not None
                            else np.zeros(len(t)))
            sign = 1.0
            if src is not None:
                sign = _head_turn_sign(reference, pitch[src][rep] - tops[src],
                                       pitch["head"][rep] - tops["head"])
            neck = trunk_change - sign * (pitch["head"] - ref["head"])
        out["neck_flexion_deg"] = _signed_extreme(neck[rep])

    for p, v in pitch.items():   # top posture of each segment (a calibration keeps the good one)
        out[f"{p}_pitch_top_deg"] = float(np.median(v[top]))
    if "chest" in pitch:
        bottom = (t >= window.t_bottom) & (t <= window.t_ascent)
        if bottom.any():
            out["trunk_pitch_bottom_deg"] = float(np.median(pitch["chest"][bottom] - ref["chest"]))

    out["flags"] = rep_flags(out, window.t_bottom - window.t_start,
                             window.t_ascent - window.t_bottom, settings)
    fields = dict(out, descent_s=window.t_bottom - window.t_start,
                  pause_s=window.t_ascent - window.t_bottom, depth_m=window.depth_m)
    out["feedback"] = rep_feedback(window.index, fields, settings)
    return out


#: Fewest degrees the trunk must turn in a rep for the rep to tell which way the head turns.
MIN_HEAD_SIGN_TURN_DEG = 5.0


def _head_turn_sign(reference: PlankReference, trunk_turn_deg: np.ndarray,
                    head_turn_deg: np.ndarray) -> float:
    """+1, or -1 when the head's pitch runs against the trunk's over the set so far.

    The head rides on the neck on top of the trunk: through a push-up it turns with the trunk
    (a nod changes its turn, never the sign over a set of reps). A head pitch that falls as the
    trunk rises and rises as it falls was read through a mounting with its sagittal sign reversed
    (a head barely turns against the trunk in the calibration's good reps, so the direction its
    mounting learned can come out backwards); the head's change is then read with the sign
    reversed. The moments of head turn on trunk turn pool over the set's reps (in
    ``reference.extras``); reps whose trunk turns less than ``MIN_HEAD_SIGN_TURN_DEG`` add nothing.
    """
    x = np.asarray(trunk_turn_deg, dtype=float)
    y = np.asarray(head_turn_deg, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    ex = reference.extras
    if ok.sum() >= 5 and float(np.ptp(x[ok])) >= MIN_HEAD_SIGN_TURN_DEG:
        xc, yc = x[ok] - x[ok].mean(), y[ok] - y[ok].mean()
        ex["head_turn_xy"] = ex.get("head_turn_xy", 0.0) + float(np.dot(xc, yc))
    return -1.0 if ex.get("head_turn_xy", 0.0) < 0.0 else 1.0


def rep_flags(fields: dict[str, Any], descent_s: float, pause_s: float,
              settings: FormSettings) -> list[str]:
    """SPEC flags of one rep from its numbers (so every flag is explained by the numbers)."""
    flags: list[str] = []
    sag = fields.get("sag_deg")
    if _finite(sag) and sag >= settings.sag_deg:
        flags.append("sag")
    if _finite(sag) and sag <= -settings.pike_deg:
        flags.append("pike")
    if fields.get("partial"):
        flags.append("partial")
    if _finite(descent_s) and descent_s < settings.fast_descent_s:
        flags.append("fast_descent")
    if _finite(pause_s) and pause_s < settings.no_pause_s:
        flags.append("no_pause")
    neck = fields.get("neck_flexion_deg")
    if _finite(neck) and neck >= settings.head_down_deg:
        flags.append("head_down")
    return flags


#: ``reference.extras`` keys of the evidence for the set's pivot (toe or knee), started afresh at
#: each new set: people switch to their knees when the toes get too hard.
_SET_VARIANT_KEYS = ("rock_", "raw_radius_", "lumbar_radius_", "pivot_log_radius_sum", "pivot_radius_n")


def new_set(reference: PlankReference, last_variant: str | None = None) -> None:
    """A new set begins: its pivot is decided from its own reps (unless a calibration fixed it).
    ``last_variant``, the set before's, is kept the first time: the plank the reference was read
    from was done on that pivot (see :func:`reference_top_pitch_deg`)."""
    if reference.variant is not None:
        return
    if "reference_knee" not in reference.extras and last_variant in VARIANTS:
        reference.extras["reference_knee"] = 1.0 if last_variant == "knee" else 0.0
    for key in [k for k in reference.extras if k.startswith(_SET_VARIANT_KEYS)]:
        del reference.extras[key]


def reference_top_pitch_deg(reference: PlankReference, geometry: BodyGeometry, variant: str | None) -> float:
    """The straight-body plank inclination the session's reference stands for: that of the pivot
    the first set was done on (known once a later set begins), else ``variant``'s. A chest pitch
    read against the reference is this plus its change from the reference."""
    if "reference_knee" in reference.extras:
        variant = "knee" if reference.extras["reference_knee"] else "toe"
    return _variant.straight_top_pitch_deg(geometry, variant or "toe")


def assess_set(reps: pd.DataFrame, reference: PlankReference, geometry: BodyGeometry,
               settings: FormSettings) -> tuple[dict[str, Any], list[str]]:
    """Set-level summary additions (variant, fatigue, breakdown rep, flag counts) and sentences."""
    from ..feedback import set_feedback
    from .fatigue import fatigue_summary

    summary: dict[str, Any] = {}
    variant = reference.variant
    if variant is None and "variant" in reps.columns:   # the variant most reps were done in
        counts = reps["variant"].dropna().value_counts(sort=False)
        if len(counts):
            variant = str(counts.idxmax())
    if variant is None:
        variant = _decide_variant(reference, geometry, None, None, update=False)
    if variant is None and "pivot_radius_m" in reps.columns:
        variant = _variant.set_variant(geometry, reps["pivot_radius_m"].to_numpy(dtype=float),
                                       _absolute_plank_pitch(reference))
    summary["variant"] = variant
    flags = reps["flags"] if "flags" in reps.columns else pd.Series([[]] * len(reps), dtype=object)
    flag_lists = [list(f) if isinstance(f, (list, tuple, np.ndarray)) else [] for f in flags]
    summary["flag_counts"] = {name: sum(name in f for f in flag_lists)
                              for name in ("sag", "pike", "partial", "fast_descent", "no_pause",
                                           "head_down")}
    summary["good_form_reps"] = int(sum(not any(x in POSTURE_FLAGS for x in f) for f in flag_lists))
    summary.update(fatigue_summary(reps, settings))
    return summary, set_feedback(reps, summary, settings)


# -- the body chain ------------------------------------------------------------------------------

class _BodyChain:
    """Pivot -> legs -> hips -> trunk -> shoulders, with the sternum on the trunk."""

    def __init__(self, geometry: BodyGeometry, variant: str) -> None:
        self.legs_m = geometry.legs_m(variant)
        self.trunk_m = geometry.trunk_m
        self.along_m, self.depth_m = _variant.sternum_offsets_m(geometry)
        self.top_pitch_deg = _variant.straight_top_pitch_deg(geometry, variant)
        self.top_shoulder_m = geometry.pivot_to_shoulder_m(variant) * math.sin(
            math.radians(self.top_pitch_deg))
        self.pivot_to_shoulder_m = geometry.pivot_to_shoulder_m(variant)
        self.upper_arm_m = geometry.upper_arm_m

    def shoulder_change_m(self, sternum_height_m: np.ndarray, trunk_deg: np.ndarray,
                          trunk_top_deg: float) -> np.ndarray:
        """Shoulder-joint height change from the sternum's (the sternum sits below it on the trunk)."""
        p = np.radians(trunk_deg)
        p0 = math.radians(trunk_top_deg)
        return (sternum_height_m + self.along_m * (np.sin(p) - math.sin(p0))
                + self.depth_m * (np.cos(p) - math.cos(p0)))

    def shoulder_forward_m(self, trunk_deg: np.ndarray, trunk_top_deg: float) -> np.ndarray:
        """Forward travel (m, towards the head) of the shoulders from the top as the body turns on
        its pivot with the hip angle the top shows: ``Lg cos(legs) + Lt cos(trunk)`` grows as the
        body flattens."""
        hip_deg = float(self.sag_deg(np.array([trunk_top_deg]), np.array([self.top_shoulder_m]))[0])
        trunk = np.radians(np.asarray(trunk_deg, dtype=float))
        legs = trunk - math.radians(hip_deg)
        trunk_top, legs_top = math.radians(trunk_top_deg), math.radians(trunk_top_deg - hip_deg)
        return (self.legs_m * (np.cos(legs) - math.cos(legs_top))
                + self.trunk_m * (np.cos(trunk) - math.cos(trunk_top)))

    def sag_deg(self, trunk_deg: np.ndarray, shoulder_m: np.ndarray) -> np.ndarray:
        """Hip angle (SPEC sign) from trunk pitch and shoulder height above the pivot."""
        s = (shoulder_m - self.trunk_m * np.sin(np.radians(trunk_deg))) / self.legs_m
        legs = np.degrees(np.arcsin(np.clip(s, -1.0, 1.0)))
        return trunk_deg - legs


def _shoulder_drop_m(window: RepWindow, height: np.ndarray | None, trunk: np.ndarray | None,
                     trunk_top: float | None, pitch: dict[str, np.ndarray],
                     ref: dict[str, float], rep: np.ndarray, chain: _BodyChain) -> float | None:
    """Shoulder drop of the rep (m), from the lead sensor's depth or the upper arm's rotation."""
    depth = window.depth_m
    has_depth = depth is not None and np.isfinite(depth)
    if window.source_placement == "chest" and has_depth:
        if trunk is not None and height is not None and trunk_top is not None:
            i_bottom = int(np.flatnonzero(rep)[np.argmin(height[rep])])
            change = chain.shoulder_change_m(np.array([-float(depth)]), trunk[i_bottom:i_bottom + 1],
                                             trunk_top)
            return float(-change[0])
        radius = chain.pivot_to_shoulder_m - chain.along_m
        return float(depth) * chain.pivot_to_shoulder_m / radius
    if window.source_placement == "lumbar" and has_depth:
        return float(depth) * chain.pivot_to_shoulder_m / chain.legs_m
    if "upper_arm" in pitch:
        # Forearm near vertical: shoulder height = forearm + upper arm * sin(arm pitch).
        arm = pitch["upper_arm"][rep]
        top = ref["upper_arm"]
        if not (45.0 <= top <= 100.0):
            top = 85.0  # pitch not absolute: assume arms near vertical at the top
        arm_abs = top + (arm - ref["upper_arm"])
        lowest = float(np.min(np.sin(np.radians(arm_abs))))
        return float((math.sin(math.radians(top)) - lowest) * chain.upper_arm_m)
    if has_depth:
        return float(depth)
    return None


# -- small helpers -------------------------------------------------------------------------------

def _reference_pitch(reference: PlankReference, placement: str, pitch: np.ndarray,
                     top: np.ndarray) -> float:
    value = reference.pitch_deg.get(placement)
    if value is not None and np.isfinite(value):
        return float(value)
    return float(np.median(pitch[top]))


def chest_rotation_gain(reference: PlankReference, settings: "FormSettings",
                        geometry: BodyGeometry | None = None) -> float:
    """How much further the chest sensor turns in a full-depth rep than the trunk: an older
    calibration's gain, else from the skin's rock (calibrated or the set's so far) at full depth
    on a toe pivot, else the default."""
    g = reference.extras.get("chest_rotation_gain")
    if g is not None and np.isfinite(g) and GAIN_RANGE[0] <= g <= GAIN_RANGE[1]:
        return float(g)
    k = reference.extras.get("chest_skin_rock", reference.extras.get("skin_rock_so_far"))
    if k is not None and geometry is not None:
        drop = geometry.depth_target_m
        flex = float(elbow_flexion_deg(geometry, np.array([drop]))[0])
        turn = math.degrees(math.asin(min(1.0, drop / geometry.pivot_to_shoulder_m("toe"))))
        return 1.0 + float(k) * flex / turn
    return float(settings.chest_rotation_gain)


#: Shoulder drop (fraction of the upper arm) beyond which the chest would pass through the floor:
#: the shoulders stop about one chest depth above it, about 1.2 upper-arm lengths below their top
#: height; 25 % more for body proportions unlike the tables.
MAX_PLAUSIBLE_DEPTH_FRAC = 1.5


#: Plausible chest rotation gains (sensor rotation over trunk rotation in a rep).
GAIN_RANGE = (1.0, 3.0)


def _is_absolute(reference: PlankReference, placement: str) -> bool:
    """Whether the reference pitch of ``placement`` is an absolute inclination.

    ``extras["absolute_<placement>"]`` when the engine says so per placement; else the set-wide
    ``pitch_absolute``; else a non-zero session reference (a relative mounting's plank is 0.0).
    """
    key = f"absolute_{placement}"
    if key in reference.extras:
        return bool(reference.extras[key])
    if reference.extras.get("pitch_absolute", 0.0):
        return True
    value = reference.pitch_deg.get(placement)
    return (reference.source == "session" and value is not None and np.isfinite(value)
            and value != 0.0)


def _drop_plausible(geometry: BodyGeometry, height_m: np.ndarray) -> bool:
    """Whether the sternum's drop in a rep fits the body: the shoulders stop about one chest
    depth above the floor, ``MAX_PLAUSIBLE_DEPTH_FRAC`` upper arms below their top. A larger
    drop is a broken height (integration drift), whose turn against the drop tells nothing."""
    drop_m = -float(np.min(height_m)) if len(height_m) else 0.0
    return drop_m <= MAX_PLAUSIBLE_DEPTH_FRAC * geometry.depth_target_m


def _descent_frac(height_m: np.ndarray, rep: np.ndarray) -> np.ndarray:
    """How far down the rep each sample is (0 at the top, 1 at the lowest point)."""
    depth_m = -float(np.min(height_m[rep])) if rep.any() else 0.0
    if not depth_m > 0:
        return np.zeros(len(height_m))
    return np.clip(-np.asarray(height_m, dtype=float) / depth_m, 0.0, 1.0)


def _chain_sag(chain: "_BodyChain", height: np.ndarray, trunk: np.ndarray, trunk_top: float) -> np.ndarray:
    """Hip angle over the window from the sternum's height and the trunk's inclination."""
    shoulder = chain.top_shoulder_m + chain.shoulder_change_m(height, trunk, trunk_top)
    return chain.sag_deg(trunk, shoulder)


def _with_lumbar(chain: "_BodyChain", height: np.ndarray, thorax: np.ndarray,
                 lumbar_deg: np.ndarray, lumbar_top_deg: float, top: np.ndarray,
                 bend_deg: np.ndarray) -> np.ndarray:
    """Hip angle with a lower-back sensor as well.

    The lower back (lumbar spine, sacrum) lies on the trunk's side of the hip joint and turns
    with the trunk, free of the sternum skin's rocking. The spine may bend within a rep (a
    hollowing lower back lets the thorax turn less): ``bend_deg`` is how much less the thorax
    has turned than the lower back. The hips-to-shoulders chord, which puts the shoulders where
    they are, turns by the two parts' turns weighted by their lengths: the lower back's turn
    plus the thorax's share (``1 - LOWER_BACK_SHARE``) of the bend. At the top, where the bend
    has not started, the chord's inclination is the lower back's (the chest's carries the rock
    of however straight the arms are held), unless the two disagree by more than a mounting
    can be trusted to (``LUMBAR_TOP_AGREE_DEG``): then the chest's, as a lower-back mounting
    is learned from a smaller turn. The sternum rides on the thorax.
    """
    back_change = np.asarray(lumbar_deg, dtype=float) - float(np.median(lumbar_deg[top]))
    thorax_top = float(np.median(thorax[top]))
    chord_top = thorax_top
    if abs(lumbar_top_deg - thorax_top) <= LUMBAR_TOP_AGREE_DEG:
        chord_top = lumbar_top_deg
    chord = chord_top + back_change + (1.0 - LOWER_BACK_SHARE) * bend_deg
    shoulder = chain.top_shoulder_m + chain.shoulder_change_m(height, thorax, thorax_top)
    return chain.sag_deg(chord, shoulder)


def spine_bend_deg(thorax_less_back_turn_deg: np.ndarray, descent_frac: np.ndarray) -> float:
    """How much less (deg) the thorax turns than the lower back at the bottom of one descent.

    A bend of the spine grows from nothing at the top towards the bottom, like a stomach dip:
    the least-squares factor of the square of the descent fraction. Strap wobble and a slip of
    the chest strap do not follow that shape and stay out of it. 0 without enough samples.
    """
    y = np.asarray(thorax_less_back_turn_deg, dtype=float)
    z = np.clip(np.asarray(descent_frac, dtype=float), 0.0, 1.0) ** 2
    ok = np.isfinite(y) & np.isfinite(z)
    zz = float(np.dot(z[ok], z[ok]))
    if ok.sum() < 5 or zz <= 0:
        return 0.0
    return -float(np.dot(z[ok], y[ok])) / zz


#: The lower back's (pelvis and lumbar spine) share of the hips-to-shoulders length (segment
#: tables: the lumbar-pelvic part is about 0.4 of the trunk, the thorax the rest).
LOWER_BACK_SHARE = 0.4
#: Two sensors on the trunk read its top inclination alike within this (deg): each is good to
#: about a degree, so a larger difference is a mounting error.
LUMBAR_TOP_AGREE_DEG = 3.0


#: Shoulder-to-wrist distance at the top, as a fraction of the arm's length: arms straight but
#: not locked back (about 15 degrees of elbow flexion).
LOCKOUT_FRAC = 0.99
#: The sternum skin's turn per degree of elbow flexion: plausible range, and the fewest degrees
#: of flexion that tell it.
SKIN_ROCK_RANGE = (0.0, 0.3)
MIN_FLEX_DEG = 20.0

#: Fewest degrees a rigid body would turn in a rep for the rep to tell the chest's gain.
MIN_GAIN_ROTATION_DEG = 5.0


def _rigid_rotation_deg(chain: "_BodyChain", trunk_top_deg: float, height_m: np.ndarray) -> np.ndarray:
    """Turn (deg, + going down) of the body held rigid on its pivot for the sternum's drop.

    The hip angle stays what the top shows (a held sag or pike keeps its bend); the shoulders
    follow the sternum (``shoulder_change_m``) and the legs-trunk chain
    ``Lg sin(a) + Lt sin(a + hip) = H`` gives the trunk's inclination at each shoulder height.
    """
    h = np.asarray(height_m, dtype=float)
    hip = math.radians(float(chain.sag_deg(np.array([trunk_top_deg]),
                                           np.array([chain.top_shoulder_m]))[0]))
    a_c, b_c = chain.legs_m + chain.trunk_m * math.cos(hip), chain.trunk_m * math.sin(hip)
    r, off = math.hypot(a_c, b_c), math.atan2(b_c, a_c)

    def trunk_at(shoulder: np.ndarray) -> np.ndarray:
        return np.degrees(np.arcsin(np.clip(shoulder / r, -1.0, 1.0)) - off + hip)

    top = float(trunk_at(np.array([chain.top_shoulder_m]))[0])
    trunk = np.full(len(h), trunk_top_deg)
    for _ in range(3):
        shoulder = chain.top_shoulder_m + chain.shoulder_change_m(h, trunk, trunk_top_deg)
        trunk = trunk_top_deg + (trunk_at(shoulder) - top)
    return trunk_top_deg - trunk


def _rep_rotation_gain(chain: "_BodyChain", trunk_top_deg: float, chest_top_deg: float,
                       chest_bottom_deg: float, height_bottom_m: float) -> float | None:
    """Chest rotation over the rotation of a rigid straight body for the sternum's drop."""
    r = chain.pivot_to_shoulder_m - chain.along_m
    p0 = math.radians(trunk_top_deg)
    s = math.sin(p0) + height_bottom_m / r
    for _ in range(2):   # the sternum sits chest_depth below the body line
        p1 = math.asin(max(-1.0, min(1.0, s)))
        s = math.sin(p0) + (height_bottom_m + chain.depth_m * (math.cos(p1) - math.cos(p0))) / r
    expected = math.degrees(p0 - math.asin(max(-1.0, min(1.0, s))))
    if not expected >= MIN_GAIN_ROTATION_DEG:
        return None
    return (chest_top_deg - chest_bottom_deg) / expected


def _running_gain(reference: PlankReference, rep_gain: float | None, default: float) -> float:
    """Geometric mean of the set's rep gains so far (clipped to the plausible range)."""
    if rep_gain is not None and np.isfinite(rep_gain) and rep_gain > 0:
        g = min(max(rep_gain, GAIN_RANGE[0]), GAIN_RANGE[1])
        reference.extras["gain_log_sum"] = reference.extras.get("gain_log_sum", 0.0) + math.log(g)
        reference.extras["gain_n"] = reference.extras.get("gain_n", 0.0) + 1.0
    n = reference.extras.get("gain_n", 0.0)
    if n <= 0:
        return default
    return math.exp(reference.extras["gain_log_sum"] / n)


def elbow_flexion_deg(geometry: BodyGeometry, shoulder_drop_m: np.ndarray,
                      shoulder_forward_m: np.ndarray | float = 0.0,
                      top_reach_m: float | None = None) -> np.ndarray:
    """Elbow flexion (deg, 0 at the top) for a shoulder that drops and moves forward (towards the
    head) from the top, nearly straight over the planted hand: the arm's two segments span the
    shoulder-wrist distance (``top_reach_m`` at the top; ``LOCKOUT_FRAC`` of the arm by default)."""
    top = LOCKOUT_FRAC * (geometry.upper_arm_m + geometry.forearm_m) if top_reach_m is None else top_reach_m
    drop = np.maximum(np.asarray(shoulder_drop_m, dtype=float), 0.0)
    reach = np.hypot(top - drop, np.asarray(shoulder_forward_m, dtype=float))
    return _flexion_at_reach_deg(geometry, reach) - _flexion_at_reach_deg(geometry, np.array(top))


def top_elbow_flexion_deg(geometry: BodyGeometry) -> float:
    """Elbow flexion (deg) at the plank top against a straight arm (arms not locked back)."""
    top = LOCKOUT_FRAC * (geometry.upper_arm_m + geometry.forearm_m)
    return float(_flexion_at_reach_deg(geometry, np.array(top)))


def _reach_at_flexion_m(geometry: BodyGeometry, flexion_deg: float) -> float:
    """Shoulder-to-wrist distance (m) of an arm bent ``flexion_deg`` at the elbow (law of cosines)."""
    u, f = geometry.upper_arm_m, geometry.forearm_m
    return math.sqrt(u * u + f * f + 2.0 * u * f * math.cos(math.radians(flexion_deg)))


def _flexion_at_reach_deg(geometry: BodyGeometry, reach_m: np.ndarray) -> np.ndarray:
    """Elbow flexion (deg, 0 straight) of an arm whose shoulder is ``reach_m`` from the wrist."""
    u, f = geometry.upper_arm_m, geometry.forearm_m
    d = np.clip(reach_m, abs(u - f) + 1e-3, u + f)
    return 180.0 - np.degrees(np.arccos(np.clip((u * u + f * f - d * d) / (2 * u * f), -1.0, 1.0)))


def chain_elbow_flexion_deg(chain: "_BodyChain", geometry: BodyGeometry, height_m: np.ndarray,
                            trunk_deg: np.ndarray, trunk_top_deg: float,
                            top_reach_m: float | None = None) -> np.ndarray:
    """Elbow flexion (deg, 0 at the top) along the rep: the shoulders drop with the sternum and
    swing forward past the planted hands as the body turns about its pivot (about 10 cm on the
    toes and 15 cm on the knees at full depth), which keeps the arm straighter than a drop
    straight down would."""
    drop = -chain.shoulder_change_m(height_m, trunk_deg, trunk_top_deg)
    return elbow_flexion_deg(geometry, drop, chain.shoulder_forward_m(trunk_deg, trunk_top_deg), top_reach_m)


def skin_rock_moments(beyond_rigid_deg: np.ndarray, flexion_deg: np.ndarray,
                      descent_frac: np.ndarray) -> tuple[float, float] | None:
    """Moments ``(sum x*y, sum x*x)`` of the sternum skin's rock over one descent, a stomach dip's
    share set apart.

    The chest turns beyond a rigid body by the skin's rock (``k`` times the elbow flexion) less
    the trunk turn a stomach dip takes back. The rock grows fastest near lockout; a dip grows
    from nothing at the top, where the held posture is defined, towards the bottom, taken with
    the shape of the square of the descent fraction. Both sides are projected off that shape,
    so ``k`` is the ratio of the moments (pooled over reps) whatever such a dip. A hip angle
    that changes evenly from the very top looks much like the rock (the flexion grows nearly
    evenly past the first fifth of the descent): only a calibration or a lower-back sensor tells
    those apart. None without enough samples or flexion.
    """
    x, y = np.asarray(flexion_deg, dtype=float), np.asarray(beyond_rigid_deg, dtype=float)
    u = np.clip(np.asarray(descent_frac, dtype=float), 0.0, 1.0)
    ok = np.isfinite(x) & np.isfinite(y) & np.isfinite(u)
    if ok.sum() < 5 or float(np.max(x[ok])) < MIN_FLEX_DEG:
        return None
    x, y = _off_dip_shape(x[ok], u[ok]), _off_dip_shape(y[ok], u[ok])
    xx = float(np.dot(x, x))
    return (float(np.dot(x, y)), xx) if xx > 0 else None


def _off_dip_shape(values: np.ndarray, descent_frac: np.ndarray) -> np.ndarray:
    """``values`` less their least-squares part along a dip's shape, the square of the descent
    fraction."""
    z = descent_frac ** 2
    zz = float(np.dot(z, z))
    return values - z * float(np.dot(z, values)) / zz if zz > 0 else values


def _pooled_skin_rock(reference: PlankReference, moments: tuple[float, float] | None,
                      default: float, key: str = "skin_rock") -> float:
    """The set's skin rock so far: pooled moments of its descents (kept in ``reference.extras``
    under ``key``), clipped to the plausible range; ``default`` before any descent told it."""
    ex = reference.extras
    if moments is not None:
        ex[f"{key}_xy"] = ex.get(f"{key}_xy", 0.0) + moments[0]
        ex[f"{key}_xx"] = ex.get(f"{key}_xx", 0.0) + moments[1]
    xx = ex.get(f"{key}_xx", 0.0)
    if xx <= 0:
        return default
    return float(np.clip(ex[f"{key}_xy"] / xx, *SKIN_ROCK_RANGE))


def _skin_rock_so_far(reference: PlankReference, settings: "FormSettings") -> float:
    """The sternum skin's turn per degree of elbow flexion: calibrated, else the set's so far."""
    k = reference.extras.get("chest_skin_rock", reference.extras.get("skin_rock_so_far"))
    return float(settings.chest_skin_rock if k is None else k)


def _running_log_mean(reference: PlankReference, key: str, value: float | None,
                      update: bool = True) -> float | None:
    """Geometric mean of a per-rep value over the set so far (kept in ``reference.extras``)."""
    if update and value is not None and np.isfinite(value) and value > 0:
        reference.extras[f"{key}_log_sum"] = reference.extras.get(f"{key}_log_sum", 0.0) + math.log(value)
        reference.extras[f"{key}_n"] = reference.extras.get(f"{key}_n", 0.0) + 1.0
    n = reference.extras.get(f"{key}_n", 0.0)
    return math.exp(reference.extras[f"{key}_log_sum"] / n) if n > 0 else None


#: Spread (natural log) of a measured pivot radius around a variant's expected one, of the chest
#: skin's rotation gain around its typical value, and of a held hip angle (deg) at the top.
VARIANT_LOG_SD = 0.25
VARIANT_GAIN_LOG_SD = 0.4
VARIANT_HELD_SAG_SD_DEG = 12.0

#: Weight of the shape of a descent: the chest's turn is the body's turn about the pivot (which
#: follows the drop) plus the skin's rock (which follows the elbow flexion: fast near lockout,
#: levelling off towards the bottom). The wrong pivot leaves a residual that does not follow the
#: flexion. A Gaussian fit with its noise unknown costs ``2 n log(rms)`` for ``n`` independent
#: samples; a descent counts as this many (smoothing and the strap's ringing tie samples together,
#: and a stomach dip bends the shape as well).
VARIANT_SHAPE_SAMPLES = 2.0


#: Elbow flexion at the plank top the variant decision allows for (deg), from arms straight
#: to elbows visibly soft (a top bent further is not a finished rep). How straight a person
#: holds the arms at the top sets how fast the elbow flexion, and with it the sternum skin's
#: rock, grows over the first centimetres of the drop: most of the shape that tells one pivot's
#: split of the chest's turn from the other's. It is the person's and unknown, so each pivot's
#: evidence is averaged over these (equally likely) top bends.
TOP_FLEXION_GRID_DEG = (5.0, 7.5, 10.0, 12.5, 15.0, 17.5, 20.0)


def _variant_rock_evidence(geometry: BodyGeometry, height_m: np.ndarray, chest_deg: np.ndarray,
                           chest_top_deg: float, chest_ref_deg: float, absolute: bool,
                           reference: PlankReference | None = None
                           ) -> dict[str, list[tuple[float, float, float]]] | None:
    """Per variant and top elbow flexion, how the chest's turn over one descent splits into body
    turn and skin rock.

    For each pivot the body turns as a rigid chain for the sternum's drop (the hip angle the top
    shows is kept); what the chest turns beyond that is the skin's rock, which should follow the
    elbow flexion along that pivot's shoulder path. The arms' bend at the top is the person's and
    unknown: each pivot is fitted with each of ``TOP_FLEXION_GRID_DEG``. Returns
    ``{variant: [skin_rock_fit per top flexion]}``; None when a variant has no fit.
    """
    if len(height_m) < 5 or not np.all(np.isfinite(height_m)):
        return None
    turn_deg = chest_top_deg - chest_deg
    out = {}
    for v in VARIANTS:
        chain = _BodyChain(geometry, v)
        top_deg = (chest_top_deg if absolute
                   else reference_top_pitch_deg(reference or PlankReference(), geometry, v)
                   + (chest_top_deg - chest_ref_deg))
        rigid_deg = _rigid_rotation_deg(chain, top_deg, height_m)
        # the shoulders' path does not depend on the arms' bend (chain_elbow_flexion_deg, once)
        drop_m = -chain.shoulder_change_m(height_m, top_deg - rigid_deg, top_deg)
        forward_m = chain.shoulder_forward_m(top_deg - rigid_deg, top_deg)
        fits = []
        for top_flex_deg in TOP_FLEXION_GRID_DEG:
            flexion_deg = elbow_flexion_deg(geometry, drop_m, forward_m, _reach_at_flexion_m(geometry, top_flex_deg))
            fit = _variant.skin_rock_fit(turn_deg, rigid_deg, flexion_deg)
            if fit is None:
                return None
            fits.append(fit)
        out[v] = fits
    return out


def _running_rock_evidence(reference: PlankReference,
                           evidence: dict[str, list[tuple[float, float, float]]] | None,
                           update: bool = True) -> dict[str, list[tuple[float, float]]] | None:
    """The set's skin rock and mean log residual per variant and top flexion so far (kept in
    ``reference.extras``).

    The rock pools the reps' moments (deep reps, with more flexion, weigh more); the residual is
    the mean of the reps' log rms.
    """
    ex = reference.extras
    if update and evidence is not None:
        for v, fits in evidence.items():
            for i, (xy, xx, log_rms) in enumerate(fits):
                ex[f"rock_xy_{v}_{i}"] = ex.get(f"rock_xy_{v}_{i}", 0.0) + xy
                ex[f"rock_xx_{v}_{i}"] = ex.get(f"rock_xx_{v}_{i}", 0.0) + xx
                ex[f"rock_log_rms_{v}_{i}"] = ex.get(f"rock_log_rms_{v}_{i}", 0.0) + log_rms
        ex["rock_n"] = ex.get("rock_n", 0.0) + 1.0
    n = ex.get("rock_n", 0.0)
    if n <= 0:
        return None
    return {v: [(ex[f"rock_xy_{v}_{i}"] / ex[f"rock_xx_{v}_{i}"], ex[f"rock_log_rms_{v}_{i}"] / n)
                for i in range(len(TOP_FLEXION_GRID_DEG))] for v in VARIANTS}


#: Uncertainty of the shoulders' height above the pivot at the top (m): arm length from standing
#: height (segment proportions vary by about 5 %), lockout, hand and knee padding.
TOP_SHOULDER_SD_M = 0.03


def _held_sag_deg(geometry: BodyGeometry, variant: str, plank_deg: float) -> tuple[float, float]:
    """Hip angle (SPEC sign) a trunk inclined ``plank_deg`` implies at the top on ``variant``'s
    pivot, and its uncertainty (deg): the usual spread of a held hip angle, plus the turn of the
    legs for an error in the shoulders' height (short legs, on the knees, turn further)."""
    chain = _BodyChain(geometry, variant)
    shoulder_m = chain.top_shoulder_m + np.array([0.0, -TOP_SHOULDER_SD_M, TOP_SHOULDER_SD_M])
    held, low, high = chain.sag_deg(np.full(3, plank_deg), shoulder_m)
    return float(held), math.hypot(VARIANT_HELD_SAG_SD_DEG, 0.5 * float(low - high))


def _decide_variant(reference: PlankReference, geometry: BodyGeometry, raw_radius: float | None,
                    lumbar_radius: float | None, update: bool = True,
                    rock_evidence: dict[str, list[tuple[float, float, float]]] | None = None) -> str | None:
    """Toe or knee for the set: the variant that explains the set's reps with the most usual body.

    A straight body on its pivot moves the sternum on a circle of the pivot radius (about 1.3 m
    on the toes, 0.75 m on the knees for 1.75 m). A lower-back sensor turns with the body and
    gives that radius. A chest sensor turns further than the trunk by the skin's rock, which
    follows the elbow flexion: each variant's rigid turn for the sternum's drop leaves a skin rock
    (it must not be negative, and is rarely large) and a residual (the true pivot leaves one that
    follows the flexion). An absolute plank inclination adds the held hip angle each variant
    implies: a toe plank with sagging hips is as steep as a straight knee plank; the chest's
    turn against its drop tells them apart.
    """
    r_raw = _running_log_mean(reference, "raw_radius", raw_radius, update)
    r_lum = _running_log_mean(reference, "lumbar_radius", lumbar_radius, update)
    rock = _running_rock_evidence(reference, rock_evidence, update)
    plank = _absolute_plank_pitch(reference)
    if plank is None and reference.source == "session" and _is_absolute(reference, "chest"):
        plank = reference.pitch_deg.get("chest")
    if r_raw is None and r_lum is None and plank is None and rock is None:
        return None
    old_gain = reference.extras.get("chest_rotation_gain")   # a calibration from before the skin model
    known_gain = old_gain
    if known_gain is None and "chest_skin_rock" in reference.extras:   # a calibrated skin
        known_gain = chest_rotation_gain(reference, FormSettings(), geometry)
    costs = {}
    for v in VARIANTS:
        cost = 0.0
        if r_lum is not None:
            r_v = _variant.expected_pivot_radius_m(geometry, v)
            cost += (math.log(r_lum / r_v) / VARIANT_LOG_SD) ** 2
        if rock is not None and old_gain is None:
            # The chest's own split of its turn into body turn and skin rock: evidence besides
            # the lower back's radius (each sensor's height and turn err on their own).
            # The arms' bend at the top that explains the set best for this pivot.
            # Averaged over the arms' bend at the top (a cost is -2 log of a likelihood).
            fits = np.array([_variant.skin_rock_cost(k, reference.extras.get("chest_skin_rock"))
                             + 2.0 * VARIANT_SHAPE_SAMPLES * log_rms for k, log_rms in rock[v]])
            best = float(fits.min())
            cost += best - 2.0 * math.log(float(np.mean(np.exp(-(fits - best) / 2.0))))
        elif r_raw is not None and r_lum is None:
            cost += _gain_cost(geometry, v, r_raw, known_gain)
        if plank is not None and np.isfinite(plank):
            # The chest reads the skin as it sat with straight arms; at the plank top the elbows
            # are a little bent, so the skin has rocked by this pivot's rock times that bend and
            # the trunk is that much steeper than the chest reads (as the sag model takes it).
            k_top = reference.extras.get("chest_skin_rock")
            if k_top is None and rock is not None:
                k_top = float(np.mean([k for k, _ in rock[v]]))
            trunk_top_deg = plank + max(k_top or 0.0, 0.0) * top_elbow_flexion_deg(geometry)
            held, held_sd = _held_sag_deg(geometry, v, trunk_top_deg)
            cost += (held / held_sd) ** 2
        costs[v] = cost
    return min(costs, key=costs.get)


def _gain_cost(geometry: BodyGeometry, variant: str, raw_radius_m: float,
               known_gain: float | None) -> float:
    """Implausibility of the chest's rotation gain ``variant``'s pivot radius implies (the chest's
    radius is the pivot radius over a gain of at least 1, rarely above 2.5)."""
    g = _variant.expected_pivot_radius_m(geometry, variant) / raw_radius_m
    if known_gain is not None and np.isfinite(known_gain):
        return (math.log(g / known_gain) / VARIANT_LOG_SD) ** 2
    outside = max(0.0, math.log(GAIN_RANGE[0] / g), math.log(g / 2.5))
    return (outside / 0.1) ** 2 + (math.log(g / 1.3) / VARIANT_GAIN_LOG_SD) ** 2


def _running_radius_m(reference: PlankReference, radius: float | None) -> float | None:
    """Geometric mean of the pivot radii of the set's reps so far (kept in ``reference.extras``).

    One rep's radius is thrown off by a stomach dip or a pike at the bottom; the set's reps together
    tell toe from knee reliably, and the reference object lives as long as the set.
    """
    if radius is not None and radius > 0:
        reference.extras["pivot_log_radius_sum"] = (reference.extras.get("pivot_log_radius_sum", 0.0)
                                                    + math.log(radius))
        reference.extras["pivot_radius_n"] = reference.extras.get("pivot_radius_n", 0.0) + 1.0
    n = reference.extras.get("pivot_radius_n", 0.0)
    if n <= 0:
        return None
    return math.exp(reference.extras["pivot_log_radius_sum"] / n)


def _absolute_plank_pitch(reference: PlankReference) -> float | None:
    """The chest's plank inclination when the reference knows it is absolute (calibrated mounting)."""
    if reference.extras.get("pitch_absolute", 0.0) and "chest" in reference.pitch_deg:
        return float(reference.pitch_deg["chest"])
    return None


def _smooth(x: np.ndarray, t: np.ndarray, window_s: float) -> np.ndarray:
    """Centred moving average over ``window_s`` (edges padded), NaN-free input assumed."""
    if len(x) < 3 or window_s <= 0:
        return x
    dt = float(np.median(np.diff(t))) if len(t) > 1 else 0.0
    k = int(round(window_s / dt)) if dt > 0 else 1
    if k < 2:
        return x
    k = min(k, len(x))
    pad = np.pad(x, (k // 2, k - 1 - k // 2), mode="edge")
    return np.convolve(pad, np.ones(k) / k, mode="valid")


#: Quantile taken as a rep's "largest" angle: the extreme sustained over a tenth of the rep, so a
#: momentary spike (strap wobble, a lag between height and pitch) is not reported as the posture.
EXTREME_QUANTILE = 0.9


def _signed_extreme(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    if not len(x):
        return math.nan
    hi = float(np.quantile(x, EXTREME_QUANTILE))
    lo = float(np.quantile(x, 1.0 - EXTREME_QUANTILE))
    return hi if abs(hi) >= abs(lo) else lo


def _finite(x: Any) -> bool:
    return x is not None and isinstance(x, (int, float, np.floating, np.integer)) and math.isfinite(float(x))
