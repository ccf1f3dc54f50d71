"""A rep's height from the earth-frame vertical acceleration, and the SPEC events on it.

Integrating vertical acceleration twice drifts with any constant offset (accelerometer bias and
scale error seen along gravity: 0.01-0.2 m/s², 2-20 cm over a rep), so each integration here
brings in what the body knows: it starts at rest at a top; it comes back to rest (velocity 0)
at the top after, or moves there at the speed its rotation implies (:func:`fit_height`); between
two rests at the same top, velocity and height both come back (:func:`closed_height`). The SPEC
events are the 5 % rules on the resulting height (:func:`spec_events`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Iterations refining the lever that gives the velocity at the end of a window (see fit_height),
#: and the largest lever (m per radian) it may take there.
END_ITERATIONS = 3
MAX_END_LEVER_M = 3.0


def valley_drop_m(height_m: np.ndarray) -> float:
    """How far a height goes down from its highest point before its lowest one to that lowest."""
    z = np.asarray(height_m, dtype=float)
    i_low = int(np.argmin(z))
    return float(np.max(z[: i_low + 1]) - z[i_low])


def running_integral(x: np.ndarray, dt: float) -> np.ndarray:
    """Running trapezoidal integral, 0 at the first sample."""
    out = np.empty(len(x))
    out[0] = 0.0
    np.cumsum(0.5 * (x[1:] + x[:-1]) * dt, out=out[1:])
    return out


@dataclass
class HeightFit:
    """Height of one candidate from the vertical acceleration (see :func:`fit_height`)."""

    velocity_m_s: np.ndarray
    height_m: np.ndarray
    lever_m: float            # sensor travel per radian of rotation (regression of height on theta)
    corr: float               # how closely the height follows the rotation


def fit_height(av_m_s2: np.ndarray, theta_rad: np.ndarray, period_s: float,
               offset_m_s2: float | None = None, i_rest: int | None = None) -> HeightFit:
    """Velocity and height (both 0 at the first sample, a top at rest) over one candidate.

    Integrating vertical acceleration twice drifts with any constant offset (accelerometer bias
    and scale error seen along gravity: 0.01-0.2 m/s², 2-20 cm over a rep). The offset is, in
    order of preference: the one bringing the velocity back to 0 at ``i_rest`` (the top after, at
    rest); ``offset_m_s2`` (known from the set's earlier reps); else the window ends just after
    the rotation is back at its top, and the velocity there is the one the rotation implies
    (``lever * dtheta/dt``, small as the body slows into the top; the lever is refined over a
    few iterations). The lever is the regression of the height on the rotation (sensor travel per
    radian), ``corr`` their correlation.
    """
    # fresh copies: reductions then see the same memory layout whatever the chunking was
    av = np.array(av_m_s2, dtype=float)
    th = np.array(theta_rad, dtype=float)
    n = len(av)
    v_raw = running_integral(av, period_s)
    tau = period_s * np.arange(n)
    dth = th - th[0]
    den = float(dth @ dth)
    if n < 3 or den <= 0:
        return HeightFit(v_raw, running_integral(v_raw, period_s), float("nan"), 0.0)
    if i_rest is not None and 0 < i_rest < n:
        offset_m_s2 = v_raw[i_rest] / tau[i_rest]
    lever, fixed = 0.0, offset_m_s2 is not None
    m = max(2, min(n // 4, int(round(0.05 / period_s)) + 1))
    w_end = (th[-1] - th[-m]) / tau[m - 1]
    for _ in range(1 if fixed else END_ITERATIONS):
        if not fixed:
            offset_m_s2 = (v_raw[-1] - lever * w_end) / tau[-1]
        v = v_raw - offset_m_s2 * tau
        z = running_integral(v, period_s)
        lever = float(np.clip(z @ dth / den, 0.0, MAX_END_LEVER_M))
    if not np.std(z) > 0:
        return HeightFit(v, z, float("nan"), 0.0)
    return HeightFit(v, z, float(z @ dth / den), float(np.corrcoef(z, dth)[0, 1]))


def closed_height(av_m_s2: np.ndarray, period_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Velocity and height (0 at the first sample) over a window that starts and ends at rest at
    the same height (a rep between two tops of the same posture).

    Two conditions (velocity and height back to 0 at the end) take off an acceleration offset
    that changes linearly over the window: a bias plus the slow change of the tilt error as the
    orientation filter follows the rep."""
    av = np.array(av_m_s2, dtype=float)
    n = len(av)
    v_raw = running_integral(av, period_s)
    z_raw = running_integral(v_raw, period_s)
    if n < 3:
        return v_raw, z_raw
    tau = period_s * np.arange(n)
    basis = [np.ones(n), tau]
    vb = [running_integral(b, period_s) for b in basis]
    zb = [running_integral(b, period_s) for b in vb]
    m = np.array([[vb[0][-1], vb[1][-1]], [zb[0][-1], zb[1][-1]]])
    o = np.linalg.solve(m, np.array([v_raw[-1], z_raw[-1]]))
    return v_raw - o[0] * vb[0] - o[1] * vb[1], z_raw - o[0] * zb[0] - o[1] * zb[1]


def spec_events(h: np.ndarray, band: float = 0.05) -> dict[str, int] | None:
    """SPEC events (indices into ``h``; ``h`` starts at or before the top and is height-like).

    ``end`` is the first sample after the bottom pause back within ``band`` of the top before; it
    is -1 when the height never gets back there (the caller decides from the top after).
    """
    i_low = int(np.argmin(h))
    if i_low == 0:
        return None
    i_top = int(np.argmax(h[: i_low + 1]))
    top, low = float(h[i_top]), float(h[i_low])
    exc = top - low
    if not exc > 0:
        return None
    b = band * exc
    below = np.flatnonzero(h[i_top: i_low + 1] <= top - b)
    i_start = i_top + int(below[0])
    in_low = h <= low + b
    i_bottom = i_start + int(np.flatnonzero(in_low[i_start: i_low + 1])[0])
    back = np.flatnonzero(h[i_low:] >= top - b)
    if len(back) == 0:
        return {"top": i_top, "start": i_start, "bottom": i_bottom, "low": i_low, "end": -1,
                "ascent": i_low + int(np.flatnonzero(in_low[i_low:])[-1])}
    i_end = i_low + int(back[0])
    i_ascent = i_low + int(np.flatnonzero(in_low[i_low:i_end])[-1])
    return {"top": i_top, "start": i_start, "bottom": i_bottom, "ascent": i_ascent, "end": i_end,
            "low": i_low}
