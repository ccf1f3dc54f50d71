"""Session protocols: the body's pose over time on a fine grid, for every kind of session.

A push-up session follows the guide: standing, down to the knees, hands and knees, into the
plank, a still hold, N reps, back to the knees, standing. Each rep is a shoulder-height profile
(top → descent → bottom pause → ascent → top); the legs and trunk follow from the pivot geometry
(:func:`chain.plank_angles`), the arms from inverse kinematics to the planted hands.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.interpolate import PchipInterpolator

from . import chain
from .chain import FARM, HEAD, KX, KZ, LOWER, N_POSE, THIGH, TRUNK, UARM, Segments
from .params import draw, per_rep

DEG = np.pi / 180.0


def min_jerk(u: np.ndarray) -> np.ndarray:
    """Minimum-jerk blend 0→1 over u in [0, 1]."""
    u = np.clip(u, 0.0, 1.0)
    return u ** 3 * (10 - 15 * u + 6 * u ** 2)


def stroke_profile(u: np.ndarray, ramp_in: float, ramp_out: float) -> np.ndarray:
    """Normalised position 0→1 with a trapezoidal velocity and raised-cosine ramps.

    ``ramp_in``/``ramp_out`` are the fractions of the stroke spent accelerating/decelerating: 0.5 and
    0.5 give a smooth bell-shaped velocity, small values an abrupt start or stop (a bounce at the
    bottom, a lockout at the top).
    """
    ra, rb = float(ramp_in), float(ramp_out)
    u = np.clip(u, 0.0, 1.0)
    v_max = 1.0 / (1.0 - 0.5 * (ra + rb))
    out = np.empty_like(u)
    m1 = u < ra
    out[m1] = v_max * (0.5 * u[m1] - ra / (2 * np.pi) * np.sin(np.pi * u[m1] / ra))
    p_ra = v_max * 0.5 * ra
    m2 = (~m1) & (u <= 1.0 - rb)
    out[m2] = p_ra + v_max * (u[m2] - ra)
    m3 = u > 1.0 - rb
    w = u[m3] - (1.0 - rb)
    p_rb = p_ra + v_max * (1.0 - rb - ra)
    out[m3] = p_rb + v_max * (0.5 * w + rb / (2 * np.pi) * np.sin(np.pi * w / rb))
    return out


@dataclass
class Timeline:
    """Pose samples on a fine grid, built chunk by chunk."""

    dt_s: float
    seg: Segments
    poses: list[np.ndarray] = field(default_factory=list)
    planted: list[np.ndarray] = field(default_factory=list)
    labels: list[np.ndarray] = field(default_factory=list)
    breath: list[np.ndarray] = field(default_factory=list)
    roll: list[np.ndarray] = field(default_factory=list)
    n: int = 0
    hand_xz: np.ndarray | None = None
    events: dict[str, Any] = field(default_factory=dict)

    @property
    def t_now(self) -> float:
        return self.n * self.dt_s

    @property
    def last(self) -> np.ndarray:
        return self.poses[-1][-1]

    def append(self, pose: np.ndarray, planted: bool, label: str, breathing: bool = False,
               roll_rad: np.ndarray | None = None) -> None:
        k = len(pose)
        if k == 0:
            return
        self.roll.append(np.zeros(k) if roll_rad is None else roll_rad)
        if planted:  # store the arms' IK solution so that later moves start from it
            pose = pose.copy()
            shoulder = chain.forward(pose, np.zeros(k, bool), self.hand_xz, self.seg).shoulder
            pose[:, UARM], pose[:, FARM] = chain.arm_ik(shoulder, np.broadcast_to(self.hand_xz, shoulder.shape),
                                                        self.seg)
        self.poses.append(pose)
        self.planted.append(np.full(k, planted))
        self.labels.append(np.full(k, label, dtype=object))
        self.breath.append(np.full(k, breathing))
        self.n += k

    def samples(self, duration_s: float) -> int:
        return max(1, int(round(duration_s / self.dt_s)))

    def hold(self, duration_s: float, label: str, planted: bool, breathing: bool = False) -> None:
        k = self.samples(duration_s)
        self.append(np.repeat(self.last[None, :], k, axis=0), planted, label, breathing)

    def move(self, target: np.ndarray, duration_s: float, label: str, planted: bool) -> None:
        k = self.samples(duration_s)
        s = min_jerk((np.arange(1, k + 1)) / k)[:, None]
        start = self.last
        pose = start + (target - start) * s
        if planted:
            # Hands on the floor: move the shoulders on a straight line (always within the arms'
            # reach) and hang the rest of the body from them.
            ends = chain.forward(np.stack([start, target]), np.zeros(2, bool), self.hand_xz, self.seg)
            shoulder = ends.shoulder[0] + (ends.shoulder[1] - ends.shoulder[0]) * s
            knee = (shoulder - self.seg.trunk_m * chain.unit(pose[:, TRUNK])
                    - self.seg.thigh_m * chain.unit(pose[:, THIGH]))
            pose[:, KX], pose[:, KZ] = knee[:, 0], knee[:, 1]
        self.append(pose, planted, label)

    def build(self) -> dict[str, np.ndarray]:
        return {"pose": np.concatenate(self.poses), "planted": np.concatenate(self.planted),
                "label": np.concatenate(self.labels), "breathing": np.concatenate(self.breath),
                "roll_rad": np.concatenate(self.roll)}


# -- named poses ---------------------------------------------------------------------------------

def standing(seg: Segments, x_m: float = 0.0) -> np.ndarray:
    p = np.zeros(N_POSE)
    p[[KX, KZ]] = (x_m, seg.lower_m)
    p[[LOWER, THIGH, TRUNK]] = np.pi / 2
    p[HEAD] = np.pi / 2 - 5 * DEG
    p[[UARM, FARM]] = np.pi / 2
    return p


def kneeling(seg: Segments) -> np.ndarray:
    p = standing(seg)
    p[[KX, KZ]] = (seg.lower_m, seg.knee_height_m)
    p[LOWER] = 0.0
    return p


def half_kneel(seg: Segments) -> np.ndarray:
    """Way point between standing and kneeling: knees bent, trunk leaning forward."""
    p = standing(seg)
    p[[KX, KZ]] = (0.5 * seg.lower_m, 0.6 * seg.lower_m)
    p[LOWER] = 50 * DEG
    p[THIGH] = 110 * DEG
    p[TRUNK] = 65 * DEG
    p[HEAD] = 60 * DEG
    p[UARM] = 100 * DEG
    p[FARM] = 110 * DEG
    return p


def hands_knees(seg: Segments, lockout: float) -> tuple[np.ndarray, np.ndarray]:
    """Hands and knees, shoulders over the hands, hips over the knees; returns (pose, hand_xz)."""
    p = kneeling(seg)
    hip_z = seg.knee_height_m + seg.thigh_m
    z_s = seg.wrist_height_m + lockout * seg.arm_m
    trunk = np.arcsin(np.clip((z_s - hip_z) / seg.trunk_m, -0.5, 0.9))
    p[TRUNK] = trunk
    p[HEAD] = trunk - 10 * DEG
    shoulder_x = p[KX] + seg.trunk_m * np.cos(trunk)
    shoulder_z = hip_z + seg.trunk_m * np.sin(trunk)
    hand = np.array([shoulder_x, seg.wrist_height_m])
    u, f = chain.arm_ik(np.array([[shoulder_x, shoulder_z]]), hand[None, :], seg)
    p[UARM], p[FARM] = u[0], f[0]
    return p, hand


def plank_top(seg: Segments, variant: str, hand_xz: np.ndarray, z_top_m: float, sag_rad: float,
              neck_rad: float, hand_offset_m: float) -> tuple[np.ndarray, float]:
    """Top plank pose with the shoulders ``hand_offset_m`` behind the hands; returns (pose, pivot_x)."""
    pose0 = chain.plank_pose(np.array([z_top_m]), sag_rad, neck_rad, variant, seg, 0.0)
    pts = chain.forward(pose0, np.zeros(1, bool), hand_xz, seg)
    pivot_x = hand_xz[0] - hand_offset_m - pts.shoulder[0, 0]
    pose = chain.plank_pose(np.array([z_top_m]), sag_rad, neck_rad, variant, seg, pivot_x)
    u, f = chain.arm_ik(chain.forward(pose, np.zeros(1, bool), hand_xz, seg).shoulder, hand_xz[None, :], seg)
    pose[0, UARM], pose[0, FARM] = u[0], f[0]
    return pose[0], pivot_x


# -- push-up reps ------------------------------------------------------------------------------

def rep_schedule(n_reps: int, params: dict[str, Any], rng: np.random.Generator,
                 seg: Segments) -> list[dict[str, float]]:
    """Per-rep tempo, stroke, depth and form values after fatigue."""
    vals = {k: per_rep(params[k], n_reps, rng, k) for k in
            ("descent_s", "pause_s", "ascent_s", "top_hold_s", "stroke", "depth_frac", "sag_deg",
             "sag_dip_deg", "neck_flexion_deg")}
    fatigue = float(np.clip(draw(params["fatigue"], rng, "fatigue"), 0.0, 1.0))
    reps = []
    for i in range(n_reps):
        p = fatigue * (i / max(1, n_reps - 1))
        reps.append({
            "descent_s": float(np.clip(vals["descent_s"][i] * (1 + 0.6 * p), 0.25, 6.0)),
            "pause_s": float(np.clip(vals["pause_s"][i] * (1 - 0.5 * p), 0.0, 5.0)),
            "ascent_s": float(np.clip(vals["ascent_s"][i] * (1 + 1.0 * p), 0.25, 6.0)),
            "top_hold_s": 0.0 if i == 0 else float(np.clip(vals["top_hold_s"][i], 0.0, 5.0)),
            "stroke": float(np.clip(vals["stroke"][i], 0.0, 1.0)),
            "depth_frac": float(max(0.05, vals["depth_frac"][i] * (1 - 0.4 * p))),
            "sag_deg": float(vals["sag_deg"][i] + 10.0 * p),
            "sag_dip_deg": float(vals["sag_dip_deg"][i]),
            "neck_flexion_deg": float(vals["neck_flexion_deg"][i] + 8.0 * p),
        })
    return reps


def band_crossings(ramp_in: float, ramp_out: float, band: float = 0.05) -> tuple[float, float]:
    """Fractions of a stroke's duration at which it has covered ``band`` and ``1 - band``."""
    u = np.linspace(0.0, 1.0, 2001)
    p = stroke_profile(u, ramp_in, ramp_out)
    return float(np.interp(band, p, u)), float(np.interp(1.0 - band, p, u))


