"""The canonical CSV written while the data arrives: the header from the device settings (the raw
log's first line), then rows appended and flushed with every packet."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..io.csv import format_header, format_rows
from ..units import ACC_COLUMNS, GYR_COLUMNS, TIME_COLUMN
from .assemble import Rows
from .sensors import protocol


@dataclass
class _HeaderInfo:
    """What :func:`imu_pushup.io.csv.format_header` reads from a recording."""

    placement: str
    sensor: str
    sampling_rate_hz: float
    metadata: dict[str, Any] = field(default_factory=dict)


def csv_header(header: dict[str, Any]) -> str:
    """The CSV's header lines and column line, from the raw log's first line alone."""
    proto = protocol(header["model"])
    meta = {"model": header["model"]}
    if header.get("name"):
        meta["device"] = header["name"]
    info = _HeaderInfo(placement=header.get("placement", "chest"),
                       sensor=header.get("sensor") or proto.display_name,
                       sampling_rate_hz=float(header["sampling_rate_hz"]), metadata=meta)
    cols = [TIME_COLUMN, *ACC_COLUMNS, *(GYR_COLUMNS if proto.has_gyro else ())]
    return format_header(info) + ",".join(cols) + "\n"  # type: ignore[arg-type]


class CsvSink:
    """Appends rows to the canonical CSV, flushing each write (a crash loses nothing written)."""

    def __init__(self, path: str | os.PathLike[str], header: dict[str, Any]) -> None:
        self.path = Path(path)
        self._fh = open(self.path, "w", newline="", encoding="utf-8")
        self._fh.write(csv_header(header))
        self._fh.flush()
        self.rows = 0

    def write(self, rows: Rows) -> None:
        if len(rows):
            self._fh.write(format_rows(rows.t, rows.values))
            self._fh.flush()
            self.rows += len(rows)

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()

    def __enter__(self) -> "CsvSink":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
