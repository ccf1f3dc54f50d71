"""How a sensor is worn: the mounting math (sensor frame -> body segment axes).

A sensor may be strapped on at any rotation. Gravity at the still plank gives the *up* direction
in the sensor frame; the rotation of the reps (the direction in which *up* moves while going
down) fixes the sagittal plane and its sign; an upright posture seen before the plank (standing)
gives the segment's long axis, hence absolute inclinations, and the turn from it into the plank
gives the sagittal plane better than a rep's few degrees. Without it, inclinations are reported
relative to the plank (``absolute`` False).

Convention (SPEC, ``detectors.types``): ``pitch_deg`` is the inclination of the segment's long
axis (towards the head; along the arm towards the shoulder) above the horizontal. In a push-up it
decreases while going down.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from ..errors import CalibrationError
from ..units import DEG_PER_RAD

#: Nominal top-position inclination of arm segments (vertical under the shoulder).
ARM_TOP_PITCH_DEG = 90.0


def _unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=float)
    n = float(np.linalg.norm(v))
    if not np.isfinite(n) or n < 1e-9:
        raise CalibrationError("degenerate mounting axis", fix="recalibrate from a still plank and a few reps")
    return v / n


@dataclass
class Mounting:
    """Body axes of one sensor, in its own frame."""

    placement: str
    up_plank: np.ndarray            # unit, sensor frame: earth up at the plank top
    down_dir: np.ndarray            # unit, perpendicular to up_plank: where up moves going down
    pitch_plank_deg: float = 0.0    # segment inclination at the plank top
    absolute: bool = False          # pitch_plank_deg measured (True) or a relative zero (False)

    def __post_init__(self) -> None:
        self.up_plank = _unit(self.up_plank)
        d = np.asarray(self.down_dir, dtype=float)
        self.down_dir = _unit(d - float(d @ self.up_plank) * self.up_plank)

    @property
    def ml_axis(self) -> np.ndarray:
        """Rotation axis of the reps (mediolateral), sensor frame: up x down."""
        return np.cross(self.up_plank, self.down_dir)

    def rotation_deg(self, up: np.ndarray) -> np.ndarray:
        """Signed rotation away from the plank top in the sagittal plane (positive going down)."""
        return np.degrees(np.arctan2(up @ self.down_dir, up @ self.up_plank))

    def pitch_deg(self, up: np.ndarray) -> np.ndarray:
        """Segment inclination (deg) for up vectors (n, 3) in the sensor frame."""
        return self.pitch_plank_deg - self.rotation_deg(up)

    def rereferenced(self, up_plank: np.ndarray) -> "Mounting":
        """The same mounting with a new top posture (keeps the sagittal direction)."""
        old = self.pitch_deg(np.asarray(up_plank, dtype=float)[None, :])[0]
        return Mounting(self.placement, up_plank, self.down_dir, float(old) if self.absolute else 0.0,
                        self.absolute)

    def to_dict(self) -> dict[str, Any]:
        return {"placement": self.placement, "up_plank": [float(v) for v in self.up_plank],
                "down_dir": [float(v) for v in self.down_dir],
                "pitch_plank_deg": float(self.pitch_plank_deg), "absolute": bool(self.absolute)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], source: str | None = None) -> "Mounting":
        try:
            return cls(str(d["placement"]), np.asarray(d["up_plank"], dtype=float).reshape(3),
                       np.asarray(d["down_dir"], dtype=float).reshape(3),
                       float(d.get("pitch_plank_deg", 0.0)), bool(d.get("absolute", False)))
        except (KeyError, TypeError, ValueError) as exc:
            raise CalibrationError(f"mounting entry is incomplete ({exc})", source=source,
                                   fix="recalibrate with 'imu-pushup calibrate'") from None


#: The upright long axis, projected onto the sagittal plane a rep's turn defines, must keep this
#: much of its length (the plane within 60 degrees of it) to be projected.
SAGITTAL_MIN_NORM = 0.5
#: The turn from upright into the plank gives the sagittal plane when it is at least this large
#: (sine of 30 degrees; the way into a plank turns the trunk 30-90 degrees).
UPRIGHT_PLANE_MIN_SIN = 0.5


def learn_mounting(placement: str, up_plank: np.ndarray, up_bottom: np.ndarray,
                   up_upright: np.ndarray | None = None) -> Mounting:
    """Mounting from the plank top, the posture at a rep's bottom and, if seen, standing upright.

    ``up_bottom - up_plank`` is the direction up moves while going down (the sagittal plane and
    its sign). Standing, a trunk's long axis points up, so ``up_upright`` seen in the sensor frame
    is the long axis; its elevation at the plank is the absolute plank inclination. Arm segments
    are taken as vertical at the top (hands under the shoulders).
    """
    up_plank = _unit(up_plank)
    down = np.asarray(up_bottom, dtype=float) - up_plank
    down = down - float(down @ up_plank) * up_plank
    if placement in ("upper_arm", "wrist"):
        return Mounting(placement, up_plank, down, ARM_TOP_PITCH_DEG, True)
    if up_upright is not None:
        u = _unit(up_upright)
        # the turn from upright into the plank (most of a right angle, about the mediolateral
        # axis) gives the sagittal plane far better than a rep's few degrees: up moves on away
        # from upright going down
        away = float(u @ up_plank) * up_plank - u
        n_away = float(np.linalg.norm(away))
        n_down = float(np.linalg.norm(down))
        if n_away >= UPRIGHT_PLANE_MIN_SIN and (n_down < 1e-9 or float(away @ down) / (n_away * n_down) > -0.5):
            down = away / n_away
        else:
            ml = np.cross(up_plank, _unit(down))
            u_sag = u - float(u @ ml) * ml    # long axis lies in the sagittal plane
            # (a rep that turns the trunk a few degrees gives a poor sagittal plane, which the
            # upright long axis then seems to leave: it is taken as seen)
            if np.linalg.norm(u_sag) > SAGITTAL_MIN_NORM:
                u = u_sag / np.linalg.norm(u_sag)
        pitch = math.asin(max(-1.0, min(1.0, float(u @ up_plank)))) * DEG_PER_RAD
        # a trunk in a plank inclines 0-60 degrees head-up; a head may also look down
        low = -60.0 if placement == "head" else 0.0
        if low <= pitch <= 60.0:
            return Mounting(placement, up_plank, down, pitch, True)
    return Mounting(placement, up_plank, down, 0.0, False)
