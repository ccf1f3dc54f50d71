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

from .errors import (ColumnError, NonFiniteError, SamplingRateError, SaturationError,
                     SensorNotWornError, TimestampError, UnitError, InputError)
from .units import (ACC_COLUMNS, DEG_PER_RAD, GYR_COLUMNS, GRAVITY_M_S2, MIN_SAMPLING_RATE_HZ, PLACEMENTS,
                    TIME_COLUMN)

#: A step longer than this many nominal sample periods counts as a gap.
GAP_FACTOR = 1.5
#: Gaps of at most this many missing samples may be bridged by interpolation downstream; longer
#: gaps must be treated as a break in the data (the engine resets, nothing is invented).
MAX_FILL_SAMPLES = 3
#: A forward step longer than this is not lost packets but a clock jump (or two recordings
#: joined): refused, with :func:`split_at_gaps` as the fix.
CLOCK_JUMP_S = 300.0
#: The declared sampling rate may differ this much (relative) from the one the timestamps show.
RATE_TOLERANCE = 0.25
#: Saturation: only extremes beyond these can be a full-scale limit (no IMU range is smaller).
SATURATION_MIN_ACC_M_S2 = 1.5 * GRAVITY_M_S2
SATURATION_MIN_GYR_DEG_S = 100.0
#: More than this fraction of samples pinned at full scale is refused (a few are only reported).
MAX_SATURATED_FRACTION = 0.02
#: A sensor whose gravity direction, acceleration magnitude and rate all stay within these for the
#: whole recording was not worn (lying on a table) or not switched on.
STILL_TILT_DEG = 1.5
STILL_ACC_RANGE_M_S2 = 0.15
STILL_GYR_DEG_S = 2.0
#: Reading a deg/s gyro as rad/s overshoots the turning of gravity 57-fold, so the residual grows
#: by far more than this (>= 15x on simulated walking, the hardest case; >= 80x on real push-ups).
#: Data truly in rad/s grows it by less (<= 2x). Below this factor the gyro is taken for rad/s.
RAD_S_RESIDUAL_GROWTH = 5.0
#: Only samples whose acceleration magnitude is this close to its median count in the unit test:
#: there the accelerometer's direction is gravity's, not a linear acceleration's.
UNIT_TEST_ACC_TOLERANCE_M_S2 = 1.0


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
    #: Samples pinned at a full-scale limit, per column (only columns with any).
    saturated: dict[str, int] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        src = self.source or "<recording>"
        if self.placement not in PLACEMENTS:
            raise InputError(f"unknown placement {self.placement!r}", source=src,
                             fix=f"use one of: {', '.join(PLACEMENTS)}")
        self.data = _normalise_frame(self.data, self.source)
        check_timestamps(self.data.index.to_numpy(dtype=float), src)
        estimated = estimate_sampling_rate_hz(self.data.index.to_numpy())
        check_sampling_rate(estimated, self.sampling_rate_hz, src)
        self.sampling_rate_hz = float(self.sampling_rate_hz if self.sampling_rate_hz is not None else estimated)
        check_values(self.data, src)
        self.saturated = check_saturation(self.data, src)
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

    @property
    def gap_summary(self) -> dict[str, float]:
        """Gaps in numbers: how many, samples lost, the longest, and the fraction lost."""
        missing = sum(g.missing_samples for g in self.gaps)
        expected = len(self) + missing
        return {"gaps": len(self.gaps), "missing_samples": missing,
                "longest_gap_s": max((g.duration_s for g in self.gaps), default=0.0),
                "lost_fraction": missing / expected if expected else 0.0,
                "fillable_gaps": sum(g.missing_samples <= MAX_FILL_SAMPLES for g in self.gaps)}

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
    """Every check a :class:`Recording` runs on its normalised frame; raise a typed error if wrong.

    Errors carry ``where="sample K"`` (0-based row); readers turn that into their line number.
    """
    t = df.index.to_numpy(dtype=float)
    check_timestamps(t, source)
    check_sampling_rate(estimate_sampling_rate_hz(t), None, source)
    check_values(df, source)
    check_saturation(df, source)


