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
        if isinstance(data, dict) and "down_dir" in data and data["down_dir"] is None:
            try:
                return PlankOnlyMounting(str(data["placement"]), [float(v) for v in data["up_plank"]],
                                         None, float(data.get("pitch_plank_deg", 0.0)),
                                         bool(data.get("absolute", False)))
            except (KeyError, TypeError, ValueError, ZeroDivisionError) as exc:
                raise CalibrationError(f"mounting of {placement!r} cannot be read ({exc})",
                                       source=self.path or None, where=f"placements.{placement}.mounting",
                                       fix="run 'imu-pushup calibrate' again") from None
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

    The still plank after standing gives each sensor's mounting (see :func:`plank_mounting`);
    the engine then analyses the reps with it (else it learns the mounting at the first rep).
    Good reps (at least half of full depth, in the plank posture) give the good-form reference:
    the median top pitch of every placement, the pivot radius, the chest's rotation gain and the
    variant unless given. A still plank alone is enough for the reference pitch.
    """
    import numpy as np

    from ..body import BodyGeometry
    from ..detectors.form import SKIN_ROCK_RANGE
    from ..detectors.variant import set_variant
    from ..engine.analyze import load_session
    from ..engine.stream import StreamAnalyzer

    session = load_session(source, placement)
    names = ", ".join(r.source or r.placement for r in session.recordings)
    try:
        plank_cal: Calibration | None = _plank_calibration(session, height_m, variant, names)
    except CalibrationError:
        plank_cal = None
    an = StreamAnalyzer({r.placement: float(r.sampling_rate_hz) for r in session.recordings},
                        height_m=height_m, sources={r.placement: r.source for r in session.recordings},
                        calibration=plank_cal)
    for rec in session.recordings:
        an.feed(rec.placement, rec.t, rec.acc, rec.gyr)
    an.finish()
    good = [r for r in an.rows if _finite_at_least(r.get("depth_frac"), MIN_CALIBRATION_DEPTH_FRAC)
            and r["depth_frac"] <= MAX_CALIBRATION_DEPTH_FRAC]
    if not good:
        if plank_cal is None:
            raise CalibrationError("no still plank or push-up found", source=names,
                                   fix="start standing, hold a still plank for 2-3 s, then do 2-3 "
                                       "slow good push-ups")
        return plank_cal
    an.rows = good
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
    rocks = [r.get("chest_skin_rock_bottom") for r in rows]
    rocks = [float(v) for v in rocks if v is not None and np.isfinite(v)]
    if rocks:   # good reps: the sternum skin's turn per degree of elbow flexion, the median
        extras["chest_skin_rock"] = float(np.clip(np.median(rocks), *SKIN_ROCK_RANGE))
    geometry = BodyGeometry.from_height(height_m)
    if variant is None and an.reference is not None:
        from ..detectors.form import _decide_variant
        variant = _decide_variant(an.reference, geometry, None, None, update=False)
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


#: Reps shallower than this fraction of full depth do not teach good form (a shift in a plank).
MIN_CALIBRATION_DEPTH_FRAC = 0.5
#: Deeper than this the chest would pass through the floor (the shoulders cannot drop more than
#: their top height less the chest's depth, about 1.2 upper-arm lengths): a broken depth.
MAX_CALIBRATION_DEPTH_FRAC = 1.5
#: A still stretch: gyro below this (deg/s) and specific force within this of gravity (m/s²) ...
STILL_GYRO_DEG_S = 8.0
STILL_ACC_M_S2 = 0.6
#: ... for at least this long (s).
STILL_MIN_S = 1.0
#: A plank is at least this far turned from the first still posture (standing), in degrees.
PLANK_TURN_DEG = 45.0


def _finite_at_least(value: Any, low: float) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value) and value >= low


def _still_stretches(t: Any, acc: Any, gyr: Any, rate_hz: float) -> list[tuple[int, int]]:
    """Index ranges [i, j) where the sensor is still for at least ``STILL_MIN_S``."""
    import numpy as np
    from scipy.ndimage import uniform_filter1d
    k = max(1, int(round(0.3 * rate_hz)))
    acc_dev = np.abs(np.linalg.norm(acc, axis=1) - 9.80665)
    quiet = uniform_filter1d(acc_dev, k) < STILL_ACC_M_S2
    if gyr is not None:
        quiet &= uniform_filter1d(np.linalg.norm(gyr, axis=1), k) < STILL_GYRO_DEG_S
    edges = np.flatnonzero(np.diff(np.concatenate([[0], quiet.astype(int), [0]])))
    out = []
    for i, j in zip(edges[::2], edges[1::2]):
        if t[j - 1] - t[i] >= STILL_MIN_S:
            out.append((int(i), int(j)))
    return out


def plank_mounting(placement: str, t: Any, acc: Any, gyr: Any, rate_hz: float) -> tuple[Any, float]:
    """Mounting and plank pitch (deg) of one sensor from a still plank (no push-up needed).

    The plank is the longest still stretch turned at least ``PLANK_TURN_DEG`` from the first
    still posture (standing, where the trunk's and head's long axis points up); that upright
    posture gives the long axis, hence the absolute plank inclination and the direction the sensor
    turns going down (the head-ward axis tilts down, so *up* moves away from it). Arm segments
    hang standing and stand in a plank along the same axis: their sagittal direction is left for
    the first rep of the analysed session to show. A recording with one still posture only
    (standing, or already in the plank) cannot tell the plank: CalibrationError.
    """
    import numpy as np
    from ..engine.calibration import ARM_TOP_PITCH_DEG, Mounting
    from ..engine.orientation import make_orientation
    f = make_orientation(rate_hz, gyr is not None)
    up, _ = f.update(np.asarray(acc, dtype=float), None if gyr is None else np.asarray(gyr, dtype=float))
    stretches = _still_stretches(np.asarray(t, dtype=float), np.asarray(acc, dtype=float),
                                 None if gyr is None else np.asarray(gyr, dtype=float), rate_hz)
    # the orientation filter settles within a second: skip the first second of the recording
    stretches = [(max(i, int(rate_hz)), j) for i, j in stretches if j > int(rate_hz) + 2]
    if not stretches:
        raise CalibrationError("no still plank found", fix="hold a still plank for 2-3 s")

    def mean_up(i: int, j: int) -> Any:
        u = up[i:j].mean(axis=0)
        return u / np.linalg.norm(u)

    first = mean_up(*stretches[0])
    turned = [(i, j) for i, j in stretches
              if math.degrees(math.acos(max(-1.0, min(1.0, float(mean_up(i, j) @ first))))) >= PLANK_TURN_DEG]
    if turned:
        i, j = max(turned, key=lambda r: r[1] - r[0])
        u_plank = mean_up(i, j)
        if placement in ("upper_arm", "wrist"):
            return PlankOnlyMounting(placement, u_plank, None, ARM_TOP_PITCH_DEG, True), ARM_TOP_PITCH_DEG
        axis = first - float(first @ u_plank) * u_plank   # the long axis, horizontal part
        pitch = math.degrees(math.asin(max(-1.0, min(1.0, float(first @ u_plank)))))
        m = Mounting(placement, u_plank, -axis, pitch, True)
        return m, pitch
    raise CalibrationError("no still plank found (only one still posture)",
                           fix="start the recording standing, then hold a still plank for 2-3 s")


def _plank_calibration(session: Any, height_m: float | None, variant: str | None,
                       names: str) -> "Calibration":
    """A calibration from a still plank alone (no good push-up in the recording)."""
    placements: dict[str, PlacementCalibration] = {}
    for rec in session.recordings:
        try:
            m, pitch = plank_mounting(rec.placement, rec.t, rec.acc, rec.gyr, float(rec.sampling_rate_hz))
        except CalibrationError:
            raise CalibrationError(f"no still plank or push-up found in the {rec.placement} sensor",
                                   source=names,
                                   fix="record a still plank of 2-3 s, then 2-3 slow good push-ups") from None
        placements[rec.placement] = PlacementCalibration(mounting=m.to_dict(), reference_pitch_deg=pitch)
    return Calibration(placements=placements, variant=variant, height_m=height_m,
                       sources=[r.source for r in session.recordings if r.source],
                       extras={"reps": 0.0})


def _plank_only_class() -> Any:
    from ..engine.calibration import Mounting

    class _PlankOnly(Mounting):
        """A mounting whose sagittal direction is learned from the first turn it sees.

        A still plank fixes *up* but not the direction the reps turn the sensor; the first window
        that turns more than a few degrees (a rep's bottom is its farthest point) fixes it; until
        then the tilt away from the plank is reported unsigned.
        """

        def __post_init__(self) -> None:
            import numpy as np
            self.up_plank = np.asarray(self.up_plank, dtype=float)
            self.up_plank = self.up_plank / np.linalg.norm(self.up_plank)
            if self.down_dir is not None:
                Mounting.__post_init__(self)

        def rotation_deg(self, up: Any) -> Any:
            import numpy as np
            up = np.atleast_2d(np.asarray(up, dtype=float))
            if self.down_dir is None:
                side = up - np.outer(up @ self.up_plank, self.up_plank)
                k = int(np.argmax(np.linalg.norm(side, axis=1)))
                if np.degrees(np.arcsin(min(1.0, float(np.linalg.norm(side[k]))))) < LEARN_TURN_DEG:
                    return np.degrees(np.arccos(np.clip(up @ self.up_plank, -1.0, 1.0)))
                self.down_dir = side[k] / np.linalg.norm(side[k])
            return Mounting.rotation_deg(self, up)

        def to_dict(self) -> dict[str, Any]:
            if self.down_dir is not None:
                return Mounting.to_dict(self)
            return {"placement": self.placement, "up_plank": [float(v) for v in self.up_plank],
                    "down_dir": None, "pitch_plank_deg": float(self.pitch_plank_deg),
                    "absolute": bool(self.absolute)}

    return _PlankOnly


#: Degrees a window must turn before it fixes a plank-only mounting's sagittal direction.
LEARN_TURN_DEG = 5.0


def PlankOnlyMounting(placement: str, up_plank: Any, down_dir: Any, pitch_plank_deg: float,
                      absolute: bool) -> Any:
    """An engine ``Mounting`` from a still plank, its sagittal direction learned at the first rep."""
    return _plank_only_class()(placement, up_plank, down_dir, pitch_plank_deg, absolute)
