"""Toe or knee push-ups, and the body-line geometry both variants share.

A push-up body pivots about the balls of the feet (toe push-up) or the knees (knee push-up). With a
straight body the sternum moves on a circle about that pivot, so the ratio of its vertical
displacement to the change of the sine of the trunk pitch is the pivot-to-sternum distance: about
1.25 m for an adult on the toes, 0.75 m on the knees. The plank inclination tells them apart too
(shoulders at arm's length above the floor: about 24° on the toes, 39° on the knees) when the
pitch is an absolute inclination (a calibration that knows how the sensor is worn), though a
sagging toe plank is as steep as a straight knee plank. A chest sensor turns further than the
trunk (the sternum skin rocks with the shoulder girdle as the elbows bend): the rock a pivot
leaves over a descent must be positive, small, and follow the elbow flexion
(:func:`skin_rock_fit`, :func:`skin_rock_cost`).

Geometry (fractions of standing height, as in :mod:`imu_pushup.body`): the sternum sits about
0.10 H below the shoulder joints along the trunk and ``chest_depth_m`` in front of (below, in a
plank) the shoulder-to-hip line.
"""
from __future__ import annotations

import math

import numpy as np

from ..body import BodyGeometry
from ..units import VARIANTS

#: Mid-sternum to the shoulder-joint line, along the trunk, as a fraction of height.
STERNUM_BELOW_SHOULDER = 0.10

#: Pivot radii below this fraction of the way from knee to toe (log scale) count as knee.
_VARIANT_SPLIT = 0.5

#: Fewest degrees of pitch change in a rep for the pivot radius to be trusted.
MIN_PITCH_RANGE_DEG = 4.0


def sternum_offsets_m(geometry: BodyGeometry) -> tuple[float, float]:
    """(along the trunk towards the hips, perpendicular towards the floor) from the shoulder joint."""
    return STERNUM_BELOW_SHOULDER * geometry.height_m, geometry.chest_depth_m


#: Wrist joint above the floor with the palm flat, and knee joint above it when kneeling (x height).
WRIST_HEIGHT = 0.03
KNEE_HEIGHT = 0.03
#: Arm extension at the top (shoulder-to-wrist distance over arm length): nearly locked out.
TOP_ARM_EXTENSION = 0.98


def top_shoulder_height_m(geometry: BodyGeometry, variant: str = "toe") -> float:
    """Shoulder height above the pivot at the top: arms straight and vertical under the shoulders."""
    arm = TOP_ARM_EXTENSION * (geometry.upper_arm_m + geometry.forearm_m)
    pivot = KNEE_HEIGHT * geometry.height_m if variant == "knee" else 0.0
    return arm + WRIST_HEIGHT * geometry.height_m - pivot


def straight_top_pitch_deg(geometry: BodyGeometry, variant: str = "toe") -> float:
    """Inclination of a straight pivot-to-shoulder line at the top of a push-up (deg)."""
    ratio = top_shoulder_height_m(geometry, variant) / geometry.pivot_to_shoulder_m(variant)
    return math.degrees(math.asin(min(ratio, 0.98)))


def expected_pivot_radius_m(geometry: BodyGeometry, variant: str = "toe") -> float:
    """Pivot-to-sternum distance along a straight body (m)."""
    along, _ = sternum_offsets_m(geometry)
    return geometry.pivot_to_shoulder_m(variant) - along


def pivot_radius_m(height_m: np.ndarray, pitch_deg: np.ndarray,
                   geometry: BodyGeometry) -> float | None:
    """Pivot-to-sternum distance from one rep: sternum height against the sine of the trunk pitch.

    Least squares of ``h + d cos(pitch) = R sin(pitch) + c`` (``d``: sternum below the body line).
    None when the trunk barely rotates (arm placements, tiny reps) or the data are not finite.
    """
    h = np.asarray(height_m, dtype=float)
    p = np.radians(np.asarray(pitch_deg, dtype=float))
    ok = np.isfinite(h) & np.isfinite(p)
    if ok.sum() < 5:
        return None
    h, p = h[ok], p[ok]
    if np.degrees(np.ptp(p)) < MIN_PITCH_RANGE_DEG:
        return None
    _, depth = sternum_offsets_m(geometry)
    y = h + depth * np.cos(p)
    x = np.sin(p)
    x_c = x - x.mean()
    denom = float(np.dot(x_c, x_c))
    if denom <= 0:
        return None
    radius = float(np.dot(x_c, y - y.mean()) / denom)
    return radius if math.isfinite(radius) else None