def check_timestamps(t: np.ndarray, source: str) -> None:
    """Finite, strictly increasing time without clock jumps."""
    if len(t) < 2:
        raise InputError(f"only {len(t)} sample(s)", source=source,
                         fix="a recording needs at least a few seconds of data")
    if not np.all(np.isfinite(t)):
        i = int(np.flatnonzero(~np.isfinite(t))[0])
        raise NonFiniteError(f"timestamp is {t[i]}", source=source, where=f"sample {i}",
                             fix="remove or repair that row")
    dt = np.diff(t)
    if np.any(dt == 0):
        i = int(np.flatnonzero(dt == 0)[0]) + 1
        n = int((dt == 0).sum())
        raise TimestampError(f"duplicate timestamp t={t[i]:g} ({n} in all)", source=source, where=f"sample {i}",
                             fix="remove duplicated rows (pandas: df[~df.index.duplicated()])")
    if np.any(dt < 0):
        i = int(np.flatnonzero(dt < 0)[0]) + 1
        period = float(np.median(dt[dt > 0])) if np.any(dt > 0) else 0.0
        if t[i - 1] - t[i] > max(1.0, 10 * period) and np.all(dt[i:] > 0):
            problem = f"the clock jumps back by {t[i-1] - t[i]:.3g} s at t={t[i]:g} (clock reset or two files joined)"
            fix = "split the file there (imu_pushup.recording.split_at_gaps) and analyse each part"
        else:
            problem = f"timestamps go backwards at t={t[i]:g} (after {t[i-1]:g})"
            fix = "sort the rows by t, or split the file where the clock was reset"
        raise TimestampError(problem, source=source, where=f"sample {i}", fix=fix)
    if np.any(dt > CLOCK_JUMP_S):
        i = int(np.flatnonzero(dt > CLOCK_JUMP_S)[0]) + 1
        raise TimestampError(f"the clock jumps forward by {dt[i-1]:.4g} s at t={t[i]:g}, longer than any "
                             f"pause in a set ({CLOCK_JUMP_S:g} s)", source=source, where=f"sample {i}",
                             fix="split the file there (imu_pushup.recording.split_at_gaps) and analyse each part")


#: Fastest sampling rate accepted: wearable IMUs stream at most a few kHz; beyond this the time
#: column is in the wrong unit (and per-sample windows would not fit in memory).
MAX_SAMPLING_RATE_HZ = 10_000.0


def check_sampling_rate(estimated_hz: float, declared_hz: float | None, source: str) -> None:
    """Refuse too low a rate, and a declared rate the timestamps contradict."""
    if declared_hz is not None:
        if not (np.isfinite(declared_hz) and declared_hz > 0):
            raise SamplingRateError(f"declared sampling rate {declared_hz!r} Hz is not a positive number",
                                    source=source, fix="give the rate in Hz or leave it out to estimate it")
        if abs(estimated_hz - declared_hz) > RATE_TOLERANCE * declared_hz:
            raise SamplingRateError(f"declared sampling rate {declared_hz:g} Hz but the timestamps are "
                                    f"{estimated_hz:.4g} Hz apart", source=source,
                                    fix="correct the '# sampling_rate_hz:' line (or leave it out) or the t column")
    rate = min(estimated_hz, declared_hz) if declared_hz is not None else estimated_hz
    if not rate <= MAX_SAMPLING_RATE_HZ:
        raise SamplingRateError(
            f"sampling rate {rate:.3g} Hz is beyond any wearable IMU ({MAX_SAMPLING_RATE_HZ:g} Hz at most)",
            source=source, fix="give t in seconds (not ms, µs or ns)")
    if rate < MIN_SAMPLING_RATE_HZ:
        raise SamplingRateError(
            f"sampling rate {rate:.3g} Hz is below the {MIN_SAMPLING_RATE_HZ:g} Hz the detectors need",
            source=source, fix="record at 25 Hz or more (50-100 Hz recommended); check t is in seconds")


def check_values(df: pd.DataFrame, source: str) -> None:
    """Finite samples, plausible units, a sensor that was worn and working."""
    t = df.index.to_numpy(dtype=float)
    values = df.to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        what = "missing value (NaN)" if np.isnan(values[i, j]) else f"infinite value ({values[i, j]})"
        raise NonFiniteError(f"{what} in column {df.columns[j]} at t={t[i]:g} ({int(bad.sum())} in all)",
                             source=source, where=f"sample {i}", fix="remove or repair non-finite samples")
    check_units(df, source)
    check_worn(df, source)


