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
from .textfile import compression, open_text
from ..units import ACC_COLUMNS, GYR_COLUMNS, SENSOR_COLUMNS, TIME_COLUMN

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
    """Write ``rec`` as a canonical CSV (gzip-compressed when the name ends in ``.gz``)."""
    cols = [c for c in SENSOR_COLUMNS if c in rec.data.columns]
    if str(path).lower().endswith(".gz"):
        import gzip
        fh_ctx = gzip.open(path, "wt", newline="", compresslevel=6)
    else:
        fh_ctx = open(path, "w", newline="")
    with fh_ctx as fh:
        fh.write(format_header(rec))
        fh.write(",".join([TIME_COLUMN] + cols) + "\n")
        fh.write(format_rows(rec.t, rec.data[cols].to_numpy(dtype=float)))


#: Rows parsed at a time: a long file is read in chunks, so a broken row far in fails fast.
CHUNK_ROWS = 500_000

_FIX_HEADER = "the header must be t,acc_x,acc_y,acc_z[,gyr_x,gyr_y,gyr_z]"


def read_header(path: str | os.PathLike[str]) -> tuple[dict[str, str], int, list[str]]:
    """The ``# key: value`` metadata, the number of ``#`` lines and the column names."""
    src = str(path)
    meta: dict[str, str] = {}
    header_lines = 0
    columns: list[str] = []
    try:
        with open_text(path) as fh:
            for line in fh:
                if "\x00" in line:
                    raise FormatError("not a text file (binary data)", source=src,
                                      where=f"line {header_lines + 1}", fix="give a canonical CSV, Parquet or SensorLog file")
                if line.startswith("#"):
                    header_lines += 1
                    key, sep, value = line[1:].partition(":")
                    if sep:
                        meta[key.strip()] = value.strip()
                    continue
                columns = [c.strip() for c in line.rstrip("\r\n").split(",")]
                break
    except UnicodeDecodeError:
        raise FormatError("not a text file (binary data)", source=src,
                          fix="give a canonical CSV, Parquet or SensorLog file") from None
    except (EOFError, OSError):
        raise FormatError("the gzip-compressed data is truncated or corrupt", source=src,
                          fix="copy or export the file again") from None
    return meta, header_lines, columns


def read_csv(path: str | os.PathLike[str], *, placement: str | None = None,
             chunk_rows: int = CHUNK_ROWS, **kwargs: Any) -> Recording:
    """Read a canonical CSV; ``placement`` overrides the file's ``# placement:`` header.

    Errors name the file and the line (``line 1`` is the first line of the file).
    """
    path = Path(path)
    src = str(path)
    meta, header_lines, columns = read_header(path)
    col_line = header_lines + 1
    if not columns or columns == [""]:
        raise FormatError("no data: the file is empty" + (" after its header" if header_lines else ""),
                          source=src, where=f"line {col_line}", fix="record again or pick another file")
    _check_columns(columns, src, col_line)
    frames: list[pd.DataFrame] = []
    try:
        reader = pd.read_csv(path, skiprows=header_lines, dtype=float, engine="c", chunksize=chunk_rows,
                             encoding="utf-8-sig", skipinitialspace=True, compression=compression(path))
        for chunk in reader:
            frames.append(chunk)
    except pd.errors.EmptyDataError:
        raise FormatError("no data: the file is empty after its header", source=src,
                          where=f"line {col_line}", fix="record again or pick another file") from None
    except pd.errors.ParserError:
        lineno, n = _first_ragged(path, col_line, len(columns))
        raise ColumnError(f"{n} fields where the header has {len(columns)}", source=src, where=f"line {lineno}",
                          fix="every row needs one value per column (a truncated or hand-edited file?)") from None
    except ValueError:
        lineno, cell = _first_bad(path, header_lines)
        raise ColumnError(f"a value is not a number: {cell!r}", source=src, where=f"line {lineno}",
                          fix="every value after the header must be a number") from None
    except UnicodeDecodeError:
        raise FormatError("not a text file (binary data)", source=src,
                          fix="give a canonical CSV, Parquet or SensorLog file") from None
    except (EOFError, OSError):
        raise FormatError("the gzip-compressed data is truncated or corrupt", source=src,
                          fix="copy or export the file again") from None
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    df.columns = [str(c).strip() for c in df.columns]
    if df.isna().to_numpy().any():
        # pandas fills short rows with NaN: name a truncated or short row for what it is.
        first_nan = int(np.flatnonzero(df.isna().to_numpy().any(axis=1))[0])
        lineno, n = _first_ragged(path, col_line, len(columns))
        if n != len(columns) and lineno <= col_line + 1 + first_nan:
            last = lineno == col_line + len(df)
            raise ColumnError(f"{n} fields where the header has {len(columns)}"
                              + (" (the file ends in the middle of a row)" if last else ""),
                              source=src, where=f"line {lineno}",
                              fix="delete the incomplete row" if last else
                              "every row needs one value per column (a truncated or hand-edited file?)")
    if len(df) == 0:
        raise FormatError("header only, no samples", source=src, where=f"line {col_line + 1}",
                          fix="record again or pick another file")
    rate = meta.pop("sampling_rate_hz", None)
    sensor = meta.pop("sensor", "")
    file_placement = meta.pop("placement", None)
    try:
        rate_hz = float(rate) if rate else None
    except ValueError:
        raise FormatError(f"'# sampling_rate_hz: {rate}' is not a number", source=src,
                          fix="write the rate in Hz, e.g. '# sampling_rate_hz: 100'") from None
    try:
        return Recording(df.set_index(TIME_COLUMN), placement=placement or file_placement or "chest",
                         sensor=sensor, source=src, sampling_rate_hz=rate_hz, metadata=meta)
    except ImuPushupError as exc:
        # Sample k is on line header_lines + 2 + k.
        if exc.where and exc.where.startswith("sample "):
            k = int(exc.where.split()[1])
            exc.where = f"line {header_lines + 2 + k}"
        raise exc.located(source=src)


