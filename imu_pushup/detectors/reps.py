"""Rep segmentation: a causal state machine on the segment's rotation, then SPEC phase events.

Physics used (no learned constants):

* In a push-up every body segment rotates in the sagittal plane and back: the trunk about the
  pivot (toes or knees) by roughly ``depth / pivot-to-chest distance`` (8-25 degrees), the upper
  arm by 40-90 degrees, the forearm less. So the angle between the current *up* direction (in the
  sensor frame) and the *up* of the top hold is a clean, mounting-free rep signal that does not
  drift (it comes from the orientation filter, corrected by gravity).
* A rep starts from a still top hold (or the top of the previous rep), rotates away by more than
  a minimum angle, comes back, and settles or starts the next rep: a hysteresis state machine.
* When the rep is back at the top, the SPEC events (5 % rules) are computed on the rep's
  reconstructed vertical position: for the trunk the rotation is proportional to the chest's
  height change (rigid body turning about the pivot); for an arm the shoulder height follows the
  cosine of the segment's angle from vertical.
* Depth: the lead sensor's vertical acceleration in the earth frame integrated twice between
  zero-velocity points (top hold, bottom turn, top again), linear velocity drift removed per rep.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .buffer import SampleBuffer

TRUNK_PLACEMENTS = ("chest", "lumbar", "head")
ARM_PLACEMENTS = ("upper_arm", "wrist")


@dataclass(frozen=True)
class RepSettings:
    """State-machine thresholds for one placement (angles in degrees, times in seconds)."""

    start_deg: float = 2.0          # rotation from the top that starts a rep candidate
    min_peak_deg: float = 2.5       # smallest rotation accepted as a rep
    max_peak_deg: float = 45.0      # rotation beyond this is a posture change, not a rep
    settle_s: float = 0.15          # no new top for this long after the ascent: rep over
    hold_s: float = 0.4             # still this long: a hold (new top reference)
    still_gyr_deg_s: float = 6.0    # gyro magnitude below this is still
    still_acc_m_s2: float = 0.6     # acceleration deviation below this is still
    min_descent_s: float = 0.15
    min_ascent_s: float = 0.15
    min_rep_s: float = 0.6
    max_rep_s: float = 10.0
    max_pause_s: float = 3.0        # still this long away from the top: a new posture, not a rep
    min_depth_m: float = 0.02       # trunk placements: smallest sternum excursion of a rep
    band: float = 0.05              # SPEC: 5 % of the excursion

    @classmethod
    def for_placement(cls, placement: str) -> "RepSettings":
        if placement == "upper_arm":
            return cls(start_deg=6.0, min_peak_deg=10.0, max_peak_deg=130.0)
        if placement == "wrist":
            return cls(start_deg=3.0, min_peak_deg=5.0, max_peak_deg=110.0)
        return cls()


def height_proxy(rotation_deg: np.ndarray, placement: str) -> np.ndarray:
    """A signal proportional to the segment's contribution to the shoulder height (top = max)."""
    if placement in ARM_PLACEMENTS:
        return np.cos(np.radians(rotation_deg))
    return -np.asarray(rotation_deg, dtype=float)


