"""Batch analysis = the streaming engine fed once (or ``chunk_size`` samples at a time).

``analyze(source)`` accepts a :class:`~imu_pushup.recording.Recording`, a
:class:`~imu_pushup.recording.Session`, a path (any supported format), ``"placement=path"``, or a
list of those (several sensors of one session). With ``chunk_size`` the samples are fed in chunks
of that many samples, interleaved across sensors in time order, exactly as a live stream would
arrive: the result is identical to one whole-file feed.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable


from ..errors import FormatError, ImuPushupError, InputError
from ..recording import Recording, Session
from ..results import SessionResult
from .stream import StreamAnalyzer


def load_session(source: Any, placement: str | None = None) -> Session:
    """Recordings of one session from recordings, sessions, paths or ``placement=path`` strings."""
    if isinstance(source, Session):
        return source
    if isinstance(source, Recording):
        return Session([source])
    if isinstance(source, (str, os.PathLike)):
        return Session([_read_one(source, placement)])
    if isinstance(source, Iterable):
        recs: list[Recording] = []
        for item in source:
            if isinstance(item, Session):
                recs.extend(item.recordings)
            elif isinstance(item, Recording):
                recs.append(item)
            elif isinstance(item, (str, os.PathLike)):
                recs.append(_read_one(item, placement))
            else:
                raise InputError(f"cannot analyse a {type(item).__name__}",
                                 fix="give Recording objects or file paths")
        return Session(recs)
    raise InputError(f"cannot analyse a {type(source).__name__}",
                     fix="give a Recording, a Session, a path or a list of them")


def _read_one(spec: str | os.PathLike[str], placement: str | None) -> Recording:
    from ..io.read import read
    text = os.fspath(spec)
    place = placement
    path = text
    if isinstance(text, str) and "=" in text and not Path(text).exists():
        head, tail = text.split("=", 1)
        if head in ("chest", "upper_arm", "wrist", "lumbar", "head"):
            place, path = head, tail
    try:
        return read(path, placement=place)
    except ImuPushupError:
        raise
    except Exception as exc:  # a reader bug or an odd file must still be one clear line
        raise FormatError(f"cannot read ({type(exc).__name__}: {exc})", source=str(path),
                          fix="check the file is a supported recording") from None


def analyze(source: Any, *, height_m: float | None = None, calibration: Any = None,
            chunk_size: int | None = None, placement: str | None = None, settings: Any = None,
            keep_signals: bool = True, **engine_kwargs: Any) -> SessionResult:
    """Analyse one session; see the module docstring. Returns a :class:`SessionResult`."""
    session = load_session(source, placement)
    if chunk_size is not None and int(chunk_size) < 1:
        raise InputError(f"chunk_size must be at least 1 (got {chunk_size})")
    an = StreamAnalyzer({r.placement: float(r.sampling_rate_hz) for r in session.recordings},
                        height_m=height_m, calibration=calibration, settings=settings,
                        keep_signals=keep_signals,
                        sources={r.placement: r.source for r in session.recordings}, **engine_kwargs)
    for placement_, t, acc, gyr in iter_chunks(session, chunk_size):
        an.feed(placement_, t, acc, gyr)
    an.finish()
    return an.result()


def iter_chunks(session: Session, chunk_size: int | None):
    """(placement, t, acc, gyr) chunks of every recording, interleaved by start time."""
    arrays = [(r.placement, r.t, r.acc, r.gyr) for r in session.recordings]
    if chunk_size is None:
        for p, t, acc, gyr in arrays:
            yield p, t, acc, gyr
        return
    n = int(chunk_size)
    pos = [0] * len(arrays)
    while True:
        best = None
        for i, (p, t, acc, gyr) in enumerate(arrays):
            if pos[i] < len(t) and (best is None or t[pos[i]] < arrays[best][1][pos[best]]):
                best = i
        if best is None:
            return
        p, t, acc, gyr = arrays[best]
        a = pos[best]
        b = min(a + n, len(t))
        pos[best] = b
        yield p, t[a:b], acc[a:b], (gyr[a:b] if gyr is not None else None)