def _check_columns(columns: list[str], src: str, lineno: int) -> None:
    """Missing, unknown or repeated column names, before any data is parsed."""
    where = f"line {lineno}"
    if TIME_COLUMN not in columns:
        try:
            [float(c) for c in columns]
            problem = "no column header (the first line holds numbers)"
        except ValueError:
            problem = f"no 't' column (header is {','.join(columns)[:80]})"
        raise ColumnError(problem, source=src, where=where, fix=_FIX_HEADER)
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise ColumnError(f"repeated column(s) {', '.join(repeated)}", source=src, where=where, fix=_FIX_HEADER)
    missing = [c for c in ACC_COLUMNS if c not in columns]
    if missing:
        raise ColumnError(f"missing column(s) {', '.join(missing)}", source=src, where=where, fix=_FIX_HEADER)
    gyr = [c for c in GYR_COLUMNS if c in columns]
    if gyr and len(gyr) != len(GYR_COLUMNS):
        raise ColumnError(f"only some gyro columns ({', '.join(gyr)})", source=src, where=where,
                          fix="give all of gyr_x,gyr_y,gyr_z or none")
    unknown = [c for c in columns if c != TIME_COLUMN and c not in SENSOR_COLUMNS]
    if unknown:
        raise ColumnError(f"unexpected column(s) {', '.join(unknown)}", source=src, where=where,
                          fix="keep only t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z (metadata goes in '# key: value' lines)")


def _first_ragged(path: Path, col_line: int, n_columns: int) -> tuple[int, int]:
    """The first data line whose field count differs from the header's."""
    with open_text(path) as fh:
        for lineno, line in enumerate(fh, start=1):
            if lineno <= col_line:
                continue
            n = len(line.rstrip("\r\n").split(","))
            if n != n_columns and line.strip():
                return lineno, n
    return col_line + 1, n_columns


def _first_bad(path: Path, header_lines: int) -> tuple[int, str]:
    """Locate the first non-numeric cell for the error message."""
    with open_text(path) as fh:
        for lineno, line in enumerate(fh, start=1):
            if lineno <= header_lines + 1:
                continue
            for cell in line.rstrip("\r\n").split(","):
                try:
                    float(cell)
                except ValueError:
                    if cell.strip():
                        return lineno, cell[:20]
    return header_lines + 2, "?"
