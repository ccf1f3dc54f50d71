"""BLE commands: ``scan``, ``pair``, ``record``, ``live``."""
from __future__ import annotations

import argparse
import asyncio
import datetime as _dt
import sys

from ..errors import DeviceError, UsageError
from ..units import BLE_MODELS, PLACEMENTS


def _virtual_args(p: argparse.ArgumentParser, many: bool = True) -> None:
    p.add_argument("--virtual", action="append", metavar="[PLACEMENT=]MODEL",
                   help="use a virtual sensor on an in-process Bluetooth stack instead of hardware "
                        f"(models: {', '.join(BLE_MODELS)}); repeat for several sensors")
    p.add_argument("--reps", type=int, default=7, help="push-ups the virtual sensor performs (default 7)")
    p.add_argument("--seed", type=int, default=0, help="seed of the simulated set (default 0)")
    p.add_argument("--speed", type=float, default=1.0,
                   help="virtual sensors stream this many times faster than real time; their "
                        "timestamps stay device-clock true (default 1)")


def _stream_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", action="append", metavar="[PLACEMENT=]NAME_OR_ADDRESS",
                   help="sensor to use (default: the paired sensors); repeat for chest + lumbar")
    p.add_argument("--model", choices=BLE_MODELS, help="sensor model (default: recognised from its name)")
    p.add_argument("--placement", choices=PLACEMENTS, help="where the sensor is worn (default chest)")
    p.add_argument("--duration", type=float, metavar="S", help="seconds to record (default: until Ctrl-C)")
    p.add_argument("--rate", type=float, metavar="HZ", help="sampling rate to ask for (default: the model's)")
    p.add_argument("-v", "--verbose", action="store_true", help="connection details, latency, warnings")
    _virtual_args(p)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("scan", help="list nearby sensors this library recognises")
    p.add_argument("--timeout", type=float, default=5.0, metavar="S", help="seconds to scan (default 5)")
    p.add_argument("--all", action="store_true", help="list every BLE device, recognised or not")
    _virtual_args(p)
    p.set_defaults(func=run_scan)

    p = subparsers.add_parser("pair", help="choose a sensor, check it answers, remember it")
    p.add_argument("--name", help="pair the sensor with this name (or name prefix)")
    p.add_argument("--address", help="pair the sensor with this address")
    p.add_argument("--model", choices=BLE_MODELS, help="sensor model (default: recognised from its name)")
    p.add_argument("--placement", choices=PLACEMENTS, default="chest", help="where it is worn (default chest)")
    p.add_argument("--list", action="store_true", help="show the paired sensors")
    p.add_argument("--forget", metavar="NAME_ADDRESS_OR_PLACEMENT", help="forget a paired sensor")
    p.add_argument("--timeout", type=float, default=5.0, metavar="S", help="seconds to scan (default 5)")
    _virtual_args(p)
    p.set_defaults(func=run_pair)

    p = subparsers.add_parser("record", help="stream sensors to OUT.csv and the raw log OUT.raw.jsonl")
    _stream_args(p)
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="writes OUT.csv and OUT.raw.jsonl (OUT_<placement>.* for several sensors)")
    p.set_defaults(func=run_record)

    p = subparsers.add_parser("live", help="live rep count and feedback, recording at the same time")
    _stream_args(p)
    p.add_argument("-o", "--output", metavar="OUT", help="recording prefix (default live-<date-time>)")
    p.add_argument("--height-m", type=float, help="your standing height in metres (depth targets)")
    p.set_defaults(func=run_live)


# -- scan ---------------------------------------------------------------------------------------

async def _with_virtual(args: argparse.Namespace, job):
    from ..ble.link import Backend
    if not args.virtual:
        return await job(Backend())
    from ..ble.virtual.sensors import make_virtual
    from ..ble.virtual.source import SampleSource
    from ..ble.virtual.sensors import VIRTUAL_SENSORS
    from ..ble.virtual.world import VirtualWorld, set_world
    world = VirtualWorld()
    set_world(world)
    try:
        for i, spec in enumerate(args.virtual):
            model = spec.partition("=")[2] or spec
            if model not in BLE_MODELS:
                raise UsageError(f"--virtual {spec}: unknown model", fix=f"use one of: {', '.join(BLE_MODELS)}")
            src = SampleSource.still(VIRTUAL_SENSORS[model].rate_hz, seed=args.seed + i)
            await world.add(make_virtual(model, source=src, seed=args.seed + i, speed=args.speed))
        return await job(Backend.virtual(world))
    finally:
        await world.close()


def run_scan(args: argparse.Namespace) -> int:
    from ..ble.link import scan

    found = asyncio.run(_with_virtual(args, lambda b: scan(args.timeout if not args.virtual else min(args.timeout, 1.5),
                                                            b, all_devices=args.all)))
    if not found:
        print("no sensors found (wake the sensor, move closer, or try --all)", file=sys.stderr)
        return 1
    print(f"{'name':<28} {'address':<20} {'rssi':>5}  model")
    for f in found:
        print(f"{f.name[:28]:<28} {f.address:<20} {f.rssi:>5}  {f.model or '-'}")
    return 0


# -- pair ---------------------------------------------------------------------------------------

