"""Per-rep results, the session summary and the SPEC JSON document.

:class:`SessionResult` is what :func:`imu_pushup.analyze` returns. ``reps`` is a tidy DataFrame, one
row per rep, with the SPEC fields as columns (times in seconds on the recording's clock, durations
``*_s``, depth ``depth_m``, angles ``*_deg``) plus extra, unit-suffixed columns. ``to_json()`` gives
the ``analyze --json`` document (schema ``imu-pushup/session@1``).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .units import SESSION_SCHEMA

#: The SPEC's per-rep fields, in order. Other columns may follow.
SPEC_REP_COLUMNS: tuple[str, ...] = (
    "index", "t_start", "t_bottom", "t_ascent", "t_end", "descent_s", "pause_s", "ascent_s",
    "depth_m", "sag_deg", "flags", "feedback",
)

#: Extra per-rep columns the engine and the form detectors fill where they can (NaN otherwise).
EXTRA_REP_COLUMNS: tuple[str, ...] = (
    "depth_frac",                 # depth as a fraction of the target (upper arms parallel to the floor)
    "descent_mean_velocity_m_s",  # mean downward speed of the chest in the descent (positive)
    "descent_peak_velocity_m_s",
    "ascent_mean_velocity_m_s",   # mean upward speed of the chest in the ascent (positive)
    "ascent_peak_velocity_m_s",
    "trunk_pitch_bottom_deg",     # chest inclination at the bottom, relative to the plank reference
    "neck_flexion_deg",           # head flexion relative to neutral at its largest (head sensor)
    "partial",                    # bool, same as 'partial' in flags
    "source_placement",           # placement the rep was detected from
)


def empty_reps() -> pd.DataFrame:
    """A per-rep table with no rows and the full column set."""
    return pd.DataFrame({c: pd.Series(dtype=object if c in ("flags", "feedback", "source_placement") else float)
                         for c in SPEC_REP_COLUMNS + EXTRA_REP_COLUMNS})


def reps_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Build the per-rep table from dicts; missing fields become NaN / empty lists."""
    if not rows:
        return empty_reps()
    df = pd.DataFrame(rows)
    for c in SPEC_REP_COLUMNS + EXTRA_REP_COLUMNS:
        if c not in df.columns:
            df[c] = [[] for _ in range(len(df))] if c in ("flags", "feedback") else np.nan
    ordered = list(SPEC_REP_COLUMNS + EXTRA_REP_COLUMNS)
    df = df[ordered + [c for c in df.columns if c not in ordered]]
    df["index"] = df["index"].astype(int)
    return df.reset_index(drop=True)


@dataclass
class SessionResult:
    """Everything the analysis found in one session.

    Attributes
    ----------
    reps: one row per rep (see :data:`SPEC_REP_COLUMNS` and :data:`EXTRA_REP_COLUMNS`).
    sensors: one dict per sensor: ``placement``, ``sampling_rate_hz``, ``source`` (+ extras).
    variant: ``toe``, ``knee`` or None when unknown.
    summary: ``reps`` plus whatever the detectors add (tempo means, fatigue, breakdown rep ...).
    events: the engine's event stream (dicts with ``type`` and ``t``), in order.
    feedback: set-level sentences (per-rep sentences live in ``reps['feedback']``).
    signals: optional time series for plots (DataFrame indexed by t: e.g. ``height_m``, ``trunk_pitch_deg``).
    """

    reps: pd.DataFrame = field(default_factory=empty_reps)
    sensors: list[dict[str, Any]] = field(default_factory=list)
    variant: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    feedback: list[str] = field(default_factory=list)
    signals: pd.DataFrame | None = None
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.summary.setdefault("reps", int(len(self.reps)))

    @property
    def n_reps(self) -> int:
        return int(len(self.reps))

    def to_dict(self) -> dict[str, Any]:
        """The SPEC document as plain Python objects (NaN becomes None)."""
        reps = [{k: _plain(v) for k, v in row.items()} for row in self.reps.to_dict(orient="records")]
        return {
            "schema": SESSION_SCHEMA,
            "sensors": [{k: _plain(v) for k, v in s.items()} for s in self.sensors],
            "variant": self.variant,
            "reps": reps,
            "summary": {k: _plain(v) for k, v in self.summary.items()},
            "feedback": list(self.feedback),
            "warnings": list(self.warnings),
        }

    def to_json(self, indent: int | None = None) -> str:
        """The ``analyze --json`` document."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def _repr_html_(self):
        from .report import result_html
        return result_html(self)

    def __repr__(self) -> str:
        placements = ",".join(s.get("placement", "?") for s in self.sensors)
        return f"SessionResult(reps={self.n_reps}, variant={self.variant!r}, sensors=[{placements}])"


def _plain(value: Any) -> Any:
    """Convert numpy / pandas scalars and containers to JSON-safe Python objects."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else f
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    return value
