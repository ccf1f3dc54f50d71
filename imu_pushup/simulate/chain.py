"""The sagittal rigid-body chain: poses, forward kinematics and the arms' inverse kinematics.

World frame: ``x`` forward (the way the person faces when standing, the head's side in the plank),
``y`` to the person's left, ``z`` up; the floor is ``z = 0``. A pose is the knee position and the
inclination of each segment above the horizontal (radians, counter-clockwise about ``-y``, so
90° points up and 0° points forward):

``knee_x, knee_z, lower, thigh, trunk, head, upper_arm, forearm``

Each segment's angle is that of the vector pointing to its proximal end (toe→knee, knee→hip,
hip→shoulder, shoulder→head crown, elbow→shoulder, wrist→elbow). The lower leg runs from the balls
of the feet to the knee (shank plus half the foot), so a toe plank is a straight line from the toes.
When the hands are planted the arms follow from the shoulder by 2-link inverse kinematics.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..body import BodyGeometry

KX, KZ, LOWER, THIGH, TRUNK, HEAD, UARM, FARM = range(8)
N_POSE = 8

#: Height of the wrist joint above the floor with the palm flat (m), as a fraction of height.
WRIST_HEIGHT_FRAC = 0.03
#: Knee joint height above the floor when kneeling (m), as a fraction of height.
KNEE_HEIGHT_FRAC = 0.03


@dataclass(frozen=True)
class Segments:
    """Segment lengths (m) the simulator needs, from :class:`BodyGeometry`."""

    lower_m: float
    thigh_m: float
    trunk_m: float
    head_m: float
    upper_arm_m: float
    forearm_m: float
    chest_depth_m: float
    wrist_height_m: float
    knee_height_m: float
    height_m: float

    @classmethod
    def of(cls, body: BodyGeometry) -> "Segments":
        return cls(lower_m=body.shank_m + 0.5 * body.foot_m, thigh_m=body.thigh_m,
                   trunk_m=body.trunk_m, head_m=body.neck_to_head_m,
                   upper_arm_m=body.upper_arm_m, forearm_m=body.forearm_m,
                   chest_depth_m=body.chest_depth_m,
                   wrist_height_m=WRIST_HEIGHT_FRAC * body.height_m,
                   knee_height_m=KNEE_HEIGHT_FRAC * body.height_m, height_m=body.height_m)

    @property
    def arm_m(self) -> float:
        return self.upper_arm_m + self.forearm_m

    def legs_m(self, variant: str) -> float:
        """Pivot (balls of the feet or knees) to hip."""
        return self.thigh_m if variant == "knee" else self.lower_m + self.thigh_m


def unit(angle_rad: np.ndarray) -> np.ndarray:
    """Sagittal unit vectors (x, z) of inclinations, shape (..., 2)."""
    return np.stack([np.cos(angle_rad), np.sin(angle_rad)], axis=-1)


def arm_ik(shoulder_xz: np.ndarray, hand_xz: np.ndarray, seg: Segments) -> tuple[np.ndarray, np.ndarray]:
    """Upper-arm and forearm inclinations with the wrist at ``hand_xz`` (elbows towards the feet)."""
    d_vec = shoulder_xz - hand_xz
    d = np.linalg.norm(d_vec, axis=-1)
    lu, lf = seg.upper_arm_m, seg.forearm_m
    d = np.clip(d, abs(lu - lf) + 1e-6, (lu + lf) * (1 - 1e-9))
    gamma = np.arctan2(d_vec[..., 1], d_vec[..., 0])
    psi = np.arccos(np.clip((lf ** 2 + d ** 2 - lu ** 2) / (2 * lf * d), -1.0, 1.0))
    forearm = gamma + psi                      # wrist -> elbow
    elbow = hand_xz + lf * unit(forearm)
    # Recompute the shoulder direction from the elbow (exact when d was not clipped).
    upper = np.arctan2(shoulder_xz[..., 1] - elbow[..., 1], shoulder_xz[..., 0] - elbow[..., 0])
    return upper, forearm


def plank_angles(z_shoulder_m: np.ndarray, sag_rad: np.ndarray, variant: str, seg: Segments,
                 pivot_z_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Legs and trunk inclinations putting the shoulders at ``z_shoulder_m`` with a hip bend.

    Solves ``Lg sin(a) + Lt sin(a + sag) = z - pivot_z`` for the legs angle ``a``; the trunk is
    ``a + sag`` (sag > 0: hips below the pivot-shoulder line).
    """
    lg, lt = seg.legs_m(variant), seg.trunk_m
    a_coef = lg + lt * np.cos(sag_rad)
    b_coef = lt * np.sin(sag_rad)
    r = np.hypot(a_coef, b_coef)
    phi = np.arctan2(b_coef, a_coef)
    legs = np.arcsin(np.clip((z_shoulder_m - pivot_z_m) / r, -1.0, 1.0)) - phi
    return legs, legs + sag_rad


