"""Polar Measurement Data (PMD) protocol: Polar H10 (ACC) and Verity Sense (ACC + GYRO).

Control point ``FB005C81`` (read features, write commands, indications answer), data ``FB005C82``
(notifications). A data frame is ``[measurement type][u64 LE ns since 2000-01-01, time of the
LAST sample][frame type][payload]``; frame type bit 7 marks delta-compressed payloads: a reference
sample then blocks ``[bit width][count][count × channels values, LSB first, sign-extended]`` each
added to the previous sample. Sample times follow the SDK: on the first frame
``step = 1e9 / rate`` and sample i is ``header - step × (n-1-i)``; on later frames
``step = (header - previous header) / n`` and sample i is ``previous + step × (i+1)``; the last
sample is exactly the header; times are rounded half to even.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import DecodeError, DeviceError
from ...units import mg_to_m_s2
from .base import Block, FrameDecoder, GattPort, SensorProtocol, need

SERVICE_UUID = "fb005c80-02e7-f387-1cad-8acd2d8df0c8"
CONTROL_UUID = "fb005c81-02e7-f387-1cad-8acd2d8df0c8"
DATA_UUID = "fb005c82-02e7-f387-1cad-8acd2d8df0c8"

# Measurement types and control-point op codes.
ACC = 2
GYRO = 5
SDK_MODE = 9
OP_GET_SETTINGS = 1
OP_START = 2
OP_STOP = 3
RESPONSE_CODE = 0xF0
FEATURES_CODE = 0x0F

# Setting TLV types and their value sizes in bytes.
SAMPLE_RATE, RESOLUTION, RANGE, RANGE_MILLIUNIT, CHANNELS, FACTOR = 0, 1, 2, 3, 4, 5
_SETTING_SIZE = {SAMPLE_RATE: 2, RESOLUTION: 2, RANGE: 2, RANGE_MILLIUNIT: 4, CHANNELS: 1, FACTOR: 4}

STATUS_TEXT = {
    0: "success", 1: "invalid op code", 2: "invalid measurement type", 3: "not supported",
    4: "invalid length", 5: "invalid parameter", 6: "already in state", 7: "invalid resolution",
    8: "invalid sample rate", 9: "invalid range", 10: "invalid MTU", 11: "invalid number of channels",
    12: "invalid state", 13: "device in charger",
}
_STATUS_FIX = {
    13: "take the sensor off its charger",
    6: "the stream is already running: stop it or power-cycle the sensor",
    10: "the connection MTU is too small (Polar needs >= 232)",
}

#: Epoch of Polar timestamps relative to the Unix epoch, in seconds.
POLAR_EPOCH_UNIX_S = 946684800.0
_MAX_FRAME_SAMPLES = 4096


# -- control point ----------------------------------------------------------------------------

@dataclass
class ControlResponse:
    """A control-point answer ``F0 op type status more params``."""

    op: int
    measurement: int
    status: int
    more: bool = False
    params: bytes = b""

    @property
    def ok(self) -> bool:
        return self.status == 0

    @property
    def status_text(self) -> str:
        return STATUS_TEXT.get(self.status, f"unknown status {self.status}")


def parse_response(payload: bytes) -> ControlResponse:
    """Parse a control-point indication; DecodeError if it is not one."""
    need(payload, 4, "Polar control-point response")
    if payload[0] != RESPONSE_CODE:
        raise DecodeError(f"Polar control-point response starts with 0x{payload[0]:02X}, not 0xF0")
    more = len(payload) > 4 and payload[4] != 0
    return ControlResponse(payload[1], payload[2], payload[3], more, bytes(payload[5:]))


def parse_features(payload: bytes) -> set[int]:
    """Measurement types announced by reading the control point (``0F <bits>``)."""
    need(payload, 2, "Polar feature read")
    if payload[0] != FEATURES_CODE:
        raise DecodeError(f"Polar feature read starts with 0x{payload[0]:02X}, not 0x0F")
    bits = int.from_bytes(bytes(payload[1:]), "little")
    return {i for i in range(8 * (len(payload) - 1)) if bits >> i & 1}


def parse_settings(params: bytes) -> dict[int, list[float]]:
    """Setting TLVs ``type, count, values`` into ``{type: [values]}``."""
    out: dict[int, list[float]] = {}
    i = 0
    while i < len(params):
        if i + 2 > len(params):
            raise DecodeError("Polar settings: truncated TLV header")
        kind, count = params[i], params[i + 1]
        size = _SETTING_SIZE.get(kind)
        if size is None:
            raise DecodeError(f"Polar settings: unknown setting type {kind}")
        i += 2
        if i + size * count > len(params):
            raise DecodeError(f"Polar settings: setting {kind} truncated")
        vals: list[float] = []
        for _ in range(count):
            raw = bytes(params[i:i + size])
            vals.append(struct.unpack("<f", raw)[0] if kind == FACTOR else int.from_bytes(raw, "little"))
            i += size
        out[kind] = vals
    return out


def build_settings(settings: dict[int, float]) -> bytes:
    """One value per setting, as START expects (FACTOR is never sent)."""
    out = bytearray()
    for kind in sorted(settings):
        if kind == FACTOR:
            continue
        size = _SETTING_SIZE[kind]
        out += bytes([kind, 1]) + int(settings[kind]).to_bytes(size, "little")
    return bytes(out)


def cmd_get_settings(measurement: int) -> bytes:
    return bytes([OP_GET_SETTINGS, measurement])


def cmd_start(measurement: int, settings: dict[int, float]) -> bytes:
    return bytes([OP_START, measurement]) + build_settings(settings)


def cmd_stop(measurement: int) -> bytes:
    return bytes([OP_STOP, measurement])


# -- data frames ------------------------------------------------------------------------------

@dataclass
class Frame:
    """A decoded data frame: raw values (ACC in mG, GYRO in deg/s) and times in ns since 2000."""

    measurement: int
    frame_type: int
    timestamp_ns: int
    values: np.ndarray
    times_ns: np.ndarray


def _sign_extend(values: np.ndarray, bits: int) -> np.ndarray:
    sign = np.int64(1) << (bits - 1)
    return (values ^ sign) - sign


def parse_delta_payload(payload: bytes, channels: int, resolution_bits: int) -> np.ndarray:
    """Reference sample + delta blocks into int32 samples, shape (n, channels).

    Arithmetic wraps at 32 bits like the SDK's, so float bit patterns survive the deltas.
    """
    ref_bytes = (resolution_bits + 7) // 8
    need(payload, channels * ref_bytes, "Polar delta frame reference sample")
    ref = np.array([int.from_bytes(payload[i * ref_bytes:(i + 1) * ref_bytes], "little")
                    for i in range(channels)], dtype=np.int64)
    ref = _sign_extend(ref, ref_bytes * 8)
    rows = [ref[None, :]]
    total = 1
    off = channels * ref_bytes
    while off < len(payload):
        if off + 2 > len(payload):
            raise DecodeError("Polar delta frame: block header truncated")
        width, count = payload[off], payload[off + 1]
        off += 2
        if not 1 <= width <= 32:
            raise DecodeError(f"Polar delta frame: bad bit width {width}")
        nbits = width * count * channels
        nbytes = (nbits + 7) // 8
        if off + nbytes > len(payload):
            raise DecodeError(f"Polar delta frame: block of {count} samples x {width} bits truncated")
        total += count
        if total > _MAX_FRAME_SAMPLES:
            raise DecodeError("Polar delta frame: implausibly many samples")
        if count:
            bits = np.unpackbits(np.frombuffer(payload, np.uint8, nbytes, off), bitorder="little")[:nbits]
            weights = np.left_shift(np.int64(1), np.arange(width, dtype=np.int64))
            deltas = _sign_extend(bits.reshape(-1, width).astype(np.int64) @ weights, width)
            rows.append(deltas.reshape(count, channels))
        off += nbytes
    samples = np.cumsum(np.concatenate(rows), axis=0)
    return ((samples + 2**31) % 2**32 - 2**31).astype(np.int64)  # 32-bit wrap-around


def sample_times_ns(timestamp_ns: int, previous_ns: int, n: int, rate_hz: float) -> np.ndarray:
    """The SDK's sample-time rule (see module docstring); ``previous_ns == 0`` on the first frame."""
    if n <= 0:
        raise DecodeError("Polar frame holds no samples")
    if previous_ns == 0:
        if rate_hz <= 0:
            raise DecodeError("Polar frame: no sample rate known for the first frame")
        step = 1e9 / rate_hz
        start = float(timestamp_ns) - step * (n - 1)
    else:
        if timestamp_ns <= previous_ns:
            raise DecodeError(f"Polar frame timestamp {timestamp_ns} does not advance past {previous_ns}")
        step = (timestamp_ns - previous_ns) / n
        start = float(previous_ns) + step
    if start < 0:
        raise DecodeError("Polar frame: sample times before the year 2000 (bad timestamp)")
    if timestamp_ns >= 2 ** 63:
        raise DecodeError(f"Polar frame timestamp {timestamp_ns} is beyond the year 2292 (bad timestamp)")
    times = [round(start + step * i) for i in range(n - 1)]
    times.append(timestamp_ns)
    return np.array(times, dtype=np.int64)


