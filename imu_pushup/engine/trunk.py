"""Trunk (chest, lumbar) rep segmentation: the rotation times the candidates, the integrated vertical
acceleration gives the height, the SPEC events and the depth.

Physics:

* In a push-up the trunk turns about the toes or knees. ``theta``, minus the angle between *up*
  (in the sensor frame, from the orientation filter) and the first posture of the stream, follows
  that turn without drift and without knowing how the sensor is worn. No sign has to be learned:
  a rep's bottom (trunk nearest the horizontal) is always further from an upright start than its
  top, and further from a start in the plank's top posture too, so every rep is a valley.
* A rep is a valley of ``theta``: it leaves a top, turns at the bottom and comes back. Where it
  comes back to is not known when it leaves: the body may have settled into the plank on the way
  down (a still hold lower than where the descent began), the set's top may drift, a wobble may
  make a small top on the way. So every top and every still hold on the way down is kept as a
  candidate top (an *anchor*, with the lowest point since it); the rep is the valley below the
  highest anchor the rotation comes back to, or, when it stops lower, below the anchor closest
  to where it stopped. Posture changes (valleys deeper than ``max_rot_deg``) and tops older than
  ``max_rep_s`` drop out. No still hold is needed before a rep; a bottom pause longer than
  ``max_pause_s`` is lying on the floor, not a push-up.
* The height of a candidate is the earth-frame vertical acceleration integrated twice from the
  stillest sample of its top (of the top's wider band when that sample is further from the low
  than a stroke takes: a passing peak). A constant offset of that acceleration (accelerometer bias and
  scale error seen along gravity, 0.01-0.2 m/s²) drifts by centimetres over a rep; between rest
  points (tops, holds) the true velocity change is zero, so the slope of the running velocity
  integral over the set's recent rest points measures it (see :meth:`TrunkSegmenter._offset`).
  A candidate that stopped at a lower top has its own rest at the end; the first rep of a set,
  reported on its way up, uses the velocity its rotation implies at the end (see
  :func:`fit_height`). The height must follow the rotation (correlation, sensor travel per
  radian) and travel at least ``min_depth_m``; where the integration fails (a glitch) but the
  rotation shows a clean valley, the rotation times the lever of the set's reps in that posture
  stands in. Either way, a long still rest at the bottom is a zero-velocity point: integrated
  through it, the sensor must have started back up by the time the rotation is back at the top
  (``LYING_*``: lying prone and getting up turns the upper trunk first).
* The SPEC start, bottom and ascent are the 5 % rules on that height (exact at the top the window
  starts from); the end is where the rotation is back at the turn it had at the start (chest:
  the height's drift is largest at the end; the rotation is drift-free and passes the same point
  of the stroke on the way up, sternum skin rock included), or within 5 % of its top (lumbar).
* The rep is reported ``EMIT_DELAY_S`` after its end, unless the rotation is still coasting
  towards a change of posture; a rep that stops lower is reported once it stops rising.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import ndimage

from ..detectors.buffer import SampleBuffer
from .height import (HeightFit, closed_height, fit_height, running_integral,  # noqa: F401
                     spec_events, valley_drop_m)
from .height_scan import HeightScan, Valley

#: Samples scanned per step of the vectorised state machine (seconds of grid).
BLOCK_S = 2.0
#: Least sensor travel per radian of trunk rotation (m) for a measured height: the sensor goes down
#: as the trunk turns down. (A knee pivot gives ~0.6, a toe pivot ~1.4, less on the sternum, whose
#: skin turns with the shoulder girdle; far more where the back bends and the upper back stays
#: nearly level, so there is no upper limit.)
LEVER_MIN_M = 0.1
#: The fitted height must follow the rotation at least this closely (correlation of the
#: drift-corrected velocity with ``lever * dtheta/dt``).
MIN_FIT_CORR = 0.7
#: A rep whose trunk turns less than this (degrees; the back bends and the upper back stays
#: nearly level) gives the rotation too little shape for the correlation test: its height needs
#: only to go the same way (SHALLOW_MIN_CORR), be twice the least depth, and come back to its top
#: (within SHALLOW_CLOSURE of the depth).
SHALLOW_TURN_DEG = 6.0
SHALLOW_MIN_CORR = 0.3
SHALLOW_CLOSURE = 0.25
#: A recording that is one rep (see TrunkSegmenter.single_rep): its height must come back to
#: where it left within this fraction of its depth, and follow the rotation this closely (when
#: the trunk turns at least SHALLOW_TURN_DEG).
SINGLE_CLOSURE = 0.25
SINGLE_MIN_CORR = 0.3
#: A trunk that turned this much (degrees) and came back carried the sensor through centimetres
#: whatever the pivot (a knee pivot moves even a lumbar sensor 4+ cm): an integrated height
#: that barely moved failed (no rest in touch-and-go sets, a fast ascent at 25 Hz), and the
#: rotation times the set's lever stands in (where the band-limited height dropped), for a rep
#: that repeats the top of the set's last reps while the set goes on (see the stream).
TRAVEL_TURN_DEG = 10.0
#: Where a candidate is measured from again when the stillest sample of its top lies further
#: from its low than a push-up stroke takes (and gave no rep): the stillest sample while the
#: trunk is within this fraction of the rep's turn from that top.
REST_RETRY_BAND = 0.25
#: Levers of the last reps kept for the running median (the rotation-height fallback), with the
#: top posture each was measured in: only those whose top is within LEVER_SAME_TOP_DEG of the
#: candidate's stand in for it (the lever is the pivot's: a knee set after a toe set turns about
#: half as far for the same drop).
LEVER_MEMORY = 8
LEVER_SAME_TOP_DEG = 8.0
#: Lever used before any rep was measured (chest, lumbar).
DEFAULT_LEVER_M = (1.0, 0.6)
#: Rest points (tops, holds) of a set whose velocity integral gives the acceleration offset.
REST_POINTS = 6
#: ... spanning at least this long (s): the velocity at each rest is known to a few cm/s only.
REST_SPAN_S = 2.5
#: A stream that starts in a posture among the reps' own (in the plank, on all fours) measures
#: ``theta`` from a posture too close to the reps: near it the angle folds (it cannot go below 0)
#: and sway decides its shape; from all fours each rep may even turn *towards* it, so its valleys
#: are the tops between reps (the sensor goes up while the rotation goes down). So when a rep
#: with a measured height is found with its top within REREF_NEAR_DEG of the reference, or after
#: REREF_EVIDENCE such upside-down valleys with no rep between them (correlation of height and
#: rotation below -REREF_CORR; the last two repeating each other, see REPEAT_TOP_DEG), the way
#: down is known, and the rotation is measured from then on from a posture a right angle above
#: the plank's top (as from standing, without a fold); the samples since the last rep are
#: scanned again. At most MAX_REREFS times per stream.
#: ... Measured from there a plank's top is 90 degrees off and lying flat ~115; beyond
#: FAR_FOLD_DEG the top it was set from was not a plank's (standing), and the first posture is
#: the reference again.
FAR_FOLD_DEG = 150.0
#: A first posture a few degrees from the plank, off to the side of the reps' way down (all fours
#: with the trunk rolled, a start mid-move): measured from it, a rep's turn folds into a
#: fraction of itself. A height valley whose trunk turned more than HEIGHT_MAX_TURN_DEG and back
#: while the rotation from the reference spanned less than SIDEWAYS_FRAC of that turn is
#: evidence of such a reference, like an upside-down valley (before the first rep only).
SIDEWAYS_FRAC = 0.5
#: Two upside-down valleys repeat each other (push-ups, not a posture change) when their tops and
#: their ways down agree this closely (degrees).
REPEAT_TOP_DEG = 10.0
REPEAT_AXIS_DEG = 30.0
REREF_EVIDENCE = 2
REREF_CORR = 0.3
AGAINST_CORR = 0.5
REREF_NEAR_DEG = 35.0
MAX_REREFS = 3
#: Higher tops of the same valley tried when the nearest one does not give a push-up.
ANCHOR_RETRIES = 2
#: After the rotation is back at its top, samples seen before reporting (s).
EMIT_DELAY_S = 0.1
#: A rep is not reported while the rotation, going on at its present rate for this long (s),
#: would pass the overshoot limit below (getting up from the plank crosses the top fast).
COAST_S = 0.3
#: Back at the turn the rep ends at (chest, below the top's band: the trunk settles lower than
#: the top it left), a rep is reported once its rotation, going on at its present rate for this
#: long (s), would not pass that top: slowing into the top after, not getting up.
SETTLING_S = 0.15
#: Past half way back up but short of the top it left, rising by less than this fraction of the
#: rep's rotation (the largest valley it is half way out of) over ``STOPPED_S`` seconds: the rep
#: stopped at a lower top after.
STOPPED_FRAC = 0.02
STOPPED_S = 0.1
#: Rising past the top by this much (fraction of the rotation, or degrees if larger) while the rep
#: ends: getting up (to the knees, to standing), not a rep.
OVERSHOOT_FRAC = 0.5
OVERSHOOT_MIN_DEG = 5.0
#: Reps timed by the height alone (see engine.height_scan): the band-limited height must drop and
#: rise by HEIGHT_DROP_FRAC of the least depth (the band keeps at least half of a rep's travel);
#: the trunk must end in the posture it left (within HEIGHT_SAME_POSTURE_DEG: not getting down or
#: up) and turn less than HEIGHT_MAX_TURN_DEG on the way (a push-up turning it more has a
#: rotation valley of its own, which times it; a movement that turns the trunk that much and that
#: the rotation does not take for a rep is a change of position).
#: Where the upper trunk turns against the drop (up as the sternum goes down: the lower back
#: dips, more so as the set tires), the rotation's candidate is refused and the height times the
#: rep: it may then turn up to HEIGHT_AGAINST_MAX_TURN_DEG when the turn follows the height
#: against it (correlation below -HEIGHT_AGAINST_CORR) and ends within half of
#: HEIGHT_SAME_POSTURE_DEG of where it started (a change of position does not come back).
#: The rep is decided HEIGHT_DEFER_S after its top after was confirmed, and once the rotation
#: has no candidate open that may be the same rep.
HEIGHT_DROP_FRAC = 0.5
HEIGHT_SAME_POSTURE_DEG = 8.0
HEIGHT_MAX_TURN_DEG = 10.0
HEIGHT_AGAINST_MAX_TURN_DEG = 15.0
HEIGHT_AGAINST_CORR = 0.5
HEIGHT_DEFER_S = 0.0
#: A still hold turned this much (deg) from the hold before it is a new posture (into the plank
#: from standing or kneeling: 60-90 degrees; a knee push-up's bottom turns the trunk 35 at most):
#: the band-limited height starts again there, so the high-pass's memory of the move (a drop of
#: 30-100 cm) does not bury the first rep's 10 cm.
BAND_RESTART_DEG = 45.0
#: A stream that starts on all fours (or lying prone) and then holds still in the plank: the move
#: turned the trunk FOURS_MIN_DEG up to BAND_RESTART_DEG (from standing or kneeling upright it
#: turns further) while the sternum did not go down (by more than FOURS_MAX_DROP_M: a paused rep's
#: bottom, after a start in the plank, is a turn with a drop). A rep's way down turns the trunk
#: back towards the first posture and past it, so from that hold the way down is known: the
#: rotation is measured from a posture a right angle above it against the way down (as after
#: upside-down valleys, see REREF_*) before the reps fold through the first posture. Each such
#: hold before the first rep does so (a hold on the way into the plank is followed by the plank's);
#: a hold back in the first posture at the same height, or a turn of BAND_RESTART_DEG from it
#: before the first rep (a start standing), goes back to measuring from the first posture. Chest
#: only: the pelvis turns with the hips on the way into the plank.
FOURS_MIN_DEG = 6.0
FOURS_MAX_DROP_M = 0.04
#: Still samples within this many degrees of the first posture are in it (the move out of it
#: starts at the last); a hold less than FOURS_MIN_DEG from it is back in it.
FOURS_SAME_DEG = 3.0
#: The move out of the first posture starts from the stillest sample of the last FOURS_REST_S
#: seconds in it.
FOURS_REST_S = 1.0
#: Holds in a new posture remembered (only those before the first rep are ever used).
FOURS_HOLDS = 256
#: The rest after the rep is looked for this long (s) after the band's top after (which comes
#: early: the band leads, and the lockout still moves the body).
HEIGHT_REST_S = 0.5
#: Where the rest before a height-timed rep is looked for again when the stillest sample before
#: its way down gave none: the band's height within this fraction of the drop from its top.
HEIGHT_TOP_BAND = 0.25
#: ... and, from there, the trunk must be back where it was at the rest after (within this
#: fraction of its largest turn in the window, or HEIGHT_BACK_DEG): a rep ends in the posture
#: it left, where a window reaching back past the stillest sample may take in a change of
#: posture (onto the knees and all fours, whose sternum dips and comes back up as well, and
#: turns 10° or more). The tops of one set's reps differ by a few degrees (the hips settle a
#: little higher or lower from rep to rep), most after a long bottom pause, through which a trunk
#: whose upper back barely turns with the reps can turn on by 3-5° as the hips settle.
HEIGHT_TOP_BACK_FRAC = 0.5
HEIGHT_BACK_DEG = 5.0
#: ... and only for a valley the band saw come back up by this fraction of its drop: one whose
#: top after was confirmed by a fall into the next valley (a slow way down that stalled) has no
#: rest after a whole rep, and a window from its top measures a slice of the descent.
HEIGHT_TOP_RISE_FRAC = 0.5
#: Reps remembered for telling whether two candidates are the same rep.
RECENT_REPS = 8
#: A still run of at least LYING_REST_S at the bottom of a candidate (the trunk within
#: LYING_BAND of its turn from the low) is a zero-velocity point: integrated from the top's rest
#: to it and on from it, the sensor must have come back up by LYING_RISE_FRAC of its drop by the
#: time the rotation is back at the top. Lying prone and getting up through a cobra turns the
#: upper trunk back up first while the sternum is still on the floor; a push-up's trunk rises
#: with its rotation about the feet or knees. (The sternum's skin turns with the elbows, so a
#: chest rep's rotation may come back well before its height: a third of the way up, say.
#: Push-up pauses are "one count", a second or two.)
LYING_REST_S = 2.0
LYING_BAND = 0.1
LYING_RISE_FRAC = 0.15


@dataclass(frozen=True)
class TrunkSettings:
    """Thresholds of the trunk state machine (angles in degrees, times in seconds, lengths in m)."""

    start_deg: float = 1.5        # drop of theta below a top that opens a candidate
    turn_deg: float = 1.0         # rise above the running minimum that confirms the bottom turn
    turn_frac: float = 0.25       # ... or this fraction of the rotation so far, if larger
    min_rot_deg: float = 1.5      # smallest rotation of a rep
    max_rot_deg: float = 60.0     # beyond this: a posture change, not a rep (deep knee reps: ~50)
    half_frac: float = 0.5        # a top lower than the anchor: back up at least this fraction
    settle_s: float = 0.25        # no new maximum for this long after half the way back: the top after
    max_rep_s: float = 12.0       # longest rep, from the candidate top it leaves
    max_pause_s: float = 5.0      # longest bottom pause: beyond, lying on the floor (the guide: one count)
    min_descent_s: float = 0.15
    min_ascent_s: float = 0.15
    max_stroke_s: float = 5.0     # longest descent or ascent (slow tempo work: 3-4 s); beyond, lying
                                  # down on the floor or getting up from it
    min_rep_s: float = 0.5
    min_depth_m: float = 0.04     # smallest sternum excursion of a rep (weight shifts: 1-3 cm)
    max_depth_m: float = 0.8
    max_top_s: float = 1.0        # the height window starts at most this long before the descent
    hold_s: float = 0.4           # still this long: a hold (the session's first posture)
    anchor_hold_s: float = 0.5    # theta flat this long on the way down: a candidate top
    flat_deg: float = 0.6         # theta within this range: not rotating
    still_gyr_deg_s: float = 6.0
    still_acc_m_s2: float = 0.6
    band: float = 0.05            # SPEC: 5 % of the excursion


def windows_overlap(top_a: int, end_a: int, top_b: int, end_b: int) -> bool:
    """Do two reps' windows (top to end) share more than half of the shorter one? Two timings of
    one rep, each a part of it, may have neither low in the other's window; one person's reps
    do not overlap so."""
    return min(end_a, end_b) - max(top_a, top_b) > 0.5 * min(end_a - top_a, end_b - top_b)


def run_lengths(mask: np.ndarray, carried: int = 0) -> np.ndarray:
    """For each sample, how many samples in a row up to and including it are True (plus
    ``carried``, a run going on before the first sample, while it lasts)."""
    idx = np.arange(len(mask))
    last_not = np.maximum.accumulate(np.where(~mask, idx, -1))
    return np.where(last_not >= 0, idx - last_not, idx + 1 + carried)


@dataclass
class TrunkRep:
    """A candidate rep with its reconstructed height; indices are absolute grid sample numbers."""

    k_top: int                 # first sample of the height window
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
    lever_m: float = float("nan")
    extras: dict[str, Any] = field(default_factory=dict)


class TrunkSegmenter:
    """Causal trunk rep segmenter (see the module docstring). Feed grid samples with :meth:`process`.

    After each call, :attr:`transitions` holds what happened in stream order:
    ``("rep_started", k)``, ``("bottom_reached", k)``, ``("abort", k)`` and ``("rep", TrunkRep)``
    (and the stream analyser's own ``("verdict", k)``: the first posture's verdict was found).
    """

    IDLE, DOWN, UP = 0, 1, 2

    def __init__(self, placement: str, sampling_rate_hz: float, settings: TrunkSettings | None = None) -> None:
        self.placement = placement
        self.rate = float(sampling_rate_hz)
        self.period = 1.0 / self.rate
        # the lumbar sensor is about half as far from the pivot as the sternum: half the travel
        self.s = settings or (TrunkSettings(min_depth_m=0.02) if placement == "lumbar" else TrunkSettings())
        s = self.s
        self._ref: np.ndarray | None = None
        self.buf = SampleBuffer({"theta": 1, "up": 3, "av": 1, "still": 1, "motion": 1, "vint": 1,
                                   "hb": 1})
        self.block_n = max(32, int(BLOCK_S * self.rate))
        n_of = lambda sec, least=1: max(least, int(round(sec * self.rate)))  # noqa: E731
        self.start = math.radians(s.start_deg)
        self.turn = math.radians(s.turn_deg)
        self.min_rot = math.radians(s.min_rot_deg)
        self.max_rot = math.radians(s.max_rot_deg)
        self.flat = math.radians(s.flat_deg)
        self.settle_n = n_of(s.settle_s)
        self.emit_delay_n = n_of(EMIT_DELAY_S, 0)
        self.rate_n = n_of(0.05)
        self.slow_n = n_of(STOPPED_S)
        self.rest_n = n_of(FOURS_REST_S)
        self.rest_span_n = n_of(REST_SPAN_S)
        self.max_rep_n = n_of(s.max_rep_s)
        self.min_rep_n = n_of(s.min_rep_s)
        self.hold_n = n_of(s.hold_s, 2)
        self.anchor_n = n_of(s.anchor_hold_s, 2)
        self.max_top_n = n_of(s.max_top_s)
        self.still_run = 0
        self.first_hold: tuple[int, np.ndarray] | None = None
        #: posture of the last still hold (unit up vector)
        self._hold_up: np.ndarray | None = None
        self.transitions: list[tuple[str, Any]] = []
        #: candidates rejected, by reason (diagnostics)
        self.rejections: dict[str, int] = {}
        self.validator = None
        self._levers: list[tuple[np.ndarray, float]] = []   # (unit up at the rep's top, lever)
        self.height_source = "acceleration"
        #: rest points of the set (grid index, running velocity integral there): see _offset
        self._rests: list[tuple[int, float]] = []
        self._vint = 0.0
        self._av_last: float | None = None
        #: change of reference posture (see _rereference): evidence, count, where, rescan from
        self.near_ref = math.radians(REREF_NEAR_DEG)
        self._opposites = 0
        self._rerefs = 0
        self._k_reref = -1
        self._k_last_rep = -1
        self._restart_k = -1
        self._seg_start = 0
        self._far = False
        self._last_valley: tuple[np.ndarray, np.ndarray] | None = None
        self._ref0: np.ndarray | None = None
        self.fold_rad = math.radians(FAR_FOLD_DEG)
        #: reps timed by the band-limited height (see engine.height_scan); the stream sets the
        #: gate that tells where they may be (a plank), else that path is off
        self.hscan = HeightScan(self.rate, HEIGHT_DROP_FRAC * s.min_depth_m)
        self.height_gate: Any = None
        self._h_pending: list[Valley] = []
        self.h_defer_n = n_of(HEIGHT_DEFER_S, 0)
        self.h_rest_n = n_of(HEIGHT_REST_S)
        #: (k_top, k_start, k_low, k_end, timed by the height) of the last reps reported
        self._recent: list[tuple[int, int, int, int, bool]] = []
        self.hb_last = np.zeros(0)
        #: still holds begun in the samples last processed (sample, unit up), for the stream
        self.hold_starts: list[tuple[int, np.ndarray]] = []
        #: the move out of the first posture (see FOURS_*): its last still sample there, the
        #: first sample turned BAND_RESTART_DEG from it, the holds to decide (sample, posture or
        #: None when back in the first posture, last still sample in the first posture before),
        #: and the hold the rotation is measured from (set, posture, start)
        self._k_first_still = -1
        self._k_far = -1
        self._fours: list[tuple[int, np.ndarray, int]] = []
        self._fours_ref = False
        self._fours_up = np.zeros(3)
        self._fours_k = -1
        self.reset(None)

    # -- state ------------------------------------------------------------------------------------
    def reset(self, k: int | None) -> None:
        """Back to waiting for a descent; the top is the current sample (or unknown)."""
        self.state = self.IDLE
        self.k_top, self.y_top = (-1, -np.inf) if k is None else (k, -np.inf)
        #: candidate tops of the open candidate: [k, theta, lowest theta since, its k]
        self.anchors: list[list[float]] = []
        self.y_leg = np.inf                      # lowest point of the current way down
        self.k_max, self.y_max = -1, -np.inf     # highest point since the bottom turn
        self.k_cross = -1                        # back within the band of the highest anchor
        self._clear_end_level()
        self._bottom_sent = False
        self._flat_prev = True

    def _clear_end_level(self) -> None:
        """A new way up: the turn it ends at is not known yet (see :meth:`_guess_end_level`)."""
        self._end_level: float | None = None
        self.k_level = -1                        # back at that turn

    @property
    def k_keep(self) -> int:
        """Oldest sample an open candidate or a height valley still to be decided may need (a
        valley decided late, after the rotation's candidate, reads back to its top)."""
        if self.anchors:
            k = int(min(an[0] for an in self.anchors)) - self.max_top_n - 2
        else:
            k = self.k_top - self.max_top_n - 2 if self.k_top >= 0 else self.buf.k_end
        for v in self._h_pending:
            k = min(k, max(v.k_top, v.k_after - self.max_rep_n))
        return k

    def _theta(self, up: np.ndarray) -> np.ndarray:
        """Minus the angle between *up* and the first posture (see the module notes)."""
        if self._ref is None:
            self._ref = up[0] / max(float(np.linalg.norm(up[0])), 1e-9)
        r = self._ref   # element-wise products: the same bits whatever the chunk size
        return -np.arccos(np.clip(up[:, 0] * r[0] + up[:, 1] * r[1] + up[:, 2] * r[2], -1.0, 1.0))

    # -- feeding ----------------------------------------------------------------------------------
    def process(self, k0: int, up: np.ndarray, av: np.ndarray, still: np.ndarray, breaks: np.ndarray,
                motion: np.ndarray | None = None) -> None:
        """Add grid samples k0.. (one unbroken segment: a break may only be at its first sample).

        ``motion`` (any non-negative measure, larger = moving) picks the stillest sample of a
        top to start a rep's height from; without it, the candidate top itself is used."""
        n = len(up)
        if n == 0:
            return
        if breaks[0]:
            if self.state != self.IDLE:
                self.transitions.append(("abort", k0))
            self.reset(None)
            self._rests.clear()
            self._av_last = None
            self._resolve_heights(None)
            self.hscan.reset()
        if breaks[0] or self.buf.n == 0 or k0 != self.buf.k_end:
            self._seg_start = k0
        theta = self._theta(up)
        # running integral of the vertical acceleration (trapezoids; sequential sums, so any
        # chunking gives the same values)
        prev = av[0] if self._av_last is None else self._av_last
        steps = 0.5 * (np.concatenate(([prev], av[:-1])) + av) * self.period
        vint = np.cumsum(np.concatenate(([self._vint], steps)))[1:]
        self._vint, self._av_last = float(vint[-1]), float(av[-1])
        starts = self._holds(k0, up, still)
        hb_parts, valleys = [], []
        bounds = sorted({0, n, *starts})
        for i0, i1 in zip(bounds[:-1], bounds[1:]):
            if i0 in starts:   # at rest: the hold's mean vertical acceleration (its offset)
                k_a = max(k0 + i0 - self.hold_n + 1, self._seg_start)
                held = np.concatenate((self.buf.get("av", k_a, k0 - 1) if k_a < k0 else np.empty(0),
                                       av[max(0, k_a - k0): i0 + 1]))
                self.hscan.restart(float(np.mean(held)))
            h, v = self.hscan.process(k0 + i0, av[i0:i1])
            hb_parts.append(h)
            valleys.extend(v)
        hb = np.concatenate(hb_parts)
        self.hb_last = hb   # the band-limited height of these samples, for the stream
        if self.height_gate is not None:
            self._h_pending.extend(valleys)
        self.buf.append(k0, theta=theta, up=up, av=av, still=still, vint=vint,
                        motion=np.zeros(n) if motion is None else motion, hb=hb)
        self._scan_range(k0, k0 + n)
        self.buf.trim(min(self.k_keep, self.buf.k_end - self.max_rep_n - self.max_top_n))

    def _holds(self, k0: int, up: np.ndarray, still: np.ndarray) -> list[int]:
        """Notes the session's first still hold (its posture tells standing from the plank);
        returns the samples (chunk indices) where a hold in a new posture begins: a hold turned
        BAND_RESTART_DEG or more from the hold before it (see :meth:`HeightScan.restart`)."""
        runs = run_lengths(still, self.still_run)
        if self.first_hold is None:
            hit = np.flatnonzero(runs >= self.hold_n)
            if len(hit):
                i = int(hit[0])
                self.first_hold = (k0 + i, up[i].copy())
        self.still_run = int(runs[-1])
        self._first_move(k0, up, still, runs)
        starts = []
        cos_restart = math.cos(math.radians(BAND_RESTART_DEG))
        for i in np.flatnonzero(runs == self.hold_n):
            self.hold_starts.append((k0 + int(i), up[i] / max(float(np.linalg.norm(up[i])), 1e-12)))
            u = up[i] / max(float(np.linalg.norm(up[i])), 1e-12)
            if self._hold_up is not None and float(u @ self._hold_up) < cos_restart:
                starts.append(int(i))
            self._hold_up = u
        return starts

    def _first_move(self, k0: int, up: np.ndarray, still: np.ndarray, runs: np.ndarray) -> None:
        """Follow the stream out of its first posture (see FOURS_*): each hold in another
        posture, with the last still sample in the first posture before it, and the first sample
        turned BAND_RESTART_DEG from the first posture (not a start on all fours), to be decided
        when the scan reaches them."""
        if (self.placement != "chest" or self.first_hold is None or self._k_far >= 0
                or self._k_last_rep >= 0):
            return
        un = up / np.maximum(np.linalg.norm(up, axis=1), 1e-12)[:, None]
        ang = np.degrees(np.arccos(np.clip(un @ self._first_up(), -1.0, 1.0)))
        idx = np.arange(len(up))
        last_same = np.maximum.accumulate(np.where(still & (ang <= FOURS_SAME_DEG), idx, -1))
        far = np.flatnonzero(ang >= BAND_RESTART_DEG)
        i_far = int(far[0]) if len(far) else len(up)
        for i in np.flatnonzero(runs == self.hold_n)[:FOURS_HOLDS]:
            if i >= i_far:
                break
            if ang[i] >= FOURS_MIN_DEG:
                k_same = k0 + int(last_same[i]) if last_same[i] >= 0 else self._k_first_still
                self._fours.append((k0 + int(i), un[i].copy(), k_same))
            else:   # back in the first posture: a hold on the way was not the plank
                self._fours.append((k0 + int(i), None, -1))
        if last_same[-1] >= 0:
            self._k_first_still = k0 + int(last_same[-1])
        if len(far):
            self._k_far = k0 + i_far

    def _fours_due(self) -> int:
        """The next sample at which the move out of the first posture is decided (or -1)."""
        ks = [f[0] for f in self._fours[:1]]
        if self._k_far >= 0 and self._fours_ref:
            ks.append(self._k_far)
        return min(ks) if ks else -1

    def _from_fours(self, k_now: int) -> None:
        """At a hold in a new posture before the first rep: when the move into it turned the trunk
        a little and did not take the sternum down, the way down is known (see FOURS_*): measure
        the rotation from there. At the first sample turned BAND_RESTART_DEG from the first
        posture, back to the first posture (that start was not on all fours)."""
        if self._k_far >= 0 and self._k_far <= k_now and self._fours_ref:
            self._fours.clear()
            if self._k_last_rep < 0:
                self._back_to_first(k_now)
            self._fours_ref = False
            return
        k_hold, up_hold, k_a = self._fours.pop(0)
        if self._k_last_rep >= 0 or (self._rerefs > 0 and not self._fours_ref):
            self._fours.clear()
            return
        k_b = k_hold - self.hold_n + 1
        if up_hold is None:
            # back in the first posture at the height of the hold the rotation is measured from
            # (a rep's paused bottom turns back through it, lower): that was not the plank
            if self._fours_ref and abs(self._rise_m(self._fours_k, k_b)) <= FOURS_MAX_DROP_M:
                self._back_to_first(k_hold)
            return
        if self._fours_ref and float(up_hold @ self._fours_up) >= math.cos(math.radians(FOURS_MIN_DEG)):
            return   # the posture the rotation is already measured from
        # from rest: the stillest sample of the last second in the first posture (a slow rep
        # leaves it still by the gyro's measure)
        k_a0 = max(k_a - self.rest_n, self.buf.k0)
        if k_a0 <= k_a:
            k_a = k_a0 + int(np.argmin(self.buf.get("motion", k_a0, k_a)))
        rise_m = self._rise_m(k_a, k_b)
        if not rise_m >= -FOURS_MAX_DROP_M:
            return
        self._rerefs = 0
        self._k_reref = -1
        if self._rereference(k_hold, up_hold, self._first_up(), k_a):
            self._fours_ref, self._fours_up, self._fours_k = True, up_hold, k_b

    def _back_to_first(self, k_now: int) -> None:
        """Measure the rotation from the stream's first posture again (the hold the way down was
        taken from was not the plank)."""
        self._fours_ref = False
        self._switch_reference(k_now, self._ref0)
        self._far = False
        self._rerefs = 0

    def _first_up(self) -> np.ndarray:
        """The first still posture (unit up vector)."""
        return self.first_hold[1] / max(float(np.linalg.norm(self.first_hold[1])), 1e-12)

    def _rise_m(self, k_a: int, k_b: int) -> float:
        """How far the sensor rose from rest at ``k_a`` to rest at ``k_b`` (NaN when those
        samples are no longer held or too far apart): the vertical acceleration integrated
        twice, its mean taken off (the velocity is zero at both ends)."""
        if not (self.buf.k0 <= k_a < k_b and k_b - k_a <= self.max_rep_n):
            return math.nan
        v = running_integral(np.asarray(self.buf.get("av", k_a, k_b), dtype=float), self.period)
        v -= v[-1] * np.arange(len(v)) / max(len(v) - 1, 1)
        return float(running_integral(v, self.period)[-1])

    def _scan_range(self, k_a: int, k_b: int) -> None:
        """Run the state machine over the held samples k_a..k_b-1, block by block; after a change
        of reference posture, again from where that asks."""
        k = k_a
        while k < k_b:
            b = min(k + self.block_n, k_b)
            if self._h_pending:   # a height valley is decided at its own sample, the rotation first
                due = self._h_due(self._h_pending[0])
                if due < k:      # due, and the rotation is still on that rep: a sample at a time
                    b = k + 1
                elif due < b:
                    b = due + 1
            due = self._fours_due()
            if k <= due < b:
                b = due + 1   # the move out of the first posture is decided at its sample
            if self._far:
                bad = np.flatnonzero(self.buf.get("theta", k, b - 1) < -self.fold_rad)
                if len(bad):
                    if bad[0] > 0:
                        self._scan(k, self.buf.get("theta", k, k + int(bad[0]) - 1))
                    if self._restart_k < 0:
                        self._unreference(k + int(bad[0]))
                    k, self._restart_k = self._restart_k, -1
                    continue
            self._scan(k, self.buf.get("theta", k, b - 1))
            if self._restart_k >= 0:
                k, self._restart_k = self._restart_k, -1
            else:
                k = b
                self._resolve_heights(k)
                if self._restart_k >= 0:
                    k, self._restart_k = self._restart_k, -1
                    continue
                if 0 <= self._fours_due() < k:
                    self._from_fours(self._fours_due())
                    if self._restart_k >= 0:
                        k, self._restart_k = self._restart_k, -1

    def _scan(self, k0: int, y: np.ndarray) -> None:
        """Run the state machine over one block (vectorised between state changes)."""
        i = 0
        while i < len(y):
            step = (self._scan_idle, self._scan_down, self._scan_up)[self.state]
            j = step(k0 + i, y[i:])
            if j < 0 or self._restart_k >= 0:
                return
            i += j + 1

    def _scan_idle(self, kk: int, seg: np.ndarray) -> int:
        """At a top: follow it up; a drop of ``start_deg`` below it opens a candidate."""
        rm = np.maximum(np.maximum.accumulate(seg), self.y_top)
        hit = np.flatnonzero(seg < rm - self.start)
        j_end = int(hit[0]) if len(hit) else len(seg) - 1
        jm = int(np.argmax(seg[: j_end + 1]))
        if seg[jm] >= self.y_top:
            self.y_top, self.k_top = float(seg[jm]), kk + jm
        if not len(hit):
            return -1
        j = int(hit[0])
        self._note_rest(self.k_top, kk + j)
        self.state = self.DOWN
        self.anchors = [[self.k_top, self.y_top, float(seg[j]), kk + j]]
        self.y_leg = float(seg[j])
        self._bottom_sent = False
        self._flat_prev = False
        self.transitions.append(("rep_started", kk + j))
        return j

    def _valleys(self) -> tuple[np.ndarray, np.ndarray]:
        """Levels of the anchors and the depth of the valley below each."""
        a = np.array(self.anchors, dtype=float).reshape(-1, 4)
        return a[:, 1], a[:, 1] - a[:, 2]

    def _scan_down(self, kk: int, seg: np.ndarray) -> int:
        """Going down: a rise confirms the bottom turn; a still stretch is a new candidate top;
        tops too far above (a change of posture) or too long ago (not a rep) are dropped."""
        n = len(seg)
        a = np.array(self.anchors, dtype=float).reshape(-1, 4)
        lv, low = a[:, 1], a[:, 2]
        rm = np.minimum.accumulate(seg)
        rleg = np.minimum(rm, self.y_leg)
        amp = lv[None, :] - np.minimum(low[None, :], rm[:, None])          # (n, anchors)
        qual = (amp >= self.min_rot) & (amp <= self.max_rot)
        near = np.where(qual, amp, np.inf).min(axis=1, initial=np.inf)
        near = np.where(np.isfinite(near), near, 0.0)
        rise = seg > rleg + np.maximum(self.turn, self.s.turn_frac * near)
        flat = self._flat(kk, n, self.anchor_n)
        hold = flat & ~np.concatenate(([self._flat_prev], flat[:-1]))
        ks = kk + np.arange(n)
        drop = ((amp > self.max_rot) | ((ks[:, None] - a[:, 0][None, :]) > self.max_rep_n)).any(axis=1)
        ev = np.flatnonzero(rise | hold | drop)
        j = int(ev[0]) if len(ev) else n - 1
        jm = int(np.argmin(seg[: j + 1]))
        self.y_leg = min(self.y_leg, float(seg[jm]))
        for an in self.anchors:
            if seg[jm] < an[2]:
                an[2], an[3] = float(seg[jm]), kk + jm
        self._flat_prev = bool(flat[j])
        if not len(ev):
            return -1
        if drop[j]:
            self.anchors = [an for an in self.anchors
                            if an[1] - an[2] <= self.max_rot and kk + j - an[0] <= self.max_rep_n]
            if not self.anchors:
                self._abort(kk + j)
        elif hold[j]:
            self.anchors.append([kk + j, float(seg[j]), float(seg[j]), kk + j])
            self._note_rest(kk + j - self.anchor_n + 1, kk + j)
        else:
            self.state = self.UP
            self._clear_end_level()
            if not self._bottom_sent and self.anchors:
                self.transitions.append(("bottom_reached", int(min(self.anchors, key=lambda x: x[2])[3])))
                self._bottom_sent = True
            self.y_max, self.k_max = float(seg[j]), kk + j
        return j

    def _scan_up(self, kk: int, seg: np.ndarray) -> int:
        """Coming back up: the rep ends back at its highest top, or at a lower top after."""
        s = self.s
        lv, amps = self._valleys()
        qual = (amps >= self.min_rot) & (amps <= self.max_rot)
        n = len(seg)
        ks = kk + np.arange(n)
        rmax = np.maximum(np.maximum.accumulate(seg), self.y_max)
        arg = np.where(seg >= rmax, ks, -1)
        arg = np.maximum(np.maximum.accumulate(arg), self.k_max)
        fall = seg < rmax - np.maximum(self.turn, s.turn_frac * (rmax - self.y_leg))
        if qual.any():
            i_hi = int(np.flatnonzero(qual)[np.argmax(lv[qual])])
            i_near = int(np.flatnonzero(qual)[np.argmin(amps[qual])])
            a_hi, amp_hi = float(lv[i_hi]), float(amps[i_hi])
            half = rmax >= lv[i_near] - (1.0 - s.half_frac) * amps[i_near]
            limit = a_hi + max(OVERSHOOT_FRAC * amp_hi, math.radians(OVERSHOOT_MIN_DEG))
            over = seg > limit
            # still turning fast enough to pass that limit soon: getting up, not a rep's end
            rate = (seg - self._lagged(kk, n, self.rate_n)) / (self.rate_n * self.period)
            coasting = seg + np.maximum(rate, 0.0) * COAST_S > limit
            # no longer rising past half way (by less than a share of the largest valley it is
            # half way out of: a wobble at the bottom is a valley too): at the top after
            lq, aq = lv[qual], amps[qual]
            out_of = rmax[:, None] >= (lq - (1.0 - s.half_frac) * aq)[None, :]
            amp_out = np.max(np.where(out_of, aq[None, :], float(amps[i_near])), axis=1)
            stopped = ((seg - self._lagged(kk, n, self.slow_n) < STOPPED_FRAC * amp_out)
                       & (rmax < a_hi - s.band * amp_hi))
            k_cross = self.k_cross
            if k_cross < 0:
                hi = np.flatnonzero(seg >= a_hi - s.band * amp_hi)
                k_cross = kk + int(hi[0]) if len(hi) else -1
            k_level, level = self.k_level, self._end_level
            if k_level < 0 and level is not None and level < a_hi - s.band * amp_hi:
                back = np.flatnonzero(seg >= level)
                k_level = kk + int(back[0]) if len(back) else -1
            guess = half & (self._end_level is None)
            # back at that turn and slowing into the top after: not passing the top before soon
            settling = seg + np.maximum(rate, 0.0) * SETTLING_S <= a_hi
        else:   # no valley of a rep's size below any top: any turn down starts from a new top
            half = over = coasting = stopped = guess = settling = np.zeros(n, dtype=bool)
            fall = seg < rmax - self.turn
            k_cross = k_level = -1
        emit = np.zeros(n, dtype=bool)
        if k_cross >= 0:
            emit |= (ks >= k_cross + self.emit_delay_n) & ~coasting
        if k_level >= 0:
            emit |= (ks >= k_level + self.emit_delay_n) & settling
        conds = (("over", over), ("top", half & (fall | stopped | (ks - arg >= self.settle_n))),
                 ("emit", emit), ("stall", fall & ~half), ("guess", guess))
        first = [(int(np.argmax(m)), i, name) for i, (name, m) in enumerate(conds) if m.any()]
        if not first:
            self.y_max, self.k_max = float(rmax[-1]), int(arg[-1])
            if k_cross >= 0:
                self.k_cross = k_cross
            if k_level >= 0:
                self.k_level = k_level
            return -1
        j, _, name = min(first)
        self.y_max, self.k_max = float(rmax[j]), int(arg[j])
        if 0 <= k_cross <= kk + j:
            self.k_cross = k_cross
        if 0 <= k_level <= kk + j:
            self.k_level = k_level
        if name == "guess":
            self._end_level = self._guess_end_level(kk + j)
        elif name == "over":
            self._abort(kk + j)
        elif name == "top":
            self._finish(kk + j, int(arg[j]), float(rmax[j]))
        elif name == "emit":
            self._finish(kk + j, None, float(rmax[j]))
        else:   # the way up stopped short and turned down: that top is a candidate top too
            self.state = self.DOWN
            self._clear_end_level()
            self.anchors.append([self.k_max, self.y_max, float(seg[j]), kk + j])
            self.y_leg = float(seg[j])
            self._flat_prev = False
        return j

    def close(self) -> None:
        """End of the stream: a rep on its way back up (past half way) ends at the highest point
        it reached (a recording stopped at the top, before the top was confirmed); a recording
        that holds one rep and nothing else is that rep (see :meth:`single_rep`)."""
        self._close_open()
        if self.height_gate is not None:
            self._h_pending.extend(self.hscan.close())
            self._resolve_heights(None)
        if self._k_last_rep < 0:
            self.single_rep()

    def _close_open(self) -> None:
        if self.state != self.UP or self.buf.n == 0:
            return
        lv, amps = self._valleys()
        qual = (amps >= self.min_rot) & (amps <= self.max_rot)
        if not qual.any():
            return
        i = int(np.flatnonzero(qual)[np.argmin(amps[qual])])
        if self.y_max >= lv[i] - (1.0 - self.s.half_frac) * amps[i]:
            self._finish(self.buf.k_end - 1, self.k_max, self.y_max)
        if self._restart_k >= 0:   # the reference changed: the recent samples again, then close
            k, self._restart_k = self._restart_k, -1
            self._scan_range(k, self.buf.k_end)
            self._close_open()

    def single_rep(self) -> None:
        """A recording cut around one rep (a labelled rep, "analyse this one"): it starts and ends
        at the top, so the vertical velocity is zero at both ends and the whole recording's height
        (the velocity's straight line from end to end taken off) is the rep's, with no top hold
        for the rotation to start from. It must be one valley, deep enough, that comes back to
        where it left and that the rotation follows; the usual checks then apply."""
        k_a, k_b = self._seg_start, self.buf.k_end - 1
        if k_a < self.buf.k0 or not (self.min_rep_n <= k_b - k_a <= self.max_rep_n + 2 * self.max_top_n):
            return
        av = self.buf.get("av", k_a, k_b)
        theta = self._theta(self.buf.get("up", k_a, k_b))   # one reference over the whole recording
        n = len(av)
        v = running_integral(np.asarray(av, dtype=float), self.period)
        v -= v[-1] * np.arange(n) / (n - 1)
        z = running_integral(v, self.period)
        i_low = int(np.argmin(z))
        i_top = int(np.argmax(z[: i_low + 1]))
        depth = float(z[i_top] - z[i_low])
        after = float(np.max(z[i_low:]))
        deep = z < float(z[i_top]) - 0.5 * depth
        if not (2 * self.s.min_depth_m <= depth <= self.s.max_depth_m
                and abs(after - float(z[i_top])) <= SINGLE_CLOSURE * depth
                and int(np.count_nonzero(np.diff(deep.astype(np.int8)) == 1)) + int(deep[0]) == 1):
            return
        # the rotation must follow the height over the rep (where it turns enough to tell)
        i_back = i_low + int(np.argmax(z[i_low:]))
        zr, tr = z[i_top: i_back + 1], theta[i_top: i_back + 1]
        turn = float(np.max(tr[: i_low - i_top + 1]) - np.min(tr))
        if turn >= math.radians(SHALLOW_TURN_DEG) and not (
                np.std(tr) > 0 and float(np.corrcoef(zr, tr)[0, 1]) >= SINGLE_MIN_CORR):
            return
        band = self.s.band * depth
        i_start = i_top + int(np.flatnonzero(z[i_top: i_low + 1] <= z[i_top] - band)[0])
        in_low = z <= z[i_low] + band
        i_bottom = i_start + int(np.flatnonzero(in_low[i_start: i_low + 1])[0])
        i_end = i_low + int(np.flatnonzero(z[i_low:] >= after - self.s.band * (after - z[i_low]))[0])
        i_ascent = i_low + int(np.flatnonzero(in_low[i_low: max(i_end, i_low + 1)])[-1])
        up = self.buf.get("up", k_a + i_top, k_a + i_end).copy()
        th = theta[i_top: i_end + 1]
        rep = TrunkRep(k_top=k_a + i_top, k_start=k_a + i_start, k_bottom=k_a + i_bottom,
                       k_ascent=k_a + i_ascent, k_end=k_a + i_end, k_low=k_a + i_low, k_emit=k_b,
                       peak_deg=max(0.0, math.degrees(float(np.max(th[: i_low - i_top + 1]) - np.min(th)))),
                       up_top=up[0].copy(), up_low=up[i_low - i_top].copy(),
                       height_m=z[i_top: i_end + 1] - z[i_top], velocity_m_s=v[i_top: i_end + 1].copy(),
                       depth_m=depth, extras={"theta": th.copy(), "up": up})
        if not self._plausible(rep):
            return
        self.height_source = "acceleration"
        if self.validator is None or self.validator(rep):
            self.transitions.append(("rep", rep))
            self._k_last_rep = rep.k_end

    def _lagged(self, kk: int, n: int, lag: int) -> np.ndarray:
        """Theta ``lag`` samples before each of the samples kk..kk+n-1 (the oldest held, if fewer)."""
        th = self.buf.get("theta", kk - lag, kk + n - 1 - lag)
        if len(th) < n:
            th = np.concatenate((np.full(n - len(th), th[0] if len(th) else 0.0), th))
        return th

    def _abort(self, k: int) -> None:
        """No top left that a rep could come back to (a change of posture, too long ago): the
        next top must be a real one, a turn or a still hold, not wherever the motion is now."""
        self.transitions.append(("abort", k))
        self.anchors = []
        self.k_cross = -1
        self._clear_end_level()
        self._rests.clear()

    # -- the vertical acceleration offset ----------------------------------------------------------
    def _note_rest(self, k_from: int, k_to: int) -> None:
        """The body was at rest (vertical velocity 0) at the stillest sample of ``k_from..k_to``
        (a top, a hold): keep it with the running velocity integral there."""
        mot = self.buf.get("motion", k_from, k_to)
        if len(mot) == 0:
            return
        k = max(k_from, self.buf.k0) + int(np.argmin(mot))
        if self._rests and k - self._rests[-1][0] < self.anchor_n:
            return
        self._rests.append((k, float(self.buf.at("vint", k))))
        del self._rests[:-REST_POINTS]

    def _offset(self) -> float | None:
        """The set's vertical acceleration offset, or None before two rest points are known.

        Between rest points the true velocity change is zero, so the running integral of the
        vertical acceleration rises by the offset times the time elapsed: its slope over the last
        ``REST_POINTS`` rests (a least-squares line, robust to the exact instant of each rest)
        is the offset. Accelerometer bias and scale error seen along gravity change slowly (the
        orientation filter settling), so the recent rests of this posture are used."""
        if len(self._rests) < 2 or (self._rests[-1][0] - self._rests[0][0]) < self.rest_span_n:
            return None
        k = np.array([r[0] for r in self._rests], dtype=float) * self.period
        v = np.array([r[1] for r in self._rests])
        k -= k.mean()
        return float(k @ (v - v.mean()) / (k @ k))

    def _flat(self, k0: int, n: int, w: int) -> np.ndarray:
        """For samples k0..k0+n-1: theta stayed within ``flat_deg`` over the last ``w`` samples."""
        th = self.buf.get("theta", k0 - w + 1, k0 + n - 1)
        pad = w - 1 - (len(th) - n)
        if pad > 0:
            th = np.concatenate((np.full(pad, th[0]), th))
        hi = ndimage.maximum_filter1d(th, w, origin=(w - 1) // 2)[w - 1:]
        lo = ndimage.minimum_filter1d(th, w, origin=(w - 1) // 2)[w - 1:]
        return (hi - lo) < self.flat

    # -- a candidate's height and events ----------------------------------------------------------
    def _rep_sized(self, anchor: list[float]) -> bool:
        """Is the valley below this candidate top (its level minus the lowest since) a rep's turn?"""
        return self.min_rot <= anchor[1] - anchor[2] <= self.max_rot

    def _anchors_for(self, reach: float, on_top: bool) -> list[list[float]]:
        """Candidate tops of the rep ending now, most likely first. Back within the band of the
        highest top (``on_top``): that one. Otherwise the rep stopped at a lower top after, and
        the top before it most likely matches it: anchors by how close their level is to
        ``reach``. Only valleys of a rep's size count; a few are tried."""
        qual = [an for an in self.anchors if self._rep_sized(an)]
        if not on_top:   # the rotation must be at least half way back up from each one's bottom
            qual = [an for an in qual if reach - an[2] >= self.s.half_frac * (an[1] - an[2])]
        if not qual:
            return [self.anchors[0]]
        ranked = sorted(qual, key=lambda an: abs(an[1] - reach))
        if on_top:
            hi = max(qual, key=lambda an: an[1])
            ranked = [hi] + [an for an in ranked if an is not hi]
        return ranked[: 1 + ANCHOR_RETRIES]

    def _finish(self, k_now: int, k_top_after: int | None, y_reach: float) -> None:
        """Build and report the candidate ending now; the top after (when known) is the next top."""
        i_cut = None
        evidence = None
        for chosen in self._anchors_for(y_reach, k_top_after is None):
            k_anc, top, y_low, k_low = chosen
            rep = None
            starts = [self._rest_before(chosen)]
            if (int(k_low) - starts[0]) / self.rate > self.s.max_stroke_s:
                # no push-up's way down is that long: the top was a passing peak (the trunk
                # overshot getting into the plank and held a little lower); the stillest sample
                # of its wider band
                starts.append(self._rest_before(chosen, REST_RETRY_BAND))
            for k_a in dict.fromkeys(starts):
                av = self.buf.get("av", k_a, k_now)
                theta = self.buf.get("theta", k_a, k_now)
                i_cut = len(av) - 1 if k_top_after is None else max(0, min(len(av) - 1, k_top_after - k_a))
                fit = fit_height(av, theta, self.period, self._offset(),
                                 i_rest=i_cut if k_top_after is not None else None)
                if evidence is None:
                    evidence = (self._opposite(fit, top, i_cut), k_anc, k_low, top)
                rep = self._candidate(k_a, k_now, fit, theta, i_cut, top, y_low)
                if rep is not None:
                    break
            if rep is not None and self._covered(rep.k_top, rep.k_low, rep.k_end, by_height=True):
                rep = None   # already reported, timed by the height
            if rep is not None and (self.validator is None or self.validator(rep)):
                self.transitions.append(("rep", rep))
                self._remember(rep, False)
                self._opposites, self._k_last_rep = 0, rep.k_end
                if (top >= -self.near_ref and self.height_source == "acceleration"
                        and self._rereference(k_now, rep.up_top, rep.up_low)):
                    return
                break
        else:
            if evidence is not None and evidence[0]:
                # the valley is the top between reps: the way down goes from its low to its top
                k_anc, k_low = int(evidence[1]), int(evidence[2])
                if self._way_down_evidence(k_now, self.buf.at("up", k_low), self.buf.at("up", k_anc)):
                    return
            if k_top_after is not None and len(self.anchors) > 1:
                # not a rep (a bump at the bottom, a wobble): the valleys below the other tops
                # stay open; the way back down goes on from the top it just reached
                first = self._anchors_for(y_reach, False)[0]
                self.anchors = [an for an in self.anchors if an is not first]
                y_now = float(self.buf.get("theta", k_now, k_now)[0])
                self.anchors.append([k_top_after, y_reach, y_now, k_now])
                self.state = self.DOWN
                self.y_leg = y_now
                self.k_cross = -1
                self._clear_end_level()
                self._flat_prev = False
                return
        self.reset(None)
        if k_top_after is not None:
            self.k_top, self.y_top = k_top_after, y_reach
        else:
            self.k_top, self.y_top = k_now, float(self.buf.get("theta", k_now, k_now)[0])

    def _rest_before(self, anchor: list[float], band: float | None = None) -> int:
        """The height starts from rest: the stillest sample of the anchor's top before the way
        down (the last sample within ``band`` of the turn from that top: the SPEC band unless
        given)."""
        k_anc, top, y_low, k_low = anchor
        k_anc, k_low = int(k_anc), int(k_low)
        th = self.buf.get("theta", k_anc, k_low)
        band = self.s.band if band is None else band
        above = np.flatnonzero(th >= top - band * (top - y_low))
        k_leave = k_anc + (int(above[-1]) if len(above) else 0)
        k_a = max(k_anc, k_leave - self.max_top_n, self.buf.k0)
        return k_a + int(np.argmin(self.buf.get("motion", k_a, k_leave)))

    def _guess_end_level(self, k_now: int) -> float:
        """Half way back up: the turn at which the rep will end (chest, see :meth:`_build`: the
        turn the sternum had when the height left its top), from the height so far. Its top
        before may be higher than the top after (the trunk settles lower), so the rep is reported
        once back at this turn, not only at the top's band; nan when the height does not tell.
        A set's first rep too: the report still waits until the trunk slows into the top (not
        getting up), and the rep's checks are the same as at its top."""
        if self.placement != "chest":
            return math.nan
        anchor = self._anchors_for(-math.inf, True)[0]
        top, y_low = anchor[1], anchor[2]
        if top - y_low < math.radians(SHALLOW_TURN_DEG):
            return math.nan   # a small turn: the top after tells a rep from a sway
        k_a = self._rest_before(anchor)
        theta = self.buf.get("theta", k_a, k_now)
        fit = fit_height(self.buf.get("av", k_a, k_now), theta, self.period, self._offset())
        ev = spec_events(fit.height_m, self.s.band)
        if ev is None or not (fit.lever_m >= LEVER_MIN_M and fit.corr >= MIN_FIT_CORR):
            return math.nan
        level = float(theta[ev["start"]])
        below_band = top - self.s.band * (top - y_low)
        if any(level < an[1] < below_band and self._rep_sized(an) for an in self.anchors):
            return math.nan   # another top between: the rep may have started from that one
        return level if y_low < level < top else math.nan

    def _opposite(self, fit: HeightFit, top: float, i_cut: int) -> bool:
        """The sensor went up as the trunk turned down (and back): a valley of the rotation that
        is the top between two reps, seen from a first posture among the reps' own postures."""
        if top < -self.near_ref:
            return False
        z = fit.height_m[: i_cut + 1]
        return bool(fit.corr <= -REREF_CORR and len(z) > 2 and float(np.ptp(z)) >= self.s.min_depth_m)

    def _rereference(self, k_now: int, up_top: np.ndarray, up_low: np.ndarray, k_first: int = -1) -> bool:
        """Measure the rotation from a posture a right angle above ``up_top`` (turned against
        the way down ``up_top`` -> ``up_low``) and scan the samples since the last rep again (see
        the module notes); False when not allowed or the two postures do not tell a way down."""
        if self._rerefs >= MAX_REREFS or k_now <= self._k_reref:
            return False
        top = np.asarray(up_top, dtype=float) / max(float(np.linalg.norm(up_top)), 1e-9)
        axis = np.cross(top, np.asarray(up_low, dtype=float))
        norm = float(np.linalg.norm(axis))
        if norm < math.sin(self.min_rot):
            return False
        axis /= norm
        if self._ref0 is None:
            self._ref0 = self._ref
        ref = -np.cross(axis, top)     # ``top`` turned by -90 degrees about the way down
        self._switch_reference(k_now, ref / float(np.linalg.norm(ref)), k_first)
        self._far = True
        self._rerefs += 1
        self._k_reref = k_now
        return True

    def _sideways(self, k_now: int, up_top: np.ndarray, up_low: np.ndarray) -> None:
        """A height valley whose trunk turned a push-up's way down and back while the rotation
        from the reference barely moved: the way down is sideways to the reference (a first
        posture a few degrees off the plank, see SIDEWAYS_FRAC); evidence like an upside-down
        valley."""
        if self._k_last_rep < 0 and self._rerefs == 0:
            self._way_down_evidence(k_now, up_top, up_low)

    def _way_down_evidence(self, k_now: int, up_top: np.ndarray, up_low: np.ndarray) -> bool:
        """One more valley showing the reps' way down (``up_top`` -> ``up_low``): after
        REREF_EVIDENCE of them, the last two repeating each other, the rotation is measured from
        that way down. True when it re-referenced."""
        self._opposites += 1
        return bool(self._repeated(up_top, up_low) and self._opposites >= REREF_EVIDENCE
                    and self._rereference(k_now, up_top, up_low))

    def _repeated(self, up_top: np.ndarray, up_low: np.ndarray) -> bool:
        """This upside-down valley repeats the last one (the same top posture, the same way
        down): push-ups, not a posture change that happened to look like one."""
        top = up_top / max(float(np.linalg.norm(up_top)), 1e-9)
        axis = np.cross(top, up_low)
        axis /= max(float(np.linalg.norm(axis)), 1e-12)
        last, self._last_valley = self._last_valley, (top, axis)
        if last is None:
            return False
        return bool(float(top @ last[0]) >= math.cos(math.radians(REPEAT_TOP_DEG))
                    and float(axis @ last[1]) >= math.cos(math.radians(REPEAT_AXIS_DEG)))

    def _unreference(self, k_now: int) -> None:
        """The trunk turned down far past the top the reference was set from: that top was not a
        plank's (a transition from standing looked like a rep); back to the first posture."""
        self._switch_reference(k_now, self._ref0)
        self._far = False
        self._rerefs = MAX_REREFS

    def _switch_reference(self, k_now: int, ref: np.ndarray, k_first: int = -1) -> None:
        """Measure the rotation from ``ref`` from the samples since the last rep on (at most a
        rep and its top before ``k_now``, none before ``k_first``), and scan those again."""
        self._ref = ref
        k_from = max(k_now - self.max_rep_n - self.max_top_n, self._seg_start, self._k_last_rep + 1,
                     self.buf.k0, k_first)
        k_end = self.buf.k_end
        self.buf.get("theta", k_from, k_end - 1)[:] = self._theta(self.buf.get("up", k_from, k_end - 1))
        self.reset(None)
        self.transitions.append(("abort", k_now))
        self._opposites = 0
        self._restart_k = k_from

    def _candidate(self, k_a: int, k_now: int, fit: HeightFit, theta: np.ndarray, i_cut: int,
                   top: float, y_low: float) -> TrunkRep | None:
        """The rep on the fitted height, else on the rotation times the set's lever; None."""
        s = self.s
        z = fit.height_m[: i_cut + 1]
        depth = valley_drop_m(z) if len(z) > 2 else 0.0
        ok = (fit.lever_m >= LEVER_MIN_M and fit.corr >= MIN_FIT_CORR
              and s.min_depth_m <= depth <= s.max_depth_m)
        if not ok and top - y_low < math.radians(SHALLOW_TURN_DEG) and len(z) > 2:
            # the trunk barely turned: the height only has to go the same way, deep enough,
            # and come back to where it left
            z_top = float(np.max(z[: int(np.argmin(z)) + 1]))
            ok = (fit.corr >= SHALLOW_MIN_CORR and fit.lever_m > 0
                  and abs(float(z[-1]) - z_top) <= SHALLOW_CLOSURE * depth
                  and 2 * s.min_depth_m <= depth <= s.max_depth_m)
        self.height_source = "acceleration"
        rep = None
        if ok:
            rep = self._build(k_a, k_now, fit.velocity_m_s, fit.height_m, theta, i_cut, top, y_low)
            if rep is not None and self._plausible(rep):
                self._levers.append((rep.up_top / max(float(np.linalg.norm(rep.up_top)), 1e-12), fit.lever_m))
                del self._levers[:-LEVER_MEMORY]
                rep.lever_m = fit.lever_m
            else:
                rep = None
        elif (depth < s.min_depth_m and top - y_low < math.radians(TRAVEL_TURN_DEG)
              and not (fit.lever_m > 0 and self._closes_deep(k_a, i_cut, theta))):
            # the sensor measurably did not travel: a weight shift or a tilt, not a rep
            self._reject("depth out of range")
            return None
        if rep is None and self.height_gate is not None and fit.corr <= -AGAINST_CORR and depth >= s.min_depth_m:
            # the sensor measurably went the other way than the turn (the upper back turns up as
            # the lower back dips): the turn does not time this rep; the height scan does
            self._reject("height against the turn")
            return None
        if rep is None:
            # the integration moved the sensor but not the way a turning body does (a burst of
            # strap wobble, a poor fit): the rotation times the set's lever gives the height
            lever = self._lever_at(self.buf.at("up", k_a))
            zr = lever * (theta - float(np.max(theta[: int(np.argmin(theta)) + 1])))
            rep = self._build(k_a, k_now, np.gradient(zr) * self.rate, zr, theta, i_cut, top, y_low)
            if rep is None or not self._plausible(rep):
                return None
            # ... only where the sensor measurably went down: the band-limited height drops
            hb = self.buf.get("hb", rep.k_top, rep.k_end)
            i_low = int(np.argmin(hb))
            if float(np.max(hb[: i_low + 1]) - hb[i_low]) < self.hscan.min_drop_m:
                self._reject("no drop of the band-limited height")
                return None
            self.height_source = "rotation"
            rep.lever_m = lever
            rep.extras["turn_only"] = depth < s.min_depth_m
        if not self._rose_from_rest(k_a, theta, rep, top, y_low):
            self._reject("stayed down after a rest at the bottom")
            return None
        rep.extras["fit_corr"] = fit.corr
        return rep

    def _rose_from_rest(self, k_a: int, theta: np.ndarray, rep: TrunkRep, top: float,
                        y_low: float) -> bool:
        """Did the sensor come back up with the rotation after a rest at the bottom (see
        ``LYING_REST_S``)? True when there was no such rest."""
        n = rep.k_end - k_a + 1
        if n < 3 or len(theta) < n:
            return True
        still = self.buf.get("still", k_a, rep.k_end).astype(bool)
        low = still & (theta[:n] <= y_low + LYING_BAND * (top - y_low))
        runs = run_lengths(low)
        i1 = int(np.argmax(runs))
        if runs[i1] < LYING_REST_S * self.rate or i1 >= n - 1:
            return True
        rest = slice(i1 - int(runs[i1]) + 1, i1 + 1)
        tau = self.period * np.arange(n)
        v_raw = running_integral(self.buf.get("av", k_a, rep.k_end), self.period)
        # the acceleration offset that keeps the velocity at 0 over the rest (it is 0 at the top)
        offset = float(v_raw[rest] @ tau[rest]) / float(tau[rest] @ tau[rest])
        z = running_integral(v_raw - offset * tau, self.period)
        z_rest = float(np.mean(z[rest]))
        drop = float(np.max(z[: rest.start + 1])) - z_rest
        return drop <= 0 or float(z[-1]) - z_rest >= LYING_RISE_FRAC * drop

    def _lever_at(self, up: np.ndarray) -> float:
        """Median lever of the remembered reps whose top was within ``LEVER_SAME_TOP_DEG`` of the
        posture ``up``; the placement's default when none was."""
        u = np.asarray(up, dtype=float) / max(float(np.linalg.norm(up)), 1e-12)
        cos_min = math.cos(math.radians(LEVER_SAME_TOP_DEG))
        near = [lever for top, lever in self._levers if float(top @ u) >= cos_min]
        return float(np.median(near)) if near else DEFAULT_LEVER_M[self.placement == "lumbar"]

    def _closes_deep(self, k_a: int, i_cut: int, theta: np.ndarray) -> bool:
        """Does the height from rest to rest over the candidate (velocity and height back to
        the start at its end, :func:`closed_height`) go down deep enough, following the turn? Asked
        when the candidate's own height (one condition only) went the turn's way but too little: a
        small acceleration offset can flatten a shallow rep's (a 7 cm rep at 25 Hz read as 3 cm)."""
        if i_cut < 2:
            return False
        _, z = closed_height(self.buf.get("av", k_a, k_a + i_cut), self.period)
        drop = valley_drop_m(z)
        dth = theta[: i_cut + 1] - theta[0]
        if not (self.s.min_depth_m <= drop <= self.s.max_depth_m) or not np.std(dth) > 0:
            return False
        return float(np.corrcoef(z, dth)[0, 1]) >= MIN_FIT_CORR

    def _reject(self, reason: str) -> None:
        self.rejections[reason] = self.rejections.get(reason, 0) + 1

    def _build(self, k_a: int, k_now: int, v: np.ndarray, z: np.ndarray, theta: np.ndarray,
               i_cut: int, top: float, y_low: float) -> TrunkRep | None:
        """The candidate on height ``z`` (0 at ``k_a``) by the SPEC 5 % rules.

        The start, bottom and ascent come from the height, which is exact at the top the window
        starts from. The end is where the rotation is back at the turn it had at the start (or
        within the band of the top after, when it stays lower): the height's drift is largest
        there, while the rotation is drift-free and passes the same point of the stroke.
        """
        ev = spec_events(z[: i_cut + 1], self.s.band)
        if ev is None:
            self._reject("no valley in the height")
            return None
        amp = top - y_low
        i0 = max(ev["low"], int(np.argmin(theta[: i_cut + 1])))
        # chest: back at the turn the sternum had when the height left its top by the band, the
        # same point of the stroke (its skin turns with the elbows, most near the top, so the
        # rotation's own 5 % comes later than the height's); the pelvis turns with the height
        level = float(theta[ev["start"]]) if self.placement == "chest" else top
        if not y_low < level < top:
            level = top - self.s.band * amp
        back = np.flatnonzero(theta[i0: i_cut + 1] >= level)
        if len(back) == 0:   # stays lower: the top after is the reference
            seg = theta[i0: i_cut + 1]
            top_after = float(np.max(seg))
            back = np.flatnonzero(seg >= top_after - self.s.band * (top_after - y_low))
        i_end = i0 + int(back[0])
        if i_end <= ev["low"]:
            self._reject("no valley in the height")
            return None
        ev["ascent"] = min(ev["ascent"], i_end - 1)
        up = self.buf.get("up", k_a, k_a + i_end).copy()
        return TrunkRep(k_top=k_a, k_start=k_a + ev["start"], k_bottom=k_a + ev["bottom"],
                        k_ascent=k_a + ev["ascent"], k_end=k_a + i_end, k_low=k_a + ev["low"],
                        k_emit=max(k_now, k_a + i_end), peak_deg=math.degrees(amp),
                        up_top=up[ev["top"]].copy(), up_low=up[ev["low"]].copy(),
                        height_m=z[: i_end + 1].copy(), velocity_m_s=v[: i_end + 1].copy(),
                        depth_m=float(z[ev["top"]] - z[ev["low"]]),
                        extras={"theta": theta[: i_end + 1].copy(), "up": up})

    def _plausible(self, r: TrunkRep, rotation: bool = True) -> bool:
        """Durations, depth and (unless timed by the height) rotation of a push-up; the failing
        check is counted in :attr:`rejections` (benchmark diagnostics)."""
        s = self.s
        rate = self.rate
        checks = (("descent too short", (r.k_bottom - r.k_start) / rate >= s.min_descent_s),
                  ("ascent too short", (r.k_end - r.k_ascent) / rate >= s.min_ascent_s),
                  ("rep duration", s.min_rep_s <= (r.k_end - r.k_start) / rate <= s.max_rep_s),
                  ("bottom pause too long", (r.k_ascent - r.k_bottom) / rate <= s.max_pause_s),
                  ("stroke too slow", max(r.k_bottom - r.k_start, r.k_end - r.k_ascent) / rate <= s.max_stroke_s),
                  ("depth out of range", s.min_depth_m <= r.depth_m <= s.max_depth_m),
                  ("rotation out of range", not rotation or s.min_rot_deg <= r.peak_deg <= s.max_rot_deg))
        for name, ok in checks:
            if not ok:
                self._reject(name)
                return False
        return True

    # -- reps timed by the height ------------------------------------------------------------------
    def _remember(self, rep: TrunkRep, by_height: bool) -> None:
        self._recent.append((rep.k_top, rep.k_start, rep.k_low, rep.k_end, by_height))
        del self._recent[:-RECENT_REPS]

    def _covered(self, k_top: int, k_low: int, k_end: int, by_height: bool | None = None) -> bool:
        """Is this the same rep as one reported (its low inside the other's motion, start to end,
        or the other's low inside its own window)? ``by_height`` restricts to reps timed that
        way. (A reported rep's window can reach back from its start over a rep before it that was
        not reported: the rest before, a long stretch at the top.)"""
        return any((by_height is None or h == by_height)
                   and (k_top <= low <= k_end or start <= k_low <= end)
                   for _, start, low, end, h in self._recent)

    def _overlapping(self, k_top: int, k_end: int) -> bool:
        """Does this rep's window (top to end) share more than half of the shorter window with a
        reported rep's (see :func:`windows_overlap`)?"""
        return any(windows_overlap(k_top, k_end, top, end) for top, _, _, end, _ in self._recent)

    def _resolve_heights(self, k_scanned: int | None) -> None:
        """Decide the height valleys due by sample ``k_scanned`` (all of them if None)."""
        while self._h_pending:
            v = self._h_pending[0]
            if k_scanned is not None and (self._h_due(v) >= k_scanned or self._busy_with(v)):
                return
            self._h_pending.pop(0)
            self._height_rep(v, self.buf.k_end - 1 if k_scanned is None else k_scanned - 1)

    def _busy_with(self, v: Valley) -> bool:
        """The rotation has a candidate open that may be the valley's rep: it decides first."""
        return self.state != self.IDLE and bool(self.anchors) and min(an[0] for an in self.anchors) <= v.k_low

    def _h_due(self, v: Valley) -> int:
        """The sample at which a height valley is decided."""
        return max(v.k_confirm, v.k_after + self.h_rest_n) + self.h_defer_n

    def _rest_to_rest_rep(self, a: int, c: int, k_emit: int,
                          back_frac: float | None = None) -> TrunkRep | None:
        """A height valley's rep measured from rest at ``a`` to rest at ``c``: on the integrated
        vertical acceleration, else on the band-limited height; None when neither gives one
        (``height_source`` says which did). With ``back_frac`` the trunk must also be back at
        ``c`` within that fraction of its largest turn in the window (or ``HEIGHT_BACK_DEG``)."""
        s = self.s
        up = self.buf.get("up", a, c)
        un = up / np.maximum(np.linalg.norm(up, axis=1), 1e-12)[:, None]
        turn = np.degrees(np.arccos(np.clip(un @ un[0], -1.0, 1.0)))
        max_turn = float(np.max(turn))
        if (turn[-1] > HEIGHT_SAME_POSTURE_DEG or max_turn > HEIGHT_AGAINST_MAX_TURN_DEG
                or not self.height_gate(un[0], True)):
            return None
        if back_frac is not None and turn[-1] > max(HEIGHT_BACK_DEG, back_frac * max_turn):
            return None
        # the current reference over the whole window (the buffer's samples before a change of
        # reference keep the old one)
        theta = self._theta(up)
        vel, z = closed_height(self.buf.get("av", a, c), self.period)
        ev = spec_events(z, s.band)
        if not (ev is None or ev["end"] < 0 or z[ev["top"]] - z[ev["low"]] < s.min_depth_m):
            rep = self._valley_rep(a, k_emit, z, vel, ev, up, theta, turn, max_turn)
            if rep is False:
                return None
            if rep is not None:
                self.height_source = "acceleration"
                return rep
        # the double integral is off by more than the band (an offset that changes over the
        # rep), or put the valley's rep where no push-up fits (a long bottom pause it drifted
        # through): the band-limited height, which shows the rep, times it and gives its
        # depth, in the posture of the set's measured reps only
        z = self.buf.get("hb", a, c) - self.buf.at("hb", a)
        vel = np.gradient(z) * self.rate
        ev = spec_events(z, s.band)
        if ev is None or ev["end"] < 0 or not self.height_gate(un[0], False):
            self._reject("no valley in the height")
            return None
        rep = self._valley_rep(a, k_emit, z, vel, ev, up, theta, turn, max_turn)
        if not rep:
            return None
        self.height_source = "band-limited"
        return rep

    def _valley_rep(self, a: int, k_emit: int, z: np.ndarray, vel: np.ndarray, ev: dict[str, int],
                    up: np.ndarray, theta: np.ndarray, turn: np.ndarray,
                    max_turn: float) -> TrunkRep | None | bool:
        """The rep a height valley's events give (``z`` from sample ``a``): False when the trunk
        turned too far for a rep the height times (not one whatever the height), None when the
        events make no push-up (another height may), else the rep."""
        i_end = ev["end"]
        dth = theta - theta[0]
        corr = float(np.corrcoef(z, dth)[0, 1]) if np.std(dth) > 0 and np.std(z) > 0 else 0.0
        if max_turn > HEIGHT_MAX_TURN_DEG and (corr > -HEIGHT_AGAINST_CORR
                                               or turn[-1] > 0.5 * HEIGHT_SAME_POSTURE_DEG):
            if (turn[-1] <= 0.5 * HEIGHT_SAME_POSTURE_DEG
                    and float(np.ptp(dth)) < SIDEWAYS_FRAC * math.radians(max_turn)):
                self._sideways(k_emit, up[ev["top"]], up[ev["low"]])
            return False
        peak = float(np.max(turn[ev["top"]: i_end + 1]) - turn[ev["top"]])
        rep = TrunkRep(k_top=a, k_start=a + ev["start"], k_bottom=a + ev["bottom"],
                       k_ascent=a + ev["ascent"], k_end=a + i_end, k_low=a + ev["low"],
                       k_emit=max(k_emit, a + i_end), peak_deg=max(peak, 0.0),
                       up_top=up[ev["top"]].copy(), up_low=up[ev["low"]].copy(),
                       height_m=z[: i_end + 1].copy(), velocity_m_s=vel[: i_end + 1].copy(),
                       depth_m=float(z[ev["top"]] - z[ev["low"]]),
                       extras={"theta": theta[: i_end + 1].copy(), "up": up[: i_end + 1].copy(),
                               "fit_corr": corr, "timed_by": "height"})
        return rep if self._plausible(rep, rotation=False) else None

    def _height_rep(self, v: Valley, k_emit: int) -> None:
        """A rep timed by the band-limited height (see the constants ``HEIGHT_*``), unless the
        rotation already timed it; its height is measured from rest to rest like any other: from
        the stillest sample between the band's top before (at most ``max_rep_s`` back: after a
        long hold the band's top is stale) and the way down, to the stillest sample within
        ``HEIGHT_REST_S`` after the band's top after.

        A top not at rest (the rep before ran straight into this one) and a fast way down can
        leave that stillest sample in the bottom pause, where no rep can be measured from: then
        again from the stillest sample where the band's height is still within
        ``HEIGHT_TOP_BAND`` of the drop from its top (``HEIGHT_TOP_BACK_FRAC``)."""
        k_to = min(v.k_after + self.h_rest_n, self.buf.k_end - 1)
        c = v.k_after + int(np.argmin(self.buf.get("motion", v.k_after, max(v.k_after, k_to))))
        a0 = max(v.k_top, c - self.max_rep_n, self.buf.k0)
        if a0 >= v.k_low or self._covered(a0, v.k_low, c):
            return
        motion = self.buf.get("motion", a0, v.k_low - 1)
        a = a0 + int(np.argmin(motion))
        rep = self._rest_to_rest_rep(a, c, k_emit)
        if not rep:
            hb = self.buf.get("hb", a0, v.k_low - 1)
            near_top = hb >= np.max(hb) - HEIGHT_TOP_BAND * (np.max(hb) - self.buf.at("hb", v.k_low))
            a_top = a0 + int(np.argmin(np.where(near_top, motion, np.inf)))
            if a_top < a and v.h_after - v.h_low >= HEIGHT_TOP_RISE_FRAC * (v.h_top - v.h_low):
                rep = self._rest_to_rest_rep(a_top, c, k_emit, back_frac=HEIGHT_TOP_BACK_FRAC)
        if not rep:
            return
        if self.validator is None or self.validator(rep):
            self.transitions.extend((("rep_started", rep.k_start), ("bottom_reached", rep.k_bottom),
                                     ("rep", rep)))
            self._remember(rep, True)
            self._k_last_rep = max(self._k_last_rep, rep.k_end)
