"""The one causal engine: feed samples in chunks of any size, get events as they happen.

Per sensor: resampling onto the nominal grid (gaps marked), orientation (VQF) giving *up* in the
sensor frame and the gyro bias, vertical acceleration in the earth frame, a still detector. The
lead sensor (chest, else lumbar, upper_arm, wrist, head) drives the rep state machine
(:mod:`imu_pushup.detectors.reps`); the other sensors add their segment pitch to each rep.

Delay: a trunk rep is reported once the body has settled into the top after it,
``DEPTH_SETTLE_S`` after its ``t_end`` (its depth is measured from rest to rest), and once the
rotation is back at the turn the rep ends at (chest, from the second rep on), within the band of
its top, or has stopped short of it; a rep timed by the height alone waits for the rest after it
(``HEIGHT_REST_S``); an arm set's first reps wait for the series (about two reps in). Filters are
causal (``sosfilt`` with carried state), VQF keeps its state, so any chunking gives identical
results.

Example::

    an = StreamAnalyzer(sensors={"chest": 100.0})
    for t, acc, gyr in chunks:
        for ev in an.feed("chest", t, acc, gyr):
            print(ev.type, ev.t)
    an.finish()
    res = an.result()
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..body import BodyGeometry
from ..detectors.buffer import SampleBuffer
from ..detectors.reps import (ARM_PLACEMENTS, RepCandidate, RepSegmenter, RepSettings, zupt_height)
from ..detectors.types import PlankReference, RepWindow
from ..errors import InputError
from ..results import SessionResult, reps_frame
from ..units import GRAVITY_M_S2, PLACEMENTS
from .calibration import Mounting, learn_mounting
from .filters import CausalFilter, butter_sos
from .first_posture import (HEIGHT_GATE_DEG, LUMBAR_TO_STERNUM_FRAC, PLANK_TURN_DEG, REPEAT_MEMORY,
                            REPEAT_TOP_DEG, SET_GAP_S, FirstPosture, _angle_deg)
from .height import running_integral, spec_events
from .orientation import make_orientation
from .resample import Resampler
from .trunk import TrunkRep, TrunkSegmenter, closed_height, valley_drop_m, windows_overlap

#: Which placement leads the analysis when several are present.
LEAD_ORDER: tuple[str, ...] = ("chest", "lumbar", "upper_arm", "wrist", "head")
#: Leads analysed by :class:`~imu_pushup.engine.trunk.TrunkSegmenter`.
TRUNK_LEADS: tuple[str, ...] = ("chest", "lumbar")
#: How much a deviation of the acceleration from gravity (m/s²) counts against rotation (deg/s)
#: in the motion measure that finds the stillest sample of a top.
MOTION_ACC_WEIGHT = 5.0
#: VQF's accelerometer time constant (s) for the tilt used to subtract gravity (see _Track).
GRAVITY_TAU_ACC_S = 1.0
#: Cut-off (Hz) of the gyro average held across bridged packet gaps (well below strap wobble).
GAP_GYRO_CUTOFF_HZ = 1.5
#: Reps and events kept for a live stream that does not keep them all (``keep_reps=False``).
RECENT_REPS = 50
RECENT_EVENTS = 500
#: Seconds of history kept for rep windows and late sensors.
HISTORY_S = 30.0
#: The depth of a rep whose height was integrated, or whose candidate height fell back on the
#: rotation times the set's lever, is measured again from rest to rest once the body has settled
#: into the top after it: from the stillest sample of the top before to this long after
#: ``t_end``. A smooth (minimum-jerk) ascent covers its last 5 % in about a fifth of its
#: duration, 0.1-0.25 s for 0.5-1.2 s ascents; the rep's report waits for it. (The lever is the
#: set's; a rep whose hips sink or whose lower back dips drops the sternum further or less for the
#: same turn, so two rests measure it better.)
DEPTH_SETTLE_S = 0.25
#: A rep timed by the rotation whose band-limited height has not come back up by
#: BAND_BACK_FRAC of its drop at the rep's end was timed on its way down only (the hips sank as
#: the chest went down and turned the trunk back while the sternum stayed low). Its height is
#: integrated from the rest at its top to the rest at its bottom (the stillest sample within
#: BAND_REST_S before to BAND_PAUSE_S after that end, where the band-limited height is still
#: within BAND_LOW_FRAC of its drop from its lowest) and on: the rep ends where the sternum is
#: back within the band of its top, at most BAND_UP_S after the bottom rest (else it keeps the
#: end the turn gave); its bottom, ascent and end are then timed from rest to rest.
BAND_BACK_FRAC = 0.2
BAND_REST_S = 0.25
BAND_PAUSE_S = 1.0
BAND_LOW_FRAC = 0.5
BAND_UP_S = 3.0
#: Height sources whose depth is measured again from rest to rest (see DEPTH_SETTLE_S).
REST_TO_REST_SOURCES = ("acceleration", "rotation")


@dataclass
class Event:
    """Something the engine found: ``type`` in plank_entered, rep_started, bottom_reached,
    rep_completed (``data`` = the rep row), set_ended, gap."""

    type: str
    t: float
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "t": self.t, **({"data": self.data} if self.data else {})}


class _Track:
    """One sensor: resample -> orientation -> up, vertical acceleration, still mask; buffered."""

    def __init__(self, placement: str, sampling_rate_hz: float, orientation: str = "vqf") -> None:
        self.placement = placement
        self.rate = float(sampling_rate_hz)
        self.period = 1.0 / self.rate
        self.method = orientation
        self.has_gyro: bool | None = None
        self.resampler = Resampler(self.rate)
        self.orient = None
        self.orient_g = None
        self._gyr_lp = CausalFilter(butter_sos(2, 3.0, self.rate), 1)
        self._acc_lp = CausalFilter(butter_sos(2, 3.0, self.rate), 1)
        self._gyr_avg = CausalFilter(butter_sos(1, GAP_GYRO_CUTOFF_HZ, self.rate), 3)
        self._gyr_last = np.zeros(3)
        self.buf = SampleBuffer({"t": 1, "up": 3, "av": 1, "motion": 1, "hb": 1})
        self.t_last = -math.inf
        self.n_gaps = 0
        #: the sensor clock went back: later times are shifted by this much to stay in order
        self.clock_shift_s = 0.0
        self._t_in_last = -math.inf
        #: clock jumps seen in the last push: (time after the shift, how far the clock went back)
        self.jumps: list[tuple[float, float]] = []

    def push(self, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray | None):
        if self.has_gyro is None:
            self.has_gyro = gyr is not None
            self.orient = make_orientation(self.rate, self.has_gyro, self.method)
            # a second filter whose tilt follows gravity faster: the vertical acceleration is
            # the measured specific force minus gravity, and a tilt error of a few degrees there
            # leaks the horizontal acceleration into it (it then integrates into centimetres)
            self.orient_g = (make_orientation(self.rate, True, "vqf", GRAVITY_TAU_ACC_S)
                             if self.has_gyro and self.method == "vqf" else None)
        t = self._in_order(t)
        x = np.hstack((acc, gyr)) if self.has_gyro else acc
        r = self.resampler.push(t, x)
        if len(r.k) == 0:
            return None
        acc_g = r.x[:, :3]
        gyr_g = self._bridge_gyro(r.x[:, 3:6], r.filled) if self.has_gyro else None
        up, bias = self.orient.update(acc_g, gyr_g)
        up_g = up if self.orient_g is None else self.orient_g.update(acc_g, gyr_g)[0]
        av = np.einsum("ij,ij->i", acc_g, up_g) - GRAVITY_M_S2
        accdev = np.abs(np.linalg.norm(acc_g, axis=1) - GRAVITY_M_S2)
        if self.has_gyro:
            motion = self._gyr_lp(np.linalg.norm(gyr_g - bias, axis=1))
        else:
            motion = np.zeros(len(acc_g))
        accdev = self._acc_lp(accdev)
        self.t_last = float(r.t[-1])
        return r, up, av, motion, accdev

    def keep(self, r, up: np.ndarray, av: np.ndarray, motion_all: np.ndarray, a: int = 0,
             b: int | None = None) -> None:
        """Hold grid rows ``a:b`` of a push. One append per run of consecutive grid indices: a
        long gap restarts the buffer at the index after it, so rows stay at their own indices
        (the lead holds each run only when it analyses it, so the rows before a gap serve the
        reps before it, however the stream was chunked)."""
        b = len(r.k) if b is None else b
        k = r.k[a:b]
        cuts = np.flatnonzero(np.diff(k) != 1) + 1
        for i, j in zip(np.concatenate(([0], cuts)), np.concatenate((cuts, [len(k)]))):
            self.buf.append(int(k[i]), t=r.t[a + i:a + j], up=up[a + i:a + j], av=av[a + i:a + j],
                            motion=motion_all[a + i:a + j])

    def _in_order(self, t: np.ndarray) -> np.ndarray:
        """Sample times kept in order: where the sensor clock goes back (a reset, a resync), the
        times from there on are shifted to continue one period after the last one (reported in
        :attr:`jumps`; a recorded file with such a jump is refused when read, see Recording)."""
        self.jumps = []
        steps = np.diff(np.concatenate(([self._t_in_last], t)))
        back = np.flatnonzero(steps < 0)
        if len(back):
            extra = np.zeros(len(t))
            for i in back:
                amount = float(-steps[i]) + self.period
                extra[i:] += amount
                self.jumps.append((float(t[i] + self.clock_shift_s + extra[i]), amount - self.period))
            out = t + (self.clock_shift_s + extra)
            self.clock_shift_s += float(extra[-1])
        else:
            out = t + self.clock_shift_s if self.clock_shift_s else t
        self._t_in_last = float(t[-1])
        return out

    def _bridge_gyro(self, gyr: np.ndarray, filled: np.ndarray) -> np.ndarray:
        """Gyro across bridged packet gaps: the recent average rate, held.

        A straight line between the samples either side of a gap integrates whatever strap
        wobble (10-20 Hz, tens of deg/s) those two samples caught into a false turn of several
        degrees; the body's own rotation barely changes in a tenth of a second.
        """
        keep = ~filled
        avg = self._gyr_avg(gyr[keep]) if keep.any() else np.zeros((0, 3))
        if not filled.any():
            if len(avg):
                self._gyr_last = avg[-1]
            return gyr
        out = gyr.copy()
        idx = np.arange(len(gyr))
        last = np.maximum.accumulate(np.where(keep, idx, -1))      # last kept sample at or before
        pos = np.cumsum(keep) - 1                                   # its row in ``avg``
        held = np.where(last[:, None] >= 0, avg[np.maximum(pos, 0)] if len(avg) else 0.0,
                        self._gyr_last[None, :])
        out[filled] = held[filled]
        if len(avg):
            self._gyr_last = avg[-1]
        return out

    def up_at(self, t: float) -> np.ndarray | None:
        if self.buf.n == 0:
            return None
        k = int(round((t - self.resampler.t0) * self.rate))
        if k < self.buf.k0 or k >= self.buf.k_end:
            return None
        return np.array(self.buf.at("up", k))

    def window(self, t_a: float, t_b: float) -> tuple[np.ndarray, np.ndarray]:
        ka = int(round((t_a - self.resampler.t0) * self.rate))
        kb = int(round((t_b - self.resampler.t0) * self.rate))
        return self.buf.get("t", ka, kb), self.buf.get("up", ka, kb)


class StreamAnalyzer(FirstPosture):
    """Stateful push-up analyser for one session of one or more sensors.

    Parameters
    ----------
    sensors: placement -> nominal sampling rate (Hz).
    height_m: the person's standing height (body geometry for depth targets and form).
    calibration: a :class:`imu_pushup.io.calibration.Calibration` (or a path to one): mounting and
        good-form reference; without it they are learned from the session's first plank hold.
    settings: :class:`imu_pushup.detectors.form.FormSettings` (flag thresholds).
    rep_settings: optional placement -> :class:`RepSettings` overrides.
    keep_signals: keep the lead sensor's signals for :attr:`SessionResult.signals` (batch use).
    keep_reps: keep every rep's row and event for :meth:`result` (the default). ``False`` keeps
        only the last ``RECENT_REPS`` reps and ``RECENT_EVENTS`` events, for a live coach that
        consumes the events as they come: memory then stays flat however long the stream runs
        (the summary's counts still cover the whole stream).
    """

    def __init__(self, sensors: Mapping[str, float], height_m: float | None = None,
                 calibration: Any = None, settings: Any = None,
                 rep_settings: Mapping[str, RepSettings] | None = None,
                 keep_signals: bool = False, orientation: str = "vqf",
                 sources: Mapping[str, str] | None = None, keep_reps: bool = True) -> None:
        from ..detectors.form import FormSettings
        if not sensors:
            raise InputError("no sensors given", fix="pass sensors={'chest': 100.0}")
        for p, fs in sensors.items():
            if p not in PLACEMENTS:
                raise InputError(f"unknown placement {p!r}", fix=f"use one of: {', '.join(PLACEMENTS)}")
            if not (fs and fs > 0):
                raise InputError(f"sampling rate of {p} must be positive (got {fs!r})")
        self.sensors = {p: float(fs) for p, fs in sensors.items()}
        self.sources = dict(sources or {})
        self.tracks = {p: _Track(p, fs, orientation) for p, fs in self.sensors.items()}
        self.lead = next(p for p in LEAD_ORDER if p in self.sensors)
        rs = dict(rep_settings or {})
        if self.lead in ARM_PLACEMENTS:   # arm segments: series of rotations, no top hold needed
            from ..detectors.arm import ArmSegmenter
            self.segmenter = ArmSegmenter(self.lead, self.sensors[self.lead], rs.get(self.lead))
        else:
            self.segmenter = RepSegmenter(self.lead, self.sensors[self.lead], rs.get(self.lead))
        self.segmenter.validator = self._validate
        #: chest and lumbar leads: rotation-timed candidates, integrated height (engine.trunk)
        self.trunk = TrunkSegmenter(self.lead, self.sensors[self.lead]) if self.lead in TRUNK_LEADS else None
        if self.trunk is not None:
            self.trunk.validator = self._validate
            if self.lead == "chest":   # the pelvis also rises and drops with the hips alone
                self.trunk.height_gate = self._height_gate
        self._accepted: dict[int, dict[str, Any]] = {}
        self.geometry = BodyGeometry.from_height(height_m)
        self.height_m = height_m
        self.form_settings = settings if settings is not None else FormSettings()
        self.calibration = _load_calibration(calibration, list(self.sensors))
        self.mountings: dict[str, Mounting] = {}
        self.reference: PlankReference | None = None
        if self.calibration is not None:
            for p in self.sensors:
                self.mountings[p] = self.calibration.mounting(p)
            self.reference = self.calibration.reference()
        self.keep_signals = keep_signals
        self._sig: list[tuple[np.ndarray, np.ndarray]] = []
        self.keep_reps = keep_reps
        self.rows: list[dict[str, Any]] = []
        #: the event stream, compact: (type, t, rep index or None, placement or None)
        self._event_log: Any = [] if keep_reps else deque(maxlen=RECENT_EVENTS)
        self.n_reps = 0
        self._pending: list[tuple[RepCandidate, dict[str, Any]]] = []
        self._first_hold: np.ndarray | None = None
        #: reps done in the stream's first posture that only a later turn can confirm (see
        #: _scan_verdict), and that posture's verdict once known
        self._unconfirmed: list[tuple[Any, dict[str, Any]]] = []
        #: reps accepted to wait, as accepted (they reach _unconfirmed only once the segmenter's
        #: transitions are drained, and the reps after them must wait too; the verdict is looked
        #: for in stream order, whatever the chunking: see _scan_verdict); the grid sample the
        #: search has reached; a verdict found and the rows it proved, to settle once the
        #: waiting reps are drained
        self._waiting: list[TrunkRep] = []
        self._verdict_k = 0
        self._verdict_due: bool | None = None
        self._verdict_rows: list[tuple[Any, dict[str, Any]]] = []
        #: the grid sample at which the candidate being validated was reported
        self._validating_k = 0
        self._first_verdict: bool | None = None
        #: measured first-posture reps (the rep, whether it waited) later reps may repeat
        self._proven: list[tuple[TrunkRep, bool]] = []
        #: first-posture candidates refused for want of a measured height (candidate, its height
        #: source): a measured rep after them that they repeat proves them after all
        self._unproven: list[tuple[TrunkRep, str]] = []
        #: first-posture reps timed by the height alone, waiting for a series (see SERIES_MIN);
        #: whether one was seen; how many were dropped
        self._series: list[TrunkRep] = []
        self._series_ok = False
        self._n_series_dropped = 0
        #: grid index where the last rep reported at once ended
        self._k_last_end = -(1 << 62)
        #: tops (unit up vectors) of the last reported trunk reps
        self._rep_tops: list[np.ndarray] = []
        self._n_first_posture_reps = 0   # reps reported in the stream's first posture
        self._in_set = False
        #: sets begun (a set: reps with no set end between them), and the set of the last rep
        #: assessed (a new set's pivot, toe or knee, is decided afresh)
        self._set_no = 0
        self._assessed_set: int | None = None
        self._last_rep_t = -math.inf
        self._finished = False
        self.heights: list[tuple[np.ndarray, np.ndarray]] = []
        self.warnings: list[str] = []

    # -- public API ------------------------------------------------------------------------------
    def feed(self, placement: str, t: Any, acc_m_s2: Any, gyr_deg_s: Any = None) -> list[Event]:
        """Add samples of one sensor (any chunk size); return the events they complete."""
        if placement not in self.tracks:
            raise InputError(f"sensor {placement!r} was not declared",
                             fix=f"declare it in sensors= (have: {', '.join(self.tracks)})")
        t = np.asarray(t, dtype=float).reshape(-1)
        acc = np.asarray(acc_m_s2, dtype=float).reshape(-1, 3)
        gyr = None if gyr_deg_s is None else np.asarray(gyr_deg_s, dtype=float).reshape(-1, 3)
        if len(t) != len(acc) or (gyr is not None and len(gyr) != len(t)):
            raise InputError("t, acc and gyr chunks differ in length", source=placement)
        if len(t) == 0:
            return []
        track = self.tracks[placement]
        if track.has_gyro is not None and track.has_gyro != (gyr is not None):
            raise InputError("gyro present in some chunks and not in others", source=placement,
                             fix="always pass gyr_deg_s, or never")
        out = track.push(t, acc, gyr)
        new: list[Event] = []
        for t_jump, back_s in track.jumps:
            new.append(Event("clock_jump", t_jump, {"placement": placement, "back_s": back_s}))
            self.warnings.append(f"{placement}: the sensor clock went back {back_s:.3f} s; later "
                                 f"times are shifted by +{track.clock_shift_s:.3f} s to stay in order")
        if out is not None and placement == self.lead:
            new.extend(self._run_lead(track, *out))
        elif out is not None:
            r, up, av, motion, accdev = out
            track.keep(r, up, av, motion + MOTION_ACC_WEIGHT * accdev)
        new.extend(self._flush_pending(final=False))
        self._log(new)
        self._trim(track)
        return new

    def _trim(self, track: _Track) -> None:
        """Forget history no pending rep or open rep can need (memory stays flat)."""
        t_keep = track.t_last - HISTORY_S
        for _, row in self._pending:
            t_keep = min(t_keep, row["t_top"] - 1.0)
        seg = self.segmenter
        lead = self.tracks[self.lead]
        k_open = self.trunk.k_keep if self.trunk is not None else seg.k_top
        if k_open >= 0 and lead.resampler.t0 is not None:
            t_keep = min(t_keep, self._t_of(lead, k_open) - 1.0)
        if track.resampler.t0 is not None:
            track.buf.trim(int((t_keep - track.resampler.t0) * track.rate))

    def _log(self, new: list[Event]) -> None:
        """Keep the event stream for the result, compactly: a completed rep by its index (its row
        is in :attr:`rows`), so a long stream holds each rep once."""
        self._event_log.extend((e.type, e.t, e.data.get("index") if e.type == "rep_completed" else e.data.get("reps"),
                                e.data.get("placement")) for e in new)

    @property
    def events(self) -> list[Event]:
        """The event stream so far, in time order (``rep_completed`` carries the rep index only).

        Events are found in the order the samples complete them, which depends on how the samples
        were chunked (a rep is reported ``DEPTH_SETTLE_S`` after its end, maybe after the next
        rep's start was found in the same chunk); ordered by time they are the same for any
        chunking."""
        out = []
        for kind, t, n, placement in self._event_log:
            data: dict[str, Any] = {}
            if kind == "rep_completed":
                data["index"] = n
            elif n is not None:
                data["reps"] = n
            if placement is not None:
                data["placement"] = placement
            out.append(Event(kind, t, data))
        out.sort(key=lambda e: e.t)   # stable: events of one instant keep their order
        return out

    def finish(self) -> list[Event]:
        """End of stream: report what is still pending and close the set."""
        if self._finished:
            return []
        self._finished = True
        new: list[Event] = []
        closing = self.trunk if self.trunk is not None else self.segmenter
        closing.close()
        new.extend(self._drain(self.tracks[self.lead], closing))
        new.extend(self._settle_undecided())
        if self.trunk is not None and self.n_reps == 0 and not self._pending:
            # nothing counted (a candidate may have waited in vain): a recording cut around one
            # rep is then that rep, measured whole
            self.trunk.single_rep()
            new.extend(self._drain(self.tracks[self.lead], self.trunk))
            new.extend(self._settle_undecided())
        new.extend(self._flush_pending(final=True))
        if self._in_set:
            new.append(Event("set_ended", self.tracks[self.lead].t_last, {"reps": self.n_reps}))
            self._in_set = False
        self._log(new)
        return new

    def result(self) -> SessionResult:
        """The session so far (call :meth:`finish` first for the complete one)."""
        from ..detectors.form import assess_set
        reps = reps_frame(self.rows)
        reference = self.reference or PlankReference()
        summary: dict[str, Any] = {"reps": int(self.n_reps)}
        if self.n_reps > len(reps):
            summary["reps_kept"] = int(len(reps))
        set_feedback: list[str] = []
        variant = reference.variant
        if len(reps):
            for col in ("descent_s", "pause_s", "ascent_s", "depth_m"):
                vals = pd.to_numeric(reps[col], errors="coerce")
                if vals.notna().any():
                    summary[f"mean_{col}"] = float(vals.mean())
            summary["partial_reps"] = int(sum("partial" in f for f in reps["flags"]))
            try:
                add, set_feedback = assess_set(reps, reference, self.geometry, self.form_settings)
            except Exception as exc:  # form summary must never lose the reps
                add, set_feedback = {}, []
                self.warnings.append(f"set assessment failed: {exc}")
            variant = add.pop("variant", variant) or variant
            summary.update(add)
        sensors = [{"placement": p, "sampling_rate_hz": fs, "source": self.sources.get(p, ""),
                    "lead": p == self.lead} for p, fs in self.sensors.items()]
        warnings = list(self.warnings)
        for p, tr in self.tracks.items():
            if tr.resampler.gaps:
                warnings.append(f"{p}: {len(tr.resampler.gaps)} gap(s) longer than "
                                f"{tr.resampler.max_fill_s:.1f} s in the data")
        return SessionResult(reps=reps, sensors=sensors, variant=variant, summary=summary,
                             events=[e.to_dict() for e in self.events], feedback=list(set_feedback),
                             signals=self._signals(), warnings=warnings)

    # -- lead sensor: segmentation ---------------------------------------------------------------
    def _run_lead(self, track: _Track, r, up, av, motion, accdev) -> list[Event]:
        trunk = self.trunk is not None
        seg = self.trunk if trunk else self.segmenter
        s = seg.s
        still = (motion < s.still_gyr_deg_s) & (accdev < s.still_acc_m_s2)
        if self.keep_signals:
            self._sig.append((r.t.copy(), up.copy()))
        events: list[Event] = []
        # split at long gaps: the state machine restarts after each
        cuts = [0] + [int(i) for i in np.flatnonzero(r.breaks) if i > 0] + [len(r.k)]
        motion_all = motion + MOTION_ACC_WEIGHT * accdev
        for a, b in zip(cuts[:-1], cuts[1:]):
            if a > 0:   # the reps before the gap, while the lead still holds their samples
                events.extend(self._flush_pending(final=False))
            track.keep(r, up, av, motion_all, a, b)
            if r.breaks[a]:
                events.append(Event("gap", float(r.t[a]), {"placement": track.placement}))
                if self._in_set:
                    events.append(Event("set_ended", float(r.t[a]),
                                        {"reps": self.n_reps + len(self._pending)}))
                    self._in_set = False
            if trunk:
                seg.process(int(r.k[a]), up[a:b], av[a:b], still[a:b], r.breaks[a:b],
                            motion=motion_all[a:b])
                # the band-limited height, kept with the track for the reps still pending
                k_a = int(r.k[a])
                k_lo, k_hi = max(k_a, track.buf.k0), min(int(r.k[b - 1]), track.buf.k_end - 1)
                if k_hi >= k_lo:
                    track.buf.get("hb", k_lo, k_hi)[:] = seg.hb_last[k_lo - k_a: k_hi - k_a + 1]
            else:
                seg.process(int(r.k[a]), up[a:b], still[a:b], r.breaks[a:b], av[a:b])
                seg.holds.clear()
            events.extend(self._drain(track, seg))
            if trunk:   # (a verdict found at the chunk's end is settled now)
                self._measure_waiting()
                self._scan_verdict(int(r.k[b - 1]) + 1, up[a:b], int(r.k[a]))
                events.extend(self._drain(track, seg))
            if not trunk:
                seg.aborts.clear()
            else:
                seg.hold_starts.clear()
        return events

    def _drain(self, track: _Track, seg: Any) -> list[Event]:
        """Turn a segmenter's transitions (in stream order) into events; accepted reps go pending."""
        events: list[Event] = []
        for name, item in seg.transitions:
            if name == "rep":
                row = self._accepted.pop(id(item), None)
                if row is None:
                    continue
                for c, r in row.pop("_rescued", []) + [(item, row)]:   # in time order
                    if r.pop("_first_posture", False):
                        self._unconfirmed.append((c, r))
                    else:
                        events.extend(self._enter_rep(track, c, r))
            elif name == "verdict":   # the first posture's, in stream order
                # the reps due by the verdict's sample are reported before the reps it settles,
                # whether or not a chunk ended between them
                events.extend(self._flush_pending(final=False, now_t=self._t_of(track, item)))
                events.extend(self._settle_verdict())
            elif name == "abort":
                if self._in_set:
                    events.append(Event("set_ended", self._t_of(track, item),
                                        {"reps": self.n_reps + len(self._pending)}))
                    self._in_set = False
            elif self._in_set:
                events.append(Event(name, self._t_of(track, item), {"placement": track.placement}))
        seg.transitions.clear()
        return events

    def _enter_rep(self, track: _Track, item: Any, row: dict[str, Any]) -> list[Event]:
        """An accepted rep goes pending (reported once every sensor has reached its end)."""
        events: list[Event] = []
        if not self._in_set:
            self._in_set = True
            self._set_no += 1
            events.append(Event("plank_entered", self._t_of(track, item.k_top),
                                {"placement": track.placement}))
        # reps found before this one was decided are reported first (whatever the chunking:
        # the time is the sample the segmenter decided it at, not the end of the chunk)
        now_t = self._t_of(track, item.k_emit)
        events.extend(self._flush_pending(final=False, now_t=now_t))
        # in time order: a rep timed by the height may be decided after a later one
        at = len(self._pending)
        while at > 0 and self._pending[at - 1][1]["t_start"] > row["t_start"]:
            at -= 1
        row["_set"] = self._set_no
        self._pending.insert(at, (item, row))
        events.extend(self._flush_pending(final=False, now_t=now_t))
        return events

    def _accept_trunk(self, track: _Track, c: TrunkRep, source: str | None = None) -> dict[str, Any] | None:
        """Physics and posture checks of a trunk candidate whose height came from ``source``
        (default: the segmenter's current one); its (partial) row, or None."""
        source = self.trunk.height_source if source is None else source
        posture = self._plank_ok(c.up_top)
        if posture is True and self.calibration is None and (self._turned_against(c, source)
                                                            or self._up_from_first_set(c)):
            posture = False
        if (posture is True and self._first_verdict is None and self.calibration is None
                and not self._waiting):
            # a plank 35+ degrees from the first posture: that posture was not a plank (a toe
            # plank, a knee plank and lying prone are within ~25 degrees of one another)
            self._first_verdict = False
        rej = self.trunk.rejections
        if posture is False:
            rej["not in the calibrated plank"] = rej.get("not in the calibrated plank", 0) + 1
            return None
        in_set = c.k_top - self._k_last_end <= SET_GAP_S * track.rate
        if c.extras.get("turn_only") and not (in_set and self._near_rep_top(c.up_top, REPEAT_TOP_DEG)
                                              or self._in_waiting_set(c, track.rate)):
            # its integrated height did not move: only as one more rep of an ongoing set
            rej["no measured travel"] = rej.get("no measured travel", 0) + 1
            return None
        rot_rad = math.radians(max(c.peak_deg, 1e-3))
        lever_m = c.depth_m / rot_rad
        # in the first posture only a measured (integrated) height can prove push-up kinematics
        measured = source != "rotation"
        repeats = None
        series: list[tuple[TrunkRep, dict[str, Any]]] = []
        if (posture is None and c.extras.get("timed_by") == "height"
                and not self._near_rep_top(c.up_top, HEIGHT_GATE_DEG)):
            verdict = self._series_rep(track, c)
            if verdict is False:
                rej["first posture, no series"] = rej.get("first posture, no series", 0) + 1
                return None
            if verdict is not True:
                series = verdict
        if posture is None and not measured:
            repeats = self._repeats_proven(c)
            if repeats is None:
                rej["first posture, not push-up kinematics"] = rej.get("first posture, not push-up kinematics", 0) + 1
                # the same rep timed again (from another top) is kept once, so the memory holds
                # distinct reps
                if not any(windows_overlap(u.k_top, u.k_end, c.k_top, c.k_end) for u, _ in self._unproven):
                    self._unproven.append((c, source))
                    del self._unproven[:-REPEAT_MEMORY]
                return None
        # toe push-up kinematics are reported at once; anything else done in the first posture
        # (a deep knee rep, or a squat) waits for that posture's verdict (and reps after it, to
        # keep their order)
        if repeats is not None:
            waits = bool(self._waiting) or repeats
        else:
            waits = posture is None and (bool(self._waiting)
                                         or not self._toe_kinematics(c.peak_deg, lever_m))
            # a measured rep outside toe kinematics (its one-condition height read short) that
            # repeats a rep of the set reported at once is that exercise too
            if waits and not self._waiting and self._repeats_proven(c) is False:
                waits = False
            if not waits and measured and self._series and not self._series_ok:
                # toe kinematics from the top the waiting series reps left: they are its set's
                series = series + self._series_mates(track, c)
        rescued: list[tuple[TrunkRep, dict[str, Any]]] = []
        if posture is None and measured:
            self._proven.append((c, waits))
            del self._proven[:-REPEAT_MEMORY]
            # the refused reps it repeats count with it: at once, or waiting with it for the
            # posture's verdict
            rescued = self._rescue_unproven(track, c)
        tt = lambda k: float(track.resampler.t0 + k * track.period)  # noqa: E731
        row: dict[str, Any] = {
            "t_start": tt(c.k_start), "t_bottom": tt(c.k_bottom), "t_ascent": tt(c.k_ascent),
            "t_end": tt(c.k_end), "source_placement": track.placement,
            "rotation_deg": c.peak_deg, "t_top": tt(c.k_top), "t_reported": tt(c.k_emit),
        }
        _set_phase_durations(row)
        _phase_velocities(row, c.velocity_m_s, c.k_start - c.k_top, c.k_bottom - c.k_top,
                          c.k_ascent - c.k_top, c.k_end - c.k_top)
        row["pivot_lever_m"] = lever_m
        row["height_source"] = source
        row["height_fit_corr"] = float(c.extras.get("fit_corr", float("nan")))
        row["sensor_drop_m"] = c.depth_m
        depth = c.depth_m
        if track.placement == "lumbar":
            depth = c.depth_m + LUMBAR_TO_STERNUM_FRAC * self.geometry.height_m * rot_rad
        row["depth_m"] = depth
        row["_height"] = c.height_m
        row["_t"] = track.resampler.t0 + np.arange(c.k_top, c.k_end + 1) * track.period
        row["_up"] = c.extras["up"]
        if waits:
            row["_first_posture"] = True
            c.extras["known_k"] = self._validating_k
            self._waiting.append(c)
        else:
            self._note_rep_top(c)
            self._k_last_end = max(self._k_last_end, c.k_end)
        self._drop_series_overlapping(c)
        rescued = series + rescued
        for _, r in rescued:   # reported with this rep, which proved them
            r["t_reported"] = max(r["t_reported"], row["t_reported"])
        row["_rescued"] = rescued
        return row

    def _validate(self, c: Any) -> bool:
        """Segmenter callback: physics checks of a candidate (arm/head or trunk), in stream order."""
        self._sync_first_hold()
        if self.trunk is not None:
            self._validating_k = int(c.k_emit)
            self._scan_verdict(self._validating_k)
        accept = self._accept_trunk if self.trunk is not None else self._accept
        row = accept(self.tracks[self.lead], c)
        if row is None:
            return False
        self._accepted[id(c)] = row
        return True

    def _t_of(self, track: _Track, k: int) -> float:
        return float(track.resampler.t0 + k * track.period)

    def _accept(self, track: _Track, c: RepCandidate) -> dict[str, Any] | None:
        """Validate a candidate rep with physics; return its (partial) row or None."""
        posture = self._plank_ok(c.up_top)
        if posture is False:
            return None
        rate = track.rate
        t0 = track.resampler.t0
        tt = lambda k: float(t0 + k * track.period)  # noqa: E731
        row: dict[str, Any] = {
            "t_start": tt(c.k_start), "t_bottom": tt(c.k_bottom), "t_ascent": tt(c.k_ascent),
            "t_end": tt(c.k_end), "source_placement": track.placement,
            "rotation_deg": c.peak_deg, "t_top": tt(c.k_top), "t_reported": tt(c.k_emit),
        }
        _set_phase_durations(row)
        if "up" in c.extras:   # the rep's posture from top to end, as the segmenter saw it
            row["_up"] = c.extras["up"]
            row["_t"] = t0 + np.arange(c.k_top, c.k_top + len(row["_up"])) * track.period
        height = None
        depth = None
        if track.placement not in ARM_PLACEMENTS:
            # zero-velocity points: the stillest sample of the top (before the descent starts)
            # and of the bottom turn
            k_a = max(track.buf.k0, c.k_top - int(0.3 * rate))
            mot = track.buf.get("motion", k_a, c.k_start)
            k_z0 = k_a + int(np.argmin(mot)) if len(mot) else c.k_top
            mot_b = track.buf.get("motion", c.k_bottom, c.k_ascent)
            k_zb = c.k_bottom + int(np.argmin(mot_b)) if len(mot_b) else (c.k_bottom + c.k_ascent) // 2
            av = track.buf.get("av", k_z0, c.k_end)
            k_turn = k_zb - k_z0
            if k_turn > 0:
                # constant offset (accelerometer bias / scale error seen along gravity): the one
                # that brings the velocity back to zero at the bottom turn
                v_raw = float(np.sum(0.5 * (av[1:k_turn + 1] + av[:k_turn]))) * track.period
                av = av - v_raw / (k_turn * track.period)
            v, z = zupt_height(av, track.period, [0, k_turn])
            off = c.k_top - k_z0
            if off > 0:
                v, z, av = v[off:], z[off:], av[off:]
                k_turn -= off
            elif off < 0:
                pad = -off
                v = np.concatenate((np.zeros(pad), v))
                z = np.concatenate((np.full(pad, z[0]), z))
                av = np.concatenate((np.zeros(pad), av))
                k_turn += pad
            # ascent: integrate from the bottom turn without an end point (the top is not reached yet)
            v_desc = v[: k_turn + 1]
            drop = float(z[0] - np.min(z[: k_turn + 1]))
            z_turn = z[k_turn]
            va = np.concatenate(([0.0], np.cumsum(0.5 * (av[k_turn + 1:] + av[k_turn:-1])) * track.period))
            za = z_turn + np.concatenate(([0.0], np.cumsum(0.5 * (va[1:] + va[:-1])) * track.period))
            height = np.concatenate((z[: k_turn + 1], za[1:]))
            vel = np.concatenate((v_desc, va[1:]))
            rot_rad = math.radians(max(c.peak_deg, 1e-3))
            lever_m = drop / rot_rad
            back_m = abs(float(height[-1] - height[0]))
            if drop < self.segmenter.s.min_depth_m or lever_m > 4.0 or drop > 0.9:
                return None
            if posture is None and back_m > 0.35 * drop + 0.03:   # a rep returns to its top height
                return None
            if posture is None and not self._toe_kinematics(c.peak_deg, lever_m):
                return None
            row["pivot_lever_m"] = lever_m
            depth = drop
            if track.placement == "lumbar":
                depth = drop + LUMBAR_TO_STERNUM_FRAC * self.geometry.height_m * rot_rad
            _phase_velocities(row, vel, c.k_start - c.k_top, c.k_bottom - c.k_top,
                              c.k_ascent - c.k_top, c.k_end - c.k_top)
            row["sensor_drop_m"] = drop
        row["depth_m"] = depth
        row["_height"] = height
        return row

    # -- completing reps (other sensors may lag) -------------------------------------------------
    def _flush_pending(self, final: bool, now_t: float | None = None) -> list[Event]:
        """Report the pending reps that are due (every sensor past the end, the lead
        ``DEPTH_SETTLE_S`` past it for a rest-to-rest depth) by ``now_t`` (default: the lead's
        last sample), or all of them (``final``)."""
        from ..detectors.form import assess_rep, new_set
        events: list[Event] = []
        lead_now = self.tracks[self.lead].t_last if now_t is None else min(now_t, self.tracks[self.lead].t_last)
        while self._pending:
            c, row = self._pending[0]
            measured = row.get("_measured", False)
            settle = DEPTH_SETTLE_S if row.get("height_source") in REST_TO_REST_SOURCES else 0.0
            if not measured and not self._band_end(row, final):
                break   # the sternum is still down: wait for it to come back up
            if not final and (any(tr.t_last < row["t_end"] for tr in self.tracks.values())
                              or lead_now < row["t_end"] + settle
                              or settle and not measured
                              and self._k_rest(row) >= self.tracks[self.lead].buf.k_end):
                break   # (the rest after a rest-to-rest depth is a sample the lead must hold)
            self._pending.pop(0)
            lead = self.tracks[self.lead]
            if settle and not measured:
                self._rest_to_rest_depth(lead, row)
            row.pop("_band_end", None)
            row.pop("_measured", None)
            self._ensure_mountings(c, row)
            set_no = row.pop("_set", None)
            if set_no != self._assessed_set:
                if self._assessed_set is not None and self.reference is not None:
                    new_set(self.reference, self.rows[-1].get("variant") if self.rows else None)
                self._assessed_set = set_no
            index = self.n_reps + 1
            t_a, t_b = row["t_top"], row["t_end"]
            if "_t" in row:
                t_win, up_lead = row.pop("_t"), row.pop("_up")
            else:
                t_win, up_lead = lead.window(t_a, t_b)
            pitch: dict[str, np.ndarray] = {}
            for p, tr in self.tracks.items():
                m = self.mountings.get(p)
                if m is None:
                    continue
                if p == self.lead:
                    pitch[p] = m.pitch_deg(up_lead)
                else:
                    tp, upp = tr.window(t_a, t_b)
                    if len(tp) >= 2:
                        pitch[p] = np.interp(t_win, tp, m.pitch_deg(upp))
            height = row.pop("_height")
            if height is not None and len(height) != len(t_win):
                height = np.interp(np.linspace(0, 1, len(t_win)), np.linspace(0, 1, len(height)), height)
            window = RepWindow(index=index, t_start=row["t_start"], t_bottom=row["t_bottom"],
                               t_ascent=row["t_ascent"], t_end=row["t_end"], t=t_win,
                               height_m=height, pitch_deg=pitch, depth_m=row["depth_m"],
                               source_placement=self.lead, extras={"rotation_deg": row["rotation_deg"]})
            try:
                form = assess_rep(window, self.reference, self.geometry, self.form_settings)
            except Exception as exc:  # a form problem must not lose the rep
                form = {"flags": [], "feedback": []}
                self.warnings.append(f"rep {index}: form assessment failed: {exc}")
            out = {"index": index, **row}
            for k, v in form.items():
                if k in ("t_start", "t_bottom", "t_ascent", "t_end", "index"):
                    continue
                out[k] = v
            out.setdefault("flags", [])
            out.setdefault("feedback", [])
            if "partial" in out["flags"]:
                out["partial"] = True
            self.rows.append(out)
            self.n_reps += 1
            if not self.keep_reps and len(self.rows) > RECENT_REPS:
                del self.rows[0]
            if height is not None and self.keep_signals:   # only the batch signals need them
                self.heights.append((t_win, height))
            self._last_rep_t = row["t_end"]
            events.append(Event("rep_completed", row["t_end"], _plain_row(out)))
        return events

    def _band_back(self, row: dict[str, Any], final: bool) -> int:
        """Where a rep the rotation timed really ends (see ``BAND_BACK_FRAC``): -1 when it ends
        where the turn said (or that cannot be told), the sample where the sternum is back up,
        or -2 while that is not seen yet."""
        seg, lead = self.trunk, self.tracks[self.lead]
        t0, rate = lead.resampler.t0, lead.rate
        k_top = int(round((row["t_top"] - t0) * rate))
        k_start = int(round((row["t_start"] - t0) * rate))
        k_end = int(round((row["t_end"] - t0) * rate))
        if seg is None or k_top < lead.buf.k0 or k_end >= lead.buf.k_end or k_start <= k_top:
            return -1
        hb = lead.buf.get("hb", k_top, k_end)
        i_low = int(np.argmin(hb))
        drop = float(np.max(hb[: i_low + 1]) - hb[i_low])
        if drop <= 0 or float(hb[-1] - hb[i_low]) >= BAND_BACK_FRAC * drop:
            return -1
        half = int(round(BAND_REST_S * rate))
        k_b = k_end + int(round(BAND_PAUSE_S * rate))
        if k_b >= lead.buf.k_end:
            return -1 if final else -2
        k_a = k_top + int(np.argmin(lead.buf.get("motion", k_top, k_start - 1)))
        # the rest at the bottom: the stillest sample near the end the turn gave while the
        # band-limited height is still low
        low = lead.buf.get("hb", k_end - half, k_b) <= hb[i_low] + BAND_LOW_FRAC * drop
        mot = np.where(low, lead.buf.get("motion", k_end - half, k_b), np.inf)
        k_p = k_end - half + int(np.argmin(mot))
        if not np.isfinite(mot).any() or k_p <= k_a + 2:
            return -1
        period = lead.period
        av = np.asarray(lead.buf.get("av", k_a, lead.buf.k_end - 1), dtype=float)
        n_p = k_p - k_a
        offset = float(np.sum(0.5 * (av[1:n_p + 1] + av[:n_p]))) / n_p   # velocity 0 at the bottom
        v = running_integral(av - offset, period)
        z = running_integral(v, period)
        depth = -float(z[n_p])
        if not seg.s.min_depth_m <= depth <= seg.s.max_depth_m:
            return -1
        k_wait = k_p + int(round(BAND_UP_S * rate))
        back = np.flatnonzero(z[n_p: n_p + k_wait - k_p + 1] >= -seg.s.band * depth)
        if len(back):
            return k_p + int(back[0])
        return -1 if final or lead.buf.k_end - 1 >= k_wait else -2

    def _band_end(self, row: dict[str, Any], final: bool) -> bool:
        """A rep the turn timed (height source "rotation") ends where the band-limited height is
        back up (see :meth:`_band_back`); False while the sternum is still down."""
        if row.get("height_source") == "rotation" and "_band_end" not in row:
            k_back = self._band_back(row, final)
            if k_back == -2:
                return False
            row["_band_end"] = k_back
            if k_back >= 0:   # the turn timed the way down only: the rep ends up there
                lead = self.tracks[self.lead]
                row["t_end"] = float(lead.resampler.t0 + k_back * lead.period)
        return True

    def _measure_waiting(self) -> None:
        """Rest-to-rest depths of the reps waiting for the first posture's verdict, as soon as the
        lead holds their rest after: the verdict may come after the lead's history has moved on,
        and must find the same depths however the stream was chunked."""
        lead = self.tracks[self.lead]
        for _, row in self._unconfirmed:
            if row.get("_measured") or row.get("height_source") not in REST_TO_REST_SOURCES:
                continue
            if self._band_end(row, False) and self._k_rest(row) < lead.buf.k_end:
                self._rest_to_rest_depth(lead, row)
                row["_measured"] = True

    def _k_rest(self, row: dict[str, Any]) -> int:
        """The lead's grid sample ``DEPTH_SETTLE_S`` after a rep's end: its rest-to-rest depth
        ends there."""
        lead = self.tracks[self.lead]
        return int(math.ceil((row["t_end"] + DEPTH_SETTLE_S - lead.resampler.t0) * lead.rate - 1e-9))

    def _rest_to_rest_depth(self, lead: _Track, row: dict[str, Any]) -> None:
        """Depth from the vertical acceleration between two rests at the top (velocity and height
        back to where they were: :func:`~imu_pushup.engine.height.closed_height`), once the top
        after the rep is reached; the report is then due ``DEPTH_SETTLE_S`` after ``t_end``.

        The candidate's own height had to be found before that top was known (one condition: the
        velocity at its end), so a small acceleration offset still bent it; two conditions take
        off an offset and its drift as the orientation filter follows the rep."""
        t0, rate = lead.resampler.t0, lead.rate
        k_top = int(round((row["t_top"] - t0) * rate))
        k_start = int(round((row["t_start"] - t0) * rate))
        k_rest = self._k_rest(row)
        row["t_reported"] = max(row["t_reported"], t0 + k_rest / rate)
        if k_top < lead.buf.k0 or k_rest >= lead.buf.k_end or k_start <= k_top:
            return   # not all held (the stream ended first): the candidate's own depth stands
        k_a = k_top + int(np.argmin(lead.buf.get("motion", k_top, k_start - 1)))
        v, z = closed_height(lead.buf.get("av", k_a, k_rest), lead.period)
        drop = valley_drop_m(z)
        if not (self.trunk.s.min_depth_m <= drop <= self.trunk.s.max_depth_m):
            return
        row["depth_m"] += drop - row["sensor_drop_m"]   # the lumbar's sternum share stays
        row["sensor_drop_m"] = drop
        if row.get("_band_end", -1) >= 0:
            _retime_from_bottom(row, z, k_a, t0, rate, self.trunk.s.band)
        # the rep's height and velocity from its top (at rest before k_a) to its end, for the
        # form and the phase velocities
        k_end = min(int(round((row["t_end"] - t0) * rate)), k_rest)
        lead_in = np.zeros(k_a - k_top)
        row["_height"] = np.concatenate((lead_in, z[: k_end - k_a + 1]))
        vel = np.concatenate((lead_in, v[: k_end - k_a + 1]))
        idx = lambda t: int(round((t - t0) * rate)) - k_top  # noqa: E731
        _phase_velocities(row, vel, idx(row["t_start"]), idx(row["t_bottom"]), idx(row["t_ascent"]),
                          idx(row["t_end"]))

    def _ensure_mountings(self, c: RepCandidate, row: dict[str, Any]) -> None:
        """Learn the mounting of every sensor and the plank reference at the first rep; again at
        a rep whose top is ``PLANK_TURN_DEG`` or more from the one they were learned at (that
        rep was not done in the plank: a dip while still standing, say, counted as toe-like)."""
        if (self.calibration is None and self.trunk is not None and self._reference_up is not None
                and _angle_deg(self._reference_up, c.up_top) >= PLANK_TURN_DEG):
            self.mountings.clear()
            self.reference = None
            self._assessed_set = None
        if self.reference is not None and all(p in self.mountings for p in self.tracks):
            return
        if self.trunk is not None:
            self._reference_up = c.up_top / np.linalg.norm(c.up_top)
        upright = None
        if self._first_hold is not None:
            ang = math.degrees(math.acos(max(-1.0, min(1.0, float(self._first_hold @ c.up_top)))))
            if ang >= PLANK_TURN_DEG:
                upright = self._first_hold
        t_top, t_low = row["t_top"], row["t_bottom"] + 0.5 * row["pause_s"]
        lead = self.tracks[self.lead]
        up_first = None
        if upright is not None:
            up_first = upright
        for p, tr in self.tracks.items():
            if p in self.mountings:
                continue
            if p == self.lead:
                u_top, u_low, u_up = c.up_top, c.up_low, up_first
            else:
                u_top, u_low = tr.up_at(t_top), tr.up_at(t_low)
                u_up = None
                if upright is not None and self._first_hold_t is not None:
                    u_up = tr.up_at(self._first_hold_t)
                if u_top is None or u_low is None:
                    continue
            try:
                self.mountings[p] = learn_mounting(p, u_top, u_low, u_up)
            except Exception:
                continue
        if self.reference is None:
            pitch = {p: float(m.pitch_plank_deg) for p, m in self.mountings.items()}
            absolute = all(m.absolute for m in self.mountings.values())
            self.reference = PlankReference(pitch_deg=pitch, variant=None, source="session",
                                            extras={"pitch_absolute": 1.0 if absolute else 0.0})
        del lead

    _first_hold_t: float | None = None
    #: the lead's posture (unit up) at the top of the rep the mountings were learned at
    _reference_up: np.ndarray | None = None

    def _signals(self) -> pd.DataFrame | None:
        if not self._sig:
            return None
        t = np.concatenate([a for a, _ in self._sig])
        up = np.vstack([b for _, b in self._sig])
        cols: dict[str, np.ndarray] = {}
        m = self.mountings.get(self.lead)
        if m is not None:
            cols["trunk_pitch_deg" if self.lead not in ARM_PLACEMENTS else f"{self.lead}_pitch_deg"] = m.pitch_deg(up)
        else:
            cols["trunk_pitch_deg"] = np.full(len(t), np.nan)
        h = np.zeros(len(t))
        for tw, hw in self.heights:
            i0 = int(np.searchsorted(t, tw[0] - 1e-9))
            h[i0:i0 + len(hw)] = hw[: max(0, min(len(hw), len(t) - i0))]
        cols["height_m"] = h if self.lead not in ARM_PLACEMENTS else np.full(len(t), np.nan)
        if "trunk_pitch_deg" not in cols:
            cols["trunk_pitch_deg"] = np.full(len(t), np.nan)
        return pd.DataFrame(cols, index=pd.Index(t, name="t"))


def s_min_depth(s: RepSettings) -> float:
    return s.min_depth_m



def _phase_velocities(row: dict[str, Any], vel_m_s: np.ndarray, i_start: int, i_bottom: int,
                      i_ascent: int, i_end: int) -> None:
    """Mean and peak vertical speed of the descent and the ascent (m/s, positive) into ``row``."""
    if i_bottom > i_start:
        row["descent_mean_velocity_m_s"] = float(-np.mean(vel_m_s[i_start:i_bottom + 1]))
        row["descent_peak_velocity_m_s"] = float(-np.min(vel_m_s[i_start:i_bottom + 1]))
    if i_end > i_ascent:
        row["ascent_mean_velocity_m_s"] = float(np.mean(vel_m_s[i_ascent:i_end + 1]))
        row["ascent_peak_velocity_m_s"] = float(np.max(vel_m_s[i_ascent:i_end + 1]))



def _plain_row(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in row.items():
        if isinstance(v, np.generic):
            v = v.item()
        out[k] = v
    return out


def _load_calibration(calibration: Any, placements: list[str]) -> Any:
    if calibration is None:
        return None
    if isinstance(calibration, (str, bytes)) or hasattr(calibration, "__fspath__"):
        from ..io.calibration import load_calibration
        return load_calibration(calibration, placements)
    if hasattr(calibration, "require"):
        calibration.require(placements)
    return calibration


def _retime_from_bottom(row: dict[str, Any], z: np.ndarray, k_a: int, t0: float, rate: float,
                        band: float) -> None:
    """The bottom, ascent and end of a rep whose turn timed its way down only, on its
    rest-to-rest height ``z`` (from grid sample ``k_a``) by the SPEC 5 % rules; its start stays."""
    ev = spec_events(z, band)
    if ev is None or ev["end"] < 0:
        return
    t = {name: t0 + (k_a + ev[name]) / rate for name in ("bottom", "ascent", "end")}
    if not row["t_start"] < t["bottom"] <= t["ascent"] < t["end"]:
        return
    for name, v in t.items():
        row[f"t_{name}"] = v
    _set_phase_durations(row)


def _set_phase_durations(row: dict[str, Any]) -> None:
    """SPEC tempo of a row from its event times: descent, pause at the bottom, ascent (s)."""
    row["descent_s"] = row["t_bottom"] - row["t_start"]
    row["pause_s"] = row["t_ascent"] - row["t_bottom"]
    row["ascent_s"] = row["t_end"] - row["t_ascent"]
