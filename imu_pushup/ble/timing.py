"""Device time → host time: one offset plus a drift (slope), fitted on the lower envelope.

Notifications arrive late by a variable delay, never early, so the host-minus-device offset of
the least-delayed packets is the truth; a slope fitted over a sliding window absorbs the drift of
the sensor's crystal (and the speed factor of accelerated virtual sensors).
"""
from __future__ import annotations

from collections import deque


class ClockMap:
    """Fit ``host = offset + slope × device`` from (device time of a packet's last sample, host
    arrival time) pairs."""

    def __init__(self, window_s: float = 60.0, min_span_s: float = 3.0) -> None:
        self.window_s = window_s
        self.min_span_s = min_span_s
        self._pts: deque[tuple[float, float]] = deque()
        self.slope = 1.0
        self.offset: float | None = None

    def add(self, device_s: float, host_s: float) -> None:
        self._pts.append((device_s, host_s))
        while self._pts and device_s - self._pts[0][0] > self.window_s:
            self._pts.popleft()
        d0, h0 = self._pts[0]
        if device_s - d0 >= self.min_span_s:
            slope = (host_s - h0) / (device_s - d0)
            if 0.01 < slope < 100.0:
                self.slope = slope
        self.offset = min(h - self.slope * d for d, h in self._pts)

    def to_host(self, device_s: float) -> float | None:
        return None if self.offset is None else self.offset + self.slope * device_s

    def to_device(self, host_s: float) -> float | None:
        return None if self.offset is None else (host_s - self.offset) / self.slope

    def reset_window(self) -> None:
        """Keep the slope, forget the points (after a reconnection the delays start afresh)."""
        self._pts.clear()
