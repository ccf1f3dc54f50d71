"""The raw BLE log (SPEC): JSON Lines, a first line describing device and settings, then one
object per GATT notification or control-point answer ``{"t_host", "uuid", "hex"}``, flushed as it
arrives so a crash loses nothing already received. Connection events are lines with ``"event"``
(``disconnected``, ``connected``) so a decoder knows where the stream restarted.
"""
from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from ..errors import DecodeError, FormatError

SCHEMA = "imu-pushup/rawlog@1"


class RawLogWriter:
    """Appends packets as they arrive. Packets seen before :meth:`write_header` are held back and
    written right after the first line (the settings are known only after the device answered)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._fh = open(self.path, "w", encoding="utf-8", newline="\n")
        self._pending: list[str] = []
        self._has_header = False
        self.packets = 0

    def write_header(self, header: dict[str, Any]) -> None:
        if self._has_header:
            return
        self._fh.write(json.dumps({"schema": SCHEMA, **header}, sort_keys=False) + "\n")
        self._has_header = True
        for line in self._pending:
            self._fh.write(line)
        self._pending.clear()
        self._fh.flush()

    def _line(self, obj: dict[str, Any]) -> None:
        line = json.dumps(obj, separators=(",", ":")) + "\n"
        if not self._has_header:
            self._pending.append(line)
            return
        self._fh.write(line)
        self._fh.flush()

    def packet(self, t_host: float, uuid: str, payload: bytes) -> None:
        """One notification or indication, with its host arrival time (monotonic seconds)."""
        self.packets += 1
        self._line({"t_host": round(t_host, 6), "uuid": uuid.lower(), "hex": bytes(payload).hex()})

    def event(self, t_host: float, name: str, **data: Any) -> None:
        """A connection event (``disconnected``, ``connected``)."""
        self._line({"t_host": round(t_host, 6), "event": name, **data})

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.flush()
            self._fh.close()

    def __enter__(self) -> "RawLogWriter":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


@dataclass
class RawEntry:
    """One line after the first: a packet (``uuid`` and ``payload``) or an ``event``."""

    t_host: float
    uuid: str | None = None
    payload: bytes = b""
    event: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class RawLog:
    header: dict[str, Any]
    path: Path

    def entries(self) -> Iterator[RawEntry]:
        """Stream the entries. A truncated last line (a crash mid-write) is skipped with a warning;
        a broken line elsewhere raises DecodeError naming it."""
        src = str(self.path)
        with open(self.path, "r", encoding="utf-8", errors="strict", newline="\n") as fh:
            fh.readline()
            lineno = 1
            pending_error: DecodeError | None = None
            for line in fh:
                lineno += 1
                if pending_error is not None:
                    raise pending_error
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                    if not isinstance(obj, dict):
                        raise ValueError("not an object")
                    t_host = float(obj["t_host"])
                    if "event" in obj:
                        yield RawEntry(t_host, event=str(obj["event"]),
                                       data={k: v for k, v in obj.items() if k not in ("t_host", "event")})
                        continue
                    entry = RawEntry(t_host, uuid=str(obj["uuid"]).lower(), payload=bytes.fromhex(obj["hex"]))
                except (ValueError, KeyError, TypeError) as exc:
                    err = DecodeError(f"broken raw-log entry ({type(exc).__name__}: {str(exc)[:60]})",
                                      source=src, where=f"line {lineno}",
                                      fix="repair or delete that line")
                    if line.endswith("\n"):
                        pending_error = err
                        continue
                    warnings.warn(f"{src}: line {lineno}: truncated last entry skipped", stacklevel=2)
                    return
                yield entry
            if pending_error is not None:
                # The broken line was the last one: a crash mid-write. Skip it.
                warnings.warn(f"{src}: line {lineno}: broken last entry skipped", stacklevel=2)


def read_rawlog(path: str | os.PathLike[str]) -> RawLog:
    """Open a raw log and parse its first line."""
    p = Path(path)
    src = str(p)
    if not p.exists():
        raise FormatError("no such file", source=src, fix="check the path")
    try:
        with open(p, "r", encoding="utf-8") as fh:
            first = fh.readline()
    except UnicodeDecodeError:
        raise FormatError("not a raw BLE log (binary data)", source=src,
                          fix="give the .raw.jsonl file written by 'imu-pushup record'") from None
    if not first.strip():
        raise FormatError("empty raw log", source=src, where="line 1",
                          fix="give the .raw.jsonl file written by 'imu-pushup record'")
    try:
        header = json.loads(first)
    except ValueError:
        raise FormatError("first line is not JSON", source=src, where="line 1",
                          fix="give the .raw.jsonl file written by 'imu-pushup record'") from None
    if not isinstance(header, dict) or "model" not in header:
        raise FormatError("first line does not describe a device (no 'model')", source=src, where="line 1",
                          fix="give the .raw.jsonl file written by 'imu-pushup record'")
    rate = header.get("sampling_rate_hz")
    if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not rate > 0:
        raise FormatError("first line has no valid 'sampling_rate_hz' (the device settings are missing)",
                          source=src, where="line 1",
                          fix="the log is incomplete: record again, or add the sensor's settings to its first line")
    return RawLog(header, p)
