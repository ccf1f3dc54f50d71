"""Reader for iOS SensorLog CSV exports (CoreMotion accelerometer and gyro).

SensorLog writes one row per logging tick with a column per CoreMotion field. What this reader
knows about the format, and therefore converts at the edge:

- ``accelerometerAcceleration{X,Y,Z}`` are in g with CoreMotion's sign: gravity reads **negative**
  on the axis pointing up. SPEC acceleration is specific force (+9.81 on the up axis), so the values
  are multiplied by ``-9.80665``.
- ``gyroRotation{X,Y,Z}`` are in rad/s in the same right-handed device frame: converted to deg/s,
  sign unchanged.
- Time is ``accelerometerTimestamp_sinceReboot`` (seconds on the phone's monotonic clock). The gyro
  has its own ``gyroTimestamp_sinceReboot``; SensorLog repeats the last gyro sample when no new one
  arrived, so repeated gyro timestamps are collapsed and the gyro is interpolated linearly onto the
  accelerometer times.
- Rows that repeat an earlier accelerometer timestamp exactly are dropped (exact duplicates, or the
  same tick logged twice with other fields changed); rows without accelerometer values are dropped.
  Everything the reader dropped or repaired is counted in ``rec.metadata`` (``sensorlog_*`` keys).

Column names with a unit suffix (``accelerometerAccelerationX(G)``) and ``;``, tab or ``|``
separators, as newer SensorLog versions allow, are accepted too.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ColumnError, FormatError, ImuPushupError, TimestampError
from ..recording import Recording
from .textfile import compression, open_text
from ..units import ACC_COLUMNS, GRAVITY_M_S2, GYR_COLUMNS, TIME_COLUMN, rad_s_to_deg_s

ACC_TIME = "accelerometerTimestamp_sinceReboot"
ACC_FIELDS = ("accelerometerAccelerationX", "accelerometerAccelerationY", "accelerometerAccelerationZ")
GYRO_TIME = "gyroTimestamp_sinceReboot"
GYRO_FIELDS = ("gyroRotationX", "gyroRotationY", "gyroRotationZ")
#: CoreMotion's bias-corrected rate, used when the raw gyro columns were not exported.
MOTION_TIME = "motionTimestamp_sinceReboot"
MOTION_GYRO_FIELDS = ("motionRotationRateX", "motionRotationRateY", "motionRotationRateZ")

#: CoreMotion acceleration (g, gravity negative on the up axis) to SPEC specific force (m/s²).
COREMOTION_ACC_TO_M_S2 = -GRAVITY_M_S2

_FIX = "export from SensorLog as CSV with the accelerometer (and gyro) fields"


def is_sensorlog_header(line: str) -> bool:
    """True when a first CSV line looks like a SensorLog export."""
    return "accelerometerAccelerationX" in line


def read_sensorlog(path: str | os.PathLike[str], placement: str | None = None, *,
                   sensor: str = "iPhone (SensorLog)") -> Recording:
    """Read a SensorLog export as a :class:`Recording` in SPEC units.

    ``placement`` defaults to ``chest``; pass where the phone was worn (``upper_arm`` for an
    armband). See the module docstring for what is converted and what is dropped.
    """
    path = Path(path)
    src = str(path)
    header = _first_line(path, src)
    sep = _sniff_separator(header)
    try:
        raw = pd.read_csv(path, sep=sep, low_memory=False, encoding="utf-8-sig",
                          on_bad_lines="error", compression=compression(path))
    except pd.errors.EmptyDataError:
        raise FormatError("empty file", source=src, where="line 1", fix=_FIX) from None
    except pd.errors.ParserError as exc:
        raise FormatError(f"malformed SensorLog row ({_parser_detail(exc)})", source=src,
                          where=_parser_line(exc), fix="the export is truncated or edited; export it again") from None
    except UnicodeDecodeError:
        raise FormatError("not a text file (binary data)", source=src, fix=_FIX) from None
    raw.columns = [_bare_name(c) for c in raw.columns]
    missing = [c for c in (ACC_TIME,) + ACC_FIELDS if c not in raw.columns]
    if missing:
        raise ColumnError(f"SensorLog export without {', '.join(missing)}", source=src, where="line 1",
                          fix=_FIX)
    if len(raw) == 0:
        raise FormatError("header only, no samples", source=src, where="line 2", fix=_FIX)

    lines = np.arange(len(raw)) + 2  # file line of each row (header is line 1)
    t = _numeric(raw, ACC_TIME, src)
    acc_g = np.column_stack([_numeric(raw, c, src) for c in ACC_FIELDS])
    meta: dict[str, Any] = {"format": "sensorlog", "sensorlog_rows": int(len(raw))}

    # Rows without a timestamp or accelerometer values (SensorLog leaves cells empty when a sensor
    # did not deliver): nothing to keep.
    have = np.isfinite(t) & np.all(np.isfinite(acc_g), axis=1)
    meta["sensorlog_rows_without_acc"] = int((~have).sum())
    # The same accelerometer tick logged again: drop it (keep the first).
    keep = have.copy()
    seen_t = pd.Series(t).where(have)
    dup = seen_t.duplicated(keep="first").to_numpy() & have
    keep &= ~dup
    meta["sensorlog_duplicate_rows_dropped"] = int(dup.sum())
    if keep.sum() < 2:
        raise FormatError("fewer than two accelerometer samples", source=src, fix=_FIX)
    t, acc_g, lines = t[keep], acc_g[keep], lines[keep]

    # Small backwards steps (logging jitter, at most a sample period) are sorted; a larger one
    # means the clock was reset or files were concatenated: refuse with the line.
    dt = np.diff(t)
    if np.any(dt < 0):
        period = float(np.median(dt[dt > 0])) if np.any(dt > 0) else 0.0
        i = int(np.argmin(dt))
        if -dt[i] > period:
            raise TimestampError(
                f"{ACC_TIME} goes back by {-dt[i]:.3f} s (the phone's clock was reset or files were joined)",
                source=src, where=f"line {lines[i + 1]}", fix="split the export at that line")
        order = np.argsort(t, kind="stable")
        meta["sensorlog_rows_reordered"] = int((order != np.arange(len(t))).sum())
        t, acc_g, lines = t[order], acc_g[order], lines[order]

    data: dict[str, np.ndarray] = {c: acc_g[:, i] * COREMOTION_ACC_TO_M_S2 for i, c in enumerate(ACC_COLUMNS)}
    gyr = _gyro_on_acc_times(raw, keep, t, meta, src)
    if gyr is not None:
        data.update({c: gyr[:, i] for i, c in enumerate(GYR_COLUMNS)})
    logging_time = raw["loggingTime"].iloc[0] if "loggingTime" in raw.columns else None
    if isinstance(logging_time, str):
        meta["start_time"] = logging_time.strip()

    df = pd.DataFrame(data, index=pd.Index(t, name=TIME_COLUMN))
    try:
        return Recording(df, placement=placement or "chest", sensor=sensor, source=src, metadata=meta)
    except ImuPushupError as exc:
        if exc.where and exc.where.startswith("sample "):
            k = int(exc.where.split()[1])
            if 0 <= k < len(lines):
                exc.where = f"line {lines[k]}"
        raise exc.located(source=src)


def _gyro_on_acc_times(raw: pd.DataFrame, keep: np.ndarray, t_acc: np.ndarray,
                       meta: dict[str, Any], src: str) -> np.ndarray | None:
    """Gyro in deg/s interpolated onto the accelerometer times, or None when not exported."""
    if GYRO_TIME in raw.columns and all(c in raw.columns for c in GYRO_FIELDS):
        time_col, fields, meta["gyro_source"] = GYRO_TIME, GYRO_FIELDS, "gyroRotation"
    elif MOTION_TIME in raw.columns and all(c in raw.columns for c in MOTION_GYRO_FIELDS):
        time_col, fields, meta["gyro_source"] = MOTION_TIME, MOTION_GYRO_FIELDS, "motionRotationRate"
    else:
        return None
    tg = _numeric(raw, time_col, src)
    g = np.column_stack([_numeric(raw, c, src) for c in fields])
    ok = np.isfinite(tg) & np.all(np.isfinite(g), axis=1)
    tg, g = tg[ok], g[ok]
    # SensorLog repeats the latest gyro sample on ticks without a new one: keep each timestamp once.
    tg_unique, first = np.unique(tg, return_index=True)
    meta["sensorlog_gyro_repeats_collapsed"] = int(len(tg) - len(tg_unique))
    if len(tg_unique) < 2:
        meta.pop("gyro_source")
        meta["sensorlog_gyro_dropped"] = "fewer than two gyro samples"
        return None
    g = g[first]
    outside = (t_acc < tg_unique[0]) | (t_acc > tg_unique[-1])
    meta["sensorlog_gyro_held_at_edges"] = int(outside.sum())
    out = np.column_stack([np.interp(t_acc, tg_unique, g[:, i]) for i in range(3)])
    return rad_s_to_deg_s(out)


def _numeric(raw: pd.DataFrame, column: str, src: str) -> np.ndarray:
    """A column as float; a cell that is neither a number nor empty is an error naming its line."""
    col = raw[column]
    values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(values) & col.notna().to_numpy() & (col.astype(str).str.strip() != "").to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ColumnError(f"{column} is not a number: {str(col.iloc[i])[:20]!r}", source=src,
                          where=f"line {i + 2}", fix="the export is corrupt; export it again")
    return values


def _first_line(path: Path, src: str) -> str:
    try:
        with open_text(path) as fh:
            line = fh.readline()
    except (UnicodeDecodeError, EOFError, OSError):
        raise FormatError("not a text file (binary data)", source=src, fix=_FIX) from None
    if not line.strip():
        raise FormatError("empty file", source=src, where="line 1", fix=_FIX)
    return line


def _sniff_separator(header: str) -> str:
    counts = {s: header.count(s) for s in (",", ";", "\t", "|")}
    return max(counts, key=counts.get)


def _bare_name(name: Any) -> str:
    """``accelerometerAccelerationX(G)`` -> ``accelerometerAccelerationX``."""
    return re.sub(r"\s*\(.*\)\s*$", "", str(name).strip())


def _parser_line(exc: Exception) -> str | None:
    m = re.search(r"line (\d+)", str(exc))
    return f"line {m.group(1)}" if m else None


def _parser_detail(exc: Exception) -> str:
    return " ".join(str(exc).split())[:120]


__all__ = ["read_sensorlog", "is_sensorlog_header"]
