"""Form detectors: sag and pike, depth against the target, head posture, tempo cues, per rep and set.

The engine calls :func:`assess_rep` for each completed rep and :func:`assess_set` at the end of a
set; thresholds live in :class:`FormSettings`, documented and adjustable.

Sag from the chest alone (the body model of :mod:`imu_pushup.body`)
    The body pivots on the toes (or knees). The legs run from the pivot to the hips (length
    ``Lg``), the trunk from the hips to the shoulders (``Lt``). With the trunk pitch ``phi`` and the
    shoulder height ``H`` above the pivot, the legs' inclination follows from
    ``Lg sin(psi) = H - Lt sin(phi)`` and the hip angle is ``sag = phi - psi`` (SPEC sign: + when
    the hips drop below the shoulder-pivot line). ``H`` is the shoulder height at the top (arms
    straight under the shoulders: upper arm + forearm) plus the sternum's vertical displacement
    moved to the shoulder joint; ``phi`` is the straight-body top inclination plus the chest's pitch
    change against the good-form reference. A sag held through the rep shows as a steeper chest at
    the top against the calibrated reference; a stomach dip as a steeper chest at the bottom than
    the shoulder drop explains.

Sag with a lumbar sensor as well
    The pelvis follows the legs, so the change of the chest-pelvis angle against the reference is
    the hip/lumbar bend itself: ``sag = (chest - chest_ref) - (lumbar - lumbar_ref)``.

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
from . import variant as _variant
from .types import PlankReference, RepWindow


@dataclass(frozen=True)
class FormSettings:
    """Flag thresholds and fatigue limits; every one adjustable.

    - ``sag_deg``: flag ``sag`` when the hip angle reaches this many degrees (hips below the
      shoulder-heel line). 8°: a straight line allows a few degrees of natural spine curvature;
      beyond about 8-10° a coach sees the hips drop.
    - ``pike_deg``: flag ``pike`` when the hips rise this many degrees above the line.
    - ``partial_frac``: flag ``partial`` below this fraction of full depth (upper arms parallel to
      the floor = 1.0). 0.75: a rep stopping a quarter short of parallel.
    - ``head_down_deg``: flag ``head_down`` when the neck flexes this much beyond neutral (the guide:
      gaze slightly forward, not down).
    - ``fast_descent_s``: flag ``fast_descent`` when the descent is shorter (the guide: controlled).
    - ``no_pause_s``: flag ``no_pause`` when the bottom hold is shorter. 0.25 s: a turn-around
      without any hold (a smooth turn alone spends about that long within 5 % of the bottom); a
      held count is 0.5-1 s.
    - ``velocity_loss_frac``: a rep whose ascent is slower than the set's best early reps by this
      fraction counts as fatigued (velocity-based training uses 20-40 %).
    - ``depth_loss_frac``: likewise for depth.
    - ``smooth_s``: angle smoothing before taking a rep's extreme (noise would bias the maximum).
    """

    sag_deg: float = 8.0
    pike_deg: float = 8.0
    partial_frac: float = 0.75
    head_down_deg: float = 15.0
    fast_descent_s: float = 1.0
    no_pause_s: float = 0.25
    velocity_loss_frac: float = 0.30
    depth_loss_frac: float = 0.25
    smooth_s: float = 0.15


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
    pitch = {p: _smooth(np.asarray(v, dtype=float), t, settings.smooth_s)
             for p, v in window.pitch_deg.items() if v is not None and len(v) == len(t) and len(t)}
    ref = {p: _reference_pitch(reference, p, v, top) for p, v in pitch.items()}
    height = None
    if window.height_m is not None and len(window.height_m) == len(t):
        height = np.asarray(window.height_m, dtype=float)

    out: dict[str, Any] = {}
    lead_is_chest = window.source_placement == "chest" and height is not None

    # Variant: the calibrated one, else this rep's pivot radius (and plank inclination if absolute).
    radius = None
    if lead_is_chest and "chest" in pitch:
        radius = _variant.pivot_radius_m(height[rep], pitch["chest"][rep], geometry)
        out["pivot_radius_m"] = radius if radius is not None else math.nan
    variant = reference.variant or _variant.classify_variant(
        geometry, _running_radius_m(reference, radius), _absolute_plank_pitch(reference)) or "toe"

    chain = _BodyChain(_chain_geometry(geometry, reference, variant), variant)
    if reference.source == "session" and reference.extras.get("pitch_absolute", 0.0):
        # Absolute inclinations but no good-form reference: good form is the straight body line
        # (trunk, pelvis and head in line), so a sag or a dropped head held from the start shows.
        for p in ("chest", "lumbar", "head"):
            if p in ref:
                ref[p] = chain.top_pitch_deg
    trunk = None  # trunk pitch over the window, deg (straight-body top + change vs reference)
    if "chest" in pitch:
        trunk = chain.top_pitch_deg + (pitch["chest"] - ref["chest"])
    trunk_top = float(np.median(trunk[top])) if trunk is not None else None

    # Depth against the target.
    down = rep & (t <= window.t_ascent)   # top to the bottom turn (height pinned at both ends)
    if not down.any():
        down = rep
    drop = _shoulder_drop_m(window, height, trunk, trunk_top, pitch, ref, down, chain)
    if drop is not None:
        out["shoulder_drop_m"] = drop
        frac = drop / geometry.depth_target_m
        out["depth_frac"] = frac
        out["partial"] = bool(frac < settings.partial_frac)

    # Sag / pike.
    sag = sag_chain = None
    if lead_is_chest and trunk is not None:
        shoulder = chain.top_shoulder_m + chain.shoulder_change_m(height, trunk, trunk_top)
        sag = sag_chain = chain.sag_deg(trunk, shoulder)
    if "chest" in pitch and "lumbar" in pitch:
        sag_rel = (pitch["chest"] - ref["chest"]) - (pitch["lumbar"] - ref["lumbar"])
        sag = sag_rel if sag_chain is None else _combine_sag(sag_chain, sag_rel, down)
    if sag is not None:
        # Height is pinned by zero velocity at the top and the bottom turn; a live engine reports
        # the ascent before the top is reached again, so its height there drifts: the chain's
        # largest bend is read over the descent and the bottom (where sag and dips peak).
        sag_deg = _signed_extreme(sag[down if sag_chain is not None else rep])
        out["sag_deg"] = sag_deg
        out["sag_top_deg"] = float(np.median(sag[top]))
        bottom = (t >= window.t_bottom) & (t <= window.t_ascent)
        out["sag_bottom_deg"] = float(np.median(sag[bottom])) if bottom.any() else sag_deg

    # Head.
    if "head" in pitch:
        head_change = pitch["head"] - ref["head"]
        if "chest" in pitch:
            trunk_change = pitch["chest"] - ref["chest"]
        elif "lumbar" in pitch:
            trunk_change = pitch["lumbar"] - ref["lumbar"]
        else:
            trunk_change = np.zeros_like(head_change)
        out["neck_flexion_deg"] = _signed_extreme((trunk_change - head_change)[rep])

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


def assess_set(reps: pd.DataFrame, reference: PlankReference, geometry: BodyGeometry,
               settings: FormSettings) -> tuple[dict[str, Any], list[str]]:
    """Set-level summary additions (variant, fatigue, breakdown rep, flag counts) and sentences."""
    from ..feedback import set_feedback
    from .fatigue import fatigue_summary

    summary: dict[str, Any] = {}
    variant = reference.variant
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


#: Chest-chain and chest-pelvis estimates closer than this (deg, or 30 % of the chain's) agree.
SAG_AGREE_DEG = 4.0


def _combine_sag(chain: np.ndarray, relative: np.ndarray, rep: np.ndarray) -> np.ndarray:
    """Chest chain and chest-pelvis angle together.

    A lumbar sensor on the pelvis (sacrum) turns with the legs: then the chest-pelvis angle is the
    hip bend and agrees with the chain; both are averaged (independent errors). A sensor higher on
    the lower back turns with the trunk and sees no hip bend at all; when the two disagree, the
    chain (which does not depend on where the lumbar sensor sits) is kept.
    """
    e_chain = _signed_extreme(chain[rep])
    e_rel = _signed_extreme(relative[rep])
    if not np.isfinite(e_rel):
        return chain
    if not np.isfinite(e_chain):
        return relative
    if abs(e_chain - e_rel) <= max(SAG_AGREE_DEG, 0.3 * abs(e_chain)):
        return 0.5 * (chain + relative)
    return chain



def _chain_geometry(geometry: BodyGeometry, reference: PlankReference, variant: str) -> BodyGeometry:
    """The body the sag chain uses: scaled to the calibrated good-form pivot radius when known.

    Good reps of the calibration show how far this person's sternum sits from the pivot (the
    ratio of its drop to its rotation); scaling the segment lengths to match keeps a good rep at
    zero sag whatever the person's proportions or a height given only roughly.
    """
    radius = reference.extras.get("pivot_radius_m")
    if radius is None or not np.isfinite(radius) or radius <= 0:
        return geometry
    scale = float(radius) / _variant.expected_pivot_radius_m(geometry, variant)
    if not 0.6 <= scale <= 1.6:
        return geometry
    return BodyGeometry(geometry.height_m * scale)


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
