"""Fatigue across a set: velocity loss, depth loss, growing sag and pause, the breakdown point.

Velocity loss is the standard of velocity-based training: the concentric (ascent) speed of the
last reps against the best of the first reps. A rep counts as broken down when it carries a posture
flag (sag, pike, partial, head down), or its ascent is ``velocity_loss_frac`` slower, or its depth
``depth_loss_frac`` shallower than the early reps. The breakdown rep is the first such rep after at
least one good rep from which most of the remaining reps stay broken: where the guide's advice
(better fewer reps with good form) says to stop.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .form import FormSettings

#: Posture flags that mark a rep as broken down.
_POSTURE = ("sag", "pike", "partial", "head_down")

#: Share of reps from the breakdown on that must stay broken (one odd rep is not a breakdown).
PERSISTENT_SHARE = 0.67


def rep_velocity_m_s(reps: pd.DataFrame) -> np.ndarray:
    """Ascent speed per rep: the engine's mean ascent velocity, else depth over ascent time.

    Placements that cannot see depth (arm sensors) fall back to 1 / ascent_s, which is
    proportional to speed at constant depth.
    """
    n = len(reps)
    v = _col(reps, "ascent_mean_velocity_m_s")
    depth = _col(reps, "depth_m")
    ascent = _col(reps, "ascent_s")
    with np.errstate(divide="ignore", invalid="ignore"):
        alt = np.where(np.isfinite(depth), depth / ascent, 1.0 / ascent)
    out = np.where(np.isfinite(v), v, alt)
    out[~np.isfinite(out) | (out <= 0)] = np.nan
    return out[:n]


def fatigue_summary(reps: pd.DataFrame, settings: "FormSettings") -> dict[str, Any]:
    """Summary fields: ``velocity_loss_pct``, ``depth_loss_pct``, ``sag_change_deg``,
    ``pause_change_s``, ``breakdown_rep`` (1-based rep index or None), ``breakdown_reasons``."""
    n = len(reps)
    out: dict[str, Any] = {"velocity_loss_pct": math.nan, "depth_loss_pct": math.nan,
                           "sag_change_deg": math.nan, "pause_change_s": math.nan,
                           "breakdown_rep": None, "breakdown_reasons": []}
    if n == 0:
        return out
    k = max(1, min(3, n // 3))
    vel = rep_velocity_m_s(reps)
    depth = _col(reps, "depth_frac")
    if not np.isfinite(depth).any():
        depth = _col(reps, "depth_m")
    v_base = _nanmax(vel[:k])
    d_base = _nanmax(depth[:k])
    if n >= 2:
        out["velocity_loss_pct"] = _loss_pct(v_base, vel[-k:])
        out["depth_loss_pct"] = _loss_pct(d_base, depth[-k:])
        out["sag_change_deg"] = _change(_col(reps, "sag_deg"), k)
        out["pause_change_s"] = _change(_col(reps, "pause_s"), k)

    reasons = [_rep_reasons(reps, i, vel, depth, v_base, d_base, settings) for i in range(n)]
    bad = np.array([bool(r) for r in reasons])
    for i in range(1, n):
        if bad[i] and not bad[:i].all() and bad[i:].mean() >= PERSISTENT_SHARE:
            out["breakdown_rep"] = int(_col(reps, "index")[i]) if "index" in reps else i + 1
            out["breakdown_reasons"] = reasons[i]
            break
    out["form_off_from_start"] = bool(n >= 2 and bad.all())
    return out


def _rep_reasons(reps: pd.DataFrame, i: int, vel: np.ndarray, depth: np.ndarray,
                 v_base: float, d_base: float, settings: "FormSettings") -> list[str]:
    """Short reasons a rep counts as broken down (empty: fine)."""
    reasons: list[str] = []
    flags = reps["flags"].iloc[i] if "flags" in reps.columns else []
    flags = list(flags) if isinstance(flags, (list, tuple, np.ndarray)) else []
    sag = _col(reps, "sag_deg")[i]
    if "sag" in flags:
        reasons.append(f"hips sagged {sag:.0f}°" if np.isfinite(sag) else "hips sagged")
    if "pike" in flags:
        reasons.append(f"hips piked {abs(sag):.0f}°" if np.isfinite(sag) else "hips piked")
    if "partial" in flags:
        frac = _col(reps, "depth_frac")[i]
        reasons.append(f"depth {100 * frac:.0f} % of full" if np.isfinite(frac) else "partial depth")
    if "head_down" in flags:
        reasons.append("head down")
    if np.isfinite(v_base) and np.isfinite(vel[i]) and vel[i] < (1 - settings.velocity_loss_frac) * v_base:
        reasons.append(f"speed down {100 * (1 - vel[i] / v_base):.0f} %")
    if ("partial" not in flags and np.isfinite(d_base) and np.isfinite(depth[i])
            and depth[i] < (1 - settings.depth_loss_frac) * d_base):
        reasons.append(f"depth down {100 * (1 - depth[i] / d_base):.0f} %")
    return reasons


def _col(reps: pd.DataFrame, name: str) -> np.ndarray:
    if name not in reps.columns:
        return np.full(len(reps), np.nan)
    return pd.to_numeric(reps[name], errors="coerce").to_numpy(dtype=float)


def _nanmax(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(x.max()) if len(x) else math.nan


def _loss_pct(base: float, last: np.ndarray) -> float:
    last = last[np.isfinite(last)]
    if not np.isfinite(base) or base <= 0 or not len(last):
        return math.nan
    return float(100.0 * (1.0 - last.mean() / base))


def _change(x: np.ndarray, k: int) -> float:
    first, last = x[:k][np.isfinite(x[:k])], x[-k:][np.isfinite(x[-k:])]
    if not len(first) or not len(last):
        return math.nan
    return float(last.mean() - first.mean())
