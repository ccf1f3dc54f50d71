"""Many recordings in parallel: one row per rep across a cohort, failures listed, never fatal.

:func:`analyze_many` submits one task per session to any :class:`concurrent.futures.Executor`:
a local :class:`~concurrent.futures.ProcessPoolExecutor` by default, or Dask's distributed
scheduler through ``Client.get_executor()`` (the same code path; see :func:`dask_executor`).
A file that cannot be analysed becomes a ``(path, reason)`` entry in :attr:`BatchResult.failed`
instead of stopping the batch. Tables come back in input order whatever order tasks finish in, so
a batch gives the same table on any executor.
"""
from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence, Union

import numpy as np
import pandas as pd

from .errors import FormatError, ImuPushupError, UsageError

#: Columns that lead the per-rep table: which session and which file(s) the rep came from.
KEY_COLUMNS = ("session", "source")
#: Per-session columns that depend on the machine, not the data (left out when comparing runs).
TIMING_COLUMNS = ("elapsed_s",)

#: One session: a file, or the files of one multi-sensor session.
SessionItem = Union[str, "os.PathLike[str]", Sequence[Union[str, "os.PathLike[str]"]]]


@dataclass
class BatchResult:
    """What a batch found.

    Attributes
    ----------
    reps: one row per rep of every session, ``session`` and ``source`` first, then the per-rep
        columns of :class:`~imu_pushup.results.SessionResult`.
    sessions: one row per session: ``session``, ``source``, ``status`` (``ok``/``failed``),
        ``n_reps``, ``variant``, ``error`` and the scalar summary fields.
    failed: ``(path, reason)`` for every session that could not be analysed.
    """

    reps: pd.DataFrame
    sessions: pd.DataFrame
    failed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def n_sessions(self) -> int:
        return int(len(self.sessions))

    def write(self, path: str | os.PathLike[str]) -> None:
        """Write the per-rep table: ``.parquet`` (lists kept) or ``.csv`` (lists joined by ``;``)."""
        write_table(self.reps, path)

    def __repr__(self) -> str:
        return f"BatchResult(sessions={self.n_sessions}, reps={len(self.reps)}, failed={len(self.failed)})"


def analyze_many(paths: "SessionItem | Iterable[SessionItem]", executor: Executor | None = None, *,
                 analyze_fn: Callable[..., Any] | None = None, progress: bool | None = None,
                 workers: int | None = None, **analyze_kwargs: Any) -> BatchResult:
    """Analyse many sessions in parallel.

    Parameters
    ----------
    paths:
        Files (one session each), sequences of files (one multi-sensor session each), or a
        directory (its ``*.csv``/``*.parquet`` files, see :func:`find_sessions`).
    executor:
        Any :class:`concurrent.futures.Executor`. ``None`` starts a ProcessPoolExecutor with
        ``workers`` (default ``os.cpu_count()``) processes and shuts it down afterwards. For Dask
        pass ``client.get_executor()`` or use :func:`dask_executor`.
    analyze_fn:
        The function applied to each session (default :func:`imu_pushup.analyze`); must return a
        :class:`~imu_pushup.results.SessionResult` and be picklable for process executors.
    progress:
        Progress bar on stderr; default on only when stderr is a terminal.
    analyze_kwargs:
        Passed to ``analyze_fn`` for every session (``height_m``, ``placement``, ``settings`` ...).
    """
    items = _session_items(paths)
    names = session_names(items)
    if progress is None:
        progress = _stderr_is_tty()
    own = executor is None
    if own:
        executor = ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1)
    outcomes: list[dict[str, Any] | None] = [None] * len(items)
    try:
        futures = {executor.submit(run_one, item, name, analyze_fn, analyze_kwargs): k
                   for k, (item, name) in enumerate(zip(items, names))}
        with _progress_bar(len(futures), progress) as bar:
            for fut in as_completed(futures):
                k = futures[fut]
                try:
                    outcomes[k] = fut.result()
                except BaseException as exc:  # the worker itself died (killed, out of memory ...)
                    if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                        raise
                    outcomes[k] = _failure(items[k], names[k], f"worker failed: {_one_line(exc)}", 0.0)
                bar.update(1)
    finally:
        if own:
            executor.shutdown(wait=True, cancel_futures=True)
    return _collect([o for o in outcomes if o is not None])


