"""Batch: the same per-rep table from a process pool, threads and a local Dask cluster."""
from __future__ import annotations

import importlib.util
import logging
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.signal import find_peaks

import imu_pushup as ip
from imu_pushup.batch import TIMING_COLUMNS, analyze_many, find_sessions, session_names
from imu_pushup.results import SessionResult, reps_frame
from broken_files.make import make, rocking_motion, write_frame

HAS_ENGINE = importlib.util.find_spec("imu_pushup.engine.analyze") is not None


def cycle_counter(source, **kwargs) -> SessionResult:
    """Stand-in analysis with a known truth: one 'rep' per rocking cycle (peak of gyro magnitude pairs)."""
    rec = ip.read(source, placement=kwargs.get("placement"))
    pitch_like = rec.acc @ np.linalg.svd(rec.acc - rec.acc.mean(0), full_matrices=False)[2][0]
    peaks, _ = find_peaks(pitch_like, distance=int(0.6 * rec.sampling_rate_hz / kwargs.get("freq_hz", 0.6)))
    rows = [{"index": i + 1, "t_start": float(rec.t[a]), "t_end": float(rec.t[b]), "flags": ["sag"] if i % 2 else []}
            for i, (a, b) in enumerate(zip(peaks[:-1], peaks[1:]))]
    return SessionResult(reps=reps_frame(rows), sensors=[{"placement": rec.placement,
                                                          "sampling_rate_hz": rec.sampling_rate_hz}],
                         variant="toe", summary={"mean_cycle_s": float(np.mean(np.diff(rec.t[peaks])))})


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    """Six sessions with known cycle counts, two broken files."""
    d = tmp_path_factory.mktemp("cohort")
    truth = {}
    for k, duration in enumerate([12.0, 15.0, 20.0, 10.0]):
        name = f"p{k:02d}"
        write_frame(rocking_motion(duration_s=duration, rate_hz=50.0, seed=k), d / f"{name}.csv")
        truth[name] = duration
    ip.write(ip.Recording(rocking_motion(duration_s=18.0, rate_hz=50.0, seed=9)), d / "p04.parquet")
    truth["p04"] = 18.0
    make("in_g", d)
    make("binary_garbage", d)
    return d, truth


def _expected_cycles(duration_s: float, freq_hz: float = 0.6) -> int:
    return int(np.floor(duration_s * freq_hz)) - 1  # reps between consecutive peaks


def test_process_pool_recovers_counts_and_lists_failures(cohort):
    d, truth = cohort
    res = analyze_many(d, analyze_fn=cycle_counter, workers=2, progress=False)
    assert res.n_sessions == 7 and len(res.failed) == 2
    reasons = dict(res.failed)
    assert "looks like g" in reasons[str(d / "in_g.csv")]
    assert "binary" in reasons[str(d / "binary_garbage.csv")]
    counts = res.reps.groupby("session").size().to_dict()
    for name, duration in truth.items():
        assert abs(counts[name] - _expected_cycles(duration)) <= 1, name
    assert list(res.reps.columns[:2]) == ["session", "source"]
    ok = res.sessions.set_index("session")
    assert ok.loc["p00", "status"] == "ok" and ok.loc["in_g", "status"] == "failed"
    assert ok.loc["p02", "mean_cycle_s"] == pytest.approx(1 / 0.6, rel=0.05)


def _comparable(res):
    return res.reps, res.sessions.drop(columns=list(TIMING_COLUMNS))


def test_thread_executor_gives_the_same_table(cohort):
    d, _ = cohort
    a = analyze_many(d, analyze_fn=cycle_counter, workers=2, progress=False)
    with ThreadPoolExecutor(2) as ex:
        b = analyze_many(d, ex, analyze_fn=cycle_counter, progress=False)
    for x, y in zip(_comparable(a), _comparable(b)):
        pd.testing.assert_frame_equal(x, y)
    assert a.failed == b.failed