def check_units(df: pd.DataFrame, source: str) -> None:
    """Refuse data in g, mG or rad/s, with a message saying how to convert.

    Acceleration: the median magnitude must be near 9.81 m/s² (gravity dominates any push-up
    recording). Gyro: the rate at which the gravity direction turns in the sensor frame equals the
    gyro's component across gravity (d g/dt = -omega x g); a gyro that explains that turning far
    better when multiplied by 57.3 is in rad/s.
    """
    acc = df.loc[:, list(ACC_COLUMNS)].to_numpy(dtype=float)
    norm = np.linalg.norm(acc, axis=1)
    med = float(np.median(norm))
    if 0.5 < med < 2.0:
        raise UnitError(f"acceleration looks like g (median magnitude {med:.3g})", source=source,
                        fix="multiply acc_* by 9.80665 to get m/s²")
    if 500 < med < 2000:
        raise UnitError(f"acceleration looks like mG (median magnitude {med:.4g})", source=source,
                        fix="multiply acc_* by 0.00980665 to get m/s²")
    if float(np.max(norm)) < 0.5:
        raise SensorNotWornError("acceleration is near zero throughout: no gravity seen", source=source,
                                 fix="check the sensor was on and that acc_* is specific force, not user acceleration")
    if not (5.0 < med < 15.0):
        raise UnitError(f"acceleration magnitude {med:.3g} is not near gravity (9.81 m/s²)", source=source,
                        fix="acc_* must be in m/s² as specific force (an axis pointing up reads +9.81)")
    if all(c in df.columns for c in GYR_COLUMNS):
        fit = _gyro_unit_fit(df)
        if fit is not None and fit["rad_s_residual"] < RAD_S_RESIDUAL_GROWTH * fit["deg_s_residual"]:
            raise UnitError(f"gyro looks like rad/s (the accelerometer sees it turn {fit['scale']:.0f}x faster "
                            "than gyr_* says in deg/s)", source=source, fix="multiply gyr_* by 57.2958 to get deg/s")


def _gyro_unit_fit(df: pd.DataFrame) -> dict[str, float] | None:
    """How well the gyro explains the turning of gravity, read as deg/s and as rad/s.

    In the sensor frame gravity's direction g changes as dg/dt = -omega x g, whatever the
    orientation. Both readings of the gyro predict that turning; the residual energy of each
    says which unit the data is in. Linear acceleration (walking, a bounce) also moves the
    accelerometer's direction; it adds the same error to both readings, so it cannot make a
    deg/s gyro look like rad/s unless the gyro truly is 57 times too small. None when the
    sensor barely tilts, so the test cannot tell.
    """
    t = df.index.to_numpy(dtype=float)
    if len(t) < 20:
        return None
    acc = df.loc[:, list(ACC_COLUMNS)].to_numpy(dtype=float)
    gyr = np.radians(df.loc[:, list(GYR_COLUMNS)].to_numpy(dtype=float))
    fs = 1.0 / float(np.median(np.diff(t)))
    k = max(1, int(round(0.15 * fs)))  # ~0.15 s moving average: noise down, push-up motion kept
    g = _moving_average(acc, k)
    norm = np.linalg.norm(g, axis=1)
    g /= np.maximum(norm[:, None], 1e-9)
    w = _moving_average(gyr, k)
    dg = np.gradient(g, t, axis=0)            # observed turning of gravity, 1/s
    pred = -np.cross(w, g)                    # what the gyro says it should be, if in deg/s
    moving = np.linalg.norm(dg, axis=1) > np.radians(5.0)  # clearly rotating (> 5 deg/s of tilt)
    moving &= np.abs(norm - np.median(norm)) < UNIT_TEST_ACC_TOLERANCE_M_S2
    if moving.sum() < max(10, int(0.5 * fs)):
        return None
    dg, pred = dg[moving], pred[moving]
    den = float(np.sum(pred * pred))
    scale = float(np.sum(dg * pred)) / den if den > 0 else float("inf")
    return {"scale": scale,
            "deg_s_residual": float(np.sum((dg - pred) ** 2)),
            "rad_s_residual": float(np.sum((dg - DEG_PER_RAD * pred) ** 2))}


