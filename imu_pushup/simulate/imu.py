"""Sensors on the body: where each placement sits, what an ideal IMU there measures, and its errors.

Each sensor rides on a segment of the chain at a fixed offset (the *site*). Its aligned frame has
``x`` along the segment towards the head (arm placements: towards the shoulder) and ``z`` out of the
skin; the mount rotation turns that into the sensor's own axes. A damped spring-mass (the strap
and the soft tissue under it) lets the sensor lag and rock against the segment. The ideal signals
are the specific force ``f = Rᵀ(p̈ + g·up)`` (m/s²) and the body angular rate (deg/s), both by
finite differences of position and orientation on the fine grid; then come the anti-alias filter,
sampling, scale error, bias, white noise, saturation and quantisation.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from ..units import DEG_PER_RAD, GRAVITY_M_S2
from .chain import ChainPoints, Segments


@dataclass(frozen=True)
class Site:
    """Where a placement sits: segment, anchor joint, offsets (m) and the skin rotation."""

    segment: str
    anchor: str
    along_m: float     # along the segment axis from the anchor (towards the proximal end)
    normal_m: float    # along the segment's dorsal normal (negative: ventral/palmar side)
    lateral_m: float   # to the left (+y)
    skin_x_deg: float  # rotation about x from the segment frame to the aligned sensor frame


def site(placement: str, seg: Segments) -> Site:
    """The body site of ``placement`` for a person with segments ``seg``."""
    h = seg.height_m
    shoulder_half_width = 0.115 * h
    if placement == "chest":      # sternum, ventral: z points out of the chest
        return Site("trunk", "shoulder", -0.25 * seg.trunk_m, -seg.chest_depth_m, 0.0, 180.0)
    if placement == "lumbar":     # lower back, dorsal
        return Site("trunk", "hip", 0.15 * seg.trunk_m, 0.055 * h, 0.0, 0.0)
    if placement == "head":       # back of the head
        return Site("head", "shoulder", seg.head_m, 0.05 * h, 0.0, 0.0)
    if placement == "upper_arm":  # left upper arm, lateral: z points to the left
        return Site("upper_arm", "elbow", 0.5 * seg.upper_arm_m, 0.0, shoulder_half_width + 0.025 * h, -90.0)
    if placement == "wrist":      # dorsal forearm near the left wrist
        return Site("forearm", "wrist", 0.03 * h, -0.012 * h, shoulder_half_width, 180.0)
    raise ValueError(placement)


def rot_x(a: np.ndarray) -> np.ndarray:
    """Rotation matrices (n, 3, 3) about x by angles ``a`` (rad)."""
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([o, z, z], -1), np.stack([z, c, -s], -1), np.stack([z, s, c], -1)], -2)


def rotvec_to_matrix(v: np.ndarray) -> np.ndarray:
    """Rodrigues' formula for rotation vectors (n, 3) → matrices (n, 3, 3)."""
    th2 = np.einsum("ni,ni->n", v, v)
    th = np.sqrt(th2)
    small = th < 1e-6
    safe = np.where(small, 1.0, th)
    a = np.where(small, 1.0 - th2 / 6, np.sin(th) / safe)
    b = np.where(small, 0.5 - th2 / 24, (1 - np.cos(th)) / safe ** 2)
    x, y, z = v[:, 0], v[:, 1], v[:, 2]
    out = np.empty(v.shape[:-1] + (3, 3))
    out[:, 0, 0] = 1 - b * (y * y + z * z)
    out[:, 1, 1] = 1 - b * (x * x + z * z)
    out[:, 2, 2] = 1 - b * (x * x + y * y)
    out[:, 0, 1] = b * x * y - a * z
    out[:, 1, 0] = b * x * y + a * z
    out[:, 0, 2] = b * x * z + a * y
    out[:, 2, 0] = b * x * z - a * y
    out[:, 1, 2] = b * y * z - a * x
    out[:, 2, 1] = b * y * z + a * x
    return out


