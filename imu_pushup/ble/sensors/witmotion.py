"""WitMotion WT901BLE / BWT901BLECL: 20-byte ``55 61`` frames, no timestamp, no checksum.

Service ``0000ffe5-…-00805f9a34fb`` (the base ends in 9a34fb), notify ``ffe4``, write ``ffe9``.
A frame is ``55 61`` + 9 × int16 LE: acc × 16/32768 g, gyro × 2000/32768 deg/s, angles ×
180/32768 deg. Notifications may split or join frames, so the decoder buffers the byte stream and
resynchronises on ``55 61``. Commands are ``FF AA reg lo hi``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import DecodeError
from ...units import GRAVITY_M_S2
from .base import Block, FrameDecoder, GattPort, SensorProtocol

SERVICE_UUID = "0000ffe5-0000-1000-8000-00805f9a34fb"
NOTIFY_UUID = "0000ffe4-0000-1000-8000-00805f9a34fb"
WRITE_UUID = "0000ffe9-0000-1000-8000-00805f9a34fb"

FRAME_LEN = 20
HEADER = b"\x55\x61"
ACC_G_PER_COUNT = 16.0 / 32768.0
GYRO_DEG_S_PER_COUNT = 2000.0 / 32768.0
ANGLE_DEG_PER_COUNT = 180.0 / 32768.0

UNLOCK = bytes.fromhex("FFAA6988B5")
SAVE = bytes.fromhex("FFAA000000")
#: Output-rate register 0x03 values.
RATE_CODES = {0.2: 0x01, 0.5: 0x02, 1.0: 0x03, 2.0: 0x04, 5.0: 0x05, 10.0: 0x06, 20.0: 0x07,
              50.0: 0x08, 100.0: 0x09, 200.0: 0x0B}


def cmd_write_register(reg: int, value: int) -> bytes:
    """``FF AA reg lo hi``."""
    return bytes([0xFF, 0xAA, reg & 0xFF, value & 0xFF, (value >> 8) & 0xFF])


def cmd_rate(rate_hz: float) -> bytes:
    return cmd_write_register(0x03, RATE_CODES[rate_hz])


def decode_frame(frame: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One ``55 61`` frame into acc (m/s²), gyro (deg/s) and angles (deg)."""
    if len(frame) != FRAME_LEN or frame[:2] != HEADER:
        raise DecodeError(f"WitMotion frame must be 20 bytes starting 55 61, got {bytes(frame[:4]).hex()}")
    v = np.frombuffer(bytes(frame), "<i2", 9, 2).astype(float)
    return v[0:3] * ACC_G_PER_COUNT * GRAVITY_M_S2, v[3:6] * GYRO_DEG_S_PER_COUNT, v[6:9] * ANGLE_DEG_PER_COUNT


def encode_frame(acc_m_s2: np.ndarray, gyr_deg_s: np.ndarray, angle_deg: np.ndarray | None = None) -> bytes:
    """The inverse of :func:`decode_frame` (values saturate at the int16 range)."""
    ang = np.zeros(3) if angle_deg is None else np.asarray(angle_deg, float)
    counts = np.concatenate([np.asarray(acc_m_s2, float) / GRAVITY_M_S2 / ACC_G_PER_COUNT,
                             np.asarray(gyr_deg_s, float) / GYRO_DEG_S_PER_COUNT,
                             ang / ANGLE_DEG_PER_COUNT])
    return HEADER + np.clip(np.rint(counts), -32768, 32767).astype("<i2").tobytes()


class WitMotionDecoder(FrameDecoder):
    """Buffers the byte stream and cuts it into frames; other ``55 xx`` frames are ignored."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self.skipped_bytes = 0

    def reset(self) -> None:
        self._buf.clear()

    def feed(self, uuid: str, payload: bytes) -> list[Block]:
        if uuid.lower() != NOTIFY_UUID:
            return []
        self._buf += payload
        acc, gyr = [], []
        junk = 0
        while len(self._buf) >= 2:
            i = self._buf.find(0x55)
            if i < 0:
                junk += len(self._buf) - 0
                self._buf.clear()
                break
            if i:
                junk += i
                del self._buf[:i]
            if len(self._buf) < FRAME_LEN:
                break
            if self._buf[1] == 0x61:
                a, g, _ = decode_frame(bytes(self._buf[:FRAME_LEN]))
                acc.append(a)
                gyr.append(g)
                del self._buf[:FRAME_LEN]
            elif 0x50 <= self._buf[1] <= 0x7F:
                del self._buf[:FRAME_LEN]  # another WitMotion frame (register answer, magnetometer)
            else:
                junk += 1
                del self._buf[:1]
        if len(self._buf) > 4 * FRAME_LEN:  # bounded, whatever arrives
            junk += len(self._buf)
            self._buf.clear()
        self.skipped_bytes += junk
        blocks = [Block("imu", acc_m_s2=np.array(acc), gyr_deg_s=np.array(gyr))] if acc else []
        if junk >= FRAME_LEN and not acc:
            raise DecodeError(f"WitMotion stream: {junk} bytes without a 55 61 frame")
        return blocks


@dataclass
class WitMotionProtocol(SensorProtocol):
    """Unlock, set the output rate, save; the stream then runs on its own."""

    async def configure(self, port: GattPort, rate_hz: float | None = None) -> dict[str, Any]:
        want = float(rate_hz or self.default_rate_hz)
        rate = min(RATE_CODES, key=lambda r: (abs(r - want), r))
        return {"sampling_rate_hz": float(rate)}

    async def start(self, port: GattPort, settings: dict[str, Any]) -> None:
        await port.write(WRITE_UUID, UNLOCK, response=False)
        await port.write(WRITE_UUID, cmd_rate(float(settings["sampling_rate_hz"])), response=False)
        await port.write(WRITE_UUID, SAVE, response=False)

    def decoder(self, settings: dict[str, Any]) -> WitMotionDecoder:
        return WitMotionDecoder()


def witmotion_wt901ble() -> WitMotionProtocol:
    return WitMotionProtocol(model="witmotion-wt901ble", display_name="WitMotion WT901BLE",
                             service_uuid=SERVICE_UUID, notify_uuids=(NOTIFY_UUID,),
                             name_prefixes=("WT901", "BWT901"), has_gyro=True, has_clock=False,
                             default_rate_hz=50.0)