def plank_pose(z_shoulder_m: np.ndarray, sag_rad: np.ndarray, neck_flex_rad: np.ndarray,
               variant: str, seg: Segments, pivot_x_m: float) -> np.ndarray:
    """Pose array (n, 8) of a plank with the pivot fixed on the floor (arms filled by IK later)."""
    z_shoulder_m = np.atleast_1d(np.asarray(z_shoulder_m, dtype=float))
    n = len(z_shoulder_m)
    sag_rad = np.broadcast_to(sag_rad, (n,))
    neck_flex_rad = np.broadcast_to(neck_flex_rad, (n,))
    pivot_z = seg.knee_height_m if variant == "knee" else 0.0
    legs, trunk = plank_angles(z_shoulder_m, sag_rad, variant, seg, pivot_z)
    pose = np.zeros((n, N_POSE))
    if variant == "knee":
        pose[:, KX] = pivot_x_m
        pose[:, KZ] = pivot_z
        pose[:, LOWER] = 0.0
    else:
        pose[:, KX] = pivot_x_m + seg.lower_m * np.cos(legs)
        pose[:, KZ] = seg.lower_m * np.sin(legs)
        pose[:, LOWER] = legs
    pose[:, THIGH] = legs
    pose[:, TRUNK] = trunk
    pose[:, HEAD] = trunk - neck_flex_rad
    pose[:, UARM] = np.pi / 2
    pose[:, FARM] = np.pi / 2
    return pose


@dataclass
class ChainPoints:
    """Joint positions (n, 2) in the sagittal plane (x, z) and the segment angles (n,)."""

    toe: np.ndarray
    knee: np.ndarray
    hip: np.ndarray
    shoulder: np.ndarray
    elbow: np.ndarray
    wrist: np.ndarray
    angles: dict[str, np.ndarray]


def forward(pose: np.ndarray, planted: np.ndarray, hand_xz: np.ndarray, seg: Segments) -> ChainPoints:
    """Joint positions of a pose array; where ``planted`` the arms reach ``hand_xz`` by IK."""
    knee = pose[:, [KX, KZ]]
    toe = knee - seg.lower_m * unit(pose[:, LOWER])
    hip = knee + seg.thigh_m * unit(pose[:, THIGH])
    shoulder = hip + seg.trunk_m * unit(pose[:, TRUNK])
    uarm = pose[:, UARM].copy()
    farm = pose[:, FARM].copy()
    if np.any(planted):
        u, f = arm_ik(shoulder[planted], np.broadcast_to(hand_xz, shoulder[planted].shape), seg)
        uarm[planted] = u
        farm[planted] = f
    elbow = shoulder - seg.upper_arm_m * unit(uarm)
    wrist = elbow - seg.forearm_m * unit(farm)
    angles = {"lower": pose[:, LOWER], "thigh": pose[:, THIGH], "trunk": pose[:, TRUNK],
              "head": pose[:, HEAD], "upper_arm": uarm, "forearm": farm}
    return ChainPoints(toe, knee, hip, shoulder, elbow, wrist, angles)