def gyro_scale_from_tilt(df: pd.DataFrame) -> float | None:
    """Least-squares factor that maps the gyro (read as deg/s) onto the turning of gravity.

    About 1 when the gyro is in deg/s (linear acceleration and smoothing blur it to roughly
    0.6-1.8), about 57 in rad/s; None when the sensor barely tilts. A diagnostic: the unit check
    itself compares how well each reading explains the turning (see :func:`check_units`).
    """
    fit = _gyro_unit_fit(df)
    return None if fit is None else fit["scale"]


def gyro_to_tilt_rate_ratio(df: pd.DataFrame) -> float | None:
    """Inverse of :func:`gyro_scale_from_tilt`: about 1 in deg/s, 1/57 in rad/s (kept for callers)."""
    scale = gyro_scale_from_tilt(df)
    if scale is None or scale <= 0:
        return None
    return 1.0 / scale


def check_worn(df: pd.DataFrame, source: str) -> None:
    """Refuse a sensor that never moved (not worn, lying on a table) or has a dead axis."""
    if len(df) < 10:
        return
    t = df.index.to_numpy(dtype=float)
    acc = df.loc[:, list(ACC_COLUMNS)].to_numpy(dtype=float)
    span = acc.max(axis=0) - acc.min(axis=0)
    fs = 1.0 / float(np.median(np.diff(t)))
    k = max(1, int(round(0.5 * fs)))
    smooth = _moving_average(acc, k)[k:-k] if len(acc) > 4 * k else acc
    norm = np.linalg.norm(smooth, axis=1)
    direction = smooth / np.maximum(norm[:, None], 1e-9)
    mean_dir = np.median(direction, axis=0)
    mean_dir /= max(float(np.linalg.norm(mean_dir)), 1e-9)
    tilt_deg = float(np.degrees(np.arccos(np.clip(direction @ mean_dir, -1.0, 1.0))).max())
    acc_range = float(np.ptp(norm))
    gyr_ok = True
    gyr_text = ""
    if all(c in df.columns for c in GYR_COLUMNS):
        gyr = df.loc[:, list(GYR_COLUMNS)].to_numpy(dtype=float)
        rate = np.linalg.norm(gyr - np.median(gyr, axis=0), axis=1)
        p99 = float(np.percentile(rate, 99))
        gyr_ok = p99 < STILL_GYR_DEG_S
        gyr_text = f", gyro within {p99:.2g} deg/s"
    if tilt_deg < STILL_TILT_DEG and acc_range < STILL_ACC_RANGE_M_S2 and gyr_ok:
        raise SensorNotWornError(
            f"the sensor never moved (gravity direction within {tilt_deg:.2g} deg, acceleration within "
            f"{acc_range:.2g} m/s²{gyr_text} over {t[-1] - t[0]:.0f} s): not worn or lying still",
            source=source, fix="strap the sensor on firmly and record the set again")
    dead = [c for c, s in zip(ACC_COLUMNS, span) if s == 0]
    if dead:
        raise SensorNotWornError(f"{', '.join(dead)} never changes (a dead axis)", source=source,
                                 fix="check the sensor; a stuck axis cannot be analysed")
    if all(c in df.columns for c in GYR_COLUMNS):
        gspan = np.ptp(df.loc[:, list(GYR_COLUMNS)].to_numpy(dtype=float), axis=0)
        if np.all(gspan == 0):
            raise SensorNotWornError("gyr_* never change while the accelerometer moves: the gyro was off",
                                     source=source, fix="remove the gyr_* columns to analyse the accelerometer alone")


