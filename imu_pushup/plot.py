"""Plots of a push-up set: overview, tempo, depth and sag against targets, set trend.

Every function takes a :class:`~imu_pushup.results.SessionResult` and an optional matplotlib
``ax`` (or ``axes``) to draw into. Single-panel functions return the ``Axes``; multi-panel ones
return the ``Figure``. Matplotlib is an optional extra (``pip install imu-pushup[plot]``) and is
imported only inside these functions, so ``import imu_pushup`` never needs it.

One colour per phase is used everywhere (:data:`PHASE_COLORS`): the top hold, the descent, the
bottom pause and the ascent. Flags are drawn where they happened in the rep (:data:`FLAG_PHASE`):
the tempo flags on their phase, the posture and depth flags at the bottom.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

#: The four phases of a rep, in the order they happen.
PHASES: tuple[str, ...] = ("top", "descent", "bottom", "ascent")

#: One colour per phase (Okabe-Ito palette: readable for colour-blind readers and in print).
PHASE_COLORS: dict[str, str] = {
    "top": "#BBBBBB",
    "descent": "#0072B2",
    "bottom": "#E69F00",
    "ascent": "#009E73",
}

#: Colour and marker per flag.
FLAG_STYLE: dict[str, tuple[str, str]] = {
    "sag": ("#D55E00", "v"),
    "pike": ("#CC79A7", "^"),
    "partial": ("#56B4E9", "s"),
    "fast_descent": ("#0072B2", ">"),
    "no_pause": ("#E69F00", "X"),
    "head_down": ("#000000", "D"),
}

#: Where in the rep each flag is drawn: tempo flags on their phase, posture/depth at the bottom.
FLAG_PHASE: dict[str, str] = {
    "sag": "bottom",
    "pike": "bottom",
    "partial": "bottom",
    "fast_descent": "descent",
    "no_pause": "bottom",
    "head_down": "bottom",
}

#: Defaults of the flag thresholds, used when the form settings do not expose one.
_DEFAULT_THRESHOLDS: dict[str, float] = {
    "sag_deg": 10.0,
    "pike_deg": -10.0,
    "partial_frac": 0.75,
    "fast_descent_s": 1.0,
    "no_pause_s": 0.25,
}

#: Minimum top hold drawn before a rep when there is no previous rep (s).
_TOP_SHADE_S = 1.0


def thresholds(settings: Any = None) -> dict[str, float]:
    """The flag thresholds the plots draw: from ``settings`` (a ``FormSettings``) or its defaults.

    Keys: ``sag_deg`` (sag at or above), ``pike_deg`` (pike at or below, negative),
    ``partial_frac`` (depth fraction of the target below which a rep is partial),
    ``fast_descent_s`` and ``no_pause_s``.
    """
    if settings is None:
        try:
            from .detectors.form import FormSettings
            settings = FormSettings()
        except Exception:  # noqa: BLE001 - the plots must work without the detectors
            settings = None
    out = dict(_DEFAULT_THRESHOLDS)
    names = {
        "sag_deg": ("sag_deg", "sag_threshold_deg", "sag_min_deg"),
        "pike_deg": ("pike_deg", "pike_threshold_deg", "pike_max_deg"),
        "partial_frac": ("partial_frac", "partial_depth_frac"),
        "fast_descent_s": ("fast_descent_s",),
        "no_pause_s": ("no_pause_s",),
    }
    for key, candidates in names.items():
        for name in candidates:
            value = getattr(settings, name, None)
            if isinstance(value, (int, float)) and np.isfinite(value):
                out[key] = float(value)
                break
    if out["pike_deg"] > 0:  # a setting stored as a magnitude
        out["pike_deg"] = -out["pike_deg"]
    return out


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------

def _plt():
    import matplotlib.pyplot as plt
    return plt


def _axes(ax: Any, figsize: tuple[float, float]):
    """The given axes, or a new figure with one."""
    if ax is not None:
        return ax
    _, ax = _plt().subplots(figsize=figsize, layout="constrained")
    return ax


def _reps(result: Any) -> pd.DataFrame:
    reps = getattr(result, "reps", None)
    if reps is None:
        return pd.DataFrame()
    return reps


def _col(reps: pd.DataFrame, name: str) -> np.ndarray:
    """A numeric column as floats (NaN where missing)."""
    if name not in reps.columns:
        return np.full(len(reps), np.nan)
    return pd.to_numeric(reps[name], errors="coerce").to_numpy(dtype=float)


def _flags(reps: pd.DataFrame) -> list[list[str]]:
    if "flags" not in reps.columns:
        return [[] for _ in range(len(reps))]
    out = []
    for value in reps["flags"]:
        if isinstance(value, (list, tuple, np.ndarray)):
            out.append([str(v) for v in value])
        else:
            out.append([])
    return out


def _rep_numbers(reps: pd.DataFrame) -> np.ndarray:
    if "index" in reps.columns:
        return reps["index"].to_numpy(dtype=int)
    return np.arange(1, len(reps) + 1)


def _rep_axis(ax: Any, x: np.ndarray) -> None:
    """Rep numbers as ticks, and a bar width that stays the same for one rep or thirty."""
    x = np.asarray(x, dtype=float)
    if len(x):
        ax.set_xticks(x)
        ax.set_xlim(np.min(x) - 0.6, max(np.max(x) + 0.6, np.min(x) + 4.4))
    ax.set_xlabel("rep")


def phase_intervals(result: Any) -> pd.DataFrame:
    """The phases of every rep as a tidy table: ``rep``, ``phase``, ``t0``, ``t1`` (s).

    ``top`` is the hold before each rep: from the previous rep's end (or up to one second before
    the first rep) to the rep's start.
    """
    reps = _reps(result)
    rows = []
    prev_end = np.nan
    for i, n in enumerate(_rep_numbers(reps)):
        t_start, t_bottom, t_ascent, t_end = (_col(reps, c)[i] for c in
                                              ("t_start", "t_bottom", "t_ascent", "t_end"))
        top0 = prev_end if np.isfinite(prev_end) else t_start - _TOP_SHADE_S
        top0 = max(top0, t_start - 3.0 * _TOP_SHADE_S) if np.isfinite(t_start) else top0
        for phase, t0, t1 in (("top", top0, t_start), ("descent", t_start, t_bottom),
                              ("bottom", t_bottom, t_ascent), ("ascent", t_ascent, t_end)):
            if np.isfinite(t0) and np.isfinite(t1) and t1 >= t0:
                rows.append({"rep": int(n), "phase": phase, "t0": float(t0), "t1": float(t1)})
        prev_end = t_end
    return pd.DataFrame(rows, columns=["rep", "phase", "t0", "t1"])


def flag_times(result: Any) -> pd.DataFrame:
    """Where each flag is drawn: ``rep``, ``flag``, ``t`` (s) in the phase of :data:`FLAG_PHASE`."""
    reps = _reps(result)
    rows = []
    cols = {c: _col(reps, c) for c in ("t_start", "t_bottom", "t_ascent", "t_end")}
    for i, (n, flags) in enumerate(zip(_rep_numbers(reps), _flags(reps))):
        for flag in flags:
            phase = FLAG_PHASE.get(flag, "bottom")
            if phase == "descent":
                t = 0.5 * (cols["t_start"][i] + cols["t_bottom"][i])
            elif phase == "ascent":
                t = 0.5 * (cols["t_ascent"][i] + cols["t_end"][i])
            else:
                t = 0.5 * (cols["t_bottom"][i] + cols["t_ascent"][i])
            if np.isfinite(t):
                rows.append({"rep": int(n), "flag": flag, "t": float(t)})
    return pd.DataFrame(rows, columns=["rep", "flag", "t"])


def _pick_signal(signals: pd.DataFrame | None, signal: str | None) -> tuple[str | None, pd.Series | None]:
    if signals is None or len(signals) == 0:
        return None, None
    if signal is not None:
        if signal not in signals.columns:
            raise KeyError(f"signal {signal!r} not in result.signals (have: {', '.join(signals.columns)})")
        return signal, signals[signal]
    for name in ("height_m", "trunk_pitch_deg"):  # the first one that actually moves
        if name in signals.columns:
            values = pd.to_numeric(signals[name], errors="coerce").to_numpy(dtype=float)
            if np.isfinite(values).any() and np.nanmax(values) - np.nanmin(values) > 1e-9:
                return name, signals[name]
    numeric = [c for c in signals.columns if pd.api.types.is_numeric_dtype(signals[c])]
    if numeric:
        return numeric[0], signals[numeric[0]]
    return None, None


def _signal_label(name: str) -> tuple[str, float]:
    """Axis label and the factor from the stored unit to the drawn one."""
    if name.endswith("_m"):
        return f"{name[:-2].replace('_', ' ')} (cm)", 100.0
    if name.endswith("_deg"):
        return f"{name[:-4].replace('_', ' ')} (°)", 1.0
    return name.replace("_", " "), 1.0


def phase_legend_handles() -> list[Any]:
    """Legend patches for the four phases (the same in every plot)."""
    from matplotlib.patches import Patch
    return [Patch(facecolor=PHASE_COLORS[p], alpha=0.5 if p != "top" else 0.4, label=p) for p in PHASES]


# ---------------------------------------------------------------------------------------------
# plots
# ---------------------------------------------------------------------------------------------

def plot_overview(result: Any, ax: Any = None, *, signal: str | None = None,
                  legend: bool = True, title: str | None = None, truth: Any = None):
    """The set at a glance: a signal over time, phases shaded, reps numbered, flags marked.

    ``signal`` is a column of ``result.signals`` (default ``height_m``, else ``trunk_pitch_deg``);
    without signals only the phases are drawn. ``truth`` (reps with ``t_start``/``t_end``: a
    simulator truth dict, a list of dicts or a DataFrame, e.g. hand labels) adds the true reps
    as a strip along the top, to see what was found against what was done. Returns the Axes.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.transforms import blended_transform_factory

    ax = _axes(ax, (10.0, 3.4))
    reps = _reps(result)
    name, series = _pick_signal(getattr(result, "signals", None), signal)

    t_sig = y_sig = None
    if series is not None:
        t_sig = np.asarray(series.index, dtype=float)
        label, factor = _signal_label(name)
        y_sig = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float) * factor
        ax.plot(t_sig, y_sig, color="#222222", lw=1.1, zorder=3)
        ax.set_ylabel(label)
    else:
        ax.set_yticks([])
        ax.set_ylabel("no signal")

    for row in phase_intervals(result).itertuples(index=False):
        ax.axvspan(row.t0, row.t1, color=PHASE_COLORS[row.phase],
                   alpha=0.4 if row.phase == "top" else 0.35, lw=0, zorder=1)

    trans = blended_transform_factory(ax.transData, ax.transAxes)
    t_start, t_end = _col(reps, "t_start"), _col(reps, "t_end")
    for n, t0, t1 in zip(_rep_numbers(reps), t_start, t_end):
        if np.isfinite(t0) and np.isfinite(t1):
            ax.text(0.5 * (t0 + t1), 0.97, str(n), transform=trans, ha="center", va="top",
                    fontsize=9, fontweight="bold", zorder=5, clip_on=True)

    handles = []
    flags = flag_times(result)
    if len(flags):
        # several flags of one rep: stacked below each other instead of on top of each other
        flags["k"] = flags.groupby("rep").cumcount()
        have_y = t_sig is not None and np.isfinite(y_sig).any()
        if have_y:
            ok = np.isfinite(y_sig)
            span = float(np.nanmax(y_sig) - np.nanmin(y_sig)) or 1.0
        for flag, grp in flags.groupby("flag", sort=False):
            color, marker = FLAG_STYLE.get(flag, ("#D55E00", "o"))
            if have_y:
                y = np.interp(grp["t"].to_numpy(), t_sig[ok], y_sig[ok]) - 0.08 * span * grp["k"].to_numpy()
                ax.scatter(grp["t"], y, marker=marker, s=46, color=color, zorder=6,
                           edgecolors="white", linewidths=0.6)
            else:
                ax.scatter(grp["t"], 0.08 + 0.08 * grp["k"].to_numpy(), marker=marker, s=46,
                           color=color, transform=trans, zorder=6)
            handles.append(Line2D([], [], ls="", marker=marker, color=color, label=flag))
        if have_y:
            low = float(np.nanmin(y_sig)) - 0.08 * span * (flags["k"].max() + 0.7)
            ax.set_ylim(bottom=min(ax.get_ylim()[0], low))
    if t_sig is not None and np.isfinite(y_sig).any():
        lo, hi = ax.get_ylim()
        ax.set_ylim(lo, hi + 0.12 * (hi - lo))  # room for the rep numbers

    if truth is not None:
        true_reps = _truth_reps(truth)
        for t0, t1 in zip(_col(true_reps, "t_start"), _col(true_reps, "t_end")):
            ax.axvspan(t0, t1, ymin=0.985, ymax=1.0, color="#222222", lw=0, zorder=7)
        handles.append(Patch(facecolor="#222222", label=f"truth ({len(true_reps)})"))
    if t_sig is not None and len(t_sig):
        ax.set_xlim(t_sig[0], t_sig[-1])
    elif len(reps) and np.isfinite(t_start).any():
        ax.set_xlim(np.nanmin(t_start) - 1.5, np.nanmax(t_end) + 1.5)
    ax.set_xlabel("time (s)")
    if title is None:
        title = f"{len(reps)} rep{'s' if len(reps) != 1 else ''}"
        variant = getattr(result, "variant", None)
        if variant:
            title += f", {variant} push-ups"
        places = [s.get("placement") for s in getattr(result, "sensors", []) or [] if isinstance(s, Mapping)]
        if places:
            title += f" ({', '.join(p for p in places if p)})"
    ax.set_title(title, loc="left", fontsize=10)
    if legend:
        # below the time axis: never on top of the data or the title
        ax.legend(handles=phase_legend_handles() + handles, loc="upper center", fontsize=8,
                  ncol=min(11, 4 + len(handles)), frameon=False, bbox_to_anchor=(0.5, -0.16),
                  borderaxespad=0.0, handlelength=1.2, columnspacing=1.0)
    return ax


