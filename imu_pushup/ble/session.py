"""What ``record`` and ``live`` do: pick the sensors (given, virtual or paired), record them
together, and for ``live`` feed the streaming engine and print one line per rep."""
from __future__ import annotations

import asyncio
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from ..errors import DeviceError, UsageError
from ..units import BLE_MODELS, PLACEMENTS
from . import config
from .link import Backend, SensorLink, find, run_links
from .sensors import recognise


@dataclass
class Target:
    ident: str
    model: str | None
    placement: str
    virtual: bool = False


def _split(spec: str, default_placement: str) -> tuple[str, str]:
    head, sep, tail = spec.partition("=")
    if sep and head in PLACEMENTS:
        return head, tail
    return default_placement, spec


def plan(devices: list[str] | None, virtual: list[str] | None, model: str | None,
         placement: str | None) -> list[Target]:
    """Targets from ``--device [P=]X`` and ``--virtual [P=]MODEL``, else the paired sensors."""
    default_p = placement or "chest"
    targets: list[Target] = []
    for spec in virtual or []:
        p, m = _split(spec, default_p)
        if m not in BLE_MODELS:
            raise UsageError(f"--virtual {spec}: unknown model {m!r}", fix=f"use one of: {', '.join(BLE_MODELS)}")
        targets.append(Target(m, m, p, virtual=True))
    paired = config.load()
    for spec in devices or []:
        p, ident = _split(spec, default_p)
        known = next((s for s in paired if ident.lower() in (s.name.lower(), s.address.lower())), None)
        targets.append(Target(ident, model or (known.model if known else None), p))
    if not targets:
        if not paired:
            raise UsageError("no sensor given and none paired",
                             fix="pair one with 'imu-pushup pair', or pass --device NAME_OR_ADDRESS "
                                 "or --virtual MODEL")
        targets = [Target(s.address if not s.virtual else s.model, s.model, s.placement, s.virtual) for s in paired]
        if placement:
            targets = [t for t in targets if t.placement == placement] or targets
    seen: set[str] = set()
    for t in targets:
        if t.placement in seen:
            raise UsageError(f"two sensors for placement {t.placement}",
                             fix="give each a placement: --device chest=NAME --device lumbar=NAME")
        seen.add(t.placement)
    return targets


