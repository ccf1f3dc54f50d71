"""Rep segmentation for arm sensors (upper arm, wrist): a causal detector of repeated rotations.

Physics used (thresholds from the body, not fitted to recordings):

* In a push-up the hand is planted; the upper arm rotates in the sagittal plane from near vertical
  (top) by 25-90 degrees and back, the forearm less. A set is a *series* of such excursions
  between two postures (top and bottom), in a rhythm.
* Getting into and out of position (standing -> kneeling -> plank and back) are one-off
  rotations, often running straight into the first descent or out of the last ascent without a
  still plank in between. A still top hold is therefore not required: the detector finds the
  *turning points* of the segment's up vector (the sample farthest from the last turn, once the
  motion has come back from it; also where the segment stops in a still hold, and the posture
  the stream's first stroke left) and recognises a set when five consecutive turning points
  alternate between two postures with similar strokes (strokes timed without the holds at their
  start; on the wrist, also once the small back-and-forths of a bottom pause are taken out of
  them). Reps are then counted on the rotation from the set's top posture, rescanning from
  before the series, so a first descent that continued the entry motion still counts (reps before
  the series must match it closely and, on the upper arm, go down and back up).
* A set of one rep has no series: a single excursion from a held posture back to it counts when
  it has the physics of a push-up (below) and no long stay at the bottom (lying down is not a
  pause), and is no part of an alternation. (A top held longer than any bottom pause, after a
  turn from further away than it from the stream's first posture, was reached getting into the
  plank: no set's bottom.)
* Which posture is the top: the upper arm hangs from the shoulder, which a push-up lowers: the
  sensor is higher at the top (vertical acceleration integrated twice, velocity zero at the turns
  and wherever the sensor is still). Without that height (wrist, whose hand does not move): the
  arm segment hangs or stands vertical in the rest postures (standing, kneeling, plank) as at the
  top of a push-up, so the top is the end nearer the last still hold before the series, else the
  stream's first posture (a lone rep: the held end nearer the stream's first posture).
* Not push-ups: a swinging upper arm (walking) passes through the rest posture between two ends
  far from it (a wrist's forearm passes the vertical of all fours in a push-up too: the planted
  hand tells it, below); an upper-arm sensor that does not go down and up with the strokes is
  not on a pushing arm; a wrist sensor on a planted hand turns about the wrist joint, a few cm
  away, so it moves vertically no faster than that radius times the forearm's tilt rate (a hand
  that moves with the body or swings with the arm does), and it does not accelerate much (each
  stroke checked on its own).
* Each rep must turn at least a set fraction of the set's rotation, reach near its bottom posture
  and come back towards its top; its SPEC events are computed on the shoulder-height proxy
  :func:`arm_height`. A set ends after a pause without reps (a resumed set is found again).

Delay: the first reps of a set are reported once the series is recognised (about two reps in),
a lone rep once its end is a turning point; later reps when the rotation turns back down
after the top, or settles there. Depth is not reported (not observable from an arm segment).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .buffer import SampleBuffer
from .reps import RepCandidate, RepSettings, phase_events, zupt_height


@dataclass(frozen=True)
class ArmSettings:
    """Thresholds of the arm detector (angles in degrees, times in seconds)."""

    min_amp_deg: float = 10.0       # smallest rotation between a set's top and bottom postures
    turn_deg: float = 5.0           # hysteresis of the turning points (at least)
    turn_frac: float = 0.15         # ... and this fraction of the stroke so far
    max_amp_deg: float = 150.0      # larger strokes are posture changes
    match_frac: float = 0.4         # postures of one set agree within this fraction of the amplitude
    bottom_frac: float = 0.6        # a rep's bottom within this fraction of the amplitude of the set's
    return_frac: float = 0.45       # back within this fraction of its depth from the top: rep over
    amp_ratio: float = 0.5          # strokes of one set: smallest / largest amplitude at least this
    series_turns: int = 5           # turning points alternating between two postures: a set
    swing_frac: float = 0.25        # rest this far (x amplitude) from both ends, and the strokes
                                    # pass within half of that of it: a swing through the rest
    rest_frac: float = 0.35         # rest within this (x amplitude) of one end: that end is the top
    acc_reject_m_s2: float = 3.0    # a rep whose bottom is this much below its top in vertical
                                    # acceleration turns the wrong way (an exit, not a push-up)
    min_stroke_drop_m: float | None = None   # upper arm: the sensor goes down and up this much
                                    # per stroke (it sits between the shoulder and the elbow)
    planted_rms_m_s2: float | None = None   # wrist: the hand is planted, the sensor barely moves
                                    # (vertical acceleration RMS over a rep below this)
    pivot_radius_m: float | None = None   # wrist: the sensor sits this close to the wrist joint, the
                                    # pivot of a planted hand, so it moves no faster vertically than
                                    # this radius times the forearm's tilt rate
    pivot_speed_tol_m_s: float = 0.03   # vertical speed error of the integrated acceleration ...
    turn_acc_err_m_s2: float = 0.15  # ... plus this vertical acceleration error as the sensor turns
                                    # (accelerometer scale and axis errors, ~1.5 % of gravity)
    acc_window_s: float = 0.15      # half window around a turning point for that acceleration
    wiggle_frac: float | None = None   # wrist: a stroke under this fraction of the larger stroke
                                    # next to it is a wiggle within the set's strokes when a set
                                    # is looked for (see _without_wiggles)
    start_frac: float = 0.45        # rotation (fraction of the set amplitude) that starts a rep
    min_stroke_s: float = 0.2
    max_stroke_s: float = 8.0
    min_descent_s: float = 0.1
    min_ascent_s: float = 0.1
    min_rep_s: float = 0.3
    max_rep_s: float = 15.0
    idle_s: float = 8.0             # no rep started this long after the last: the set is over
    settle_s: float = 0.25          # no new top for this long after the ascent: rep over
    hold_s: float = 0.4             # still this long: a hold (rest posture)
    lone_amp_factor: float = 1.5    # a rep on its own without a height to check (wrist) turns
                                    # at least this times min_amp_deg
    lone_rest_deg: float = 35.0     # ... from a top this close to the stream's first posture (a
                                    # forearm hangs vertical standing; in the plank it leans up to
                                    # 30-35 degrees with the hands wide and ahead of the shoulders,
                                    # further ahead in a knee plank)
    max_bottom_hold_s: float = 3.0  # a rep on its own: longer at the bottom is lying down, not
                                    # the pause of a push-up ("hold one count")
    still_gyr_deg_s: float = 6.0    # read by the engine for its still mask
    still_acc_m_s2: float = 0.6
    min_depth_m: float = 0.0        # unused for arms (no depth); kept for the engine's interface
    band: float = 0.05              # SPEC: 5 % of the excursion

    @classmethod
    def for_placement(cls, placement: str, base: RepSettings | None = None) -> "ArmSettings":
        """Defaults per arm segment; still thresholds taken from ``base`` when given."""
        kw: dict[str, Any] = {}
        if placement == "upper_arm":   # even a quarter-depth rep turns the upper arm ~30 degrees
            kw.update(min_amp_deg=20.0, min_stroke_drop_m=0.025)
        if placement == "wrist":
            # the forearm turns about the planted hand less than the upper arm, but more than a
            # weight shift in the plank tilts it (the shoulders move a few cm over an arm of
            # ~0.6 m: up to ~10 degrees); a strap or watch sits within ~10 cm of the wrist joint
            # a pause of a second or two at the bottom lets the forearm on the planted hand settle
            # back and forth by 4-11 degrees against push-up strokes of 20-30
            kw.update(min_amp_deg=15.0, turn_deg=3.0, planted_rms_m_s2=1.0, pivot_radius_m=0.10,
                      wiggle_frac=0.5)
        if base is not None:
            kw.update(still_gyr_deg_s=base.still_gyr_deg_s, still_acc_m_s2=base.still_acc_m_s2,
                      hold_s=base.hold_s, band=base.band)
        return cls(**kw)


#: Wrist, four strokes per rep (see ``_series_four``): a bottom that comes back nearly as far as
#: the top from the half-way posture is still the rep's bottom, not a second rep's top, when the
#: two ends stay apart by this many times the most any turning point strays from the one four
#: before it (or the turning points' hysteresis): a deep knee push-up's forearm comes back from
#: half way to within ~10 degrees of its top, each rep alike within a degree or two, where one
#: top posture held rep after rep does not alternate between two.
FOUR_ENDS_DISTINCT = 2.5

#: Window of the central differences that give the tilt rate (s): smooths the up vector's noise,
#: short against a stroke.
TILT_RATE_WINDOW_S = 0.1

#: Tilt from vertical of each segment at the top of a rep. The hands sit wider than the
#: shoulders and often a little ahead of them, and "straight" arms are a few per cent short of
#: full extension (elbows not hyper-locked): the upper arm leans out and back by some 20-30
#: degrees, the forearm by 10-20. (With the segments taken as vertical, the shoulder-height proxy
#: is so flat at the top that the start came 40-85 ms late and the end 35-45 ms early, in our
#: simulator and in the independent one alike.)
TOP_TILT_DEG = {"upper_arm": 25.0, "wrist": 15.0}


def arm_height(rotation_deg: np.ndarray, placement: str) -> np.ndarray:
    """Shoulder-height proxy (top = max) from the segment's rotation away from the rep's top.

    With the hand planted and the shoulder moving over it, shoulder height is about
    ``L_f cos(forearm tilt) + L_u cos(upper-arm tilt)`` and both tilts grow together: the height
    follows the cosine of the tilt from vertical, which starts at :data:`TOP_TILT_DEG`.
    """
    rot = np.asarray(rotation_deg, dtype=float)
    return np.cos(np.radians(rot + TOP_TILT_DEG.get(placement, 0.0)))


def _stroke_ends(rot_deg: np.ndarray, i_low: int, frac: float = 0.2) -> list[int]:
    """Indices (departure, low, return) of a rep's rotation: the last sample before the low and
    the first after it within ``frac`` of the low's rotation from the top (the strokes proper,
    without what the segment did while it stayed near the top)."""
    near = np.flatnonzero(rot_deg <= frac * rot_deg[i_low])
    before, after = near[near < i_low], near[near > i_low]
    i_dep = int(before[-1]) if len(before) else 0
    i_ret = int(after[0]) if len(after) else len(rot_deg) - 1
    return [i_dep, i_low, i_ret]


def _without_wiggles(tps: list[tuple[int, np.ndarray]], frac: float) -> list[tuple[int, np.ndarray]]:
    """Turning points without the small back-and-forths within a set's strokes: a stroke under
    ``frac`` of the larger stroke next to it (the segment sways or settles in a bottom
    pause, or hesitates on the way) is taken out with its two ends, smallest first, so the strokes
    either side join into one. The first and last strokes stay (the last may still be going on)."""
    pts = list(tps)
    while len(pts) >= 4:
        strokes = [_angle(a[1], b[1]) for a, b in zip(pts[:-1], pts[1:])]
        small = [i for i in range(1, len(strokes) - 1)
                 if strokes[i] < frac * max(strokes[i - 1], strokes[i + 1])]
        if not small:
            break
        i = min(small, key=lambda j: strokes[j])
        del pts[i: i + 2]
    return pts


def _angle(a: np.ndarray, b: np.ndarray) -> float:
    return math.degrees(math.acos(max(-1.0, min(1.0, float(a @ b)))))


def _mean_dir(*vs: np.ndarray) -> np.ndarray:
    m = np.sum(vs, axis=0)
    return m / max(float(np.linalg.norm(m)), 1e-12)


class ArmSegmenter:
    """Causal rep detector for ``upper_arm`` and ``wrist`` (same interface as RepSegmenter).

    ``process(k0, up, still, breaks)`` takes grid samples (absolute index of the first, up vectors
    in the sensor frame, still mask, segment breaks) and returns the :class:`RepCandidate` objects
    completed. ``transitions`` lists what happened in stream order (drained by the caller),
    ``holds`` the still holds found, ``first_hold`` the first of them.
    """

    SEARCH, SET = 0, 1
    TOP, DOWN, UP = 0, 1, 2

    def __init__(self, placement: str, sampling_rate_hz: float,
                 settings: ArmSettings | RepSettings | None = None) -> None:
        self.placement = placement
        self.rate = float(sampling_rate_hz)
        if isinstance(settings, ArmSettings):
            self.s = settings
        else:
            self.s = ArmSettings.for_placement(placement, settings)
        s = self.s
        self.hold_n = max(2, int(round(s.hold_s * self.rate)))
        self.settle_n = max(1, int(round(s.settle_s * self.rate)))
        self.max_rep_n = int(round(s.max_rep_s * self.rate))
        self.idle_n = int(round(s.idle_s * self.rate))
        self.min_stroke_n = max(1, int(round(s.min_stroke_s * self.rate)))
        self.max_stroke_n = int(round(s.max_stroke_s * self.rate))
        # strokes joined over wiggles must not join over a hold longer than a bottom pause (the
        # posture held before the set, whose strokes getting into it may match the set's)
        self.max_hold_in_set_n = int(round(s.max_bottom_hold_s * self.rate))
        self._hist = SampleBuffer({"up": 3, "still": 1, "av": 1})
        self.holds: list[tuple[int, np.ndarray]] = []
        self.first_hold: tuple[int, np.ndarray] | None = None
        self.validator = None
        self.aborts: list[int] = []
        self.transitions: list[tuple[str, Any]] = []
        self.k_top = -1
        self._k_seen = -1   # the last sample processed
        self._restart(None)

    # -- buffers -----------------------------------------------------------------------------
    def up_between(self, k_a: int, k_b: int) -> np.ndarray:
        """Up vectors for absolute indices k_a..k_b inclusive (must still be buffered)."""
        return self._hist.get("up", k_a, k_b)

    def _up(self, k: int) -> np.ndarray:
        return np.array(self._hist.at("up", k))

    def _restart(self, k: int | None) -> None:
        """Forget the motion so far (start, or after a gap)."""
        self._rests: list[tuple[int, np.ndarray]] = []   # (k, up): recording start, then holds
        self.still_run = 0
        self.anchor: np.ndarray | None = None
        self.k_anchor = -1
        self.m = 0.0
        self.k_m = -1
        self.tps: list[tuple[int, np.ndarray]] = []
        self._held_tps: set[int] = set()   # turning points that are still holds
        self._turned = False               # a turning point was found since the (re)start
        self._held_stroke_deg = 0.0        # the stroke the last turn (a hold) ended; 0: no hold
        self.mode = self.SEARCH
        self.k_top = -1
        self._need_rest = True
        self._pending_out: list[RepCandidate] = []
        self._k_series = -1
        self._k_last_end = -1
        self._set_reps = 0
        self._after_gap = False   # resumed after a gap: the first top is still to be reached

    # -- main loop ---------------------------------------------------------------------------
    def process(self, k0: int, up: np.ndarray, still: np.ndarray, breaks: np.ndarray,
                vertical_acc_m_s2: np.ndarray | None = None) -> list[RepCandidate]:
        """Feed samples ``k0, k0+1, ...``: up vectors, still mask, long-gap breaks and, when
        known, the sensor's vertical acceleration (earth frame, gravity removed; without it a lone
        excursion cannot be told from other one-off motions)."""
        out: list[RepCandidate] = []
        n = len(up)
        if n == 0:
            return out
        up = np.asarray(up, dtype=float)
        av = np.full(n, np.nan)
        if vertical_acc_m_s2 is not None and len(vertical_acc_m_s2) == n:
            av = np.asarray(vertical_acc_m_s2, dtype=float).reshape(-1)
        self._hist.append(k0, up=up, still=np.asarray(still, dtype=float), av=av)
        still_l = np.asarray(still).tolist()
        breaks_l = np.asarray(breaks).tolist()
        for i in range(n):
            k = k0 + i
            u = up[i]
            if breaks_l[i]:
                self._across_gap(k, u)
            if self._need_rest:
                self._rests = [(k, u.copy())]
                self._need_rest = False
            self.still_run = self.still_run + 1 if still_l[i] else 0
            if self.still_run == self.hold_n:
                self._hold_turn(k, u)
            if self.still_run >= self.hold_n and self.still_run % self.hold_n == 0:
                self._rests.append((k, u.copy()))
                if len(self._rests) > 64:
                    self._rests.pop(1)
                self.holds.append((k, u.copy()))
                if self.first_hold is None:
                    self.first_hold = (k, u.copy())
            self._turning(k, u)
            self._k_seen = k
            if self._pending_out:
                out.extend(self._pending_out)
                self._pending_out = []
            if self.mode == self.SET:
                out.extend(self._count(k, u, self.still_run))
        self._trim()
        return out

    def close(self) -> None:
        """End of the stream: the last posture counts as held, so a set of one rep stopped
        right after its ascent is found as it would be with a hold after it."""
        k = self._k_seen
        if k < 0:
            return
        u = self._up(k)
        if self.still_run < self.hold_n:
            self._hold_turn(k, u)
        self._pending_out = []   # the reps found are in the transitions
        if self.mode == self.SET:
            self._count(k, u, self.hold_n)

    def _across_gap(self, k: int, u: np.ndarray) -> None:
        """Samples lost up to ``k``: the rep under way is given up. A set running before a gap
        shorter than a rep goes on with its postures (the same body and strap), its next rep
        counted from the next time the segment is at the top; otherwise the search starts again,
        with the postures held before the gap as the rest postures."""
        if self.mode == self.SET and self.state != self.TOP:
            self._abort(k)
        resume = self.mode == self.SET and k - self._k_seen <= self.max_rep_n
        kept = (self.u_top, self.u_bot, self.amp, self._set_reps) if resume else None
        rests = self._rests
        self._restart(k)
        if rests:
            self._rests, self._need_rest = rests, False
        if kept is not None:
            self.mode = self.SET
            self.u_top, self.u_bot, self.amp, self._set_reps = kept
            self._enter_top(k, u)
            self._after_gap = True

    def _trim(self) -> None:
        horizon = self._hist.k_end - 4 * self.max_rep_n   # older turns can no longer start a scan
        while self.tps and self.tps[0][0] < horizon:
            self.tps.pop(0)
        if self.anchor is not None and self.k_m < horizon:   # no turn for long: start afresh here
            k = self._hist.k_end - 1
            self.anchor = self.u_m = self._up(k)
            self.k_anchor, self.m, self.k_m = k, 0.0, k
        keep = self._hist.k_end - 4 * self.max_rep_n - self.max_stroke_n
        if self.tps:
            keep = min(keep, self.tps[0][0] - self.max_stroke_n - self.hold_n)
        if self.mode == self.SET and self.k_top >= 0:
            keep = min(keep, self.k_top - self.hold_n)
        self._hist.trim(keep)

    # -- turning points of the up trajectory -------------------------------------------------
    def _turning(self, k: int, u: np.ndarray) -> None:
        """Turning points: the sample farthest from the last turn, once the motion has come back
        from it by the hysteresis while no longer getting farther from the last turn (this also
        works when the last turn lies off the plane of the current strokes)."""
        s = self.s
        if self.anchor is None:
            self.anchor, self.k_anchor, self.m, self.k_m = u.copy(), k, 0.0, k
            self.u_m = u.copy()
            return
        d = _angle(u, self.anchor)
        if d > self.m:
            self.m, self.k_m, self.u_m = d, k, u.copy()
            return
        if _angle(u, self.u_m) < max(s.turn_deg, s.turn_frac * self.m):
            return
        if self._held_stroke_deg and self.m < s.turn_frac * self._held_stroke_deg:
            # a wobble about the hold that ended the last stroke, not a stroke: keep looking
            self.m, self.k_m, self.u_m = d, k, u.copy()
            return
        # the farthest sample was a turning point: it becomes the new anchor
        k_far, u_far = self.k_m, self.u_m
        if not self._turned:   # the first stroke of the stream started from its first posture
            self._set_turn(self.k_anchor, self.anchor, k)
        self._set_turn(k_far, u_far, k)

    def _set_turn(self, k_tp: int, u_tp: np.ndarray, k: int, held: bool = False) -> None:
        """Make sample k_tp (up vector u_tp) the last turning point; samples up to k were seen."""
        self.anchor = np.array(u_tp)
        seg = self.up_between(k_tp, k)
        ang = np.degrees(np.arccos(np.clip(seg @ self.anchor, -1.0, 1.0)))
        j = int(np.argmax(ang))
        self.m, self.k_m, self.u_m = float(ang[j]), k_tp + j, np.array(seg[j])
        self._turned = True
        self._held_stroke_deg = _angle(self.tps[-1][1], u_tp) if held and self.tps else 0.0
        if held or self._held_at(k_tp, u_tp, k):
            self._held_tps.add(k_tp)
        self._on_turn(k_tp, self.anchor.copy(), k)

    def _held_at(self, k_tp: int, u_tp: np.ndarray, k: int) -> bool:
        """Was the posture of turning point k_tp held still (a hold of it up to sample k)?"""
        k_a = max(self._hist.k0, k_tp - 3 * self.hold_n)
        st = self._hist.get("still", k_a, k) > 0.5
        near = self.up_between(k_a, k) @ u_tp >= math.cos(math.radians(self.s.turn_deg))
        run = best = 0
        for x in st & near:
            run = run + 1 if x else 0
            best = max(best, run)
        return best >= self.hold_n

    def _hold_turn(self, k: int, u: np.ndarray) -> None:
        """A still hold ends a stroke: the segment stopped, so the farthest sample from the last
        turn is a turning point once the motion since then was a stroke's worth; the first hold
        of a stream that has not turned yet is one too (a set may start right there)."""
        if self.anchor is None:
            return
        if not self._turned and self.m < self.s.turn_deg:
            self._set_turn(k, u, k, held=True)
        elif self.m >= 2.0 * self.s.turn_deg:   # clear of the hysteresis: moved, not drifted
            self._set_turn(self.k_m, self.u_m, k, held=True)

    def _bottom_minus_top(self, ks: list[int]) -> float | None:
        """Mean vertical acceleration at the odd turns minus at the even turns (m/s²), or None.

        At the bottom of a push-up the body turns from moving down to moving up (acceleration
        upwards, positive), at the top the other way: a rep whose bottom accelerates strongly
        downwards is no push-up turn.
        """
        w = max(1, int(round(self.s.acc_window_s * self.rate)))
        means = []
        for k in ks:
            a = self._hist.get("av", k - w, k + w)
            if len(a) == 0 or np.isnan(a).any():
                return None
            means.append(float(np.mean(a)))
        return float(np.mean(means[1::2]) - np.mean(means[0::2]))

    def _moves_freely(self, k_a: int, k_b: int) -> bool:
        """True when the sensor accelerates too much for a planted hand (walking arm swing)."""
        lim = self.s.planted_rms_m_s2
        if lim is None:
            return False
        a = self._hist.get("av", k_a, k_b)
        return len(a) > 0 and not np.isnan(a).any() and float(np.sqrt(np.mean(a * a))) > lim

    def _tilt_rate_rad_s(self, k_a: int, k_b: int) -> np.ndarray:
        """Tilt rate of the segment (rad/s) for samples k_a..k_b: the speed of its up vector,
        which is the rate of rotation about horizontal axes (central differences over
        :data:`TILT_RATE_WINDOW_S`)."""
        m = max(1, int(round(0.5 * TILT_RATE_WINDOW_S * self.rate)))
        lo, hi = max(self._hist.k0, k_a - m), min(self._hist.k_end - 1, k_b + m)
        up = self._hist.get("up", lo, hi)
        idx = np.arange(k_a, k_b + 1) - lo
        i0, i1 = np.clip(idx - m, 0, len(up) - 1), np.clip(idx + m, 0, len(up) - 1)
        dt = np.maximum(i1 - i0, 1) / self.rate
        return np.linalg.norm(up[i1] - up[i0], axis=1) / dt

    def _still_zupt_velocity(self, k_a: int, k_b: int) -> np.ndarray | None:
        """Vertical velocity (m/s) for samples k_a..k_b from the vertical acceleration, zero at
        both ends and wherever the sensor is still (bias and drift removed between those)."""
        x = self._hist.get("av", k_a, k_b)
        if len(x) < 2 or np.isnan(x).any():
            return None
        still = self._hist.get("still", k_a, k_b) > 0.5
        still[0] = still[-1] = True
        return zupt_height(x, 1.0 / self.rate, list(np.flatnonzero(still)))[0]

    def _off_pivot(self, k_a: int, k_b: int) -> bool:
        """True when the sensor moves vertically faster than rotation about a planted hand allows.

        A sensor at distance r from a fixed pivot moves vertically at most r times the segment's
        tilt rate at that instant. The vertical velocity is the acceleration integrated from k_a
        to k_b, zero at both ends and where the sensor is still (a planted hand never moves; a
        free one stops at the turns).
        """
        r = self.s.pivot_radius_m
        if r is None or k_b - k_a < 3:
            return False
        v = self._still_zupt_velocity(k_a, k_b)
        if v is None:
            return False
        w = self._tilt_rate_rad_s(k_a, k_b)
        # an acceleration error that changes steadily over the window leaves at most 1/8 of it
        # times the duration in the velocity once that is zero at both ends
        tol = self.s.pivot_speed_tol_m_s + self.s.turn_acc_err_m_s2 * (k_b - k_a) / self.rate / 8.0
        return float(np.max(np.abs(v) - r * w)) > tol

    def _hand_moves(self, ks: list[int]) -> bool:
        """True when a wrist sensor is not on a planted hand over any stroke between turns ``ks``
        (each stroke on its own: a still hold in one would hide the others' motion)."""
        return any(self._moves_freely(a, b) or self._off_pivot(a, b) for a, b in zip(ks[:-1], ks[1:]))

    def _passes(self, u: np.ndarray, k_a: int, k_b: int, within_deg: float) -> bool:
        """Does the trajectory between k_a and k_b come within ``within_deg`` of ``u``?"""
        seg = self.up_between(k_a, k_b)
        return len(seg) > 0 and float(np.max(seg @ u)) >= math.cos(math.radians(within_deg))

    def _height_change_m(self, k_a: int, k_b: int) -> float | None:
        """Sensor height change from turn k_a to turn k_b (m): vertical acceleration integrated
        twice, velocity zero at both turns (the rotation stops there) and wherever the sensor is
        still, or None without data."""
        v = self._still_zupt_velocity(k_a, k_b)
        if v is None:
            return None
        return float(np.sum(0.5 * (v[1:] + v[:-1])) / self.rate)

    def _stroke_drop_m(self, ks: list[int]) -> float | None:
        """Typical height change of the sensor per stroke, alternating (m), or None.

        Vertical acceleration integrated twice over each stroke between turns, velocity zero at
        both turns (the rotation stops there); the median of the changes with alternating sign.
        In a push-up the upper arm sensor goes down and up with the shoulder by several cm; a
        swinging arm turns at about the same height at both ends.
        """
        drops = []
        for i, (a, b) in enumerate(zip(ks[:-1], ks[1:])):
            z = self._height_change_m(a, b)
            if z is None:
                return None
            drops.append(z if i % 2 == 0 else -z)
        return float(np.median(drops))

    def _on_turn(self, k_tp: int, u_tp: np.ndarray, k_now: int) -> None:
        self.tps.append((k_tp, u_tp))
        if len(self.tps) > 16:
            self.tps.pop(0)
        self._held_tps = {k for k in self._held_tps if k >= self.tps[0][0]}
        if self._series(k_now, self.tps):
            return
        if self.s.wiggle_frac is not None:
            coarse = _without_wiggles(self.tps, self.s.wiggle_frac)
            n = self.s.series_turns
            if (len(coarse) < len(self.tps) and len(coarse) >= n
                    and self._longest_hold_n(coarse[-n][0], coarse[-1][0]) <= self.max_hold_in_set_n
                    and self._series(k_now, coarse)):
                return
        if self.mode == self.SEARCH and not self._series_four(k_now):
            self._lone_rep(k_now)

    def _longest_hold_n(self, k_a: int, k_b: int) -> int:
        """Longest run of still samples between ``k_a`` and ``k_b`` (inclusive)."""
        still = self._hist.get("still", max(k_a, self._hist.k0), k_b) > 0.5
        if not still.any():
            return 0
        edges = np.flatnonzero(np.diff(np.concatenate(([0], still.astype(np.int8), [0]))))
        return int(np.max(edges[1::2] - edges[0::2]))

    def _series(self, k_now: int, tps: list[tuple[int, np.ndarray]]) -> bool:
        """Five turning points (of ``tps``) alternating between two postures with similar strokes:
        a set (started here, True), unless they are the running set's or not push-ups."""
        n = self.s.series_turns
        if len(tps) < n:
            return False
        s = self.s
        ks = [k for k, _ in tps[-n:]]
        ps = [u for _, u in tps[-n:]]
        amps = [_angle(a, b) for a, b in zip(ps[:-1], ps[1:])]
        amp = float(np.median(amps))
        if not (s.min_amp_deg <= min(amps) and max(amps) <= s.max_amp_deg):
            return False
        if min(amps) < s.amp_ratio * max(amps):
            return False
        if any(_angle(ps[i], ps[i + 2]) > s.match_frac * amp for i in range(n - 2)):
            return False
        durs = self._stroke_moving_n(ks, amp)
        if min(durs) < self.min_stroke_n or max(durs) > self.max_stroke_n:
            return False
        if self._hand_moves(ks):
            return False
        drop = None
        if s.min_stroke_drop_m is not None:
            drop = self._stroke_drop_m(ks)
            if drop is not None and abs(drop) < s.min_stroke_drop_m:
                return False   # the sensor does not go down and up with the strokes: not push-ups
        x, y = _mean_dir(*ps[0::2]), _mean_dir(*ps[1::2])
        if self.mode == self.SET and self._same_set(x, y, amp):
            # a series of the running set (else a different one: the set so far was something else)
            return False
        k0 = ks[0]
        # rest posture: the last hold before the turn that preceded the series (holds within the
        # series may be bottom pauses); the recording's start when there was none
        k_before = tps[-n - 1][0] if len(tps) > n else k0
        before = [u for kr, u in self._rests if kr <= k_before]
        held = len(before) > 1                 # a real hold, not just the recording's start
        rest = before[-1] if before else (self._rests[0][1] if self._rests else x)
        dx, dy = _angle(rest, x), _angle(rest, y)
        if (held and s.pivot_radius_m is None and min(dx, dy) >= s.swing_frac * amp
                and self._passes(rest, ks[0], ks[-1], 0.5 * s.swing_frac * amp)):
            # the strokes swing through the rest posture, far from both ends: not a set (a wrist
            # has the planted hand to tell: its forearm passes the vertical of all fours)
            return False
        top_is_x = dx <= dy   # the end nearer the rest posture, unless the height tells
        if abs(dx - dy) < s.rest_frac * amp and ks[0] in self._held_tps:
            top_is_x = True   # both ends about as far from it: the series starts from a hold at the top
        if drop is not None:   # the upper arm is higher at the top: the sensor rises from x to y
            top_is_x = drop < 0
        top, bot = (x, y) if top_is_x else (y, x)
        self._k_series = k0
        self._start_set(top, bot, amp, k_now)
        return True

    def _series_four(self, k_now: int) -> bool:
        """Wrist, deep reps: the forearm tilts furthest half way down and comes back part of the
        way at the bottom (the shoulders pass over the hands), then the same on the way up, so
        each rep is four strokes: top, half way, bottom, half way, top. Nine turning points that
        repeat every four, one parity all at the half-way posture, the other alternating between
        the top (the farther from it) and the bottom: a set (started here, True), counted on the
        tilt from the top out to the half-way posture and back. The bottom's turn back need only
        be a turning point (``turn_deg``): the other parity's match tells it from noise."""
        s = self.s
        n = 9
        if s.min_stroke_drop_m is not None or len(self.tps) < n:   # (asked in SEARCH mode)
            return False
        ks = [k for k, _ in self.tps[-n:]]
        ps = [u for _, u in self.tps[-n:]]
        for mid in (0, 1):   # which parity is the half-way posture
            ends = ps[1 - mid::2]
            m = _mean_dir(*ps[mid::2])
            x, y = _mean_dir(*ends[0::2]), _mean_dir(*ends[1::2])
            top, bot = (x, y) if _angle(x, m) >= _angle(y, m) else (y, x)
            amp = _angle(top, m)
            back = _angle(bot, m)
            if not (s.min_amp_deg <= amp <= s.max_amp_deg) or back < s.turn_deg:
                continue
            if _angle(top, bot) <= s.match_frac * amp:
                continue   # the ends are one posture: two strokes per rep (a plain series)
            scatter = max(_angle(ps[i], ps[i + 4]) for i in range(n - 4))
            if scatter > s.match_frac * amp:
                continue
            if (back >= (1.0 - s.return_frac) * amp
                    and _angle(top, bot) < FOUR_ENDS_DISTINCT * max(scatter, s.turn_deg)):
                continue   # a bottom that comes back near the top: two reps, not one
            if any(_angle(u, m) > s.match_frac * amp for u in ps[mid::2]):
                continue
            durs = self._stroke_moving_n(ks, back)
            # the least duration is a push-up stroke's, from one end out to the other (the
            # bottom's short stroke back and forth is part of it)
            full = [durs[i] + durs[i + 1] for i in range(1 - mid, len(durs) - 1, 2)]
            if min(full) < self.min_stroke_n or max(durs) > self.max_stroke_n:
                continue
            if self._hand_moves(ks):
                continue
            self._k_series = ks[0]
            # a rep is over back near the top, not at the bottom half way back
            self._start_set(top, m, amp, k_now, min(s.return_frac, 0.5 * _angle(top, bot) / amp))
            return True
        return False

    def _same_set(self, x: np.ndarray, y: np.ndarray, amp: float) -> bool:
        """Are postures x, y and rotation ``amp`` those of the running set?"""
        tol = self.s.match_frac * self.amp
        return (min(_angle(x, self.u_top), _angle(y, self.u_top)) <= tol
                and min(_angle(x, self.u_bot), _angle(y, self.u_bot)) <= tol
                and amp <= (1.0 + self.s.match_frac) * self.amp)

    def _lone_rep(self, k_now: int) -> None:
        """A set of one rep: the last three turning points are one excursion from a posture and
        back (:meth:`_lone_shape`) with the physics of a push-up (upper arm: the sensor goes down
        and comes back up; wrist: the hand stays planted)."""
        shape = self._lone_shape()
        if shape is None:
            return
        (ka, a), (kb, b), (kc, c) = self.tps[-3:]
        av = self._hist.get("av", ka, kc)
        if len(av) < kc - ka + 1 or np.isnan(av).any():
            return   # a rep on its own needs the physics check: no vertical acceleration, no rep
        if self._hand_moves([ka, kb, kc]) or not self._goes_down_and_up([ka, kb, kc]):
            return
        self._k_series = ka
        self._start_set(_mean_dir(a, c), b, shape, k_now)

    def _lone_shape(self) -> float | None:
        """Rotation (deg) of the excursion made by the last three turning points when it can be a
        rep on its own, else None: out and back to a posture held still before or after it (both,
        and nearer the stream's first posture, where no height tells the top), strokes alike,
        no part of an alternation, and no long stay at the bottom (lying down is no pause)."""
        s = self.s
        if len(self.tps) < 3:
            return None
        (ka, a), (kb, b), (kc, c) = self.tps[-3:]
        held_a, held_c = ka in self._held_tps, kc in self._held_tps
        amps = (_angle(a, b), _angle(b, c))
        amp = 0.5 * (amps[0] + amps[1])
        min_amp = s.min_amp_deg
        if s.min_stroke_drop_m is None:
            if not (held_a and held_c) or not self._nearer_rest(a, b, amp, s.lone_rest_deg, s.turn_deg):
                return None
            min_amp *= s.lone_amp_factor   # clear of what a weight shift in the plank does
        elif not (held_a or held_c):
            return None
        if not (min_amp <= min(amps) and max(amps) <= s.max_amp_deg):
            return None
        if min(amps) < s.amp_ratio * max(amps) or _angle(a, c) > s.match_frac * amp:
            return None
        durs = self._stroke_moving_n([ka, kb, kc], amp)
        if (len(self.tps) > 3 and _angle(self.tps[-4][1], b) <= s.match_frac * amp
                and not (s.min_stroke_drop_m is None and self._rest_farther(self.tps[-4][1], a)
                         and kb - ka - durs[0] > s.max_bottom_hold_s * self.rate)):
            return None   # a set's strokes seen from its bottoms
        if not (self.min_stroke_n <= min(durs) and max(durs) <= self.max_stroke_n):
            return None
        if self._dwell_n(b, ka, kc, max(s.turn_deg, 0.1 * amp)) > s.max_bottom_hold_s * self.rate:
            return None
        return amp

    def _rest_farther(self, u: np.ndarray, top: np.ndarray) -> bool:
        """Is posture ``u`` farther from the stream's first posture than ``top`` (by more than
        ``turn_deg``)? Then ``u`` is no top of a set whose bottom is ``top`` (a top is the end
        nearer that rest, see :meth:`_nearer_rest`): it was on the way into the plank."""
        if not self._rests:
            return False
        rest = self._rests[0][1]
        return _angle(rest, u) > _angle(rest, top) + self.s.turn_deg

    def _goes_down_and_up(self, ks: list[int]) -> bool:
        """Upper arm: does the sensor go down from ks[0] to ks[1] and back up to ks[2] (by at least
        ``min_stroke_drop_m`` each way)? It hangs from the shoulder, which a push-up lowers and
        raises (getting into the plank does not). True where that does not apply or cannot be
        measured."""
        lim = self.s.min_stroke_drop_m
        if lim is None:
            return True
        down, up = self._height_change_m(ks[0], ks[1]), self._height_change_m(ks[1], ks[2])
        if down is None or up is None:
            return True
        return min(-down, up) >= lim

    def _stroke_moving_n(self, ks: list[int], amp: float) -> list[int]:
        """Durations of the strokes between turns ``ks`` (samples), without the time spent near
        the posture a stroke starts from (a hold at the top before a descent is no stroke)."""
        cos_near = math.cos(math.radians(max(self.s.turn_deg, 0.1 * amp)))
        out = []
        for k_a, k_b in zip(ks[:-1], ks[1:]):
            near = np.flatnonzero(self.up_between(k_a, k_b) @ self._up(k_a) >= cos_near)
            out.append(k_b - (k_a + int(near[-1]) if len(near) else k_a))
        return out

    def _nearer_rest(self, top: np.ndarray, bot: np.ndarray, amp: float, near_deg: float = 0.0,
                     tie_deg: float = 0.0) -> bool:
        """Is ``top`` the end near the stream's first posture (within ``rest_frac`` of the
        amplitude, or ``near_deg``) and ``bot`` further (or as far, within ``tie_deg``: a forearm
        may lean as far from where it hung at the top as at the bottom, to either side of the
        vertical, and an excursion out and back from a held end starts at the top)? A recording
        starts at rest (standing, kneeling, on all fours, in the plank), where an arm segment hangs
        or stands about vertical, as at the top of a push-up."""
        if not self._rests:
            return False
        rest = self._rests[0][1]
        to_top, to_bot = _angle(rest, top), _angle(rest, bot)
        return to_top <= max(self.s.rest_frac * amp, near_deg) and to_top < to_bot + tie_deg

    def _dwell_n(self, u: np.ndarray, k_a: int, k_b: int, within_deg: float) -> int:
        """Samples between k_a and k_b that the segment spent within ``within_deg`` of ``u``."""
        ups = self.up_between(k_a, k_b)
        return int(np.count_nonzero(ups @ u >= math.cos(math.radians(within_deg))))

    # -- counting reps within a set ----------------------------------------------------------
    def _start_set(self, top: np.ndarray, bot: np.ndarray, amp: float, k_now: int,
                   return_frac: float | None = None) -> None:
        self.mode = self.SET
        self._set_reps = 0
        self.u_top, self.u_bot, self.amp = top.copy(), bot.copy(), amp
        self.return_frac = self.s.return_frac if return_frac is None else return_frac
        # rescan from the earliest turn kept (a first descent may continue the entry; reps before
        # the series must match it closely), not before the end of the last rep reported
        k_scan = max(self.tps[0][0] - self.max_stroke_n, self._hist.k0, k_now - 3 * self.max_rep_n,
                     self._k_last_end)
        self._enter_top(k_scan, self._up(k_scan))
        # samples up to the previous one; the current one is counted by the main loop
        ups = self.up_between(k_scan + 1, k_now - 1)
        still = self._hist.get("still", k_scan + 1, k_now - 1)
        found: list[RepCandidate] = []
        run = 0
        resume_at = -1
        for j in range(len(ups)):
            k = k_scan + 1 + j
            run = run + 1 if still[j] else 0
            if self.mode != self.SET:
                if k > self._k_series:
                    break
                # the stretch before the series was a rest, not part of the set (a long hold in
                # another posture ended it): the set is counted from the series' first turn
                self.mode = self.SET
                self.transitions = [tr for tr in self.transitions
                                    if not (tr[0] == "abort" and tr[1] < self._k_series)]
                self._enter_top(self._k_series, self._up(self._k_series))
                resume_at = self._k_series
            if k <= resume_at:
                continue
            found.extend(self._count(k, ups[j], run))
        self._pending_out = found

    def _enter_top(self, k: int, u: np.ndarray) -> None:
        self.state = self.TOP
        self.k_top, self.r_top = k, _angle(u, self.u_top)
        self.k_top_enter = k
        self.peak, self.k_peak, self.k_down = -1.0, -1, k
        self.r_min, self.k_min = math.inf, -1
        self._decided = False    # the rep under way was reported (or refused) already
        self._k_low_accepted = -1

    def _abort(self, k: int) -> None:
        self.aborts.append(k)
        self.transitions.append(("abort", k))

    def _end_set(self, k: int, aborted: bool) -> None:
        if aborted:
            self._abort(k)
        self.mode = self.SEARCH
        self.k_top = -1
        self.tps = self.tps[-1:]

    def _count(self, k: int, u: np.ndarray, still_run: int) -> list[RepCandidate]:
        out: list[RepCandidate] = []
        s = self.s
        r = _angle(u, self.u_top)
        hi = max(2.0 * s.turn_deg, s.start_frac * self.amp)
        if self.state == self.TOP:
            if r <= self.r_top + 0.5 * s.turn_deg:   # still at the top (a hold follows its drift)
                self.k_top, self.r_top = k, min(r, self.r_top)
                self._after_gap = self._after_gap and self.r_top > hi
            elif self._after_gap and r - self.r_top > hi:
                # came back from a gap mid-rep and went down again before reaching the top:
                # that rep's start was lost; wait for the top
                self.r_top, self.k_top = r, k
            elif r - self.r_top > hi:
                self.state = self.DOWN
                self.peak, self.k_peak, self.k_down = r, k, k
                self.transitions.append(("rep_started", k))
            elif self._set_reps and k - max(self.k_top_enter if self.r_top <= hi else -1,
                                            self._k_last_end) > self.idle_n:
                # no rep for a while: the set is over; a resumed set is found again (and rescanned)
                # once it shows its series, and stray motions meanwhile are not reps (a top
                # re-entered away from the set's top, moving about in a rest, does not hold it)
                self._end_set(k, aborted=False)
            elif r - self.r_top > 0.5 * hi and k - self.k_top > self.max_rep_n:   # left the set
                self._end_set(k, aborted=False)
            return out
        depth = self.peak - self.r_top
        if self.state == self.DOWN:
            if r > self.peak:
                self.peak, self.k_peak = r, k
                depth = self.peak - self.r_top
            if depth > max(1.6 * self.amp, self.amp + 30.0) or k - self.k_down > self.max_rep_n:
                self._end_set(k, aborted=True)
            elif r - self.r_top < 0.5 * depth:
                self.state = self.UP
                self.transitions.append(("bottom_reached", self.k_peak))
                self.r_min, self.k_min = r, k
            return out
        # UP: coming back towards the top
        if r < self.r_min:
            self.r_min, self.k_min = r, k
        if not self._decided and r - self.r_top <= s.band * depth:
            # back within 5 % of the top: that is the rep's t_end, report it now
            self._decided = True
            out.extend(self._finalize(k, k))
        near_top = self.r_min - self.r_top <= self.return_frac * depth
        turn = max(0.5 * s.turn_deg, 0.1 * depth)
        if r > self.r_min + turn:
            if near_top:
                if not self._decided:
                    out.extend(self._finalize(self.k_min, k))
                self._after_rep(k, u)
            else:   # the ascent stalled and went down again: the same rep
                self.state = self.DOWN
        elif near_top and (k - self.k_min >= self.settle_n or still_run >= self.hold_n):
            if not self._decided:
                out.extend(self._finalize(self.k_min, k))
            self._after_rep(k, u)
        elif k - self.k_down > self.max_rep_n:
            self._end_set(k, aborted=True)
        return out

    def _after_rep(self, k: int, u: np.ndarray) -> None:
        """Next rep starts from the top just found; re-run the current sample from there."""
        if self.mode != self.SET:
            return
        k_min = self.k_min
        if self._k_low_accepted >= 0:   # follow slow drifts of the postures (hands moved, fatigue)
            self.u_top = _mean_dir(self.u_top, self._up(k_min))
            self.u_bot = _mean_dir(self.u_bot, self._up(self._k_low_accepted))
            self.amp = 0.5 * self.amp + 0.5 * _angle(self.u_top, self.u_bot)
            self._k_low_accepted = -1
        self._enter_top(k_min, self._up(k_min))
        seg = self.up_between(k_min + 1, k)
        for j in range(len(seg)):
            self._count_quiet(k_min + 1 + j, seg[j])

    def _count_quiet(self, k: int, u: np.ndarray) -> None:
        r = _angle(u, self.u_top)
        hi = max(2.0 * self.s.turn_deg, self.s.start_frac * self.amp)
        if self.state == self.TOP:
            if r <= self.r_top + 0.5 * self.s.turn_deg:
                self.k_top, self.r_top = k, min(r, self.r_top)
            elif r - self.r_top > hi:
                self.state = self.DOWN
                self.peak, self.k_peak, self.k_down = r, k, k
                self.transitions.append(("rep_started", k))
        elif self.state == self.DOWN and r > self.peak:
            self.peak, self.k_peak = r, k

    def _finalize(self, k_last: int, k_now: int) -> list[RepCandidate]:
        s = self.s
        k_top, k_peak = self.k_top, self.k_peak
        ups = self.up_between(k_top, k_last)
        if len(ups) < 3:
            return []
        rot = np.degrees(np.arccos(np.clip(ups @ ups[0], -1.0, 1.0)))
        u_low = self._up(k_peak)
        # the rep must reach the set's bottom posture (not an entry/exit motion of similar size)
        d_bot = _angle(u_low, self.u_bot)
        if d_bot > s.bottom_frac * self.amp + s.turn_deg:
            return []
        if k_peak < self._k_series and (d_bot > 0.5 * s.match_frac * self.amp + s.turn_deg
                                        or rot[k_peak - k_top] < (1.0 - s.match_frac) * self.amp
                                        or not self._goes_down_and_up([k_top, k_peak, k_last])):
            return []   # before the series: only a full rep (first descent run on from the entry)
        acc = self._bottom_minus_top([k_top, k_peak])
        if acc is not None and acc < -s.acc_reject_m_s2:
            return []   # accelerating downwards at the "bottom": not a push-up turn
        ev = phase_events(arm_height(rot, self.placement), 0, s.band)
        if ev is None:
            return []
        if self._hand_moves([k_top + i for i in _stroke_ends(rot, ev["low"])]):
            return []
        cand = RepCandidate(k_top, k_top + ev["start"], k_top + ev["bottom"], k_top + ev["ascent"],
                            k_top + ev["end"], k_top + ev["low"], k_now, float(rot[ev["low"]]),
                            ups[0].copy(), ups[ev["low"]].copy(),
                            extras={"up": ups[: ev["end"] + 1].copy()})   # (its posture, kept:
        # a set's first reps are reported once the series is recognised, when the history of
        # their samples may be gone)
        rate = self.rate
        if ((cand.k_bottom - cand.k_start) / rate < s.min_descent_s
                or (cand.k_end - cand.k_ascent) / rate < s.min_ascent_s
                or not (s.min_rep_s <= (cand.k_end - cand.k_start) / rate <= s.max_rep_s)):
            return []
        if self.validator is not None and not self.validator(cand):
            return []
        self._k_low_accepted = k_peak   # postures follow this rep once its top is found
        self._k_last_end = cand.k_end
        self._set_reps += 1
        self.transitions.append(("rep", cand))
        return [cand]
