"""What every sensor protocol module offers: a stateful frame decoder and the start-up dialogue.

Decoders are pure over bytes: ``FrameDecoder.feed(uuid, payload)`` returns :class:`Block` objects
in SPEC units (acc m/s², gyro deg/s) with sample times on the device clock in seconds, or raises
:class:`~imu_pushup.errors.DecodeError` for a malformed packet (the caller counts and skips it).
Nothing here touches Bluetooth: :class:`GattPort` is the small interface the link layer provides.
"""
from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from ...errors import DecodeError


@dataclass
class Block:
    """Samples decoded from one notification.

    ``t_s`` are device-clock times in seconds (None for sensors without a clock, whose samples are
    timed from a counter and the nominal rate). ``kind`` is ``"acc"``, ``"gyr"`` or ``"imu"`` (both).
    """

    kind: str
    acc_m_s2: np.ndarray | None = None
    gyr_deg_s: np.ndarray | None = None
    t_s: np.ndarray | None = None
    seq: int | None = None

    @property
    def n(self) -> int:
        arr = self.acc_m_s2 if self.acc_m_s2 is not None else self.gyr_deg_s
        return 0 if arr is None else len(arr)


class GattPort(Protocol):
    """The link layer's side of a connected device, as the start-up dialogue needs it."""

    async def read(self, uuid: str) -> bytes: ...

    async def write(self, uuid: str, data: bytes, *, response: bool) -> None: ...

    async def response(self, uuid: str, timeout_s: float = 5.0) -> bytes:
        """The next notification or indication received on ``uuid`` (control-point answers)."""
        ...


class FrameDecoder(abc.ABC):
    """Turns the notifications of one device into :class:`Block` objects, keeping what it must
    remember between packets (previous timestamps, stream buffers, factors)."""

    @abc.abstractmethod
    def feed(self, uuid: str, payload: bytes) -> list[Block]:
        """Decode one notification; raise DecodeError when it is malformed."""

    def reset(self) -> None:
        """Forget per-connection state (called after a reconnection)."""


@dataclass
class SensorProtocol(abc.ABC):
    """One supported sensor model: how to recognise it, start it and decode it."""

    model: str = ""
    display_name: str = ""
    service_uuid: str = ""
    notify_uuids: tuple[str, ...] = ()
    name_prefixes: tuple[str, ...] = ()
    has_gyro: bool = True
    has_clock: bool = True
    default_rate_hz: float = 50.0
    options: dict[str, Any] = field(default_factory=dict)

    def recognises(self, name: str | None, service_uuids: list[str] | tuple[str, ...] = ()) -> bool:
        """True when an advertisement (local name, service UUIDs) looks like this model."""
        if name and any(name.startswith(p) for p in self.name_prefixes):
            return True
        return self.service_uuid.lower() in {u.lower() for u in service_uuids}

    @abc.abstractmethod
    async def configure(self, port: GattPort, rate_hz: float | None = None) -> dict[str, Any]:
        """Ask the device what it supports and choose settings; return them (they go in the raw
        log's first line and the CSV header). Sends nothing that starts the stream."""

    @abc.abstractmethod
    async def start(self, port: GattPort, settings: dict[str, Any]) -> None:
        """Start streaming (called after notifications are enabled)."""

    async def stop(self, port: GattPort, settings: dict[str, Any]) -> None:
        """Stop streaming (best effort)."""

    @abc.abstractmethod
    def decoder(self, settings: dict[str, Any]) -> FrameDecoder:
        """A fresh decoder for a stream started with ``settings``."""


def need(payload: bytes, n: int, what: str) -> None:
    """Raise DecodeError unless ``payload`` holds at least ``n`` bytes."""
    if len(payload) < n:
        raise DecodeError(f"{what}: {len(payload)} bytes, need at least {n}",
                          fix="the packet was truncated; it is skipped")
