"""Scan, connect, configure, stream and record BLE sensors with Bleak, reconnecting after drops.

The notify callback is synchronous: it stamps ``time.monotonic()`` and queues the bytes; one
consumer per sensor writes each packet to the raw log, decodes it with the same
:class:`~imu_pushup.ble.assemble.StreamAssembler` that ``decode`` uses, and appends the rows to the
CSV, so the CSV can always be rebuilt from the raw log. After a drop the sensor is found again by
a new scan and a new client is built (reusing a client fails on BlueZ); the files continue with
the gap visible in ``t``. Several sensors connect one at a time (a shared lock) and then stream
together.
"""
from __future__ import annotations

import asyncio
import datetime as _dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..errors import DeviceError
from .assemble import Rows, StreamAssembler
from .csvsink import CsvSink
from .sensors import SensorProtocol, protocol, recognise
from ..io.rawlog import RawLogWriter


@dataclass
class Backend:
    """Which Bleak backend to use: the platform's (``None``) or the virtual Bumble one."""

    scanner: Any = None
    client: Any = None
    kwargs: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def virtual(cls, world: Any = None) -> "Backend":
        from .virtual.backend import BumbleClient, BumbleScanner
        return cls(BumbleScanner, BumbleClient, {"world": world} if world is not None else {})

    def scanner_kwargs(self) -> dict[str, Any]:
        return ({"backend": self.scanner, **self.kwargs} if self.scanner else {})

    def client_kwargs(self) -> dict[str, Any]:
        return ({"backend": self.client, **self.kwargs} if self.client else {})


@dataclass
class Found:
    """A recognised advertisement."""

    name: str
    address: str
    rssi: int
    model: str | None
    device: Any = None


async def scan(timeout_s: float = 5.0, backend: Backend | None = None, all_devices: bool = False) -> list[Found]:
    """Nearby sensors the library recognises (all devices with ``all_devices``), strongest first."""
    from bleak import BleakScanner
    backend = backend or Backend()
    try:
        found = await BleakScanner.discover(timeout=timeout_s, return_adv=True, **backend.scanner_kwargs())
    except Exception as exc:  # noqa: BLE001 - Bleak raises platform-specific errors
        raise DeviceError(f"cannot scan for Bluetooth devices: {exc}",
                          fix="switch Bluetooth on and check that this user may use it") from None
    out = []
    for address, (dev, adv) in found.items():
        name = adv.local_name or dev.name or ""
        model = recognise(name, adv.service_uuids)
        if model or all_devices:
            out.append(Found(name, address, adv.rssi, model, dev))
    return sorted(out, key=lambda f: -f.rssi)


def _matches(ident: str, dev: Any, adv: Any) -> bool:
    ident_l = ident.lower()
    name = (adv.local_name or dev.name or "").lower()
    return dev.address.lower() == ident_l or name == ident_l or (len(ident_l) >= 3 and name.startswith(ident_l))


async def find(ident: str, timeout_s: float, backend: Backend) -> Any:
    """The BLEDevice whose address or name (or name prefix) is ``ident``; None if not seen."""
    from bleak import BleakScanner
    return await BleakScanner.find_device_by_filter(lambda d, a: _matches(ident, d, a), timeout=timeout_s,
                                                    **backend.scanner_kwargs())


def _now() -> float:
    """Host arrival time as the raw log stores it (µs), so live decoding equals ``decode``."""
    return round(time.monotonic(), 6)


class _Port:
    """The :class:`~imu_pushup.ble.sensors.GattPort` of one connected client."""

    def __init__(self, client: Any, responses: dict[str, asyncio.Queue], name: str) -> None:
        self.client = client
        self.responses = responses
        self.name = name

    async def read(self, uuid: str) -> bytes:
        return bytes(await self.client.read_gatt_char(uuid))

    async def write(self, uuid: str, data: bytes, *, response: bool) -> None:
        await self.client.write_gatt_char(uuid, data, response=response)

    async def response(self, uuid: str, timeout_s: float = 5.0) -> bytes:
        try:
            return await asyncio.wait_for(self.responses[uuid.lower()].get(), timeout_s)
        except asyncio.TimeoutError:
            raise DeviceError(f"{self.name} did not answer a command within {timeout_s:g} s",
                              fix="move closer, power-cycle the sensor and try again") from None


RowsCallback = Callable[["SensorLink", Rows, float], None]


