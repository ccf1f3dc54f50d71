"""The hand-over between the engine and the form detectors.

The engine segments reps and, when a rep completes, passes a :class:`RepWindow` (its events and the
body-frame signals around it) and the :class:`PlankReference` learned from the still plank (or a
calibration file) to :func:`imu_pushup.detectors.form.assess_rep`.

Angles: ``pitch_deg`` of a placement is the sagittal inclination of the segment's long axis
(pointing towards the head, or along the upper arm/forearm towards the shoulder for arm placements)
above the horizontal, in degrees, from the sensor's orientation after sensor-to-body alignment.
Heights: ``height_m`` is the lead sensor's vertical displacement relative to the top of the rep
(0 at the top, negative going down), in metres.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class PlankReference:
    """The good-form top position: learned from the first still plank or a calibration file."""

    pitch_deg: dict[str, float] = field(default_factory=dict)   # per placement, at the top hold
    variant: str | None = None                                   # "toe" / "knee" when known
    source: str = "session"                                      # "session" or a calibration path
    extras: dict[str, float] = field(default_factory=dict)       # detector-specific reference values


@dataclass
class RepWindow:
    """One completed rep: its events and the signals from a little before t_start to t_end."""

    index: int
    t_start: float
    t_bottom: float
    t_ascent: float
    t_end: float
    t: np.ndarray                                    # s
    height_m: np.ndarray | None                      # lead sensor vertical displacement, m (None: not observable)
    pitch_deg: dict[str, np.ndarray] = field(default_factory=dict)  # per placement, deg
    depth_m: float | None = None
    source_placement: str = "chest"
    extras: dict[str, float] = field(default_factory=dict)
