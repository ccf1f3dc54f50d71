"""Opening text recordings that may be gzip-compressed (``.csv.gz``), decided by content."""
from __future__ import annotations

import gzip
import io
import os
from typing import IO

GZIP_MAGIC = b"\x1f\x8b"


def is_gzip(path: str | os.PathLike[str]) -> bool:
    """True when the file starts with the gzip magic bytes."""
    try:
        with open(path, "rb") as fh:
            return fh.read(2) == GZIP_MAGIC
    except OSError:
        return False


def open_text(path: str | os.PathLike[str], encoding: str = "utf-8-sig") -> IO[str]:
    """Open a text file for reading, transparently decompressing gzip; newlines kept as written."""
    if is_gzip(path):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding=encoding, newline="")
    return open(path, "r", encoding=encoding, newline="")


def read_head(path: str | os.PathLike[str], n_bytes: int = 8192) -> bytes:
    """The first bytes of the (decompressed) content; a broken gzip stream gives what could be read."""
    if is_gzip(path):
        try:
            with gzip.open(path, "rb") as fh:
                return fh.read(n_bytes)
        except (OSError, EOFError, gzip.BadGzipFile):
            return b"\x00"  # treated as binary: not a readable recording
    with open(path, "rb") as fh:
        return fh.read(n_bytes)


def compression(path: str | os.PathLike[str]) -> str | None:
    """The ``compression=`` argument pandas needs for this file."""
    return "gzip" if is_gzip(path) else None