@dataclass
class SensorLink:
    """One sensor being recorded to ``OUT.csv`` and ``OUT.raw.jsonl``."""

    ident: str
    model: str
    placement: str
    out_prefix: Path | None
    t0_host: float
    backend: Backend = field(default_factory=Backend)
    rate_hz: float | None = None
    scan_timeout_s: float = 10.0
    reconnect_give_up_s: float = 60.0
    connect_lock: asyncio.Lock | None = None
    on_rows: RowsCallback | None = None
    on_state: Callable[["SensorLink", str], None] | None = None
    warn: bool = True

    def __post_init__(self) -> None:
        self.t0_host = round(self.t0_host, 6)
        self.proto: SensorProtocol = protocol(self.model)
        self.queue: asyncio.Queue = asyncio.Queue()
        self.responses: dict[str, asyncio.Queue] = {u.lower(): asyncio.Queue() for u in self.proto.notify_uuids}
        self.raw: RawLogWriter | None = None
        self.sink: CsvSink | None = None
        self.asm: StreamAssembler | None = None
        self.settings: dict[str, Any] | None = None
        self.header: dict[str, Any] | None = None
        self.client: Any = None
        self.device: Any = None
        self.name: str = self.ident
        self.address: str = self.ident
        self.state = "idle"
        self.disconnects = 0
        self.packets = 0
        self._pending: list[tuple[float, str | None, Any]] = []
        self._dropped = asyncio.Event()
        self._consumer: asyncio.Task | None = None

    # -- state ------------------------------------------------------------------------------------
    def _set_state(self, state: str) -> None:
        self.state = state
        if self.on_state:
            self.on_state(self, state)

    @property
    def csv_path(self) -> Path | None:
        return None if self.out_prefix is None else Path(f"{self.out_prefix}.csv")

    @property
    def raw_path(self) -> Path | None:
        return None if self.out_prefix is None else Path(f"{self.out_prefix}.raw.jsonl")

    # -- data path --------------------------------------------------------------------------------
    def _on_notify(self, char: Any, data: bytearray) -> None:
        t = _now()
        uuid = char.uuid.lower()
        payload = bytes(data)
        self.queue.put_nowait((t, uuid, payload))
        q = self.responses.get(uuid)
        if q is not None and q.qsize() < 64:
            q.put_nowait(payload)

    def _on_disconnect(self, client: Any) -> None:
        if client is self.client:
            self._dropped.set()

    async def _consume(self) -> None:
        while True:
            item = await self.queue.get()
            self._handle(item)

    def _handle(self, item: tuple[float, str | None, Any]) -> None:
        t, uuid, payload = item
        if uuid is None:  # connection event
            if self.raw:
                self.raw.event(t, payload)
            rows = self.asm.event(t, payload) if self.asm else None
        else:
            self.packets += 1
            if self.raw:
                self.raw.packet(t, uuid, payload)
            if self.asm is None:
                self._pending.append(item)
                return
            rows = self.asm.feed(t, uuid, payload)
        if rows is not None and len(rows):
            if self.sink:
                self.sink.write(rows)
            if self.on_rows:
                self.on_rows(self, rows, t)

    def _drain(self) -> None:
        while not self.queue.empty():
            self._handle(self.queue.get_nowait())

    def _open(self, settings: dict[str, Any]) -> None:
        """Settings are known: write the raw log's first line and the CSV header, start decoding."""
        self.settings = settings
        self.header = {
            "model": self.model, "placement": self.placement, "name": self.name, "address": self.address,
            "sensor": self.proto.display_name, "sampling_rate_hz": float(settings["sampling_rate_hz"]),
            "settings": settings, "t0_host": self.t0_host,
            "started_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        }
        if self.raw:
            self.raw.write_header(self.header)
        if self.csv_path is not None:
            self.sink = CsvSink(self.csv_path, self.header)
        self.asm = StreamAssembler(self.header, source=self.name, warn=self.warn)
        pending, self._pending = self._pending, []
        for t, uuid, payload in pending:
            rows = self.asm.feed(t, uuid, payload)
            if len(rows):
                if self.sink:
                    self.sink.write(rows)
                if self.on_rows:
                    self.on_rows(self, rows, t)

    # -- connection -------------------------------------------------------------------------------
    async def _connect_once(self, first: bool) -> None:
        from bleak import BleakClient
        self._set_state("scanning")
        device = await find(self.ident, self.scan_timeout_s, self.backend)
        if device is None:
            raise DeviceError(f"{self.ident} not found within {self.scan_timeout_s:g} s of scanning",
                              fix="wake the sensor (put it on, or press its button), move closer, "
                                  "and check 'imu-pushup scan' lists it")
        self.device = device
        self.name = device.name or self.ident
        self.address = device.address
        self._set_state("connecting")
        lock = self.connect_lock or asyncio.Lock()
        async with lock:
            client = BleakClient(device, disconnected_callback=self._on_disconnect, timeout=20.0,
                                 **self.backend.client_kwargs())
            try:
                await client.connect()
            except Exception as exc:  # noqa: BLE001 - platform errors vary
                raise DeviceError(f"cannot connect to {self.name}: {exc}",
                                  fix="the sensor may be connected to a phone: close that app") from None
            self.client = client
            self._dropped.clear()
            for q in self.responses.values():
                while not q.empty():
                    q.get_nowait()
            if not first:
                self.queue.put_nowait((_now(), None, "connected"))
            for uuid in self.proto.notify_uuids:
                await client.start_notify(uuid, self._on_notify)
            port = _Port(client, self.responses, self.proto.display_name)
            if first:
                settings = await self.proto.configure(port, self.rate_hz)
                self._drain()
                self._open(settings)
            await self.proto.start(port, self.settings)  # only after start_notify returned
        self._set_state("streaming")

    async def run(self, stop: asyncio.Event) -> None:
        """Record until ``stop`` is set; reconnect after drops; close the files in every case."""
        if self.out_prefix is not None:
            self.raw = RawLogWriter(self.raw_path)
        self._consumer = asyncio.get_running_loop().create_task(self._consume())
        try:
            await self._connect_once(first=True)
            while not stop.is_set():
                stop_wait = asyncio.ensure_future(stop.wait())
                drop_wait = asyncio.ensure_future(self._dropped.wait())
                await asyncio.wait({stop_wait, drop_wait}, return_when=asyncio.FIRST_COMPLETED)
                stop_wait.cancel()
                drop_wait.cancel()
                if stop.is_set():
                    break
                await self._reconnect(stop)
        finally:
            await self._close()

    async def _reconnect(self, stop: asyncio.Event) -> None:
        self.disconnects += 1
        self.queue.put_nowait((_now(), None, "disconnected"))
        self._set_state("reconnecting")
        deadline = time.monotonic() + self.reconnect_give_up_s
        backoff = 0.25
        last_err: Exception | None = None
        while not stop.is_set():
            if time.monotonic() > deadline:
                raise DeviceError(f"{self.name} disconnected and did not come back within "
                                  f"{self.reconnect_give_up_s:g} s (the files hold everything until the drop)",
                                  fix=f"check the battery and range; last error: {last_err}")
            try:
                await self._connect_once(first=False)
                return
            except DeviceError as exc:
                last_err = exc
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 4.0)

    async def _close(self) -> None:
        client = self.client
        if client is not None and client.is_connected:
            try:
                if self.settings is not None:
                    await asyncio.wait_for(self.proto.stop(_Port(client, self.responses, self.name), self.settings), 2.0)
            except Exception:  # noqa: BLE001 - best effort
                pass
        self._drain()
        if self._consumer is not None:
            self._consumer.cancel()
        try:
            if self.asm is not None:
                rows = self.asm.finish()
                if len(rows):
                    if self.sink:
                        self.sink.write(rows)
                    if self.on_rows:
                        self.on_rows(self, rows, time.monotonic())
        finally:
            if self.sink:
                self.sink.close()
            if self.raw:
                self.raw.close()
        self._set_state("closed")
        if client is not None and client.is_connected:
            try:
                await asyncio.wait_for(client.disconnect(), 3.0)
            except Exception:  # noqa: BLE001
                pass


