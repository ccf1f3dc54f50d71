"""Parquet read and write (pyarrow): the canonical columns, metadata in the schema.

A file holds ``t`` (float64 seconds) and the SPEC sensor columns (float64, SPEC units). The
recording's placement, sensor, sampling rate and free metadata live in the schema's key-value
metadata under the key ``imu_pushup`` as one JSON object, so any Parquet tool shows the data and
round-trips keep everything. Files without that key (written by pandas or another tool) are read
too, with the placement from ``placement=`` or ``chest``.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ColumnError, FormatError, ImuPushupError
from ..recording import Recording
from ..units import SENSOR_COLUMNS, TIME_COLUMN

#: Schema metadata key holding the recording's attributes as JSON.
METADATA_KEY = b"imu_pushup"
#: Version of the metadata object, so later readers can tell what they get.
METADATA_SCHEMA = "imu-pushup/recording@1"


def _pyarrow():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - depends on the installed extras
        raise FormatError("reading and writing Parquet needs pyarrow",
                          fix="pip install 'imu-pushup[parquet]'") from None
    return pa, pq


def write_parquet(rec: Recording, path: str | os.PathLike[str], *, compression: str = "zstd") -> None:
    """Write ``rec`` to a Parquet file (lossless: float64 columns)."""
    pa, pq = _pyarrow()
    cols = [c for c in SENSOR_COLUMNS if c in rec.data.columns]
    arrays = [pa.array(rec.t, type=pa.float64())]
    arrays += [pa.array(rec.data[c].to_numpy(dtype=float), type=pa.float64()) for c in cols]
    info = {
        "schema": METADATA_SCHEMA,
        "placement": rec.placement,
        "sensor": rec.sensor,
        "sampling_rate_hz": rec.sampling_rate_hz,
        "metadata": {str(k): _jsonable(v) for k, v in rec.metadata.items()},
    }
    schema = pa.schema([pa.field(TIME_COLUMN, pa.float64())] + [pa.field(c, pa.float64()) for c in cols],
                       metadata={METADATA_KEY: json.dumps(info).encode()})
    table = pa.Table.from_arrays(arrays, schema=schema)
    pq.write_table(table, str(path), compression=compression)


def read_parquet(path: str | os.PathLike[str], *, placement: str | None = None, **_: Any) -> Recording:
    """Read a Parquet recording; ``placement`` overrides the stored one."""
    pa, pq = _pyarrow()
    src = str(Path(path))
    try:
        table = pq.read_table(src)
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as exc:
        raise FormatError(f"not a readable Parquet file ({' '.join(str(exc).split())[:100]})", source=src,
                          fix="give a Parquet file written by imu-pushup or pandas, or a canonical CSV") from None
    info: dict[str, Any] = {}
    raw_meta = (table.schema.metadata or {}).get(METADATA_KEY)
    if raw_meta:
        try:
            info = json.loads(raw_meta)
        except ValueError:
            raise FormatError("the 'imu_pushup' schema metadata is not JSON", source=src,
                              fix="rewrite the file with imu_pushup.write") from None
        if not isinstance(info, dict):
            raise FormatError("the 'imu_pushup' schema metadata is not a JSON object", source=src,
                              fix="rewrite the file with imu_pushup.write")
    names = list(table.column_names)
    if TIME_COLUMN not in names:
        raise ColumnError(f"no 't' column (columns are {', '.join(names)})", source=src,
                          fix="store time in seconds as a column named 't'")
    data: dict[str, np.ndarray] = {}
    for name in names:
        col = table.column(name)
        if not (pa.types.is_floating(col.type) or pa.types.is_integer(col.type)):
            raise ColumnError(f"column {name} is {col.type}, not numeric", source=src,
                              fix="every column must hold numbers")
        if col.null_count:
            raise ColumnError(f"column {name} has {col.null_count} missing value(s)", source=src,
                              fix="remove or repair the rows with missing values")
        data[name] = col.to_numpy().astype(float)
    df = pd.DataFrame(data).set_index(TIME_COLUMN)
    rate = info.get("sampling_rate_hz")
    try:
        return Recording(df, placement=placement or info.get("placement") or "chest",
                         sensor=str(info.get("sensor") or ""), source=src,
                         sampling_rate_hz=float(rate) if rate else None,
                         metadata=dict(info.get("metadata") or {}))
    except ImuPushupError as exc:
        if exc.where and exc.where.startswith("sample "):
            exc.where = f"row {exc.where.split()[1]}"
        raise exc.located(source=src)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (np.generic,)):
        return value.item()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)