def run_one(item: Any, name: str, analyze_fn: Callable[..., Any] | None,
            analyze_kwargs: dict[str, Any]) -> dict[str, Any]:
    """Analyse one session in a worker; every exception becomes a failure record."""
    started = time.perf_counter()
    try:
        if analyze_fn is None:
            from . import analyze as analyze_fn
        source = [str(p) for p in item] if isinstance(item, (list, tuple)) else str(item)
        result = analyze_fn(source, **analyze_kwargs)
        reps = result.reps.copy()
        summary = {k: v for k, v in (result.summary or {}).items() if _is_scalar(v)}
        sensors = list(getattr(result, "sensors", []) or [])
        return {"session": name, "source": _source_text(item), "status": "ok", "reps": reps,
                "n_reps": int(len(reps)), "variant": getattr(result, "variant", None),
                "sampling_rate_hz": _lead_rate(sensors), "summary": summary, "error": None,
                "elapsed_s": time.perf_counter() - started}
    except ImuPushupError as exc:
        return _failure(item, name, str(exc), time.perf_counter() - started)
    except Exception as exc:  # an analysis bug must not stop a cohort: report it as a failure
        return _failure(item, name, f"internal error {_one_line(exc)}", time.perf_counter() - started)


def find_sessions(directory: str | os.PathLike[str], pattern: str | None = None) -> list[Path]:
    """Recording files in ``directory`` (sorted). Default: ``*.csv``, ``*.csv.gz`` and ``*.parquet``.

    ``pattern`` is a glob relative to the directory (``**/*.csv`` descends into sub-folders).
    Raw BLE logs (``*.raw.jsonl``) and batch outputs are never picked up by the default.
    """
    root = Path(directory)
    if not root.is_dir():
        raise UsageError("not a directory", source=str(root), fix="give the folder holding the recordings")
    patterns = [pattern] if pattern else ["*.csv", "*.csv.gz", "*.parquet"]
    found = {p for pat in patterns for p in root.glob(pat) if p.is_file()}
    return sorted(found)


def session_names(items: Sequence[Any]) -> list[str]:
    """Short, unique session names: the path relative to the common folder, without suffix."""
    firsts = [Path(i[0] if isinstance(i, (list, tuple)) else i) for i in items]
    if not firsts:
        return []
    try:
        root = Path(os.path.commonpath([str(p.resolve().parent) for p in firsts]))
    except ValueError:  # different drives
        root = None
    names = []
    for item, p in zip(items, firsts):
        if isinstance(item, (list, tuple)):
            p = p.parent if len(item) > 1 else p
        rel = p.resolve().relative_to(root) if root is not None else p
        name = str(rel.with_suffix("")) if rel.suffix else str(rel)
        names.append(name if name not in ("", ".") else p.stem)
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}#{seen[n]}")
    return out


