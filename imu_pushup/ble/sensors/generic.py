"""The generic profile: flash it on any board (ESP32, nRF52, Arduino Nano 33 BLE) to use the library.

One service ``7e1a0001-5b4c-4b8e-9c21-6a0f2d1e3c4b`` with two characteristics:

* control ``7e1a0002-…`` (write with response): ``01 <rate u16 LE>`` starts streaming at that rate
  in Hz, ``00`` stops.
* data ``7e1a0003-…`` (notify), each notification::

      u16 LE  sequence number (+1 per notification, wraps at 65536)
      u32 LE  device time of the FIRST sample in microseconds (wraps at 2**32)
      u8      N, the number of samples that follow (1..40)
      N × 6 × int16 LE  acc_x acc_y acc_z in milli-g, gyr_x gyr_y gyr_z in 0.1 deg/s

  Axes right-handed; acceleration is specific force (an axis pointing up reads +1000 mG).
  Samples are 1/rate apart; lost notifications show as a jump in the sequence number and time.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import DecodeError
from ...units import mg_to_m_s2
from .base import Block, FrameDecoder, GattPort, SensorProtocol, need

SERVICE_UUID = "7e1a0001-5b4c-4b8e-9c21-6a0f2d1e3c4b"
CONTROL_UUID = "7e1a0002-5b4c-4b8e-9c21-6a0f2d1e3c4b"
DATA_UUID = "7e1a0003-5b4c-4b8e-9c21-6a0f2d1e3c4b"
HEADER_LEN = 7
MAX_SAMPLES = 40
GYRO_DEG_S_PER_COUNT = 0.1


def cmd_start(rate_hz: float) -> bytes:
    return b"\x01" + struct.pack("<H", int(rate_hz))


CMD_STOP = b"\x00"


def decode_packet(payload: bytes) -> tuple[int, int, np.ndarray, np.ndarray]:
    """``(seq, t_us of the first sample, acc (n,3) m/s², gyro (n,3) deg/s)``."""
    need(payload, HEADER_LEN + 12, "generic IMU notification")
    seq, t_us, n = struct.unpack_from("<HIB", payload, 0)
    if not 1 <= n <= MAX_SAMPLES:
        raise DecodeError(f"generic IMU notification announces {n} samples (1..{MAX_SAMPLES} allowed)")
    if len(payload) != HEADER_LEN + 12 * n:
        raise DecodeError(f"generic IMU notification of {len(payload)} bytes for {n} samples "
                          f"(expected {HEADER_LEN + 12 * n})")
    v = np.frombuffer(bytes(payload), "<i2", 6 * n, HEADER_LEN).astype(float).reshape(n, 6)
    return seq, t_us, mg_to_m_s2(v[:, :3]), v[:, 3:] * GYRO_DEG_S_PER_COUNT


def encode_packet(seq: int, t_us: int, acc_m_s2: np.ndarray, gyr_deg_s: np.ndarray) -> bytes:
    acc = np.asarray(acc_m_s2, float) / mg_to_m_s2(1.0)
    gyr = np.asarray(gyr_deg_s, float) / GYRO_DEG_S_PER_COUNT
    vals = np.clip(np.rint(np.hstack([acc, gyr])), -32768, 32767).astype("<i2")
    return struct.pack("<HIB", seq & 0xFFFF, int(t_us) & 0xFFFFFFFF, len(vals)) + vals.tobytes()


class GenericDecoder(FrameDecoder):
    """Unwraps the µs clock; sample i of a packet is at ``t_us·1e-6 + i/rate``."""

    def __init__(self, rate_hz: float) -> None:
        self.rate_hz = rate_hz
        self._wraps = 0
        self._last_us: int | None = None
        self.last_seq: int | None = None
        self.lost_packets = 0

    def reset(self) -> None:
        self._last_us = None
        self.last_seq = None

    def feed(self, uuid: str, payload: bytes) -> list[Block]:
        if uuid.lower() != DATA_UUID:
            return []
        seq, t_us, acc, gyr = decode_packet(payload)
        if self.last_seq is not None:
            self.lost_packets += (seq - self.last_seq - 1) % 65536
        self.last_seq = seq
        if self._last_us is not None and t_us < self._last_us - 2**31:
            self._wraps += 1
        self._last_us = t_us
        t = (t_us + self._wraps * 2**32) * 1e-6 + np.arange(len(acc)) / self.rate_hz
        return [Block("imu", acc_m_s2=acc, gyr_deg_s=gyr, t_s=t, seq=seq)]


@dataclass
class GenericProtocol(SensorProtocol):
    async def configure(self, port: GattPort, rate_hz: float | None = None) -> dict[str, Any]:
        return {"sampling_rate_hz": float(int(round(rate_hz or self.default_rate_hz)))}

    async def start(self, port: GattPort, settings: dict[str, Any]) -> None:
        await port.write(CONTROL_UUID, cmd_start(settings["sampling_rate_hz"]), response=True)

    async def stop(self, port: GattPort, settings: dict[str, Any]) -> None:
        await port.write(CONTROL_UUID, CMD_STOP, response=True)

    def decoder(self, settings: dict[str, Any]) -> GenericDecoder:
        return GenericDecoder(float(settings["sampling_rate_hz"]))


def generic() -> GenericProtocol:
    return GenericProtocol(model="generic", display_name="imu-pushup generic IMU", service_uuid=SERVICE_UUID,
                           notify_uuids=(DATA_UUID,), name_prefixes=("IMU-PUSHUP",), has_gyro=True,
                           has_clock=True, default_rate_hz=50.0)
