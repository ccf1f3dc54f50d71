"""Byte-level decoder tests against vendor-documented frames and the documented formats."""
from __future__ import annotations

import struct

import numpy as np
import pytest

from imu_pushup.ble.sensors import generic, movesense, polar, thingy52, witmotion
from imu_pushup.errors import DecodeError
from imu_pushup.units import GRAVITY_M_S2

# Frames from the Polar BLE SDK's own unit tests (AccDataTest): the vendor's reference bytes.
POLAR_ACC_80 = bytes.fromhex(
    "02 0094357700000000 80"
    "7107F06A9E8D0A38BE5CBEBA2F96B3EE4BE5ADFB42B9EBBE4CFEBA2F92BFEE4BE4B1FB12B9ECBD3C3EBB2F8FD3DE4BE3"
    "B5F7D2B8EDBD307E7B2F8BE3CE8BE2BAF7A2B8EEBC20BE7B2F88F3CECBE1BDEF52F8EFBC18FE3B2F8403BFCBE0C2EF32"
    "B8F0BB044EBC2E8113AF0BE0C6EFF2F7F1B9FC7DBC2E7D279F4BDFCAEBC2F7F2B8ECCD7C2E7B378F4BDECEE392F7F3B8"
    "E00DFD2D774B7FCBDDD2DF6237F5B7D44DBD2D745B6FCBDCD7D73237F6B5C88D7D2D716B4F4BDCDCD3F236F7B4BCDDFD"
    "2C6F7B3F4BDBE0CFD236F8B2B02DBE2C6C8F1FCBDAE3C7A276F9".replace(" ", ""))
POLAR_ACC_81 = bytes.fromhex("02 6500000000000000 81 F1FF1400F003 06 01 7B0F08".replace(" ", ""))


def test_polar_acc_delta_type0_vendor_frame():
    f = polar.decode_frame(POLAR_ACC_80, previous_ns=100, rate_hz=0, factor=2.44e-4)
    assert len(f.values) == 57 and f.timestamp_ns == 2_000_000_000
    k = float(np.float32(2.44e-4)) * 1000
    np.testing.assert_allclose(f.values[0], np.array([1905, 27376, -29282]) * k)
    np.testing.assert_allclose(f.values[1], np.array([1905 + 190, 27376 - 105, -29282 - 85]) * k)
    assert np.all(np.abs(f.values) <= 8000)  # the vendor's range check (8 G)
    step = (2_000_000_000 - 100) / 57
    assert f.times_ns[0] == round(100 + step) and f.times_ns[-1] == 2_000_000_000


def test_polar_acc_delta_type1_and_round_half_to_even():
    f = polar.decode_frame(POLAR_ACC_81, previous_ns=100, rate_hz=0, factor=1.0)
    np.testing.assert_array_equal(f.values, [[-15, 20, 1008], [-20, 17, 1008]])
    # step 0.5 ns: first sample at 100.5 rounds to even 100, last is the header exactly.
    assert list(f.times_ns) == [100, 101]


def test_polar_acc_raw_type1_first_frame_times():
    mg = np.array([[-9, -1, 999], [-8, -2, 997], [5, 6, 1001]])
    frame = polar.encode_raw_acc(2_000_000_000, mg)
    assert frame[:10].hex() == "02009435770000000001"
    assert frame[10:16] == bytes.fromhex("F7FFFFFFE703")  # -9, -1, 999 as in the SDK test
    f = polar.decode_frame(frame, previous_ns=0, rate_hz=52)
    np.testing.assert_array_equal(f.values, mg)
    step = 1e9 / 52
    assert list(f.times_ns) == [round(2e9 - 2 * step), round(2e9 - step), 2_000_000_000]


def test_polar_gyro_float_deltas_on_bit_patterns():
    vals = np.array([[1.5, -2.25, 100.0], [1.75, -2.0, 99.5], [-3.0, 0.125, 0.0]], dtype=np.float32)
    body = polar.encode_delta_payload(polar.float_bits(vals), resolution_bits=32)
    frame = polar.encode_header(polar.GYRO, 10**12, 0x81) + body
    f = polar.decode_frame(frame, previous_ns=10**12 - 3 * 19_230_769, rate_hz=52, factor=1.0)
    np.testing.assert_array_equal(f.values, vals.astype(float))
    f2 = polar.decode_frame(frame, previous_ns=0, rate_hz=52, factor=0.5)
    np.testing.assert_array_equal(f2.values, vals.astype(float) * 0.5)


def test_polar_gyro_int_deltas_times_factor():
    counts = np.array([[0, 0, 0], [100, -50, 3], [-32768, 32767, 0]])
    frame = polar.encode_header(polar.GYRO, 5 * 10**9, 0x80) + polar.encode_delta_payload(counts)
    f = polar.decode_frame(frame, rate_hz=52, factor=2000 / 32768)
    np.testing.assert_allclose(f.values, counts * float(np.float32(2000 / 32768)))