def _truth_reps(truth: Any) -> pd.DataFrame:
    if isinstance(truth, Mapping):
        truth = truth.get("reps", [])
    return truth if isinstance(truth, pd.DataFrame) else pd.DataFrame(list(truth))


def plot_recording(rec: Any, axes: Sequence[Any] | None = None, *, title: str | None = None):
    """A recording's raw channels: acceleration (m/s²) and, when present, angular rate (deg/s).

    Gaps in the timestamps are shaded. Useful to check a file before analysing it (units, which
    axis carries gravity, dropouts). Returns the Figure.
    """
    n = 2 if rec.gyr is not None else 1
    if axes is None:
        fig, axes = _plt().subplots(n, 1, figsize=(10.0, 2.2 + 1.6 * n), sharex=True, layout="constrained")
        axes = np.atleast_1d(axes)
    else:
        fig = axes[0].figure
    colors = ("#D55E00", "#009E73", "#0072B2")
    blocks = [(rec.acc, "acceleration (m/s²)", "acc")] + ([(rec.gyr, "angular rate (deg/s)", "gyr")] if n == 2 else [])
    for ax, (values, label, prefix) in zip(axes, blocks):
        for k, axis in enumerate("xyz"):
            ax.plot(rec.t, values[:, k], lw=0.8, color=colors[k], label=f"{prefix}_{axis}")
        for gap in getattr(rec, "gaps", []) or []:
            ax.axvspan(gap.t_before, gap.t_after, color="#888888", alpha=0.3, lw=0)
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, frameon=False, ncol=3, loc="upper right")
    axes[-1].set_xlabel("time (s)")
    axes[0].set_title(title or f"{rec.placement}: {rec.sampling_rate_hz:.0f} Hz, {rec.duration_s:.1f} s",
                      loc="left", fontsize=10)
    return fig


