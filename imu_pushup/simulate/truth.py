"""Ground truth per rep, following the SPEC's event definitions on the true sternum height.

A rep's window runs from the middle of the top hold before it to the middle of the top hold
after it. Within the window: ``top`` is the highest sternum height before the lowest point,
``excursion = top - lowest``, the band is 5 % of the excursion.
``t_start``: first sample at or below ``top - band`` after the top; ``t_bottom``: first sample
at or below ``lowest + band``; ``t_ascent``: the last such sample; ``t_end``: first sample after
``t_ascent`` back at or above ``top - band``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

#: Fraction of the excursion defining the bands (SPEC).
BAND_FRAC = 0.05

#: Default flag thresholds (documented in the truth's ``thresholds``).
THRESHOLDS: dict[str, float] = {
    "sag_deg": 10.0,            # sag if sag_deg >= this
    "pike_deg": -10.0,          # pike if sag_deg <= this
    "partial_depth_frac": 0.6,  # partial if depth_frac < this (0.6-0.85 is ambiguous: no flag)
    "head_down_deg": 25.0,      # head_down if neck flexion >= this
    "fast_descent_s": 1.0,      # fast_descent if descent_s < this
    "no_pause_s": 0.25,         # no_pause if pause_s < this
}


def spec_events(t: np.ndarray, height_m: np.ndarray) -> dict[str, Any] | None:
    """SPEC events of one rep window (arrays of sample times and sternum heights)."""
    i_low = int(np.argmin(height_m))
    low = float(height_m[i_low])
    i_top = int(np.argmax(height_m[: i_low + 1]))
    top = float(height_m[i_top])
    exc = top - low
    if exc <= 0:
        return None
    band = BAND_FRAC * exc
    below = np.flatnonzero(height_m[i_top:] <= top - band)
    if len(below) == 0:
        return None
    i_start = i_top + int(below[0])
    in_low = np.flatnonzero(height_m <= low + band)
    i_bottom = int(in_low[in_low >= i_start][0])
    i_ascent = int(in_low[-1])
    back = np.flatnonzero(height_m[i_ascent + 1:] >= top - band)
    if len(back) == 0:
        return None
    i_end = i_ascent + 1 + int(back[0])
    return {"i_start": i_start, "i_bottom": i_bottom, "i_ascent": i_ascent, "i_end": i_end,
            "t_start": float(t[i_start]), "t_bottom": float(t[i_bottom]),
            "t_ascent": float(t[i_ascent]), "t_end": float(t[i_end]), "depth_m": exc,
            "i_low": i_low, "i_top": i_top}


def rep_flags(rep: dict[str, Any], thresholds: dict[str, float] = THRESHOLDS) -> list[str]:
    """Truth flags from the rep's numbers (exact SPEC strings)."""
    flags = []
    if rep["sag_deg"] >= thresholds["sag_deg"]:
        flags.append("sag")
    if rep["sag_deg"] <= thresholds["pike_deg"]:
        flags.append("pike")
    if rep["depth_frac"] < thresholds["partial_depth_frac"]:
        flags.append("partial")
    if rep["descent_s"] < thresholds["fast_descent_s"]:
        flags.append("fast_descent")
    if rep["pause_s"] < thresholds["no_pause_s"]:
        flags.append("no_pause")
    if rep["neck_flexion_deg"] >= thresholds["head_down_deg"]:
        flags.append("head_down")
    return flags


def signed_extreme(values: np.ndarray) -> float:
    """The value of largest magnitude, with its sign."""
    return float(values[int(np.argmax(np.abs(values)))])


def reps_truth(kin_t: np.ndarray, chest_height_m: np.ndarray, shoulder_height_m: np.ndarray,
               hip_angle_deg: np.ndarray, neck_flexion_deg: np.ndarray,
               windows: list[tuple[float, float]], upper_arm_m: float) -> list[dict[str, Any]]:
    """Per-rep truth from the kinematics sampled at the output times, one entry per window."""
    reps = []
    for w0, w1 in windows:
        sel = np.flatnonzero((kin_t >= w0) & (kin_t <= w1))
        if len(sel) < 4:
            continue
        ev = spec_events(kin_t[sel], chest_height_m[sel])
        if ev is None:
            continue
        rng = slice(sel[ev["i_start"]], sel[ev["i_end"]] + 1)
        sh = shoulder_height_m[sel]
        drop = float(sh[: ev["i_low"] + 1].max() - sh.min())
        rep = {
            "index": len(reps) + 1,
            "t_start": ev["t_start"], "t_bottom": ev["t_bottom"],
            "t_ascent": ev["t_ascent"], "t_end": ev["t_end"],
            "descent_s": ev["t_bottom"] - ev["t_start"],
            "pause_s": ev["t_ascent"] - ev["t_bottom"],
            "ascent_s": ev["t_end"] - ev["t_ascent"],
            "depth_m": ev["depth_m"],
            "depth_frac": drop / upper_arm_m,
            "shoulder_drop_m": drop,
            "sag_deg": signed_extreme(hip_angle_deg[rng]),
            "neck_flexion_deg": float(np.max(neck_flexion_deg[rng])),
        }
        rep["flags"] = rep_flags(rep)
        reps.append(rep)
    return reps