def test_polar_delta_lsb_first_bit_packing():
    # Two 4-bit deltas per byte, low nibble first: 21 F3 10 -> (+1, +2, +3), (-1, 0, +1).
    payload = bytes([1, 0, 2, 0, 3, 0]) + bytes([4, 2]) + bytes([0x21, 0xF3, 0x10])
    s = polar.parse_delta_payload(payload, 3, 16)
    np.testing.assert_array_equal(s, [[1, 2, 3], [2, 4, 6], [1, 4, 7]])


@pytest.mark.parametrize("bad", [
    POLAR_ACC_81[:12],                                   # truncated reference
    POLAR_ACC_81[:-1],                                   # truncated delta block
    POLAR_ACC_81[:16] + bytes([0x21, 0x01]) + POLAR_ACC_81[18:],  # bit width 33
    bytes([7]) + POLAR_ACC_81[1:],                       # unknown measurement type
    POLAR_ACC_81[:9] + bytes([0x85]) + POLAR_ACC_81[10:],  # unknown frame type
    polar.encode_raw_acc(10**9, np.array([[1, 2, 3]]))[:-1],  # raw frame not whole samples
    b"\x02\x00",
])
def test_polar_malformed_frames_raise_decode_error(bad):
    with pytest.raises(DecodeError):
        polar.decode_frame(bad, previous_ns=100, rate_hz=52)


def test_polar_control_point_settings_and_commands():
    # GET_SETTINGS answer for ACC: rates 25/50/100/200, resolution 16, ranges 2/4/8, 3 channels.
    params = (bytes([0, 4]) + struct.pack("<4H", 25, 50, 100, 200) + bytes([1, 1]) + struct.pack("<H", 16)
              + bytes([2, 3]) + struct.pack("<3H", 2, 4, 8) + bytes([4, 1, 3]))
    resp = polar.parse_response(bytes([0xF0, 1, 2, 0, 0]) + params)
    assert resp.ok and resp.op == 1 and resp.measurement == 2
    s = polar.parse_settings(resp.params)
    assert s == {0: [25, 50, 100, 200], 1: [16], 2: [2, 4, 8], 4: [3]}
    cmd = polar.cmd_start(polar.ACC, {0: 100, 1: 16, 2: 8, 4: 3})
    assert cmd.hex() == "0202" + "00016400" + "01011000" + "02010800" + "040103"
    err = polar.parse_response(bytes([0xF0, 2, 2, 13, 0]))
    assert not err.ok and err.status_text == "device in charger"
    assert polar.parse_features(bytes([0x0F, 0x24])) >= {polar.ACC, polar.GYRO}
    factor = polar.parse_settings(bytes([5, 1]) + struct.pack("<f", 0.5))
    assert factor[5] == [0.5]


def test_polar_decoder_takes_factor_from_start_answer_and_marks_lost_frames():
    dec = polar.PolarDecoder({polar.ACC: 50.0})
    dec.feed(polar.CONTROL_UUID, bytes([0xF0, 2, 2, 0, 0, 5, 1]) + struct.pack("<f", 0.25))
    counts = np.array([[4000, 0, 0], [4004, 0, 0]])
    t1 = 10**12
    f1 = polar.encode_header(polar.ACC, t1, 0x81) + polar.encode_delta_payload(counts)
    (b,) = dec.feed(polar.DATA_UUID, f1)
    np.testing.assert_allclose(b.acc_m_s2[:, 0], np.array([1000, 1001]) * GRAVITY_M_S2 / 1000)
    # Next frame arrives after a lost one: its samples keep the nominal 20 ms spacing.
    f3 = polar.encode_header(polar.ACC, t1 + 4 * 20_000_000, 0x81) + polar.encode_delta_payload(counts)
    (b3,) = dec.feed(polar.DATA_UUID, f3)
    assert np.allclose(np.diff(b3.t_s), 0.02)


def test_witmotion_frames_split_and_resynchronised():
    acc = np.array([0.1, -0.2, 9.81])
    gyr = np.array([10.0, -20.0, 30.0])
    frame = witmotion.encode_frame(acc, gyr, np.array([1.0, 2.0, 3.0]))
    assert frame[:2] == b"\x55\x61" and len(frame) == 20
    a, g, ang = witmotion.decode_frame(frame)
    np.testing.assert_allclose(a, acc, atol=16 / 32768 * GRAVITY_M_S2)
    np.testing.assert_allclose(g, gyr, atol=2000 / 32768)
    # Documented scale: 0x0800 = 2048 counts = 1 g on x.
    raw = b"\x55\x61" + struct.pack("<9h", 2048, 0, 0, 16384, 0, 0, 0, 0, 0)
    a, g, _ = witmotion.decode_frame(raw)
    assert a[0] == pytest.approx(GRAVITY_M_S2) and g[0] == pytest.approx(1000.0)
    dec = witmotion.WitMotionDecoder()
    stream = b"\x01\x02" + frame + raw + frame
    blocks = dec.feed(witmotion.NOTIFY_UUID, stream[:13]) + dec.feed(witmotion.NOTIFY_UUID, stream[13:])
    assert sum(b.n for b in blocks) == 3 and dec.skipped_bytes == 2
    with pytest.raises(DecodeError):
        dec.feed(witmotion.NOTIFY_UUID, b"\x00" * 30)
    assert witmotion.cmd_rate(50.0) == bytes.fromhex("FFAA030800")