def phase_events(h: np.ndarray, k_top: int, band: float = 0.05) -> dict[str, int] | None:
    """SPEC events (indices into ``h``) of one rep whose top is ``h[k_top]``.

    ``h`` is height-like (larger = higher) and covers the top before, the rep and the return to
    the top. Returns indices of t_start, t_bottom, t_ascent, t_end and the lowest point, or None
    when the rep never leaves or never returns to the top band.
    """
    top = float(h[k_top])
    seg = h[k_top:]
    i_low = int(np.argmin(seg))
    low = float(seg[i_low])
    exc = top - low
    if not exc > 0:
        return None
    thr_start = top - band * exc
    below = np.flatnonzero(seg[: i_low + 1] <= thr_start)
    if len(below) == 0:
        return None
    i_start = int(below[0])
    in_bottom = seg <= low + band * exc
    i_bottom = int(np.flatnonzero(in_bottom[: i_low + 1])[0])
    # the bottom band ends where the ascent leaves it for good (last sample in it before the top)
    back = np.flatnonzero(seg[i_low:] >= thr_start)
    if len(back) == 0:
        # never back within 5 % of the earlier top: use the highest point reached since
        top_after = float(np.max(seg[i_low:]))
        back = np.flatnonzero(seg[i_low:] >= top_after - band * (top_after - low))
    i_end = i_low + int(back[0])
    if i_low == 0 or i_end <= i_low:
        return None
    i_ascent = int(np.flatnonzero(in_bottom[: i_end])[-1])
    return {"start": k_top + i_start, "bottom": k_top + i_bottom, "ascent": k_top + i_ascent,
            "end": k_top + i_end, "low": k_top + i_low}