def matmul_n(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise products of matrix stacks (n, 3, 3) @ (n, 3, 3) (faster than ``@`` for 3x3)."""
    out = np.empty(a.shape)
    for i in range(3):
        for k in range(3):
            out[:, i, k] = a[:, i, 0] * b[:, 0, k] + a[:, i, 1] * b[:, 1, k] + a[:, i, 2] * b[:, 2, k]
    return out


def matmul_c(a: np.ndarray, c: np.ndarray) -> np.ndarray:
    """A matrix stack (n, 3, 3) times one constant matrix (3, 3)."""
    out = np.empty(a.shape)
    for k in range(3):
        out[:, :, k] = a[:, :, 0] * c[0, k] + a[:, :, 1] * c[1, k] + a[:, :, 2] * c[2, k]
    return out


def site_motion(points: ChainPoints, st: Site, sway_yaw_rad: np.ndarray, roll_rad: np.ndarray,
                sway_y_m: np.ndarray, skin_pitch_rad: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """World position (n, 3) and aligned-frame orientation matrices (n, 3, 3, world from sensor).

    ``skin_pitch_rad`` turns the sensor (not its site) about the segment's mediolateral axis, in
    the sense of the segment's inclination: skin and strap rocking on the segment.
    """
    theta = points.angles[st.segment]
    anchor = getattr(points, st.anchor)
    ux, uz = np.cos(theta), np.sin(theta)
    x = anchor[:, 0] + st.along_m * ux - st.normal_m * uz
    z = anchor[:, 1] + st.along_m * uz + st.normal_m * ux
    pos = np.column_stack([x, st.lateral_m + sway_y_m, z])
    pitch = theta if skin_pitch_rad is None else theta + skin_pitch_rad
    rot = euler_zyx(sway_yaw_rad, -pitch, roll_rad)
    skin = rot_x(np.array(np.deg2rad(st.skin_x_deg)))
    return pos, matmul_c(rot, skin)


def euler_zyx(yaw: np.ndarray, pitch: np.ndarray, roll: np.ndarray) -> np.ndarray:
    """``Rz(yaw) @ Ry(pitch) @ Rx(roll)`` in closed form, shape (n, 3, 3)."""
    cz, sz = np.cos(yaw), np.sin(yaw)
    cy, sy = np.cos(pitch), np.sin(pitch)
    cx, sx = np.cos(roll), np.sin(roll)
    out = np.empty(np.shape(pitch) + (3, 3))
    out[..., 0, 0] = cz * cy
    out[..., 0, 1] = cz * sy * sx - sz * cx
    out[..., 0, 2] = cz * sy * cx + sz * sx
    out[..., 1, 0] = sz * cy
    out[..., 1, 1] = sz * sy * sx + cz * cx
    out[..., 1, 2] = sz * sy * cx - cz * sx
    out[..., 2, 0] = -sy
    out[..., 2, 1] = cy * sx
    out[..., 2, 2] = cy * cx
    return out


def body_rate_rad_s(rot: np.ndarray, dt_s: float) -> np.ndarray:
    """Body-frame angular rate (n, 3) by central differences of orientation matrices."""
    a, b = rot[:-1], rot[1:]

    def m(i: int, k: int) -> np.ndarray:  # element (i, k) of a.T @ b
        return np.einsum("nj,nj->n", a[:, :, i], b[:, :, k])

    vee = 0.5 * np.stack([m(2, 1) - m(1, 2), m(0, 2) - m(2, 0), m(1, 0) - m(0, 1)], -1)
    cos_th = 0.5 * (m(0, 0) + m(1, 1) + m(2, 2) - 1.0)
    sin_th = np.linalg.norm(vee, axis=-1)
    th = np.arctan2(sin_th, cos_th)
    scale = np.where(sin_th < 1e-12, 1.0, th / np.where(sin_th < 1e-12, 1.0, sin_th))
    mid = vee * scale[:, None] / dt_s                         # at half steps
    out = np.empty((len(rot), 3))
    out[1:-1] = 0.5 * (mid[:-1] + mid[1:])
    out[0], out[-1] = mid[0], mid[-1]
    return out


@dataclass(frozen=True)
class Wobble:
    """Strap/skin spring-mass: natural frequency, damping ratio, gain and rocking coupling."""

    freq_hz: float
    damping: float
    gain: float
    rock_rad_s2_per_m_s2: float = 30.0   # rocking drive per m/s² of tangential acceleration

    def filters(self, fs_hz: float) -> tuple[np.ndarray, np.ndarray]:
        w = 2 * np.pi * self.freq_hz
        return signal.bilinear([1.0], [1.0, 2 * self.damping * w, w * w], fs=fs_hz)


def ideal_imu(pos: np.ndarray, rot: np.ndarray, dt_s: float, wobble: Wobble,
              mount: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Specific force (m/s²), angular rate (deg/s) and orientation matrices of the sensor (fine grid)."""
    acc_seg = np.gradient(np.gradient(pos, dt_s, axis=0), dt_s, axis=0)
    strap = rot
    acc = acc_seg
    if wobble.gain > 0:
        b, a = wobble.filters(1.0 / dt_s)
        disp = -wobble.gain * signal.lfilter(b, a, acc_seg, axis=0)
        acc = acc_seg + np.gradient(np.gradient(disp, dt_s, axis=0), dt_s, axis=0)
        omega = body_rate_rad_s(rot, dt_s)
        alpha = np.gradient(omega, dt_s, axis=0)
        acc_local = np.einsum("nji,nj->ni", rot, acc_seg)
        rock = np.cross(np.array([0.0, 0.0, 1.0]), acc_local) * wobble.rock_rad_s2_per_m_s2
        tilt = wobble.gain * signal.lfilter(b, a, -alpha + rock, axis=0)
        strap = matmul_n(rot, rotvec_to_matrix(tilt))
    sensor = matmul_c(strap, mount)
    f = np.einsum("nji,nj->ni", sensor, acc + np.array([0.0, 0.0, GRAVITY_M_S2]))
    gyr = body_rate_rad_s(sensor, dt_s) * DEG_PER_RAD
    return f, gyr, sensor


def resample(values: np.ndarray, dt_s: float, tau_s: np.ndarray, fs_out_hz: float) -> np.ndarray:
    """Anti-alias (zero-phase Butterworth at 0.4 fs) and sample the fine-grid signal at ``tau_s``."""
    fs_in = 1.0 / dt_s
    cutoff = 0.4 * fs_out_hz
    if cutoff < 0.45 * fs_in:
        sos = signal.butter(4, cutoff, fs=fs_in, output="sos")
        values = signal.sosfiltfilt(sos, values, axis=0)
    return interp_rows(values, dt_s, tau_s)


def interp_rows(values: np.ndarray, dt_s: float, tau_s: np.ndarray) -> np.ndarray:
    """Linear interpolation of rows sampled every ``dt_s`` from 0 at times ``tau_s``."""
    x = tau_s / dt_s
    i = np.clip(np.floor(x).astype(int), 0, len(values) - 2)
    w = np.clip(x - i, 0.0, 1.0)
    if values.ndim == 1:
        return values[i] * (1 - w) + values[i + 1] * w
    return values[i] * (1 - w)[:, None] + values[i + 1] * w[:, None]


@dataclass
class ErrorModel:
    """Per-sensor errors drawn once per session (stored in the truth)."""

    acc_scale: np.ndarray
    gyr_scale: np.ndarray
    acc_bias_m_s2: np.ndarray
    gyr_bias_deg_s: np.ndarray
    acc_noise_m_s2: float
    gyr_noise_deg_s: float
    acc_range_m_s2: float
    gyr_range_deg_s: float
    adc_bits: int

    @property
    def acc_lsb_m_s2(self) -> float:
        return 2 * self.acc_range_m_s2 / 2 ** self.adc_bits

    @property
    def gyr_lsb_deg_s(self) -> float:
        return 2 * self.gyr_range_deg_s / 2 ** self.adc_bits

    def apply(self, acc: np.ndarray, gyr: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        acc = acc * self.acc_scale + self.acc_bias_m_s2 + self.acc_noise_m_s2 * rng.standard_normal(acc.shape)
        gyr = gyr * self.gyr_scale + self.gyr_bias_deg_s + self.gyr_noise_deg_s * rng.standard_normal(gyr.shape)
        acc = quantise(np.clip(acc, -self.acc_range_m_s2, self.acc_range_m_s2), self.acc_lsb_m_s2)
        gyr = quantise(np.clip(gyr, -self.gyr_range_deg_s, self.gyr_range_deg_s), self.gyr_lsb_deg_s)
        return acc, gyr


def quantise(values: np.ndarray, lsb: float) -> np.ndarray:
    return np.round(values / lsb) * lsb


def round_significant(values: np.ndarray, digits: int = 7) -> np.ndarray:
    """Nearest double to the ``digits``-significant decimal, so ``f"{v:.7g}"`` reads back equal."""
    v = np.asarray(values, dtype=float)
    out = np.zeros_like(v)
    nz = v != 0
    exp = digits - 1 - np.floor(np.log10(np.abs(v[nz]))).astype(int)
    exp = np.clip(exp, -300, 22)
    scale = 10.0 ** np.abs(exp)
    r = np.where(exp >= 0, np.round(v[nz] * scale) / scale, np.round(v[nz] / scale) * scale)
    out[nz] = r
    return out


def round_time(t: np.ndarray) -> np.ndarray:
    """Nearest double to the 6-decimal time the CSV writes."""
    return np.round(np.asarray(t, dtype=float) * 1e6) / 1e6