def run_pair(args: argparse.Namespace) -> int:
    from ..ble import config

    if args.list:
        sensors = config.load()
        if not sensors:
            print(f"no paired sensors ({config.config_path()})")
            return 0
        for s in sensors:
            print(f"{s.placement:<10} {s.name:<28} {s.address:<20} {s.model}{'  (virtual)' if s.virtual else ''}")
        return 0
    if args.forget:
        s = config.forget(args.forget)
        print(f"forgot {s.name} ({s.placement})")
        return 0
    return asyncio.run(_with_virtual(args, lambda b: _pair(args, b)))


async def _pair(args: argparse.Namespace, backend) -> int:
    from ..ble import config
    from ..ble.link import scan
    from ..ble.sensors import protocol

    found = await scan(args.timeout if not args.virtual else 1.5, backend)
    if args.address:
        found = [f for f in found if f.address.lower() == args.address.lower()] or \
                [f for f in await scan(args.timeout, backend, all_devices=True) if f.address.lower() == args.address.lower()]
    elif args.name:
        found = [f for f in found if f.name.lower().startswith(args.name.lower())]
    if not found:
        raise DeviceError("no matching sensor found", fix="wake the sensor, move closer, and check 'imu-pushup scan'")
    if args.address or args.name:
        choice = found[0]
    elif len(found) == 1 or not sys.stdin.isatty():
        choice = found[0]
        if len(found) > 1:
            raise UsageError("several sensors found and no terminal to choose",
                             fix="pass --name or --address")
    else:
        for i, f in enumerate(found, 1):
            print(f"{i:>2}. {f.name:<28} {f.address:<20} {f.rssi:>5} dBm  {f.model or '-'}")
        answer = input(f"pair which one [1-{len(found)}]? ").strip()
        if not answer.isdigit() or not 1 <= int(answer) <= len(found):
            raise UsageError(f"no sensor number {answer!r}", fix=f"answer a number from 1 to {len(found)}")
        choice = found[int(answer) - 1]
    model = args.model or choice.model
    if model is None:
        raise UsageError(f"{choice.name} is not a model this library recognises", fix="pass --model")
    print(f"checking that {choice.name} answers the {protocol(model).display_name} protocol ...")
    samples = await check_sensor(choice.address, model, backend)
    path = config.add(config.PairedSensor(choice.name, choice.address, model, args.placement,
                                          virtual=bool(args.virtual)))
    print(f"paired {choice.name} ({model}) as {args.placement}: {samples} samples received; saved in {path}")
    return 0


async def check_sensor(address: str, model: str, backend, seconds: float = 1.0) -> int:
    """Connect, configure, stream briefly; the number of samples decoded (DeviceError if none)."""
    import time
    from ..ble.link import SensorLink

    link = SensorLink(address, model, "chest", None, time.monotonic(), backend=backend, warn=False)
    stop = asyncio.Event()
    task = asyncio.ensure_future(link.run(stop))
    t_end = time.monotonic() + 20.0
    while link.state != "streaming" and not task.done() and time.monotonic() < t_end:
        await asyncio.sleep(0.05)
    if not task.done():
        await asyncio.sleep(seconds)
    stop.set()
    await task  # raises the DeviceError if the device refused
    n = link.asm.samples if link.asm else 0
    if n == 0:
        raise DeviceError(f"{address} connected but sent no data", fix="check the model and the sensor's firmware")
    return n


# -- record / live ------------------------------------------------------------------------------

def _recorder(args: argparse.Namespace, live: bool, out: str):
    from ..ble.session import Recorder, plan
    if args.speed <= 0:
        raise UsageError("--speed must be positive")
    targets = plan(args.device, args.virtual, args.model, args.placement)
    return Recorder(targets, out, args.duration, rate_hz=args.rate, reps=args.reps, seed=args.seed,
                    speed=args.speed, live=live, verbose=args.verbose,
                    height_m=getattr(args, "height_m", None))


def _summary(rec) -> None:
    for link in rec.links:
        extra = []
        if link.asm is not None:
            if link.asm.gaps:
                extra.append(f"{len(link.asm.gaps)} gap(s): " + ", ".join(
                    f"{g.t_before:.2f}-{g.t_after:.2f} s" for g in link.asm.gaps))
            if link.asm.malformed:
                extra.append(f"{link.asm.malformed} malformed packet(s) skipped")
        rows = link.sink.rows if link.sink else 0
        print(f"{link.csv_path}: {rows} samples from {link.name}"
              + (f"; {'; '.join(extra)}" if extra else ""), file=sys.stderr)


def run_record(args: argparse.Namespace) -> int:
    rec = _recorder(args, live=False, out=args.output)
    try:
        asyncio.run(rec.run())
    finally:
        _summary(rec)
    return 0


def run_live(args: argparse.Namespace) -> int:
    out = args.output or f"live-{_dt.datetime.now().strftime('%Y%m%d-%H%M%S')}"
    rec = _recorder(args, live=True, out=out)
    try:
        asyncio.run(rec.run())
    finally:
        _summary(rec)
    n = len(rec.rep_lines)
    lat = ""
    if rec.latencies_ms:
        import numpy as np
        lat = (f"; feedback {np.median(rec.latencies_ms):.0f} ms (median), "
               f"{max(rec.latencies_ms):.0f} ms (max) after each rep's end")
    print(f"{n} rep(s){lat}")
    return 0