def zupt_height(acc_vertical_m_s2: np.ndarray, period_s: float, zupt: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Vertical velocity and height by integration with zero-velocity points.

    Velocity is integrated from the first zero-velocity index; between consecutive zero-velocity
    indices its drift is removed linearly (velocity forced to 0 there). Height is 0 at ``zupt[0]``.
    Returns (velocity m/s, height m) over the whole input.
    """
    a = np.asarray(acc_vertical_m_s2, dtype=float)
    v = np.concatenate(([0.0], np.cumsum(0.5 * (a[1:] + a[:-1])) * period_s))
    zs = sorted(set(int(z) for z in zupt))
    corr = np.interp(np.arange(len(a)), zs, v[zs])
    v = v - corr
    z = np.concatenate(([0.0], np.cumsum(0.5 * (v[1:] + v[:-1])) * period_s))
    z = z - z[zs[0]]
    return v, z


@dataclass
class RepCandidate:
    """A segmented rep, indices absolute (grid sample numbers)."""

    k_top: int
    k_start: int
    k_bottom: int
    k_ascent: int
    k_end: int
    k_low: int
    k_emit: int
    peak_deg: float
    up_top: np.ndarray
    up_low: np.ndarray
    extras: dict[str, Any] = field(default_factory=dict)


class _LazyRotation:
    """Rotation of a chunk's up vectors from the current reference, computed in blocks on demand
    (a reference change only recomputes what is read afterwards)."""

    BLOCK = 512

    def __init__(self, seg: "RepSegmenter", up: np.ndarray) -> None:
        self.seg, self.up = seg, up
        self.a = -1
        self.vals = np.zeros(0)

    def __getitem__(self, i: int) -> float:
        if not (self.a <= i < self.a + len(self.vals)):
            self.a = i
            self.vals = self.seg.rotation(self.up[i:i + self.BLOCK])
        return self.vals[i - self.a]


class RepSegmenter:
    """Causal rep state machine on the rotation of one segment away from its top hold.

    Feed grid samples (absolute index, up vectors in the sensor frame, still mask, segment breaks);
    it returns :class:`RepCandidate` objects as soon as each rep is back within 5 % of its top.
    Delay: none beyond the orientation filter; a rep whose top after is lower than the top before
    is emitted when it settles (``settle_s``) or the next rep starts.
    """

    IDLE, DOWN, UP = 0, 1, 2

    def __init__(self, placement: str, sampling_rate_hz: float, settings: RepSettings | None = None) -> None:
        self.placement = placement
        self.rate = float(sampling_rate_hz)
        self.s = settings or RepSettings.for_placement(placement)
        self.hold_n = max(2, int(round(self.s.hold_s * self.rate)))
        self.settle_n = max(1, int(round(self.s.settle_s * self.rate)))
        self.max_rep_n = int(round(self.s.max_rep_s * self.rate))
        self.max_pause_n = int(round(self.s.max_pause_s * self.rate))
        self.ref: np.ndarray | None = None
        self.ddir: np.ndarray | None = None
        self.state = self.IDLE
        self.still_run = 0
        self.k_top = -1
        self.top_val = np.inf
        self.peak = -np.inf
        self.k_peak = -1
        self.min_after = np.inf
        self.min_anchor = np.inf
        self.k_min = -1
        self.holds: list[tuple[int, np.ndarray]] = []   # (k, up) of holds established, drained by the caller
        self.first_hold: tuple[int, np.ndarray] | None = None
        #: called with each candidate before it is emitted; False rejects it (physics checks)
        self.validator = None
        self.aborts: list[int] = []                     # k of posture changes / broken reps
        self._hist = SampleBuffer({"up": 3})
        #: what happened, in stream order: ("rep_started" | "bottom_reached" | "abort", k) or
        #: ("rep", RepCandidate); drained by the caller
        self.transitions: list[tuple[str, Any]] = []

    # -- history of up vectors for the rep windows -------------------------------------------
    def _append(self, k0: int, up: np.ndarray) -> None:
        self._hist.append(k0, up=up)

    def _trim(self) -> None:
        keep = self._hist.k_end - self.max_rep_n - 4 * self.hold_n
        if self.k_top >= 0:
            keep = min(keep, self.k_top - 2 * self.hold_n)
        self._hist.trim(keep)

    def up_between(self, k_a: int, k_b: int) -> np.ndarray:
        """Up vectors for absolute indices k_a..k_b inclusive (must still be buffered)."""
        return self._hist.get("up", k_a, k_b)

    def rotation(self, up: np.ndarray, ref: np.ndarray | None = None) -> np.ndarray:
        ref = self.ref if ref is None else ref
        if self.ddir is not None:
            d = self.ddir - float(self.ddir @ ref) * ref
            n = float(np.linalg.norm(d))
            if n > 0.5:
                d = d / n
                return np.degrees(np.arctan2(up @ d, up @ ref))
        return np.degrees(np.arccos(np.clip(up @ ref, -1.0, 1.0)))

    def reset(self) -> None:
        self.state = self.IDLE
        self.ref = None
        self.still_run = 0
        self.top_val = np.inf
        self.k_top = -1

    # -- the state machine ---------------------------------------------------------------------
    def close(self) -> None:
        """End of the stream: reps are decided as their samples arrive; nothing is held back."""

    def process(self, k0: int, up: np.ndarray, still: np.ndarray, breaks: np.ndarray) -> list[RepCandidate]:
        out: list[RepCandidate] = []
        n = len(up)
        if n == 0:
            return out
        self._append(k0, up)
        s = self.s
        rot = _LazyRotation(self, up) if self.ref is not None else None
        i = 0
        still_l = still.tolist()
        breaks_l = breaks.tolist()
        while i < n:
            k = k0 + i
            if breaks_l[i]:
                if self.state != self.IDLE:
                    self.aborts.append(k)
                    self.transitions.append(("abort", k))
                    self.transitions.append(("abort", k))
                self.reset()
                rot = None
            self.still_run = self.still_run + 1 if still_l[i] else 0
            if self.state == self.IDLE:
                if self.still_run >= self.hold_n and (self.ref is None or self.still_run % self.hold_n == 0):
                    self.ref = up[i].copy()
                    self.holds.append((k, self.ref))
                    if self.first_hold is None:
                        self.first_hold = (k, self.ref)
                    rot = _LazyRotation(self, up)
                    self.top_val = float(rot[i])
                    self.k_top = k
                    i += 1
                    continue
                if rot is None:
                    i += 1
                    continue
                r = float(rot[i])
                if r < self.top_val:
                    self.top_val, self.k_top = r, k
                elif r - self.top_val > s.start_deg:
                    self.state = self.DOWN
                    self.peak, self.k_peak = r, k
                    self.transitions.append(("rep_started", k))
            elif self.state == self.DOWN:
                r = float(rot[i])
                if r > self.peak:
                    self.peak, self.k_peak = r, k
                amp = self.peak - self.top_val
                if amp > s.max_peak_deg or k - self.k_top > self.max_rep_n:
                    self.aborts.append(k)
                    self.transitions.append(("abort", k))
                    self.reset()
                    rot = None
                elif self.still_run >= self.max_pause_n:   # settled in another posture
                    self.reset()
                    rot = None
                elif amp >= s.min_peak_deg and r - self.top_val < 0.5 * amp:
                    self.state = self.UP
                    self.min_anchor = r
                    self.transitions.append(("bottom_reached", self.k_peak))
                    self.min_after, self.k_min = r, k
                elif r - self.top_val < 0.5 * s.start_deg:
                    self.state = self.IDLE
                    if r < self.top_val:
                        self.top_val, self.k_top = r, k
            else:  # UP
                r = float(rot[i])
                amp = self.peak - self.top_val
                if r < self.min_anchor - 0.02 * amp:   # still clearly rising towards the top
                    self.k_min, self.min_anchor = k, r
                if r < self.min_after:
                    self.min_after = r
                near_top = self.min_after - self.top_val <= 0.3 * amp
                if r - self.top_val <= s.band * amp:
                    out.extend(self._finalize(k, k))
                    rot = _LazyRotation(self, up)
                    self.top_val, self.k_top = float(rot[i]), k
                    self.state = self.IDLE
                elif r > self.min_after + max(0.5 * s.start_deg, 0.15 * amp):
                    if near_top:
                        out.extend(self._finalize(self.k_min, k))
                        rot = _LazyRotation(self, up)
                        r = float(rot[i])
                        self.k_top = self.k_min
                        self.top_val = float(self.rotation(self.up_between(self.k_min, self.k_min))[0])
                        self.state = self.IDLE
                        if r - self.top_val > s.start_deg:
                            self.state = self.DOWN
                            self.peak, self.k_peak = r, k
                            self.transitions.append(("rep_started", k))
                    else:  # the ascent stalled and went down again: still the same rep
                        self.state = self.DOWN
                        if r > self.peak:
                            self.peak, self.k_peak = r, k
                elif near_top and (k - self.k_min >= self.settle_n or self.still_run >= self.hold_n):
                    out.extend(self._finalize(self.k_min, k))
                    rot = _LazyRotation(self, up)
                    self.k_top = self.k_min
                    self.top_val = float(self.rotation(self.up_between(self.k_min, self.k_min))[0])
                    self.state = self.IDLE
                elif k - self.k_top > self.max_rep_n or self.still_run >= self.max_pause_n:
                    self.aborts.append(k)
                    self.transitions.append(("abort", k))
                    self.reset()
                    rot = None
            i += 1
        self._trim()
        return out

    def _finalize(self, k_last: int, k_now: int) -> list[RepCandidate]:
        ups = self.up_between(self.k_top, k_last)
        rot = self.rotation(ups)
        h = height_proxy(rot - rot[0], self.placement)
        ev = phase_events(h, 0, self.s.band)
        if ev is None:
            return []
        k0 = self.k_top
        up_low = ups[ev["low"]]
        cand = RepCandidate(k0, k0 + ev["start"], k0 + ev["bottom"], k0 + ev["ascent"], k0 + ev["end"],
                            k0 + ev["low"], k_now, float(rot[ev["low"]] - rot[0]), ups[0].copy(), up_low.copy())
        rate = self.rate
        if ((cand.k_bottom - cand.k_start) / rate < self.s.min_descent_s
                or (cand.k_end - cand.k_ascent) / rate < self.s.min_ascent_s
                or not (self.s.min_rep_s <= (cand.k_end - cand.k_start) / rate <= self.s.max_rep_s)):
            return []
        if self.validator is not None and not self.validator(cand):
            return []
        if self.ddir is None:
            d = up_low - float(up_low @ ups[0]) * ups[0]
            if np.linalg.norm(d) > 1e-6:
                self.ddir = d / np.linalg.norm(d)
        self.transitions.append(("rep", cand))
        return [cand]