def fit_stroke(spec_s: float, drop_m: float, ramp_in: float, ramp_out: float,
               a_max: float) -> tuple[float, float, float]:
    """Stroke duration and ramps giving ``spec_s`` between the 5 % bands within ``a_max``.

    The ramps widen (up to 0.5) where their peak acceleration would exceed ``a_max``; if even
    the smoothest stroke is too violent, the stroke slows down (its SPEC duration then exceeds
    ``spec_s``). Returns (duration_s, ramp_in, ramp_out).
    """
    ra, rb = ramp_in, ramp_out
    duration = spec_s
    for _ in range(6):
        b05, b95 = band_crossings(ra, rb)
        duration = spec_s / (b95 - b05)
        v_max = drop_m / (duration * (1.0 - 0.5 * (ra + rb)))
        need = np.pi * v_max / (2.0 * duration * a_max)  # smallest ramp fraction within a_max
        if ra >= need and rb >= need:
            return duration, ra, rb
        ra, rb = min(0.5, max(ra, need * 1.05)), min(0.5, max(rb, need * 1.05))
        if ra == rb == 0.5:
            break
    b05, b95 = band_crossings(ra, rb)
    duration = spec_s / (b95 - b05)
    peak = np.pi * drop_m / (duration * (1.0 - 0.5 * (ra + rb))) / (2.0 * 0.5 * duration)
    if peak > a_max:
        duration *= np.sqrt(peak / a_max)
    return duration, ra, rb


