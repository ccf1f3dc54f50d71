"""Typed exceptions for everything a user can get wrong.

Every error names the file (or stream), the place in it and the fix, and renders as one line, so
the CLI can print ``str(err)`` and exit with status 2. Catch :class:`ImuPushupError` for all of them.
"""
from __future__ import annotations


class ImuPushupError(Exception):
    """Base class: a problem with the user's input that the user can fix."""

    def __init__(self, problem: str, *, source: str | None = None, where: str | None = None,
                 fix: str | None = None) -> None:
        self.problem = problem
        self.source = source
        self.where = where
        self.fix = fix
        super().__init__(self._render())

    def _render(self) -> str:
        head = ":".join(str(p) for p in (self.source, self.where) if p)
        text = f"{head}: {self.problem}" if head else self.problem
        if self.fix:
            text += f" ({self.fix})"
        return " ".join(text.split())  # always one line

    def located(self, source: str | None = None, where: str | None = None) -> "ImuPushupError":
        """Return the same error with the file and place filled in where they were missing."""
        self.source = self.source or source
        self.where = self.where or where
        self.args = (self._render(),)
        return self


class InputError(ImuPushupError, ValueError):
    """The data cannot be used as given."""


class FormatError(InputError):
    """The file is not in a supported format, or is corrupt (empty, truncated, garbage)."""


class ColumnError(InputError):
    """Columns are missing, unknown or not numeric."""


class UnitError(InputError):
    """The values are in the wrong unit (g or mG instead of m/s², rad/s instead of deg/s)."""


class TimestampError(InputError):
    """Timestamps are not strictly increasing, duplicated, or jump."""


class NonFiniteError(InputError):
    """NaN or infinite samples."""


class SamplingRateError(InputError):
    """Too low or too irregular a sampling rate for the detectors."""


class SensorNotWornError(InputError):
    """The sensor never moved or shows no gravity: not worn, not switched on, or a dead axis."""


class CalibrationError(InputError):
    """A calibration file is broken or does not fit the recording (other placement, other sensor)."""


class DecodeError(InputError):
    """A BLE notification or raw log entry cannot be decoded."""


class DeviceError(ImuPushupError):
    """A BLE device could not be found, refused a command, or disconnected for good."""


class UsageError(ImuPushupError):
    """A wrong combination of arguments."""


class SaturationError(InputError):
    """Too many samples at the sensor's full-scale limit: the range was set too small."""
