"""Simulation parameters: documented defaults, per-rep resolution and random sampling.

A per-rep parameter may be given as

- a number: every rep uses it;
- a 2-tuple ``(lo, hi)`` or ``{"uniform": [lo, hi]}``: each rep draws uniformly from the range;
- a list of ``n_reps`` numbers: one value per rep.

Fatigue (0..1) then scales them across the set: later reps are slower, shallower, sag more and
the head drops more.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from ..errors import UsageError
from ..units import PLACEMENTS, VARIANTS

KINDS: tuple[str, ...] = ("pushups", "walking", "squats", "plank_hold")

#: Parameters drawn once per rep (see the module docstring for the accepted forms).
PER_REP: tuple[str, ...] = ("descent_s", "pause_s", "ascent_s", "top_hold_s", "stroke", "depth_frac",
                            "sag_deg", "sag_dip_deg", "neck_flexion_deg")

#: Every keyword of :func:`imu_pushup.simulate.simulate_session` beyond the positional basics,
#: with its default. Ranges are drawn from the session's random generator.
DEFAULTS: dict[str, Any] = {
    # tempo (s) as the SPEC measures it (between the 5 % bands; the strokes' tails, where the
    # chest creeps within 5 % of the top or bottom, count as top/pause time).
    # Plausible extremes: descent 0.4-3, bottom pause 0-1.5, ascent 0.35-2.
    "descent_s": (1.0, 1.5),
    "pause_s": (0.35, 0.7),
    "ascent_s": (0.6, 1.0),
    "top_hold_s": (0.0, 0.8),        # still at the top between reps (0 = straight into the next)
    "max_accel_m_s2": (5.0, 7.0),    # the body's limit on the shoulders' vertical acceleration
                                     # (real sternum data: about 5 m/s² in brisk reps)
    "stroke": (0.1, 0.4),            # 0 smooth (minimum-jerk-like) .. 1 abrupt (bounce, lockout)
    # depth: shoulder drop / upper-arm length; 1 = upper arms parallel to the floor
    "depth_frac": (0.95, 1.1),
    # form (deg): held hip bend (+ sag, - pike), extra stomach dip at the bottom, neck flexion
    "sag_deg": (-3.0, 4.0),
    "sag_dip_deg": 0.0,
    "neck_flexion_deg": (0.0, 10.0),
    "fatigue": 0.0,                  # 0..1: slower, shallower, more sag across the set
    # session protocol (s)
    "stand_s": (1.5, 3.0),
    "transition_s": (1.0, 1.8),
    "plank_hold_s": (2.0, 5.0),      # still plank before the first rep
    "end_hold_s": (0.3, 1.2),        # still plank after the last rep
    "hold_s": (15.0, 30.0),          # kind="plank_hold": length of the hold
    "walk_s": (20.0, 40.0),          # kind="walking"
    "walk_speed_m_s": (1.0, 1.5),
    "squat_depth_frac": (0.6, 1.0),  # kind="squats": 1 = thighs parallel to the floor
    "squat_s": (1.6, 2.6),           # kind="squats": one squat, down and up
    "hand_offset_m": (0.0, 0.05),    # hands this far ahead of the shoulders at the top
    "lockout": (0.99, 0.998),        # arm extension at the top (shoulder-wrist / arm length)
    "sway_deg": 1.0,                 # slow lateral roll/yaw sway of the body (3-D motion)
    "tremor_m_s2": 0.08,             # RMS of the 8-12 Hz shaking while on the hands
    "elbow_flare": (0.3, 0.6),       # arm rotation about its long axis per radian of elbow flexion
    # sensors
    "mount": "random",               # "random" | "aligned" | per-placement dict of quaternions xyzw
    "wobble": 1.0,                   # strap/skin wobble gain (0 = rigid)
    "wobble_hz": (10.0, 20.0),
    "wobble_damping": (0.1, 0.3),
    # chest only (see imu_pushup.simulate.skin): the shoulder girdle rocks the sternum skin and
    # strap about the mediolateral axis, rad of sensor pitch per rad of elbow flexion (0 = the
    # sensor turns with the trunk); a full-depth rep adds about 5-10 deg to the trunk's ~15 deg
    "chest_rock": (0.06, 0.11),
    "strap_slip_deg": (0.8, 2.2),    # chest: largest strap slip at a bottom turn-around (0 = none);
                                     # with these defaults sternum gyro peaks reach 50-100 deg/s

    "noise": 1.0,                    # multiplier of the white noise below
    "acc_noise_m_s2": 0.03,
    "gyr_noise_deg_s": 0.15,
    "acc_bias_m_s2": 0.05,           # standard deviation of the per-axis bias
    "gyr_bias_deg_s": 0.5,
    "scale_error": 0.01,             # standard deviation of the per-axis scale error
    "acc_range_g": 16.0,
    "gyr_range_deg_s": 2000.0,
    "adc_bits": 16,
    "packet_loss": 0.0,              # fraction of samples lost, in blocks of ``packet_samples``
    "packet_samples": 0,             # 0: about 70 ms of samples per lost packet
    "timestamp_jitter_s": 0.0,       # standard deviation of sample time jitter
    "clock_offset_s": 0.0,           # sensor clock reading at the start of the session
}


def to_jsonable(value: Any) -> Any:
    """Parameters as JSON values; ranges become ``{"uniform": [lo, hi]}``."""
    if isinstance(value, tuple) and len(value) == 2:
        return {"uniform": [float(value[0]), float(value[1])]}
    if isinstance(value, (list, np.ndarray)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value


def _is_range(value: Any) -> bool:
    return (isinstance(value, tuple) and len(value) == 2) or (isinstance(value, Mapping) and "uniform" in value)


def _range(value: Any) -> tuple[float, float]:
    lo, hi = value["uniform"] if isinstance(value, Mapping) else value
    return float(lo), float(hi)


def draw(value: Any, rng: np.random.Generator, name: str) -> float:
    """One value of a scalar-or-range parameter."""
    if _is_range(value):
        lo, hi = _range(value)
        return float(rng.uniform(lo, hi))
    try:
        return float(value)
    except (TypeError, ValueError):
        raise UsageError(f"parameter {name}={value!r} is not a number or a (lo, hi) range",
                         fix="give a number, a (lo, hi) tuple or a list with one value per rep") from None


def per_rep(value: Any, n_reps: int, rng: np.random.Generator, name: str) -> np.ndarray:
    """Values for each rep from a number, a range or a per-rep list."""
    if isinstance(value, (list, np.ndarray)) and not _is_range(value):
        arr = np.asarray(value, dtype=float)
        if arr.shape != (n_reps,):
            raise UsageError(f"parameter {name} has {arr.size} values for {n_reps} reps",
                             fix="give one value per rep, a single number or a (lo, hi) range")
        return arr
    return np.array([draw(value, rng, name) for _ in range(n_reps)])


def resolve(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Defaults updated with the caller's keywords; unknown names are refused."""
    unknown = sorted(set(overrides) - set(DEFAULTS))
    if unknown:
        raise UsageError(f"unknown simulation parameter(s): {', '.join(unknown)}",
                         fix=f"use any of: {', '.join(DEFAULTS)}")
    params = dict(DEFAULTS)
    params.update(overrides)
    return params