async def run_links(links: list[SensorLink], duration_s: float | None,
                    stop: asyncio.Event | None = None, data_s: float | None = None) -> None:
    """Stream all links together until ``duration_s`` (host seconds) or ``stop``; a failing link
    stops all. With ``data_s`` they stop once every file covers that much recording time, and
    ``duration_s`` only caps the wait: the content then does not depend on how busy the host is
    (accelerated virtual sensors)."""
    stop = stop or asyncio.Event()
    lock = asyncio.Lock()
    for link in links:
        link.connect_lock = link.connect_lock or lock
    tasks = [asyncio.ensure_future(link.run(stop)) for link in links]

    async def timer() -> None:
        # The clock starts when every sensor streams.
        while not all(l.state in ("streaming", "closed") for l in links):
            if all(t.done() for t in tasks):
                return
            await asyncio.sleep(0.05)
        if data_s is not None:
            deadline = None if duration_s is None else time.monotonic() + duration_s
            while not all(l.asm is not None and l.asm.span_s >= data_s for l in links):
                if deadline is not None and time.monotonic() >= deadline:
                    break
                await asyncio.sleep(0.02)
            stop.set()
        elif duration_s is not None:
            await asyncio.sleep(duration_s)
            stop.set()

    timer_task = asyncio.ensure_future(timer())
    try:
        pending = set(tasks)
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for t in done:
                if t.exception() is not None:
                    stop.set()
        for t in tasks:
            if t.exception() is not None:
                raise t.exception()  # type: ignore[misc]
    finally:
        stop.set()
        timer_task.cancel()
        for t in tasks:
            if not t.done():
                t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
