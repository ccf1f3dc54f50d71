"""The calibration file (``imu-pushup/calibration@1``): how each sensor is worn and good form.

``imu-pushup calibrate`` learns, per placement, the sensor-to-body mounting (the engine's
``Mounting.to_dict()``) and the good-form reference (segment pitch at the top of a still plank or
of a few good reps); ``analyze --calibration CAL`` loads it with :func:`load_calibration`. Any
problem with the file (not JSON, another schema, missing or non-numeric fields, a placement the
recording does not have) raises :class:`~imu_pushup.errors.CalibrationError` naming the file,
the place and the fix.

Example::

    {"schema": "imu-pushup/calibration@1",
     "created": "2025-01-31T10:00:00+00:00",
     "height_m": 1.8, "variant": "toe", "sources": ["plank.csv"],
     "placements": {"chest": {"mounting": {...}, "reference_pitch_deg": 23.4}},
     "extras": {"pivot_radius_m": 1.27}}
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from ..detectors.types import PlankReference
from ..errors import CalibrationError
from ..units import CALIBRATION_SCHEMA, PLACEMENTS, VARIANTS


@dataclass
class PlacementCalibration:
    """One sensor: its mounting (engine dict) and its good-form top pitch (deg)."""

    mounting: dict[str, Any]
    reference_pitch_deg: float | None = None


@dataclass
class Calibration:
    """A loaded calibration file."""

    placements: dict[str, PlacementCalibration]
    variant: str | None = None
    height_m: float | None = None
    sources: list[str] = field(default_factory=list)
    created: str = ""
    extras: dict[str, float] = field(default_factory=dict)
    path: str = ""

    def reference(self) -> PlankReference:
        """The good-form reference for the form detectors (pitch per placement, variant)."""
        pitch = {p: c.reference_pitch_deg for p, c in self.placements.items()
                 if c.reference_pitch_deg is not None}
        extras = dict(self.extras)
        chest = self.placements.get("chest")
        extras["pitch_absolute"] = float(bool(chest and chest.mounting.get("absolute")))
        return PlankReference(pitch_deg=pitch, variant=self.variant,
                              source=self.path or "calibration", extras=extras)

    def mounting_dict(self, placement: str) -> dict[str, Any]:
        """The stored ``Mounting.to_dict()`` of a placement (CalibrationError if absent)."""
        self.require([placement])
        return self.placements[placement].mounting

    def mounting(self, placement: str) -> Any:
        """The engine's ``Mounting`` of a placement, rebuilt from the file."""
        from ..engine.calibration import Mounting
        data = self.mounting_dict(placement)
        try:
            return Mounting.from_dict(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise CalibrationError(f"mounting of {placement!r} cannot be read ({exc})",
                                   source=self.path or None, where=f"placements.{placement}.mounting",
                                   fix="run 'imu-pushup calibrate' again") from None

    def require(self, placements: Iterable[str]) -> None:
        """Raise CalibrationError unless every placement of the recording is calibrated."""
        missing = [p for p in placements if p not in self.placements]
        if missing:
            have = ", ".join(sorted(self.placements)) or "none"
            raise CalibrationError(
                f"calibration has no {', '.join(missing)} sensor (it calibrates: {have})",
                source=self.path or None, where="placements",
                fix=f"calibrate the {', '.join(missing)} sensor with 'imu-pushup calibrate "
                    f"--placement {missing[0]} ...' or drop --calibration")

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": CALIBRATION_SCHEMA,
            "created": self.created or datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "height_m": self.height_m,
            "variant": self.variant,
            "sources": list(self.sources),
            "placements": {p: {"mounting": c.mounting, "reference_pitch_deg": c.reference_pitch_deg}
                           for p, c in sorted(self.placements.items())},
            "extras": dict(self.extras),
        }

    @classmethod
    def from_dict(cls, data: Any, source: str = "") -> "Calibration":
        """Validate a parsed file; every problem names its field."""
        src = source or None

        def fail(problem: str, where: str, fix: str = "run 'imu-pushup calibrate' again") -> None:
            raise CalibrationError(problem, source=src, where=where, fix=fix)

        if not isinstance(data, dict):
            fail("not a calibration object", "top level")
        schema = data.get("schema")
        if schema != CALIBRATION_SCHEMA:
            fail(f"schema is {schema!r}, expected {CALIBRATION_SCHEMA!r}", "schema",
                 "give a file written by 'imu-pushup calibrate'")
        placements = data.get("placements")
        if not isinstance(placements, dict) or not placements:
            fail("no calibrated sensors", "placements")
        out: dict[str, PlacementCalibration] = {}
        for name, entry in placements.items():
            where = f"placements.{name}"
            if name not in PLACEMENTS:
                fail(f"unknown placement {name!r}", where, f"use one of: {', '.join(PLACEMENTS)}")
            if not isinstance(entry, dict):
                fail("not an object", where)
            mounting = entry.get("mounting")
            if not isinstance(mounting, dict):
                fail("missing mounting", f"{where}.mounting")
            pitch = entry.get("reference_pitch_deg")
            if pitch is not None:
                pitch = _number(pitch, f"{where}.reference_pitch_deg", src)
                if not -90.0 <= pitch <= 90.0:
                    fail(f"reference pitch {pitch:g}° is not an inclination", f"{where}.reference_pitch_deg")
            out[name] = PlacementCalibration(mounting=mounting, reference_pitch_deg=pitch)
        variant = data.get("variant")
        if variant is not None and variant not in VARIANTS:
            fail(f"unknown variant {variant!r}", "variant", "use 'toe', 'knee' or null")
        height = data.get("height_m")
        if height is not None:
            height = _number(height, "height_m", src)
            if not 0.5 <= height <= 2.5:
                fail(f"height {height:g} m is not a person's height in metres", "height_m")
        extras = data.get("extras") or {}
        if not isinstance(extras, dict):
            fail("extras must be an object", "extras")
        extras = {str(k): _number(v, f"extras.{k}", src) for k, v in extras.items()}
        sources = data.get("sources") or []
        if not isinstance(sources, list):
            fail("sources must be a list", "sources")
        return cls(placements=out, variant=variant, height_m=height,
                   sources=[str(s) for s in sources], created=str(data.get("created", "")),
                   extras=extras, path=source)


