"""The real Bleak API against virtual sensors on Bumble's in-process link: scan, connect,
configure, stream, reconnect, refuse; the CSV rebuilt from the raw log byte for byte."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("bumble")
pytest.importorskip("bleak")

from bleak import BleakClient, BleakScanner  # noqa: E402

from imu_pushup.ble.assemble import StreamAssembler, decode_rawlog  # noqa: E402
from imu_pushup.ble.csvsink import csv_header  # noqa: E402
from imu_pushup.ble.link import Backend, SensorLink, run_links, scan  # noqa: E402
from imu_pushup.ble.sensors import polar  # noqa: E402
from imu_pushup.ble.virtual.backend import BumbleClient, BumbleScanner  # noqa: E402
from imu_pushup.ble.virtual.sensors import VIRTUAL_SENSORS, make_virtual  # noqa: E402
from imu_pushup.ble.virtual.source import SampleSource  # noqa: E402
from imu_pushup.ble.virtual.world import VirtualWorld  # noqa: E402
from imu_pushup.errors import DeviceError  # noqa: E402
from imu_pushup.io.csv import format_rows  # noqa: E402
from imu_pushup.io.rawlog import read_rawlog  # noqa: E402

SPEED = 20.0


def _ramp_source(rate_hz: float, seconds: float = 30.0) -> SampleSource:
    """A known signal: sample i carries i in acc_x (m/s², within every model's range), so a lost
    or repeated sample is visible."""
    n = int(seconds * rate_hz)
    i = np.arange(n)
    acc = np.column_stack([(i % 1000) * 0.01, np.full(n, 0.5), np.full(n, 9.7)])
    gyr = np.column_stack([np.sin(i / 10) * 50, np.zeros(n), np.full(n, -5.0)])
    return SampleSource(rate_hz, acc, gyr)


def _load(path: Path) -> np.ndarray:
    return pd.read_csv(path, comment="#").to_numpy(dtype=float)


def _rebuilt_csv(raw: Path) -> str:
    header, asm, rows = decode_rawlog(str(raw), warn=False)
    return csv_header(header) + "".join(format_rows(r.t, r.values) for r in rows)


async def _record(world, sensor, tmp_path: Path, seconds: float, **kw) -> SensorLink:
    link = SensorLink(sensor.name, sensor.model, "chest", tmp_path / sensor.model, time.monotonic(),
                      backend=Backend.virtual(world), warn=False, **kw)
    await run_links([link], seconds / SPEED)
    return link


def test_bleak_api_scans_connects_and_streams_over_bumble():
    async def main():
        world = VirtualWorld()
        vs = await world.add(VIRTUAL_SENSORS["movesense"](_ramp_source(52.0), speed=SPEED))
        found = await BleakScanner.discover(timeout=1.0, return_adv=True, backend=BumbleScanner, world=world)
        (dev, adv), = [v for v in found.values() if v[1].local_name == vs.name]
        assert adv.rssi < 0 and dev.address == str(vs.device.random_address)
        got: list[bytes] = []
        async with BleakClient(dev, backend=BumbleClient, world=world) as client:
            assert client.mtu_size >= 232
            await client.start_notify("34800002-7185-4d5d-b431-630e7050e8f0", lambda c, d: got.append(bytes(d)))
            await client.write_gatt_char("34800001-7185-4d5d-b431-630e7050e8f0", b"\x01\x63/Meas/IMU6/52",
                                         response=True)
            await asyncio.sleep(0.5)
        await world.close()
        return got

    got = asyncio.run(main())
    assert len(got) > 10
    t = [int.from_bytes(g[2:6], "little") for g in got]
    assert all(b - a in (76, 77) for a, b in zip(t, t[1:]))  # 4 samples at 52 Hz, ms clock


@pytest.mark.parametrize("model", sorted(VIRTUAL_SENSORS))
def test_every_model_records_losslessly_and_decodes_byte_for_byte(model, tmp_path):
    cls = VIRTUAL_SENSORS[model]

    async def main():
        world = VirtualWorld()
        vs = await world.add(cls(_ramp_source(cls.rate_hz), speed=SPEED))
        link = await _record(world, vs, tmp_path, 4.0)
        await world.close()
        return vs, link

    vs, link = asyncio.run(main())
    csv = (tmp_path / f"{model}.csv").read_text()
    assert csv == _rebuilt_csv(tmp_path / f"{model}.raw.jsonl")
    assert link.asm.malformed == 0
    data = _load(tmp_path / f"{model}.csv")
    # Every sample the device sent before the stop is in the CSV, in order, none twice.
    idx = np.rint(data[:, 1] / 0.01).astype(int)
    step = np.diff(idx) % 1000
    assert np.all(step == 1), f"lost or repeated samples: {np.unique(step)}"
    assert len(data) >= 0.9 * 4.0 * vs.rate_hz  # the whole requested duration
    dt = np.diff(data[:, 0])
    assert np.allclose(dt, 1 / vs.rate_hz, atol=2e-3)
    assert data.shape[1] == (4 if model == "polar-h10" else 7)


def test_polar_h10_csv_is_the_sensed_acceleration_to_half_a_milli_g(tmp_path):
    """Acc-only path: every axis keeps its sign and channel, mG become m/s² (1 g = 9.80665), only the
    H10's 1 mG rounding is added; no gyro columns; the rate the device was set to."""
    rate = VIRTUAL_SENSORS["polar-h10"].rate_hz
    s = np.arange(int(30 * rate)) / rate
    acc = np.column_stack([-9.80665 + 3 * np.sin(2 * np.pi * 0.7 * s), 2 * np.cos(2 * np.pi * 0.3 * s),
                           -4.0 + 0.01 * np.arange(len(s)) % 7])
    src = SampleSource(rate, acc, np.zeros_like(acc))

    async def main():
        world = VirtualWorld()
        vs = await world.add(VIRTUAL_SENSORS["polar-h10"](src, speed=SPEED))
        await _record(world, vs, tmp_path, 4.0)
        await world.close()

    asyncio.run(main())
    path = tmp_path / "polar-h10.csv"
    assert "# sampling_rate_hz: 100" in path.read_text()
    data = pd.read_csv(path, comment="#")
    assert list(data.columns) == ["t", "acc_x", "acc_y", "acc_z"]
    got = data[["acc_x", "acc_y", "acc_z"]].to_numpy()
    assert len(got) > 300
    err = np.abs(got - acc[: len(got)])  # row k is the k-th sample the device streamed
    assert err.max() <= 0.5e-3 * 9.80665 + 1e-5
    # The sign convention survives: the x axis starts pointing down (specific force -1 g).
    assert abs(got[0, 0] - (-9.80665)) < 0.005


def test_peripheral_drop_then_reconnect_keeps_every_sample_and_marks_the_gap(tmp_path):
    model = "polar-verity-sense"
    cls = VIRTUAL_SENSORS[model]

    async def main():
        world = VirtualWorld()
        vs = await world.add(cls(_ramp_source(cls.rate_hz), speed=SPEED, drop_after_s=2.0, down_s=2.0))
        link = SensorLink(vs.name, vs.model, "chest", tmp_path / vs.model, time.monotonic(),
                          backend=Backend.virtual(world), warn=False)
        stop = asyncio.Event()

        async def until_back() -> None:
            # Stop once the sensor is back and has streamed a while: a busy machine may take long
            # to reconnect, so no fixed duration (the cap only ends a test that would fail).
            deadline = time.monotonic() + 20.0
            while time.monotonic() < deadline and not (
                    link.asm is not None and link.asm.gaps and link.asm.samples >= int(4.0 * cls.rate_hz)):
                await asyncio.sleep(0.02)
            stop.set()

        watcher = asyncio.ensure_future(until_back())
        await run_links([link], None, stop)
        watcher.cancel()
        await world.close()
        return vs, link

    vs, link = asyncio.run(main())
    assert vs.drops == 1 and link.disconnects == 1
    csv = (tmp_path / f"{model}.csv").read_text()
    assert csv == _rebuilt_csv(tmp_path / f"{model}.raw.jsonl")
    data = _load(tmp_path / f"{model}.csv")
    idx = np.rint(data[:, 1] / 0.01).astype(int)
    n_before = int(2.0 * cls.rate_hz)
    # No sample lost before the drop: the first n_before ramp values are all there, in order.
    assert np.all(np.diff(idx[:n_before]) == 1)
    # The gap is recorded: one jump in t of about the time the device was away.
    dt = np.diff(data[:, 0])
    jumps = np.flatnonzero(dt > 3 / cls.rate_hz)
    assert len(jumps) == 1 and dt[jumps[0]] > 1.0
    assert len(link.asm.gaps) == 1
    # Gyro is the device's own on both sides of the gap (not held over from before the drop).
    np.testing.assert_allclose(data[:, 4], np.sin(idx / 10) * 50, atol=2.0)
    assert '"event":"disconnected"' in (tmp_path / f"{model}.raw.jsonl").read_text()


def test_error_status_from_device_gives_a_clear_device_error(tmp_path):
    async def main():
        world = VirtualWorld()
        vs = await world.add(VIRTUAL_SENSORS["polar-h10"](_ramp_source(100.0), speed=SPEED, fail_status=13))
        try:
            await _record(world, vs, tmp_path, 2.0)
        finally:
            await world.close()

    with pytest.raises(DeviceError) as err:
        asyncio.run(main())
    msg = str(err.value)
    assert "status 13" in msg and "device in charger" in msg and "charger" in msg.split("(")[-1]
    assert "\n" not in msg


def test_two_sensors_at_once_share_one_clock_origin(tmp_path):
    async def main():
        world = VirtualWorld()
        a = await world.add(VIRTUAL_SENSORS["polar-verity-sense"](_ramp_source(52.0), speed=SPEED))
        b = await world.add(VIRTUAL_SENSORS["movesense"](_ramp_source(52.0), speed=SPEED))
        t0 = time.monotonic()
        links = [SensorLink(a.name, a.model, "chest", tmp_path / "chest", t0, backend=Backend.virtual(world), warn=False),
                 SensorLink(b.name, b.model, "lumbar", tmp_path / "lumbar", t0, backend=Backend.virtual(world), warn=False)]
        await run_links(links, 3.0 / SPEED)
        await world.close()
        return links

    links = asyncio.run(main())
    t0s = set()
    for link in links:
        assert link.sink.rows > 100
        start = _load(link.csv_path)[0, 0]
        log = read_rawlog(link.raw_path)
        t0s.add(log.header["t0_host"])
        # The host time at which the first rows were complete: replaying the raw log packet by packet.
        asm = StreamAssembler(log.header, warn=False)
        arrived = next(e.t_host for e in log.entries()
                       if not e.event and len(asm.feed(e.t_host, e.uuid or "", e.payload)))
        # Both files are on the session clock (seconds since the command started), not device epochs:
        # the first sample after the start, and no later than the packet that carried it arrived.
        assert 0 <= start <= arrived - log.header["t0_host"] + 1e-6
    assert len(t0s) == 1  # one origin for both


def test_scan_lists_recognised_models():
    async def main():
        world = VirtualWorld()
        for m in ("polar-h10", "witmotion-wt901ble", "thingy52"):
            await world.add(make_virtual(m, source=SampleSource.still(50.0)))
        found = await scan(1.0, Backend.virtual(world))
        await world.close()
        return found

    found = asyncio.run(main())
    assert sorted(f.model for f in found) == ["polar-h10", "thingy52", "witmotion-wt901ble"]
