"""One module per sensor protocol; :func:`protocol` gives a model's :class:`SensorProtocol`."""
from __future__ import annotations

from typing import Callable

from ...errors import UsageError
from ...units import BLE_MODELS
from .base import Block, FrameDecoder, GattPort, SensorProtocol
from . import generic, movesense, polar, thingy52, witmotion

_FACTORIES: dict[str, Callable[[], SensorProtocol]] = {
    "polar-h10": polar.polar_h10,
    "polar-verity-sense": polar.polar_verity_sense,
    "witmotion-wt901ble": witmotion.witmotion_wt901ble,
    "movesense": movesense.movesense,
    "thingy52": thingy52.thingy52,
    "generic": generic.generic,
}
assert tuple(_FACTORIES) == BLE_MODELS


def protocol(model: str) -> SensorProtocol:
    """The protocol of a model name (``polar-h10``, ``movesense`` ...)."""
    try:
        return _FACTORIES[model]()
    except KeyError:
        raise UsageError(f"unknown sensor model {model!r}", fix=f"use one of: {', '.join(BLE_MODELS)}") from None


def recognise(name: str | None, service_uuids: list[str] | tuple[str, ...] = ()) -> str | None:
    """The model an advertisement belongs to, from its name first, then its service UUIDs."""
    protos = [f() for f in _FACTORIES.values()]
    for p in protos:
        if name and any(name.startswith(prefix) for prefix in p.name_prefixes):
            return p.model
    for p in protos:
        if p.recognises(None, service_uuids):
            return p.model
    return None


__all__ = ["Block", "FrameDecoder", "GattPort", "SensorProtocol", "protocol", "recognise"]