def ramps(stroke: float) -> tuple[float, float, float, float]:
    """Ramp fractions (descent in, descent out = bottom, ascent in, ascent out = lockout)."""
    s = stroke
    return (0.5 - 0.25 * s, 0.5 - 0.44 * s, 0.5 - 0.40 * s, 0.5 - 0.42 * s)


def add_reps(tl: Timeline, reps: list[dict[str, float]], variant: str, pivot_x: float, z_top_m: float,
             max_drop_m: float, a_max: float) -> list[dict[str, float]]:
    """Append the reps to the timeline; returns each rep's nominal schedule (fine-grid seconds)."""
    seg = tl.seg
    z_parts, label_parts, rep_drop = [], [], []
    schedule = []
    t = tl.t_now
    n0 = tl.n
    for r in reps:
        drop = min(r["depth_frac"] * seg.upper_arm_m, max_drop_m)
        ri, rb, ai, ao = ramps(r["stroke"])
        # The requested durations are the SPEC ones (between the 5 % bands): stretch the strokes
        # so that their 5 %-95 % part lasts that long, and shorten the pause by the strokes' tails.
        # A short pause needs a quick turn-around: sharpen the bottom ramps until the tails fit,
        # as far as the body's acceleration limit allows.
        for shrink in np.linspace(1.0, 0.1, 10):
            descent, ri_s, rb_s = fit_stroke(r["descent_s"], drop, ri, max(0.04, rb * shrink), a_max)
            ascent, ai_s, ao_s = fit_stroke(r["ascent_s"], drop, max(0.04, ai * shrink), ao, a_max)
            tails = (1 - band_crossings(ri_s, rb_s)[1]) * descent + band_crossings(ai_s, ao_s)[0] * ascent
            if tails <= r["pause_s"]:
                break
        ri, rb, ai, ao = ri_s, rb_s, ai_s, ao_s
        pause = max(0.0, r["pause_s"] - tails)
        pieces = []
        k_hold = int(round(r["top_hold_s"] / tl.dt_s))
        k_d = max(2, int(round(descent / tl.dt_s)))
        k_p = int(round(pause / tl.dt_s))
        k_a = max(2, int(round(ascent / tl.dt_s)))
        pieces.append((np.zeros(k_hold), "top"))
        pieces.append((stroke_profile(np.arange(1, k_d + 1) / k_d, ri, rb), "descent"))
        pieces.append((np.ones(k_p), "bottom"))
        pieces.append((1.0 - stroke_profile(np.arange(1, k_a + 1) / k_a, ai, ao), "ascent"))
        d0 = t + k_hold * tl.dt_s
        b0 = d0 + k_d * tl.dt_s
        a0 = b0 + k_p * tl.dt_s
        e0 = a0 + k_a * tl.dt_s
        schedule.append({"t_hold": t, "t_descent": d0, "t_bottom": b0, "t_ascent": a0, "t_end": e0,
                         "drop_m": drop, **r})
        for frac, lab in pieces:
            z_parts.append(frac)
            label_parts.append(np.full(len(frac), lab, dtype=object))
            rep_drop.append(np.full(len(frac), drop))
        t = e0
    frac = np.concatenate(z_parts)
    drop = np.concatenate(rep_drop)
    z_s = z_top_m - frac * drop
    tt = tl.dt_s * (n0 + np.arange(len(frac)))
    # Held sag and neck flexion vary smoothly between reps (knots at each bottom).
    knots = np.array([(s["t_bottom"] + s["t_ascent"]) / 2 for s in schedule])

    def smooth(values: np.ndarray) -> np.ndarray:
        if len(values) == 1:
            return np.full(len(tt), values[0])
        return PchipInterpolator(knots, values, extrapolate=False)(np.clip(tt, knots[0], knots[-1]))

    sag = smooth(np.array([s["sag_deg"] for s in schedule]))
    neck = smooth(np.array([s["neck_flexion_deg"] for s in schedule]))
    dip_per = []
    for i, s in enumerate(schedule):
        k = sum(len(z_parts[4 * i + j]) for j in range(4))
        dip_per.append(np.full(k, s["sag_dip_deg"]))
    dip = np.concatenate(dip_per) * frac ** 2
    pose = chain.plank_pose(z_s, (sag + dip) * DEG, neck * DEG, variant, seg, pivot_x)
    tl.append(pose, True, "rep")
    tl.labels[-1] = np.concatenate(label_parts)
    return schedule