def plot_rep(result: Any, rep: int, ax: Any = None, *, pad_s: float = 1.0, signal: str | None = None):
    """One rep up close: its signal, the four phases, the event times and its numbers in the title.

    ``rep`` is the rep number (the ``index`` column). Returns the Axes.
    """
    reps = _reps(result)
    numbers = _rep_numbers(reps)
    if rep not in numbers:
        raise KeyError(f"no rep {rep} (the result has reps {', '.join(map(str, numbers)) or 'none'})")
    row = reps.iloc[int(np.flatnonzero(numbers == rep)[0])]
    ax = plot_overview(result, ax, signal=signal, legend=False, title="")
    t0, t1 = float(row["t_start"]) - pad_s, float(row["t_end"]) + pad_s
    ax.set_xlim(t0, t1)
    lines = [line for line in ax.get_lines()]
    if lines:
        x, y = lines[0].get_xdata(), lines[0].get_ydata()
        inside = (x >= t0) & (x <= t1) & np.isfinite(y)
        if inside.any():
            lo, hi = float(np.min(y[inside])), float(np.max(y[inside]))
            span = (hi - lo) or 1.0
            ax.set_ylim(lo - 0.45 * span, hi + 0.25 * span)  # room below for stacked flag markers
    for k, name in enumerate(("t_start", "t_bottom", "t_ascent", "t_end")):
        tv = _num(row.get(name))
        if np.isfinite(tv):
            ax.axvline(tv, color="#444444", lw=0.8, ls=":")
            ax.text(tv, 1.01 + 0.07 * (k % 2), name, transform=ax.get_xaxis_transform(), ha="center",
                    va="bottom", fontsize=8)
    parts = [f"rep {rep}"]
    for col, fmt in (("descent_s", "descent {:.2f} s"), ("pause_s", "pause {:.2f} s"), ("ascent_s", "ascent {:.2f} s"),
                     ("depth_m", "depth {:.1f} cm"), ("sag_deg", "sag {:+.1f}°")):
        v = _num(row.get(col))
        if np.isfinite(v):
            parts.append(fmt.format(v * 100 if col == "depth_m" else v))
    flags = _flags(reps.iloc[[int(np.flatnonzero(numbers == rep)[0])]])[0]
    ax.set_title(", ".join(parts) + (f"  [{', '.join(flags)}]" if flags else ""), loc="left", fontsize=9, pad=24)
    return ax


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def plot_tempo(result: Any, ax: Any = None, *, settings: Any = None, legend: bool = True):
    """Per-rep bars of descent, pause and ascent (s), with the fast-descent and no-pause limits.

    Returns the Axes.
    """
    ax = _axes(ax, (8.0, 3.0))
    reps = _reps(result)
    x = _rep_numbers(reps).astype(float)
    width = 0.27
    lim = thresholds(settings)
    for k, (phase, col) in enumerate((("descent", "descent_s"), ("bottom", "pause_s"),
                                       ("ascent", "ascent_s"))):
        ax.bar(x + (k - 1) * width, _col(reps, col), width, color=PHASE_COLORS[phase],
               label={"bottom": "pause"}.get(phase, phase), zorder=3)
    ax.axhline(lim["fast_descent_s"], color=PHASE_COLORS["descent"], ls="--", lw=1,
               label=f"descent below {lim['fast_descent_s']:g} s: fast_descent")
    ax.axhline(lim["no_pause_s"], color=PHASE_COLORS["bottom"], ls=":", lw=1.2,
               label=f"pause below {lim['no_pause_s']:g} s: no_pause")
    _rep_axis(ax, x)
    ax.set_ylabel("duration (s)")
    ax.set_title("Tempo per rep", loc="left", fontsize=10)
    ax.grid(axis="y", alpha=0.3, zorder=0)
    if legend:
        ax.legend(fontsize=8, frameon=False, ncol=3, loc="upper left")
        ax.set_ylim(0, max(1.0, np.nanmax(np.r_[_col(reps, "descent_s"), _col(reps, "pause_s"),
                                                _col(reps, "ascent_s"), 1.0])) * 1.35)
    return ax


