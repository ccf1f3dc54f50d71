"""Sternum skin and strap rocking: the chest sensor turns on the trunk, the trunk itself does not.

A chest strap sits on skin that the shoulder girdle pulls around: as the elbows bend the scapulae
retract and the pectorals lengthen, and the skin over the sternum (with the strap) rocks about
the body's mediolateral axis; as the arms straighten (scapular protraction) it rocks back. Elbow
flexion stands for that girdle motion: it is zero with straight arms (standing, plank top, arms
held forward) and changes fastest near lockout, where the scapulae move most. Real sternum
recordings turn about 1.5-2 times as far per rep as the trunk does, in the trunk's sense.

At each turn-around at the bottom (largest elbow flexion) the strap may slip on the skin: a quick
turn of a degree or so that the skin's elasticity pulls back within about a second.

The strap follows the skin through its spring-mass (the wobble's frequency and damping, unit
gain at rest), so abrupt turns ring briefly. Only the sensor turns: its site, and so the true
sternum height that defines the rep events, is untouched.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from scipy import signal

from .chain import ChainPoints
from .imu import Wobble

#: Bottom turn-arounds that may slip: elbow flexion peaks above this (rad), this prominent (rad).
SLIP_MIN_FLEXION_RAD = np.radians(20.0)
SLIP_MIN_PROMINENCE_RAD = np.radians(15.0)


def elbow_flexion_rad(points: ChainPoints) -> np.ndarray:
    """Elbow flexion (rad, 0 with the arm straight) of the chain's arm."""
    return np.clip(points.angles["forearm"] - points.angles["upper_arm"], 0.0, None)


def chest_rock_rad(points: ChainPoints, dt_s: float, coupling: float, slip_max_deg: float,
                   wobble: Wobble, rng: np.random.Generator) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Extra pitch (rad, fine grid) of the chest sensor on the trunk, and the slips drawn.

    ``coupling``: rad of skin pitch per rad of elbow flexion (negative pitch: the sensor's
    head-ward axis tilts further down as the chest sinks between the hands, as the trunk does in
    a push-up). ``slip_max_deg``: largest strap slip at a bottom turn-around.
    """
    flexion = elbow_flexion_rad(points)
    rock = -coupling * flexion
    slips: list[dict[str, Any]] = []
    if slip_max_deg > 0:
        peaks, _ = signal.find_peaks(flexion, height=SLIP_MIN_FLEXION_RAD,
                                     prominence=SLIP_MIN_PROMINENCE_RAD, distance=max(1, int(0.5 / dt_s)))
        t = np.arange(len(flexion)) * dt_s
        for i in peaks:
            amp_deg = float(rng.uniform(0.5, 1.0) * slip_max_deg * rng.choice([-1.0, 1.0]))
            rise_s = float(rng.uniform(0.04, 0.08))
            relax_s = float(rng.uniform(0.5, 1.5))
            u = t[i:] - t[i]
            shape = np.where(u < rise_s, 0.5 - 0.5 * np.cos(np.pi * u / rise_s),
                             np.exp(-(u - rise_s) / relax_s))
            rock[i:] += np.radians(amp_deg) * shape
            slips.append({"t_s": float(t[i]), "deg": amp_deg, "rise_s": rise_s, "relax_s": relax_s})
    if wobble.gain > 0:
        b, a = wobble.filters(1.0 / dt_s)
        w2 = (2 * np.pi * wobble.freq_hz) ** 2
        zi = signal.lfilter_zi(b, a) * rock[0]   # at rest on the skin from the start
        rock = w2 * signal.lfilter(b, a, rock, zi=zi)[0]
    return rock, slips