def out_prefixes(out: str, targets: list[Target]) -> list[Path]:
    base = str(out)
    for suffix in (".csv", ".raw.jsonl"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
    if len(targets) == 1:
        return [Path(base)]
    return [Path(f"{base}_{t.placement}") for t in targets]


@dataclass
class Recorder:
    """Runs the links; in live mode feeds the engine and prints rep lines."""

    targets: list[Target]
    out: str | None
    duration_s: float | None
    rate_hz: float | None = None
    reps: int = 7
    seed: int = 0
    speed: float = 1.0
    live: bool = False
    verbose: bool = False
    height_m: float | None = None
    stream: TextIO = field(default_factory=lambda: sys.stdout)
    scan_timeout_s: float = 10.0
    reconnect_give_up_s: float = 60.0
    virtual_options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.links: list[SensorLink] = []
        self.latencies_ms: list[float] = []
        self.rep_lines: list[str] = []
        self.analyzer: Any = None
        self._buffer: list[tuple[str, Any]] = []
        self.result: Any = None

    def say(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    async def _setup(self) -> None:
        world = None
        if any(t.virtual for t in self.targets):
            from .virtual.sensors import make_virtual
            from .virtual.world import VirtualWorld, set_world
            world = VirtualWorld()
            set_world(world)
            self.world = world
            for i, t in enumerate(self.targets):
                if t.virtual:
                    vs = make_virtual(t.model, reps=self.reps, seed=self.seed + i, placement=t.placement,
                                      speed=self.speed, **self.virtual_options)
                    await world.add(vs)
                    t.ident = vs.name
        t0 = time.monotonic()
        prefixes = out_prefixes(self.out, self.targets) if self.out else [None] * len(self.targets)
        for t, prefix in zip(self.targets, prefixes):
            backend = Backend.virtual(world) if t.virtual else Backend()
            if t.model is None:
                dev = await find(t.ident, self.scan_timeout_s, backend)
                if dev is None:
                    raise DeviceError(f"{t.ident} not found", fix="check 'imu-pushup scan' lists it")
                t.model = recognise(dev.name, [])
                if t.model is None:
                    raise UsageError(f"{dev.name or t.ident} is not a sensor model this library knows",
                                     fix=f"pass --model (one of: {', '.join(BLE_MODELS)})")
            self.links.append(SensorLink(
                t.ident, t.model, t.placement, prefix, t0, backend=backend, rate_hz=self.rate_hz,
                scan_timeout_s=self.scan_timeout_s, reconnect_give_up_s=self.reconnect_give_up_s,
                on_rows=self._on_rows if self.live else None, on_state=self._on_state, warn=self.verbose))

    def _on_state(self, link: SensorLink, state: str) -> None:
        if self.live or self.verbose or state in ("reconnecting",):
            self.say(f"[{link.placement}] {state} {link.name}")

    # -- live -------------------------------------------------------------------------------------
    def _on_rows(self, link: SensorLink, rows: Any, t_host: float) -> None:
        if self.analyzer is None:
            if not all(l.header for l in self.links):
                self._buffer.append((link.placement, rows))
                return
            from ..engine.stream import StreamAnalyzer
            self.analyzer = StreamAnalyzer({l.placement: l.header["sampling_rate_hz"] for l in self.links},
                                           height_m=self.height_m)
            for p, r in self._buffer:
                self._feed(p, r)
            self._buffer.clear()
        self._feed(link.placement, rows)

    def _feed(self, placement: str, rows: Any) -> None:
        gyr = rows.values[:, 3:6] if rows.values.shape[1] >= 6 else None
        events = self.analyzer.feed(placement, rows.t, rows.values[:, :3], gyr)
        self._show(events)

    def _show(self, events: list[Any]) -> None:
        for ev in events:
            if ev.type != "rep_completed":
                continue
            row = ev.data
            lead = next((l for l in self.links if l.placement == self.analyzer.lead), self.links[0])
            t_end = float(row.get("t_end", ev.t))
            host_end = lead.asm.host_time(t_end) if lead.asm else None
            latency = None if host_end is None else (time.monotonic() - host_end) * 1000.0
            if latency is not None:
                self.latencies_ms.append(latency)
            line = format_rep(row)
            if self.verbose and latency is not None:
                line += f"  [{latency:.0f} ms after the rep ended]"
            self.rep_lines.append(line)
            self.say(line)

    # -- run --------------------------------------------------------------------------------------
    async def run(self) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        try:
            loop.add_signal_handler(signal.SIGINT, stop.set)
            handler = True
        except (NotImplementedError, RuntimeError):
            handler = False
        try:
            await self._setup()
            if self.duration_s is not None and self.any_virtual:
                # Virtual sensors: stop on the recorded time, so a busy host changes nothing in the
                # files; the host wait is only capped (a sensor that stopped sending).
                cap = 3.0 * self.duration_s / self.speed + 10.0
                await run_links(self.links, cap, stop, data_s=self.duration_s)
            else:
                await run_links(self.links, self.duration_s, stop)
        finally:
            if handler:
                loop.remove_signal_handler(signal.SIGINT)
            if getattr(self, "world", None) is not None:
                await self.world.close()
        if self.analyzer is not None:
            self._show(self.analyzer.finish())
            self.result = self.analyzer.result()

    @property
    def any_virtual(self) -> bool:
        return any(t.virtual for t in self.targets)


def format_rep(row: dict[str, Any]) -> str:
    """One line per rep: tempo, depth, sag, then the feedback sentences."""
    def num(key: str, fmt: str, unit: str) -> str:
        v = row.get(key)
        return "-" if v is None or (isinstance(v, float) and not np.isfinite(v)) else f"{v:{fmt}}{unit}"
    parts = [f"rep {row.get('index', '?')}:",
             f"down {num('descent_s', '.1f', ' s')}", f"pause {num('pause_s', '.1f', ' s')}",
             f"up {num('ascent_s', '.1f', ' s')}", f"depth {num('depth_m', '.2f', ' m')}",
             f"sag {num('sag_deg', '+.0f', '°')}"]
    fb = row.get("feedback") or []
    flags = row.get("flags") or []
    text = " ".join(parts)
    if fb:
        text += " | " + "; ".join(str(f) for f in fb)
    elif flags:
        text += " | " + ", ".join(flags)
    else:
        text += " | good"
    return text
