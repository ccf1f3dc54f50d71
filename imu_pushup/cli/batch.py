"""``imu-pushup batch DIR -o reps.parquet``: analyse every recording in a folder in parallel.

One row per rep across all sessions (``session`` and ``source`` columns first). Files that cannot
be analysed are listed with their reason; the batch still finishes and exits 0. ``--engine dask``
runs the same tasks on a local Dask cluster (``LocalCluster(n_workers=N, processes=True)``) or on
the scheduler given by ``--scheduler``.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from ..errors import FormatError, UsageError
from ..units import PLACEMENTS


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "batch", help="analyse a folder of recordings in parallel into one per-rep table",
        description="Analyse every recording in DIR (one session per file) in parallel and write one "
                    "row per rep. Failed files are listed with their reason; exit 0 when the batch ran.")
    p.add_argument("directory", metavar="DIR", help="folder holding the recordings")
    p.add_argument("-o", "--output", required=True, metavar="REPS.parquet",
                   help="per-rep table to write (.parquet or .csv)")
    p.add_argument("--sessions", default=None, metavar="SESSIONS.parquet",
                   help="also write the per-session table (status, reps, error) here")
    p.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="local: a process pool; dask: a Dask LocalCluster (default local)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="parallel workers (default: the number of CPUs)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="with --engine dask: use this running Dask scheduler instead of a local cluster")
    p.add_argument("--pattern", default=None, metavar="GLOB",
                   help="files to take, relative to DIR (default '*.csv' and '*.parquet'; '**/*.csv' recurses)")
    p.add_argument("--per-folder", action="store_true",
                   help="one session per folder: the files in a folder are the sensors of one set "
                        "(e.g. chest.csv and lumbar.csv as written by 'simulate')")
    p.add_argument("--placement", default=None, choices=PLACEMENTS,
                   help="placement of files whose header names none (default chest)")
    p.add_argument("--height-m", type=float, default=None, metavar="H", help="body height in metres for every session")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..batch import analyze_many, dask_executor, find_sessions, write_table

    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers {args.workers}", fix="give at least 1 worker")
    out = Path(args.output)
    if out.suffix.lower() not in (".parquet", ".csv"):
        raise UsageError(f"unsupported output type {out.suffix or '(none)'!r}", source=str(out),
                         fix="write to a .parquet or .csv file")
    paths = find_sessions(args.directory, args.pattern)
    out_resolved = out.resolve()
    paths = [p for p in paths if p.resolve() != out_resolved]
    if not paths:
        raise FormatError(f"no recordings match {args.pattern or '*.csv, *.parquet'}", source=args.directory,
                          fix="check the folder or give --pattern")
    items: list[Any] = list(paths)
    if args.per_folder:
        folders: dict[Path, list[Path]] = {}
        for p in paths:
            folders.setdefault(p.parent, []).append(p)
        items = [sorted(v) for _, v in sorted(folders.items())]
    kwargs: dict[str, Any] = {}
    if args.placement:
        kwargs["placement"] = args.placement
    if args.height_m is not None:
        kwargs["height_m"] = args.height_m
    progress = False if args.no_progress else None
    workers = args.workers or os.cpu_count() or 1
    started = time.perf_counter()
    if args.engine == "dask":
        with dask_executor(workers, address=args.scheduler) as executor:
            result = analyze_many(items, executor, progress=progress, **kwargs)
    else:
        result = analyze_many(items, progress=progress, workers=workers, **kwargs)
    elapsed = time.perf_counter() - started
    write_table(result.reps, out)
    if args.sessions:
        write_table(result.sessions, args.sessions)
    ok = result.n_sessions - len(result.failed)
    print(f"{result.n_sessions} sessions, {ok} analysed, {len(result.failed)} failed, {len(result.reps)} reps "
          f"in {elapsed:.1f} s ({args.engine}, {workers} workers) -> {out}")
    for path, reason in result.failed:
        print(f"FAILED {path}: {reason}")
    sys.stdout.flush()
    return 0