def decode_frame(payload: bytes, previous_ns: int = 0, rate_hz: float = 0.0,
                 factor: float = 1.0) -> Frame:
    """Decode one PMD data frame (ACC or GYRO) into raw units (mG, deg/s) with sample times."""
    need(payload, 10, "Polar data frame")
    mtype = payload[0]
    ts = int.from_bytes(payload[1:9], "little")
    ftype = payload[9]
    body = bytes(payload[10:])
    compressed = bool(ftype & 0x80)
    kind = ftype & 0x7F
    f32 = float(np.float32(factor))
    if mtype == ACC:
        if not compressed:
            width = {0: 1, 1: 2, 2: 3}.get(kind)
            if width is None:
                raise DecodeError(f"Polar ACC: unsupported raw frame type {ftype}")
            if len(body) == 0 or len(body) % (3 * width):
                raise DecodeError(f"Polar ACC raw type {kind}: {len(body)} bytes is not whole samples")
            raw = np.frombuffer(body, np.uint8).reshape(-1, width).astype(np.int64)
            ints = raw @ (np.int64(1) << (8 * np.arange(width, dtype=np.int64)))
            values = _sign_extend(ints, 8 * width).reshape(-1, 3).astype(float)
        elif kind == 0:
            values = parse_delta_payload(body, 3, 16).astype(float) * (f32 * 1000.0)
        elif kind == 1:
            values = parse_delta_payload(body, 3, 16).astype(float)
            if f32 != 1.0:
                values = values * f32
        else:
            raise DecodeError(f"Polar ACC: unsupported compressed frame type {ftype}")
    elif mtype == GYRO:
        if not compressed:
            raise DecodeError(f"Polar GYRO: unsupported raw frame type {ftype}")
        if kind == 0:
            values = parse_delta_payload(body, 3, 16).astype(float)
        elif kind == 1:
            ints = parse_delta_payload(body, 3, 32)
            with np.errstate(invalid="ignore"):  # a signalling-NaN pattern: refused just below
                values = (ints & 0xFFFFFFFF).astype(np.uint32).view(np.float32).astype(float)
        else:
            raise DecodeError(f"Polar GYRO: unsupported compressed frame type {ftype}")
        if f32 != 1.0:
            values = values * f32
    else:
        raise DecodeError(f"Polar data frame of measurement type {mtype} (only ACC=2, GYRO=5 are used)")
    if not np.all(np.isfinite(values)):
        raise DecodeError("Polar frame holds non-finite values")
    times = sample_times_ns(ts, previous_ns, len(values), rate_hz)
    return Frame(mtype, ftype, ts, values, times)