def check_basics(kind: str, n_reps: int, placements: Sequence[str], sampling_rate_hz: float,
                 variant: str, height_m: float) -> None:
    """Refuse impossible basic settings with a one-line error."""
    if kind not in KINDS:
        raise UsageError(f"unknown kind {kind!r}", fix=f"use one of: {', '.join(KINDS)}")
    if variant not in VARIANTS:
        raise UsageError(f"unknown variant {variant!r}", fix="use toe or knee")
    bad = [p for p in placements if p not in PLACEMENTS]
    if bad or not placements:
        raise UsageError(f"unknown placement(s) {', '.join(bad) or '(none)'}",
                         fix=f"use any of: {', '.join(PLACEMENTS)}")
    if n_reps < 0 or n_reps > 500:
        raise UsageError(f"n_reps={n_reps} is out of range", fix="give 0 to 500 reps")
    if not 10.0 <= sampling_rate_hz <= 1000.0:
        raise UsageError(f"sampling_rate_hz={sampling_rate_hz} is out of range", fix="give 10 to 1000 Hz")
    if not 1.0 <= height_m <= 2.3:
        raise UsageError(f"height_m={height_m} is not a plausible adult height", fix="give 1.0 to 2.3 m")


def sample_session_params(rng: np.random.Generator) -> dict[str, Any]:
    """Random keyword arguments for :func:`simulate_session` spanning every variation.

    Tempo, pauses, strokes, depth (chest-to-floor down to quarter reps), sag, pike and stomach dip,
    neck flexion, knee push-ups, fatigue, body height, mounting, 25-200 Hz, packet loss, and about
    10 % distractor sessions (walking, squats, a plank hold without reps). ``seed`` is not included.
    """
    rng = np.random.default_rng(rng)
    u = rng.uniform
    kind = "pushups"
    if u() < 0.10:
        kind = str(rng.choice(["walking", "squats", "plank_hold"]))
    placements = ["chest"] + [p for p in ("upper_arm", "wrist", "lumbar", "head") if u() < 0.5]
    rate = float(rng.choice([25.0, 40.0, 50.0, 52.0, 100.0, 104.0, 200.0]))

    def rng_range(lo: float, hi: float, spread: float) -> tuple[float, float]:
        centre = u(lo, hi)
        half = u(0.0, spread)
        return (max(lo, centre - half), min(hi, centre + half))

    style = u()
    if style < 0.3:     # good form
        sag, dip = rng_range(-4, 5, 2), 0.0
    elif style < 0.55:  # sag held
        sag, dip = rng_range(6, 25, 3), 0.0
    elif style < 0.75:  # pike held
        sag, dip = rng_range(-30, -6, 3), 0.0
    else:               # stomach dips at the bottom only
        sag, dip = rng_range(-3, 4, 2), rng_range(5, 20, 3)
    depth = rng_range(0.2, 1.25, 0.1) if u() < 0.35 else rng_range(0.85, 1.2, 0.08)
    params: dict[str, Any] = {
        "kind": kind,
        "n_reps": int(rng.integers(3, 16)),
        "placements": tuple(placements),
        "sampling_rate_hz": rate,
        "variant": "knee" if u() < 0.25 else "toe",
        "height_m": float(np.round(u(1.50, 1.98), 2)),
        # Tempo: mostly the common range (about 1.5-3 s a rep), a third anywhere in the extremes.
        "descent_s": rng_range(0.6, 1.6, 0.2) if u() < 0.67 else rng_range(0.4, 3.0, 0.3),
        "pause_s": rng_range(0.1, 0.8, 0.15) if u() < 0.6 else (
            rng_range(0.0, 1.5, 0.2) if u() < 0.5 else rng_range(0.0, 0.2, 0.05)),
        "ascent_s": rng_range(0.5, 1.2, 0.15) if u() < 0.67 else rng_range(0.35, 2.0, 0.2),
        "top_hold_s": rng_range(0.0, 1.0, 0.3),
        "stroke": rng_range(0.0, 1.0, 0.2),
        "depth_frac": depth,
        "sag_deg": sag,
        "sag_dip_deg": dip,
        "neck_flexion_deg": rng_range(0, 20, 3) if u() < 0.7 else rng_range(25, 45, 5),
        "fatigue": float(u(0.0, 1.0)) if u() < 0.4 else 0.0,
        "mount": "random",
        "wobble": float(u(0.5, 1.5)),
        "noise": float(u(0.5, 2.0)),
        "packet_loss": float(u(0.0, 0.05)) if u() < 0.3 else 0.0,
        "timestamp_jitter_s": float(u(0.0, 0.1)) / rate if u() < 0.3 else 0.0,
        "clock_offset_s": float(np.round(u(0.0, 5000.0), 3)),
        "acc_range_g": float(rng.choice([4.0, 8.0, 16.0])),
        "gyr_range_deg_s": float(rng.choice([250.0, 500.0, 1000.0, 2000.0])),
        "adc_bits": int(rng.choice([12, 16])),
        "tremor_m_s2": float(u(0.02, 0.3)),
        "max_accel_m_s2": (4.0, 9.0),
        # drawn last so that the draws above stay as they were
        "chest_rock": float(u(0.03, 0.15)),
        "strap_slip_deg": float(u(0.0, 2.5)),
    }
    return params
