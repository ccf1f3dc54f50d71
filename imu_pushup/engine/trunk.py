"""Trunk (chest, lumbar) rep segmentation: rotation for the timing of candidates, integrated
vertical acceleration for the SPEC events and the depth.

Physics:

* In a push-up the trunk turns in the sagittal plane about the toes or knees, so *up* seen in the
  sensor frame moves along one great circle. Its spread (causal exponential averages of ``up``
  and ``up upᵀ``, time constant ``COV_TAU_S``) gives the plane of that motion; the rotation angle
  ``theta`` of ``up`` in that plane, measured from the average posture, is a drift-free,
  mounting-free rep signal. Its sign is chosen so that ``theta`` rises while the sensor rises
  (correlation of ``d up / dt`` with a leaky integral of the vertical acceleration), so a top is a
  local maximum of ``theta``. The plane is re-estimated every ``UPDATE_S`` seconds of the grid.
* Candidates come from a hysteresis state machine on ``theta`` (top, descent, bottom turn, ascent),
  scanned block-wise with NumPy (Python loops over state changes only). No still hold is needed
  before a rep: any local maximum is a top.
* Each candidate's height is the earth-frame vertical acceleration integrated twice from its top
  (velocity 0) with velocity 0 again at the bottom turn (a constant offset removes accelerometer
  bias and scale error along gravity). The SPEC events are the 5 % rules on that height; the rep is
  reported at its ``t_end`` (first sample back within 5 % of the top before), or, when it never gets
  back there, once the top after is confirmed (``settle_s`` without rising, or a new descent).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import ndimage, signal

from ..detectors.buffer import SampleBuffer

#: Time constant (s) of the averages giving the plane of the trunk's rotation.
COV_TAU_S = 8.0
#: Time constant (s) of the correlation that orients theta (rising = sensor rising).
SIGN_TAU_S = 6.0
#: Leaky integration of vertical acceleration to a band-limited velocity (s).
VEL_TAU_S = 1.0
#: The rotation plane is re-estimated on grid samples every this many seconds.
UPDATE_S = 0.25
#: Time constant (s) of the vertical acceleration offset learned from still samples.
BIAS_TAU_S = 10.0
#: Least weight of still samples (fraction of the average) for that offset to be used.
BIAS_MIN_WEIGHT = 0.05
USE_STILL_BIAS = False   # measured: the still mask admits slow motion; worse than the bottom turn
#: Fraction of the rotation defining the bottom stretch (see ``TrunkSegmenter._bottom_turn``).
BOTTOM_FRAC = 0.2
#: Samples scanned per step of the vectorised state machine (seconds of grid).
BLOCK_S = 2.0
#: Integrated height trusted when it correlates with the rotation at least this much.
HEIGHT_MIN_CORR = 0.9
#: Plausible sensor travel per radian of trunk rotation (m): knee pivot ~0.5, toe pivot ~1.5.
LEVER_RANGE_M = (0.25, 3.0)
#: Report a rep as soon as the rotation is back within the SPEC band of its top.
THETA_EMIT = True
#: Samples of the ascent's end seen before the rep is reported (s): the height settles at the top.
EMIT_DELAY_S = 0.15
#: Flat this long (s) far below the top: settled in a new posture (longer than most bottom pauses).
SETTLE_FLAT_S = 0.8
#: A rep's ascent stops at its top: rising past it by this much (fraction of the rotation, or
#: degrees, whichever is larger) is a change of posture.
OVERSHOOT_FRAC = 0.5
OVERSHOOT_MIN_DEG = 5.0
#: A rep turns back to within this fraction of its rotation from the top (else: posture change).
RETURN_FRAC = 0.3
#: Levers of the last reps kept for the running median.
LEVER_MEMORY = 8
#: Lever used before any rep was measured (chest, lumbar): about the sternum's (the lumbar
#: sensor's) distance from a toe pivot, shortened for the chest's own rocking.
DEFAULT_LEVER_M = (1.0, 0.6)


@dataclass(frozen=True)
class TrunkSettings:
    """Thresholds of the trunk state machine (angles in degrees, times in seconds, lengths in m)."""

    start_deg: float = 1.5        # drop of theta below the top that starts a candidate
    turn_deg: float = 1.0         # rise above the running minimum that confirms the bottom turn
    turn_frac: float = 0.25       # ... or this fraction of the rotation so far, if larger
    min_rot_deg: float = 1.5      # smallest rotation of a rep
    max_rot_deg: float = 45.0     # beyond this: a posture change, not a rep
    settle_s: float = 0.2         # no new top for this long after the ascent: top after reached
    max_rep_s: float = 10.0
    min_descent_s: float = 0.15
    min_ascent_s: float = 0.15
    min_rep_s: float = 0.5
    min_depth_m: float = 0.04     # smallest sternum excursion of a rep (weight shifts: 1-3 cm)
    max_depth_m: float = 0.8
    max_top_s: float = 2.0        # integration starts at most this long before the descent
    hold_s: float = 0.4           # still this long: a hold (the session's first posture)
    max_pause_s: float = 1.6      # still this long while going down: a new posture, not a bottom
    posture_deg: float = 25.0     # still this far below the top: a new posture
    flat_deg: float = 0.6         # theta within this range: not rotating
    still_gyr_deg_s: float = 6.0
    still_acc_m_s2: float = 0.6
    band: float = 0.05            # SPEC: 5 % of the excursion


@dataclass
class TrunkRep:
    """A candidate rep with its reconstructed height; indices are absolute grid sample numbers."""

    k_top: int                 # first sample of the height window (velocity 0)
    k_start: int
    k_bottom: int
    k_ascent: int
    k_end: int
    k_low: int
    k_emit: int                # the sample at which the rep could be reported
    peak_deg: float            # trunk rotation top to bottom
    up_top: np.ndarray
    up_low: np.ndarray
    height_m: np.ndarray       # k_top..k_end inclusive, 0 at k_top
    velocity_m_s: np.ndarray   # same samples
    depth_m: float
    extras: dict[str, Any] = field(default_factory=dict)


class _Ema:
    """First-order causal average of several channels, state carried (chunking-invariant)."""

    def __init__(self, tau_s: float, rate_hz: float, channels: int) -> None:
        a = 1.0 - math.exp(-1.0 / (tau_s * rate_hz))
        self.b = np.array([a])
        self.a = np.array([1.0, a - 1.0])
        self.zi: np.ndarray | None = None
        self.channels = channels

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if self.zi is None:   # steady state at the first sample's value
            self.zi = signal.lfilter_zi(self.b, self.a)[:, None] * x[0][None, :]
        y, self.zi = signal.lfilter(self.b, self.a, x, axis=0, zi=self.zi)
        return y


def integrate_height(av: np.ndarray, period_s: float, i_turn: int) -> tuple[np.ndarray, np.ndarray]:
    """Velocity and height from vertical acceleration, both 0 at sample 0, velocity 0 at ``i_turn``.

    The constant acceleration offset that brings the velocity back to 0 at the bottom turn is
    removed (bias and scale error along gravity); trapezoidal integration.
    """
    a = np.asarray(av, dtype=float)
    v = np.concatenate(([0.0], np.cumsum(0.5 * (a[1:] + a[:-1])))) * period_s
    if 0 < i_turn < len(a):
        off = v[i_turn] / (i_turn * period_s)
        v = v - off * period_s * np.arange(len(a))
    z = np.concatenate(([0.0], np.cumsum(0.5 * (v[1:] + v[:-1])))) * period_s
    return v, z


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


class TrunkSegmenter:
    """Causal trunk rep segmenter (see the module docstring). Feed grid samples with :meth:`process`.

    After each call, :attr:`transitions` holds what happened in stream order:
    ``("rep_started", k)``, ``("bottom_reached", k)``, ``("abort", k)`` and ``("rep", TrunkRep)``.
    """

    IDLE, DOWN, UP = 0, 1, 2

    def __init__(self, placement: str, sampling_rate_hz: float, settings: TrunkSettings | None = None) -> None:
        self.placement = placement
        self.rate = float(sampling_rate_hz)
        self.period = 1.0 / self.rate
        # the lumbar sensor is about half as far from the pivot as the sternum: half the travel
        self.s = settings or (TrunkSettings(min_depth_m=0.02) if placement == "lumbar" else TrunkSettings())
        s = self.s
        self._mean = _Ema(COV_TAU_S, self.rate, 9)
        self._sign = _Ema(SIGN_TAU_S, self.rate, 3)
        lam = math.exp(-1.0 / (VEL_TAU_S * self.rate))
        self._vel_a = np.array([1.0, -lam])
        self._vel_zi: np.ndarray | None = None
        self._up_prev: np.ndarray | None = None
        self.update_n = max(1, int(round(UPDATE_S * self.rate)))
        self._ref: np.ndarray | None = None
        self._e1: np.ndarray | None = None
        self._e2: np.ndarray | None = None
        self.buf = SampleBuffer({"theta": 1, "up": 3, "av": 1, "still": 1, "bias": 1})
        self._bias = _Ema(BIAS_TAU_S, self.rate, 2)
        self.block_n = max(32, int(BLOCK_S * self.rate))
        self.start = math.radians(s.start_deg)
        self.turn = math.radians(s.turn_deg)
        self.max_rot = math.radians(s.max_rot_deg)
        self.settle_n = max(1, int(round(s.settle_s * self.rate)))
        self.emit_delay_n = max(0, int(round(EMIT_DELAY_S * self.rate)))
        self.settle_flat_n = max(2, int(round(SETTLE_FLAT_S * self.rate)))
        self.max_rep_n = int(round(s.max_rep_s * self.rate))
        self.hold_n = max(2, int(round(s.hold_s * self.rate)))
        self.max_top_n = int(round(s.max_top_s * self.rate))
        self.max_pause_n = int(round(s.max_pause_s * self.rate))
        self.posture = math.radians(s.posture_deg)
        self.flat = math.radians(s.flat_deg)
        self.still_run = 0
        self.first_hold: tuple[int, np.ndarray] | None = None
        self.transitions: list[tuple[str, Any]] = []
        #: candidates rejected, by reason (diagnostics)
        self.rejections: dict[str, int] = {}
        self.validator = None
        self._levers: list[float] = []
        self.height_source = "acceleration"
        self.reset(None)

    # -- state ------------------------------------------------------------------------------------
    def reset(self, k: int | None) -> None:
        self.state = self.IDLE
        self.k_top, self.y_top = (-1, -np.inf) if k is None else (k, -np.inf)
        self.k_min, self.y_min = -1, np.inf
        self.k_max, self.y_max = -1, -np.inf
        self.k_detect = -1
        self.k_turn = -1
        self.k_back = -1

    @property
    def k_keep(self) -> int:
        """Oldest sample an open candidate may still need."""
        return self.k_top - self.max_top_n - 2 if self.k_top >= 0 else self.buf.k_end

    # -- signal -----------------------------------------------------------------------------------
    def _theta(self, up: np.ndarray, av: np.ndarray, k0: int) -> np.ndarray:
        n = len(up)
        outer = np.column_stack((up, up[:, 0] * up[:, 0], up[:, 1] * up[:, 1], up[:, 2] * up[:, 2],
                                 up[:, 0] * up[:, 1], up[:, 0] * up[:, 2], up[:, 1] * up[:, 2]))
        m = self._mean(outer)
        if self._vel_zi is None:
            self._vel_zi = np.zeros(1)
        v, self._vel_zi = signal.lfilter([self.period], self._vel_a, av, zi=self._vel_zi)
        prev = up[:1] if self._up_prev is None else self._up_prev[None, :]
        du = np.diff(np.vstack((prev, up)), axis=0)
        self._up_prev = up[-1].copy()
        g = self._sign(du * v[:, None])
        # plane updates at absolute grid indices that are multiples of update_n
        if self._ref is None:
            self._ref = up[0] / max(float(np.linalg.norm(up[0])), 1e-9)
        first = (-k0) % self.update_n
        idx = np.arange(first, n, self.update_n)
        e1_rows = np.empty((n, 3))
        e2_rows = np.empty((n, 3))
        if self._e1 is None:
            self._e1, self._e2 = self._ref, np.zeros(3)
        if len(idx):
            mm = m[idx]
            mu = mm[:, :3]
            c = np.empty((len(idx), 3, 3))
            c[:, 0, 0], c[:, 1, 1], c[:, 2, 2] = mm[:, 3], mm[:, 4], mm[:, 5]
            c[:, 0, 1] = c[:, 1, 0] = mm[:, 6]
            c[:, 0, 2] = c[:, 2, 0] = mm[:, 7]
            c[:, 1, 2] = c[:, 2, 1] = mm[:, 8]
            c -= mu[:, :, None] * mu[:, None, :]
            _, vec = np.linalg.eigh(c)
            # axis of the rotation: normal of the plane holding the mean posture and the spread
            axis = np.cross(mu, vec[:, :, 2])
            axis /= np.maximum(np.linalg.norm(axis, axis=1, keepdims=True), 1e-12)
            flip = np.sum(np.cross(axis, mu) * g[idx], axis=1) < 0
            axis[flip] *= -1.0
            # angle about that axis from the session's first posture (a fixed origin)
            e1 = self._ref[None, :] - np.sum(axis * self._ref[None, :], axis=1, keepdims=True) * axis
            e1 /= np.maximum(np.linalg.norm(e1, axis=1, keepdims=True), 1e-12)
            e2 = np.cross(axis, e1)
            seg_id = np.searchsorted(idx, np.arange(n), side="right") - 1
            have = seg_id >= 0
            e1_rows[~have], e2_rows[~have] = self._e1, self._e2
            e1_rows[have], e2_rows[have] = e1[seg_id[have]], e2[seg_id[have]]
            self._e1, self._e2 = e1[-1], e2[-1]
        else:
            e1_rows[:], e2_rows[:] = self._e1, self._e2
        return np.arctan2(np.sum(up * e2_rows, axis=1), np.sum(up * e1_rows, axis=1))

    # -- feeding ----------------------------------------------------------------------------------
    def process(self, k0: int, up: np.ndarray, av: np.ndarray, still: np.ndarray, breaks: np.ndarray) -> None:
        """Add grid samples k0.. (one unbroken segment: a break may only be at its first sample)."""
        n = len(up)
        if n == 0:
            return
        if breaks[0]:
            if self.state != self.IDLE:
                self.transitions.append(("abort", k0))
            self.reset(None)
        theta = self._theta(up, av, k0)
        # vertical acceleration offset (bias, scale error along gravity): its mean over the recent
        # still samples, where the body does not move on average
        st = still.astype(float)
        nd = self._bias(np.column_stack((st * av, st)))
        bias = np.where(nd[:, 1] > BIAS_MIN_WEIGHT, nd[:, 0] / np.maximum(nd[:, 1], 1e-12), np.nan)
        self.buf.append(k0, theta=theta, up=up, av=av, still=st, bias=bias)
        runs = self._holds(k0, up, still)
        for a in range(0, n, self.block_n):
            self._scan(k0 + a, theta[a:a + self.block_n], runs[a:a + self.block_n])
        self.buf.trim(min(self.k_keep, self.buf.k_end - self.max_rep_n - self.max_top_n))

    def _holds(self, k0: int, up: np.ndarray, still: np.ndarray) -> np.ndarray:
        """Length of the still run ending at each sample; notes the session's first hold."""
        run = self.still_run
        # length of the still run ending at each sample
        idx = np.arange(len(still))
        last_not = np.maximum.accumulate(np.where(~still, idx, -1))
        runs = np.where(last_not >= 0, idx - last_not, idx + 1 + run)
        if self.first_hold is None:
            hit = np.flatnonzero(runs >= self.hold_n)
            if len(hit):
                i = int(hit[0])
                self.first_hold = (k0 + i, up[i].copy())
        self.still_run = int(runs[-1]) if len(runs) else run
        return runs

    def _scan(self, k0: int, y: np.ndarray, runs: np.ndarray) -> None:
        """Run the state machine over one block (vectorised between state changes)."""
        n = len(y)
        i = 0
        s = self.s
        while i < n:
            seg = y[i:]
            kk = k0 + i
            if self.state == self.IDLE:
                rm = np.maximum(np.maximum.accumulate(seg), self.y_top)
                hit = np.flatnonzero(seg < rm - self.start)
                j_end = int(hit[0]) if len(hit) else len(seg) - 1
                jm = int(np.argmax(seg[: j_end + 1]))
                if seg[jm] >= self.y_top:
                    self.y_top, self.k_top = float(seg[jm]), kk + jm
                if not len(hit):
                    return
                self.state = self.DOWN
                self.k_detect = kk + j_end
                self.y_min, self.k_min = float(seg[j_end]), kk + j_end
                self.transitions.append(("rep_started", kk + j_end))
                i += j_end + 1
            elif self.state == self.DOWN:
                rmin = np.minimum(np.minimum.accumulate(seg), self.y_min)
                amp = self.y_top - rmin
                rise = seg > rmin + np.maximum(self.turn, s.turn_frac * amp)
                ks = kk + np.arange(len(seg))
                # theta flat while going down, far below the top or for longer than any bottom
                # pause: the body settled in a new posture (getting into the plank), not a bottom
                since = ks - self.k_detect
                flat_s = self._flat(kk, len(seg), self.hold_n)
                flat_l = self._flat(kk, len(seg), self.max_pause_n)
                settled = (((since >= self.settle_flat_n) & self._flat(kk, len(seg), self.settle_flat_n) & (amp > self.posture))
                           | ((since >= self.max_pause_n) & flat_l))
                abort = ((amp > self.max_rot) | (ks - self.k_top > self.max_rep_n)
                         | settled)
                ev = np.flatnonzero(rise | abort)
                j_end = int(ev[0]) if len(ev) else len(seg) - 1
                jm = int(np.argmin(seg[: j_end + 1]))
                if seg[jm] <= self.y_min:
                    self.y_min, self.k_min = float(seg[jm]), kk + jm
                if not len(ev):
                    return
                j = int(ev[0])
                if abort[j]:
                    self.transitions.append(("abort", kk + j))
                    self.reset(kk + j)
                    self.y_top, self.k_top = float(seg[j]), kk + j
                else:
                    self.state = self.UP
                    self.transitions.append(("bottom_reached", self.k_min))
                    self.y_max, self.k_max = float(seg[j]), kk + j
                    self.k_turn = -1
                i += j + 1
            else:  # UP: wait for the height to be back at the top, or for the top after
                amp = self.y_top - self.y_min
                rmax = np.maximum(np.maximum.accumulate(seg), self.y_max)
                # index of the running max at each sample
                arg = np.where(seg >= rmax, np.arange(len(seg)) + kk, -1)
                arg = np.maximum(np.maximum.accumulate(arg), self.k_max)
                ks = kk + np.arange(len(seg))
                half = rmax >= self.y_min + 0.5 * amp
                fall = seg < rmax - np.maximum(self.turn, s.turn_frac * (rmax - self.y_min))
                settle = half & (ks - arg >= self.settle_n)
                if THETA_EMIT:
                    # the rotation back within the SPEC band of its top: the rep has ended (t_end);
                    # report ``EMIT_DELAY_S`` later rather than wait for the top after (live latency)
                    back = np.flatnonzero(seg >= self.y_top - s.band * amp)
                    if self.k_back < 0 and len(back):
                        self.k_back = kk + int(back[0])
                    if self.k_back >= 0:
                        settle = settle | (ks - self.k_back >= self.emit_delay_n)
                stall = fall & ~half
                done = (fall & half) | settle
                # rising far past the top: getting up (to the knees, to standing), not a rep's end
                too_long = (ks - self.k_top > self.max_rep_n) | (
                    seg > self.y_top + max(OVERSHOOT_FRAC * amp, math.radians(OVERSHOOT_MIN_DEG)))
                # the height check runs once the rotation is half way back up
                k_emit = -1
                hj = np.flatnonzero(half)
                if len(hj):
                    k_emit = self._height_back(kk + int(hj[0]), kk + len(seg) - 1)
                cand = [(int(np.flatnonzero(m)[0]), tag) for m, tag in
                        ((stall, "stall"), (done, "done"), (too_long, "long")) if m.any()]
                if k_emit >= 0:
                    cand.append((k_emit - kk, "emit"))
                if not cand:
                    self.y_max, self.k_max = float(rmax[-1]), int(arg[-1])
                    return
                j, tag = min(cand)
                self.y_max, self.k_max = float(rmax[j]), int(arg[j])
                if tag == "stall":   # the ascent stopped low and went down again: same rep
                    self.state = self.DOWN
                    self.y_min, self.k_min = float(seg[j]), kk + j
                elif tag == "long":
                    self.transitions.append(("abort", kk + j))
                    self.reset(kk + j)
                    self.y_top, self.k_top = float(seg[j]), kk + j
                elif tag == "emit":
                    self._finish(kk + j, None)
                else:
                    self._finish(kk + j, self.k_max)
                i += j + 1

    def _flat(self, k0: int, n: int, w: int) -> np.ndarray:
        """For samples k0..k0+n-1: theta stayed within ``flat_deg`` over the last ``w`` samples."""
        th = self.buf.get("theta", k0 - w + 1, k0 + n - 1)
        pad = w - 1 - (len(th) - n)
        if pad > 0:
            th = np.concatenate((np.full(pad, th[0]), th))
        hi = ndimage.maximum_filter1d(th, w, origin=(w - 1) // 2)[w - 1:]
        lo = ndimage.minimum_filter1d(th, w, origin=(w - 1) // 2)[w - 1:]
        return (hi - lo) < self.flat

    def _window(self) -> tuple[int, int]:
        """Integration start (velocity 0 at the top) and the bottom turn, absolute indices."""
        k_a = max(self.k_top, self.k_detect - self.max_top_n, self.buf.k0)
        return k_a, (self.k_turn if self.k_turn >= 0 else self.k_min)

    def _integrate(self, k_a: int, k_b: int, k_turn: int) -> tuple[np.ndarray, np.ndarray]:
        """Velocity and height over k_a..k_b (0 at k_a): offset from the still samples before
        the rep when known, else the one giving velocity 0 at the bottom turn ``k_turn``."""
        av = self.buf.get("av", k_a, k_b)
        b = float(self.buf.get("bias", k_a, k_a)[0])
        if USE_STILL_BIAS and math.isfinite(b):
            return integrate_height(av - b, self.period, -1)
        return integrate_height(av, self.period, k_turn - k_a)

    def _bottom_turn(self, k_half: int) -> int:
        """Velocity-zero sample of the bottom: the middle of the stretch where the rotation stays
        within ``BOTTOM_FRAC`` of its extreme (a pause, or the turn itself). The trunk's angle is
        not exactly proportional to the height (the hips move), so its extreme alone can sit
        on the descent; the middle of the bottom stretch is where the body waits."""
        th = self.buf.get("theta", self.k_detect, k_half)
        amp = self.y_top - self.y_min
        low = np.flatnonzero(th <= self.y_min + BOTTOM_FRAC * amp)
        if len(low) == 0:
            return self.k_min
        return self.k_detect + (int(low[0]) + int(low[-1])) // 2

    def _height_back(self, k_from: int, k_to: int) -> int:
        """First sample in k_from..k_to at which the height is back within 5 % of the top."""
        k_a, k_turn = self._window()
        if k_to <= k_turn:
            return -1
        _, z = self._integrate(k_a, k_to, k_turn)
        ev = spec_events(z, self.s.band)
        if ev is None or ev["end"] < 0:
            return -1
        k_end = k_a + ev["end"]
        return max(k_end, k_from)

    def _finish(self, k_now: int, k_top_after: int | None) -> None:
        """Build the candidate rep ending now; the top after (if known) becomes the next top."""
        k_a, k_turn = self._window()
        k_b = k_now if k_top_after is None else max(k_top_after, k_now)
        v, z = self._integrate(k_a, k_b, k_turn)
        if k_top_after is not None and k_top_after > k_turn:
            # velocity 0 at the top after as well: remove the ascent's linear velocity drift
            i_t, i_b = k_turn - k_a, k_top_after - k_a
            ramp = np.clip((np.arange(len(v)) - i_t) / max(i_b - i_t, 1), 0.0, None)
            v = v - v[i_b] * ramp
            z = np.concatenate(([0.0], np.cumsum(0.5 * (v[1:] + v[:-1])))) * self.period
        v, z, self.height_source = self._checked_height(k_a, v, z)
        rep = self._build(k_a, k_now, k_top_after, v, z)
        ok = rep is not None and self._plausible(rep)
        if not ok and self.height_source == "acceleration" and rep is not None \
                and rep.depth_m >= self.s.min_depth_m:
            # second chance: the integration moved the sensor but gave a shape no rep has (a
            # misplaced zero-velocity point); the rotation times the set's lever gives the height
            alt = self._rotation_height(k_a, len(z))
            rep2 = None if alt is None else self._build(k_a, k_now, k_top_after, *alt)
            if rep2 is not None and self._plausible(rep2):
                rep, ok, self.height_source = rep2, True, "rotation"
        if ok and (self.validator is None or self.validator(rep)):
            self.transitions.append(("rep", rep))
        # the next top: the top after when known, else the current sample
        self.state = self.IDLE
        if k_top_after is not None:
            self.k_top = k_top_after
            self.y_top = float(self.buf.get("theta", k_top_after, k_top_after)[0])
        else:
            self.k_top = k_now
            self.y_top = float(self.buf.get("theta", k_now, k_now)[0])
        self.k_min, self.y_min = -1, np.inf
        self.k_back = -1

    def _build(self, k_a: int, k_now: int, k_top_after: int | None, v: np.ndarray,
               z: np.ndarray) -> TrunkRep | None:
        """The candidate rep on height ``z`` (0 at ``k_a``), SPEC events by the 5 % rules."""
        ev = spec_events(z, self.s.band)
        if ev is None:
            return None
        i_end = ev["end"]
        if i_end < 0 and k_top_after is not None:
            # never back within 5 % of the top before: the top after is the reference
            i_low = ev["low"]
            seg = z[i_low:]
            top_after = float(np.max(seg))
            exc_a = top_after - float(z[i_low])
            i_end = i_low + int(np.flatnonzero(seg >= top_after - self.s.band * exc_a)[0])
            in_low = z[i_low:i_end] <= z[i_low] + self.s.band * (z[ev["top"]] - z[i_low])
            ev["ascent"] = i_low + int(np.flatnonzero(in_low)[-1]) if i_end > i_low else i_low
        if i_end <= ev["low"]:
            return None
        up = self.buf.get("up", k_a, k_a + i_end).copy()
        th = self.buf.get("theta", k_a, k_a + i_end).copy()
        rot = math.degrees(float(self.y_top - self.y_min))
        return TrunkRep(k_top=k_a, k_start=k_a + ev["start"], k_bottom=k_a + ev["bottom"],
                        k_ascent=k_a + ev["ascent"], k_end=k_a + i_end, k_low=k_a + ev["low"],
                        k_emit=max(k_now, k_a + i_end),
                        peak_deg=rot, up_top=up[ev["top"]].copy(), up_low=up[ev["low"]].copy(),
                        height_m=z[: i_end + 1].copy(), velocity_m_s=v[: i_end + 1].copy(),
                        depth_m=float(z[ev["top"]] - z[ev["low"]]),
                        extras={"theta": th, "up": up})

    def _rotation_height(self, k_a: int, n: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Velocity and height from the rotation times the set's lever; None when the trunk did
        not turn back to its top (a change of posture, not a rep)."""
        th = self.buf.get("theta", k_a, k_a + n - 1)
        if len(th) != n or n < 3:
            return None
        i_low = int(np.argmin(th))
        dth = th - float(np.max(th[: i_low + 1]))
        if not dth[i_low] < 0 or float(np.max(dth[i_low:])) < RETURN_FRAC * float(dth[i_low]):
            return None
        lever = float(np.median(self._levers)) if self._levers else DEFAULT_LEVER_M[self.placement == "lumbar"]
        z = lever * dth
        return np.gradient(z) * self.rate, z

    def _checked_height(self, k_a: int, v: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray, str]:
        """The integrated height, or, where the integration failed, the rotation scaled by the lever.

        A rigid trunk turning about the pivot moves the sensor up and down in proportion to its
        rotation (``dz = lever * dtheta``). The integrated height is trusted when it agrees with the
        rotation (correlation >= ``HEIGHT_MIN_CORR``, a lever in ``LEVER_RANGE_M``, a depth in range);
        its lever then updates the set's running lever. Otherwise (a misplaced zero-velocity point,
        a burst of strap wobble) the height is the rotation times the set's median lever, so a rep
        is never lost to an integration error. ``height_source`` says which was used.
        """
        th = self.buf.get("theta", k_a, k_a + len(z) - 1)
        if len(th) != len(z) or len(z) < 3:
            return v, z, "acceleration"
        dth = th - float(np.max(th[: int(np.argmin(th)) + 1]))
        den = float(dth @ dth)
        depth = float(np.max(z[: int(np.argmin(z)) + 1]) - np.min(z)) if np.argmin(z) > 0 else 0.0
        ok = False
        if depth < self.s.min_depth_m:
            # the sensor measurably did not travel: a weight shift or a tilt, not a rep
            return v, z, "acceleration"
        if den > 0 and float(np.std(z)) > 0:
            lever = float(z @ dth) / den
            corr = float(np.corrcoef(z, dth)[0, 1])
            ok = (corr >= HEIGHT_MIN_CORR and LEVER_RANGE_M[0] <= lever <= LEVER_RANGE_M[1]
                  and self.s.min_depth_m <= depth <= self.s.max_depth_m)
            if ok:
                self._levers.append(lever)
                del self._levers[:-LEVER_MEMORY]
                return v, z, "acceleration"
        alt = self._rotation_height(k_a, len(z)) if den > 0 else None
        if alt is None:
            return v, z, "acceleration"
        return alt[0], alt[1], "rotation"

    def _plausible(self, r: TrunkRep) -> bool:
        """Durations, depth and rotation of a push-up; the failing check is counted in
        :attr:`rejections` (benchmark diagnostics)."""
        s = self.s
        rate = self.rate
        checks = (("descent too short", (r.k_bottom - r.k_start) / rate >= s.min_descent_s),
                  ("ascent too short", (r.k_end - r.k_ascent) / rate >= s.min_ascent_s),
                  ("rep duration", s.min_rep_s <= (r.k_end - r.k_start) / rate <= s.max_rep_s),
                  ("depth out of range", s.min_depth_m <= r.depth_m <= s.max_depth_m),
                  ("rotation out of range", s.min_rot_deg <= r.peak_deg <= s.max_rot_deg))
        for name, ok in checks:
            if not ok:
                self.rejections[name] = self.rejections.get(name, 0) + 1
                return False
        return True
