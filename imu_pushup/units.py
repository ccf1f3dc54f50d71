"""Constants, column names and unit conversions shared by every layer.

Units inside the library are fixed (SPEC): acceleration in m/s² (specific force, +9.81 on an axis
pointing up at rest), angular rate in deg/s, time in seconds. Conversions happen only at the edges
(readers, decoders, third-party filters) through the helpers here.
"""
from __future__ import annotations

import math

GRAVITY_M_S2 = 9.80665
DEG_PER_RAD = 180.0 / math.pi
RAD_PER_DEG = math.pi / 180.0

ACC_COLUMNS: tuple[str, ...] = ("acc_x", "acc_y", "acc_z")
GYR_COLUMNS: tuple[str, ...] = ("gyr_x", "gyr_y", "gyr_z")
SENSOR_COLUMNS: tuple[str, ...] = ACC_COLUMNS + GYR_COLUMNS
TIME_COLUMN = "t"

PLACEMENTS: tuple[str, ...] = ("chest", "upper_arm", "wrist", "lumbar", "head")
FLAGS: tuple[str, ...] = ("sag", "pike", "partial", "fast_descent", "no_pause", "head_down")
VARIANTS: tuple[str, ...] = ("toe", "knee")
BLE_MODELS: tuple[str, ...] = (
    "polar-h10",
    "polar-verity-sense",
    "witmotion-wt901ble",
    "movesense",
    "thingy52",
    "generic",
)

SESSION_SCHEMA = "imu-pushup/session@1"
CALIBRATION_SCHEMA = "imu-pushup/calibration@1"

#: Lowest sampling rate the detectors accept: below it a 0.4 s descent has too few samples.
MIN_SAMPLING_RATE_HZ = 15.0


def g_to_m_s2(value_g):
    """Acceleration in standard gravities to m/s²."""
    return value_g * GRAVITY_M_S2


def mg_to_m_s2(value_mg):
    """Acceleration in milli-g to m/s²."""
    return value_mg * (GRAVITY_M_S2 / 1000.0)


def rad_s_to_deg_s(value_rad_s):
    """Angular rate in rad/s to deg/s."""
    return value_rad_s * DEG_PER_RAD
