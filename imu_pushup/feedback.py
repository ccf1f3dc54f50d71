"""Feedback a person understands: one sentence per flag, tied to the numbers, and a set summary.

The cues are the guide's: one line from shoulders to heels, controlled descent, upper arms parallel
to the floor at the bottom, hold one count, don't let the stomach dip, gaze slightly forward, form
before number of reps.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .detectors.form import FormSettings

_FLAG_NAMES = {"sag": "hips sagged", "pike": "hips piked", "partial": "partial depth",
               "fast_descent": "fast descent", "no_pause": "no pause at the bottom",
               "head_down": "head down"}


def rep_feedback(index: int, fields: dict[str, Any], settings: "FormSettings") -> list[str]:
    """One sentence per flag of rep ``index`` (fields: the rep's numbers and ``flags``)."""
    flags = list(fields.get("flags") or [])
    head = f"Rep {index}:"
    out: list[str] = []
    sag = _num(fields.get("sag_deg"))
    if "sag" in flags:
        top = _num(fields.get("sag_top_deg"))
        where = ("through the whole rep" if math.isfinite(top) and top >= settings.sag_deg
                 else "at the bottom")
        out.append(f"{head} hips sagged {sag:.0f}° {where} — squeeze glutes and brace your "
                   "stomach to keep one line from shoulders to heels.")
    if "pike" in flags:
        out.append(f"{head} hips piked {abs(sag):.0f}° above the line — lower the hips into one "
                   "line from shoulders to heels.")
    if "partial" in flags:
        frac = _num(fields.get("depth_frac"))
        depth_m = _num(fields.get("depth_m"))
        extra = f" ({100 * depth_m:.0f} cm)" if math.isfinite(depth_m) else ""
        out.append(f"{head} only {100 * frac:.0f} % of full depth{extra} — lower until the upper "
                   "arms are parallel to the floor.")
    if "fast_descent" in flags:
        out.append(f"{head} went down in {_num(fields.get('descent_s')):.1f} s (under "
                   f"{settings.fast_descent_s:.1f} s) — lower under control.")
    if "no_pause" in flags:
        out.append(f"{head} no pause at the bottom ({_num(fields.get('pause_s')):.2f} s) — hold "
                   "one count before pushing up.")
    if "head_down" in flags:
        out.append(f"{head} head dropped {_num(fields.get('neck_flexion_deg')):.0f}° towards the "
                   "chest — keep the gaze slightly ahead of the hands.")
    return out


def set_feedback(reps: pd.DataFrame, summary: dict[str, Any], settings: "FormSettings") -> list[str]:
    """A readable summary of the set: count, tempo, the most common fault, fatigue, where to stop."""
    n = len(reps)
    if n == 0:
        return ["No push-ups found in this recording."]
    out: list[str] = []
    good = summary.get("good_form_reps")
    variant = summary.get("variant")
    kind = f" {variant} push-ups" if variant else " reps"
    line = f"Set: {n}{kind}"
    if good is not None:
        line += f", {good} with good form"
    out.append(line + ".")
    tempo = [(name, _mean(reps, col)) for name, col in
             (("down", "descent_s"), ("hold", "pause_s"), ("up", "ascent_s"))]
    tempo = [(name, v) for name, v in tempo if math.isfinite(v)]
    if tempo:
        out.append("Average tempo: " + ", ".join(f"{v:.1f} s {name}" for name, v in tempo) + ".")
    counts = summary.get("flag_counts") or {}
    faults = sorted(((c, f) for f, c in counts.items() if c), reverse=True)
    if faults:
        out.append("Most common: " + ", ".join(f"{_FLAG_NAMES.get(f, f)} ({c} of {n})"
                                              for c, f in faults[:3]) + ".")
    else:
        out.append("Every rep met the form cues.")
    vl, dl = _num(summary.get("velocity_loss_pct")), _num(summary.get("depth_loss_pct"))
    parts = []
    if math.isfinite(vl) and n >= 3:
        parts.append(f"speed {'dropped' if vl >= 0 else 'rose'} {abs(vl):.0f} %")
    if math.isfinite(dl) and n >= 3 and abs(dl) >= 5:
        parts.append(f"depth {'dropped' if dl >= 0 else 'rose'} {abs(dl):.0f} %")
    sag_change = _num(summary.get("sag_change_deg"))
    if math.isfinite(sag_change) and n >= 3 and sag_change >= 3:
        parts.append(f"sag grew {sag_change:.0f}°")
    if parts:
        out.append("From the first reps to the last: " + ", ".join(parts) + ".")
    b = summary.get("breakdown_rep")
    if b:
        why = ", ".join(summary.get("breakdown_reasons") or [])
        why = f" ({why})" if why else ""
        stop = f"stop after rep {b - 1}" if b > 1 else "stop earlier"
        out.append(f"Form broke down at rep {b}{why} — next time {stop}: better fewer reps "
                   "with good form.")
    elif summary.get("form_off_from_start"):
        out.append("Form was off from the first rep — fix the position before adding reps "
                   "(try knee push-ups or fewer reps).")
    return out


def _num(x: Any) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return math.nan
    return v


def _mean(reps: pd.DataFrame, col: str) -> float:
    if col not in reps.columns:
        return math.nan
    x = pd.to_numeric(reps[col], errors="coerce").to_numpy(dtype=float)
    x = x[np.isfinite(x)]
    return float(x.mean()) if len(x) else math.nan
