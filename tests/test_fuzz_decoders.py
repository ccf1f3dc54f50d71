"""Every decoder fed arbitrary bytes: only DecodeError may escape, memory stays bounded."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, HealthCheck, given, settings, strategies as st

from imu_pushup.ble.assemble import StreamAssembler
from imu_pushup.ble.sensors import generic, movesense, polar, protocol, thingy52, witmotion
from imu_pushup.errors import DecodeError
from imu_pushup.units import BLE_MODELS

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_SETTINGS = {
    "polar-h10": {"sampling_rate_hz": 100.0, "pmd": {"acc": {"0": 100, "1": 16, "2": 8}}},
    "polar-verity-sense": {"sampling_rate_hz": 52.0, "pmd": {"acc": {"0": 52}, "gyr": {"0": 52}}},
}


def _decoder(model: str):
    proto = protocol(model)
    return proto, proto.decoder(_SETTINGS.get(model, {"sampling_rate_hz": 50.0}))


def _check_blocks(blocks) -> None:
    for b in blocks:
        assert b.n <= 4096
        for arr in (b.acc_m_s2, b.gyr_deg_s):
            if arr is not None:
                assert arr.shape == (b.n, 3) and np.all(np.isfinite(arr))


# Frames that start like the real thing reach deeper into the parsers than random bytes.
_prefixes = st.sampled_from([b"", b"\x02", b"\x05", b"\x02" + bytes(8) + b"\x80", b"\x05" + bytes(8) + b"\x81",
                             b"\x02" + bytes(8) + b"\x01", b"\x55\x61", b"\x02\x63", b"\x01\x00"])


@pytest.mark.parametrize("model", BLE_MODELS)
@FUZZ
@given(chunks=st.lists(st.tuples(_prefixes, st.binary(max_size=300)), max_size=6))
@example(chunks=[(b"\x02", bytes(7) + b"\x80" + bytes(7))])   # a timestamp past int64
def test_decoders_raise_only_decode_error(model, chunks):
    proto, dec = _decoder(model)
    for prefix, body in chunks:
        for uuid in proto.notify_uuids:
            try:
                _check_blocks(dec.feed(uuid, prefix + body))
            except DecodeError as exc:
                assert "\n" not in str(exc)


@FUZZ
@given(st.binary(max_size=400), st.integers(0, 2**63), st.floats(0, 1000), st.floats(-10, 10))
def test_polar_frame_decoder_pure_function(data, previous, rate, factor):
    try:
        f = polar.decode_frame(data, previous, rate, factor)
    except DecodeError:
        return
    assert len(f.times_ns) == len(f.values) and f.times_ns[-1] == f.timestamp_ns


@FUZZ
@given(st.binary(max_size=200))
def test_other_pure_decoders(data):
    for fn in (movesense.decode_data, thingy52.decode_raw, generic.decode_packet, polar.parse_response,
               polar.parse_features, lambda d: polar.parse_settings(d), lambda d: witmotion.decode_frame(d)):
        try:
            fn(data)
        except DecodeError:
            pass


@FUZZ
@given(st.lists(st.binary(max_size=120), max_size=40))
def test_witmotion_buffer_stays_bounded(packets):
    dec = witmotion.WitMotionDecoder()
    for p in packets:
        try:
            dec.feed(witmotion.NOTIFY_UUID, p)
        except DecodeError:
            pass
        assert len(dec._buf) <= 4 * witmotion.FRAME_LEN


@pytest.mark.parametrize("model", BLE_MODELS)
@settings(max_examples=60, deadline=None)
@given(packets=st.lists(st.binary(max_size=200), max_size=20))
def test_assembler_counts_and_skips_malformed_packets(model, packets):
    proto = protocol(model)
    header = {"model": model, "sampling_rate_hz": _SETTINGS.get(model, {}).get("sampling_rate_hz", 50.0),
              "settings": _SETTINGS.get(model, {"sampling_rate_hz": 50.0}), "t0_host": 0.0}
    asm = StreamAssembler(header, warn=False)
    last = -np.inf
    for i, p in enumerate(packets):
        rows = asm.feed(1.0 + i * 0.02, proto.notify_uuids[-1], p)
        if len(rows):
            assert np.all(np.diff(rows.t) > 0) and rows.t[0] > last
            last = rows.t[-1]
    asm.finish()
    assert asm.malformed <= len(packets)