def plot_depth(result: Any, ax: Any = None, *, settings: Any = None):
    """Depth per rep against the target (upper arms parallel to the floor) and the partial limit.

    Draws ``depth_frac`` as % of the target when known, else ``depth_m`` in cm. Returns the Axes.
    """
    ax = _axes(ax, (8.0, 3.0))
    reps = _reps(result)
    x = _rep_numbers(reps).astype(float)
    lim = thresholds(settings)
    flags = _flags(reps)
    partial = np.array(["partial" in f for f in flags], dtype=bool)
    frac, depth_m = _col(reps, "depth_frac"), _col(reps, "depth_m")
    if np.isfinite(frac).any():
        y = frac * 100.0
        ax.axhline(100.0, color="#222222", lw=1, label="target: upper arms parallel (100 %)")
        ax.axhline(lim["partial_frac"] * 100.0, color=FLAG_STYLE["partial"][0], ls="--", lw=1,
                   label=f"below {lim['partial_frac'] * 100:.0f} %: partial")
        ax.set_ylabel("depth (% of target)")
    elif np.isfinite(depth_m).any():
        y = depth_m * 100.0
        ax.set_ylabel("depth (cm)")
    else:
        y = np.full(len(reps), np.nan)
        ax.text(0.5, 0.5, "depth not observable from this placement", transform=ax.transAxes,
                ha="center", va="center", color="#666666")
        ax.set_ylabel("depth")
    colors = [FLAG_STYLE["partial"][0] if p else PHASE_COLORS["bottom"] for p in partial]
    ax.bar(x, y, 0.6, color=colors, zorder=3)
    _rep_axis(ax, x)
    ax.set_title("Depth per rep", loc="left", fontsize=10)
    ax.grid(axis="y", alpha=0.3, zorder=0)
    if ax.get_legend_handles_labels()[0]:
        ax.set_ylim(0, max(135.0, np.nanmax(np.r_[y, 0.0]) * 1.3))
        ax.legend(fontsize=8, frameon=False, loc="upper left", ncol=2)
    return ax