# -- encoders (the virtual sensor and tests speak the same bytes) -----------------------------

def encode_header(measurement: int, timestamp_ns: int, frame_type: int) -> bytes:
    return bytes([measurement]) + int(timestamp_ns).to_bytes(8, "little") + bytes([frame_type])


def encode_raw_acc(timestamp_ns: int, mg: np.ndarray, frame_type: int = 1) -> bytes:
    """Raw ACC frame, int8/16/24 per axis (frame type 0/1/2) in mG."""
    width = {0: 1, 1: 2, 2: 3}[frame_type]
    body = b"".join(int(v).to_bytes(width, "little", signed=True) for v in np.asarray(mg).ravel())
    return encode_header(ACC, timestamp_ns, frame_type) + body


def encode_delta_payload(samples: np.ndarray, resolution_bits: int = 16, block: int = 16) -> bytes:
    """Reference sample then delta blocks of at most ``block`` samples, each with the smallest
    bit width that holds its deltas (32-bit wrap-around arithmetic)."""
    s = np.asarray(samples, dtype=np.int64)
    ref_bytes = (resolution_bits + 7) // 8
    out = bytearray(b"".join(int(v).to_bytes(ref_bytes, "little", signed=True) for v in s[0]))
    d = np.diff(s, axis=0)
    d = (d + 2**31) % 2**32 - 2**31
    for i in range(0, len(d), block):
        chunk = d[i:i + block]
        m = int(np.max(np.abs(chunk))) if chunk.size else 0
        width = max(1, min(32, (m.bit_length() + 1) if m else 1))
        while width < 32 and not (-(1 << (width - 1)) <= chunk.min() and chunk.max() < (1 << (width - 1))):
            width += 1
        vals = (chunk.ravel() & ((1 << width) - 1)).astype(np.uint64)
        bits = ((vals[:, None] >> np.arange(width, dtype=np.uint64)) & 1).astype(np.uint8).ravel()
        out += bytes([width, len(chunk)]) + np.packbits(bits, bitorder="little").tobytes()
    return bytes(out)


