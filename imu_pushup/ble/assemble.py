"""Raw packets → canonical CSV rows, the same code for live recording and ``decode``.

:class:`StreamAssembler` runs a model's frame decoder, puts the samples on the recording's clock,
merges separate ACC and GYRO streams (Polar Verity Sense), finds gaps and never lets time go
backwards. Because it sees only what the raw log holds (its first line, packets, connection events,
host arrival times) decoding the log later gives the very same rows.

Recording time ``t``: device clock where there is one, shifted so that the first packet's last
sample sits at its host arrival time minus the session start ``t0_host`` (so sensors of one
session share an origin), but never so early that its first sample precedes that start. Sensors without a clock count samples at the nominal rate; after a
reconnection their count jumps by the time the host saw pass (the gap).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import DecodeError
from .sensors import Block, protocol
from .timing import ClockMap

#: How far a clock may run ahead of the previous sample before we call it a restart (s).
_MAX_JUMP_S = 3600.0


@dataclass
class Rows:
    """Rows ready for the CSV: times (s) and values (acc m/s², then gyro deg/s when present)."""

    t: np.ndarray
    values: np.ndarray

    @classmethod
    def empty(cls, ncol: int) -> "Rows":
        return cls(np.zeros(0), np.zeros((0, ncol)))

    def __len__(self) -> int:
        return len(self.t)


@dataclass
class GapNote:
    t_before: float
    t_after: float
    reason: str


@dataclass
class StreamAssembler:
    header: dict[str, Any]
    source: str = "<stream>"
    warn: bool = True
    malformed: int = 0
    gaps: list[GapNote] = field(default_factory=list)

    def __post_init__(self) -> None:
        proto = protocol(self.header["model"])
        self.has_gyro = proto.has_gyro
        self.has_clock = proto.has_clock
        self.rate_hz = float(self.header["sampling_rate_hz"])
        try:
            self.decoder = proto.decoder(self.header.get("settings", {}))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DecodeError(f"the device settings in the log's first line are incomplete ({exc!r} missing or wrong)",
                              source=str(self.source) or None, where="line 1",
                              fix="the log is incomplete: record again, or add the sensor's settings to its first line") from None
        self.t0_host = float(self.header.get("t0_host", 0.0))
        self.clock = ClockMap()
        self.ncol = 6 if self.has_gyro else 3
        self._anchor: float | None = None       # session t = device t + anchor
        self._count = 0                         # samples so far (clockless sensors)
        self._last_t = -np.inf
        self._last_host: float | None = None
        self._reconnected = False
        self._acc: list[tuple[np.ndarray, np.ndarray]] = []   # pending (t, acc) for ACC+GYRO merge
        self._gyr_t = np.zeros(0)
        self._gyr_v = np.zeros((0, 3))
        self.samples = 0
        self.first_t: float | None = None       # recording time of the first row written

    # -- input ----------------------------------------------------------------------------------
    def feed(self, t_host: float, uuid: str, payload: bytes) -> Rows:
        """One packet in, the rows it completes out (possibly none). Malformed packets are counted,
        warned about and skipped."""
        try:
            blocks = self.decoder.feed(uuid, payload)
        except DecodeError as exc:
            self.malformed += 1
            if self.warn:
                warnings.warn(f"{self.source}: packet at t_host={t_host:.3f} skipped: {exc}", stacklevel=2)
            return Rows.empty(self.ncol)
        out = [self._place(b, t_host) for b in blocks if b.n]
        self._last_host = t_host
        return self._concat(out)

    def event(self, t_host: float, name: str) -> Rows:
        """A connection event from the raw log: flush on ``disconnected``; ``connected`` restarts
        the decoder's per-connection state."""
        if name == "disconnected":
            return self.flush()
        if name == "connected" and self._anchor is not None:
            self.decoder.reset()
            self.clock.reset_window()
            self._reconnected = True
        return Rows.empty(self.ncol)

    def finish(self) -> Rows:
        return self.flush()

    # -- time -----------------------------------------------------------------------------------
    def _place(self, b: Block, t_host: float) -> Rows | None:
        if b.t_s is None:  # clockless: sample counter at the nominal rate
            n = b.n
            if self._reconnected and self._anchor is not None:
                est = self.clock.to_device(t_host)
                if est is not None:
                    self._count = max(self._count, int(round(est * self.rate_hz)) - n + 1)
            dev = (self._count + np.arange(n)) / self.rate_hz
            self._count += n
        else:
            dev = np.asarray(b.t_s, float)
        if self._anchor is None:
            # The packet's last sample was taken before it arrived, and its first one after the
            # session started (the start command follows t0_host): t in [0, arrival - t0]. The
            # arrival bound assumes the device clock runs at host pace; where it runs faster (an
            # accelerated virtual sensor, a clock far off), the session start wins, so no sample
            # lands before the origin the session's sensors share.
            self._anchor = max((t_host - self.t0_host) - dev[-1], -dev[0])
        elif self._reconnected and b.t_s is not None:
            t_first = dev[0] + self._anchor
            if t_first <= self._last_t or t_first - self._last_t > _MAX_JUMP_S:
                # The device clock restarted: place the block where the host clock says it is.
                est = self.clock.to_device(t_host)
                new = (est + self._anchor - dev[-1]) if est is not None else -np.inf
                self._anchor = max(new, self._last_t + 1.0 / self.rate_hz - dev[0])
                self.clock = ClockMap()
        self.clock.add(float(dev[-1]), t_host)
        t = dev + self._anchor
        if self._reconnected:
            self._reconnected = False
            if np.isfinite(self._last_t) and t[0] > self._last_t:
                self.gaps.append(GapNote(float(self._last_t), float(t[0]), "reconnected"))
        return self._stamp(b, t)

    @property
    def span_s(self) -> float:
        """Recording time covered so far, first row to last (0 before any row)."""
        return 0.0 if self.first_t is None else self._last_t - self.first_t

    def host_time(self, t: float) -> float | None:
        """Host monotonic time at which the sample of recording time ``t`` was taken (estimate)."""
        if self._anchor is None:
            return None
        return self.clock.to_host(t - self._anchor)

    # -- merge and order ------------------------------------------------------------------------
    def _stamp(self, b: Block, t: np.ndarray) -> Rows | None:
        if b.kind == "imu":
            vals = np.hstack([b.acc_m_s2, b.gyr_deg_s]) if self.has_gyro else np.asarray(b.acc_m_s2)
            return self._ordered(t, vals)
        if b.kind == "acc" and not self.has_gyro:
            return self._ordered(t, np.asarray(b.acc_m_s2))
        if b.kind == "acc":
            self._acc.append((t, np.asarray(b.acc_m_s2)))
        else:
            self._gyr_t = np.concatenate([self._gyr_t, t])
            self._gyr_v = np.vstack([self._gyr_v, b.gyr_deg_s])
        return self._merge(final=False)

    def _merge(self, final: bool) -> Rows | None:
        if not self._acc:
            return None
        t_acc = np.concatenate([a[0] for a in self._acc])
        v_acc = np.vstack([a[1] for a in self._acc])
        if len(self._gyr_t) == 0:
            if not final and t_acc[-1] - t_acc[0] < 2.0:
                return None
            gyr = np.zeros((len(t_acc), 3))
            ready = len(t_acc)
        else:
            # Rows wait for gyro samples at or after them, unless gyro lags by over a second of
            # the rows waiting (after a gap the old gyro samples are no reason to stop waiting).
            if final or self._gyr_t[-1] >= t_acc[-1] or t_acc[-1] - max(self._gyr_t[-1], t_acc[0]) > 1.0:
                ready = len(t_acc)
            else:
                ready = int(np.searchsorted(t_acc, self._gyr_t[-1], side="right"))
            order = np.argsort(self._gyr_t, kind="stable")
            gt, gv = self._gyr_t[order], self._gyr_v[order]
            gyr = np.column_stack([np.interp(t_acc[:ready], gt, gv[:, i]) for i in range(3)])
        if ready == 0:
            return None
        rest_t, rest_v = t_acc[ready:], v_acc[ready:]
        self._acc = [(rest_t, rest_v)] if len(rest_t) else []
        if len(self._gyr_t) > 1:  # keep the gyro samples still needed for interpolation
            keep = max(0, int(np.searchsorted(self._gyr_t, t_acc[ready - 1], side="left")) - 1)
            self._gyr_t, self._gyr_v = self._gyr_t[keep:], self._gyr_v[keep:]
        return self._ordered(t_acc[:ready], np.hstack([v_acc[:ready], gyr]))

    def _ordered(self, t: np.ndarray, vals: np.ndarray) -> Rows:
        """Drop samples that would not move time forward (as written with 6 decimals)."""
        tr = np.round(t, 6)
        keep = np.zeros(len(tr), bool)
        last = round(self._last_t, 6) if np.isfinite(self._last_t) else -np.inf
        for i, ti in enumerate(tr):
            if ti > last:
                keep[i] = True
                last = ti
        if not keep.all() and self.warn and np.isfinite(self._last_t):
            warnings.warn(f"{self.source}: {int((~keep).sum())} sample(s) not after the previous one dropped",
                          stacklevel=3)
        if keep.any():
            self._last_t = float(t[keep][-1])
            if self.first_t is None:
                self.first_t = float(t[keep][0])
        self.samples += int(keep.sum())
        return Rows(t[keep], vals[keep])

    def flush(self) -> Rows:
        return self._concat([self._merge(final=True)])

    def _concat(self, parts: list[Rows | None]) -> Rows:
        parts = [p for p in parts if p is not None and len(p)]
        if not parts:
            return Rows.empty(self.ncol)
        if len(parts) == 1:
            return parts[0]
        return Rows(np.concatenate([p.t for p in parts]), np.vstack([p.values for p in parts]))


def decode_rawlog(path: str, *, warn: bool = True) -> tuple[dict[str, Any], StreamAssembler, list[Rows]]:
    """Replay a raw log through the assembler; the header, the assembler and the rows in order."""
    from ..io.rawlog import read_rawlog
    log = read_rawlog(path)
    asm = StreamAssembler(log.header, source=str(path), warn=warn)
    out: list[Rows] = []
    for e in log.entries():
        rows = asm.event(e.t_host, e.event) if e.event else asm.feed(e.t_host, e.uuid or "", e.payload)
        if len(rows):
            out.append(rows)
    rows = asm.finish()
    if len(rows):
        out.append(rows)
    return log.header, asm, out
