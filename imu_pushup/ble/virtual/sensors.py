"""Virtual sensors: Bumble peripherals that speak each supported protocol byte for byte.

Each advertises like the real device (name, service), exposes the same GATT characteristics,
answers the same commands and streams :class:`SampleSource` samples in the vendor's frame format,
paced in real time divided by ``speed`` while its own timestamps stay device-clock true. Test
hooks: ``drop_after_s`` (the peripheral disconnects after that much streaming, then advertises
again ``down_s`` later) and ``fail_status`` (a Polar that answers START with an error status).
"""
from __future__ import annotations

import asyncio
import struct
import time
from typing import Any

import numpy as np

from ...units import GRAVITY_M_S2
from ..sensors import generic, movesense, polar, thingy52, witmotion
from .source import SampleSource

#: Device clock at power-on: 2026-01-01 in ns since 2000-01-01 (Polar's epoch).
_POLAR_BOOT_NS = 820_454_400 * 10**9


class VirtualSensor:
    """Common machinery: GATT setup, advertising, paced streaming, scripted disconnects."""

    model = ""
    display_prefix = ""
    service_uuid = ""
    rate_hz = 50.0
    samples_per_packet = 1

    def __init__(self, source: SampleSource | None = None, *, name: str | None = None, speed: float = 1.0,
                 drop_after_s: float | None = None, down_s: float = 2.0, fail_status: int | None = None,
                 serial: int = 0x1A2B3C4D) -> None:
        self.name = name or f"{self.display_prefix}{serial:08X}"[: 29]
        self.source = source
        self.speed = float(speed)
        self.drop_after_s = drop_after_s
        self.down_s = down_s
        self.fail_status = fail_status
        self.device: Any = None
        self._task: asyncio.Task | None = None
        self._boot_host: float | None = None
        self.sent_samples = 0
        self.drops = 0
        self.last_sent_index = -1

    # -- GATT -----------------------------------------------------------------------------------
    def services(self) -> list[Any]:
        raise NotImplementedError

    async def power_on(self, world: Any) -> None:
        from bumble.core import AdvertisingData
        self.device = world.device(self.name, 0x10 + len(world.sensors))
        self.device.add_services(self.services())
        await self.device.power_on()
        self._boot_host = time.monotonic()
        self.device.on("connection", self._on_connection)
        adv = AdvertisingData([
            (AdvertisingData.FLAGS, bytes([0x06])),
            (AdvertisingData.COMPLETE_LOCAL_NAME, self.name.encode()),
        ])
        # Like the real sensors, recognised by name (Bumble's link controller answers scan requests
        # with the advertising data, so a service list in a scan response would not arrive).
        self.device.advertising_data = bytes(adv)
        await self._advertise()

    async def _advertise(self) -> None:
        await self.device.start_advertising(auto_restart=False, advertising_interval_min=20,
                                            advertising_interval_max=20)

    def _on_connection(self, conn: Any) -> None:
        conn.on("disconnection", lambda reason: self._on_disconnection())

    def _on_disconnection(self) -> None:
        self.stop_stream()
        if not self._dropping:
            asyncio.get_running_loop().create_task(self._advertise())

    _dropping = False

    async def close(self) -> None:
        self.stop_stream()

    # -- time -----------------------------------------------------------------------------------
    def device_now_s(self) -> float:
        """Seconds on the device clock since power-on (runs ``speed`` times host time)."""
        return (time.monotonic() - (self._boot_host or time.monotonic())) * self.speed

    # -- streaming ------------------------------------------------------------------------------
    def start_stream(self, conn: Any) -> None:
        self.stop_stream()
        self._task = asyncio.get_running_loop().create_task(self._stream(conn))

    def stop_stream(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None

    def encode(self, index: int, acc: np.ndarray, gyr: np.ndarray) -> list[tuple[Any, bytes]]:
        """(characteristic, bytes) notifications for samples ``index .. index+len-1``."""
        raise NotImplementedError

    async def _stream(self, conn: Any) -> None:
        assert self.source is not None
        period = 1.0 / self.rate_hz
        k = self.samples_per_packet
        index = int(np.ceil(self.device_now_s() / period))  # the device samples from boot on
        streamed = 0.0
        try:
            while True:
                last_due_dev = (index + k - 1) * period
                wait = (last_due_dev - self.device_now_s()) / self.speed
                if wait > 0:
                    await asyncio.sleep(wait)
                src_index = index - self._src_origin(index)
                acc, gyr = self.source.take(src_index, k)
                for char, payload in self.encode(index, acc, gyr):
                    await self.device.notify_subscriber(conn, char, payload)
                self.sent_samples += k
                self.last_sent_index = index + k - 1
                index += k
                streamed += k * period
                if self.drop_after_s is not None and streamed >= self.drop_after_s:
                    self.drop_after_s = None
                    self.drops += 1
                    self._dropping = True
                    asyncio.get_running_loop().create_task(self._drop(conn))
                    return
        except asyncio.CancelledError:
            pass

    def _src_origin(self, index: int) -> int:
        """Device sample index at which the simulated set begins (the first streamed sample)."""
        if getattr(self, "_origin", None) is None:
            self._origin = index
        return self._origin

    async def _drop(self, conn: Any) -> None:
        try:
            await conn.disconnect()
        except Exception:  # noqa: BLE001
            pass
        await asyncio.sleep(self.down_s / self.speed)
        self._dropping = False
        await self._advertise()


def _char(uuid: str, props: int, perms: int, value: Any = b"") -> Any:
    from bumble import gatt
    return gatt.Characteristic(uuid, gatt.Characteristic.Properties(props), perms, value)


# -- Polar ------------------------------------------------------------------------------------

class VirtualPolar(VirtualSensor):
    service_uuid = polar.SERVICE_UUID
    acc_settings: dict[int, list[int]] = {}
    gyro_settings: dict[int, list[int]] | None = None
    acc_frame_type = 0x01
    acc_factor = 1.0
    gyro_factor = 2000.0 / 32768.0
    gyro_lag_s = 0.004  # the gyro samples a few ms after the accelerometer

    def services(self) -> list[Any]:
        from bumble import gatt
        self.cp = _char(polar.CONTROL_UUID, 0x02 | 0x08 | 0x20, gatt.Characteristic.READABLE | gatt.Characteristic.WRITEABLE,
                        gatt.CharacteristicValue(read=self._read_cp, write=self._write_cp))
        self.data = _char(polar.DATA_UUID, 0x10, gatt.Characteristic.READABLE, b"")
        self.started: set[int] = set()
        return [gatt.Service(polar.SERVICE_UUID, [self.cp, self.data])]

    def _on_disconnection(self) -> None:
        # A Polar ends its measurements with the connection: after a reconnection each needs a
        # new START (and the stream begins when the last one is running, not at the first).
        self.started.clear()
        super()._on_disconnection()

    def _read_cp(self, conn: Any) -> bytes:
        bits = 1 << polar.ACC
        if self.gyro_settings is not None:
            bits |= 1 << polar.GYRO
        return bytes([polar.FEATURES_CODE, bits & 0xFF, bits >> 8])

    def _write_cp(self, conn: Any, value: bytes) -> None:
        asyncio.get_running_loop().create_task(self._answer(conn, bytes(value)))

    async def _answer(self, conn: Any, cmd: bytes) -> None:
        op, m = cmd[0], cmd[1] if len(cmd) > 1 else 0
        table = {polar.ACC: self.acc_settings, polar.GYRO: self.gyro_settings}.get(m)
        if table is None:
            resp = bytes([0xF0, op, m, 2, 0])
        elif op == polar.OP_GET_SETTINGS:
            params = b"".join(bytes([k, len(v)]) + b"".join(int(x).to_bytes(polar._SETTING_SIZE[k], "little") for x in v)
                              for k, v in table.items())
            resp = bytes([0xF0, op, m, 0, 0]) + params
        elif op == polar.OP_START:
            if self.fail_status is not None:
                resp = bytes([0xF0, op, m, self.fail_status, 0])
            else:
                factor = self.acc_factor if m == polar.ACC else self.gyro_factor
                resp = bytes([0xF0, op, m, 0, 0, polar.FACTOR, 1]) + struct.pack("<f", factor)
                self.started.add(m)
        elif op == polar.OP_STOP:
            self.started.discard(m)
            self.stop_stream()
            resp = bytes([0xF0, op, m, 0, 0])
        else:
            resp = bytes([0xF0, op, m, 1, 0])
        await self.device.indicate_subscriber(conn, self.cp, resp)
        if op == polar.OP_START and resp[3] == 0 and self.started >= self._needed():
            self.start_stream(conn)

    def _needed(self) -> set[int]:
        return {polar.ACC} | ({polar.GYRO} if self.gyro_settings is not None else set())

    def _ns(self, index: int, lag_s: float = 0.0) -> int:
        return _POLAR_BOOT_NS + int(round((index / self.rate_hz + lag_s) * 1e9))

    def encode(self, index: int, acc: np.ndarray, gyr: np.ndarray) -> list[tuple[Any, bytes]]:
        n = len(acc)
        mg = acc / GRAVITY_M_S2 * 1000.0
        t_last = self._ns(index + n - 1)
        out = []
        if self.acc_frame_type & 0x80:
            counts = np.rint(mg / (self.acc_factor if self.acc_frame_type == 0x81 else self.acc_factor * 1000)).astype(np.int64)
            frame = polar.encode_header(polar.ACC, t_last, self.acc_frame_type) + polar.encode_delta_payload(counts)
        else:
            frame = polar.encode_raw_acc(t_last, np.rint(mg).astype(np.int64), self.acc_frame_type)
        out.append((self.data, frame))
        if polar.GYRO in self.started and self.gyro_settings is not None:
            counts = np.rint(gyr / self.gyro_factor).astype(np.int64)
            gframe = (polar.encode_header(polar.GYRO, self._ns(index + n - 1, self.gyro_lag_s), 0x80)
                      + polar.encode_delta_payload(np.clip(counts, -32768, 32767)))
            out.append((self.data, gframe))
        return out


class VirtualPolarH10(VirtualPolar):
    model = "polar-h10"
    display_prefix = "Polar H10 "
    rate_hz = 100.0
    samples_per_packet = 10
    acc_settings = {polar.SAMPLE_RATE: [25, 50, 100, 200], polar.RESOLUTION: [16], polar.RANGE: [2, 4, 8]}
    acc_frame_type = 0x01


class VirtualPolarVeritySense(VirtualPolar):
    model = "polar-verity-sense"
    display_prefix = "Polar Sense "
    rate_hz = 52.0
    samples_per_packet = 8
    acc_settings = {polar.SAMPLE_RATE: [52], polar.RESOLUTION: [16], polar.RANGE: [8], polar.CHANNELS: [3]}
    gyro_settings = {polar.SAMPLE_RATE: [52], polar.RESOLUTION: [16], polar.RANGE: [2000], polar.CHANNELS: [3]}
    acc_frame_type = 0x81
    acc_factor = float(np.float32(8000.0 / 32768.0))  # mG per count


# -- WitMotion ---------------------------------------------------------------------------------

class VirtualWitMotion(VirtualSensor):
    model = "witmotion-wt901ble"
    display_prefix = "WT901BLE"
    service_uuid = witmotion.SERVICE_UUID
    rate_hz = 50.0

    def services(self) -> list[Any]:
        from bumble import gatt
        self.notify = _char(witmotion.NOTIFY_UUID, 0x10, gatt.Characteristic.READABLE, b"")
        self.write = _char(witmotion.WRITE_UUID, 0x04 | 0x08, gatt.Characteristic.WRITEABLE,
                           gatt.CharacteristicValue(write=self._write))
        return [gatt.Service(witmotion.SERVICE_UUID, [self.notify, self.write])]

    def _write(self, conn: Any, value: bytes) -> None:
        value = bytes(value)
        if len(value) == 5 and value[:2] == b"\xff\xaa" and value[2] == 0x03:
            codes = {v: k for k, v in witmotion.RATE_CODES.items()}
            self.rate_hz = codes.get(value[3], self.rate_hz)
            self.start_stream(conn)

    def encode(self, index: int, acc: np.ndarray, gyr: np.ndarray) -> list[tuple[Any, bytes]]:
        return [(self.notify, witmotion.encode_frame(acc[0], gyr[0]))]


# -- Movesense ---------------------------------------------------------------------------------

class VirtualMovesense(VirtualSensor):
    model = "movesense"
    display_prefix = "Movesense "
    service_uuid = movesense.SERVICE_UUID
    rate_hz = 52.0
    samples_per_packet = 4
    boot_ms = 1_234_567

    def services(self) -> list[Any]:
        from bumble import gatt
        self.notify = _char(movesense.NOTIFY_UUID, 0x10, gatt.Characteristic.READABLE, b"")
        self.write = _char(movesense.WRITE_UUID, 0x04 | 0x08, gatt.Characteristic.WRITEABLE,
                           gatt.CharacteristicValue(write=self._write))
        self.ref = movesense.DATA_REF
        return [gatt.Service(movesense.SERVICE_UUID, [self.write, self.notify])]

    def _write(self, conn: Any, value: bytes) -> None:
        value = bytes(value)
        if value[:1] == b"\x00":
            asyncio.get_running_loop().create_task(
                self.device.notify_subscriber(conn, self.notify, bytes([1, value[1], 200, 0])))
        elif value[:1] == b"\x01":
            self.ref = value[1]
            path = value[2:].decode(errors="replace")
            if path.startswith("/Meas/IMU6/"):
                self.rate_hz = float(path.rsplit("/", 1)[1])
                self.start_stream(conn)
        elif value[:1] == b"\x02":
            self.stop_stream()

    def encode(self, index: int, acc: np.ndarray, gyr: np.ndarray) -> list[tuple[Any, bytes]]:
        t_ms = self.boot_ms + int(index * 1000 / self.rate_hz)
        return [(self.notify, movesense.encode_data(self.ref, t_ms, acc, gyr))]


# -- Thingy:52 ---------------------------------------------------------------------------------

class VirtualThingy52(VirtualSensor):
    model = "thingy52"
    display_prefix = "Thingy"
    service_uuid = thingy52.SERVICE_UUID
    rate_hz = 50.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.name = "Thingy"
        self.config = thingy52.DEFAULT_CONFIG

    def services(self) -> list[Any]:
        from bumble import gatt
        self.cfg = _char(thingy52.CONFIG_UUID, 0x02 | 0x08, gatt.Characteristic.READABLE | gatt.Characteristic.WRITEABLE,
                         gatt.CharacteristicValue(read=lambda c: self.config, write=self._write))
        self.raw = _char(thingy52.RAW_UUID, 0x10, gatt.Characteristic.READABLE, b"")
        return [gatt.Service(thingy52.SERVICE_UUID, [self.cfg, self.raw])]

    def _write(self, conn: Any, value: bytes) -> None:
        self.config = bytes(value)
        self.rate_hz = float(struct.unpack_from("<H", self.config, 6)[0])
        self.start_stream(conn)

    def encode(self, index: int, acc: np.ndarray, gyr: np.ndarray) -> list[tuple[Any, bytes]]:
        return [(self.raw, thingy52.encode_raw(acc[0], gyr[0]))]


# -- generic -----------------------------------------------------------------------------------

class VirtualGeneric(VirtualSensor):
    model = "generic"
    display_prefix = "IMU-PUSHUP "
    service_uuid = generic.SERVICE_UUID
    rate_hz = 50.0
    samples_per_packet = 5

    def services(self) -> list[Any]:
        from bumble import gatt
        self.ctrl = _char(generic.CONTROL_UUID, 0x08, gatt.Characteristic.WRITEABLE,
                          gatt.CharacteristicValue(write=self._write))
        self.data = _char(generic.DATA_UUID, 0x10, gatt.Characteristic.READABLE, b"")
        self.seq = 0
        return [gatt.Service(generic.SERVICE_UUID, [self.ctrl, self.data])]

    def _write(self, conn: Any, value: bytes) -> None:
        value = bytes(value)
        if value[:1] == b"\x01" and len(value) >= 3:
            self.rate_hz = float(struct.unpack_from("<H", value, 1)[0])
            self.start_stream(conn)
        elif value[:1] == b"\x00":
            self.stop_stream()

    def encode(self, index: int, acc: np.ndarray, gyr: np.ndarray) -> list[tuple[Any, bytes]]:
        t_us = int(round(index * 1e6 / self.rate_hz)) + 3_000_000_000  # wraps about 20 min in
        pkt = generic.encode_packet(self.seq, t_us, acc, gyr)
        self.seq += 1
        return [(self.data, pkt)]


VIRTUAL_SENSORS: dict[str, type[VirtualSensor]] = {
    cls.model: cls for cls in (VirtualPolarH10, VirtualPolarVeritySense, VirtualWitMotion, VirtualMovesense,
                               VirtualThingy52, VirtualGeneric)
}


def make_virtual(model: str, *, reps: int = 7, seed: int = 0, placement: str = "chest", speed: float = 1.0,
                 source: SampleSource | None = None, **kwargs: Any) -> VirtualSensor:
    """A virtual sensor of ``model`` streaming a simulated set of ``reps`` push-ups."""
    cls = VIRTUAL_SENSORS[model]
    src = source or SampleSource.simulated(cls.rate_hz, reps=reps, seed=seed, placement=placement)
    return cls(src, speed=speed, serial=0x1A2B3C4D + seed, **kwargs)