@contextlib.contextmanager
def dask_executor(n_workers: int = 2, *, processes: bool = True, threads_per_worker: int = 1,
                  address: str | None = None) -> Iterator[Executor]:
    """A Dask executor: a new ``LocalCluster`` (or the scheduler at ``address``), closed on exit."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise UsageError("the Dask engine needs dask and distributed",
                         fix="pip install 'imu-pushup[dask]' or use --engine local") from None
    if address:
        client = Client(address)
        cluster = None
    else:
        cluster = LocalCluster(n_workers=n_workers, processes=processes, threads_per_worker=threads_per_worker,
                               dashboard_address=None, silence_logs=logging.ERROR)
        client = Client(cluster)
    try:
        client.run(_warm_up)  # import the analysis once per worker, outside any task's time
        yield client.get_executor()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _warm_up() -> None:
    import importlib
    with contextlib.suppress(ImportError):
        importlib.import_module("imu_pushup.engine.analyze")


def write_table(df: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write a per-rep or per-session table as Parquet or CSV (by suffix)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        try:
            df.reset_index(drop=True).to_parquet(path, index=False)
        except ImportError:
            raise UsageError("writing Parquet needs pyarrow", source=str(path),
                             fix="pip install 'imu-pushup[parquet]' or write a .csv") from None
    elif suffix == ".csv":
        flat = df.copy()
        for c in flat.columns:
            if flat[c].map(lambda v: isinstance(v, (list, tuple, np.ndarray))).any():
                flat[c] = flat[c].map(lambda v: ";".join(map(str, v)) if isinstance(v, (list, tuple, np.ndarray)) else v)
        flat.to_csv(path, index=False)
    else:
        raise UsageError(f"unsupported output type {suffix or '(none)'!r}", source=str(path),
                         fix="write to a .parquet or .csv file")


# -- internals ----------------------------------------------------------------------------------

def _session_items(paths: Any) -> list[Any]:
    if isinstance(paths, (str, os.PathLike)):
        p = Path(paths)
        if p.is_dir():
            items: list[Any] = list(find_sessions(p))
            if not items:
                raise FormatError("no *.csv or *.parquet recordings in this folder", source=str(p),
                                  fix="point at the folder holding the recordings")
            return items
        return [p]
    return [list(i) if isinstance(i, (list, tuple)) else i for i in paths]


def _failure(item: Any, name: str, reason: str, elapsed_s: float) -> dict[str, Any]:
    return {"session": name, "source": _source_text(item), "status": "failed", "reps": None, "n_reps": 0,
            "variant": None, "sampling_rate_hz": np.nan, "summary": {}, "error": " ".join(reason.split()),
            "elapsed_s": elapsed_s}


def _collect(outcomes: list[dict[str, Any]]) -> BatchResult:
    frames = []
    for o in outcomes:
        reps = o["reps"]
        if reps is None or len(reps) == 0:
            continue
        reps = reps.reset_index(drop=True)
        reps.insert(0, "source", o["source"])
        reps.insert(0, "session", o["session"])
        frames.append(reps)
    if frames:
        reps_all = pd.concat(frames, ignore_index=True)
    else:
        from .results import empty_reps
        reps_all = empty_reps()
        reps_all.insert(0, "source", pd.Series(dtype=object))
        reps_all.insert(0, "session", pd.Series(dtype=object))
    rows = []
    for o in outcomes:
        row = {k: o[k] for k in ("session", "source", "status", "n_reps", "variant", "sampling_rate_hz", "error")}
        for k, v in o["summary"].items():
            if k not in row and k != "reps":
                row[k] = v
        row["elapsed_s"] = o["elapsed_s"]
        rows.append(row)
    sessions = pd.DataFrame(rows, columns=None if rows else
                            ["session", "source", "status", "n_reps", "variant", "sampling_rate_hz", "error", "elapsed_s"])
    failed = [(o["source"], o["error"]) for o in outcomes if o["status"] == "failed"]
    return BatchResult(reps=reps_all, sessions=sessions, failed=failed)


def _source_text(item: Any) -> str:
    if isinstance(item, (list, tuple)):
        return ";".join(str(p) for p in item)
    return str(item)


def _lead_rate(sensors: list[dict[str, Any]]) -> float:
    for s in sensors:
        rate = s.get("sampling_rate_hz")
        if rate is not None:
            return float(rate)
    return float("nan")


def _is_scalar(v: Any) -> bool:
    return v is None or isinstance(v, (str, bool, int, float, np.generic))


def _one_line(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:300]


def _stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def __enter__(self) -> "_NoBar":
        return self

    def __exit__(self, *exc: Any) -> None:
        pass


def _progress_bar(total: int, enabled: bool) -> Any:
    if not enabled:
        return _NoBar()
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _NoBar()
    return tqdm(total=total, file=sys.stderr, unit="session", desc="analyse", leave=False)