def float_bits(values: np.ndarray) -> np.ndarray:
    """float32 values as signed int32 bit patterns (GYRO type 0x81 reference and deltas)."""
    return np.asarray(values, dtype=np.float32).view(np.int32).astype(np.int64)


# -- protocol ---------------------------------------------------------------------------------

class PolarDecoder(FrameDecoder):
    """Stateful PMD decoder: previous frame timestamp per measurement, factors from START answers."""

    def __init__(self, rates_hz: dict[int, float], factors: dict[int, float] | None = None) -> None:
        self.rates_hz = dict(rates_hz)
        self.factors = {ACC: 1.0, GYRO: 1.0, **(factors or {})}
        self.previous_ns: dict[int, int] = {}

    def reset(self) -> None:
        self.previous_ns = {}

    def feed(self, uuid: str, payload: bytes) -> list[Block]:
        uuid = uuid.lower()
        if uuid == CONTROL_UUID:
            resp = parse_response(payload)
            if resp.op == OP_START and resp.ok and resp.params:
                factor = parse_settings(resp.params).get(FACTOR)
                if factor:
                    self.factors[resp.measurement] = float(factor[0])
            return []
        if uuid != DATA_UUID:
            return []
        need(payload, 10, "Polar data frame")
        mtype = payload[0]
        if mtype not in self.rates_hz:
            raise DecodeError(f"Polar data frame of measurement type {mtype}, which was not started")
        prev = self.previous_ns.get(mtype, 0)
        rate = self.rates_hz[mtype]
        ts = int.from_bytes(payload[1:9], "little")
        if prev and rate > 0 and ts - prev > 1.5 * _frame_samples_hint(payload) * 1e9 / rate:
            # Frames were lost in between: spreading this frame over the hole (the SDK's later-frame
            # rule) would stretch it, so time it from the rate like a first frame; the hole is a gap.
            prev = 0
        try:
            frame = decode_frame(payload, prev, self.rates_hz[mtype], self.factors.get(mtype, 1.0))
        except DecodeError:
            if prev and ts <= prev:
                self.previous_ns[mtype] = 0  # clock went back: restart with the first-frame rule
            raise
        self.previous_ns[mtype] = frame.timestamp_ns
        t_s = frame.times_ns.astype(float) * 1e-9
        if mtype == ACC:
            return [Block("acc", acc_m_s2=mg_to_m_s2(frame.values), t_s=t_s)]
        return [Block("gyr", gyr_deg_s=frame.values, t_s=t_s)]


