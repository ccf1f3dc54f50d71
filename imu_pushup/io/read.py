"""``read(path)``: pick the reader from the file's suffix and content."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import FormatError
from ..recording import Recording


def read(path: str | os.PathLike[str], *, placement: str | None = None, **kwargs: Any) -> Recording:
    """Read a recording in any supported format."""
    p = Path(path)
    if not p.exists():
        raise FormatError("no such file", source=str(p), fix="check the path")
    if p.is_dir():
        raise FormatError("is a directory, not a recording", source=str(p), fix="give a file")
    suffix = p.suffix.lower()
    if suffix == ".parquet":
        from .parquet import read_parquet
        return read_parquet(p, placement=placement, **kwargs)
    if suffix == ".csv":
        if _is_sensorlog(p):
            from .sensorlog import read_sensorlog
            return read_sensorlog(p, placement=placement, **kwargs)
        from .csv import read_csv
        return read_csv(p, placement=placement, **kwargs)
    raise FormatError(f"unsupported file type {suffix or '(none)'!r}", source=str(p),
                      fix="give a canonical .csv, a .parquet or a SensorLog .csv export")


def write(rec: Recording, path: str | os.PathLike[str], **kwargs: Any) -> None:
    """Write a recording; the format follows the suffix."""
    suffix = Path(path).suffix.lower()
    if suffix == ".parquet":
        from .parquet import write_parquet
        return write_parquet(rec, path, **kwargs)
    from .csv import write_csv
    return write_csv(rec, path, **kwargs)


def _is_sensorlog(p: Path) -> bool:
    try:
        with open(p, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return b"accelerometerAccelerationX" in head
