"""Movesense with the gatt_sensordata_app firmware ("GSP"): IMU6 over one notify characteristic.

Service ``34802252-7185-4d5d-b431-630e7050e8f0``, write ``34800001-…``, notify ``34800002-…``.
Commands ``[00, ref]`` hello, ``[01, ref] + b"/Meas/IMU6/52"`` subscribe, ``[02, ref]`` unsubscribe.
A data notification is ``[02, ref][u32 LE ms, time of the FIRST sample]`` then float32 LE:
N acc samples (m/s², x y z) followed by N gyro samples (deg/s).
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import DecodeError
from .base import Block, FrameDecoder, GattPort, SensorProtocol, need

SERVICE_UUID = "34802252-7185-4d5d-b431-630e7050e8f0"
WRITE_UUID = "34800001-7185-4d5d-b431-630e7050e8f0"
NOTIFY_UUID = "34800002-7185-4d5d-b431-630e7050e8f0"

CODE_RESPONSE = 1
CODE_DATA = 2
RATES_HZ = (13.0, 26.0, 52.0, 104.0, 208.0, 416.0, 833.0, 1666.0)
DATA_REF = 99


def cmd_hello(ref: int = 0) -> bytes:
    return bytes([0, ref])


def cmd_subscribe(rate_hz: float, ref: int = DATA_REF) -> bytes:
    return bytes([1, ref]) + f"/Meas/IMU6/{int(rate_hz)}".encode()


def cmd_unsubscribe(ref: int = DATA_REF) -> bytes:
    return bytes([2, ref])


def decode_data(payload: bytes) -> tuple[int, int, np.ndarray, np.ndarray]:
    """``(ref, t_ms of the first sample, acc (n,3) m/s², gyro (n,3) deg/s)``."""
    need(payload, 6, "Movesense data notification")
    if payload[0] != CODE_DATA:
        raise DecodeError(f"Movesense notification code {payload[0]} is not data (2)")
    body = len(payload) - 6
    if body <= 0 or body % 24:
        raise DecodeError(f"Movesense IMU6 body of {body} bytes is not whole samples (24 bytes each)")
    n = body // 24
    t_ms = struct.unpack_from("<I", payload, 2)[0]
    v = np.frombuffer(bytes(payload), "<f4", 6 * n, 6).astype(float)
    acc, gyr = v[:3 * n].reshape(n, 3), v[3 * n:].reshape(n, 3)
    if not (np.all(np.isfinite(acc)) and np.all(np.isfinite(gyr))):
        raise DecodeError("Movesense notification holds non-finite values")
    return payload[1], t_ms, acc, gyr


def encode_data(ref: int, t_ms: int, acc_m_s2: np.ndarray, gyr_deg_s: np.ndarray) -> bytes:
    return (bytes([CODE_DATA, ref]) + struct.pack("<I", int(t_ms) & 0xFFFFFFFF)
            + np.asarray(acc_m_s2, "<f4").tobytes() + np.asarray(gyr_deg_s, "<f4").tobytes())


class MovesenseDecoder(FrameDecoder):
    """Sample i of a packet is at ``t_ms/1000 + i/rate``; the u32 ms clock is unwrapped."""

    def __init__(self, rate_hz: float) -> None:
        self.rate_hz = rate_hz
        self._wraps = 0
        self._last_ms: int | None = None

    def reset(self) -> None:
        self._last_ms = None

    def feed(self, uuid: str, payload: bytes) -> list[Block]:
        if uuid.lower() != NOTIFY_UUID:
            return []
        if payload and payload[0] == CODE_RESPONSE:
            return []
        _, t_ms, acc, gyr = decode_data(payload)
        if self._last_ms is not None and t_ms < self._last_ms - 2**31:
            self._wraps += 1
        self._last_ms = t_ms
        t0 = (t_ms + self._wraps * 2**32) / 1000.0
        t = t0 + np.arange(len(acc)) / self.rate_hz
        return [Block("imu", acc_m_s2=acc, gyr_deg_s=gyr, t_s=t)]


@dataclass
class MovesenseProtocol(SensorProtocol):
    """Hello, then subscribe to ``/Meas/IMU6/<rate>``."""

    async def configure(self, port: GattPort, rate_hz: float | None = None) -> dict[str, Any]:
        want = float(rate_hz or self.default_rate_hz)
        return {"sampling_rate_hz": min(RATES_HZ, key=lambda r: (abs(r - want), r))}

    async def start(self, port: GattPort, settings: dict[str, Any]) -> None:
        await port.write(WRITE_UUID, cmd_hello(), response=True)
        await port.write(WRITE_UUID, cmd_subscribe(settings["sampling_rate_hz"]), response=True)

    async def stop(self, port: GattPort, settings: dict[str, Any]) -> None:
        await port.write(WRITE_UUID, cmd_unsubscribe(), response=True)

    def decoder(self, settings: dict[str, Any]) -> MovesenseDecoder:
        return MovesenseDecoder(float(settings["sampling_rate_hz"]))


def movesense() -> MovesenseProtocol:
    return MovesenseProtocol(model="movesense", display_name="Movesense", service_uuid=SERVICE_UUID,
                             notify_uuids=(NOTIFY_UUID,), name_prefixes=("Movesense",),
                             has_gyro=True, has_clock=True, default_rate_hz=52.0)