def _frame_samples_hint(payload: bytes) -> int:
    """Samples in a frame without decoding it fully (raw frames: from the length)."""
    ftype = payload[9]
    if not ftype & 0x80 and payload[0] == ACC:
        width = {0: 1, 1: 2, 2: 3}.get(ftype & 0x7F, 2)
        return max(1, (len(payload) - 10) // (3 * width))
    try:
        body = bytes(payload[10:])
        res = 32 if (payload[0] == GYRO and ftype & 0x7F == 1) else 16
        ref = 3 * ((res + 7) // 8)
        n, off = 1, ref
        while off + 2 <= len(body):
            width, count = body[off], body[off + 1]
            n += count
            off += 2 + (width * count * 3 + 7) // 8
        return n
    except IndexError:
        return 1


def _pick(values: list[float] | None, want: float) -> float | None:
    if not values:
        return None
    return min(values, key=lambda v: (abs(v - want), v))


@dataclass
class PolarProtocol(SensorProtocol):
    """Polar PMD: features read, GET_SETTINGS per measurement, START built from the answer."""

    measurements: tuple[int, ...] = (ACC,)
    acc_range_g: int = 8
    gyro_range_deg_s: int = 2000

    async def _command(self, port: GattPort, data: bytes) -> ControlResponse:
        await port.write(CONTROL_UUID, data, response=True)
        while True:
            resp = parse_response(await port.response(CONTROL_UUID))
            if resp.op == data[0] and resp.measurement == data[1]:
                return resp

    def _refuse(self, what: str, resp: ControlResponse) -> DeviceError:
        return DeviceError(f"{self.display_name} refused {what}: status {resp.status} ({resp.status_text})",
                           fix=_STATUS_FIX.get(resp.status, "power-cycle the sensor and try again"))

    async def configure(self, port: GattPort, rate_hz: float | None = None) -> dict[str, Any]:
        features = parse_features(await port.read(CONTROL_UUID))
        want = float(rate_hz or self.default_rate_hz)
        chosen: dict[str, dict[int, float]] = {}
        for m in self.measurements:
            name = "acc" if m == ACC else "gyr"
            if m not in features:
                raise DeviceError(f"{self.display_name} does not offer {name.upper()} streaming",
                                  fix="check the model, or update the sensor's firmware")
            resp = await self._command(port, cmd_get_settings(m))
            if not resp.ok:
                raise self._refuse(f"GET_SETTINGS {name.upper()}", resp)
            avail = parse_settings(resp.params)
            s: dict[int, float] = {}
            rate = _pick(avail.get(SAMPLE_RATE), want)
            if rate is not None:
                s[SAMPLE_RATE] = rate
            res = _pick(avail.get(RESOLUTION), 16)
            if res is not None:
                s[RESOLUTION] = res
            rng = _pick(avail.get(RANGE), self.acc_range_g if m == ACC else self.gyro_range_deg_s)
            if rng is not None:
                s[RANGE] = rng
            ch = _pick(avail.get(CHANNELS), 3)
            if ch is not None:
                s[CHANNELS] = ch
            if SAMPLE_RATE not in s:
                raise DeviceError(f"{self.display_name} announced no {name.upper()} sample rate",
                                  fix="power-cycle the sensor and try again")
            chosen[name] = s
        rate_out = chosen["acc"][SAMPLE_RATE] if "acc" in chosen else next(iter(chosen.values()))[SAMPLE_RATE]
        return {"sampling_rate_hz": float(rate_out),
                "pmd": {k: {str(t): v for t, v in s.items()} for k, s in chosen.items()}}

    async def start(self, port: GattPort, settings: dict[str, Any]) -> None:
        for name, s in settings["pmd"].items():
            m = ACC if name == "acc" else GYRO
            resp = await self._command(port, cmd_start(m, {int(k): v for k, v in s.items()}))
            if not resp.ok and resp.status != 6:  # 6: already streaming, which is what we want
                raise self._refuse(f"START {name.upper()}", resp)

    async def stop(self, port: GattPort, settings: dict[str, Any]) -> None:
        for name in settings.get("pmd", {}):
            await port.write(CONTROL_UUID, cmd_stop(ACC if name == "acc" else GYRO), response=True)

    def decoder(self, settings: dict[str, Any]) -> PolarDecoder:
        rates = {ACC if name == "acc" else GYRO: float(s[str(SAMPLE_RATE)])
                 for name, s in settings["pmd"].items()}
        return PolarDecoder(rates)


def polar_h10() -> PolarProtocol:
    return PolarProtocol(model="polar-h10", display_name="Polar H10", service_uuid=SERVICE_UUID,
                         notify_uuids=(CONTROL_UUID, DATA_UUID), name_prefixes=("Polar H10",),
                         has_gyro=False, has_clock=True, default_rate_hz=100.0, measurements=(ACC,))


def polar_verity_sense() -> PolarProtocol:
    return PolarProtocol(model="polar-verity-sense", display_name="Polar Verity Sense",
                         service_uuid=SERVICE_UUID, notify_uuids=(CONTROL_UUID, DATA_UUID),
                         name_prefixes=("Polar Sense", "Polar Verity"), has_gyro=True, has_clock=True,
                         default_rate_hz=52.0, measurements=(ACC, GYRO))
