"""Body geometry from standing height, for the detectors and the simulator alike.

Segment lengths are fractions of standing height from the standard anthropometric segment-length
tables of biomechanics textbooks. They give the
detectors what a straight body would do at a given shoulder height, and the depth target (upper
arms parallel to the floor: about one upper-arm length of shoulder drop).
"""
from __future__ import annotations

from dataclasses import dataclass

#: Height used when the user gives none (m).
DEFAULT_HEIGHT_M = 1.75

# Fractions of standing height (standard anthropometric proportions).
_SHOULDER = 0.818     # acromion above the floor, standing
_HIP = 0.530          # greater trochanter
_KNEE = 0.285
_ANKLE = 0.039
_UPPER_ARM = 0.186
_FOREARM = 0.146
_HAND = 0.108
_FOOT = 0.152
_CHEST_DEPTH = 0.13   # sternum to shoulder joint line, sagittal (about 0.13 H for adults)
_NECK_TO_HEAD = 0.12  # C7 to the centre of the head


@dataclass(frozen=True)
class BodyGeometry:
    """Segment lengths (m) of a person of ``height_m``."""

    height_m: float = DEFAULT_HEIGHT_M

    @classmethod
    def from_height(cls, height_m: float | None) -> "BodyGeometry":
        return cls(DEFAULT_HEIGHT_M if height_m is None else float(height_m))

    @property
    def upper_arm_m(self) -> float:
        return _UPPER_ARM * self.height_m

    @property
    def forearm_m(self) -> float:
        return _FOREARM * self.height_m

    @property
    def hand_m(self) -> float:
        return _HAND * self.height_m

    @property
    def trunk_m(self) -> float:
        """Hip joint to shoulder joint."""
        return (_SHOULDER - _HIP) * self.height_m

    @property
    def thigh_m(self) -> float:
        return (_HIP - _KNEE) * self.height_m

    @property
    def shank_m(self) -> float:
        return (_KNEE - _ANKLE) * self.height_m

    @property
    def foot_m(self) -> float:
        return _FOOT * self.height_m

    @property
    def chest_depth_m(self) -> float:
        return _CHEST_DEPTH * self.height_m

    @property
    def neck_to_head_m(self) -> float:
        return _NECK_TO_HEAD * self.height_m

    def legs_m(self, variant: str = "toe") -> float:
        """Pivot (balls of the feet, or knees) to hip joint."""
        if variant == "knee":
            return self.thigh_m
        return self.thigh_m + self.shank_m + 0.5 * self.foot_m

    def pivot_to_shoulder_m(self, variant: str = "toe") -> float:
        """Length of the straight body line from the pivot to the shoulders."""
        return self.legs_m(variant) + self.trunk_m

    @property
    def depth_target_m(self) -> float:
        """Shoulder drop at which the upper arms are parallel to the floor (full depth)."""
        return self.upper_arm_m
