"""Benchmark of the arm placements (upper_arm, wrist) and the real upper-arm sets.

    python benchmarks/arm.py [--sessions 120] [--workers 1] [--out benchmarks/results_arm.md] [--per-file]

Simulated sessions: parameters from :func:`imu_pushup.simulate.sample_session_params` (tempo,
pauses, depth, sag, knee, mounting, 25-200 Hz, packet loss, fatigue), each with an upper-arm and a
wrist sensor, analysed one sensor at a time against the simulator's truth; then distractor
sessions (walking, squats, plank hold) that must give zero reps. Real data (never copied into the
repository): the workout-buddy upper-arm sets in ``../shared/data`` with their reported counts.
Prints one markdown table and writes it to ``--out``.
"""
from __future__ import annotations

import argparse
import csv
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

ARMS = ("upper_arm", "wrist")
EVENTS = ("t_start", "t_bottom", "t_ascent", "t_end")
DISTRACTORS = ("walking", "squats", "plank_hold")
ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("IMU_PUSHUP_DATA", ROOT.parent / "shared" / "data"))


def one_session(seed: int, kind: str | None = None) -> list[dict[str, Any]]:
    """Simulate one session with both arm sensors; compare each analysis with the truth."""
    from imu_pushup.engine.analyze import analyze
    from imu_pushup.simulate import sample_session_params, simulate_session
    params = sample_session_params(np.random.default_rng(50_000 + seed))
    params["placements"] = ARMS
    params["kind"] = kind or "pushups"
    sim = simulate_session(seed=seed, **params)
    truth = sim.truth.get("reps", []) if params["kind"] == "pushups" else []
    out = []
    for p in ARMS:
        row: dict[str, Any] = {"seed": seed, "placement": p, "kind": params["kind"], "n_true": len(truth),
                               "rate": params["sampling_rate_hz"], "error": None, "n_found": None}
        try:
            reps = analyze(sim.recordings[p], height_m=params.get("height_m"), keep_signals=False).reps
        except Exception as exc:  # a crash is a result too
            row["error"] = f"{type(exc).__name__}: {exc}"
            out.append(row)
            continue
        row["n_found"] = len(reps)
        if len(reps) == len(truth) and len(truth):
            for ev in EVENTS:
                row[ev] = [float(a - b[ev]) for a, b in zip(reps[ev], truth)]
            row["latency"] = [float(a - b) for a, b in zip(reps["t_reported"], reps["t_end"])]
        out.append(row)
    return out


def _distractor(args: tuple[int, str]) -> list[dict[str, Any]]:
    return one_session(args[0], args[1])


def real_sets(per_file: bool = False) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Exact / within-one counts on the workout-buddy sets (when the data is present)."""
    from imu_pushup.engine.analyze import analyze
    from imu_pushup.io.read import read
    wb = DATA_DIR / "workout-buddy"
    if not (wb / "sets.csv").exists():
        return [("real workout-buddy sets", "data absent", "-")], []
    exact = within = total = crash = 0
    lines = []
    with open(wb / "sets.csv", newline="") as fh:
        for r in csv.DictReader(fh):
            total += 1
            want = int(r["reps"])
            try:
                rec = read(wb / "sensorlog" / f"{r['set']}.csv", placement="upper_arm")
                n = analyze(rec, height_m=float(r["height_m"]), keep_signals=False).n_reps
            except Exception as exc:
                crash += 1
                lines.append(f"| {r['set']} | {want} | crash: {type(exc).__name__} |")
                continue
            exact += n == want
            within += abs(n - want) <= 1
            lines.append(f"| {r['set']} | {want} | {n}{'' if n == want else ' ✗'} |")
    rows = [(f"real workout-buddy upper-arm sets ({total}): exact / within 1 / crashes",
             f"{exact} / {within} / {crash}", f"{total} / {total} / 0")]
    return rows, lines if per_file else []


def summarise(results: list[dict[str, Any]], dis: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    crashes = [r for r in results + dis if r["error"]]
    rows.append(("simulated analyses / crashes", f"{len(results) + len(dis)} / {len(crashes)}", "0 crashes"))
    for p in ARMS:
        rs = [r for r in results if r["placement"] == p and not r["error"]]
        if rs:
            ok = sum(r["n_found"] == r["n_true"] for r in rs)
            w1 = sum(abs(r["n_found"] - r["n_true"]) <= 1 for r in rs)
            rows.append((f"{p}: rep count exact / within 1 ({len(rs)} sessions)",
                         f"{100 * ok / len(rs):.1f} % / {100 * w1 / len(rs):.1f} %", ">= 97 %"))
            for ev in EVENTS:
                errs = np.abs(np.concatenate([r[ev] for r in rs if ev in r] or [np.zeros(0)]))
                if len(errs):
                    rows.append((f"{p}: {ev} abs error median / p90 (ms)",
                                 f"{1000 * np.median(errs):.0f} / {1000 * np.percentile(errs, 90):.0f}",
                                 "<= 80 median"))
            lat = np.concatenate([r["latency"] for r in rs if "latency" in r] or [np.zeros(0)])
            if len(lat):
                rows.append((f"{p}: report delay after t_end median / p90 (s)",
                             f"{np.median(lat):.2f} / {np.percentile(lat, 90):.2f}",
                             "- (first reps wait for the series)"))
        for kind in DISTRACTORS:
            ds = [r for r in dis if r["placement"] == p and r["kind"] == kind and not r["error"]]
            if ds:
                bad = sum(r["n_found"] > 0 for r in ds)
                rows.append((f"{p}: {kind} sessions with reps (of {len(ds)})",
                             f"{bad} ({sum(r['n_found'] for r in ds)} reps)", "0"))
    return rows


def table(rows: list[tuple[str, str, str]]) -> str:
    out = ["| measure | value | target |", "|---|---|---|"]
    out += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=120, help="simulated push-up sessions")
    ap.add_argument("--distractors", type=int, default=10, help="sessions of each distractor kind")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results_arm.md"))
    ap.add_argument("--per-file", action="store_true", help="list every real set")
    a = ap.parse_args(argv)
    seeds = list(range(a.sessions))
    dis_args = [(10_000 + i * 7 + j, kind) for i in range(a.distractors) for j, kind in enumerate(DISTRACTORS)]
    results: list[dict[str, Any]] = []
    dis: list[dict[str, Any]] = []
    if a.workers > 1:
        with ProcessPoolExecutor(a.workers) as ex:
            for r in ex.map(one_session, seeds, chunksize=4):
                results.extend(r)
            for r in ex.map(_distractor, dis_args, chunksize=2):
                dis.extend(r)
    else:
        for s in seeds:
            results.extend(one_session(s))
        for d in dis_args:
            dis.extend(_distractor(d))
    rows = summarise(results, dis)
    real, lines = real_sets(a.per_file)
    rows += real
    misses = [f"{r['placement']} seed {r['seed']}: {r['n_found']}/{r['n_true']}" for r in results + dis
              if r["n_found"] != r["n_true"]]
    text = "# Arm placements benchmark\n\n" + table(rows) + "\n"
    if misses:
        text += "\nMiscounted simulated sessions (found/true): " + ", ".join(misses) + "\n"
    if lines:
        text += "\n| real set | reported | found |\n|---|---|---|\n" + "\n".join(lines) + "\n"
    Path(a.out).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
