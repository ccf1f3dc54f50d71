"""Causal resampling of jittery timestamps onto the nominal grid ``t0 + k / rate``.

Each grid sample is interpolated linearly between the two input samples around it, so the output
does not depend on how the input was chunked. Steps longer than ``GAP_FACTOR`` periods are gaps:
up to ``max_fill_s`` they are bridged (and the bridged samples marked ``filled``) so orientation
stays continuous; longer gaps produce no samples at all (the caller resets its state there).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..recording import GAP_FACTOR


@dataclass
class Resampled:
    """Grid samples of one chunk: absolute grid index ``k``, time, values, and masks."""

    k: np.ndarray
    t: np.ndarray
    x: np.ndarray
    filled: np.ndarray          # bool: inside a bridged gap
    breaks: np.ndarray          # bool: first sample after a gap too long to bridge


class Resampler:
    """Stateful resampler for one sensor."""

    def __init__(self, sampling_rate_hz: float, max_fill_s: float = 0.5) -> None:
        self.rate = float(sampling_rate_hz)
        self.period = 1.0 / self.rate
        self.max_fill_s = max(float(max_fill_s), GAP_FACTOR * self.period)
        self.t0: float | None = None
        self.k_next = 0
        self._t_prev: float | None = None
        self._x_prev: np.ndarray | None = None
        self.gaps: list[tuple[float, float]] = []
        self._pending_break = False    # the last chunk ended inside a long gap

    def push(self, t: np.ndarray, x: np.ndarray) -> Resampled:
        t = np.asarray(t, dtype=float)
        x = np.asarray(x, dtype=float)
        ncol = x.shape[1]
        if len(t) == 0:
            return _empty(ncol)
        if self._t_prev is None:
            self.t0 = float(t[0])
            t_in, x_in = t, x
        else:
            t_in = np.concatenate(([self._t_prev], t))
            x_in = np.vstack((self._x_prev[None, :], x))
        self._t_prev = float(t[-1])
        self._x_prev = x[-1].copy()
        t_last = float(t_in[-1])
        k_max = int(np.floor((t_last - self.t0) * self.rate + 1e-6))
        if k_max < self.k_next:
            return _empty(ncol)
        k = np.arange(self.k_next, k_max + 1, dtype=np.int64)
        self.k_next = k_max + 1
        tg = self.t0 + k * self.period
        j = np.searchsorted(t_in, tg - 1e-9, side="left")
        j = np.clip(j, 0, len(t_in) - 1)
        exact = np.abs(t_in[j] - tg) <= 1e-9
        j1 = np.where(exact, j, j)
        j0 = np.where(exact, j, np.maximum(j - 1, 0))
        span = t_in[j1] - t_in[j0]
        with np.errstate(invalid="ignore", divide="ignore"):
            w = np.where(span > 0, (tg - t_in[j0]) / np.where(span > 0, span, 1.0), 0.0)
        xg = x_in[j0] + w[:, None] * (x_in[j1] - x_in[j0])
        keep = span <= self.max_fill_s + 1e-9
        filled = span > GAP_FACTOR * self.period
        # a long gap: drop its grid samples; the first kept sample after it starts a new segment
        breaks = np.zeros(len(k), dtype=bool)
        if not keep.all():
            dropped = ~keep
            # record gaps (once per input interval)
            for jj in np.unique(j0[dropped]):
                self.gaps.append((float(t_in[jj]), float(t_in[jj + 1])))
            after = np.flatnonzero(dropped[:-1] & keep[1:]) + 1
            breaks[after] = True
            if dropped[-1]:
                self._pending_break = True
        if self._pending_break and keep.any():
            first = int(np.flatnonzero(keep)[0])
            if not (first > 0 and not keep[first - 1]):
                breaks[first] = True
            self._pending_break = False
        sel = keep
        return Resampled(k[sel], tg[sel], xg[sel], filled[sel] & keep[sel], breaks[sel])


def _empty(ncol: int) -> Resampled:
    return Resampled(np.zeros(0, np.int64), np.zeros(0), np.zeros((0, ncol)), np.zeros(0, bool),
                     np.zeros(0, bool))
