"""Valleys of the band-limited trunk height: candidates for reps the trunk rotation cannot time.

Why: the trunk segmenter times reps by the trunk's rotation about the toes or knees. Where the back
bends through the rep (the hips sag further, the lower back dips) the upper trunk can stay nearly
level, or even turn the other way, while the sternum travels 10-30 cm: the rotation then has no
valley at the rep. The vertical acceleration still shows the rep, so its double integral, taken
through a high-pass that removes the accelerometer offset and the integration drift, is scanned
for a drop and a rise of ``min_drop_m`` each. This only proposes a window (the top before, the
lowest point, the top after); the segmenter measures the height over it from rest to rest and
checks it like any other candidate.

The filter is causal with carried state and the scan is a state machine over the samples, so
any chunking gives the same valleys.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import signal

#: High-pass corner (Hz) of the band-limited height: below the slowest rep (~6 s down and up),
#: high enough that an accelerometer offset of 0.2 m/s² stays a few cm.
HIGHPASS_HZ = 0.1
#: After the rise, no new maximum for this long (s), or a fall by FALL_FRAC of the threshold:
#: the top after is confirmed, once the height is back up by RISE_FRAC of its drop. In a bottom
#: pause the high-pass forgets the drop (time constant 1.6 s): the band-limited height creeps up
#: by half the drop or more over a 2 s pause and stalls before the way up starts, which is not
#: the top after. A fall by the whole threshold (a new valley: the rep ended lower) confirms it
#: whatever the rise.
SETTLE_S = 0.25
FALL_FRAC = 0.3
RISE_FRAC = 0.75
#: Samples scanned per step of the vectorised state machine (seconds of grid).
BLOCK_S = 2.0


@dataclass(frozen=True)
class Valley:
    """A drop and a rise of the band-limited height (grid sample numbers; heights in m)."""

    k_top: int
    k_low: int
    k_after: int        # the top after
    k_confirm: int      # where the top after was confirmed
    h_top: float
    h_low: float
    h_after: float


class HeightScan:
    """Band-limited height and its valleys, fed in grid samples (see the module docstring)."""

    TOP, DOWN, RISE = 0, 1, 2

    def __init__(self, sampling_rate_hz: float, min_drop_m: float) -> None:
        self.rate = float(sampling_rate_hz)
        self.min_drop_m = float(min_drop_m)
        hp = signal.butter(1, HIGHPASS_HZ, "highpass", fs=self.rate, output="sos")
        lam = math.exp(-2.0 * math.pi * HIGHPASS_HZ / self.rate)
        leaky = [1.0 / self.rate, 0.0, 0.0, 1.0, -lam, 0.0]   # y = lam y[-1] + x / rate
        self.sos = np.vstack([hp, leaky, leaky])
        self.settle_n = max(1, int(round(SETTLE_S * self.rate)))
        self.block_n = max(32, int(BLOCK_S * self.rate))
        self.zi0 = signal.sosfilt_zi(self.sos)
        self.reset()

    def reset(self) -> None:
        """Forget the filter state and the open valley (after a gap)."""
        self.zi = np.zeros((len(self.sos), 2))
        self.offset_m = 0.0
        self.h_last_m = 0.0
        self.state = self.TOP
        self.k_top, self.h_top = -1, -np.inf
        self.k_low, self.h_low = -1, np.inf
        self.k_hi, self.h_hi = -1, -np.inf

    def restart(self, av_m_s2: float) -> None:
        """Start again at rest in a new posture: the filter in the steady state of this vertical
        acceleration (the height held where it was, no velocity), no valley open."""
        h_last = self.h_last_m
        self.reset()
        self.zi = self.zi0 * av_m_s2
        self.offset_m = self.h_last_m = h_last

    def height(self, av_m_s2: np.ndarray) -> np.ndarray:
        """Band-limited height (m) of the next samples of vertical acceleration (m/s²)."""
        h, self.zi = signal.sosfilt(self.sos, np.asarray(av_m_s2, dtype=float), zi=self.zi)
        h += self.offset_m
        if len(h):
            self.h_last_m = float(h[-1])
        return h

    def process(self, k0: int, av_m_s2: np.ndarray) -> tuple[np.ndarray, list[Valley]]:
        """Feed samples k0..; returns their band-limited height and the valleys confirmed in them."""
        h = self.height(av_m_s2)
        out: list[Valley] = []
        for b0 in range(0, len(h), self.block_n):   # blocks: each step scans a bounded stretch
            blk = h[b0: b0 + self.block_n]
            i = 0
            while i < len(blk):
                step = (self._top, self._down, self._rise)[self.state]
                j = step(k0 + b0 + i, blk[i:], out)
                if j < 0:
                    break
                i += j + 1
        return h, out

    def close(self) -> list[Valley]:
        """End of the stream: a valley on its way back up ends at the highest point reached."""
        if self.state != self.RISE:
            return []
        v = Valley(self.k_top, self.k_low, self.k_hi, self.k_hi, self.h_top, self.h_low, self.h_hi)
        self.reset()
        return [v]

    # -- the state machine (vectorised between state changes) --------------------------------------
    def _top(self, kk: int, seg: np.ndarray, out: list[Valley]) -> int:
        """At a top: follow it up; a drop by ``min_drop_m`` opens a valley."""
        rm, arg, _ = _running(seg, kk, self.h_top, self.k_top, highest=True)
        j = _first(seg < rm - self.min_drop_m)
        self.h_top, self.k_top = float(rm[j]), int(arg[j])
        if not seg[j] < rm[j] - self.min_drop_m:
            return -1
        self.state = self.DOWN
        self.h_low, self.k_low = float(seg[j]), kk + j
        return j

    def _down(self, kk: int, seg: np.ndarray, out: list[Valley]) -> int:
        """Going down: a rise by ``min_drop_m`` above the lowest point turns the valley."""
        rmin, arg, _ = _running(seg, kk, self.h_low, self.k_low, highest=False)
        j = _first(seg > rmin + self.min_drop_m)
        self.h_low, self.k_low = float(rmin[j]), int(arg[j])
        if not seg[j] > rmin[j] + self.min_drop_m:
            return -1
        self.state = self.RISE
        self.h_hi, self.k_hi = float(seg[j]), kk + j
        return j

    def _rise(self, kk: int, seg: np.ndarray, out: list[Valley]) -> int:
        """Coming up: a fall from the highest point, or no new one for a while, is the top after
        (once back up by ``RISE_FRAC`` of the drop; a fall into a new valley confirms it anyway)."""
        rmax, arg, ks = _running(seg, kk, self.h_hi, self.k_hi, highest=True)
        back = rmax - self.h_low >= RISE_FRAC * (self.h_top - self.h_low)
        done = (((seg < rmax - FALL_FRAC * self.min_drop_m) | (ks - arg >= self.settle_n)) & back
                | (seg < rmax - self.min_drop_m))
        j = _first(done)
        self.h_hi, self.k_hi = float(rmax[j]), int(arg[j])
        if not done[j]:
            return -1
        out.append(Valley(self.k_top, self.k_low, self.k_hi, kk + j, self.h_top, self.h_low, self.h_hi))
        # the top after is the next valley's top before
        self.state = self.TOP
        self.h_top, self.k_top = self.h_hi, self.k_hi
        return j


def _running(seg: np.ndarray, kk: int, h0: float, k0: int, highest: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Running highest (or lowest) value from ``h0`` on, the sample number where it was reached
    (``k0`` before any), and the sample numbers of ``seg`` (which starts at ``kk``)."""
    ks = kk + np.arange(len(seg))
    acc = np.maximum if highest else np.minimum
    r = acc(acc.accumulate(seg), h0)
    at = seg >= r if highest else seg <= r
    return r, np.maximum(np.maximum.accumulate(np.where(at, ks, -1)), k0), ks


def _first(mask: np.ndarray) -> int:
    """Index of the first True, or the last index when there is none."""
    hit = np.flatnonzero(mask)
    return int(hit[0]) if len(hit) else len(mask) - 1
