"""imu_pushup: turn a wearable IMU into a push-up coach.

The notebook face::

    import imu_pushup as ip
    rec = ip.read("set1.csv")              # canonical CSV, Parquet, SensorLog ...
    res = ip.analyze(rec, height_m=1.80)   # reps, phases, tempo, depth, form
    res.reps                               # one row per rep
    res.to_json()                          # the SPEC document
"""
from __future__ import annotations

from typing import Any

from .errors import (CalibrationError, ColumnError, DecodeError, DeviceError, FormatError,
                     ImuPushupError, InputError, NonFiniteError, SamplingRateError,
                     SensorNotWornError, TimestampError, UnitError, UsageError)
from .recording import Gap, Recording, Session, from_arrays
from .results import SessionResult

__version__ = "0.1.0"

__all__ = [
    "read", "write", "analyze", "analyze_many", "simulate", "datasets",
    "Recording", "Session", "Gap", "SessionResult", "from_arrays",
    "ImuPushupError", "InputError", "FormatError", "ColumnError", "UnitError", "TimestampError",
    "NonFiniteError", "SamplingRateError", "SensorNotWornError", "CalibrationError", "DecodeError",
    "DeviceError", "UsageError",
]


def read(path: Any, *, placement: str | None = None, **kwargs: Any) -> Recording:
    """Read a recording from any supported file format (see :mod:`imu_pushup.io`)."""
    from .io.read import read as _read
    return _read(path, placement=placement, **kwargs)


def write(rec: Recording, path: Any, **kwargs: Any) -> None:
    """Write a recording; the format follows the suffix (``.csv``, ``.parquet``)."""
    from .io.read import write as _write
    _write(rec, path, **kwargs)


def analyze(source: Any, **kwargs: Any) -> SessionResult:
    """Analyse a recording, a session, a path or several of them (see :mod:`imu_pushup.engine`)."""
    from .engine.analyze import analyze as _analyze
    return _analyze(source, **kwargs)


def analyze_many(paths: Any, executor: Any = None, **kwargs: Any) -> Any:
    """Analyse many recordings in parallel (see :mod:`imu_pushup.batch`)."""
    from .batch import analyze_many as _analyze_many
    return _analyze_many(paths, executor=executor, **kwargs)


def simulate(**kwargs: Any) -> Any:
    """Simulate a push-up session with ground truth (see :mod:`imu_pushup.simulate`)."""
    from .simulate import simulate_session
    return simulate_session(**kwargs)


def __getattr__(name: str) -> Any:
    if name == "datasets":
        import importlib
        return importlib.import_module(".datasets", __name__)
    raise AttributeError(f"module 'imu_pushup' has no attribute {name!r}")
