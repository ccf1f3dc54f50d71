"""A Bleak backend that drives a Bumble central on the in-process link.

Pass ``backend=BumbleScanner`` to :class:`bleak.BleakScanner` and ``backend=BumbleClient`` to
:class:`bleak.BleakClient`: the real Bleak API (discover, connect, start_notify, write_gatt_char,
disconnected_callback) then talks to the virtual peripherals over real ATT/GATT.
"""
from __future__ import annotations

import asyncio
from typing import Any, Callable

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakError
from bleak.uuids import normalize_uuid_str

from .world import VirtualWorld, current_world

_PROPS = [(0x01, "broadcast"), (0x02, "read"), (0x04, "write-without-response"), (0x08, "write"),
          (0x10, "notify"), (0x20, "indicate"), (0x40, "authenticated-signed-writes"),
          (0x80, "extended-properties")]


def _uuid(u: Any) -> str:
    return normalize_uuid_str(u.to_hex_str("-") if hasattr(u, "to_hex_str") else str(u))


class BumbleScanner(BaseBleakScanner):
    """Scans the virtual world's link with the Bumble central."""

    def __init__(self, detection_callback: Any = None, service_uuids: list[str] | None = None,
                 scanning_mode: str = "active", *, world: VirtualWorld | None = None, **kwargs: Any) -> None:
        super().__init__(detection_callback, service_uuids)
        self._world = world or current_world()
        self._central: Any = None

    async def start(self) -> None:
        from bumble.core import AdvertisingData
        self.seen_devices = {}
        self._central = await self._world.central()

        def on_adv(adv: Any) -> None:
            name = adv.data.get(AdvertisingData.COMPLETE_LOCAL_NAME)
            if isinstance(name, bytes):
                name = name.decode(errors="replace")
            uuids = [_uuid(u) for key in (AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
                                          AdvertisingData.INCOMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS)
                     for u in (adv.data.get(key) or [])]
            if not self.is_allowed_uuid(uuids):
                return
            ad = AdvertisementData(local_name=name, manufacturer_data={}, service_data={},
                                   service_uuids=uuids, tx_power=None, rssi=int(adv.rssi),
                                   platform_data=(adv,))
            addr = str(adv.address)
            device = self.create_or_update_device(addr, addr, name, adv.address, ad)
            self.call_detection_callbacks(device, ad)

        self._handler = on_adv
        self._central.on("advertisement", on_adv)
        await self._world.scanning(True)

    async def stop(self) -> None:
        if self._central is not None:
            try:
                await self._world.scanning(False)
            finally:
                self._central.remove_listener("advertisement", self._handler)


class BumbleClient(BaseBleakClient):
    """GATT client over a Bumble connection."""

    def __init__(self, address_or_ble_device: BLEDevice | str, *,
                 disconnected_callback: Callable[[], None] | None = None, timeout: float = 10.0,
                 world: VirtualWorld | None = None, **kwargs: Any) -> None:
        super().__init__(address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout)
        self._world = world or current_world()
        self._target = (address_or_ble_device.details if isinstance(address_or_ble_device, BLEDevice)
                        else address_or_ble_device)
        self._name = address_or_ble_device.name if isinstance(address_or_ble_device, BLEDevice) else None
        self._conn: Any = None
        self._peer: Any = None
        self._connected = False

    @property
    def name(self) -> str:
        return self._name or self.address

    @property
    def mtu_size(self) -> int:
        return int(self._conn.att_mtu) if self._conn is not None else 23

    @property
    def is_connected(self) -> bool:
        return self._connected

    async def connect(self, pair: bool = False, **kwargs: Any) -> None:
        from bumble.device import Peer
        central = await self._world.central()
        try:
            self._conn = await asyncio.wait_for(central.connect(self._target), self._timeout)
        except (asyncio.TimeoutError, Exception) as exc:  # noqa: BLE001 - Bumble raises several kinds
            raise BleakError(f"could not connect to {self.address}: {exc!r}") from exc
        self._connected = True
        self._conn.on("disconnection", self._on_disconnection)
        self._peer = Peer(self._conn)
        await self._peer.request_mtu(247)
        await self._peer.discover_services()
        coll = BleakGATTServiceCollection()
        for s in self._peer.services:
            await s.discover_characteristics()
            svc = BleakGATTService(s, s.handle, _uuid(s.uuid))
            coll.add_service(svc)
            for c in s.characteristics:
                await c.discover_descriptors()
                props = [name for bit, name in _PROPS if int(c.properties) & bit]
                ch = BleakGATTCharacteristic(c, c.handle, _uuid(c.uuid), props,
                                             lambda: self.mtu_size - 3, svc)
                coll.add_characteristic(ch)
                for d in c.descriptors:
                    coll.add_descriptor(BleakGATTDescriptor(d, d.handle, _uuid(d.type), ch))
        self.services = coll

    def _on_disconnection(self, reason: Any = None) -> None:
        was = self._connected
        self._connected = False
        if was and self._disconnected_callback is not None:
            self._disconnected_callback()

    async def disconnect(self) -> None:
        if self._conn is not None and self._connected:
            self._connected = False
            try:
                await self._conn.disconnect()
            except Exception:  # noqa: BLE001 - already gone
                pass

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def unpair(self) -> None:
        return None

    def _check(self) -> None:
        if not self._connected:
            raise BleakError("Not connected")

    async def read_gatt_char(self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False,
                             **kwargs: Any) -> bytearray:
        self._check()
        return bytearray(await self._peer.read_value(characteristic.obj))

    async def read_gatt_descriptor(self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False,
                                   **kwargs: Any) -> bytearray:
        self._check()
        return bytearray(await self._peer.read_value(descriptor.obj))

    async def write_gatt_char(self, characteristic: BleakGATTCharacteristic, data: Any, response: bool) -> None:
        self._check()
        await self._peer.write_value(characteristic.obj, bytes(data), with_response=response)

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: Any) -> None:
        self._check()
        await self._peer.write_value(descriptor.obj, bytes(data), with_response=True)

    async def start_notify(self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback,
                           **kwargs: Any) -> None:
        self._check()
        await self._peer.subscribe(characteristic.obj, lambda value: callback(bytearray(value)),
                                   prefer_notify=True)

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        self._check()
        await self._peer.unsubscribe(characteristic.obj)
