"""The paired sensors, in a small JSON file in the user's config directory.

``$IMU_PUSHUP_CONFIG`` names the file when set; otherwise ``$XDG_CONFIG_HOME/imu-pushup/sensors.json``
(``~/.config/imu-pushup/sensors.json``). One sensor per placement: pairing another sensor for a
placement replaces the previous one.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import FormatError, UsageError

SCHEMA = "imu-pushup/sensors@1"


@dataclass
class PairedSensor:
    name: str
    address: str
    model: str
    placement: str
    virtual: bool = False


def config_path() -> Path:
    env = os.environ.get("IMU_PUSHUP_CONFIG")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "imu-pushup" / "sensors.json"


def load() -> list[PairedSensor]:
    p = config_path()
    if not p.exists():
        return []
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
        return [PairedSensor(**{k: s[k] for k in ("name", "address", "model", "placement")},
                             virtual=bool(s.get("virtual", False))) for s in doc.get("sensors", [])]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise FormatError("the paired-sensor file is broken", source=str(p),
                          fix="delete it and pair again with 'imu-pushup pair'") from None


def save(sensors: list[PairedSensor]) -> Path:
    p = config_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_suffix(p.suffix + ".tmp")
    tmp.write_text(json.dumps({"schema": SCHEMA, "sensors": [asdict(s) for s in sensors]}, indent=2) + "\n",
                   encoding="utf-8")
    tmp.replace(p)
    return p


def add(sensor: PairedSensor) -> Path:
    others = [s for s in load() if s.placement != sensor.placement and s.address != sensor.address]
    return save(others + [sensor])


def forget(key: str) -> PairedSensor:
    """Remove the sensor whose name, address or placement is ``key``."""
    sensors = load()
    k = key.lower()
    hit = [s for s in sensors if k in (s.name.lower(), s.address.lower(), s.placement.lower())]
    if not hit:
        raise UsageError(f"no paired sensor {key!r}", source=str(config_path()),
                         fix="see 'imu-pushup pair --list'")
    save([s for s in sensors if s not in hit])
    return hit[0]