def plot_sag(result: Any, ax: Any = None, *, settings: Any = None):
    """Hip angle per rep (+ sag, − pike) against the straight-line band. Returns the Axes."""
    ax = _axes(ax, (8.0, 3.0))
    reps = _reps(result)
    x = _rep_numbers(reps).astype(float)
    lim = thresholds(settings)
    sag = _col(reps, "sag_deg")
    ax.axhspan(lim["pike_deg"], lim["sag_deg"], color="#009E73", alpha=0.12, lw=0,
               label=f"one line: {lim['pike_deg']:g}° to {lim['sag_deg']:g}°")
    ax.axhline(0.0, color="#222222", lw=0.8)
    if np.isfinite(sag).any():
        colors = [FLAG_STYLE["sag"][0] if v >= lim["sag_deg"] else
                  FLAG_STYLE["pike"][0] if v <= lim["pike_deg"] else "#777777" for v in sag]
        ax.bar(x, sag, 0.6, color=colors, zorder=3)
        top = max(abs(lim["sag_deg"]), abs(lim["pike_deg"]), np.nanmax(np.abs(sag))) * 1.3
        ax.set_ylim(-top, top)
    else:
        ax.text(0.5, 0.5, "sag not observable from this placement", transform=ax.transAxes,
                ha="center", va="center", color="#666666")
    ax.text(0.99, 0.97, "sag (hips low) ↑", transform=ax.transAxes, ha="right", va="top", fontsize=8)
    ax.text(0.99, 0.03, "pike (hips high) ↓", transform=ax.transAxes, ha="right", va="bottom", fontsize=8)
    _rep_axis(ax, x)
    ax.set_ylabel("hip angle (°)")
    ax.set_title("Sag / pike per rep", loc="left", fontsize=10)
    ax.grid(axis="y", alpha=0.3, zorder=0)
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    return ax


