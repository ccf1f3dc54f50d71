"""Sensor orientation: the one edge where VQF (or imufusion) is called.

Everything the detectors need from the orientation is the *up* direction expressed in the sensor
frame (a unit vector; heading is irrelevant for push-ups). VQF takes gyro in rad/s and
accelerometer in m/s² and returns quaternions ``w, x, y, z`` (sensor to earth, z up); the unit
conversion and the quaternion order are handled here and nowhere else. The filter object carries
its state between calls: chunked updates equal one batch update bit for bit.

Sensors without gyro get the up direction from a causal low-pass of the accelerometer (vertical
accelerations do not change its direction; short horizontal ones are smoothed away).
"""
from __future__ import annotations

import numpy as np

from ..units import RAD_PER_DEG
from .filters import CausalFilter, butter_sos


def up_from_quat_wxyz(q: np.ndarray) -> np.ndarray:
    """Earth's up axis in the sensor frame, from sensor-to-earth quaternions ``w,x,y,z``.

    It is the third row of the rotation matrix R(q) (R maps sensor to earth coordinates).
    """
    w, x, y, z = q[:, 0], q[:, 1], q[:, 2], q[:, 3]
    return np.column_stack((2.0 * (x * z - w * y), 2.0 * (y * z + w * x), 1.0 - 2.0 * (x * x + y * y)))


class VqfUp:
    """Up direction and gyro bias from VQF (the versatile quaternion filter), state carried across chunks.

    ``tau_acc_s`` is VQF's accelerometer time constant: how fast the tilt follows the measured
    gravity (VQF's default, 3 s, keeps the shape of fast rotations; a shorter one corrects tilt
    errors sooner, which matters when gravity is subtracted to get the vertical acceleration).
    """

    name = "vqf"

    def __init__(self, sampling_rate_hz: float, tau_acc_s: float | None = None) -> None:
        import vqf
        self._f = vqf.VQF(1.0 / sampling_rate_hz)
        if tau_acc_s is not None:
            self._f.setTauAcc(float(tau_acc_s))

    def update(self, acc_m_s2: np.ndarray, gyr_deg_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return ``up`` (n, 3) unit vectors in the sensor frame and the gyro bias (n, 3) deg/s."""
        gyr = np.ascontiguousarray(gyr_deg_s * RAD_PER_DEG, dtype=float)
        acc = np.ascontiguousarray(acc_m_s2, dtype=float)
        out = self._f.updateBatch(gyr, acc)
        return up_from_quat_wxyz(out["quat6D"]), out["bias"] / RAD_PER_DEG


class ImufusionUp:
    """The same interface over x-io's Fusion AHRS (``imufusion``), for comparison in benchmarks."""

    name = "imufusion"

    def __init__(self, sampling_rate_hz: float) -> None:
        import imufusion
        self._dt = 1.0 / sampling_rate_hz
        self._ahrs = imufusion.Ahrs()
        self._offset = imufusion.Offset(int(round(sampling_rate_hz)))

    def update(self, acc_m_s2: np.ndarray, gyr_deg_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        acc_g = acc_m_s2 / 9.80665
        q = np.empty((len(acc_g), 4))
        for i in range(len(acc_g)):
            g = self._offset.update(np.ascontiguousarray(gyr_deg_s[i], dtype=float))
            self._ahrs.update_no_magnetometer(g, np.ascontiguousarray(acc_g[i], dtype=float), self._dt)
            qi = self._ahrs.quaternion
            q[i] = (qi.w, qi.x, qi.y, qi.z)
        return up_from_quat_wxyz(q), np.zeros_like(acc_m_s2)


class AccelUp:
    """Up direction for accelerometer-only sensors: normalised causal low-pass of the acceleration."""

    name = "accel"

    def __init__(self, sampling_rate_hz: float, cutoff_hz: float = 1.5) -> None:
        self._lp = CausalFilter(butter_sos(2, cutoff_hz, sampling_rate_hz), 3)

    def update(self, acc_m_s2: np.ndarray, gyr_deg_s: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        g = self._lp(acc_m_s2)
        n = np.linalg.norm(g, axis=1, keepdims=True)
        return g / np.maximum(n, 1e-9), np.zeros_like(acc_m_s2)


def make_orientation(sampling_rate_hz: float, has_gyro: bool, method: str = "vqf",
                     tau_acc_s: float | None = None):
    """The orientation filter for one sensor (``tau_acc_s``: VQF only, see :class:`VqfUp`)."""
    if not has_gyro:
        return AccelUp(sampling_rate_hz)
    if method == "imufusion":
        return ImufusionUp(sampling_rate_hz)
    return VqfUp(sampling_rate_hz, tau_acc_s)