# -- whole sessions --------------------------------------------------------------------------------

def _down_to_plank(tl: Timeline, params: dict[str, Any], rng: np.random.Generator, variant: str,
                   first_sag_deg: float, first_neck_deg: float) -> tuple[float, float]:
    """Standing → knees → hands and knees → plank top; returns (pivot_x, z_top)."""
    seg = tl.seg
    tr = lambda: draw(params["transition_s"], rng, "transition_s")  # noqa: E731
    lockout = float(np.clip(draw(params["lockout"], rng, "lockout"), 0.85, 0.999))
    tl.append(standing(seg)[None, :], False, "stand")
    tl.hold(draw(params["stand_s"], rng, "stand_s"), "stand", False)
    tl.move(half_kneel(seg), 0.5 * tr(), "transition", False)
    tl.move(kneeling(seg), 0.6 * tr(), "transition", False)
    tl.hold(0.3 + 0.4 * rng.uniform(), "transition", False)
    hk, hand = hands_knees(seg, lockout)
    tl.move(hk, tr(), "transition", False)
    tl.hand_xz = hand
    tl.hold(0.4 + 0.6 * rng.uniform(), "transition", True)
    z_top = seg.wrist_height_m + lockout * seg.arm_m
    offset = draw(params["hand_offset_m"], rng, "hand_offset_m")
    top, pivot_x = plank_top(seg, variant, hand, z_top, first_sag_deg * DEG, first_neck_deg * DEG, offset)
    tl.move(top, tr(), "transition", True)
    return pivot_x, z_top


