"""Batch throughput: sessions per second with 1 and 2 workers (process pool, optionally Dask).

Simulates a cohort of push-up sessions (chest, 100 Hz, 8-12 reps, about 45 s each), writes them as
canonical CSVs to a temporary folder, then times :func:`imu_pushup.batch.analyze_many` over the
folder. Reading, validation and the full analysis are inside the timing; simulation is not.

    python benchmarks/batch_throughput.py [--sessions 16] [--workers 1,2] [--dask]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

import imu_pushup as ip
from imu_pushup.batch import analyze_many, dask_executor


def make_cohort(directory: Path, n: int) -> list[Path]:
    from imu_pushup.simulate import simulate_session
    rng = np.random.default_rng(0)
    paths = []
    for k in range(n):
        sim = simulate_session(seed=k, n_reps=int(rng.integers(8, 13)), placements=("chest",),
                               sampling_rate_hz=100.0)
        path = directory / f"s{k:03d}.csv"
        ip.write(sim.recordings["chest"], path)
        paths.append(path)
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=16)
    ap.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    ap.add_argument("--dask", action="store_true", help="also time a local Dask cluster (processes)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = make_cohort(Path(tmp), args.sessions)
        minutes = sum(ip.read(p).duration_s for p in paths) / 60.0
        print(f"cohort: {len(paths)} sessions, {minutes:.1f} min of 100 Hz chest data")
        reference = None
        for engine in ("local", "dask") if args.dask else ("local",):
            for workers in (int(w) for w in args.workers.split(",")):
                started = time.perf_counter()
                if engine == "dask":
                    with dask_executor(workers) as ex:
                        t0 = time.perf_counter()
                        res = analyze_many(paths, ex, progress=False)
                    run_s = time.perf_counter() - t0
                else:
                    t0 = time.perf_counter()
                    res = analyze_many(paths, workers=workers, progress=False)
                    run_s = time.perf_counter() - t0
                total_s = time.perf_counter() - started
                same = "" if reference is None else ("  same table" if res.reps.equals(reference) else "  TABLE DIFFERS")
                reference = res.reps if reference is None else reference
                print(f"{engine:5s} workers={workers}: {len(paths) / run_s:6.2f} sessions/s "
                      f"({run_s:.1f} s; {total_s:.1f} s with start-up), {len(res.reps)} reps, "
                      f"{len(res.failed)} failed{same}")


if __name__ == "__main__":
    main()
