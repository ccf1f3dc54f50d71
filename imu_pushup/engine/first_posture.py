"""Reps in the stream's first posture: push-ups from a plank, or something else?

A recording that starts standing shows the turn into the plank (``PLANK_TURN_DEG``), which tells
that the reps after it are push-ups. A recording that starts in the plank, on all fours or
kneeling does not: in that first posture a deep knee push-up and a squat turn the trunk alike.
There, toe push-up kinematics (a small turn for a long lever) are believed at once; other reps
wait for the posture's verdict (a later turn: getting up, or going down into a plank; or onto
all fours with the sternum held up) and are dropped, with a warning, if the stream ends first. A
rep that repeats a measured one (same top, same way down, similar turn) is that exercise too.
Once a set was reported in the first posture (it was the plank), a top turned far from it and from
that set's tops is on the way up, not another plank.
Also here: the gate for reps timed by the height alone, and the posture test of a rep's top.

:class:`FirstPosture` is a mixin of :class:`~imu_pushup.engine.stream.StreamAnalyzer`; its
methods use that analyser's state (tracks, trunk segmenter, calibration, geometry).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ..detectors.reps import ARM_PLACEMENTS
from .trunk import TrunkRep, windows_overlap

if TYPE_CHECKING:   # pragma: no cover - annotations only
    from .stream import Event, _Track

#: Posture change (deg) between the session's first hold and the rep posture that proves the reps
#: are done lying (plank), not standing: the body turns ~70-90 degrees getting into a plank.
PLANK_TURN_DEG = 35.0
#: A turn from a first-posture rep's top, the same way as its way down, this large shows the
#: first posture was upright (squats, then down into the plank: 70-90 degrees); from a plank the
#: trunk turns that way by less (onto all fours: up to ~40, lying down: ~20).
SAME_WAY_TURN_DEG = 60.0
#: Reps in the session's first posture (no turn into a plank seen, no calibration) must look like
#: toe push-ups: the trunk turns about the toes, ~1.2 m from the sternum, so even chest-to-floor
#: depth (~0.4 m) turns it under ~19 degrees, plus a few degrees of sternum skin rocking. A squat
#: leans the trunk 20-45 degrees; a deep knee push-up turns it as much, and is only recognised
#: once the turn from standing into the plank was seen (or with a calibration).
UNDECIDED_MAX_ROTATION_DEG = 22.0
UNDECIDED_MIN_LEVER_M = 0.7
#: A still hold turned this far (deg) from a first-posture rep's top, the same way as its way
#: down, with the sternum no lower than at the top (by ONTO_FOURS_MAX_DROP_M, integrated from
#: rest to rest): the arms held the shoulders up while the hips went back (a knee plank onto all
#: fours: 15-40 degrees, the sternum rises a few cm; hands under the shoulders and knees under the
#: hips still incline the trunk by about 17 degrees, against about 38 in a knee plank, so the
#: turn can be as small as 15-20 degrees); leaning that way about the hips
#: (standing, bending over) lowers it. A lower-back sensor rises with the hips instead, by
#: ONTO_FOURS_LUMBAR_RISE_M or more: from a knee plank onto all fours the hip joints go up by most of
#: a thigh's length (15-20 cm, less the sensor's own turn about them), where bending over from
#: standing turns the pelvis about the hip joints (a sensor behind and above them moves 0-3 cm).
ONTO_FOURS_DEG = 15.0
ONTO_FOURS_MAX_DROP_M = 0.02
ONTO_FOURS_LUMBAR_RISE_M = 0.06
#: ... and by no more than this many thigh lengths: the hips of a knee plank sit at least a
#: third of a thigh above the knees (standing up from a seat raises them further). A lower-back
#: hold nearer the stream's first posture than the reps' top is no such hold: the pelvis went
#: back towards where the recording started (up from a seat, which tilted it 25-35 degrees).
ONTO_FOURS_MAX_RISE_THIGHS = 0.65
#: A first-posture rep whose height could not be measured (the integration failed: a fast
#: ascent at a low rate, clipping) still counts when it repeats a rep of the same set that was
#: measured: its top within REPEAT_TOP_DEG of that rep's, its way down within REPEAT_AXIS_DEG,
#: and its rotation within a factor REPEAT_ROT_RATIO (as the candidates read it, or over the reps'
#: own windows: a rep timed from a lower anchor, a wobble at the bottom, reads only that anchor's
#: turn). The same body doing the same movement in the same posture is the same exercise; it is
#: then reported or waits as that rep did, and at the end of a recording that gave no verdict on
#: its first posture, a rep counts when it repeats one that showed toe kinematics.
REPEAT_TOP_DEG = 10.0
REPEAT_AXIS_DEG = 30.0
REPEAT_ROT_RATIO = 2.0
#: Measured first-posture reps kept as the pattern later reps may repeat.
REPEAT_MEMORY = 4
#: A rep timed by the height alone (engine.height_scan) must start in a plank (turned from a
#: first posture that was not the plank, or calibrated), or within HEIGHT_GATE_DEG of the top of
#: one of the set's last reps.
HEIGHT_GATE_DEG = 20.0
#: A rep starting at most this long (s) after the last one ended continues its set.
SET_GAP_S = 3.0
#: A rep in the first posture timed by the height alone (the trunk barely turned: the hips sag
#: or the lower back dips as the chest goes down) has no rotation to prove toe kinematics with.
#: It counts only as one of a series of SERIES_MIN such reps from the same top (within
#: REPEAT_TOP_DEG, each starting within SERIES_GAP_S of the one before: a rep may be missed in
#: between) with a measured depth of at least SERIES_MIN_DEPTH_M, lasting SERIES_MIN_REP_S, its
#: descent and ascent SERIES_MIN_STROKE_S each: a set of push-ups, not a dip while standing or
#: the bob of walking (3-6 cm, a step every 0.4-0.6 s). Fewer such reps count when they lead up
#: (same top, same gaps) to a rep reported at once for its toe kinematics: their set is push-ups.
SERIES_MIN = 3
SERIES_GAP_S = 6.0
SERIES_MIN_DEPTH_M = 0.08
SERIES_MIN_REP_S = 0.8
SERIES_MIN_STROKE_S = 0.2
#: A rep whose top was reached by turning from the first posture against the rep's own way down
#: (see _turned_against), judged from reps turning at least AGAINST_MIN_ROT_DEG; the two axes
#: must point apart (cosine below -AGAINST_MIN_COS).
AGAINST_MIN_ROT_DEG = 8.0
AGAINST_MIN_COS = 0.3
#: Lumbar sensor to sternum distance along the trunk, as a fraction of standing height.
LUMBAR_TO_STERNUM_FRAC = 0.17


class FirstPosture:
    """The first-posture decisions of the stream analyser (a mixin)."""

    def _settle_undecided(self) -> list[Event]:
        """End of stream, no verdict on the first posture: only toe push-up kinematics are believed."""
        if not self._unconfirmed and not (self._series or self._n_series_dropped):
            return []
        # (a rep whose height is the rotation times a lever shows no kinematics of its own)
        self._n_series_dropped += len(self._series)
        self._series = []
        n_waiting = len(self._unconfirmed)
        believed = [c for c, r in self._unconfirmed
                    if r.get("height_source") != "rotation"
                    and self._toe_kinematics(c.peak_deg, r.get("pivot_lever_m", 0.0))]
        # a rep that repeats a believed one (its height read short, or not measured) is the
        # same movement from the same posture: that exercise too (see REPEAT_*)
        self._unconfirmed = [(c, r) for c, r in self._unconfirmed
                             if any(c is b or _repeats(c, b) for b in believed)]
        dropped = n_waiting - len(self._unconfirmed) + self._n_series_dropped
        self._n_series_dropped = 0
        if dropped:
            self.warnings.append(
                f"{dropped} rep-like movement(s) in the recording's first posture not counted: "
                "nothing showed they were push-ups from a plank rather than squats (knee push-ups "
                "look like squats there); start the recording standing or kneeling upright, or "
                "pass a calibration")
        return self._settle_unconfirmed(True)

    def _scan_verdict(self, k_to: int, up: np.ndarray | None = None, k0: int = 0) -> None:
        """Look for the first posture's verdict on the lead's samples up to grid sample ``k_to``
        (from ``up``, which starts at ``k0``, else from the trunk's buffer), in stream order:
        before each candidate is validated and at the end of each chunk, so that the reps the
        verdict settles, and those validated after it, are the same whatever the chunking.

        Reps in the stream's first posture wait for that posture's verdict: a later turn of the
        trunk by ``PLANK_TURN_DEG`` against the reps' way down (getting up to the knees or to
        standing) shows they were push-ups from a plank; a turn by ``SAME_WAY_TURN_DEG`` the same
        way (going down into a plank after squats) shows they were not. (From a plank the trunk
        may turn the same way by less: back onto all fours, lying down.) A still hold turned
        ``ONTO_FOURS_DEG`` the same way with the sternum no lower than at the reps' top, or the
        lower back risen with the hips (the arms held the shoulders up while the hips went back:
        onto all fours from a knee plank), shows they were push-ups too; a trunk that leans that
        way about the hips lowers the sternum and barely moves the pelvis. Each sample is judged
        against the reps known by then (``known_k``: the sample at which they were reported)."""
        k_from = self._verdict_k
        self._verdict_k = max(self._verdict_k, k_to)
        if self._verdict_due is not None or not (
                self._waiting or (self._series and self._first_verdict is None)):
            return
        reps = self._waiting + self._series
        known = [int(c.extras.get("known_k", c.k_emit)) for c in reps]
        k_from = max(k_from, min(known))
        if up is None:
            k_from = max(k_from, self.trunk.buf.k0)
            if k_from >= k_to:
                return
            up, k0 = self.trunk.buf.get("up", k_from, k_to - 1), k_from
        k_from = max(k_from, k0)
        k_to = min(k_to, k0 + len(up))
        cuts = sorted({k_from} | {k for k in known if k_from < k < k_to})
        for k_a, k_b in zip(cuts, cuts[1:] + [k_to]):
            now = [c for c, k in zip(reps, known) if k <= k_a]
            found = self._first_turn(now, up[k_a - k0: k_b - k0], k_a) if now and k_b > k_a else None
            if found is not None:
                verdict, i_hit = found
                self._first_verdict = verdict
                self._verdict_rows = self._series_proven() if verdict else []
                self._series = []
                self._waiting = []
                self._verdict_due = verdict
                # at the sample that gave it (not where this scan began: a chunk's start)
                self.trunk.transitions.append(("verdict", k_a + i_hit))
                return

    def _settle_verdict(self) -> list[Event]:
        """Report (or drop) the waiting reps once a verdict was found (see :meth:`_scan_verdict`):
        where its mark lies among the segmenter's transitions, so that they come before the
        reps validated after it, whatever the chunking."""
        if self._verdict_due is None:
            return []
        verdict, self._verdict_due = self._verdict_due, None
        proven, self._verdict_rows = self._verdict_rows, []
        if verdict:
            self._unconfirmed = proven + self._unconfirmed
        return self._settle_unconfirmed(verdict)

    def _first_turn(self, reps: list[TrunkRep], up: np.ndarray, k0: int) -> tuple[bool, int] | None:
        """The first-posture verdict the samples ``up`` (from grid sample ``k0``) give for
        ``reps`` (see :meth:`_scan_verdict`), with the index of the sample that gave it; None (no
        turn yet)."""
        ref = reps[0].up_top / np.linalg.norm(reps[0].up_top)
        axis = sum(_way_out(c) for c in reps)
        axis /= max(float(np.linalg.norm(axis)), 1e-12)
        cos = up @ ref
        turn = np.cross(ref[None, :], up)
        along = turn @ axis / np.maximum(np.linalg.norm(turn, axis=1), 1e-12)
        up_again = (cos < math.cos(math.radians(PLANK_TURN_DEG))) & (along < -0.5)
        further = (cos < math.cos(math.radians(SAME_WAY_TURN_DEG))) & (along > 0.5)
        i_fours = self._onto_fours(reps, ref, axis, k0, len(up))
        if i_fours is not None:
            up_again[i_fours] = True
        hit = np.flatnonzero(up_again | further)
        return (bool(up_again[hit[0]]), int(hit[0])) if len(hit) else None

    def _onto_fours(self, reps: list[TrunkRep], ref: np.ndarray, axis: np.ndarray, k0: int,
                    n: int) -> int | None:
        """Index (among the ``n`` samples from ``k0``) of the first still hold that shows the
        waiting reps were push-ups from a knee plank (see ``ONTO_FOURS_DEG``), or None."""
        if self.trunk is None or self.lead not in ("chest", "lumbar"):
            return None
        least_rise_m = ONTO_FOURS_LUMBAR_RISE_M if self.lead == "lumbar" else -ONTO_FOURS_MAX_DROP_M
        most_rise_m = ONTO_FOURS_MAX_RISE_THIGHS * self.geometry.thigh_m
        seg = self.trunk
        k_rest = max(c.k_end for c in reps)
        for k, u in seg.hold_starts:
            k_b = k - seg.hold_n + 1   # from the rest after the reps to the hold
            if not (0 <= k - k0 < n and k_b > k_rest + 1) or _angle_deg(u, ref) <= ONTO_FOURS_DEG:
                continue
            t = np.cross(ref, u)
            if float(t @ axis) / max(float(np.linalg.norm(t)), 1e-12) <= 0.5:
                continue   # not the reps' way down
            if (self.lead == "lumbar" and self._first_hold is not None
                    and _angle_deg(u, self._first_hold) < _angle_deg(ref, self._first_hold)):
                continue   # back towards the posture the stream started in (up from a seat)
            k_a = k_rest + int(np.argmin(seg.buf.get("motion", k_rest, min(k_rest + seg.rest_n, k_b - 1))))
            if least_rise_m <= seg._rise_m(k_a, k_b) <= most_rise_m:
                return k - k0
        return None

    def _settle_unconfirmed(self, push_ups: bool) -> list[Event]:
        """Report the waiting first-posture reps (``push_ups``) or drop them."""
        waiting, self._unconfirmed = self._unconfirmed, []
        self._waiting = []
        if not push_ups:
            self.trunk.rejections["first posture, not a plank"] = (
                self.trunk.rejections.get("first posture, not a plank", 0) + len(waiting))
            return []
        events: list[Event] = []
        for c, row in waiting:
            if self.trunk is not None:
                self._note_rep_top(c)
            events.extend(self._enter_rep(self.tracks[self.lead], c, row))
        return events

    def _series_proven(self) -> list[tuple[TrunkRep, dict[str, Any]]]:
        """The reps of a series too short to prove itself (see ``SERIES_MIN``), once the first
        posture proved to be a plank: push-ups after all (rows, in time order)."""
        fresh = [u for u in self._series if not (self.trunk._covered(u.k_top, u.k_low, u.k_end)
                                                 or self.trunk._overlapping(u.k_top, u.k_end))]
        return self._accept_series(fresh, [])

    def _drop_series_overlapping(self, c: TrunkRep) -> None:
        """An accepted rep: waiting series reps that are other timings of it are not reps."""
        self._series = [u for u in self._series
                        if not windows_overlap(u.k_top, u.k_end, c.k_top, c.k_end)]

    def _accept_series(self, reps: list[TrunkRep], also: list[TrunkRep]) -> list[tuple[TrunkRep, dict[str, Any]]]:
        """Rows of a series' reps, with the refused candidates they prove (see
        ``_rescue_unproven``), in time order. The series (and ``also``, reps of it accepted by the
        caller) is remembered first, so no refused candidate overlapping one of its reps comes
        back as a rep of its own."""
        for u in reps + also:
            self.trunk._remember(u, True)
        out = []
        for u in reps:
            row = self._accept_trunk(self.tracks[self.lead], u, "acceleration")
            if row is not None:
                out.extend(row.pop("_rescued", []) + [(u, row)])
        return out

    def _toe_kinematics(self, rotation_deg: float, lever_m: float) -> bool:
        """Does a rep's turn and its sensor's drop per radian look like a toe push-up (see
        ``UNDECIDED_MAX_ROTATION_DEG``)? A lumbar sensor sits nearer the toes than the sternum, on
        the same line, so its drop per radian is shorter by that distance."""
        min_lever_m = UNDECIDED_MIN_LEVER_M
        if self.lead == "lumbar":
            min_lever_m -= LUMBAR_TO_STERNUM_FRAC * self.geometry.height_m
        return rotation_deg <= UNDECIDED_MAX_ROTATION_DEG and lever_m >= min_lever_m

    def _series_rep(self, track: _Track, c: TrunkRep) -> bool | list[tuple[TrunkRep, dict[str, Any]]]:
        """A first-posture rep timed by the height alone (see ``SERIES_MIN``): True once the
        series is established (accept it like a measured rep); False to refuse it (not push-up
        kinematics, or waiting for the series); the list of the series' earlier reps (with their
        rows) when this rep completes it."""
        if self._series_ok:
            return True
        rot_rad = math.radians(max(c.peak_deg, 1e-3))
        stroke_n = SERIES_MIN_STROKE_S * track.rate
        if not (c.depth_m >= SERIES_MIN_DEPTH_M and self._toe_kinematics(c.peak_deg, c.depth_m / rot_rad)
                and c.k_bottom - c.k_start >= stroke_n and c.k_end - c.k_ascent >= stroke_n
                and c.k_end - c.k_start >= SERIES_MIN_REP_S * track.rate):
            return False
        if self._series:
            last = self._series[-1]
            same = _angle_deg(c.up_top, last.up_top) <= REPEAT_TOP_DEG
            if not (same and c.k_start - last.k_end <= SERIES_GAP_S * track.rate):
                self._n_series_dropped += len(self._series)
                self._series = []
        c.extras["known_k"] = self._validating_k
        self._series.append(c)
        if len(self._series) < SERIES_MIN:
            return False
        self._series_ok = True
        earlier, self._series = self._series[:-1], []
        return self._accept_series(earlier, [c])

    def _series_mates(self, track: _Track, proof: TrunkRep) -> list[tuple[TrunkRep, dict[str, Any]]]:
        """Series reps still short of ``SERIES_MIN`` that lead up to ``proof``, a first-posture
        rep reported at once for its toe kinematics: each from its top (within
        ``REPEAT_TOP_DEG``), each starting within ``SERIES_GAP_S`` of the one before. The set is
        push-ups, so they are its reps, and the series is established (rows, in time order)."""
        mates: list[TrunkRep] = []
        k_next = proof.k_start
        for u in reversed(self._series):
            if (_angle_deg(u.up_top, proof.up_top) > REPEAT_TOP_DEG or u.k_end > k_next
                    or k_next - u.k_end > SERIES_GAP_S * track.rate):
                break
            mates.insert(0, u)
            k_next = u.k_start
        if not mates:
            return []
        del self._series[len(self._series) - len(mates):]   # they were its last ones
        self._series_ok = True
        return self._accept_series(mates, [])

    def _rescue_unproven(self, track: _Track, proof: TrunkRep) -> list[tuple[TrunkRep, dict[str, Any]]]:
        """Refused first-posture candidates of the same set (ending at most a rep's length before
        ``proof`` starts) that repeat the measured rep ``proof``: reps after all (the same body
        doing the same movement from the same posture; see ``REPEAT_TOP_DEG``), reported with
        ``proof`` at once or waiting with it for the posture's verdict."""
        out = []
        keep = []
        for u, source in self._unproven:
            near = proof.k_top - self.trunk.max_rep_n <= u.k_end <= proof.k_start
            if (near and not self.trunk._covered(u.k_top, u.k_low, u.k_end)
                    and not self.trunk._overlapping(u.k_top, u.k_end)
                    and self._repeats_proven(u) is not None):
                row = self._accept_trunk(track, u, source)
                if row is not None:
                    out.append((u, row))
                    self.trunk._remember(u, False)
                    continue
            if u.k_end > proof.k_start:
                keep.append((u, source))
        self._unproven = keep
        return out

    def _note_rep_top(self, c: TrunkRep) -> None:
        """A reported rep's top: the set's posture, where reps timed by the height may be."""
        self._rep_tops.append(c.up_top / np.linalg.norm(c.up_top))
        del self._rep_tops[:-REPEAT_MEMORY]
        if self._first_hold is not None and _angle_deg(self._first_hold, c.up_top) < PLANK_TURN_DEG:
            self._n_first_posture_reps += 1

    def _up_from_first_set(self, c: TrunkRep) -> bool:
        """Is this rep's top turned ``PLANK_TURN_DEG`` or more from both the stream's first
        posture and the last reported reps' tops, after a set (``SERIES_MIN`` reps or more) was
        reported in that first posture? That set showed the first posture was a plank (the
        recording started in it, or its first still hold was there), and a toe plank, a knee
        plank and lying prone are within ~25 degrees of one another: a top that far from it is
        on the way up (onto the knees, kneeling upright, standing), not in another plank."""
        return (self._n_first_posture_reps >= SERIES_MIN and self._first_verdict is not False
                and not self._near_rep_top(c.up_top, PLANK_TURN_DEG))

    def _near_rep_top(self, up_top: np.ndarray, within_deg: float) -> bool:
        """Is this top within ``within_deg`` of one of the last reported reps' tops?"""
        return any(_angle_deg(up_top, u) <= within_deg for u in self._rep_tops)

    def _in_waiting_set(self, c: TrunkRep, rate: float) -> bool:
        """Does this rep follow the first-posture reps waiting for their verdict (within
        ``SET_GAP_S`` of the last one's end, its top within ``REPEAT_TOP_DEG`` of one of
        theirs)? It is then one more rep of their set, and waits with them."""
        return bool(self._waiting
                    and c.k_top - max(u.k_end for u in self._waiting) <= SET_GAP_S * rate
                    and any(_angle_deg(c.up_top, u.up_top) <= REPEAT_TOP_DEG for u in self._waiting))

    def _height_gate(self, up_top: np.ndarray, measured: bool) -> bool:
        """May a rep timed by the height alone start in this posture (see ``HEIGHT_GATE_DEG``)?
        One whose height could not be measured from rest to rest only in the posture of the
        set's reps. (Once the stream's first posture proved to be the plank, a turn from it is
        no plank.)"""
        self._sync_first_hold()
        posture = self._plank_ok(up_top)
        if measured and self._first_verdict is not True and posture is True:
            return True
        if measured and posture is None:
            return True   # the first posture: only as one of a series (see SERIES_MIN)
        return self._near_rep_top(up_top, HEIGHT_GATE_DEG)

    def _repeats_proven(self, c: TrunkRep) -> bool | None:
        """Does a first-posture rep repeat a measured one (see ``REPEAT_TOP_DEG``)? None if not;
        else whether that rep had to wait for the verdict. (Asked of reps without a measured
        height, and of measured ones whose one-condition height read too short for a toe rep.)"""
        for proven, waited in reversed(self._proven):
            if _repeats(c, proven):
                return waited
        return None

    def _sync_first_hold(self) -> None:
        """The session's first still posture, once the lead's segmenter has seen it."""
        seg = self.trunk if self.trunk is not None else self.segmenter
        if seg.first_hold is not None and self._first_hold is None:
            self._first_hold = seg.first_hold[1]
            self._first_hold_t = self._t_of(self.tracks[self.lead], seg.first_hold[0])

    def _turned_against(self, c: TrunkRep, source: str) -> bool:
        """Did the trunk turn from the first posture into this rep's top against the rep's way
        down? Into a plank from standing or kneeling the body turns face down, the way every
        rep then goes down; rising from a seat turns the pelvis the other way (sitting tilts it
        back 30-45 degrees), and sitting down again looks like a deep rep from there. Told only
        from reps that turn at least AGAINST_MIN_ROT_DEG (a smaller turn has no clear axis). A
        chest rep is asked only when its height was not measured (``source`` "rotation": the
        turn alone made it): when the lower back dips, the upper trunk may turn up as the
        sternum goes down, and such a rep's measured height shows it going down; leaning into
        a stand-up from a seat and back upright turns the upper trunk 30-40 degrees toward
        upright as its "way down" while the sternum rises."""
        if self._first_hold is None or c.peak_deg < AGAINST_MIN_ROT_DEG:
            return False
        if self.lead != "lumbar" and source != "rotation":
            return False
        if _angle_deg(self._first_hold, c.up_top) < PLANK_TURN_DEG:
            return False   # not turned from the first posture (the calibration or its verdict)
        first = self._first_hold / max(float(np.linalg.norm(self._first_hold)), 1e-12)
        turn = np.cross(first, c.up_top / max(float(np.linalg.norm(c.up_top)), 1e-12))
        return float(turn @ _way_down(c)) / float(np.linalg.norm(turn)) < -AGAINST_MIN_COS

    def _plank_ok(self, up_top: np.ndarray | None) -> bool | None:
        """Posture verdict for a rep's top (see :func:`plank_posture`)."""
        if up_top is None:
            return False
        m = self.mountings.get(self.lead) if self.calibration is not None else None
        verdict = plank_posture(self.lead, up_top, self._first_hold,
                                m.up_plank if m is not None else None)
        if (verdict is None and self._first_verdict is False and self._near_rep_top(up_top, REPEAT_TOP_DEG)
                and self._first_hold is not None
                and _angle_deg(up_top, self._first_hold) > REPEAT_TOP_DEG):
            # the set's plank, whose tops straddle PLANK_TURN_DEG from the first posture (a top
            # in that posture itself is back in it, whatever was reported there before the
            # verdict)
            return True
        return self._first_verdict if verdict is None else verdict


