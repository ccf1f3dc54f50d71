"""Generate recordings for the bad-input catalogue: one good motion, then every way to break it.

The good motion is physically consistent (so every validation check passes on it): a trunk
rocking about a horizontal axis like a chest in push-ups, seen by a sensor mounted at an
arbitrary rotation; the accelerometer reads specific force (gravity plus motion), the gyro the
body rate, both in SPEC units.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from scipy.spatial.transform import Rotation

from imu_pushup import errors

G = 9.80665


def rocking_motion(duration_s: float = 20.0, rate_hz: float = 100.0, *, amplitude_deg: float = 12.0,
                   freq_hz: float = 0.6, noise: float = 0.03, seed: int = 0,
                   bob_m_s2: float = 1.5) -> pd.DataFrame:
    """A frame indexed by t: the body pitches by ``amplitude_deg`` at ``freq_hz``, bobbing up and
    down with a vertical acceleration of amplitude ``bob_m_s2``."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(duration_s * rate_hz)) / rate_hz
    w = 2 * np.pi * freq_hz
    pitch = np.radians(amplitude_deg) * np.sin(w * t)
    pitch_rate = np.radians(amplitude_deg) * w * np.cos(w * t)
    body = Rotation.from_euler("y", pitch[:, None])                  # body -> world
    mount = Rotation.from_euler("xyz", [25.0, -40.0, 70.0], degrees=True)  # sensor -> body
    lin_world = np.column_stack([np.zeros_like(t), np.zeros_like(t), bob_m_s2 * np.sin(w * t + 0.3)])
    f_world = lin_world + [0.0, 0.0, G]                       # specific force
    f_body = body.inv().apply(f_world)
    acc = mount.inv().apply(f_body) + rng.normal(0, noise, (len(t), 3))
    omega_body = np.column_stack([np.zeros_like(t), pitch_rate, np.zeros_like(t)])
    gyr = np.degrees(mount.inv().apply(omega_body)) + rng.normal(0, 0.2, (len(t), 3))
    cols = ["acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]
    return pd.DataFrame(np.column_stack([acc, gyr]), columns=cols, index=pd.Index(t, name="t"))


def still_on_table(duration_s: float = 30.0, rate_hz: float = 50.0, seed: int = 1) -> pd.DataFrame:
    """A sensor lying flat and untouched: gravity on z, sensor noise only."""
    rng = np.random.default_rng(seed)
    n = int(duration_s * rate_hz)
    t = np.arange(n) / rate_hz
    acc = np.array([0.05, -0.03, G]) + rng.normal(0, 0.01, (n, 3))
    gyr = np.array([0.4, -0.2, 0.1]) + rng.normal(0, 0.05, (n, 3))
    cols = ["acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]
    return pd.DataFrame(np.column_stack([acc, gyr]), columns=cols, index=pd.Index(t, name="t"))


def write_frame(df: pd.DataFrame, path: Path, header: str = "# placement: chest\n") -> Path:
    """Write a frame in the canonical CSV layout (same number formats as the writer)."""
    cols = list(df.columns)
    with open(path, "w") as fh:
        fh.write(header)
        fh.write(",".join(["t"] + cols) + "\n")
        for ti, row in zip(df.index.to_numpy(), df.to_numpy()):
            fh.write(f"{ti:.6f}," + ",".join(f"{v:.7g}" for v in row) + "\n")
    return path


@dataclass(frozen=True)
class Broken:
    """One catalogue entry: how to make the file, the typed error, the place the message names."""

    name: str
    make: Callable[[Path], Path]
    error: type
    where: str | None = None  # substring of the message, e.g. "line 12"


def _good(path: Path, **kw) -> Path:
    return write_frame(rocking_motion(**kw), path)


def _edit_line(path: Path, lineno: int, new: str) -> Path:
    lines = path.read_text().splitlines(keepends=True)
    lines[lineno - 1] = new
    path.write_text("".join(lines))
    return path


def _scaled(path: Path, acc: float = 1.0, gyr: float = 1.0) -> Path:
    df = rocking_motion()
    df[["acc_x", "acc_y", "acc_z"]] *= acc
    df[["gyr_x", "gyr_y", "gyr_z"]] *= gyr
    return write_frame(df, path)


def _unsorted(path: Path) -> Path:
    df = rocking_motion()
    idx = np.arange(len(df))
    idx[100], idx[101] = idx[101], idx[100]
    return write_frame(df.iloc[idx], path)


def _duplicate(path: Path) -> Path:
    df = rocking_motion()
    return write_frame(pd.concat([df.iloc[:201], df.iloc[200:]]), path)


def _clock_jump(path: Path) -> Path:
    df = rocking_motion()
    t = df.index.to_numpy().copy()
    t[1000:] += 86400.0  # the device clock jumps a day ahead mid-recording
    df.index = pd.Index(t, name="t")
    return write_frame(df, path)


def _clock_reset(path: Path) -> Path:
    df = rocking_motion()
    t = df.index.to_numpy().copy()
    t[1000:] -= 9.0  # clock set back: the second half repeats earlier times
    df.index = pd.Index(t, name="t")
    return write_frame(df, path)


def _rate_10hz(path: Path) -> Path:
    return write_frame(rocking_motion(rate_hz=10.0, duration_s=30.0), path)


def _saturated(path: Path) -> Path:
    df = rocking_motion(amplitude_deg=40.0, freq_hz=1.0)
    df[["gyr_x", "gyr_y", "gyr_z"]] = df[["gyr_x", "gyr_y", "gyr_z"]].clip(-125.0, 125.0)  # a ±125 deg/s gyro
    return write_frame(df, path)


def _not_worn(path: Path) -> Path:
    return write_frame(still_on_table(), path)


def _dead_axis(path: Path) -> Path:
    df = rocking_motion()
    df["acc_y"] = 0.0
    return write_frame(df, path)


def _missing_columns(path: Path) -> Path:
    return write_frame(rocking_motion().drop(columns=["acc_z"]), path)


def _extra_columns(path: Path) -> Path:
    df = rocking_motion()
    df["mag_x"] = 30.0
    return write_frame(df, path)


def _partial_gyro(path: Path) -> Path:
    return write_frame(rocking_motion().drop(columns=["gyr_z"]), path)


def _ragged(path: Path) -> Path:
    _good(path)
    return _edit_line(path, 40, "0.370000,1,2,3\n")


def _truncated(path: Path) -> Path:
    _good(path)
    text = path.read_text()
    path.write_text(text[: len(text) - 30])  # cut in the middle of the last row
    return path


def _binary(path: Path) -> Path:
    path.write_bytes(np.random.default_rng(3).bytes(20000))
    return path


def _declared_rate_wrong(path: Path) -> Path:
    return write_frame(rocking_motion(), path, header="# placement: chest\n# sampling_rate_hz: 25\n")


def _bad_placement(path: Path) -> Path:
    return write_frame(rocking_motion(), path, header="# placement: knee\n")


def _huge_broken(path: Path) -> Path:
    """A long valid file (10 min at 100 Hz, about 4 MB) with a bad value on its last line."""
    df = rocking_motion(duration_s=600.0)
    write_frame(df, path)
    with open(path, "a") as fh:
        fh.write("600.000000,1,2,x,4,5,6\n")
    return path


CATALOGUE: tuple[Broken, ...] = (
    Broken("empty", lambda p: (p.write_text(""), p)[1], errors.FormatError),
    Broken("header_only", lambda p: (p.write_text("# placement: chest\nt,acc_x,acc_y,acc_z\n"), p)[1],
           errors.FormatError, "line 3"),
    Broken("comments_only", lambda p: (p.write_text("# placement: chest\n# sensor: x\n"), p)[1], errors.FormatError),
    Broken("text_in_numbers", lambda p: _edit_line(_good(p), 50, "0.470000,0.1,abc,9.8,0,0,0\n"),
           errors.ColumnError, "line 50"),
    Broken("nan", lambda p: _edit_line(_good(p), 60, "0.570000,0.1,NaN,9.8,0,0,0\n"), errors.NonFiniteError, "line 60"),
    Broken("empty_cell", lambda p: _edit_line(_good(p), 61, "0.580000,0.1,,9.8,0,0,0\n"), errors.NonFiniteError, "line 61"),
    Broken("inf", lambda p: _edit_line(_good(p), 70, "0.670000,0.1,inf,9.8,0,0,0\n"), errors.NonFiniteError, "line 70"),
    Broken("missing_columns", _missing_columns, errors.ColumnError, "line 2"),
    Broken("extra_columns", _extra_columns, errors.ColumnError, "line 2"),
    Broken("partial_gyro", _partial_gyro, errors.ColumnError, "line 2"),
    Broken("no_header", lambda p: (p.write_text("0,0,0,9.8\n0.01,0,0,9.8\n"), p)[1], errors.ColumnError, "line 1"),
    Broken("ragged_row", _ragged, errors.ColumnError, "line 40"),
    Broken("truncated_last_row", _truncated, errors.ColumnError, "line 2002"),
    Broken("unsorted", _unsorted, errors.TimestampError, "line 104"),
    Broken("duplicate_t", _duplicate, errors.TimestampError, "line 204"),
    Broken("clock_jump", _clock_jump, errors.TimestampError, "line 1003"),
    Broken("clock_reset", _clock_reset, errors.TimestampError, "line 1003"),
    Broken("in_g", lambda p: _scaled(p, acc=1 / G), errors.UnitError),
    Broken("in_mg", lambda p: _scaled(p, acc=1000 / G), errors.UnitError),
    Broken("gyro_rad_s", lambda p: _scaled(p, gyr=np.pi / 180), errors.UnitError),
    Broken("rate_10hz", _rate_10hz, errors.SamplingRateError),
    Broken("declared_rate_wrong", _declared_rate_wrong, errors.SamplingRateError),
    Broken("binary_garbage", _binary, errors.FormatError),
    Broken("saturated", _saturated, errors.SaturationError),
    Broken("not_worn", _not_worn, errors.SensorNotWornError),
    Broken("dead_axis", _dead_axis, errors.SensorNotWornError),
    Broken("bad_placement", _bad_placement, errors.InputError),
)


def make(name: str, directory: Path, suffix: str = ".csv") -> Path:
    """Write catalogue entry ``name`` into ``directory`` and return its path."""
    entry = next(b for b in CATALOGUE if b.name == name)
    return entry.make(Path(directory) / f"{name}{suffix}")


__all__ = ["CATALOGUE", "Broken", "make", "rocking_motion", "still_on_table", "write_frame"]
