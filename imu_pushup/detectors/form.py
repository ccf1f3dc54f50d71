"""Form detectors: per-rep depth against the target, tempo cues, and set-level summary.

Interface used by the engine (``assess_rep`` per completed rep, ``assess_set`` at the end).
Thresholds live in :class:`FormSettings`, documented and adjustable.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..body import BodyGeometry
from .types import PlankReference, RepWindow


@dataclass(frozen=True)
class FormSettings:
    """Flag thresholds (defaults follow the guide; every one adjustable)."""

    partial_frac: float = 0.75      # depth below this fraction of the target -> partial
    fast_descent_s: float = 1.0     # descent shorter than this -> fast_descent
    no_pause_s: float = 0.25        # pause shorter than this -> no_pause


def assess_rep(window: RepWindow, reference: PlankReference, geometry: BodyGeometry,
               settings: FormSettings) -> dict[str, Any]:
    """Form fields of one rep, to merge into its row."""
    out: dict[str, Any] = {"flags": [], "feedback": []}
    if window.depth_m is not None and np.isfinite(window.depth_m):
        frac = float(window.depth_m) / geometry.depth_target_m
        out["depth_frac"] = frac
        out["partial"] = frac < settings.partial_frac
        if out["partial"]:
            out["flags"].append("partial")
    descent_s = window.t_bottom - window.t_start
    if descent_s < settings.fast_descent_s:
        out["flags"].append("fast_descent")
    if window.t_ascent - window.t_bottom < settings.no_pause_s:
        out["flags"].append("no_pause")
    return out


def assess_set(reps: pd.DataFrame, reference: PlankReference, geometry: BodyGeometry,
               settings: FormSettings) -> tuple[dict[str, Any], list[str]]:
    """Set-level summary additions and sentences."""
    return {"variant": reference.variant}, []