def plank_posture(placement: str, up_top: np.ndarray, first_hold: np.ndarray | None,
                  calibrated_up: np.ndarray | None) -> bool | None:
    """Is the posture of a rep's top a plank? True, False, or None when it cannot be told.

    With a calibration: within 35 degrees of the calibrated plank. Otherwise a trunk sensor must
    have turned at least ``PLANK_TURN_DEG`` from the session's first still posture (people start
    a recording standing; the body turns 70-90 degrees getting into a plank). Reps in the very
    posture the session started in are undecided (None): the recording may have started in the
    plank, or the person is standing (squats); the caller decides from the rep's kinematics.
    Arm segments hang vertical standing and stand vertical in a plank: posture cannot tell (None).
    """
    if calibrated_up is not None:
        return float(up_top @ calibrated_up) >= math.cos(math.radians(35.0))
    if placement in ARM_PLACEMENTS or first_hold is None:
        return None
    turned = float(up_top @ first_hold) < math.cos(math.radians(PLANK_TURN_DEG))
    return True if turned else None


def _angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    """Angle (deg) between two postures' up vectors."""
    cos = float(a @ b) / max(float(np.linalg.norm(a) * np.linalg.norm(b)), 1e-12)
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))


def _turn_deg(c: TrunkRep) -> float:
    """The trunk's turn over a rep's own window (its highest turn before the low less its
    lowest), at least the candidate's: a rep measured from a lower anchor (a wobble at the
    bottom) carries that anchor's few degrees as its ``peak_deg``."""
    theta = c.extras.get("theta")
    if theta is None or len(theta) < 2:
        return c.peak_deg
    i_low = min(max(c.k_low - c.k_top, 0), len(theta) - 1)
    return max(c.peak_deg, math.degrees(float(np.max(theta[: i_low + 1]) - np.min(theta))))


