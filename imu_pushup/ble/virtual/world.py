"""An in-process Bluetooth world: Bumble controllers on one ``LocalLink``, a central for Bleak,
and the virtual peripherals. Everything speaks real link-layer, ATT and GATT to each other."""
from __future__ import annotations

import asyncio
import logging
from typing import Any

_current: "VirtualWorld | None" = None


def current_world() -> "VirtualWorld":
    """The world the Bumble backend talks to (created on first use)."""
    global _current
    if _current is None:
        _current = VirtualWorld()
    return _current


def set_world(world: "VirtualWorld | None") -> None:
    global _current
    _current = world


class VirtualWorld:
    """One radio space. ``add`` peripherals; the Bleak backend uses :meth:`central`."""

    def __init__(self) -> None:
        from bumble.link import LocalLink
        logging.getLogger("bumble").setLevel(logging.ERROR)
        self.link = LocalLink()
        self.sensors: list[Any] = []
        self._central: Any = None
        self._central_lock = asyncio.Lock()
        self._n = 0
        self._scanners = 0

    def _next_address(self, prefix: int) -> str:
        self._n += 1
        # Static random addresses have the two top bits set.
        return f"{0xC0 | (prefix & 0x3F):02X}:{(self._n >> 8) & 0xFF:02X}:{self._n & 0xFF:02X}:4B:1D:{prefix & 0xFF:02X}"

    def device(self, name: str, prefix: int) -> Any:
        """A powered-off Bumble device on this link (advertising with a random address)."""
        from bumble import hci
        from bumble.controller import Controller
        from bumble.device import Device
        from bumble.host import Host
        from bumble.transport.common import AsyncPipeSink
        ctrl = Controller(name, link=self.link)
        return Device(name=name, address=hci.Address(self._next_address(prefix)),
                      host=Host(ctrl, AsyncPipeSink(ctrl)))

    async def central(self) -> Any:
        async with self._central_lock:
            if self._central is None:
                dev = self.device("imu-pushup central", 0x3E)
                await dev.power_on()
                self._central = dev
            return self._central

    async def scanning(self, on: bool) -> None:
        """Reference-counted scanning: several Bleak scanners may run at once, as on a real OS."""
        central = await self.central()
        async with self._central_lock:
            self._scanners += 1 if on else -1
            if on and self._scanners == 1:
                await central.start_scanning(filter_duplicates=False)
            elif not on and self._scanners == 0:
                await central.stop_scanning()

    async def add(self, sensor: Any) -> Any:
        await sensor.power_on(self)
        self.sensors.append(sensor)
        return sensor

    async def close(self) -> None:
        for s in self.sensors:
            await s.close()
        self.sensors.clear()
