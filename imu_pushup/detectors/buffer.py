"""A growable, trimmable column buffer addressed by absolute sample index (amortised O(1) append)."""
from __future__ import annotations

import numpy as np


class SampleBuffer:
    """Columns of equal length; rows addressed by absolute index ``k`` (first row ``k0``)."""

    def __init__(self, widths: dict[str, int], capacity: int = 4096) -> None:
        self.widths = dict(widths)
        self.k0 = 0
        self.n = 0
        self._cap = capacity
        self._data = {name: np.zeros((capacity, w) if w > 1 else capacity) for name, w in widths.items()}

    @property
    def k_end(self) -> int:
        """One past the last absolute index held."""
        return self.k0 + self.n

    def append(self, k_first: int, **cols: np.ndarray) -> None:
        m = len(next(iter(cols.values())))
        if m == 0:
            return
        if self.n == 0 or k_first != self.k_end:   # first rows, or after a gap: start afresh
            self.n = 0
            self.k0 = k_first
        if self.n + m > self._cap:
            self._cap = max(2 * self._cap, self.n + m)
            for name, arr in self._data.items():
                new = np.zeros((self._cap,) + arr.shape[1:])
                new[: self.n] = arr[: self.n]
                self._data[name] = new
        for name, v in cols.items():
            self._data[name][self.n: self.n + m] = v
        self.n += m

    def get(self, name: str, k_a: int, k_b: int) -> np.ndarray:
        """Rows k_a..k_b inclusive (clipped to what is held)."""
        a = max(k_a - self.k0, 0)
        b = min(k_b - self.k0 + 1, self.n)
        return self._data[name][a:b]

    def at(self, name: str, k: int):
        return self._data[name][min(max(k - self.k0, 0), self.n - 1)]

    def trim(self, k_keep: int) -> None:
        """Forget rows before ``k_keep`` (only when that frees at least half the buffer)."""
        drop = k_keep - self.k0
        if drop <= 0 or drop < self.n // 2 or drop < 1024:
            return
        drop = min(drop, self.n)
        for name, arr in self._data.items():
            arr[: self.n - drop] = arr[drop: self.n].copy()
        self.n -= drop
        self.k0 += drop