def _up_to_standing(tl: Timeline, params: dict[str, Any], rng: np.random.Generator) -> None:
    seg = tl.seg
    tr = lambda: draw(params["transition_s"], rng, "transition_s")  # noqa: E731
    hk, _ = hands_knees(seg, 0.97)
    tl.move(hk, tr(), "transition", True)
    tl.hold(0.3 + 0.5 * rng.uniform(), "transition", True)
    tl.move(kneeling(seg), tr(), "transition", False)
    tl.move(half_kneel(seg), 0.6 * tr(), "transition", False)
    tl.move(standing(seg), 0.6 * tr(), "transition", False)
    tl.hold(draw(params["stand_s"], rng, "stand_s"), "stand", False)


def pushup_session(tl: Timeline, n_reps: int, variant: str, params: dict[str, Any],
                   rng: np.random.Generator) -> tuple[list[dict[str, float]], dict[str, float]]:
    """The guide's session; returns the rep schedule and the plank enter/leave times."""
    seg = tl.seg
    reps = rep_schedule(n_reps, params, rng, seg)
    sag0 = reps[0]["sag_deg"] if reps else draw(params["sag_deg"], rng, "sag_deg")
    neck0 = reps[0]["neck_flexion_deg"] if reps else draw(params["neck_flexion_deg"], rng, "neck_flexion_deg")
    pivot_x, z_top = _down_to_plank(tl, params, rng, variant, sag0, neck0)
    plank = {"t_enter": tl.t_now}
    if reps:
        tl.hold(draw(params["plank_hold_s"], rng, "plank_hold_s"), "plank", True, breathing=True)
    else:
        _plank_hold(tl, params, rng, variant, pivot_x, z_top, sag0, neck0)
    # Sternum must stay above the floor: limit the shoulder drop.
    max_drop = z_top - (seg.chest_depth_m * 0.95 + 0.02)
    a_max = draw(params["max_accel_m_s2"], rng, "max_accel_m_s2")
    schedule = add_reps(tl, reps, variant, pivot_x, z_top, max_drop, a_max) if reps else []
    if reps:
        tl.hold(draw(params["end_hold_s"], rng, "end_hold_s"), "plank", True, breathing=True)
    plank["t_leave"] = tl.t_now
    _up_to_standing(tl, params, rng)
    return schedule, plank


def _plank_hold(tl: Timeline, params: dict[str, Any], rng: np.random.Generator, variant: str,
                pivot_x: float, z_top: float, sag_deg: float, neck_deg: float) -> None:
    """A long still plank with one or two small weight shifts (no rep: a few cm, hips moving)."""
    total = draw(params["hold_s"], rng, "hold_s")
    n_shifts = int(rng.integers(1, 3))
    still = total / (n_shifts + 1)
    for _ in range(n_shifts):
        tl.hold(still * rng.uniform(0.7, 1.0), "plank", True, breathing=True)
        k = tl.samples(rng.uniform(1.2, 2.5))
        bump = np.sin(np.pi * np.arange(1, k + 1) / k) ** 2
        dz = rng.uniform(0.01, 0.03) * bump
        dsag = rng.uniform(-6.0, 6.0) * bump
        pose = chain.plank_pose(z_top - dz, (sag_deg + dsag) * DEG, neck_deg * DEG, variant, tl.seg, pivot_x)
        tl.append(pose, True, "plank")
    tl.hold(still, "plank", True, breathing=True)


