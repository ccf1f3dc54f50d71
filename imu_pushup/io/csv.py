"""The canonical recording CSV (SPEC): ``# key: value`` header lines, then ``t,acc_x,...``."""
from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ColumnError, FormatError, ImuPushupError
from ..recording import Recording
from ..units import SENSOR_COLUMNS, TIME_COLUMN

#: Metadata keys that map onto Recording attributes rather than free metadata.
_ATTR_KEYS = ("placement", "sensor", "sampling_rate_hz")


def format_header(rec: Recording) -> str:
    """The ``# key: value`` lines for a recording (placement, sensor, rate, then metadata)."""
    lines = [f"# placement: {rec.placement}"]
    if rec.sensor:
        lines.append(f"# sensor: {rec.sensor}")
    lines.append(f"# sampling_rate_hz: {rec.sampling_rate_hz:.6g}")
    for k, v in rec.metadata.items():
        if k in _ATTR_KEYS:
            continue
        lines.append(f"# {k}: {' '.join(str(v).split())}")
    return "\n".join(lines) + "\n"


def format_rows(t: np.ndarray, values: np.ndarray) -> str:
    """CSV rows: time with 6 decimals, values with up to 7 significant digits (repr-stable)."""
    buf = io.StringIO()
    for ti, row in zip(t, values):
        buf.write(f"{ti:.6f}," + ",".join(f"{v:.7g}" for v in row) + "\n")
    return buf.getvalue()


def write_csv(rec: Recording, path: str | os.PathLike[str]) -> None:
    """Write ``rec`` as a canonical CSV."""
    cols = [c for c in SENSOR_COLUMNS if c in rec.data.columns]
    with open(path, "w", newline="") as fh:
        fh.write(format_header(rec))
        fh.write(",".join([TIME_COLUMN] + cols) + "\n")
        fh.write(format_rows(rec.t, rec.data[cols].to_numpy(dtype=float)))


def read_csv(path: str | os.PathLike[str], *, placement: str | None = None, **kwargs: Any) -> Recording:
    """Read a canonical CSV; ``placement`` overrides the file's ``# placement:`` header."""
    path = Path(path)
    src = str(path)
    meta: dict[str, str] = {}
    header_lines = 0
    try:
        with open(path, "r", newline="") as fh:
            for line in fh:
                if line.startswith("#"):
                    header_lines += 1
                    key, sep, value = line[1:].partition(":")
                    if sep:
                        meta[key.strip()] = value.strip()
                    continue
                break
    except UnicodeDecodeError:
        raise FormatError("not a text file (binary data)", source=src,
                          fix="give a canonical CSV, Parquet or SensorLog file") from None
    try:
        df = pd.read_csv(path, skiprows=header_lines, dtype=float, engine="c")
    except pd.errors.EmptyDataError:
        raise FormatError("no data: the file is empty after its header", source=src,
                          where=f"line {header_lines + 1}", fix="record again or pick another file") from None
    except ValueError as exc:
        raise ColumnError(f"a value is not a number ({_first_bad(path, header_lines)})", source=src,
                          fix="every value after the header must be a number") from None
    except UnicodeDecodeError:
        raise FormatError("not a text file (binary data)", source=src,
                          fix="give a canonical CSV, Parquet or SensorLog file") from None
    if TIME_COLUMN not in df.columns:
        raise ColumnError(f"no 't' column (header is {','.join(map(str, df.columns))})", source=src,
                          where=f"line {header_lines + 1}",
                          fix="the header must be t,acc_x,acc_y,acc_z[,gyr_x,gyr_y,gyr_z]")
    if len(df) == 0:
        raise FormatError("header only, no samples", source=src, where=f"line {header_lines + 2}",
                          fix="record again or pick another file")
    rate = meta.pop("sampling_rate_hz", None)
    sensor = meta.pop("sensor", "")
    file_placement = meta.pop("placement", None)
    try:
        return Recording(df.set_index(TIME_COLUMN), placement=placement or file_placement or "chest",
                         sensor=sensor, source=src,
                         sampling_rate_hz=float(rate) if rate else None, metadata=meta)
    except ImuPushupError as exc:
        # Sample k is on line header_lines + 2 + k.
        if exc.where and exc.where.startswith("sample "):
            k = int(exc.where.split()[1])
            exc.where = f"line {header_lines + 2 + k}"
        raise exc.located(source=src)


def _first_bad(path: Path, header_lines: int) -> str:
    """Locate the first non-numeric cell for the error message."""
    with open(path, "r", newline="") as fh:
        for lineno, line in enumerate(fh, start=1):
            if lineno <= header_lines + 1:
                continue
            for cell in line.rstrip("\r\n").split(","):
                try:
                    float(cell)
                except ValueError:
                    return f"line {lineno}: {cell[:20]!r}"
    return "unknown line"
