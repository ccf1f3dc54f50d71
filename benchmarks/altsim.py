"""An independent push-up session simulator, to check the engine against a second world.

What it is for
--------------
The project has its own simulator (``imu_pushup.simulate``), which the engine is developed against.
The engine must hold up on sessions from simulators it was not developed against, so this module is a
second, independently written one: it does NOT import or copy ``imu_pushup.simulate`` and makes its own
modelling choices. Only the data model (``imu_pushup.recording.from_arrays``) is used, to hand back
validated recordings. Use it with ``benchmarks/altsim_bench.py`` to catch methods that only work on
the project's own synthetic data.

Model in brief
--------------
* Body: planar (sagittal) rigid segments scaled from standing height with this module's own segment
  fractions (rounded from Winter / Drillis-Contini style tables and jittered +-3 % per person):
  pivot (balls of the feet, or the knees) -> leg line -> hip -> lumbar segment -> thorax -> shoulders;
  arms solved by inverse kinematics from the shoulder to the planted hand, with an elbow "swivel"
  (tucked or flared elbows) so the arms are 3-D. Sag/pike is the hip angle between the leg line and
  the hip-shoulder chord; a stomach dip bends the spine (lumbar vs thorax) toward the bottom.
* Motion: every coordinate follows C2 quintic-Hermite profiles (min-jerk when the end velocities and
  accelerations are zero, bounces and touch-and-go tops when they are not); sensor positions are
  differentiated twice on a 0.5-1 kHz grid, angular velocity comes from the rotation matrices
  (omega = vee(R^T dR/dt)), specific force = R^T (a + g z). Out-of-plane sway (roll/yaw), breathing,
  and soft-tissue/strap wobble (a damped 8-20 Hz oscillator kicked at reversals, hand placement,
  foot strikes) are added as displacements/rotations before the differentiation, so stay consistent.
* Sessions: protocols (a) stand -> kneel -> plank -> reps -> knees -> stand, (b) recording starts in
  the plank, (c) starts kneeling, (d) several sets with rests; distractors with zero reps: walking,
  squats, sit-stand, plank hold with weight shifts, lying prone and getting up.
* Sensors: chest (sternum strap), lumbar, lateral upper arm, dorsal forearm near the wrist; vendor
  rates 25-208 Hz, anti-alias low-pass (with its group delay), bias + drift, scale/misalignment,
  white noise, range clipping, quantisation, block packet loss, timestamp jitter, clock offset/ppm;
  mounting mostly plausible (cardinal rotation +-15 deg, sometimes face in), sometimes random.
* Truth (SPEC "Rep events"): the sternum's true vertical position (without strap wobble) in a window
  from the middle of the top hold before to the middle of the top hold after each rep.

Run
---
    python benchmarks/altsim.py --seed 3                 # simulate one session, print params + truth
    python benchmarks/altsim.py --seed 3 --plot /tmp/altsim   # and save a PNG of it
    python benchmarks/altsim.py --check                  # physics sanity checks (integration etc.)

    from benchmarks.altsim import simulate               # (run from the repository root)
    s = simulate(3); s.recordings["chest"]; s.truth["reps"]
"""
from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import signal

from imu_pushup.recording import from_arrays

G_STD = 9.80665
PLACEMENTS = ("chest", "lumbar", "upper_arm", "wrist")
DISTRACTORS = ("walking", "squats", "sit_stand", "plank_hold", "prone_getup")
PROTOCOLS = ("a", "b", "c", "d")
VENDOR_RATES = (25.0, 26.0, 50.0, 52.0, 100.0, 104.0, 200.0, 208.0)
VENDOR_RATE_P = (0.07, 0.12, 0.16, 0.19, 0.17, 0.15, 0.06, 0.08)
SIDES = (1, -1)  # +1 = left (world +y), -1 = right

#: Segment lengths as fractions of standing height (this module's own rounding; not a copy of any
#: other table in the project). trunk = hip joint centre to shoulder joint centre.
SEGMENT_FRACTIONS = {
    "thigh": 0.246, "shank": 0.244, "ankle_height": 0.039, "ankle_to_ball": 0.080,
    "trunk": 0.288, "upper_arm": 0.187, "forearm": 0.147, "shoulder_half": 0.101,
    "chest_depth": 0.055, "knee_height": 0.028, "wrist_height": 0.023, "pelvis_depth": 0.063,
    "ball_height": 0.011,
}
LUMBAR_FRACTION = 0.42      # lower (lumbar-pelvic) share of the hip-shoulder trunk length
FOOT_LEG_ANGLE_DEG = 35.0   # toe plank: the ankle-ball line deviates this much from the leg line


# ============================================================================ small maths

def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.maximum(n, 1e-12)


def _rz(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, float)
    c, s = np.cos(a), np.sin(a)
    R = np.zeros(a.shape + (3, 3))
    R[..., 0, 0], R[..., 0, 1], R[..., 1, 0], R[..., 1, 1], R[..., 2, 2] = c, -s, s, c, 1.0
    return R


def _ry(b: np.ndarray) -> np.ndarray:
    b = np.asarray(b, float)
    c, s = np.cos(b), np.sin(b)
    R = np.zeros(b.shape + (3, 3))
    R[..., 0, 0], R[..., 0, 2], R[..., 1, 1], R[..., 2, 0], R[..., 2, 2] = c, s, 1.0, -s, c
    return R


def _rx(g: np.ndarray) -> np.ndarray:
    g = np.asarray(g, float)
    c, s = np.cos(g), np.sin(g)
    R = np.zeros(g.shape + (3, 3))
    R[..., 0, 0], R[..., 1, 1], R[..., 1, 2], R[..., 2, 1], R[..., 2, 2] = 1.0, c, -s, s, c
    return R


def _expmap(v: np.ndarray) -> np.ndarray:
    """Rotation matrices from rotation vectors (..., 3) (Rodrigues, written out)."""
    th = np.linalg.norm(v, axis=-1)
    k = v / np.maximum(th, 1e-15)[..., None]
    kx, ky, kz = k[..., 0], k[..., 1], k[..., 2]
    s, c = np.sin(th), 1 - np.cos(th)
    R = np.empty(v.shape[:-1] + (3, 3))
    R[..., 0, 0] = 1 + c * (kx * kx - 1)
    R[..., 0, 1] = -s * kz + c * kx * ky
    R[..., 0, 2] = s * ky + c * kx * kz
    R[..., 1, 0] = s * kz + c * kx * ky
    R[..., 1, 1] = 1 + c * (ky * ky - 1)
    R[..., 1, 2] = -s * kx + c * ky * kz
    R[..., 2, 0] = -s * ky + c * kx * kz
    R[..., 2, 1] = s * kx + c * ky * kz
    R[..., 2, 2] = 1 + c * (kz * kz - 1)
    return R


