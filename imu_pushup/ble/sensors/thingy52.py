"""Nordic Thingy:52 motion service: raw accelerometer and gyroscope, no timestamp.

Motion service ``EF680400-9B35-4933-9B10-52FFA9740042``; configuration ``EF680401`` (9 bytes:
step-counter interval u16, temperature-compensation interval u16, magnetometer-compensation
interval u16, motion processing frequency u16 at bytes 6-7 (1-200 Hz), wake-on-motion u8);
raw data ``EF680406``: 9 × int16 LE, acc Q6.10 (/1024 g), gyro Q11.5 (/32 deg/s), compass Q12.4.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import DecodeError
from ...units import GRAVITY_M_S2
from .base import Block, FrameDecoder, GattPort, SensorProtocol

SERVICE_UUID = "ef680400-9b35-4933-9b10-52ffa9740042"
CONFIG_UUID = "ef680401-9b35-4933-9b10-52ffa9740042"
RAW_UUID = "ef680406-9b35-4933-9b10-52ffa9740042"
RAW_LEN = 18
DEFAULT_CONFIG = struct.pack("<HHHHB", 100, 10000, 1000, 5, 1)


def set_motion_rate(config: bytes, rate_hz: int) -> bytes:
    """The configuration with bytes 6-7 (motion processing frequency) replaced."""
    if len(config) < 8:
        raise DecodeError(f"Thingy:52 configuration of {len(config)} bytes, need 9")
    return bytes(config[:6]) + struct.pack("<H", int(rate_hz)) + bytes(config[8:])


def decode_raw(payload: bytes) -> tuple[np.ndarray, np.ndarray]:
    """acc (m/s²) and gyro (deg/s) from one raw-data notification."""
    if len(payload) != RAW_LEN:
        raise DecodeError(f"Thingy:52 raw motion notification of {len(payload)} bytes, expected 18")
    v = np.frombuffer(bytes(payload), "<i2", 9).astype(float)
    return v[0:3] / 1024.0 * GRAVITY_M_S2, v[3:6] / 32.0


def encode_raw(acc_m_s2: np.ndarray, gyr_deg_s: np.ndarray, compass: np.ndarray | None = None) -> bytes:
    counts = np.concatenate([np.asarray(acc_m_s2, float) / GRAVITY_M_S2 * 1024.0,
                             np.asarray(gyr_deg_s, float) * 32.0,
                             np.zeros(3) if compass is None else np.asarray(compass, float) * 16.0])
    return np.clip(np.rint(counts), -32768, 32767).astype("<i2").tobytes()


class ThingyDecoder(FrameDecoder):
    def feed(self, uuid: str, payload: bytes) -> list[Block]:
        if uuid.lower() != RAW_UUID:
            return []
        acc, gyr = decode_raw(payload)
        return [Block("imu", acc_m_s2=acc[None, :], gyr_deg_s=gyr[None, :])]


@dataclass
class ThingyProtocol(SensorProtocol):
    """Read the configuration, write it back with the motion frequency; raw data then flows."""

    async def configure(self, port: GattPort, rate_hz: float | None = None) -> dict[str, Any]:
        want = int(round(rate_hz or self.default_rate_hz))
        return {"sampling_rate_hz": float(min(max(want, 1), 200))}

    async def start(self, port: GattPort, settings: dict[str, Any]) -> None:
        config = await port.read(CONFIG_UUID)
        await port.write(CONFIG_UUID, set_motion_rate(config, int(settings["sampling_rate_hz"])), response=True)

    def decoder(self, settings: dict[str, Any]) -> ThingyDecoder:
        return ThingyDecoder()


def thingy52() -> ThingyProtocol:
    return ThingyProtocol(model="thingy52", display_name="Nordic Thingy:52", service_uuid=SERVICE_UUID,
                          notify_uuids=(RAW_UUID,), name_prefixes=("Thingy",), has_gyro=True,
                          has_clock=False, default_rate_hz=50.0)