def save_calibration(cal: Calibration, path: str | os.PathLike[str]) -> None:
    """Write the calibration as JSON (indented, stable key order)."""
    p = Path(path)
    try:
        p.write_text(json.dumps(cal.to_dict(), indent=2, allow_nan=False) + "\n", encoding="utf-8")
    except OSError as exc:
        raise CalibrationError(f"cannot write ({exc.strerror})", source=str(p),
                               fix="check the folder exists and is writable") from None
    except ValueError:
        raise CalibrationError("non-finite value in the calibration", source=str(p),
                               fix="calibrate from a recording with a still plank or good reps") from None
    cal.path = str(p)


def load_calibration(path: str | os.PathLike[str],
                     placements: Iterable[str] | None = None) -> Calibration:
    """Read a calibration file; with ``placements``, also check each of them is calibrated."""
    p = Path(path)
    if not p.exists():
        raise CalibrationError("no such calibration file", source=str(p), fix="check the path")
    if p.is_dir():
        raise CalibrationError("is a directory, not a calibration file", source=str(p),
                               fix="give the JSON file written by 'imu-pushup calibrate -o'")
    try:
        text = p.read_text(encoding="utf-8")
        data = json.loads(text)
    except UnicodeDecodeError:
        raise CalibrationError("not a text file", source=str(p),
                               fix="give the JSON file written by 'imu-pushup calibrate -o'") from None
    except json.JSONDecodeError as exc:
        raise CalibrationError(f"not valid JSON ({exc.msg})", source=str(p),
                               where=f"line {exc.lineno} column {exc.colno}",
                               fix="give the JSON file written by 'imu-pushup calibrate -o'") from None
    except OSError as exc:
        raise CalibrationError(f"cannot read ({exc.strerror})", source=str(p)) from None
    cal = Calibration.from_dict(data, source=str(p))
    if placements is not None:
        cal.require(placements)
    return cal


def _number(value: Any, where: str, source: str | None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise CalibrationError(f"{value!r} is not a finite number", source=source, where=where,
                               fix="run 'imu-pushup calibrate' again")
    return float(value)


def learn_calibration(source: Any, *, height_m: float | None = None, placement: str | None = None,
                      variant: str | None = None) -> Calibration:
    """Learn a calibration from a recording (or session) of a still plank and a few good reps.

    The engine learns each sensor's mounting at the first rep (plank posture, the direction the
    reps turn it, standing upright if seen before); the good-form reference is the median top
    pitch of every placement over the reps, the pivot radius their median (the body's effective
    length), the variant from it unless given.
    """
    import numpy as np

    from ..body import BodyGeometry
    from ..detectors.variant import set_variant
    from ..engine.analyze import load_session
    from ..engine.stream import StreamAnalyzer

    session = load_session(source, placement)
    an = StreamAnalyzer({r.placement: float(r.sampling_rate_hz) for r in session.recordings},
                        height_m=height_m, sources={r.placement: r.source for r in session.recordings})
    for rec in session.recordings:
        an.feed(rec.placement, rec.t, rec.acc, rec.gyr)
    an.finish()
    names = ", ".join(r.source or r.placement for r in session.recordings)
    if not an.rows:
        raise CalibrationError("no push-up found to learn from", source=names,
                               fix="record a still plank of 2-3 s, then 2-3 slow good push-ups")
    missing = [r.placement for r in session.recordings if r.placement not in an.mountings]
    if missing:
        raise CalibrationError(f"could not learn how the {', '.join(missing)} sensor is worn",
                               source=names, fix="record all sensors through the plank and reps")
    rows = an.rows
    placements: dict[str, PlacementCalibration] = {}
    for p, m in an.mountings.items():
        tops = [r.get(f"{p}_pitch_top_deg") for r in rows]
        tops = [float(v) for v in tops if v is not None and np.isfinite(v)]
        ref = float(np.median(tops)) if tops else float(m.pitch_plank_deg)
        placements[p] = PlacementCalibration(mounting=m.to_dict(), reference_pitch_deg=ref)
    extras: dict[str, float] = {}
    radii = [r.get("pivot_radius_m") for r in rows]
    radii = [float(v) for v in radii if v is not None and np.isfinite(v) and v > 0]
    if radii:
        extras["pivot_radius_m"] = float(np.median(radii))
    gains = [r.get("chest_rotation_gain") for r in rows]
    gains = [float(v) for v in gains if v is not None and np.isfinite(v) and v > 0]
    if gains:   # the running estimate over the good reps: the last is over all of them
        extras["chest_rotation_gain"] = gains[-1]
    geometry = BodyGeometry.from_height(height_m)
    if variant is None:
        absolute = all(m.absolute for m in an.mountings.values())
        plank = placements["chest"].reference_pitch_deg if absolute and "chest" in placements else None
        variant = set_variant(geometry, radii, plank)
    depths = [r.get("depth_frac") for r in rows]
    depths = [float(v) for v in depths if v is not None and np.isfinite(v)]
    if depths:
        extras["good_depth_frac"] = float(np.median(depths))
    extras["reps"] = float(len(rows))
    return Calibration(placements=placements, variant=variant, height_m=height_m,
                       sources=[r.source for r in session.recordings if r.source],
                       extras=extras)
