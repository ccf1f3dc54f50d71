"""``read(path)``: pick the reader from the file's content, the suffix only as a hint.

Parquet files start with ``PAR1``; a SensorLog export has CoreMotion column names on its first
line; a canonical CSV has ``# key: value`` lines and a ``t,acc_x,...`` header. Anything else
(binary garbage, an empty file, an unknown text format) is a :class:`FormatError` naming the file.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import FormatError
from ..recording import Recording

_SUPPORTED = "give a canonical CSV (t,acc_x,...), a .parquet file or a SensorLog .csv export"


def read(path: str | os.PathLike[str], *, placement: str | None = None, **kwargs: Any) -> Recording:
    """Read a recording in any supported format (canonical CSV, Parquet, SensorLog)."""
    p = Path(path)
    src = str(p)
    if not p.exists():
        raise FormatError("no such file", source=src, fix="check the path")
    if p.is_dir():
        raise FormatError("is a directory, not a recording", source=src, fix="give a file")
    kind = sniff_format(p)
    if kind == "parquet":
        from .parquet import read_parquet
        return read_parquet(p, placement=placement, **kwargs)
    if kind == "sensorlog":
        from .sensorlog import read_sensorlog
        return read_sensorlog(p, placement=placement, **kwargs)
    if kind == "csv":
        from .csv import read_csv
        return read_csv(p, placement=placement, **kwargs)
    if kind == "rawlog":
        raise FormatError("a raw BLE log, not a recording", source=src,
                          fix="rebuild the CSV with 'imu-pushup decode --model MODEL RAW.jsonl -o OUT.csv' "
                              "(or read the .csv written beside it)")
    raise FormatError(kind, source=src, fix=_SUPPORTED)


def sniff_format(p: Path) -> str:
    """``parquet``, ``sensorlog``, ``csv`` or ``rawlog``; otherwise a one-phrase problem."""
    from .textfile import read_head
    try:
        head = read_head(p)
    except OSError as exc:
        return f"cannot open the file ({exc.strerror or exc})"
    if not head:
        return "empty file"
    if head.startswith(b"PAR1"):
        return "parquet"
    if p.suffix.lower() == ".parquet":
        return "not a Parquet file (no PAR1 magic bytes)"
    if b"\x00" in head:
        return "not a text file (binary data)"
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the 8 KiB boundary
            return "not a text file (binary data)"
        text = head[: exc.start].decode("utf-8-sig", errors="ignore")
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    if "accelerometerAccelerationX" in first:
        return "sensorlog"
    if first.lstrip().startswith("{") and ('"hex"' in text or '"model"' in first):
        return "rawlog"
    return "csv"


def write(rec: Recording, path: str | os.PathLike[str], **kwargs: Any) -> None:
    """Write a recording; ``.parquet`` writes Parquet, anything else the canonical CSV."""
    suffix = Path(path).suffix.lower()
    if suffix == ".parquet":
        from .parquet import write_parquet
        return write_parquet(rec, path, **kwargs)
    from .csv import write_csv
    return write_csv(rec, path, **kwargs)