def plot_depth_sag(result: Any, axes: Sequence[Any] | None = None, *, settings: Any = None):
    """Depth and sag per rep against their targets, one above the other. Returns the Figure."""
    if axes is None:
        fig, axes = _plt().subplots(2, 1, figsize=(8.0, 5.2), sharex=True, layout="constrained")
    else:
        fig = axes[0].figure
    plot_depth(result, axes[0], settings=settings)
    plot_sag(result, axes[1], settings=settings)
    axes[0].set_xlabel("")
    return fig


def velocity_loss_pct(result: Any) -> pd.Series:
    """Velocity loss per rep (%): how much slower the ascent is than the set's fastest one.

    Uses the mean ascent velocity when the placement observes it, else the ascent duration
    (the same ratio for the same depth). Indexed by rep number.
    """
    reps = _reps(result)
    v = _col(reps, "ascent_mean_velocity_m_s")
    if not np.isfinite(v).any():
        dur = _col(reps, "ascent_s")
        v = np.where(dur > 0, 1.0 / dur, np.nan)
    best = np.nanmax(v) if np.isfinite(v).any() else np.nan
    loss = 100.0 * (1.0 - v / best) if np.isfinite(best) and best > 0 else np.full(len(v), np.nan)
    return pd.Series(loss, index=pd.Index(_rep_numbers(reps), name="rep"), name="velocity_loss_pct")


def breakdown_rep(result: Any) -> int | None:
    """The rep where form broke down, as the form detectors put it in the summary (or None)."""
    summary = getattr(result, "summary", {}) or {}
    for key in ("breakdown_rep", "breakdown_index"):
        value = summary.get(key)
        if value is not None:
            try:
                value = float(value)
            except (TypeError, ValueError):
                continue
            if np.isfinite(value):
                return int(value)
    return None


def plot_trend(result: Any, axes: Sequence[Any] | None = None, *, settings: Any = None):
    """The set trend: velocity loss, depth and sag across reps, with the breakdown point.

    Returns the Figure (three panels sharing the rep axis).
    """
    if axes is None:
        fig, axes = _plt().subplots(3, 1, figsize=(8.0, 6.0), sharex=True, layout="constrained")
    else:
        fig = axes[0].figure
    reps = _reps(result)
    x = _rep_numbers(reps)
    lim = thresholds(settings)
    loss = velocity_loss_pct(result).to_numpy()
    axes[0].plot(x, loss, "o-", color=PHASE_COLORS["ascent"])
    axes[0].set_ylabel("velocity loss (%)")
    axes[0].set_ylim(bottom=min(0.0, np.nanmin(np.r_[loss, 0.0])) - 2)
    axes[0].invert_yaxis()
    frac = _col(reps, "depth_frac")
    if np.isfinite(frac).any():
        axes[1].plot(x, frac * 100, "o-", color=PHASE_COLORS["bottom"])
        axes[1].axhline(100, color="#222222", lw=1)
        axes[1].axhline(lim["partial_frac"] * 100, color=FLAG_STYLE["partial"][0], ls="--", lw=1)
        axes[1].set_ylabel("depth (% target)")
    else:
        axes[1].plot(x, _col(reps, "depth_m") * 100, "o-", color=PHASE_COLORS["bottom"])
        axes[1].set_ylabel("depth (cm)")
    sag = _col(reps, "sag_deg")
    axes[2].axhspan(lim["pike_deg"], lim["sag_deg"], color="#009E73", alpha=0.12, lw=0)
    axes[2].plot(x, sag, "o-", color=FLAG_STYLE["sag"][0])
    axes[2].set_ylabel("sag (°)")
    _rep_axis(axes[2], x)
    b = breakdown_rep(result)
    for ax in axes:
        ax.grid(alpha=0.3)
        if b is not None:
            ax.axvline(b, color="#D55E00", lw=1.5, ls="--")
    axes[0].set_title("Set trend" + (f": form breaks down at rep {b}" if b is not None else ""),
                      loc="left", fontsize=10)
    return fig