def _repeats(c: TrunkRep, other: TrunkRep) -> bool:
    """Does rep ``c`` repeat ``other`` (top, way down and turn; see ``REPEAT_*``)?"""
    if (_angle_deg(c.up_top, other.up_top) > REPEAT_TOP_DEG
            or float(_way_down(c) @ _way_down(other)) < math.cos(math.radians(REPEAT_AXIS_DEG))):
        return False
    return any(1.0 / REPEAT_ROT_RATIO <= a / max(b, 1e-9) <= REPEAT_ROT_RATIO
               for a, b in ((c.peak_deg, other.peak_deg), (_turn_deg(c), _turn_deg(other))))


def _turn_axis(u_from: np.ndarray, u_to: np.ndarray) -> np.ndarray:
    """Unit axis the trunk turns about from posture ``u_from`` to ``u_to`` (sensor frame)."""
    a = np.cross(u_from, u_to)
    return a / max(float(np.linalg.norm(a)), 1e-12)


def _way_down(c: TrunkRep) -> np.ndarray:
    """Unit axis the trunk turns about from a rep's top to its bottom (sensor frame)."""
    return _turn_axis(c.up_top, c.up_low)


def _way_out(c: TrunkRep) -> np.ndarray:
    """Unit axis the trunk turned about from a rep's top towards the posture farthest from it up to
    the lowest point (sensor frame). Where the trunk barely turns (a rep timed by the height), the
    posture at the lowest point can be back within a degree of the top, and :func:`_way_down` is
    noise; the largest turn on the way there says which way the trunk went (a kneel-down's
    forward lean, then upright again)."""
    ups = c.extras.get("up")
    if ups is None or len(ups) < 2:
        return _way_down(c)
    ups = np.asarray(ups)[: max(0, min(c.k_low - c.k_top, len(ups) - 1)) + 1]
    cos = ups @ c.up_top / np.maximum(np.linalg.norm(ups, axis=1) * np.linalg.norm(c.up_top), 1e-12)
    far = ups[int(np.argmin(cos))]
    if _angle_deg(far, c.up_top) <= _angle_deg(c.up_low, c.up_top):
        return _way_down(c)
    return _turn_axis(c.up_top, far)