def skin_rock_fit(turn_deg: np.ndarray, rigid_turn_deg: np.ndarray,
                  flexion_deg: np.ndarray) -> tuple[float, float, float] | None:
    """How well the chest's turn beyond a rigid body's follows the elbow flexion, over a descent.

    Least squares of ``turn - rigid = k * flexion`` through the origin (both are 0 at the top).
    Returns ``(mean(flexion * excess), mean(flexion**2), log(rms residual / deg))``: the two
    moments pool over reps (``k`` is their ratio). None without enough finite samples or flexion.
    """
    x = np.asarray(flexion_deg, dtype=float)
    y = np.asarray(turn_deg, dtype=float) - np.asarray(rigid_turn_deg, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 5:
        return None
    x, y = x[ok], y[ok]
    xx, xy = float(np.mean(x * x)), float(np.mean(x * y))
    if not xx > 0:
        return None
    rms = math.sqrt(float(np.mean((y - xy / xx * x) ** 2)))
    return xy, xx, math.log(max(rms, MIN_RESIDUAL_DEG))


#: Floor of a descent's rms residual (deg): below a sensor's noise a closer fit means nothing.
MIN_RESIDUAL_DEG = 0.02

#: The sternum skin's turn per degree of elbow flexion, in the trunk's sense (it rocks with the
#: shoulder girdle as the elbows bend, never against the trunk). Real sternum sets show about
#: 0.04 (a quarter more turn than the trunk at full depth); the spread of a half-normal prior, and
#: how far below zero an estimate goes without any rock: a hip angle that grows by a few degrees
#: over the descent (the hips sinking as the chest goes down) turns the trunk less than a rigid
#: body would, by 3-5 degrees against a knee push-up's 15-20 (about -0.05 per degree of flexion).
SKIN_ROCK_SD = 0.1
SKIN_ROCK_NOISE_SD = 0.05
#: Spread of a set's skin rock around a calibrated one (a re-strapped sensor sits a little
#: differently).
SKIN_ROCK_KNOWN_SD = 0.03


def skin_rock_cost(rock: float, known: float | None = None) -> float:
    """Implausibility (chi-square) of a set's skin rock (deg per deg of elbow flexion).

    Below zero the chest would turn less than the trunk it rides on: allowed only within the
    noise. Above zero a half-normal prior (large rocking is rare), or the calibrated value.
    """
    if known is not None and math.isfinite(known):
        return ((rock - known) / SKIN_ROCK_KNOWN_SD) ** 2
    if rock < 0:
        return (rock / SKIN_ROCK_NOISE_SD) ** 2
    return (rock / SKIN_ROCK_SD) ** 2


def variant_score(geometry: BodyGeometry, radius_m: float | None = None,
                  plank_pitch_deg: float | None = None) -> float | None:
    """Evidence for ``toe`` (> 0) against ``knee`` (< 0); None without evidence.

    Each cue is scaled so that 0 is half-way between the two variants and +-1 is the expected value
    of toe / knee: the pivot radius on a log scale, the absolute plank inclination linearly.
    """
    scores: list[float] = []
    if radius_m is not None and radius_m > 0:
        r_toe = math.log(expected_pivot_radius_m(geometry, "toe"))
        r_knee = math.log(expected_pivot_radius_m(geometry, "knee"))
        mid = r_knee + _VARIANT_SPLIT * (r_toe - r_knee)
        scores.append((math.log(radius_m) - mid) / (0.5 * (r_toe - r_knee)))
    if plank_pitch_deg is not None and math.isfinite(plank_pitch_deg):
        p_toe = straight_top_pitch_deg(geometry, "toe")
        p_knee = straight_top_pitch_deg(geometry, "knee")
        scores.append((0.5 * (p_toe + p_knee) - plank_pitch_deg) / (0.5 * (p_knee - p_toe)))
    if not scores:
        return None
    return float(np.mean(np.clip(scores, -3.0, 3.0)))


def classify_variant(geometry: BodyGeometry, radius_m: float | None = None,
                     plank_pitch_deg: float | None = None) -> str | None:
    """``toe`` or ``knee`` from the pivot radius and/or the absolute plank inclination."""
    score = variant_score(geometry, radius_m, plank_pitch_deg)
    if score is None:
        return None
    return VARIANTS[0] if score >= 0 else VARIANTS[1]


def set_variant(geometry: BodyGeometry, radii_m: list[float] | np.ndarray,
                plank_pitch_deg: float | None = None) -> str | None:
    """The variant of a whole set: the median pivot radius of its reps (robust to odd reps)."""
    r = np.asarray([x for x in radii_m if x is not None and np.isfinite(x) and x > 0], dtype=float)
    radius = float(np.median(r)) if len(r) else None
    return classify_variant(geometry, radius, plank_pitch_deg)
