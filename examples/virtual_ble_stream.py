"""Stream push-ups live from a (virtual) Bluetooth sensor, with feedback per rep as it happens.

    python examples/virtual_ble_stream.py [--model polar-verity-sense] [--reps 5] [--speed 10] [--out out/]

No hardware needed: a virtual Polar Verity Sense (a Bumble peripheral speaking Polar's exact
byte protocol on an in-process Bluetooth link) streams a simulated set, and the real Bleak API
talks to it through a small backend. Swap ``Backend.virtual(world)`` for ``Backend()`` and the
sensor's name for your own device's to do the same with a real sensor.

The pattern is the one Bleak recommends: the notification callback only stamps and queues the
bytes; a consumer decodes them (sample times from the device clock), appends them to the CSV and
the lossless raw log, and feeds the streaming analyser, which reports each rep shortly after it
ends.
"""
from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

from imu_pushup.ble.link import Backend, SensorLink, run_links
from imu_pushup.ble.virtual.sensors import make_virtual
from imu_pushup.ble.virtual.world import VirtualWorld, set_world
from imu_pushup.engine.stream import StreamAnalyzer


async def stream(model: str, reps: int, speed: float, out: Path) -> None:
    world = VirtualWorld()
    set_world(world)
    sensor = await world.add(make_virtual(model, reps=reps, seed=3, speed=speed))
    truth = sensor.source.truth
    duration_s = len(sensor.source.acc_m_s2) / sensor.source.rate_hz  # the set, on the device clock

    analyzer = StreamAnalyzer(sensors={"chest": sensor.source.rate_hz})
    found = []

    def on_rows(link: SensorLink, rows, t_host: float) -> None:
        acc = rows.values[:, :3]
        gyr = rows.values[:, 3:6] if rows.values.shape[1] >= 6 else None
        for event in analyzer.feed("chest", rows.t, acc, gyr):
            report(event)

    def report(event) -> None:
        if event.type == "rep_completed":
            rep = event.data
            found.append(rep)
            flags = ", ".join(rep.get("flags") or []) or "good"
            print(f"rep {rep['index']}: descent {rep['descent_s']:.2f} s, pause {rep['pause_s']:.2f} s, "
                  f"ascent {rep['ascent_s']:.2f} s ({flags})")
            for sentence in rep.get("feedback") or []:
                print("   ", sentence)
        elif event.type in ("plank_entered", "set_ended", "gap"):
            print(f"[{event.type} at t={event.t:.2f} s]")

    def on_state(link: SensorLink, state: str) -> None:
        print(f"{link.name}: {state}")

    link = SensorLink(ident=sensor.name, model=model, placement="chest", out_prefix=out / "virtual",
                      t0_host=time.monotonic(), backend=Backend.virtual(world), on_rows=on_rows,
                      on_state=on_state)
    try:
        await run_links([link], duration_s=duration_s / speed + 0.5)
    finally:
        await world.close()
        set_world(None)
    for event in analyzer.finish():
        report(event)
    print(f"{len(found)} reps streamed, {len(truth['reps'])} done")
    print(f"recorded {link.csv_path} and {link.raw_path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="polar-verity-sense",
                        help="polar-h10, polar-verity-sense, witmotion-wt901ble, movesense, thingy52, generic")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--speed", type=float, default=10.0, help="play the set this many times faster")
    parser.add_argument("--out", type=Path, default=Path("out"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    asyncio.run(stream(args.model, args.reps, args.speed, args.out))


if __name__ == "__main__":
    main()