def plot_session(result: Any, *, settings: Any = None, figsize: tuple[float, float] = (11.0, 8.0)):
    """Overview on top, tempo, depth and sag below: the whole set in one Figure."""
    plt = _plt()
    fig = plt.figure(figsize=figsize, layout="constrained")
    grid = fig.add_gridspec(3, 2, height_ratios=[1.2, 1.0, 1.0])
    plot_overview(result, fig.add_subplot(grid[0, :]))
    plot_tempo(result, fig.add_subplot(grid[1, 0]), settings=settings)
    plot_depth(result, fig.add_subplot(grid[1, 1]), settings=settings)
    plot_sag(result, fig.add_subplot(grid[2, 0]), settings=settings)
    ax_loss = fig.add_subplot(grid[2, 1])
    loss = velocity_loss_pct(result)
    ax_loss.plot(loss.index, loss.to_numpy(), "o-", color=PHASE_COLORS["ascent"])
    _rep_axis(ax_loss, loss.index.to_numpy())
    ax_loss.set_ylabel("velocity loss (%)")
    ax_loss.set_title("Velocity loss", loc="left", fontsize=10)
    ax_loss.grid(alpha=0.3)
    return fig


def set_table(results: Mapping[str, Any] | Sequence[Any]) -> pd.DataFrame:
    """One row per set: reps, flagged reps, mean tempo, depth and sag, velocity loss, breakdown.

    ``results`` maps a label (a date, a file) to a SessionResult; a plain sequence is labelled
    1, 2, ... Used by :func:`plot_sets` to compare sets over days.
    """
    items = results.items() if isinstance(results, Mapping) else enumerate(results, start=1)
    rows = []
    for label, res in items:
        reps = _reps(res)
        flags = _flags(reps)
        loss = velocity_loss_pct(res)
        rows.append({
            "set": str(label),
            "reps": int(len(reps)),
            "flagged_reps": int(sum(1 for f in flags if f)),
            "descent_s": float(np.nanmean(_col(reps, "descent_s"))) if len(reps) else np.nan,
            "pause_s": float(np.nanmean(_col(reps, "pause_s"))) if len(reps) else np.nan,
            "ascent_s": float(np.nanmean(_col(reps, "ascent_s"))) if len(reps) else np.nan,
            "depth_frac": _nanmean(_col(reps, "depth_frac")),
            "depth_m": _nanmean(_col(reps, "depth_m")),
            "sag_deg": _nanmean(_col(reps, "sag_deg")),
            "velocity_loss_pct": float(loss.iloc[-1]) if len(loss) and np.isfinite(loss.iloc[-1]) else np.nan,
            "breakdown_rep": breakdown_rep(res),
        })
    return pd.DataFrame(rows)


def _nanmean(values: np.ndarray) -> float:
    return float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")


