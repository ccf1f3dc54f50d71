"""The data model: one sensor's recording, and a session of several sensors.

A :class:`Recording` is a pandas DataFrame indexed by ``t`` (float seconds on the recording's own
clock) with the SPEC columns ``acc_x acc_y acc_z`` (m/s²) and optionally ``gyr_x gyr_y gyr_z``
(deg/s), plus the placement, sensor name, source and free metadata. It is validated when built:
strictly increasing finite time, finite values, plausible units, an adequate sampling rate. Gaps
(lost BLE packets) are found and reported in :attr:`Recording.gaps`, never filled here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from .errors import (ColumnError, NonFiniteError, SamplingRateError, SensorNotWornError,
                     TimestampError, UnitError, InputError)
from .units import (ACC_COLUMNS, GYR_COLUMNS, GRAVITY_M_S2, MIN_SAMPLING_RATE_HZ, PLACEMENTS,
                    TIME_COLUMN)

#: A step longer than this many nominal sample periods counts as a gap.
GAP_FACTOR = 1.5


@dataclass(frozen=True)
class Gap:
    """Samples missing between two consecutive timestamps."""

    t_before: float
    t_after: float
    missing_samples: int

    @property
    def duration_s(self) -> float:
        return self.t_after - self.t_before


@dataclass
class Recording:
    """One sensor's data in SPEC units, validated on construction.

    Parameters
    ----------
    data:
        DataFrame indexed by ``t`` seconds (or with a ``t`` column) holding ``acc_*`` in m/s² and
        optionally ``gyr_*`` in deg/s.
    placement:
        One of ``chest upper_arm wrist lumbar head``.
    sampling_rate_hz:
        Nominal rate; estimated from the median time step when not given.
    """

    data: pd.DataFrame
    placement: str = "chest"
    sensor: str = ""
    source: str = ""
    sampling_rate_hz: float | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    gaps: list[Gap] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.data = _normalise_frame(self.data, self.source)
        if self.placement not in PLACEMENTS:
            raise InputError(f"unknown placement {self.placement!r}", source=self.source or None,
                             fix=f"use one of: {', '.join(PLACEMENTS)}")
        validate_frame(self.data, self.source or "<recording>")
        estimated = estimate_sampling_rate_hz(self.data.index.to_numpy())
        if self.sampling_rate_hz is None:
            self.sampling_rate_hz = estimated
        self.sampling_rate_hz = float(self.sampling_rate_hz)
        if self.sampling_rate_hz < MIN_SAMPLING_RATE_HZ:
            raise SamplingRateError(
                f"sampling rate {self.sampling_rate_hz:.1f} Hz is below the {MIN_SAMPLING_RATE_HZ:.0f} Hz "
                "the detectors need", source=self.source or None,
                fix="record at 25 Hz or more (50-100 Hz recommended)")
        self.gaps = find_gaps(self.data.index.to_numpy(), self.sampling_rate_hz)

    # -- convenience -------------------------------------------------------------------------
    @property
    def t(self) -> np.ndarray:
        """Sample times in seconds."""
        return self.data.index.to_numpy(dtype=float)

    @property
    def acc(self) -> np.ndarray:
        """Accelerometer, shape (n, 3), m/s²."""
        return self.data.loc[:, list(ACC_COLUMNS)].to_numpy(dtype=float)

    @property
    def gyr(self) -> np.ndarray | None:
        """Gyroscope, shape (n, 3), deg/s, or None for accelerometer-only sensors."""
        if not self.has_gyro:
            return None
        return self.data.loc[:, list(GYR_COLUMNS)].to_numpy(dtype=float)

    @property
    def has_gyro(self) -> bool:
        return all(c in self.data.columns for c in GYR_COLUMNS)

    @property
    def duration_s(self) -> float:
        t = self.t
        return float(t[-1] - t[0]) if len(t) else 0.0

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        return (f"Recording(placement={self.placement!r}, sensor={self.sensor!r}, n={len(self)}, "
                f"sampling_rate_hz={self.sampling_rate_hz:.1f}, duration_s={self.duration_s:.1f}, "
                f"gaps={len(self.gaps)}, source={self.source!r})")


@dataclass
class Session:
    """Several recordings of one set (one per placement), analysed together, the chest leading."""

    recordings: list[Recording]

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for rec in self.recordings:
            if rec.placement in seen:
                raise InputError(f"two recordings for placement {rec.placement!r}",
                                 source=rec.source or None,
                                 fix="give each sensor a different placement (PLACEMENT=PATH)")
            seen.add(rec.placement)
        if not self.recordings:
            raise InputError("a session needs at least one recording")

    @classmethod
    def of(cls, recordings: "Recording | Session | Iterable[Recording]") -> "Session":
        if isinstance(recordings, Session):
            return recordings
        if isinstance(recordings, Recording):
            return cls([recordings])
        return cls(list(recordings))

    @property
    def by_placement(self) -> dict[str, Recording]:
        return {r.placement: r for r in self.recordings}

    @property
    def lead(self) -> Recording:
        """The recording that leads the analysis: chest, else lumbar, upper_arm, wrist, head."""
        by = self.by_placement
        for p in ("chest", "lumbar", "upper_arm", "wrist", "head"):
            if p in by:
                return by[p]
        return self.recordings[0]

    def __getitem__(self, placement: str) -> Recording:
        return self.by_placement[placement]

    def __contains__(self, placement: object) -> bool:
        return placement in self.by_placement


# -- validation helpers -----------------------------------------------------------------------

def _normalise_frame(data: pd.DataFrame, source: str) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise InputError("recording data must be a pandas DataFrame", source=source or None)
    df = data
    if TIME_COLUMN in df.columns:
        df = df.set_index(TIME_COLUMN)
    if df.index.name != TIME_COLUMN:
        raise ColumnError("no time column 't'", source=source or None,
                          fix="index the DataFrame by 't' seconds or add a 't' column")
    missing = [c for c in ACC_COLUMNS if c not in df.columns]
    if missing:
        raise ColumnError(f"missing column(s) {', '.join(missing)}", source=source or None,
                          fix="columns must be t,acc_x,acc_y,acc_z[,gyr_x,gyr_y,gyr_z]")
    gyr_present = [c for c in GYR_COLUMNS if c in df.columns]
    if gyr_present and len(gyr_present) != 3:
        raise ColumnError(f"only some gyro columns present ({', '.join(gyr_present)})",
                          source=source or None, fix="give all of gyr_x,gyr_y,gyr_z or none")
    cols = list(ACC_COLUMNS) + (list(GYR_COLUMNS) if gyr_present else [])
    extra = [c for c in df.columns if c not in cols]
    if extra:
        raise ColumnError(f"unexpected column(s) {', '.join(map(str, extra))}", source=source or None,
                          fix="keep only t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z (metadata goes in '# key: value' lines)")
    try:
        out = df.loc[:, cols].astype(float)
        out.index = pd.Index(np.asarray(df.index, dtype=float), name=TIME_COLUMN)
    except (TypeError, ValueError) as exc:
        raise ColumnError(f"non-numeric values ({exc})", source=source or None,
                          fix="every value must be a number") from None
    return out


def validate_frame(df: pd.DataFrame, source: str) -> None:
    """Check time, finiteness and units of a normalised frame; raise a typed error if wrong."""
    if len(df) < 2:
        raise InputError(f"only {len(df)} sample(s)", source=source,
                         fix="a recording needs at least a few seconds of data")
    t = df.index.to_numpy(dtype=float)
    if not np.all(np.isfinite(t)):
        i = int(np.flatnonzero(~np.isfinite(t))[0])
        raise NonFiniteError("non-finite timestamp", source=source, where=f"sample {i}",
                             fix="remove or repair that row")
    dt = np.diff(t)
    if np.any(dt == 0):
        i = int(np.flatnonzero(dt == 0)[0]) + 1
        raise TimestampError(f"duplicate timestamp t={t[i]:g}", source=source, where=f"sample {i}",
                             fix="remove duplicated rows")
    if np.any(dt < 0):
        i = int(np.flatnonzero(dt < 0)[0]) + 1
        raise TimestampError(f"timestamps go backwards at t={t[i]:g} (after {t[i-1]:g})", source=source,
                             where=f"sample {i}", fix="sort the rows by t, or split the file where the clock was reset")
    values = df.to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise NonFiniteError(f"{values[i, j]} in column {df.columns[j]} at t={t[i]:g}", source=source,
                             where=f"sample {i}", fix="remove or repair non-finite samples")
    check_units(df, source)


def check_units(df: pd.DataFrame, source: str) -> None:
    """Refuse data in g, mG or rad/s, with a message saying how to convert.

    Acceleration: the median magnitude must be near 9.81 m/s² (gravity dominates any push-up
    recording). Gyro: the rotation the accelerometer sees (the gravity direction turning) must agree
    with the gyro in deg/s; a gyro ~57 times too small is in rad/s.
    """
    acc = df.loc[:, list(ACC_COLUMNS)].to_numpy(dtype=float)
    norm = np.linalg.norm(acc, axis=1)
    med = float(np.median(norm))
    if 0.5 < med < 2.0:
        raise UnitError(f"acceleration looks like g (median magnitude {med:.2f})", source=source,
                        fix="multiply acc_* by 9.80665 to get m/s²")
    if 500 < med < 2000:
        raise UnitError(f"acceleration looks like mG (median magnitude {med:.0f})", source=source,
                        fix="multiply acc_* by 0.00980665 to get m/s²")
    if med < 0.5 and float(np.max(norm)) < 0.5:
        raise SensorNotWornError("acceleration is near zero throughout: no gravity seen", source=source,
                                 fix="check the sensor was on and that acc_* is specific force, not user acceleration")
    if not (5.0 < med < 15.0):
        raise UnitError(f"acceleration magnitude {med:.2f} is not near gravity (9.81 m/s²)", source=source,
                        fix="acc_* must be in m/s² as specific force (an axis pointing up reads +9.81)")
    if all(c in df.columns for c in GYR_COLUMNS):
        ratio = gyro_to_tilt_rate_ratio(df)
        if ratio is not None and ratio < 0.1:
            raise UnitError(f"gyro looks like rad/s (it turns {1/ratio:.0f}x slower than gravity does)",
                            source=source, fix="multiply gyr_* by 57.2958 to get deg/s")


def gyro_to_tilt_rate_ratio(df: pd.DataFrame) -> float | None:
    """Ratio of the gyro's rate to the rate the gravity direction turns (both in deg/s).

    About 1 for deg/s (often more, since rotation about gravity is invisible to the accelerometer),
    about 1/57 for rad/s. None when the sensor barely tilts, so the test cannot tell.
    """
    t = df.index.to_numpy(dtype=float)
    if len(t) < 20:
        return None
    acc = df.loc[:, list(ACC_COLUMNS)].to_numpy(dtype=float)
    gyr = df.loc[:, list(GYR_COLUMNS)].to_numpy(dtype=float)
    # Smooth gravity direction with a short moving average (about 0.2 s).
    fs = 1.0 / float(np.median(np.diff(t)))
    k = max(1, int(round(0.2 * fs)))
    kernel = np.ones(k) / k
    g = np.column_stack([np.convolve(acc[:, i], kernel, mode="same") for i in range(3)])
    g /= np.maximum(np.linalg.norm(g, axis=1, keepdims=True), 1e-9)
    step = max(1, k)
    cosang = np.clip(np.sum(g[step:] * g[:-step], axis=1), -1.0, 1.0)
    tilt_rate = np.degrees(np.arccos(cosang)) / (t[step:] - t[:-step])
    gyr_rate = np.linalg.norm(gyr, axis=1)
    gyr_rate = np.convolve(gyr_rate, kernel, mode="same")[step:]
    moving = tilt_rate > 5.0  # deg/s of tilt: clearly rotating
    if moving.sum() < max(5, int(0.5 * fs)):
        return None
    return float(np.median(gyr_rate[moving]) / np.median(tilt_rate[moving]))


def estimate_sampling_rate_hz(t: np.ndarray) -> float:
    """Nominal sampling rate from the median time step (robust to gaps and jitter)."""
    dt = np.diff(np.asarray(t, dtype=float))
    if len(dt) == 0:
        raise SamplingRateError("cannot estimate the sampling rate from fewer than two samples")
    med = float(np.median(dt))
    if med <= 0:
        raise SamplingRateError("cannot estimate the sampling rate: time does not advance")
    return 1.0 / med


def find_gaps(t: np.ndarray, sampling_rate_hz: float) -> list[Gap]:
    """Steps longer than ``GAP_FACTOR`` nominal periods, with the number of samples missing."""
    dt = np.diff(np.asarray(t, dtype=float))
    period = 1.0 / sampling_rate_hz
    idx = np.flatnonzero(dt > GAP_FACTOR * period)
    return [Gap(float(t[i]), float(t[i + 1]), int(round(dt[i] / period)) - 1) for i in idx]


def from_arrays(t: np.ndarray, acc_m_s2: np.ndarray, gyr_deg_s: np.ndarray | None = None, *,
                placement: str = "chest", sensor: str = "", source: str = "",
                sampling_rate_hz: float | None = None,
                metadata: Mapping[str, Any] | None = None) -> Recording:
    """Build a :class:`Recording` from arrays already in SPEC units."""
    cols: dict[str, np.ndarray] = {c: np.asarray(acc_m_s2, dtype=float)[:, i] for i, c in enumerate(ACC_COLUMNS)}
    if gyr_deg_s is not None:
        cols.update({c: np.asarray(gyr_deg_s, dtype=float)[:, i] for i, c in enumerate(GYR_COLUMNS)})
    df = pd.DataFrame(cols, index=pd.Index(np.asarray(t, dtype=float), name=TIME_COLUMN))
    return Recording(df, placement=placement, sensor=sensor, source=source,
                     sampling_rate_hz=sampling_rate_hz, metadata=dict(metadata or {}))