def walking_session(tl: Timeline, params: dict[str, Any], rng: np.random.Generator) -> None:
    """Stand, walk in a straight line with arm swing and trunk bob, stand."""
    seg = tl.seg
    tl.append(standing(seg)[None, :], False, "stand")
    tl.hold(draw(params["stand_s"], rng, "stand_s"), "stand", False)
    dur = draw(params["walk_s"], rng, "walk_s")
    speed = draw(params["walk_speed_m_s"], rng, "walk_speed_m_s")
    f_stride = 0.55 * speed + 0.2 + 0.05 * rng.standard_normal()   # Hz, one stride = two steps
    k = tl.samples(dur)
    t = np.arange(1, k + 1) * tl.dt_s
    ramp = np.minimum(min_jerk(t / 1.5), min_jerk((dur - t) / 1.5))
    x = np.cumsum(speed * ramp) * tl.dt_s
    phase = 2 * np.pi * f_stride * t + rng.uniform(0, 2 * np.pi)
    pose = np.repeat(standing(seg)[None, :], k, axis=0)
    pose[:, KX] = x
    pose[:, KZ] = seg.lower_m - ramp * (0.01 + 0.02 * (1 + np.cos(2 * phase)) / 2)
    pose[:, TRUNK] = np.pi / 2 - ramp * (3 * DEG - 1.5 * DEG * np.sin(2 * phase))
    pose[:, HEAD] = pose[:, TRUNK] - 5 * DEG
    pose[:, UARM] = np.pi / 2 + ramp * 20 * DEG * np.sin(phase)
    pose[:, FARM] = pose[:, UARM] + ramp * (15 * DEG + 10 * DEG * np.sin(phase - 0.3))
    roll = ramp * 3 * DEG * np.sin(phase)
    tl.append(pose, False, "walk", roll_rad=roll)
    tl.move(standing(seg, x[-1]), 0.5, "stand", False)
    tl.hold(draw(params["stand_s"], rng, "stand_s"), "stand", False)


def squat_pose(seg: Segments, d: np.ndarray) -> np.ndarray:
    """Squat of depth ``d`` (0 standing, 1 thighs parallel to the floor), arms held forward."""
    pose = np.repeat(standing(seg)[None, :], len(d), axis=0)
    lower = np.pi / 2 - 28 * DEG * d
    pose[:, LOWER] = lower
    pose[:, KX] = seg.lower_m * np.cos(lower)
    pose[:, KZ] = seg.lower_m * np.sin(lower)
    pose[:, THIGH] = np.pi / 2 + 85 * DEG * d
    pose[:, TRUNK] = np.pi / 2 - 40 * DEG * d
    pose[:, HEAD] = pose[:, TRUNK] + 20 * DEG * d - 5 * DEG
    return pose


def squat_session(tl: Timeline, n_reps: int, params: dict[str, Any], rng: np.random.Generator) -> None:
    """Stand, raise the arms forward, n squats, lower the arms, stand."""
    seg = tl.seg
    tl.append(standing(seg)[None, :], False, "stand")
    tl.hold(draw(params["stand_s"], rng, "stand_s"), "stand", False)
    arms_fwd = standing(seg)
    arms_fwd[[UARM, FARM]] = np.pi
    tl.move(arms_fwd, 0.8, "transition", False)
    for _ in range(max(1, n_reps)):
        depth = draw(params["squat_depth_frac"], rng, "squat_depth_frac")
        dur = draw(params["squat_s"], rng, "squat_s")
        k = tl.samples(dur)
        u = np.arange(1, k + 1) / k
        d = depth * np.where(u < 0.5, min_jerk(2 * u), min_jerk(2 - 2 * u))
        pose = squat_pose(seg, d)
        pose[:, [UARM, FARM]] = np.pi
        tl.append(pose, False, "squat")
        tl.hold(draw(params["top_hold_s"], rng, "top_hold_s"), "stand", False)
    tl.move(standing(seg), 0.8, "transition", False)
    tl.hold(draw(params["stand_s"], rng, "stand_s"), "stand", False)