def plot_sets(results: Mapping[str, Any] | Sequence[Any], axes: Sequence[Any] | None = None):
    """Compare sets (e.g. over days): reps (flagged part hatched), depth, sag and tempo.

    Returns the Figure.
    """
    table = set_table(results)
    if axes is None:
        fig, axes = _plt().subplots(2, 2, figsize=(10.0, 5.5), layout="constrained")
        axes = np.ravel(axes)
    else:
        fig = axes[0].figure
    x = np.arange(len(table))
    labels = table["set"].tolist()
    ax = axes[0]
    ax.bar(x, table["reps"] - table["flagged_reps"], color=PHASE_COLORS["ascent"], label="clean")
    ax.bar(x, table["flagged_reps"], bottom=table["reps"] - table["flagged_reps"],
           color=FLAG_STYLE["sag"][0], label="flagged")
    ax.set_ylabel("reps")
    ax.legend(fontsize=8, frameon=False)
    ax = axes[1]
    if table["depth_frac"].notna().any():
        ax.plot(x, table["depth_frac"] * 100, "o-", color=PHASE_COLORS["bottom"])
        ax.axhline(100, color="#222222", lw=1)
        ax.set_ylabel("mean depth (% target)")
    else:
        ax.plot(x, table["depth_m"] * 100, "o-", color=PHASE_COLORS["bottom"])
        ax.set_ylabel("mean depth (cm)")
    ax = axes[2]
    lim = thresholds()
    ax.axhspan(lim["pike_deg"], lim["sag_deg"], color="#009E73", alpha=0.12, lw=0)
    ax.plot(x, table["sag_deg"], "o-", color=FLAG_STYLE["sag"][0])
    ax.set_ylabel("mean sag (°)")
    ax = axes[3]
    bottom = np.zeros(len(table))
    for phase, col in (("descent", "descent_s"), ("bottom", "pause_s"), ("ascent", "ascent_s")):
        values = table[col].fillna(0).to_numpy()
        ax.bar(x, values, bottom=bottom, color=PHASE_COLORS[phase],
               label={"bottom": "pause"}.get(phase, phase))
        bottom += values
    ax.set_ylabel("mean rep time (s)")
    ax.legend(fontsize=8, frameon=False, ncol=3)
    for ax in axes:
        ax.set_xticks(x, labels, rotation=30 if max((len(s) for s in labels), default=0) > 6 else 0)
        ax.grid(axis="y", alpha=0.3)
    return fig


def plot_event_definitions(t: Any, height_m: Any, rep: Mapping[str, float], ax: Any = None, *,
                           band_frac: float = 0.05):
    """One rep's chest height with the SPEC event rules drawn: the 5 % bands and the four events.

    ``t`` (s) and ``height_m`` (m) are the chest's vertical position; ``rep`` holds ``t_start``,
    ``t_bottom``, ``t_ascent`` and ``t_end``. Returns the Axes.
    """
    ax = _axes(ax, (7.0, 3.6))
    t = np.asarray(t, dtype=float)
    y = np.asarray(height_m, dtype=float) * 100.0
    inside = (t >= rep["t_start"] - 0.6) & (t <= rep["t_end"] + 0.6)
    top, low = float(np.nanmax(y[inside])), float(np.nanmin(y[inside]))
    band = band_frac * (top - low)
    segments = phase_intervals(_OneRep(rep))
    for row in segments.itertuples(index=False):
        if row.phase != "top":
            ax.axvspan(row.t0, row.t1, color=PHASE_COLORS[row.phase], alpha=0.35, lw=0)
    ax.axhspan(top - band, top, color="#888888", alpha=0.25, lw=0)
    ax.axhspan(low, low + band, color="#888888", alpha=0.25, lw=0)
    ax.plot(t[inside], y[inside], color="#222222", lw=1.5)
    for name in ("t_start", "t_bottom", "t_ascent", "t_end"):
        tv = float(rep[name])
        ax.axvline(tv, color="#444444", lw=0.8, ls=":")
        ax.text(tv, top + 0.9 * band + 0.04 * (top - low), name, rotation=0, ha="center",
                va="bottom", fontsize=8)
    ax.annotate("", xy=(t[inside][0] + 0.2, low), xytext=(t[inside][0] + 0.2, top),
                arrowprops={"arrowstyle": "<->", "color": "#444444"})
    ax.text(t[inside][0] + 0.3, 0.5 * (top + low), "excursion\n(depth_m)", fontsize=8, va="center")
    ax.text(t[inside][-1], top - band / 2, "5 % band", fontsize=7, ha="right", va="center")
    ax.text(t[inside][-1], low + band / 2, "5 % band", fontsize=7, ha="right", va="center")
    ax.set_ylim(low - 0.15 * (top - low), top + 0.3 * (top - low))
    ax.set_xlabel("time (s)")
    ax.set_ylabel("chest height (cm)")
    ax.legend(handles=phase_legend_handles()[1:], fontsize=8, frameon=False, loc="center right")
    return ax


class _OneRep:
    """A minimal result holding one rep (for :func:`phase_intervals`)."""

    def __init__(self, rep: Mapping[str, float]) -> None:
        self.reps = pd.DataFrame([{"index": 1, **{k: rep[k] for k in
                                                  ("t_start", "t_bottom", "t_ascent", "t_end")}}])