def test_local_dask_cluster_gives_the_same_table(cohort):
    distributed = pytest.importorskip("distributed")
    d, _ = cohort
    local = analyze_many(d, analyze_fn=cycle_counter, workers=2, progress=False)
    cluster = distributed.LocalCluster(n_workers=2, processes=False, threads_per_worker=1,
                                       dashboard_address=None, silence_logs=logging.ERROR)
    try:
        with distributed.Client(cluster) as client:
            dask = analyze_many(d, client.get_executor(), analyze_fn=cycle_counter, progress=False)
    finally:
        cluster.close()
    for x, y in zip(_comparable(local), _comparable(dask)):
        pd.testing.assert_frame_equal(x, y)
    assert local.failed == dask.failed


def test_parquet_output_keeps_flags(cohort, tmp_path):
    d, _ = cohort
    res = analyze_many(sorted(d.glob("p0*.csv")), analyze_fn=cycle_counter, workers=1, progress=False)
    res.write(tmp_path / "reps.parquet")
    back = pd.read_parquet(tmp_path / "reps.parquet")
    assert len(back) == len(res.reps) and list(back["flags"].iloc[1]) == ["sag"]
    res.write(tmp_path / "reps.csv")
    assert "sag" in (tmp_path / "reps.csv").read_text()


def test_multi_sensor_items_and_names(tmp_path):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        write_frame(rocking_motion(rate_hz=50.0), tmp_path / sub / "chest.csv")
    items = [[tmp_path / "a" / "chest.csv"], tmp_path / "b" / "chest.csv"]
    assert session_names(items) == ["a/chest", "b/chest"]
    assert find_sessions(tmp_path, "**/*.csv") == sorted(tmp_path.glob("*/chest.csv"))


def test_empty_batch_gives_empty_tables():
    res = analyze_many([], analyze_fn=cycle_counter, workers=1, progress=False)
    assert res.n_sessions == 0 and len(res.reps) == 0 and "session" in res.reps.columns


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "imu_pushup", "batch", *args], capture_output=True,
                          text=True, timeout=120, cwd=cwd)


def test_cli_bad_directory_exits_2_with_one_line(tmp_path):
    proc = _cli(str(tmp_path / "nope"), "-o", str(tmp_path / "r.parquet"))
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "not a directory" in proc.stderr


def test_cli_lists_failures_and_exits_0(cohort, tmp_path):
    d, _ = cohort
    out = tmp_path / "reps.parquet"
    proc = _cli(str(d), "-o", str(out), "--workers", "2", "--pattern", "*_*.csv", "--sessions",
                str(tmp_path / "sessions.csv"))
    assert proc.returncode == 0, proc.stderr
    assert "FAILED" in proc.stdout and "in_g.csv" in proc.stdout and "binary_garbage.csv" in proc.stdout
    assert out.exists() and (tmp_path / "sessions.csv").exists()


@pytest.mark.skipif(not HAS_ENGINE, reason="imu_pushup.analyze (engine) not built yet")
def test_cli_dask_and_local_agree(cohort, tmp_path):
    d, _ = cohort
    for engine in ("local", "dask"):
        proc = _cli(str(d), "-o", str(tmp_path / f"{engine}.parquet"), "--engine", engine, "--workers", "2")
        assert proc.returncode == 0, proc.stderr
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "local.parquet"),
                                  pd.read_parquet(tmp_path / "dask.parquet"))


@pytest.mark.skipif(not HAS_ENGINE, reason="imu_pushup.analyze (engine) not built yet")
def test_cli_per_folder_makes_one_session_per_folder(tmp_path):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        write_frame(rocking_motion(rate_hz=50.0, seed=1), tmp_path / sub / "chest.csv", "# placement: chest\n")
        write_frame(rocking_motion(rate_hz=50.0, seed=2), tmp_path / sub / "lumbar.csv", "# placement: lumbar\n")
    out = tmp_path / "sessions.csv"
    proc = _cli(str(tmp_path), "--pattern", "*/*.csv", "--per-folder", "-o", str(tmp_path / "reps.csv"),
                "--sessions", str(out), "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    sessions = pd.read_csv(out)
    assert list(sessions["session"]) == ["a", "b"] and set(sessions["status"]) == {"ok"}
    assert sessions["source"].str.contains("lumbar.csv").all()