def test_movesense_imu6_packet():
    acc = np.array([[0.0, 0.0, 9.81], [0.1, 0.2, 9.7]])
    gyr = np.array([[1.0, 2.0, 3.0], [-1.0, -2.0, -3.0]])
    pkt = movesense.encode_data(99, 123456, acc, gyr)
    assert len(pkt) == 6 + 2 * 24
    ref, t_ms, a, g = movesense.decode_data(pkt)
    assert (ref, t_ms) == (99, 123456)
    np.testing.assert_allclose(a, acc, rtol=1e-6)
    np.testing.assert_allclose(g, gyr, rtol=1e-6)
    (b,) = movesense.MovesenseDecoder(52.0).feed(movesense.NOTIFY_UUID, pkt)
    np.testing.assert_allclose(b.t_s, [123.456, 123.456 + 1 / 52])
    assert movesense.cmd_subscribe(52) == b"\x01\x63/Meas/IMU6/52"
    for bad in (pkt[:-1], pkt[:5], b"\x07" + pkt[1:]):
        with pytest.raises(DecodeError):
            movesense.decode_data(bad)


def test_thingy52_raw_scales_and_config():
    raw = struct.pack("<9h", 1024, -512, 0, 32, -64, 0, 16, 0, 0)
    a, g = thingy52.decode_raw(raw)
    np.testing.assert_allclose(a, [GRAVITY_M_S2, -GRAVITY_M_S2 / 2, 0])
    np.testing.assert_allclose(g, [1.0, -2.0, 0.0])
    cfg = thingy52.set_motion_rate(thingy52.DEFAULT_CONFIG, 50)
    assert struct.unpack("<HHHHB", cfg)[3] == 50 and len(cfg) == 9
    with pytest.raises(DecodeError):
        thingy52.decode_raw(raw[:-2])


def test_generic_packet_and_clock_wrap():
    acc = np.array([[0.0, 0.0, GRAVITY_M_S2]] * 2)
    gyr = np.array([[12.3, -4.5, 0.0]] * 2)
    pkt = generic.encode_packet(7, 2**32 - 10_000, acc, gyr)
    seq, t_us, a, g = generic.decode_packet(pkt)
    assert seq == 7 and t_us == 2**32 - 10_000
    np.testing.assert_allclose(a, acc, atol=0.01)
    np.testing.assert_allclose(g, gyr, atol=0.05)
    dec = generic.GenericDecoder(100.0)
    (b1,) = dec.feed(generic.DATA_UUID, pkt)
    (b2,) = dec.feed(generic.DATA_UUID, generic.encode_packet(9, 10_000, acc, gyr))  # clock wrapped, one lost
    assert b2.t_s[0] - b1.t_s[0] == pytest.approx(0.02)
    assert dec.lost_packets == 1
    with pytest.raises(DecodeError):
        generic.decode_packet(pkt[:-1])


@pytest.mark.parametrize("arrival_s, first_t", [(0.02, 0.0), (0.5, 0.5 - 3 / 52)])
def test_session_origin_never_precedes_the_start(arrival_s, first_t):
    """Session time: the first packet's last sample at its arrival after the start, unless that
    would put its first sample before the start (a device clock running faster than the host's)."""
    from imu_pushup.ble.assemble import StreamAssembler
    header = {"model": "movesense", "sampling_rate_hz": 52.0, "settings": {"sampling_rate_hz": 52.0},
              "t0_host": 100.0}
    asm = StreamAssembler(header, warn=False)
    acc = np.tile([0.0, 0.0, 9.81], (4, 1))
    pkt = movesense.encode_data(movesense.DATA_REF, 5_000_000, acc, np.zeros((4, 3)))
    rows = asm.feed(100.0 + arrival_s, movesense.NOTIFY_UUID, pkt)
    assert len(rows) == 4
    np.testing.assert_allclose(rows.t, first_t + np.arange(4) / 52, atol=1e-9)


def test_polar_gyro_float_nan_bit_pattern_is_refused_quietly():
    """A signalling-NaN reference value is a DecodeError, not a NumPy floating-point warning."""
    import warnings
    frame = polar.encode_header(polar.GYRO, 10**9, 0x81) + (0x7F800001).to_bytes(4, "little") * 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DecodeError, match="non-finite"):
            polar.decode_frame(frame, previous_ns=None, rate_hz=52, factor=1.0)
