"""Causal IIR filters with carried state, so a stream filtered in chunks equals one pass.

A thin wrapper over :func:`scipy.signal.sosfilt` with ``zi``: the state is initialised from the
first sample (steady state, no start-up transient) and carried between calls. ``sosfilt`` runs
the same recurrence whatever the chunk boundaries, so results are bitwise identical for any
chunking.
"""
from __future__ import annotations

import numpy as np
from scipy import signal


def butter_sos(order: int, cutoff_hz: float | tuple[float, float], sampling_rate_hz: float,
               btype: str = "lowpass") -> np.ndarray:
    """Butterworth second-order sections; the cutoff is clipped below Nyquist."""
    nyq = 0.5 * sampling_rate_hz
    if isinstance(cutoff_hz, tuple):
        wn: float | tuple[float, float] = (cutoff_hz[0], min(cutoff_hz[1], 0.9 * nyq))
    else:
        wn = min(float(cutoff_hz), 0.9 * nyq)
    return signal.butter(order, wn, btype=btype, fs=sampling_rate_hz, output="sos")


class CausalFilter:
    """``sosfilt`` over the rows of (n, channels) chunks, state carried between chunks."""

    def __init__(self, sos: np.ndarray, channels: int) -> None:
        self.sos = np.asarray(sos, dtype=float)
        self.channels = int(channels)
        self._zi_unit = signal.sosfilt_zi(self.sos)  # (sections, 2) for a unit step
        self.zi: np.ndarray | None = None

    def reset(self) -> None:
        self.zi = None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if x.ndim == 1:
            return self(x[:, None])[:, 0]
        if len(x) == 0:
            return x.copy()
        if self.zi is None:
            # steady state for a signal that has always been at the first sample's value
            self.zi = self._zi_unit[:, :, None] * x[0][None, None, :]
        y, self.zi = signal.sosfilt(self.sos, x, axis=0, zi=self.zi)
        return y