def _mv(R: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Batch matrix-vector product: (N,3,3) x (N,3)|(3,) -> (N,3)."""
    return np.einsum("nij,...j->ni", R, v) if v.ndim == 1 else np.einsum("nij,nj->ni", R, v)


def _wrap(a):
    return (np.asarray(a) + np.pi) % (2 * np.pi) - np.pi


def _smoothstep5(u):
    u = np.clip(u, 0.0, 1.0)
    return u ** 3 * (10 - 15 * u + 6 * u * u)


def _bump(u):
    """C2 bump on [0, 1], peak 1 at u = 0.5, zero value/slope/curvature at both ends."""
    u = np.clip(u, 0.0, 1.0)
    return 64.0 * (u * (1 - u)) ** 3


def hermite5(t: np.ndarray, kt, P, V=None, A=None) -> np.ndarray:
    """Piecewise quintic Hermite through knots (value, velocity, acceleration): C2 everywhere.

    ``P`` is (K,) or (K, D); V, A the same (zeros by default). Outside the knots the end values hold.
    """
    t = np.asarray(t, float)
    kt = np.asarray(kt, float)
    P = np.asarray(P, float)
    one = P.ndim == 1
    if one:
        P = P[:, None]
    V = np.zeros_like(P) if V is None else np.asarray(V, float).reshape(P.shape)
    A = np.zeros_like(P) if A is None else np.asarray(A, float).reshape(P.shape)
    if len(kt) == 1:
        out = np.repeat(P[:1], len(t), axis=0)
        return out[:, 0] if one else out
    j = np.clip(np.searchsorted(kt, t, side="right") - 1, 0, len(kt) - 2)
    T = (kt[j + 1] - kt[j])[:, None]
    s = np.clip((t - kt[j])[:, None] / T, 0.0, 1.0)
    s2 = s * s
    s3 = s2 * s
    s4 = s3 * s
    s5 = s4 * s
    h0 = 1 - 10 * s3 + 15 * s4 - 6 * s5
    h1 = s - 6 * s3 + 8 * s4 - 3 * s5
    h2 = 0.5 * s2 - 1.5 * s3 + 1.5 * s4 - 0.5 * s5
    h3 = 0.5 * s3 - s4 + 0.5 * s5
    h4 = -4 * s3 + 7 * s4 - 3 * s5
    h5 = 10 * s3 - 15 * s4 + 6 * s5
    out = (h0 * P[j] + h1 * T * V[j] + h2 * T * T * A[j] + h3 * T * T * A[j + 1]
           + h4 * T * V[j + 1] + h5 * P[j + 1])
    return out[:, 0] if one else out


def _catmull_velocities(kt, P, shrink=0.7):
    """Velocities at interior knots (ends zero) for passing smoothly through via poses."""
    kt = np.asarray(kt, float)
    P = np.asarray(P, float)
    V = np.zeros_like(P)
    for k in range(1, len(kt) - 1):
        V[k] = shrink * (P[k + 1] - P[k - 1]) / (kt[k + 1] - kt[k - 1])
    return V


# ============================================================================ body

@dataclass
class Body:
    height: float
    thigh: float
    shank: float
    ankle_height: float
    ankle_to_ball: float
    trunk: float
    upper_arm: float
    forearm: float
    shoulder_half: float
    chest_depth: float
    knee_height: float
    wrist_height: float
    pelvis_depth: float
    ball_height: float

    @property
    def lumbar_len(self) -> float:
        return LUMBAR_FRACTION * self.trunk

    @property
    def thorax_len(self) -> float:
        return (1 - LUMBAR_FRACTION) * self.trunk

    @property
    def hip_stand(self) -> float:
        return self.ankle_height + self.shank + self.thigh

    @property
    def leg_toe(self) -> float:
        a, b = self.ankle_to_ball, self.shank + self.thigh
        return math.sqrt(a * a + b * b + 2 * a * b * math.cos(math.radians(FOOT_LEG_ANGLE_DEG)))

    def chord(self, gam):
        """Hip-shoulder distance when the spine bends by ``gam`` (rad) at the lumbar-thorax joint."""
        lo, up = self.lumbar_len, self.thorax_len
        return lo * np.cos(gam) + np.sqrt(up * up - (lo * np.sin(gam)) ** 2)


def make_body(height_m: float, variation: dict[str, float] | None = None) -> Body:
    variation = variation or {}
    kw = {k: f * height_m * float(variation.get(k, 1.0)) for k, f in SEGMENT_FRACTIONS.items()}
    return Body(height=height_m, **kw)


# ============================================================================ arms

def _arm_frames(ang: np.ndarray, side: int, heading: np.ndarray | None = None):
    """Upper-arm, forearm and wrist(sensor-segment) frames from the 7 arm angles.

    Angles: th1 (pitch in the sagittal plane, -90 deg = hanging), th2 (out of plane, outward +),
    roll (about the long axis from the outward reference), for upper arm then forearm, then the
    forearm pronation. Frame columns: [long axis (proximal->distal), outward, long x outward].
    """
    out = []
    yref = np.array([0.0, float(side), 0.0])
    for k in (0, 3):
        th1, th2, roll = ang[:, k], ang[:, k + 1], ang[:, k + 2]
        d = np.stack([np.cos(th2) * np.cos(th1), side * np.sin(th2), np.cos(th2) * np.sin(th1)], axis=1)
        r0 = _unit(yref - (d @ yref)[:, None] * d)
        y = r0 * np.cos(roll)[:, None] + np.cross(d, r0) * np.sin(roll)[:, None]
        z = np.cross(d, y)
        out.append(np.stack([d, y, z], axis=2))
    R_ua, R_fa = out
    R_wr = R_fa @ _rx(ang[:, 6])
    if heading is not None and np.any(heading != 0):
        Rh = _rz(heading)
        R_ua, R_fa, R_wr = Rh @ R_ua, Rh @ R_fa, Rh @ R_wr
    return R_ua, R_fa, R_wr


def _angles_from(d: np.ndarray, y: np.ndarray, side: int):
    yref = np.array([0.0, float(side), 0.0])
    th1 = np.arctan2(d[:, 2], d[:, 0])
    th2 = np.arcsin(np.clip(side * d[:, 1], -1, 1))
    r0 = _unit(yref - (d @ yref)[:, None] * d)
    roll = np.arctan2(np.einsum("ij,ij->i", np.cross(r0, y), d), np.einsum("ij,ij->i", r0, y))
    return th1, th2, roll


def arm_ik(S: np.ndarray, W: np.ndarray, flare: np.ndarray, side: int, L1: float, L2: float) -> np.ndarray:
    """Arm angles (N, 7) for a shoulder S (N,3) and a planted wrist W (3,) with elbow swivel ``flare``.

    The elbow lies on the circle of points L1 from the shoulder and L2 from the wrist; flare = 0
    puts it straight back (toward the feet), larger values swing it outward.
    """
    a = W[None, :] - S
    r = np.linalg.norm(a, axis=1)
    ah = a / r[:, None]
    # soft limits (C-infinity) keep the elbow between ~4 deg short of straight and fully bent, so a
    # shoulder pulled slightly too far (sway, transitions) never kinks the arm's motion
    r_hi = math.sqrt(L1 * L1 + L2 * L2 + 2 * L1 * L2 * math.cos(math.radians(4.0)))
    r_lo = math.sqrt(L1 * L1 + L2 * L2 - 2 * L1 * L2 * math.cos(math.radians(25.0)))
    sft = 0.004
    rc = r_hi - sft * np.logaddexp(0.0, (r_hi - r) / sft)
    rc = r_lo + sft * np.logaddexp(0.0, (rc - r_lo) / sft)
    x1 = (L1 * L1 - L2 * L2 + rc * rc) / (2 * rc)
    rho = np.sqrt(np.maximum(L1 * L1 - x1 * x1, 0.0))
    back = np.array([-1.0, 0.0, 0.0])
    u1 = _unit(back - (ah @ back)[:, None] * ah)
    u2 = side * np.cross(ah, u1)
    u = u1 * np.cos(flare)[:, None] + u2 * np.sin(flare)[:, None]
    E = S + x1[:, None] * ah + rho[:, None] * u
    d_ua = _unit(E - S)
    d_fa = _unit(W[None, :] - E)
    y = side * _unit(np.cross(ah, u))           # elbow flexion axis, pointing outward
    y_ua = _unit(y - np.einsum("ij,ij->i", y, d_ua)[:, None] * d_ua)
    y_fa = _unit(y - np.einsum("ij,ij->i", y, d_fa)[:, None] * d_fa)
    t1, t2, r1 = _angles_from(d_ua, y_ua, side)
    f1, f2, r2 = _angles_from(d_fa, y_fa, side)
    # palm flat, fingers forward: the distal forearm's back faces between the fingers and up
    ref = np.array([1.0, 0.0, 1.0])
    dorsal = _unit(ref[None, :] - (d_fa @ ref)[:, None] * d_fa)
    z_fa = np.cross(d_fa, y_fa)
    pron = np.arctan2(np.einsum("ij,ij->i", dorsal, z_fa), np.einsum("ij,ij->i", dorsal, y_fa))
    return np.stack([t1, t2, r1, f1, f2, r2, pron], axis=1)


def hanging_arms(rng: np.random.Generator | None = None, swing=0.0) -> np.ndarray:
    j = (lambda s: rng.normal(0, s)) if rng is not None else (lambda s: 0.0)
    th = math.radians(-90 + swing + j(4))
    return np.array([th, math.radians(6 + j(2)), j(0.1), th + math.radians(10 + abs(j(5))),
                     math.radians(6 + j(2)), j(0.1), j(0.15)])


# ============================================================================ trunk chain

def trunk_chain(body: Body, ts: np.ndarray, roll: np.ndarray, yaw: np.ndarray):
    """Hip, lumbar-thorax joint, mid-shoulder and the two trunk frames from the trunk state.

    ts columns: hx, hy, hz, phi_lo, phi_up, heading, roll_extra, yaw_extra (phi = angle of the
    segment's hip->head axis above the +x axis; 90 deg = upright). Frame columns: [ventral, left,
    long axis toward the head].
    """
    hd = ts[:, 5]
    rl = ts[:, 6] + roll
    yw = ts[:, 7] + yaw
    R_lo = _rz(hd + 0.7 * yw) @ _ry(np.pi / 2 - ts[:, 3]) @ _rz(0.6 * rl)
    R_up = _rz(hd + yw) @ _ry(np.pi / 2 - ts[:, 4]) @ _rz(rl)
    H = ts[:, 0:3].copy()
    T = H + body.lumbar_len * R_lo[:, :, 2]
    S = T + body.thorax_len * R_up[:, :, 2]
    return H, T, S, R_lo, R_up


# ============================================================================ poses and blocks

@dataclass
class Pose:
    ts: np.ndarray                      # 8 trunk-state channels
    arm: tuple                          # ("free", {side: ang7}) or ("planted", {side: W3}, flare)

    def copy(self) -> Pose:
        return Pose(self.ts.copy(), self.arm)


def _static_arm_angles(body: Body, pose: Pose, side: int) -> np.ndarray:
    if pose.arm[0] == "free":
        return np.asarray(pose.arm[1][side], float)
    ts = pose.ts[None, :]
    _, _, S, _, R_up = trunk_chain(body, ts, np.zeros(1), np.zeros(1))
    Ss = S + side * body.shoulder_half * R_up[:, :, 1]
    return arm_ik(Ss, pose.arm[1][side], np.array([pose.arm[2]]), side, body.upper_arm, body.forearm)[0]


def _ts_to_polar(body: Body, ts: np.ndarray, W2: np.ndarray) -> np.ndarray:
    """Trunk states -> [shoulder reach from the hands, its angle, hy, chord angle, spine bend,
    heading, roll, yaw] (sagittal, mid-shoulder, no sway)."""
    H = ts[:, [0, 2]]
    T = H + body.lumbar_len * np.stack([np.cos(ts[:, 3]), np.sin(ts[:, 3])], axis=1)
    S = T + body.thorax_len * np.stack([np.cos(ts[:, 4]), np.sin(ts[:, 4])], axis=1)
    phc = np.arctan2(S[:, 1] - H[:, 1], S[:, 0] - H[:, 0])
    rel = S - W2[None, :]
    return np.stack([np.hypot(rel[:, 0], rel[:, 1]), np.arctan2(rel[:, 1], rel[:, 0]), ts[:, 1], phc,
                     phc - ts[:, 3], ts[:, 5], ts[:, 6], ts[:, 7]], axis=1)


def _polar_to_ts(body: Body, q: np.ndarray, W2: np.ndarray) -> np.ndarray:
    S = W2[None, :] + q[:, 0:1] * np.stack([np.cos(q[:, 1]), np.sin(q[:, 1])], axis=1)
    c = body.chord(q[:, 4])
    H = S - c[:, None] * np.stack([np.cos(q[:, 3]), np.sin(q[:, 3])], axis=1)
    plo = q[:, 3] - q[:, 4]
    T = H + body.lumbar_len * np.stack([np.cos(plo), np.sin(plo)], axis=1)
    pup = np.arctan2(S[:, 1] - T[:, 1], S[:, 0] - T[:, 0])
    return np.stack([H[:, 0], q[:, 2], H[:, 1], plo, pup, q[:, 5], q[:, 6], q[:, 7]], axis=1)


@dataclass
class Block:
    t0: float
    t1: float
    fill: Any                           # fill(t) -> dict(ts, planted, hands, flare | ang)


class Plan:
    """A session as consecutive blocks on one time line, plus wobble events and push-up sets."""

    def __init__(self, body: Body, rng: np.random.Generator):
        self.body = body
        self.rng = rng
        self.blocks: list[Block] = []
        self.t = 0.0
        self.pose: Pose | None = None
        self.events: list[tuple[float, float]] = []
        self.sets: list[PushupSet] = []
        self.labels: list[tuple[float, float, str]] = []

    def start(self, pose: Pose):
        self.pose = pose.copy()

    def _add(self, dur, fill, end_pose, label):
        self.blocks.append(Block(self.t, self.t + dur, fill))
        self.labels.append((self.t, self.t + dur, label))
        self.t += dur
        self.pose = end_pose

    def hold(self, dur: float, label="hold"):
        pose = self.pose.copy()

        def fill(t):
            n = len(t)
            out = {"ts": np.repeat(pose.ts[None, :], n, axis=0)}
            if pose.arm[0] == "planted":
                out.update(planted=True, hands=pose.arm[1], flare=np.full(n, pose.arm[2]))
            else:
                out.update(planted=False, ang={s: np.repeat(np.asarray(pose.arm[1][s])[None, :], n, axis=0)
                                               for s in SIDES})
            return out
        self._add(dur, fill, pose, label)

    def move(self, target: Pose, dur: float, via: list[tuple[float, Pose]] | None = None,
             arm_via: list[tuple[float, dict]] | None = None, label="move", event_end=0.0):
        """Move to ``target`` through optional via poses (fractions of ``dur``), C2, static ends."""
        start = self.pose.copy()
        t0 = self.t
        kts = [0.0] + [f * dur for f, _ in (via or [])] + [dur]
        P = np.array([start.ts] + [p.ts for _, p in (via or [])] + [target.ts])
        P[:, 3:8] = np.unwrap(P[:, 3:8], axis=0)
        V = _catmull_velocities(kts, P)
        planted = (start.arm[0] == "planted" and target.arm[0] == "planted"
                   and all(np.allclose(start.arm[1][s], target.arm[1][s]) for s in SIDES))
        if planted:
            hands = start.arm[1]
            f0, f1 = start.arm[2], target.arm[2]
            # on planted hands interpolate the shoulder around the hands (reach never exceeds the
            # ends' reach) and the hip-shoulder chord angle; the hip follows from the chord
            W2 = np.array([hands[1][0], hands[1][2]])
            Q = _ts_to_polar(self.body, P, W2)
            Q[1:-1, 0] = np.minimum(Q[1:-1, 0], min(Q[0, 0], Q[-1, 0]))
            Q[:, 1:] = np.unwrap(Q[:, 1:], axis=0)
            QV = _catmull_velocities(kts, Q)
        else:
            ang_kt = [0.0] + [f * dur for f, _ in (arm_via or [])] + [dur]
            angP = {}
            for s in SIDES:
                seq = [_static_arm_angles(self.body, start, s)] + [np.asarray(a[s], float) for _, a in (arm_via or [])] \
                      + [_static_arm_angles(self.body, target, s)]
                angP[s] = np.unwrap(np.array(seq), axis=0)
            angV = {s: _catmull_velocities(ang_kt, angP[s]) for s in SIDES}

        def fill(t):
            tl = t - t0
            if planted:
                out = {"ts": _polar_to_ts(self.body, hermite5(tl, kts, Q, QV), W2)}
            else:
                out = {"ts": hermite5(tl, kts, P, V)}
            if planted:
                out.update(planted=True, hands=hands, flare=f0 + (f1 - f0) * _smoothstep5(tl / dur))
            else:
                out.update(planted=False, ang={s: hermite5(tl, ang_kt, angP[s], angV[s]) for s in SIDES})
            return out
        if event_end:
            self.events.append((t0 + dur, event_end))
        self._add(dur, fill, target.copy(), label)

    def custom(self, dur: float, fill_local, label: str):
        """A block whose fill is given in local time; its end pose is read from the fill."""
        t0 = self.t

        def fill(t):
            return fill_local(t - t0)
        end = fill_local(np.array([dur]))
        if end["planted"]:
            pose = Pose(end["ts"][0], ("planted", end["hands"], float(end["flare"][0])))
        else:
            pose = Pose(end["ts"][0], ("free", {s: end["ang"][s][0] for s in SIDES}))
        self._add(dur, fill, pose, label)

    def pushup_set(self, st: PushupSet):
        st.t0 = self.t
        self.sets.append(st)
        for tt, strength in st.events():
            self.events.append((self.t + tt, strength))
        self.custom(st.duration, st.fill_local, f"set:{st.variant}")


# ============================================================================ push-up set

class PushupSet:
    """One set on planted hands: geometry from the hands, reps as quintic drop profiles."""

    def __init__(self, body: Body, sp: dict, x_w: float = 0.0):
        self.body, self.sp = body, sp
        self.variant = sp["variant"]
        self.t0 = 0.0
        L1, L2 = body.upper_arm, body.forearm
        dx, dy = sp["hand_dx"], sp["hand_dy"]
        self.x_w = x_w
        self.hands = {s: np.array([x_w, s * (body.shoulder_half + dy), body.wrist_height]) for s in SIDES}
        cd = math.cos(math.radians(sp["elbow_deficit_deg"]))
        r_top = math.sqrt(L1 * L1 + L2 * L2 + 2 * L1 * L2 * cd)
        self.z_top = body.wrist_height + math.sqrt(r_top ** 2 - dx * dx - dy * dy)
        if self.variant == "toe":
            self.h_p, self.L_leg = body.ball_height, body.leg_toe
        else:
            self.h_p, self.L_leg = body.knee_height, body.thigh
        self.sig0 = math.radians(sp["sag_hold_deg"])
        d0 = self._d(self.sig0, 0.0)
        th0 = math.asin((self.z_top - self.h_p) / d0)
        self.x_p = (x_w - dx) - d0 * math.cos(th0)
        self.flare_top = math.radians(sp["flare_top_deg"])
        self.flare_bot = math.radians(sp["flare_bottom_deg"])
        self._plan_reps()

    # -- geometry ---------------------------------------------------------------------------
    def _d(self, sig, gam):
        c = self.body.chord(gam)
        return np.sqrt(self.L_leg ** 2 + c * c + 2 * self.L_leg * c * np.cos(sig))

    def geom(self, drop, sig, gam):
        b = self.body
        c = b.chord(gam)
        d = self._d(sig, gam)
        zS = self.z_top - drop
        th = np.arcsin(np.clip((zS - self.h_p) / d, -1, 1))
        Sx = self.x_p + d * np.cos(th)
        al = np.arcsin(np.clip(c * np.sin(sig) / d, -1, 1))
        phl = th - al
        Hx = self.x_p + self.L_leg * np.cos(phl)
        Hz = self.h_p + self.L_leg * np.sin(phl)
        phc = np.arctan2(zS - Hz, Sx - Hx)
        plo = phc - gam
        Tx = Hx + b.lumbar_len * np.cos(plo)
        Tz = Hz + b.lumbar_len * np.sin(plo)
        pup = np.arctan2(zS - Tz, Sx - Tx)
        return {"Sx": Sx, "Sz": zS, "Hx": Hx, "Hz": Hz, "plo": plo, "pup": pup}

    def _max_drop(self, sig, gam, site_below):
        b = self.body
        drops = np.linspace(0.0, self.z_top - 0.03, 400)
        g = self.geom(drops, np.full_like(drops, sig), np.full_like(drops, gam))
        stern = g["Sz"] - site_below * np.sin(g["pup"]) - b.chest_depth * np.cos(g["pup"])
        Ss = np.stack([g["Sx"], np.full_like(drops, b.shoulder_half), g["Sz"]], axis=1)
        r = np.linalg.norm(Ss - self.hands[1][None, :], axis=1)
        L1, L2 = b.upper_arm, b.forearm
        r_min = math.sqrt(L1 * L1 + L2 * L2 - 2 * L1 * L2 * math.cos(math.radians(38)))
        ok = (stern >= 0.025) & (r >= r_min) & (g["Hz"] >= b.pelvis_depth)
        bad = np.flatnonzero(~ok)
        return float(drops[bad[0] - 1]) if len(bad) else float(drops[-1])

    # -- reps -------------------------------------------------------------------------------
    def _plan_reps(self):
        sp, b = self.sp, self.body
        reps = sp["reps"]
        n = len(reps)
        dsag_max = max([r["dsag_deg"] for r in reps], default=0.0)
        dip_max = max([r["dip_deg"] for r in reps], default=0.0)
        self.max_drop = self._max_drop(self.sig0 + math.radians(max(dsag_max, 0)), math.radians(dip_max),
                                       sp.get("site_below", 0.08))
        depths = [min(r["depth_frac"] * b.upper_arm, 0.97 * self.max_drop) for r in reps]
        self.depth_ref = float(np.median(depths)) if depths else 0.02
        kt, P, V, A, mid = [0.0], [0.0], [0.0], [0.0], [False]
        t = sp["hold_start_s"]
        self.rep_times = []
        prev_top_pause = True
        eps_prev = 0.0
        for i, r in enumerate(reps):
            D, Pb, Asc, Pt = r["descent_s"], r["pause_s"], r["ascent_s"], r["top_pause_s"]
            dep = depths[i]
            last = i == n - 1
            eps = 0.0 if last else min(r["top_eps_m"], 0.02 * dep)
            if prev_top_pause:
                kt.append(t); P.append(eps_prev); V.append(0.0); A.append(0.0); mid.append(False)
            td0 = t
            if r.get("desc_mid"):
                sm, q, vf = r["desc_mid"]
                kt.append(t + sm * D); P.append(eps_prev + q * (dep - eps_prev)); V.append(vf * (dep - eps_prev) / D)
                A.append(0.0); mid.append(True)
            tb = t + D
            if Pb < 0.02:
                Pb = 0.0
                ab = -min(r["bounce_k"] * dep / min(D, Asc) ** 2, 8.0)   # <= 8 m/s^2 at the bottom
                kt.append(tb); P.append(dep); V.append(0.0); A.append(ab); mid.append(False)
            else:
                kt.append(tb); P.append(dep); V.append(0.0); A.append(0.0); mid.append(False)
                drift = r["bottom_drift_m"]
                kt.append(tb + Pb); P.append(dep + drift); V.append(0.0); A.append(0.0); mid.append(False)
            ta = tb + Pb
            bottom = P[-1]
            if r.get("asc_mid"):
                sm, q, vf = r["asc_mid"]
                kt.append(ta + sm * Asc); P.append(bottom - q * (bottom - eps)); V.append(-vf * (bottom - eps) / Asc)
                A.append(0.0); mid.append(True)
            te = ta + Asc
            top_pause = last or Pt >= 0.02
            at = 0.0
            if not top_pause:
                nxt = reps[i + 1]
                at = min(r["top_k"] * dep / min(Asc, nxt["descent_s"]) ** 2, 5.0)
                Pt = 0.0
            kt.append(te); P.append(eps); V.append(0.0); A.append(at); mid.append(False)
            self.rep_times.append({"t_d0": td0, "t_b": tb, "t_a": ta, "t_e": te, "depth": dep})
            t = te + (0.0 if last else Pt)
            prev_top_pause = top_pause
            eps_prev = eps
        t_end = t + (sp["hold_end_s"] if n else 0.0)
        if not n:
            t_end = sp["hold_start_s"]
        kt.append(t_end); P.append(0.0); V.append(0.0); A.append(0.0); mid.append(False)
        self.duration = t_end
        self.kt, self.P, self.V, self.A = self._make_monotone(np.array(kt), np.array(P), np.array(V),
                                                             np.array(A), np.array(mid))
        # sag / dip gains vary smoothly from rep to rep (knots at the bottoms)
        if n:
            tb_k = [rt["t_b"] for rt in self.rep_times]
            self.sag_gain = (tb_k, [math.radians(r["dsag_deg"]) * self.depth_ref / max(d, 1e-3)
                                    for r, d in zip(reps, depths)])
            self.dip_gain = (tb_k, [math.radians(r["dip_deg"]) * (self.depth_ref / max(d, 1e-3)) ** 2
                                    for r, d in zip(reps, depths)])
            self.roll_gain = (tb_k, [math.radians(r["asym_roll_deg"]) for r in reps])
        else:
            self.sag_gain = self.dip_gain = self.roll_gain = ([0.0], [0.0])
        self.shifts = sp.get("shifts", [])

    @staticmethod
    def _make_monotone(kt, P, V, A, mid):
        """Drop every mid knot or soften end accelerations where a segment would overshoot."""
        for _ in range(10):
            bad = []
            s = np.linspace(0, 1, 81)
            for j in range(len(kt) - 1):
                if kt[j + 1] - kt[j] <= 1e-9:
                    continue
                tt = kt[j] + s * (kt[j + 1] - kt[j])
                p = hermite5(tt, kt[j:j + 2], P[j:j + 2], V[j:j + 2], A[j:j + 2])
                lo, hi = min(P[j], P[j + 1]), max(P[j], P[j + 1])
                tol = 1e-4 + 0.002 * (hi - lo)
                dp = np.diff(p)
                sgn = np.sign(P[j + 1] - P[j])
                if p.min() < lo - tol or p.max() > hi + tol or (sgn != 0 and np.any(sgn * dp < -1e-7)):
                    bad.append(j)
            if not bad:
                break
            for j in bad:
                for k in (j, j + 1):
                    if mid[k]:
                        mid[k] = False
                        V[k] = np.nan  # mark for deletion
                    else:
                        A[k] *= 0.5
            keep = ~np.isnan(V)
            kt, P, V, A, mid = kt[keep], P[keep], V[keep], A[keep], mid[keep]
        else:
            A[:] = 0.0
            keep = ~mid
            kt, P, V, A = kt[keep], P[keep], V[keep] * 0, A[keep]
        return kt, P, V, A

    def events(self):
        ev = []
        for rt, r in zip(self.rep_times, self.sp["reps"]):
            ev.append((rt["t_d0"] + 0.05, 0.25))
            ev.append((rt["t_a"], 1.1 if r["pause_s"] < 0.02 else 0.5))
            ev.append((rt["t_e"], r["lockout_kick"]))
        return ev

    def channels(self, tl):
        drop = hermite5(tl, self.kt, self.P, self.V, self.A)
        for sh in self.shifts:
            u = (tl - sh["t"]) / sh["dur"]
            drop = drop + sh["drop_m"] * _bump(u)
        x = drop / max(self.depth_ref, 1e-3)
        sg = hermite5(tl, *self.sag_gain) if len(self.sag_gain[0]) > 1 else np.full_like(tl, self.sag_gain[1][0])
        dg = hermite5(tl, *self.dip_gain) if len(self.dip_gain[0]) > 1 else np.full_like(tl, self.dip_gain[1][0])
        rg = hermite5(tl, *self.roll_gain) if len(self.roll_gain[0]) > 1 else np.full_like(tl, self.roll_gain[1][0])
        sig = self.sig0 + sg * x
        gam = dg * x * x
        roll = rg * x
        for sh in self.shifts:
            u = (tl - sh["t"]) / sh["dur"]
            sig = sig + math.radians(sh["sag_deg"]) * _bump(u)
            roll = roll + math.radians(sh["roll_deg"]) * _bump(u)
        flare = self.flare_top + (self.flare_bot - self.flare_top) * 1.2 * np.tanh(x / 1.2)
        return drop, sig, gam, roll, flare

    def fill_local(self, tl):
        tl = np.asarray(tl, float)
        drop, sig, gam, roll, flare = self.channels(tl)
        g = self.geom(drop, sig, gam)
        n = len(tl)
        ts = np.zeros((n, 8))
        ts[:, 0], ts[:, 2], ts[:, 3], ts[:, 4], ts[:, 6] = g["Hx"], g["Hz"], g["plo"], g["pup"], roll
        return {"ts": ts, "planted": True, "hands": self.hands, "flare": flare}

    def pose_at(self, tl: float) -> Pose:
        f = self.fill_local(np.array([tl]))
        return Pose(f["ts"][0], ("planted", self.hands, float(f["flare"][0])))

    @property
    def pivot(self):
        return np.array([self.x_p, self.h_p])


# ============================================================================ key poses

def quad_pose(body: Body, hands: dict, dy: float, flare: float, rng) -> Pose:
    """Hands and knees: thighs about vertical, arms straight under the shoulders."""
    L1, L2 = body.upper_arm, body.forearm
    dxq = rng.uniform(-0.03, 0.06)
    x_w = hands[1][0]
    Sx = x_w - dxq
    Sz = body.wrist_height + math.sqrt((0.985 * (L1 + L2)) ** 2 - dxq ** 2 - dy ** 2)
    Hz = body.knee_height + body.thigh * math.cos(math.radians(rng.uniform(0, 12)))
    gam = math.radians(rng.uniform(-6, 6))
    c = float(body.chord(gam))
    phc = math.asin(float(np.clip((Sz - Hz) / c, -0.9, 0.9)))
    Hx = Sx - c * math.cos(phc)
    plo = phc - gam
    Tx, Tz = Hx + body.lumbar_len * math.cos(plo), Hz + body.lumbar_len * math.sin(plo)
    pup = math.atan2(Sz - Tz, Sx - Tx)
    return Pose(np.array([Hx, 0, Hz, plo, pup, 0, 0, 0]), ("planted", hands, flare))


def kneel_pose(body: Body, x_knee: float, rng, arms=None) -> Pose:
    lean = math.radians(90 + rng.uniform(-8, 4))
    Hz = body.knee_height + body.thigh * math.cos(math.radians(rng.uniform(0, 10)))
    ts = np.array([x_knee + 0.03, 0, Hz, lean + math.radians(rng.uniform(-3, 3)), lean, 0, 0, 0])
    return Pose(ts, ("free", arms or {s: hanging_arms(rng) for s in SIDES}))


def stand_pose(body: Body, hx: float, rng, heading=0.0, arms=None) -> Pose:
    lean = math.radians(90 + rng.uniform(-3, 3))
    ts = np.array([hx, 0, body.hip_stand * rng.uniform(0.985, 1.0), lean + math.radians(rng.uniform(-2, 2)),
                   lean, heading, 0, 0])
    return Pose(ts, ("free", arms or {s: hanging_arms(rng) for s in SIDES}))


def lunge_via(body: Body, a: Pose, b: Pose, rng) -> Pose:
    ts = 0.5 * (a.ts + b.ts)
    ts[2] = min(a.ts[2], b.ts[2]) + 0.45 * abs(a.ts[2] - b.ts[2]) - 0.02
    ts[3] = ts[4] = math.radians(rng.uniform(72, 86))
    ts[6] = math.radians(rng.choice([-1, 1]) * rng.uniform(1.5, 5))
    return Pose(ts, a.arm)


def step_via(a: Pose, b: Pose, rng) -> Pose:
    ts = 0.5 * (a.ts + b.ts)
    ts[2] = max(a.ts[2], b.ts[2]) + rng.uniform(0.0, 0.05)
    ts[6] = math.radians(rng.choice([-1, 1]) * rng.uniform(1.5, 5))
    return Pose(ts, a.arm)


def reach_arms(rng) -> dict:
    out = {}
    for s in SIDES:
        th = math.radians(rng.uniform(-70, -50))
        out[s] = np.array([th, math.radians(8), 0.0, th + math.radians(10), math.radians(8), 0.0,
                           s * math.radians(rng.uniform(30, 70))])
    return out


# ============================================================================ parameters

def _sample_reps(rng, n, fatigue_time, fatigue_depth, fatigue_sag, base):
    reps = []
    for i in range(n):
        f = (i / (n - 1)) ** rng.uniform(1.0, 2.5) if n > 1 else 0.0
        jit = lambda: math.exp(rng.normal(0, 0.08))
        slow = 1 + fatigue_time * f
        D = float(np.clip(base["D"] * slow * jit(), 0.5, 3.0))
        A = float(np.clip(base["A"] * slow * jit(), 0.4, 2.0))
        Pb = 0.0 if base["Pb"] == 0 else float(np.clip(base["Pb"] * jit() * (1 + 0.3 * f), 0.03, 1.5))
        Pt = 0.0 if base["Pt"] == 0 else float(np.clip(base["Pt"] * jit() * (1 + 0.5 * f), 0.03, 1.5))
        depth = float(max(0.22, base["depth"] * (1 - fatigue_depth * f) * math.exp(rng.normal(0, 0.05))))
        reps.append({
            "descent_s": D, "pause_s": Pb, "ascent_s": A, "top_pause_s": Pt, "depth_frac": depth,
            "dsag_deg": float(base["dsag"] + fatigue_sag * f + rng.normal(0, 1.0)),
            "dip_deg": float(max(0.0, base["dip"] * (1 + 0.5 * f) + rng.normal(0, 0.5))),
            "asym_roll_deg": float(base["asym"] + rng.normal(0, 0.5)),
            "top_eps_m": float(rng.uniform(0, 0.012) * (0.3 + f)),
            "bottom_drift_m": float(rng.uniform(-0.008, 0.004)),
            "bounce_k": float(rng.uniform(1.5, 5.0)), "top_k": float(rng.uniform(1.0, 4.0)),
            "desc_mid": ([float(rng.uniform(0.35, 0.65)), 0.0, float(rng.uniform(1.15, 1.8))]
                         if rng.random() < 0.5 else None),
            "asc_mid": ([float(rng.uniform(0.35, 0.65)), 0.0, float(rng.uniform(1.15, 1.8))]
                        if rng.random() < 0.5 else None),
            "lockout_kick": float(rng.uniform(0.4, 1.5)),
        })
        for key in ("desc_mid", "asc_mid"):
            if reps[-1][key]:
                sm = reps[-1][key][0]
                reps[-1][key][1] = float(np.clip(sm + rng.uniform(-0.1, 0.1), 0.2, 0.8))
    # sag must stay within -25..25 deg overall (checked against the hold value by the caller)
    return reps


def sample_set(rng: np.random.Generator, variant: str | None = None, n_reps: int | None = None) -> dict:
    variant = variant or ("knee" if rng.random() < 0.3 else "toe")
    if n_reps is None:
        u = rng.random()
        n_reps = int(rng.integers(1, 5) if u < 0.22 else rng.integers(5, 13) if u < 0.85 else rng.integers(13, 21))
    base = {
        "D": math.exp(rng.uniform(math.log(0.5), math.log(3.0))),
        "A": math.exp(rng.uniform(math.log(0.4), math.log(2.0))),
        "Pb": 0.0 if rng.random() < 0.35 else float(rng.uniform(0.05, 1.5)),
        "Pt": 0.0 if rng.random() < 0.3 else float(rng.uniform(0.05, 1.5)),
    }
    u = rng.random()
    base["depth"] = rng.uniform(0.25, 0.65) if u < 0.2 else rng.uniform(0.75, 1.15) if u < 0.65 else rng.uniform(1.15, 1.6)
    sag_hold = float(np.clip(rng.normal(0, 4) if rng.random() < 0.6 else rng.uniform(-22, 22), -25, 25))
    base["dsag"] = float(rng.uniform(-4, 8))
    base["dip"] = float(rng.uniform(0, 12) if rng.random() < 0.5 else rng.uniform(0, 3))
    base["asym"] = float(rng.normal(0, 1.5))
    fat_t = float(rng.uniform(0, 0.7)) if rng.random() < 0.6 else 0.0
    fat_d = float(rng.uniform(0, 0.35)) if rng.random() < 0.5 else 0.0
    fat_s = float(rng.uniform(0, 10)) if rng.random() < 0.4 else 0.0
    reps = _sample_reps(rng, n_reps, fat_t, fat_d, fat_s, base)
    for r in reps:  # keep the hip angle within -25..+25 deg
        r["dsag_deg"] = float(np.clip(sag_hold + r["dsag_deg"], -25, 25) - sag_hold)
    flare_top = float(rng.uniform(0, 45))
    return {
        "variant": variant, "reps": reps, "sag_hold_deg": sag_hold,
        "hold_start_s": float(rng.uniform(0.8, 5.0)), "hold_end_s": float(rng.uniform(0.5, 3.0)),
        "hand_dx": float(rng.uniform(-0.06, 0.10)), "hand_dy": float(rng.uniform(0.0, 0.14)),
        "elbow_deficit_deg": float(rng.uniform(6, 18)),
        "flare_top_deg": flare_top, "flare_bottom_deg": float(min(80.0, flare_top + rng.uniform(0, 35))),
        "fatigue": {"time": fat_t, "depth": fat_d, "sag_deg": fat_s},
    }


def _sample_sensor(rng) -> dict:
    fs = float(rng.choice(VENDOR_RATES, p=VENDOR_RATE_P))
    loss = rng.random() < 0.5
    return {
        "rate_hz": fs,
        "model": str(rng.choice(["strap-a", "pod-b", "watch-c", "devkit-d"])),
        "acc_range_g": float(rng.choice([2, 4, 8, 16], p=[0.1, 0.3, 0.35, 0.25])),
        "gyr_range_dps": float(rng.choice([250, 500, 1000, 2000], p=[0.15, 0.25, 0.25, 0.35])),
        "acc_bits": int(rng.choice([16, 12], p=[0.85, 0.15])),
        "acc_bias": rng.uniform(-0.1, 0.1, 3).tolist(),
        "acc_bias_slope": rng.uniform(-5e-4, 5e-4, 3).tolist(),          # m/s^2 per s
        "gyr_bias": rng.uniform(-1.0, 1.0, 3).tolist(),
        "gyr_bias_slope": rng.uniform(-3e-3, 3e-3, 3).tolist(),          # deg/s per s
        "gyr_rw": float(rng.uniform(0, 0.01)),                            # deg/s/sqrt(s)
        "acc_scale": (1 + rng.normal(0, 0.01, 3)).tolist(),
        "gyr_scale": (1 + rng.normal(0, 0.01, 3)).tolist(),
        "acc_misalign": rng.normal(0, 0.004, 3).tolist(),
        "gyr_misalign": rng.normal(0, 0.004, 3).tolist(),
        "acc_noise": float(rng.uniform(0.005, 0.05)),
        "gyr_noise": float(rng.uniform(0.03, 0.3)),
        "lp_frac": float(rng.uniform(0.22, 0.45)),
        "jitter_frac": 0.0 if rng.random() < 0.5 else float(rng.uniform(0.02, 0.15)),
        "loss_per_min": float(rng.uniform(0.5, 8.0)) if loss else 0.0,
        "start_delay_s": float(rng.uniform(0, 0.3)), "end_early_s": float(rng.uniform(0, 0.3)),
    }


def _random_rotation(rng) -> np.ndarray:
    q = rng.normal(size=4)
    q /= np.linalg.norm(q)
    w, x, y, z = q
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                     [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                     [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])


def _sample_mount(rng) -> dict:
    if rng.random() < 0.15:
        return {"mode": "random", "R": _random_rotation(rng).tolist()}
    return {"mode": "plausible", "quarter": int(rng.integers(0, 4)), "delta_deg": float(rng.uniform(-15, 15)),
            "face_in": bool(rng.random() < 0.15)}


def sample_params(rng: np.random.Generator) -> dict:
    """Draw one varied session: person, protocol or distractor, sets, sensors, mounting, clock."""
    p: dict[str, Any] = {}
    p["height_m"] = float(np.clip(rng.normal(1.73, 0.09), 1.50, 1.98))
    p["body_variation"] = {k: float(np.clip(1 + rng.normal(0, 0.03), 0.92, 1.08)) for k in SEGMENT_FRACTIONS}
    p["kind"] = "pushups" if rng.random() < 0.78 else str(rng.choice(DISTRACTORS))
    p["protocol"] = str(rng.choice(PROTOCOLS, p=[0.35, 0.25, 0.2, 0.2]))
    n_sets = int(rng.integers(2, 4)) if p["protocol"] == "d" else 1
    p["sets"] = [sample_set(rng) for _ in range(n_sets)]
    p["rest_posture"] = str(rng.choice(["standing", "kneeling"]))
    p["rest_s"] = [float(rng.uniform(5, 25)) for _ in range(n_sets - 1)]
    p["end_b"] = str(rng.choice(["plank", "knees"]))
    p["start_c"] = str(rng.choice(["kneel", "quad"]))
    p["sites"] = {
        "chest": {"below_m": float(rng.uniform(0.04, 0.12)), "depth_scale": float(rng.uniform(0.9, 1.1)),
                  "lateral_m": float(rng.uniform(-0.02, 0.02))},
        "lumbar": {"along_m": float(rng.uniform(0.06, 0.16)), "dorsal_m": float(rng.uniform(0.07, 0.11)),
                   "lateral_m": float(rng.uniform(-0.02, 0.02))},
        "upper_arm": {"along_frac": float(rng.uniform(0.35, 0.65)), "radial_m": float(rng.uniform(0.035, 0.055))},
        "wrist": {"along_m": float(rng.uniform(0.02, 0.06)), "dorsal_m": float(rng.uniform(0.015, 0.03))},
    }
    for s in p["sets"]:
        s["site_below"] = p["sites"]["chest"]["below_m"]
    p["upper_arm_side"] = int(rng.choice(SIDES))
    p["wrist_side"] = int(rng.choice(SIDES))
    p["mount"] = {pl: _sample_mount(rng) for pl in PLACEMENTS}
    p["sensors"] = {pl: _sample_sensor(rng) for pl in PLACEMENTS}
    p["sway"] = {"roll_deg": float(rng.uniform(0.4, 2.0)), "yaw_deg": float(rng.uniform(0.3, 1.5))}
    p["breath"] = {"rate_hz": float(rng.uniform(0.2, 0.5)), "amp_m": float(rng.uniform(0.001, 0.004)),
                   "pitch_deg": float(rng.uniform(0.1, 0.8))}
    p["wobble"] = {pl: {"freq_hz": float(rng.uniform(8, 20)), "zeta": float(rng.uniform(0.08, 0.3)),
                        "trans_mps": float(rng.uniform(0.002, 0.012)) * {"upper_arm": 1.5, "wrist": 0.5}.get(pl, 1.0),
                        "rot_radps": float(rng.uniform(0.03, 0.25)) * {"upper_arm": 1.3, "wrist": 0.6}.get(pl, 1.0),
                        "width_s": float(rng.uniform(0.006, 0.015))} for pl in PLACEMENTS}
    u = rng.random()
    p["clock"] = {"offset_s": 0.0 if u < 0.4 else float(rng.uniform(0, 100)) if u < 0.7 else float(rng.uniform(1e3, 1e5)),
                  "ppm": float(rng.normal(0, 30))}
    p["gravity"] = float(rng.uniform(9.78, 9.832))
    p["distractor"] = {"walk_s": float(rng.uniform(15, 45)), "step_hz": float(rng.uniform(1.6, 2.1)),
                       "step_len_m": float(rng.uniform(0.55, 0.8)), "n_cycles": int(rng.integers(3, 12)),
                       "hold_s": float(rng.uniform(15, 45))}
    return p


# ============================================================================ session builder

def _make_set(body, sp, x_w=0.0):
    return PushupSet(body, sp, x_w)


def _enter_plank(plan: Plan, body: Body, st: PushupSet, rng, start: str):
    """From standing / kneeling / quadruped (start) to the set's top pose."""
    quad = quad_pose(body, st.hands, st.sp["hand_dy"], st.flare_top, rng)
    x_knee = quad.ts[0] - 0.02
    kneel = kneel_pose(body, x_knee, rng)
    if start == "stand":
        stand = stand_pose(body, x_knee + rng.uniform(0.1, 0.35), rng)
        if plan.pose is None:
            plan.start(stand)
            plan.hold(rng.uniform(1.5, 5.0), "stand")
        else:
            plan.move(stand, rng.uniform(1.5, 3.0), label="walk-back")
        plan.move(kneel, rng.uniform(1.5, 3.0), via=[(0.5, lunge_via(body, plan.pose, kneel, rng))],
                  label="kneel-down", event_end=1.0)
        plan.hold(rng.uniform(0.2, 1.5), "kneel")
    elif start == "kneel":
        if plan.pose is None:
            plan.start(kneel)
            plan.hold(rng.uniform(1.0, 4.0), "kneel")
        else:
            plan.move(kneel, rng.uniform(1.0, 2.0), label="to-kneel")
    if start in ("stand", "kneel"):
        plan.move(quad, rng.uniform(1.0, 2.2), arm_via=[(0.55, reach_arms(rng))], label="hands-down", event_end=1.5)
        plan.hold(rng.uniform(0.3, 2.0), "quad")
    elif start == "quad":
        if plan.pose is None:
            plan.start(quad)
            plan.hold(rng.uniform(1.0, 4.0), "quad")
        else:
            plan.move(quad, rng.uniform(0.8, 1.5), label="to-quad")
    top = st.pose_at(0.0)
    if st.variant == "toe":
        plan.move(top, rng.uniform(1.2, 2.8), via=[(0.5, step_via(plan.pose, top, rng))], label="to-plank",
                  event_end=0.6)
    else:
        plan.move(top, rng.uniform(0.8, 1.8), label="to-knee-plank", event_end=0.3)


def _leave_plank(plan: Plan, body: Body, st: PushupSet, rng, to: str):
    """From the plank to knees (quadruped), kneeling, or standing."""
    quad = quad_pose(body, st.hands, st.sp["hand_dy"], st.flare_top, rng)
    plan.move(quad, rng.uniform(0.8, 2.0), label="knees-down", event_end=0.8)
    plan.hold(rng.uniform(0.3, 2.0), "quad")
    if to == "quad":
        return
    kneel = kneel_pose(body, quad.ts[0] - 0.02, rng)
    plan.move(kneel, rng.uniform(1.0, 2.0), arm_via=[(0.45, reach_arms(rng))], label="hands-up")
    if to == "kneel":
        return
    plan.hold(rng.uniform(0.2, 1.0), "kneel")
    stand = stand_pose(body, kneel.ts[0] + rng.uniform(0.1, 0.35), rng)
    plan.move(stand, rng.uniform(1.5, 3.0), via=[(0.5, lunge_via(body, plan.pose, stand, rng))], label="stand-up")


def build_plan(params: dict, body: Body, rng: np.random.Generator) -> Plan:
    plan = Plan(body, rng)
    kind = params["kind"]
    if kind == "pushups":
        proto = params["protocol"]
        sets = params["sets"]
        x_w = 0.0
        for k, sp in enumerate(sets):
            st = _make_set(body, sp, x_w)
            if k == 0:
                start = {"a": "stand", "b": None, "c": params.get("start_c", "kneel"), "d": "stand"}[proto]
                if proto == "d" and rng.random() < 0.4:
                    start = "kneel"
            else:
                start = "stand" if params["rest_posture"] == "standing" else "kneel"
            if start is None:
                plan.start(st.pose_at(0.0))
            else:
                _enter_plank(plan, body, st, rng, start)
            plan.pushup_set(st)
            last = k == len(sets) - 1
            if not last:
                to = "stand" if params["rest_posture"] == "standing" else "kneel"
                _leave_plank(plan, body, st, rng, to)
                plan.hold(params["rest_s"][k], f"rest-{to}")
                x_w += float(rng.uniform(-0.2, 0.2))
            elif proto == "b":
                if params.get("end_b", "plank") == "knees":
                    _leave_plank(plan, body, st, rng, "quad")
            elif proto == "c":
                _leave_plank(plan, body, st, rng, "stand" if rng.random() < 0.5 else "kneel")
                plan.hold(rng.uniform(0.5, 3.0), "end")
            else:
                _leave_plank(plan, body, st, rng, "stand")
                plan.hold(rng.uniform(1.0, 4.0), "stand")
        return plan
    dp = params["distractor"]
    if kind == "walking":
        _walking(plan, body, rng, dp)
    elif kind == "squats":
        _squats(plan, body, rng, dp)
    elif kind == "sit_stand":
        _sit_stand(plan, body, rng, dp)
    elif kind == "plank_hold":
        _plank_hold(plan, body, rng, dp, params)
    elif kind == "prone_getup":
        _prone_getup(plan, body, rng, dp)
    else:
        raise ValueError(f"unknown kind {kind!r}")
    return plan


def _walking(plan: Plan, body: Body, rng, dp):
    stand = stand_pose(body, 0.0, rng)
    plan.start(stand)
    plan.hold(rng.uniform(1.5, 4.0), "stand")
    dur = dp["walk_s"]
    f = dp["step_hz"]
    v = dp["step_len_m"] * f
    ramp = 1.5
    n_turns = int(rng.integers(0, 3))
    turn_t = sorted(rng.uniform(0.25, 0.8, n_turns) * dur)
    turn_dir = [float(rng.choice([-1, 1])) for _ in turn_t]
    az = rng.uniform(0.03, 0.05)
    sw = math.radians(rng.uniform(12, 25))
    flex = math.radians(rng.uniform(10, 30))
    base_ts = stand.ts.copy()
    base_ang = {s: _static_arm_angles(body, stand, s) for s in SIDES}
    ph0 = rng.uniform(0, 2 * np.pi)
    dt = 1e-3

    def fill_local(tl):
        # integrate on a private fine grid so the positions stay exact for any caller's samples
        tg = np.arange(0.0, dur + 2 * dt, dt)
        env = _smoothstep5(tg / ramp) * _smoothstep5((dur - tg) / ramp)
        head = np.zeros_like(tg)
        slow = np.zeros_like(tg)
        for tt, sd in zip(turn_t, turn_dir):
            head += sd * np.pi * _smoothstep5((tg - tt) / 1.6)
            slow += _bump((tg - tt + 0.2) / 2.0)
        speed = v * env * (1 - 0.7 * slow)
        x = np.concatenate([[0.0], np.cumsum(0.5 * (speed[1:] * np.cos(head[1:]) + speed[:-1] * np.cos(head[:-1])) * dt)])
        y = np.concatenate([[0.0], np.cumsum(0.5 * (speed[1:] * np.sin(head[1:]) + speed[:-1] * np.sin(head[:-1])) * dt)])
        ph = 2 * np.pi * f * tg + ph0
        lat = 0.02 * env * np.sin(ph / 2)
        cols = {}
        cols[0] = base_ts[0] + x - lat * np.sin(head)
        cols[1] = base_ts[1] + y + lat * np.cos(head)
        cols[2] = base_ts[2] - az * env * (0.5 * (1 + np.cos(ph)) + 0.18 * np.cos(2 * ph + 0.6)) - 0.01 * env
        pitch = math.radians(-2) * env + math.radians(1.0) * env * np.sin(ph)
        cols[3] = base_ts[3] + pitch
        cols[4] = base_ts[4] + pitch
        cols[5] = base_ts[5] + head
        cols[6] = math.radians(2.0) * env * np.sin(ph / 2)
        cols[7] = math.radians(4.0) * env * np.sin(ph / 2 + 0.3)
        ts = np.stack([np.interp(tl, tg, cols[k]) for k in range(8)], axis=1)
        ang = {}
        for s in SIDES:
            swing = sw * np.interp(tl, tg, env * np.sin(ph / 2 + (0 if s == 1 else np.pi)))
            a = np.repeat(base_ang[s][None, :], len(tl), axis=0)
            a[:, 0] += swing
            a[:, 3] += swing * 1.2 + flex * np.interp(tl, tg, env)
            ang[s] = a
        return {"ts": ts, "planted": False, "ang": ang}
    t0 = plan.t
    n_steps = int(dur * f)
    for k in range(n_steps):
        tt = (k + 0.3) / f
        e = float(_smoothstep5(tt / ramp) * _smoothstep5((dur - tt) / ramp))
        if e > 0.3:
            plan.events.append((t0 + tt, float(e * rng.uniform(1.4, 2.6))))
    plan.custom(dur, fill_local, "walking")
    plan.hold(rng.uniform(1.5, 4.0), "stand")


def _squats(plan: Plan, body: Body, rng, dp):
    stand = stand_pose(body, 0.0, rng)
    plan.start(stand)
    plan.hold(rng.uniform(1.5, 4.0), "stand")
    style = rng.choice(["forward", "counter"])
    fwd = {}
    for s in SIDES:
        th = math.radians(rng.uniform(-15, 5))
        fwd[s] = np.array([th, math.radians(10), 0.0, th + math.radians(rng.uniform(0, 20)), math.radians(5), 0.0,
                           s * math.radians(80)])
    top = Pose(stand.ts.copy(), ("free", fwd if style == "forward" else stand.arm[1]))
    if style == "forward":
        plan.move(top, rng.uniform(0.8, 1.5), label="arms-up")
    depth = rng.uniform(0.18, 0.40) * body.height / 1.75
    n = int(rng.integers(4, 15))
    D, A, P = rng.uniform(0.8, 1.8), rng.uniform(0.6, 1.3), rng.uniform(0.0, 0.6)
    for i in range(n):
        bot_ts = stand.ts.copy()
        bot_ts[0] -= rng.uniform(0.10, 0.20)
        bot_ts[2] -= depth * rng.uniform(0.9, 1.05)
        bot_ts[3] = bot_ts[4] = math.radians(90 - rng.uniform(25, 45))
        arms = fwd if style == "forward" else {s: np.array([math.radians(rng.uniform(-40, -10)), math.radians(8), 0.0,
                                                            math.radians(rng.uniform(-30, 0)), math.radians(8), 0.0,
                                                            s * math.radians(60)]) for s in SIDES}
        bot = Pose(bot_ts, ("free", arms))
        plan.move(bot, D * rng.uniform(0.9, 1.1), label="squat-down")
        if P > 0.05:
            plan.hold(P, "squat-bottom")
        plan.move(top, A * rng.uniform(0.9, 1.1), label="squat-up")
        plan.events.append((plan.t, 0.5))
        plan.hold(rng.uniform(0.05, 1.0), "stand")
    if style == "forward":
        plan.move(stand, rng.uniform(0.8, 1.5), label="arms-down")
    plan.hold(rng.uniform(1.0, 3.0), "stand")


def _sit_stand(plan: Plan, body: Body, rng, dp):
    stand = stand_pose(body, 0.0, rng)
    plan.start(stand)
    plan.hold(rng.uniform(1.5, 4.0), "stand")
    seat = 0.245 * body.height * rng.uniform(0.9, 1.1)
    for i in range(dp["n_cycles"] // 2 + 2):
        sit_ts = stand.ts.copy()
        sit_ts[0] -= rng.uniform(0.12, 0.2)
        sit_ts[2] = seat + 0.09
        sit_ts[3] = math.radians(rng.uniform(92, 102))
        sit_ts[4] = sit_ts[3] + math.radians(rng.uniform(-4, 4))
        arms = {s: np.array([math.radians(rng.uniform(-85, -70)), math.radians(8), 0.0, math.radians(rng.uniform(-25, -5)),
                             math.radians(5), 0.0, s * math.radians(80)]) for s in SIDES}
        sit = Pose(sit_ts, ("free", arms))
        lean = Pose(0.5 * (stand.ts + sit_ts), ("free", arms))
        lean.ts[3] = lean.ts[4] = math.radians(rng.uniform(52, 68))
        plan.move(sit, rng.uniform(1.2, 2.5), via=[(0.55, lean)], label="sit-down", event_end=1.5)
        plan.hold(rng.uniform(1.5, 6.0), "sit")
        up = stand_pose(body, stand.ts[0], rng)
        lean2 = lean.copy()
        lean2.ts[3] = lean2.ts[4] = math.radians(rng.uniform(50, 65))
        plan.move(up, rng.uniform(1.0, 2.2), via=[(0.4, lean2)], label="stand-up")
        plan.hold(rng.uniform(1.0, 5.0), "stand")


def _plank_hold(plan: Plan, body: Body, rng, dp, params):
    sp = sample_set(rng, n_reps=0)
    sp["variant"] = params["sets"][0]["variant"] if params.get("sets") else sp["variant"]
    hold = dp["hold_s"]
    sp["hold_start_s"] = hold
    shifts = []
    t = rng.uniform(2.0, 4.0)
    while t < hold - 3.0:
        dur = rng.uniform(1.0, 3.0)
        shifts.append({"t": float(t), "dur": float(dur), "drop_m": float(rng.uniform(-0.008, 0.02)),
                       "sag_deg": float(rng.uniform(-5, 5)), "roll_deg": float(rng.uniform(-4, 4))})
        t += dur + rng.uniform(1.0, 6.0)
    sp["shifts"] = shifts
    sp["site_below"] = params["sites"]["chest"]["below_m"]
    st = _make_set(body, sp, 0.0)
    _enter_plank(plan, body, st, rng, str(rng.choice(["stand", "kneel", "quad"])))
    plan.pushup_set(st)
    _leave_plank(plan, body, st, rng, str(rng.choice(["stand", "quad"])))
    plan.hold(rng.uniform(1.0, 3.0), "end")


def _prone_getup(plan: Plan, body: Body, rng, dp):
    dy = rng.uniform(0.08, 0.16)
    hands = {s: np.array([0.0, s * (body.shoulder_half + dy), body.wrist_height]) for s in SIDES}
    flare = math.radians(rng.uniform(30, 70))
    quad = quad_pose(body, hands, dy, flare, rng)
    kneel = kneel_pose(body, quad.ts[0] - 0.02, rng)
    stand = stand_pose(body, kneel.ts[0] + rng.uniform(0.1, 0.35), rng)
    plan.start(stand)
    plan.hold(rng.uniform(1.5, 4.0), "stand")
    plan.move(kneel, rng.uniform(1.5, 3.0), via=[(0.5, lunge_via(body, stand, kneel, rng))], label="kneel-down",
              event_end=1.0)
    plan.move(quad, rng.uniform(1.0, 2.2), arm_via=[(0.55, reach_arms(rng))], label="hands-down", event_end=1.5)
    plan.hold(rng.uniform(0.3, 1.5), "quad")
    # prone: chest on the floor, hands beside the chest
    Sz = body.chest_depth + 0.012
    Hz = body.pelvis_depth + 0.01
    c = float(body.chord(0.0))
    phc = math.asin((Sz - Hz) / c)
    Sx = hands[1][0] + rng.uniform(0.05, 0.12)
    prone_ts = np.array([Sx - c * math.cos(phc), 0, Hz, phc, phc, 0, 0, 0])
    prone = Pose(prone_ts, ("planted", hands, flare + math.radians(10)))
    plan.move(prone, rng.uniform(1.5, 3.5), label="lie-down", event_end=1.0)
    plan.hold(rng.uniform(3.0, 10.0), "prone")
    cobra = prone.copy()
    cobra.ts[4] = math.radians(rng.uniform(15, 30))
    cobra.ts[3] = math.radians(rng.uniform(0, 8))
    plan.move(quad, rng.uniform(1.5, 3.0), via=[(0.4, cobra)], label="get-up")
    plan.hold(rng.uniform(0.3, 1.5), "quad")
    plan.move(kneel, rng.uniform(1.0, 2.0), arm_via=[(0.45, reach_arms(rng))], label="hands-up")
    plan.move(stand, rng.uniform(1.5, 3.0), via=[(0.5, lunge_via(body, kneel, stand, rng))], label="stand-up")
    plan.hold(rng.uniform(1.0, 3.0), "stand")


# ============================================================================ overlays

def _smooth_noise(t, rng, amp, fmin, fmax, k=4):
    """Sum of k sinusoids (random frequency and phase) with RMS ``amp``."""
    out = np.zeros_like(t)
    for _ in range(k):
        out += np.sin(2 * np.pi * rng.uniform(fmin, fmax) * t + rng.uniform(0, 2 * np.pi))
    return amp * out / math.sqrt(k / 2)


def _oscillator(t, kicks, freq, zeta, width):
    """Damped oscillator response x(t) to smooth (Gaussian) velocity kicks [(t, J)]; C-infinity."""
    dt = t[1] - t[0]
    u = np.zeros_like(t)
    for tk, J in kicks:
        i0 = max(0, int((tk - 5 * width - t[0]) / dt))
        i1 = min(len(t), int((tk + 5 * width - t[0]) / dt) + 2)
        if i1 <= i0:
            continue
        tt = t[i0:i1]
        u[i0:i1] += J * np.exp(-0.5 * ((tt - tk) / width) ** 2) / (width * math.sqrt(2 * np.pi))
    w = 2 * np.pi * freq
    b, a = signal.bilinear([1.0], [1.0, 2 * zeta * w, w * w], fs=1.0 / dt)
    return signal.lfilter(b, a, u)


# ============================================================================ simulate

@dataclass
class AltSession:
    recordings: dict
    truth: dict
    params: dict
    dense: dict | None = None


def _surface_frame(pl: str) -> np.ndarray:
    """Columns x_s, y_s, z_s (z_s = skin normal, outward) in the segment's coordinates."""
    z, x = {"chest": ((1, 0, 0), (0, 0, 1)), "lumbar": ((-1, 0, 0), (0, 0, 1)),
            "upper_arm": ((0, 1, 0), (-1, 0, 0)), "wrist": ((0, 1, 0), (1, 0, 0))}[pl]
    z, x = np.array(z, float), np.array(x, float)
    return np.stack([x, np.cross(z, x), z], axis=1)


def _mount_matrix(m: dict) -> np.ndarray:
    if m["mode"] == "random":
        return np.array(m["R"], float)
    R = _rz(np.array(math.radians(90 * m["quarter"] + m["delta_deg"])))
    if m["face_in"]:
        R = R @ _rx(np.array(np.pi))
    return R


def simulate(seed: int, **overrides) -> AltSession:
    """Simulate one session. ``overrides`` replace sampled parameters; conveniences:

    kind, protocol, variant (all sets), n_reps (all sets, resampled), rate_hz (all sensors),
    placements (tuple), ideal_sensors=True (no sensor errors/loss/jitter/filter), keep_dense=True.
    """
    rng = np.random.default_rng(seed)
    params = sample_params(rng)
    ideal = bool(overrides.pop("ideal_sensors", False))
    keep_dense = bool(overrides.pop("keep_dense", False))
    placements = tuple(overrides.pop("placements", PLACEMENTS))
    rate = overrides.pop("rate_hz", None)
    variant = overrides.pop("variant", None)
    n_reps = overrides.pop("n_reps", None)
    params.update(overrides)
    if n_reps is not None:
        rr = np.random.default_rng([seed, 3])
        params["sets"] = [sample_set(rr, variant=s["variant"], n_reps=int(n_reps)) | {"site_below": s["site_below"]}
                          for s in params["sets"]]
    if variant is not None:
        for s in params["sets"]:
            s["variant"] = variant
    if rate is not None:
        for pl in PLACEMENTS:
            params["sensors"][pl]["rate_hz"] = float(rate)
    body = make_body(params["height_m"], params["body_variation"])
    params["_body"] = body
    params["_seed"] = seed
    plan = build_plan(params, body, np.random.default_rng([seed, 7]))
    sides = sorted({params["upper_arm_side"] for _ in [0] if "upper_arm" in placements}
                   | {params["wrist_side"] for _ in [0] if "wrist" in placements})
    world = _kinematics(plan, params, body, np.random.default_rng([seed, 9]),
                        max(params["sensors"][pl]["rate_hz"] for pl in placements), tuple(sides))
    truth = _truth(plan, world, params, body)
    rng_n = np.random.default_rng([seed, 11])
    recs = {}
    for pl in placements:
        recs[pl] = _sample_sensor_stream(pl, world, params, rng_n, ideal, seed)
    dense = world if keep_dense else None
    return AltSession(recordings=recs, truth=truth, params=params, dense=dense)


def _kinematics(plan: Plan, params: dict, body: Body, rng, max_rate, sides=SIDES) -> dict:
    fs = 1000.0 if max_rate > 120 else 500.0
    dt = 1.0 / fs
    T = plan.t
    n = math.floor(T / dt) + 1
    t = np.arange(n) * dt
    ts = np.zeros((n, 8))
    planted = np.zeros(n, bool)
    hand_id = np.full(n, -1)
    hand_list: list[dict] = []
    flare = np.zeros(n)
    ang = {s: np.full((n, 7), np.nan) for s in SIDES}
    for b in plan.blocks:
        i0 = math.ceil(b.t0 / dt - 1e-9)
        i1 = min(n, math.ceil(b.t1 / dt - 1e-9)) if b is not plan.blocks[-1] else n
        if i1 <= i0:
            continue
        out = b.fill(t[i0:i1])
        ts[i0:i1] = out["ts"]
        if out["planted"]:
            planted[i0:i1] = True
            flare[i0:i1] = out["flare"]
            hand_id[i0:i1] = len(hand_list)
            hand_list.append(out["hands"])
        else:
            for s in SIDES:
                ang[s][i0:i1] = out["ang"][s]
    # -- overlays: sway, breathing ---------------------------------------------------------
    sw = params["sway"]
    roll = _smooth_noise(t, rng, math.radians(sw["roll_deg"]), 0.04, 0.35)
    yaw = _smooth_noise(t, rng, math.radians(sw["yaw_deg"]), 0.04, 0.3)
    br = params["breath"]
    fb = br["rate_hz"] * (1 + 0.15 * np.sin(2 * np.pi * rng.uniform(0.01, 0.04) * t + rng.uniform(0, 6.3)))
    phase = 2 * np.pi * np.cumsum(fb) * dt + rng.uniform(0, 2 * np.pi)
    breath = np.sin(phase)
    flare = flare + _smooth_noise(t, rng, math.radians(1.5), 0.1, 0.8)
    H, Tj, S, R_lo, R_up = trunk_chain(body, ts, roll, yaw)
    # -- arms: IK where planted, C2 splice into the free intervals --------------------------
    L1, L2 = body.upper_arm, body.forearm
    arms = {}
    for s in sides:
        Ss = S + s * body.shoulder_half * R_up[:, :, 1]
        A = ang[s].copy()
        for k, hd in enumerate(hand_list):   # one planted block at a time
            sel = hand_id == k
            A[sel] = arm_ik(Ss[sel], hd[s], flare[sel], s, L1, L2)
        A = np.unwrap(A, axis=0)
        A = _splice(t, A, planted)
        R_ua, R_fa, R_wr = _arm_frames(A, s, ts[:, 5])
        E = Ss + L1 * R_ua[:, :, 0]
        W = E + L2 * R_fa[:, :, 0]
        arms[s] = {"S": Ss, "E": E, "W": W, "R_ua": R_ua, "R_fa": R_fa, "R_wr": R_wr, "ang": A}
    return {"t": t, "dt": dt, "ts": ts, "H": H, "T": Tj, "S": S, "R_lo": R_lo, "R_up": R_up, "arms": arms,
            "breath": breath, "planted": planted, "events": list(plan.events), "labels": plan.labels}


def _splice(t, A, planted, fade=0.6):
    """Make the free-arm angles join the planted (IK) angles with equal value, rate and curvature."""
    if not planted.any() or planted.all():
        return A
    A = A.copy()
    dt = t[1] - t[0]
    nf = int(fade / dt)
    edges = np.flatnonzero(np.diff(planted.astype(int)))
    for e in edges:  # boundary between e and e+1
        if planted[e] and not planted[e + 1]:       # planted -> free: free starts at e+1
            if e < 2:
                continue
            p_t = A[e] + (A[e] - A[e - 1])           # IK extrapolated one step
            v_t = (A[e] - A[e - 1]) / dt
            a_t = (A[e] - 2 * A[e - 1] + A[e - 2]) / dt ** 2
            j = e + 1
            end = min(len(t), j + nf)
            free_end = j + np.argmax(planted[j:]) if planted[j:].any() else len(t)
            end = min(end, j + max(2, (free_end - j) // 2))
            if end - j < 3:
                continue
            v_f = (A[j + 1] - A[j]) / dt
            a_f = (A[j + 2] - 2 * A[j + 1] + A[j]) / dt ** 2
            kt = [t[j], t[end - 1]]
            P = np.array([p_t - A[j], np.zeros(7)])
            V = np.array([v_t - v_f, np.zeros(7)])
            Acc = np.array([a_t - a_f, np.zeros(7)])
            A[j:end] += hermite5(t[j:end], kt, P, V, Acc)
        elif not planted[e] and planted[e + 1]:     # free -> planted: free ends at e
            j = e + 1
            if j + 2 >= len(t):
                continue
            p_t = A[j] - (A[j + 1] - A[j])
            v_t = (A[j + 1] - A[j]) / dt
            a_t = (A[j + 2] - 2 * A[j + 1] + A[j]) / dt ** 2
            start_free = (np.flatnonzero(planted[:e + 1])[-1] + 1) if planted[:e + 1].any() else 0
            beg = max(0, e - nf, e - max(2, (e - start_free) // 2))
            if e - beg < 3:
                continue
            v_f = (A[e] - A[e - 1]) / dt
            a_f = (A[e] - 2 * A[e - 1] + A[e - 2]) / dt ** 2
            kt = [t[beg], t[e]]
            P = np.array([np.zeros(7), p_t - A[e]])
            V = np.array([np.zeros(7), v_t - v_f])
            Acc = np.array([np.zeros(7), a_t - a_f])
            A[beg:e + 1] += hermite5(t[beg:e + 1], kt, P, V, Acc)
    return A


def _sensor_pose(pl: str, world: dict, params: dict, body: Body | None = None, with_wobble=True, rng=None):
    """Position (N,3) and orientation (N,3,3) of the sensor; plus the wobble-free reference point."""
    site = params["sites"][pl]
    t = world["t"]
    n = len(t)
    br = params["breath"]
    b = world["breath"]
    if pl == "chest":
        R_seg = world["R_up"]
        anchor = world["S"]
        off = np.zeros((n, 3))
        off[:, 0] = params["_body"].chest_depth * site["depth_scale"] + br["amp_m"] * b
        off[:, 1] = site["lateral_m"]
        off[:, 2] = -site["below_m"]
        breath_rot = np.zeros((n, 3))
        breath_rot[:, 1] = math.radians(br["pitch_deg"]) * b
    elif pl == "lumbar":
        R_seg = world["R_lo"]
        anchor = world["H"]
        off = np.zeros((n, 3))
        off[:, 0] = -site["dorsal_m"] + 0.2 * br["amp_m"] * b
        off[:, 1] = site["lateral_m"]
        off[:, 2] = site["along_m"]
        breath_rot = np.zeros((n, 3))
    elif pl == "upper_arm":
        arm = world["arms"][params["upper_arm_side"]]
        R_seg = arm["R_ua"]
        anchor = arm["S"]
        off = np.zeros((n, 3))
        off[:, 0] = site["along_frac"] * params["_body"].upper_arm
        off[:, 1] = site["radial_m"]
        breath_rot = np.zeros((n, 3))
    else:
        arm = world["arms"][params["wrist_side"]]
        R_seg = arm["R_wr"]
        anchor = arm["W"]
        off = np.zeros((n, 3))
        off[:, 0] = -site["along_m"]
        off[:, 1] = site["dorsal_m"]
        breath_rot = np.zeros((n, 3))
    p_ref = anchor + _mv(R_seg, off)
    C = _surface_frame(pl)
    Rm = _mount_matrix(params["mount"][pl])
    wob_t = np.zeros((n, 3))
    wob_r = np.zeros((n, 3))
    if with_wobble:
        wp = params["wobble"][pl]
        rr = np.random.default_rng([int(params.get("_seed", 0)), 13, PLACEMENTS.index(pl)])
        kicks_t = {k: [] for k in range(3)}
        kicks_r = {k: [] for k in range(3)}
        for tk, strength in world["events"]:
            d = np.array([rr.normal(0, 0.5), rr.normal(0, 0.5), 1.0]) * strength * wp["trans_mps"]
            r = np.array([rr.normal(0, 1), rr.normal(0, 1), rr.normal(0, 0.3)]) * strength * wp["rot_radps"]
            for k in range(3):
                kicks_t[k].append((tk, d[k]))
                kicks_r[k].append((tk, r[k]))
        for k in range(3):
            wob_t[:, k] = _oscillator(t, kicks_t[k], wp["freq_hz"], wp["zeta"], wp["width_s"])
            wob_r[:, k] = _oscillator(t, kicks_r[k], wp["freq_hz"] * 0.9, wp["zeta"], wp["width_s"])
    # wobble translations/rotations are in the surface frame
    p = p_ref + _mv(R_seg, wob_t @ C.T)
    R = R_seg @ _expmap(breath_rot) if pl == "chest" else R_seg
    R = R @ (C @ _expmap(wob_r) @ Rm)
    return p, R, p_ref


def _imu_ideal(t, p, R, g):
    """Specific force (m/s^2) and angular rate (deg/s) in the sensor frame from a smooth pose."""
    dt = t[1] - t[0]
    a = np.empty_like(p)
    a[1:-1] = (p[2:] - 2 * p[1:-1] + p[:-2]) / dt ** 2
    a[0], a[-1] = a[1], a[-2]
    f = np.einsum("nji,nj->ni", R, a + np.array([0.0, 0.0, g]))
    W = np.einsum("nji,njk->nik", R[1:-1], (R[2:] - R[:-2]) / (2 * dt))
    w = np.empty_like(p)
    w[1:-1] = 0.5 * np.stack([W[:, 2, 1] - W[:, 1, 2], W[:, 0, 2] - W[:, 2, 0], W[:, 1, 0] - W[:, 0, 1]], axis=1)
    w[0], w[-1] = w[1], w[-2]
    return f, np.degrees(w), a


def _misalign(m):
    ex, ey, ez = m
    return np.array([[1.0, -ez, ey], [ez, 1.0, -ex], [-ey, ex, 1.0]])


def _sample_sensor_stream(pl, world, params, rng, ideal, seed):
    body = params["_body"]
    sp = params["sensors"][pl]
    p, R, _ = _sensor_pose(pl, world, params, body, with_wobble=True)
    t = world["t"]
    f, w, _ = _imu_ideal(t, p, R, params["gravity"])
    fs = sp["rate_hz"]
    fsd = 1.0 / world["dt"]
    if not ideal:
        sos = signal.butter(2, min(sp["lp_frac"] * fs, 0.45 * fsd), fs=fsd, output="sos")
        zi = signal.sosfilt_zi(sos)
        f = np.stack([signal.sosfilt(sos, f[:, k], zi=zi * f[0, k])[0] for k in range(3)], axis=1)
        w = np.stack([signal.sosfilt(sos, w[:, k], zi=zi * w[0, k])[0] for k in range(3)], axis=1)
    eps = params["clock"]["ppm"] * 1e-6
    t_first = sp["start_delay_s"] + rng.uniform(0, 1 / fs)
    t_last = t[-1] - sp["end_early_s"]
    nn = math.floor((t_last - t_first) * fs * (1 + eps)) + 1
    tt = t_first + np.arange(nn) / (fs * (1 + eps))
    acc = np.stack([np.interp(tt, t, f[:, k]) for k in range(3)], axis=1)
    gyr = np.stack([np.interp(tt, t, w[:, k]) for k in range(3)], axis=1)
    t_rec = params["clock"]["offset_s"] + tt * (1 + eps)
    if not ideal:
        el = tt - tt[0]
        acc = acc @ (_misalign(sp["acc_misalign"]) * np.array(sp["acc_scale"])[:, None]).T
        gyr = gyr @ (_misalign(sp["gyr_misalign"]) * np.array(sp["gyr_scale"])[:, None]).T
        acc += np.array(sp["acc_bias"]) + el[:, None] * np.array(sp["acc_bias_slope"])
        rw = np.cumsum(rng.normal(0, sp["gyr_rw"] * math.sqrt(1 / fs), (nn, 3)), axis=0)
        gyr += np.array(sp["gyr_bias"]) + el[:, None] * np.array(sp["gyr_bias_slope"]) + rw
        acc += rng.normal(0, sp["acc_noise"], acc.shape)
        gyr += rng.normal(0, sp["gyr_noise"], gyr.shape)
        lsb_a = sp["acc_range_g"] * G_STD / 2 ** (sp["acc_bits"] - 1)
        lsb_g = sp["gyr_range_dps"] / 2 ** 15
        acc = np.clip(np.round(acc / lsb_a), -2 ** (sp["acc_bits"] - 1), 2 ** (sp["acc_bits"] - 1) - 1) * lsb_a
        gyr = np.clip(np.round(gyr / lsb_g), -2 ** 15, 2 ** 15 - 1) * lsb_g
        if sp["jitter_frac"] > 0:
            j = np.clip(rng.normal(0, sp["jitter_frac"] / fs, nn), -0.35 / fs, 0.35 / fs)
            t_rec = t_rec + j
        keep = np.ones(nn, bool)
        n_loss = rng.poisson(sp["loss_per_min"] * (tt[-1] - tt[0]) / 60.0)
        for _ in range(n_loss):
            size = int(rng.integers(1, 4)) if rng.random() < 0.8 else int(rng.integers(4, 13))
            i0 = int(rng.integers(1, max(2, nn - size - 1)))
            keep[i0:i0 + size] = False
        t_rec, acc, gyr = t_rec[keep], acc[keep], gyr[keep]
    return from_arrays(t_rec, acc, gyr, placement=pl, sensor=sp["model"], source=f"altsim:{seed}:{pl}",
                       sampling_rate_hz=fs, metadata={"simulator": "altsim", "seed": seed})


# ============================================================================ truth

def _hip_angle(P, H, S):
    """Signed hip angle (deg) in the sagittal plane: + when the hip is below the pivot-shoulder line."""
    a = H - P
    b = S - H
    ang = np.arctan2(a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0], a[:, 0] * b[:, 0] + a[:, 1] * b[:, 1])
    return np.degrees(ang)


def _crossing(tt, zz, j0, j1, level):
    """Linear interpolation of the time zz crosses ``level`` between samples j0 and j1."""
    z0, z1 = zz[j0], zz[j1]
    if z1 == z0:
        return float(tt[j1])
    return float(tt[j0] + (level - z0) / (z1 - z0) * (tt[j1] - tt[j0]))


def rep_events(tt, zz):
    """SPEC rep events on one window of the chest's vertical position."""
    i_low = int(np.argmin(zz))
    i_top = int(np.argmax(zz[:i_low + 1]))
    top, low = float(zz[i_top]), float(zz[i_low])
    exc = top - low
    bt, bl = top - 0.05 * exc, low + 0.05 * exc
    j = i_top + int(np.argmax(zz[i_top:] <= bt))
    t_start = _crossing(tt, zz, j - 1, j, bt) if j > 0 else float(tt[j])
    j = int(np.argmax(zz <= bl))
    t_bottom = _crossing(tt, zz, j - 1, j, bl) if j > 0 else float(tt[j])
    inb = np.flatnonzero(zz <= bl)
    ja = int(inb[-1])
    t_ascent = _crossing(tt, zz, ja, ja + 1, bl) if ja + 1 < len(zz) else float(tt[ja])
    after = np.flatnonzero(zz[ja:] >= bt)
    if len(after):
        je = ja + int(after[0])
        t_end = _crossing(tt, zz, je - 1, je, bt)
        reached = True
    else:  # never back within 5 % of the top before: use the top it does come back to
        top2 = float(np.max(zz[ja:]))
        bt2 = top2 - 0.05 * exc
        je = ja + int(np.argmax(zz[ja:] >= bt2))
        t_end = _crossing(tt, zz, je - 1, je, bt2) if je > ja else float(tt[je])
        reached = False
    return {"t_start": t_start, "t_bottom": t_bottom, "t_ascent": t_ascent, "t_end": t_end,
            "depth_m": exc, "i_low": i_low, "i_top": i_top, "top_reached": reached}


def _truth(plan: Plan, world: dict, params: dict, body: Body) -> dict:
    _, _, p_ref = _sensor_pose("chest", world, params, body, with_wobble=False)
    t = world["t"]
    z = p_ref[:, 2]
    zs = world["S"][:, 2]
    eps = params["clock"]["ppm"] * 1e-6
    off = params["clock"]["offset_s"]
    clock = lambda x: off + x * (1 + eps)
    reps = []
    sets = []
    for k, st in enumerate(plan.sets):
        rt = st.rep_times
        sets.append({"variant": st.variant, "t_start": clock(st.t0), "t_end": clock(st.t0 + st.duration),
                     "n_reps": len(rt), "max_drop_m": st.max_drop})
        for i, r in enumerate(rt):
            prev_end = rt[i - 1]["t_e"] if i else 0.0
            nxt = rt[i + 1]["t_d0"] if i + 1 < len(rt) else st.duration
            w0 = st.t0 + 0.5 * (prev_end + r["t_d0"])
            w1 = st.t0 + 0.5 * (r["t_e"] + nxt)
            m = (t >= w0) & (t <= w1)
            tt, zz = t[m], z[m]
            ev = rep_events(tt, zz)
            sel = (tt >= ev["t_start"]) & (tt <= ev["t_end"])
            P = np.repeat(st.pivot[None, :], int(sel.sum()), axis=0)
            Hs = world["H"][m][sel][:, [0, 2]]
            Ss = world["S"][m][sel][:, [0, 2]]
            hip = _hip_angle(P, Hs, Ss)
            sag = float(hip[int(np.argmax(np.abs(hip)))]) if len(hip) else float("nan")
            zsw = zs[m]
            depth_frac = (float(np.max(zsw[:ev["i_low"] + 1])) - float(np.min(zsw))) / body.upper_arm
            ts_, tb, ta, te = ev["t_start"], ev["t_bottom"], ev["t_ascent"], ev["t_end"]
            reps.append({
                "set": k, "index": len(reps) + 1,
                "t_start": clock(ts_), "t_bottom": clock(tb), "t_ascent": clock(ta), "t_end": clock(te),
                "descent_s": (tb - ts_) * (1 + eps), "pause_s": (ta - tb) * (1 + eps), "ascent_s": (te - ta) * (1 + eps),
                "depth_m": ev["depth_m"], "sag_deg": sag, "depth_frac": depth_frac, "variant": st.variant,
                "top_reached": ev["top_reached"],
                "window": (clock(w0), clock(w1)),
            })
    return {"kind": params["kind"], "protocol": params["protocol"] if params["kind"] == "pushups" else params["kind"],
            "reps": reps, "sets": sets, "height_m": params["height_m"],
            "variant": (sets[0]["variant"] if sets else None),
            "duration_s": float(t[-1]), "segments": [(clock(a), clock(b), lab) for a, b, lab in plan.labels]}


# ============================================================================ CLI: show, plot, check

def _summary(sess: AltSession) -> str:
    tr = sess.truth
    lines = [(f"kind={tr['kind']} protocol={tr['protocol']} height={tr['height_m']:.2f} m "
             f"duration={tr['duration_s']:.1f} s reps={len(tr['reps'])}")]
    for pl, rec in sess.recordings.items():
        lines.append(f"  {pl:9s} {rec!r}")
    for r in tr["reps"]:
        lines.append(f"  rep {r['index']:2d} set {r['set']} {r['variant']:4s} start {r['t_start']:9.3f} "
                     f"bottom {r['t_bottom']:9.3f} ascent {r['t_ascent']:9.3f} end {r['t_end']:9.3f} "
                     f"desc {r['descent_s']:.2f} pause {r['pause_s']:.2f} asc {r['ascent_s']:.2f} "
                     f"depth {100 * r['depth_m']:.1f} cm frac {r['depth_frac']:.2f} sag {r['sag_deg']:+.1f}")
    return "\n".join(lines)


def plot_session(sess: AltSession, path: str):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    d = sess.dense
    body = sess.params["_body"]
    _, _, p_ref = _sensor_pose("chest", d, sess.params, body, with_wobble=False)
    t = d["t"]
    fig, ax = plt.subplots(5, 1, figsize=(14, 13), sharex=True)
    ax[0].plot(t, p_ref[:, 2], label="sternum z (true)")
    ax[0].plot(t, d["S"][:, 2], label="mid-shoulder z", alpha=0.6)
    ax[0].plot(t, d["H"][:, 2], label="hip z", alpha=0.6)
    eps = sess.params["clock"]["ppm"] * 1e-6
    off = sess.params["clock"]["offset_s"]
    back = lambda x: (x - off) / (1 + eps)
    for r in sess.truth["reps"]:
        for key, c in (("t_start", "g"), ("t_bottom", "r"), ("t_ascent", "m"), ("t_end", "k")):
            ax[0].axvline(back(r[key]), color=c, lw=0.6, alpha=0.6)
    ymax = float(np.max(d["S"][:, 2])) + 0.05
    for a, b, lab in sess.truth["segments"]:
        ax[0].text(back(a), ymax, lab, fontsize=6, rotation=90, va="top")
    ax[0].legend(fontsize=7)
    ax[0].set_ylabel("height (m)")
    pitch_up = np.degrees(d["ts"][:, 4])
    ax[1].plot(t, pitch_up, label="thorax pitch (deg above horizontal)")
    ax[1].plot(t, np.degrees(d["ts"][:, 3]), label="lumbar pitch", alpha=0.6)
    ax[1].legend(fontsize=7)
    rec = sess.recordings["chest"]
    tr = back(rec.t)
    ax[2].plot(tr, rec.acc, lw=0.7)
    ax[2].plot(tr, np.linalg.norm(rec.acc, axis=1), "k", lw=0.5)
    ax[2].set_ylabel("chest acc (m/s²)")
    ax[3].plot(tr, rec.gyr, lw=0.7)
    ax[3].set_ylabel("chest gyr (deg/s)")
    for pl in ("upper_arm", "wrist", "lumbar"):
        if pl in sess.recordings:
            r2 = sess.recordings[pl]
            ax[4].plot(back(r2.t), np.linalg.norm(r2.gyr, axis=1), lw=0.6, label=f"|gyr| {pl}")
    ax[4].legend(fontsize=7)
    ax[4].set_xlabel("simulation time (s)")
    fig.suptitle(f"altsim seed {sess.params.get('_seed')}: {sess.truth['kind']} / {sess.truth['protocol']}")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def sanity_checks(seed: int = 5, verbose=True) -> dict:
    """Physics checks on one ideal-sensor session: double-integrated acceleration vs true height,
    integrated gyro vs true orientation, |acc| at rest."""
    sess = simulate(seed, kind="pushups", protocol="a", ideal_sensors=True, keep_dense=True)
    d, params = sess.dense, sess.params
    body = params["_body"]
    out = {}
    for pl in PLACEMENTS:
        p, R, _ = _sensor_pose(pl, d, params, body, with_wobble=True)
        f, w, _a = _imu_ideal(d["t"], p, R, params["gravity"])
        t = d["t"]
        dt = d["dt"]
        # (1) gravity removed with the true orientation, double integrated over each rep
        a_w = np.einsum("nij,nj->ni", R, f) - np.array([0, 0, params["gravity"]])
        errs = []
        for r in sess.truth["reps"]:
            eps = params["clock"]["ppm"] * 1e-6
            w0 = (r["window"][0] - params["clock"]["offset_s"]) / (1 + eps)
            w1 = (r["window"][1] - params["clock"]["offset_s"]) / (1 + eps)
            m = (t >= w0) & (t <= w1)
            i0 = np.flatnonzero(m)[0]
            v0 = (p[i0 + 1] - p[i0 - 1]) / (2 * dt)
            az = a_w[m, 2]
            # trapezoid twice
            v = v0[2] + np.concatenate([[0], np.cumsum(0.5 * (az[1:] + az[:-1]) * dt)])
            z = p[i0, 2] + np.concatenate([[0], np.cumsum(0.5 * (v[1:] + v[:-1]) * dt)])
            errs.append(float(np.max(np.abs(z - p[m, 2]))))
        # (2) gyro integrated to orientation over the whole session
        Rk = R[0].copy()
        wr = np.radians(w)
        max_ang = 0.0
        step = max(1, int(0.5 / dt))
        for i in range(1, len(t)):
            om = 0.5 * (wr[i - 1] + wr[i]) * dt
            Rk = Rk @ _expmap(om[None, :])[0]
            if i % step == 0:
                Dm = Rk.T @ R[i]
                ang = math.degrees(math.acos(np.clip((np.trace(Dm) - 1) / 2, -1, 1)))
                max_ang = max(max_ang, ang)
        # (3) |acc| at rest: the first 0.5 s (standing hold)
        rest = (t > 0.2) & (t < 0.7)
        out[pl] = {"height_err_mm_max": 1000 * max(errs) if errs else float("nan"),
                   "gyro_orientation_err_deg_max": max_ang,
                   "rest_acc_norm": float(np.mean(np.linalg.norm(f[rest], axis=1))),
                   "gravity": params["gravity"]}
        if verbose:
            print(f"{pl:9s} rep height via double integration: max err {out[pl]['height_err_mm_max']:.3f} mm "
                  f"over {len(errs)} reps; gyro-integrated orientation max err "
                  f"{out[pl]['gyro_orientation_err_deg_max']:.4f} deg over {t[-1]:.0f} s; "
                  f"|acc| at rest {out[pl]['rest_acc_norm']:.4f} (g={params['gravity']:.4f})")
    # (1b) the same from the sampled 100 Hz chest recording (ideal sensor): recorded specific force
    # rotated by the true orientation at the sample times, gravity removed, integrated twice
    rec = simulate(seed, kind="pushups", protocol="a", ideal_sensors=True, rate_hz=100.0,
                   placements=("chest",)).recordings["chest"]
    eps = params["clock"]["ppm"] * 1e-6
    ts_true = (rec.t - params["clock"]["offset_s"]) / (1 + eps)
    p, R, p_ref = _sensor_pose("chest", d, params, body, with_wobble=True)
    Ri = np.stack([np.stack([np.interp(ts_true, d["t"], R[:, i, j]) for j in range(3)], axis=1)
                   for i in range(3)], axis=1)
    u, _, vt = np.linalg.svd(Ri)
    Ri = u @ vt
    az = np.einsum("nij,nj->ni", Ri, rec.acc)[:, 2] - params["gravity"]
    pz = np.interp(ts_true, d["t"], p[:, 2])
    sz = np.interp(ts_true, d["t"], p_ref[:, 2])
    vz_true = np.gradient(p[:, 2], d["dt"])
    e_sensor, e_stern = [], []
    for r in sess.truth["reps"]:
        w0 = (r["window"][0] - params["clock"]["offset_s"]) / (1 + eps)
        w1 = (r["window"][1] - params["clock"]["offset_s"]) / (1 + eps)
        m = np.flatnonzero((ts_true >= w0) & (ts_true <= w1))
        tt = ts_true[m]
        v = np.interp(tt[0], d["t"], vz_true) + np.concatenate([[0], np.cumsum(0.5 * (az[m][1:] + az[m][:-1]) * np.diff(tt))])
        z = pz[m[0]] + np.concatenate([[0], np.cumsum(0.5 * (v[1:] + v[:-1]) * np.diff(tt))])
        e_sensor.append(float(np.max(np.abs(z - pz[m]))))
        e_stern.append(float(np.max(np.abs(z - sz[m]))))
    Rk = Ri[0].copy()
    g_err = 0.0
    wr = np.radians(rec.gyr)
    for i in range(1, len(ts_true)):
        Rk = Rk @ _expmap((0.5 * (wr[i - 1] + wr[i]) * (ts_true[i] - ts_true[i - 1]))[None, :])[0]
        g_err = max(g_err, math.degrees(math.acos(np.clip((np.trace(Rk.T @ Ri[i]) - 1) / 2, -1, 1))))
    out["chest_100hz"] = {"vs_sensor_mm": 1000 * max(e_sensor), "vs_sternum_mm": 1000 * max(e_stern),
                          "gyro_deg": g_err}
    if verbose:
        print(f"chest 100 Hz recording: gyro integrated over the whole session ({ts_true[-1]:.0f} s) "
              f"stays within {g_err:.3f} deg of the true orientation")
    if verbose:
        print(f"chest 100 Hz recording, double-integrated over each rep: max err {1000 * max(e_sensor):.2f} mm vs "
              f"the sensor's true height, {1000 * max(e_stern):.2f} mm vs the sternum truth (strap wobble "
              f"excluded), excursions {min(r['depth_m'] for r in sess.truth['reps']) * 100:.0f}-"
              f"{max(r['depth_m'] for r in sess.truth['reps']) * 100:.0f} cm")
    # (4) C2 check: the largest jerk of the sternum anywhere (finite differences)
    p, R, _ = _sensor_pose("chest", d, params, body, with_wobble=False)
    jerk = np.linalg.norm(np.diff(p, 3, axis=0), axis=1) / d["dt"] ** 3
    out["max_sternum_jerk"] = float(jerk.max())
    if verbose:
        print(f"max sternum jerk (no wobble) {jerk.max():.2f} m/s^3 (p99.9 {np.percentile(jerk, 99.9):.2f})")
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--plot", default=None, help="directory for a PNG of the session")
    ap.add_argument("--check", action="store_true", help="run the physics sanity checks")
    ap.add_argument("--kind", default=None)
    ap.add_argument("--protocol", default=None)
    a = ap.parse_args(argv)
    if a.check:
        sanity_checks(a.seed if a.seed else 5)
        return 0
    ov = {}
    if a.kind:
        ov["kind"] = a.kind
    if a.protocol:
        ov["protocol"] = a.protocol
    sess = simulate(a.seed, keep_dense=bool(a.plot), **ov)
    sess.params["_seed"] = a.seed
    print(_summary(sess))
    if a.plot:
        import os
        os.makedirs(a.plot, exist_ok=True)
        path = os.path.join(a.plot, f"altsim_seed{a.seed}.png")
        plot_session(sess, path)
        print("wrote", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