def check_saturation(df: pd.DataFrame, source: str) -> dict[str, int]:
    """Count samples pinned at a full-scale limit; refuse when too many are.

    A limit is an extreme value reached by two or more samples exactly, beyond what any IMU range
    allows to be the limit (1.5 g, 100 deg/s). Returns ``{column: samples}``.
    """
    out: dict[str, int] = {}
    any_sat = np.zeros(len(df), dtype=bool)
    for col in df.columns:
        floor = SATURATION_MIN_ACC_M_S2 if col in ACC_COLUMNS else SATURATION_MIN_GYR_DEG_S
        x = df[col].to_numpy(dtype=float)
        pinned = np.zeros(len(x), dtype=bool)
        for extreme in (x.max(), x.min()):
            if abs(extreme) < floor:
                continue
            at = np.abs(x - extreme) <= 1e-9 * abs(extreme)
            if at.sum() >= 2:
                pinned |= at
        if pinned.any():
            out[str(col)] = int(pinned.sum())
            any_sat |= pinned
    frac = float(any_sat.mean()) if len(df) else 0.0
    if frac > MAX_SATURATED_FRACTION:
        worst = max(out, key=out.get)
        limit = float(np.abs(df[worst].to_numpy(dtype=float)).max())
        unit = "m/s²" if worst in ACC_COLUMNS else "deg/s"
        i = int(np.flatnonzero(any_sat)[0])
        raise SaturationError(f"{100 * frac:.1f}% of samples are clipped at the sensor's limit "
                              f"({worst} at ±{limit:.4g} {unit})", source=source, where=f"sample {i}",
                              fix="record with a larger range (acc ±8 g, gyro ±1000 deg/s)")
    return out


def _moving_average(x: np.ndarray, k: int) -> np.ndarray:
    """Centred moving average of each column over ``k`` samples (edges use the samples there are)."""
    if k <= 1:
        return np.array(x, dtype=float, copy=True)
    from scipy.ndimage import uniform_filter1d
    return uniform_filter1d(np.asarray(x, dtype=float), size=k, axis=0, mode="nearest")


def split_at_gaps(data: "pd.DataFrame | Recording", max_gap_s: float = 10.0, **recording_kwargs: Any) -> list["Recording"]:
    """Split a frame (or recording) at every step longer than ``max_gap_s`` or going backwards.

    The fix for clock jumps and joined files: each part becomes its own validated
    :class:`Recording` (parts with fewer than two samples are dropped). ``recording_kwargs`` go
    to every part (``placement``, ``sensor``, ``source`` ...).
    """
    if isinstance(data, Recording):
        recording_kwargs = {"placement": data.placement, "sensor": data.sensor, "source": data.source,
                            "metadata": dict(data.metadata), **recording_kwargs}
        data = data.data
    df = data.set_index(TIME_COLUMN) if TIME_COLUMN in data.columns else data
    t = np.asarray(df.index, dtype=float)
    dt = np.diff(t)
    cuts = np.flatnonzero((dt > max_gap_s) | (dt < 0)) + 1
    parts = np.split(np.arange(len(t)), cuts)
    return [Recording(df.iloc[idx], **{k: (dict(v) if isinstance(v, dict) else v) for k, v in recording_kwargs.items()})
            for idx in parts if len(idx) >= 2]


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
    t = np.asarray(t, dtype=float)
    acc_m_s2 = np.asarray(acc_m_s2, dtype=float)
    if t.ndim != 1 or acc_m_s2.shape != (len(t), 3):
        raise InputError(f"acc_m_s2 has shape {acc_m_s2.shape}, t has {t.shape}", source=source or None,
                         fix="give t as (n,) and acc_m_s2 (and gyr_deg_s) as (n, 3)")
    if gyr_deg_s is not None and np.shape(gyr_deg_s) != (len(t), 3):
        raise InputError(f"gyr_deg_s has shape {np.shape(gyr_deg_s)}, expected ({len(t)}, 3)",
                         source=source or None, fix="give gyr_deg_s as (n, 3) in deg/s, or None")
    cols: dict[str, np.ndarray] = {c: np.asarray(acc_m_s2, dtype=float)[:, i] for i, c in enumerate(ACC_COLUMNS)}
    if gyr_deg_s is not None:
        cols.update({c: np.asarray(gyr_deg_s, dtype=float)[:, i] for i, c in enumerate(GYR_COLUMNS)})
    df = pd.DataFrame(cols, index=pd.Index(np.asarray(t, dtype=float), name=TIME_COLUMN))
    return Recording(df, placement=placement, sensor=sensor, source=source,
                     sampling_rate_hz=sampling_rate_hz, metadata=dict(metadata or {}))
