"""Benchmark: accuracy over simulated sessions, speed, memory, real recordings. One markdown table.

    python -m imu_pushup.bench [--sessions 200] [--quick] [--workers 2] [--out benchmarks/results.md]

Each simulated session (parameters from :func:`imu_pushup.simulate.sample_session_params`,
spanning tempo, pauses, depth, sag, knee, mounting, 25-200 Hz, packet loss and distractors) is
analysed once per placement it carries, that sensor alone, and compared with the simulator's truth.
Real data (read from ``../shared/data`` when present, never copied): workout-buddy upper-arm sets
(reported counts) and gains-pushup sternum windows (one rep each).
"""
from __future__ import annotations

import argparse
import copy
import json
import math
import os
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

PLACEMENTS = ("chest", "lumbar", "upper_arm", "wrist")
EVENTS = ("t_start", "t_bottom", "t_ascent", "t_end")
DATA_DIR = Path(os.environ.get("IMU_PUSHUP_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def _analyze_diag(rec, height_m: float | None):
    """Analyse one recording; also return the engine's rejected candidates by reason."""
    from .engine.stream import StreamAnalyzer
    an = StreamAnalyzer({rec.placement: float(rec.sampling_rate_hz)}, height_m=height_m)
    an.feed(rec.placement, rec.t, rec.acc, rec.gyr)
    an.finish()
    trunk = getattr(an, "trunk", None)
    return an.result(), dict(trunk.rejections) if trunk is not None else {}


def _one_session(seed: int) -> list[dict[str, Any]]:
    from .simulate import sample_session_params, simulate_session
    params = sample_session_params(np.random.default_rng(10_000 + seed))
    sim = simulate_session(seed=seed, **params)
    truth = sim.truth.get("reps", [])
    out = []
    for p in PLACEMENTS:
        if p not in sim.recordings:
            continue
        rejections: dict[str, int] = {}
        try:
            res, rejections = _analyze_diag(sim.recordings[p], params.get("height_m"))
            reps = res.reps
            err = None
        except Exception as exc:  # a crash is a result too
            reps, err = None, f"{type(exc).__name__}: {exc}"
        row: dict[str, Any] = {"seed": seed, "placement": p, "kind": params["kind"],
                               "n_true": len(truth), "n_found": None if reps is None else len(reps),
                               "error": err, "rate": params["sampling_rate_hz"],
                               "variant": params.get("variant"), "rejections": rejections}
        if reps is not None and len(reps) == len(truth) and len(truth):
            for ev in EVENTS:
                row[ev] = [float(a - b["t_start" if False else ev]) for a, b in zip(reps[ev], truth)]
            row["descent"] = [float(a - b["descent_s"]) for a, b in zip(reps["descent_s"], truth)]
            row["depth"] = [float(a) - b["depth_m"] for a, b in zip(reps["depth_m"], truth)
                            if a is not None and not (isinstance(a, float) and math.isnan(a))]
            row["latency"] = [float(a - b) for a, b in zip(reps["t_reported"], reps["t_end"])]
        out.append(row)
    return out


def miss_breakdown(results: list[dict[str, Any]]) -> list[str]:
    """Per placement: sessions counted short / long, and the rejected candidates in them by reason."""
    lines = []
    for p in PLACEMENTS:
        rs = [r for r in results if r["placement"] == p and not r["error"]]
        bad = [r for r in rs if r["n_found"] != r["n_true"]]
        if not rs:
            continue
        short = [r for r in bad if r["n_found"] < r["n_true"]]
        long_ = [r for r in bad if r["n_found"] > r["n_true"]]
        lines.append(f"{p}: {len(bad)} of {len(rs)} sessions miscounted ({len(short)} short, "
                     f"{len(long_)} long; distractors among them: {sum(r['kind'] != 'pushups' for r in bad)})")
        causes: dict[str, int] = {}
        for r in bad:
            for k, v in r.get("rejections", {}).items():
                causes[k] = causes.get(k, 0) + v
        for k, v in sorted(causes.items(), key=lambda kv: -kv[1]):
            lines.append(f"    candidates rejected: {k}: {v}")
        for r in bad[:12]:
            lines.append(f"    seed {r['seed']}: {r['kind']} {r['variant']} {r['rate']:g} Hz, "
                         f"found {r['n_found']} of {r['n_true']}")
    return lines


def accuracy_rows(n_sessions: int, workers: int, verbose: bool = False) -> list[tuple[str, str, str]]:
    seeds = list(range(n_sessions))
    results: list[dict[str, Any]] = []
    if workers > 1:
        with ProcessPoolExecutor(workers) as ex:
            for r in ex.map(_one_session, seeds, chunksize=4):
                results.extend(r)
    else:
        for s in seeds:
            results.extend(_one_session(s))
    if verbose:
        print("\n".join(miss_breakdown(results)))
    rows: list[tuple[str, str, str]] = []
    crashes = [r for r in results if r["error"]]
    rows.append(("simulated sessions / sensor analyses / crashes",
                 f"{n_sessions} / {len(results)} / {len(crashes)}", "0 crashes"))
    targets = {"chest": ">= 99 %", "lumbar": "-", "upper_arm": ">= 97 %", "wrist": ">= 97 %"}
    for p in PLACEMENTS:
        rs = [r for r in results if r["placement"] == p and not r["error"]]
        push = [r for r in rs if r["kind"] == "pushups"]
        dis = [r for r in rs if r["kind"] != "pushups"]
        if not push:
            continue
        exact = np.mean([r["n_found"] == r["n_true"] for r in push])
        within = np.mean([abs(r["n_found"] - r["n_true"]) <= 1 for r in push])
        rows.append((f"{p}: count exact / within 1 ({len(push)} sessions)",
                     f"{100 * exact:.1f} % / {100 * within:.1f} %", targets[p]))
        if dis:
            rows.append((f"{p}: distractor sessions with reps / false reps",
                         f"{sum(r['n_found'] > 0 for r in dis)} of {len(dis)} / {sum(r['n_found'] for r in dis)}", "0"))
        for ev in EVENTS:
            e = np.abs(np.concatenate([r[ev] for r in push if ev in r] or [np.zeros(0)])) * 1000
            if len(e):
                tgt = "<= 40 / <= 100" if p == "chest" else ("<= 80 median" if p in ("upper_arm", "wrist") else "-")
                rows.append((f"{p}: {ev} abs. error median / p90 (ms)",
                             f"{np.median(e):.0f} / {np.percentile(e, 90):.0f}", tgt))
        d = np.abs(np.concatenate([r["descent"] for r in push if "descent" in r] or [np.zeros(0)])) * 1000
        if len(d):
            rows.append((f"{p}: descent_s abs. error median (ms)", f"{np.median(d):.0f}", "<= 50"))
        dd = np.abs(np.concatenate([r["depth"] for r in push if r.get("depth")] or [np.zeros(0)])) * 100
        if len(dd):
            rows.append((f"{p}: depth_m abs. error median / p90 (cm)",
                         f"{np.median(dd):.1f} / {np.percentile(dd, 90):.1f}",
                         "<= 1.5 / <= 3" if p == "chest" else "-"))
        lat = np.concatenate([r["latency"] for r in push if "latency" in r] or [np.zeros(0)]) * 1000
        if len(lat):
            rows.append((f"{p}: live report after t_end max / p95 (ms)",
                         f"{np.max(lat):.0f} / {np.percentile(lat, 95):.0f}", "<= 300"))
    return rows


#: One person's chest strap for the long recording (quaternion x, y, z, w): the sensor stays worn
#: the same way from set to set.
LONG_MOUNT_XYZW = (0.3, -0.5, 0.2, 0.787)


def _long_recording(minutes: float, rate: float = 100.0):
    """A long chest recording: simulated sessions (sets between standing rests) back to back on
    one clock, the sensor worn the same way throughout."""
    from .recording import from_arrays
    from .simulate import simulate_session
    q = np.asarray(LONG_MOUNT_XYZW, dtype=float)
    mount = {"chest": list(q / np.linalg.norm(q))}
    parts_t, parts_a, parts_g, ends = [], [], [], []
    t_end = 0.0
    seed = 0
    while t_end < minutes * 60.0:
        sim = simulate_session(seed=seed, n_reps=15, placements=("chest",), sampling_rate_hz=rate,
                               mount=mount)
        rec = sim.recordings["chest"]
        t = np.arange(len(rec.t)) / rate + t_end
        ends.extend(r["t_end"] - float(rec.t[0]) + t_end for r in sim.truth["reps"])
        parts_t.append(t)
        parts_a.append(rec.acc)
        parts_g.append(rec.gyr)
        t_end = t[-1] + 1.0 / rate
        seed += 1
    t = np.concatenate(parts_t)
    keep = t < minutes * 60.0
    rec = from_arrays(t[keep], np.vstack(parts_a)[keep], np.vstack(parts_g)[keep], placement="chest",
                      sampling_rate_hz=rate)
    true_ends = np.array([e for e in ends if e < t[keep][-1]])
    return rec, true_ends


def speed_rows(quick: bool) -> list[tuple[str, str, str]]:
    from scipy import signal
    from .engine.stream import StreamAnalyzer
    rows: list[tuple[str, str, str]] = []
    minutes = 60.0
    rec, true_ends = _long_recording(minutes)
    x = np.hstack((rec.acc, rec.gyr))
    sos = signal.butter(4, 5.0, fs=100.0, output="sos")
    t0 = time.perf_counter()
    signal.sosfilt(sos, x, axis=0)
    t_sos = time.perf_counter() - t0
    t0 = time.perf_counter()
    an = StreamAnalyzer({"chest": 100.0})
    an.feed("chest", rec.t, rec.acc, rec.gyr)
    an.finish()
    t_batch = time.perf_counter() - t0
    n_batch = an.result().n_reps
    rows.append(("speed: 60 min 100 Hz chest, batch / one sosfilt pass",
                 f"{t_batch:.2f} s / {t_sos:.3f} s = {t_batch / t_sos:.1f}x ({n_batch} of {len(true_ends)} reps)",
                 "<= 10x"))
    n = len(rec.t) if not quick else len(rec.t) // 6
    an = StreamAnalyzer({"chest": 100.0})
    t, acc, gyr = rec.t, rec.acc, rec.gyr
    t0 = time.perf_counter()
    for i in range(0, n, 10):
        an.feed("chest", t[i:i + 10], acc[i:i + 10], gyr[i:i + 10])
    t_live = time.perf_counter() - t0
    frac = t_live / (n / 100.0)
    rows.append((f"speed: 10-sample chunks, share of real time ({n / 6000:.0f} min)",
                 f"{100 * frac:.2f} %", "< 1 %"))
    # the retained rep table, per rep (what a long recording's result holds by design)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    table = copy.deepcopy(an.rows)
    per_rep_kb = (tracemalloc.get_traced_memory()[0] - before) / max(len(table), 1) / 1e3
    tracemalloc.stop()
    del table
    rows.extend(soak_rows(rec, true_ends, 0.5 if quick else 2.0))
    rows.append(("memory: rep table kept for the result, per rep (KB)", f"{per_rep_kb:.1f}", "-"))
    return rows


def soak_rows(rec, true_ends: np.ndarray, hours: float) -> list[tuple[str, str, str]]:
    """Stream the long recording over and over for ``hours`` in 1 s chunks, as a live coach would
    (``keep_reps=False``: the events are consumed as they come): engine memory, the reps counted
    against the truth, and the same content early and late in the stream."""
    from .engine.stream import StreamAnalyzer
    rows: list[tuple[str, str, str]] = []
    t, acc, gyr = rec.t, rec.acc, rec.gyr
    an = StreamAnalyzer({"chest": 100.0}, keep_reps=False)
    step = 100
    m = len(t) // step * step          # whole chunks per replay, so every replay is the same
    rep_s = m / 100.0
    total = int(hours * 3600 * 100)
    soak: list[tuple[float, float]] = []
    tracemalloc.start()
    marks = []
    for i in range(0, total, step):
        j = i % m
        for ev in an.feed("chest", t[j:j + step] + (i - j) / 100.0, acc[j:j + step], gyr[j:j + step]):
            if ev.type == "rep_completed":
                soak.append((ev.data["t_end"], ev.data.get("t_reported", ev.t) - ev.data["t_end"]))
        if i % (total // 4) < step:
            marks.append(tracemalloc.get_traced_memory()[0] / 1e6)
    tracemalloc.stop()
    rows.append((f"memory: engine MB at 1/4, 2/4, 3/4 of a {hours:g} h stream (live, events consumed)",
                 " / ".join(f"{v:.2f}" for v in marks[1:]), "flat"))
    replays = total / m
    ends = np.array([e for e, _ in soak])
    delay = np.array([d for _, d in soak])
    in_replay = true_ends[true_ends < rep_s]
    expected = len(in_replay) * math.floor(replays) + int(np.sum(in_replay < (replays % 1) * rep_s))
    rows.append((f"soak: reps in the {hours:g} h stream / true reps", f"{len(soak)} / {expected}", "equal"))
    # the same content early and late: the first quarter of the first and of the last replay
    last_replay = math.floor(replays - 1e-9) * rep_s
    early = ends < rep_s / 4
    late = (ends >= last_replay) & (ends < last_replay + rep_s / 4)
    if early.any() and late.any():
        rows.append(("soak: reps and report delay p95 (ms), same content early / late in the stream",
                     f"{int(early.sum())} reps, {1000 * np.percentile(delay[early], 95):.0f} / "
                     f"{int(late.sum())} reps, {1000 * np.percentile(delay[late], 95):.0f}", "unchanged"))
    return rows


def real_rows() -> list[tuple[str, str, str]]:
    import csv
    from .engine.analyze import analyze
    from .io.read import read
    rows: list[tuple[str, str, str]] = []
    wb = DATA_DIR / "workout-buddy"
    if (wb / "sets.csv").exists():
        exact = within = total = crash = 0
        misses = []
        with open(wb / "sets.csv", newline="") as fh:
            for r in csv.DictReader(fh):
                total += 1
                try:
                    rec = read(wb / "sensorlog" / f"{r['set']}.csv", placement="upper_arm")
                    n = analyze(rec, height_m=float(r["height_m"]), keep_signals=False).n_reps
                except Exception:
                    crash += 1
                    continue
                want = int(r["reps"])
                exact += n == want
                within += abs(n - want) <= 1
                if n != want:
                    misses.append(f"{n}/{want}")
        rows.append((f"real workout-buddy upper-arm sets ({total}): exact / within 1 / crashes",
                     f"{exact} / {within} / {crash}", f"{total} exact, 0 crashes"))
    gp = DATA_DIR / "gains-pushup"
    files = sorted(gp.glob("*.json")) if gp.exists() else []
    if files:
        from .recording import from_arrays
        from .units import GRAVITY_M_S2
        one = n_win = 0
        for f in files:
            for s in json.loads(f.read_text())["sessions"]:
                d = s["data"]
                if len(d) < 10:
                    continue
                acc = np.array([[x["ax"], x["ay"], x["az"]] for x in d]) * GRAVITY_M_S2
                gyr = np.array([[x["gx"], x["gy"], x["gz"]] for x in d])
                t = np.arange(len(d)) / 40.0
                n_win += 1
                try:
                    rec = from_arrays(t, acc, gyr, placement="chest", sampling_rate_hz=40.0)
                    one += analyze(rec, keep_signals=False).n_reps == 1
                except Exception:
                    pass
        rows.append((f"real gains-pushup sternum windows ({n_win}): exactly one rep found",
                     f"{100 * one / max(n_win, 1):.0f} %", "-"))
    return rows


def _late_start(seed: int) -> list[tuple[str, bool]]:
    """One simulated chest session cut to start on all fours, in the plank as it is entered, and a
    second into the plank: (start, count exact) for each."""
    from .engine.analyze import analyze
    from .recording import from_arrays
    from .simulate import simulate_session
    sim = simulate_session(seed=seed, n_reps=6, variant=("toe", "knee")[seed % 2], mount="random",
                           sampling_rate_hz=(25.0, 50.0, 100.0)[seed % 3])
    rec, truth = sim.recordings["chest"], sim.truth["reps"]
    t_enter = sim.truth["plank"]["t_enter"]
    kin = sim.kinematics
    tt, pitch = kin.index.to_numpy(), kin["trunk_pitch_deg"].to_numpy()
    pitch_plank = pitch[np.searchsorted(tt, t_enter)]
    # the still hands-and-knees posture before the plank (trunk lower than in the plank)
    hold = (np.abs(np.gradient(pitch, tt)) < 0.5) & (tt < t_enter) & (pitch < pitch_plank - 2.0)
    starts = {"in the plank as it is entered": t_enter - 0.3, "1 s into the plank": t_enter + 1.0}
    if hold.any():
        starts = {"on all fours": float(tt[hold][int(hold.sum()) // 2]), **starts}
    out = []
    for name, t0 in starts.items():
        i = int(np.searchsorted(rec.t, t0))
        cut = from_arrays(rec.t[i:], rec.acc[i:], rec.gyr[i:], placement="chest",
                          sampling_rate_hz=rec.sampling_rate_hz)
        out.append((name, analyze(cut, height_m=1.75, keep_signals=False).n_reps == len(truth)))
    return out


def late_start_rows(n_sessions: int, workers: int) -> list[tuple[str, str, str]]:
    """Chest count when the recording starts after the person got down (no turn from standing)."""
    seeds = list(range(n_sessions))
    if workers > 1:
        with ProcessPoolExecutor(workers) as ex:
            results = list(ex.map(_late_start, seeds))
    else:
        results = [_late_start(s) for s in seeds]
    rows = []
    for name in ("on all fours", "in the plank as it is entered", "1 s into the plank"):
        hits = [ok for r in results for n, ok in r if n == name]
        if hits:
            rows.append((f"chest: count exact, recording started {name} ({len(hits)} sessions)",
                         f"{100 * np.mean(hits):.0f} %", ">= 99 %"))
    return rows


def altsim_rows(n_sessions: int, workers: int) -> list[tuple[str, str, str]]:
    """Counting, timing, depth and form on sessions from the independent simulator in ``benchmarks/``.

    Present only in a source checkout (the simulator is a benchmark, not part of the package).
    """
    import sys
    here = Path(__file__).resolve().parents[1] / "benchmarks"
    if not (here / "altsim_bench.py").exists():
        return []
    if str(here) not in sys.path:
        sys.path.insert(0, str(here))
    import altsim_bench as ab
    jobs = [(k, ab.ALL_PLACEMENTS) for k in range(n_sessions)]
    results: list[dict[str, Any]] = []
    if workers > 1:
        with ProcessPoolExecutor(workers) as ex:
            for r in ex.map(ab.run_session, jobs, chunksize=2):
                results.extend(r)
    else:
        for j in jobs:
            results.extend(ab.run_session(j))
    results = [r for r in results if "sim_error" not in r]
    rows: list[tuple[str, str, str]] = []
    for p in ab.ALL_PLACEMENTS:
        rs = [r for r in results if r["placement"] == p]
        push = [r for r in rs if r["kind"] == "pushups"]
        dis = [r for r in rs if r["kind"] != "pushups"]
        if not push:
            continue
        exact = [r for r in push if r["n_found"] == r["n_true"]]
        within = [r for r in push if r["n_found"] is not None and abs(r["n_found"] - r["n_true"]) <= 1]
        crashes = sum(bool(r["error"]) for r in rs)
        rows.append((f"altsim {p}: count exact / within 1 ({len(push)} sessions, {crashes} crashes)",
                     f"{100 * len(exact) / len(push):.1f} % / {100 * len(within) / len(push):.1f} %",
                     ">= 99 %" if p == "chest" else ">= 97 %" if p in ("upper_arm", "wrist") else "-"))
        rows.append((f"altsim {p}: same result fed {ab.CHUNK_CHECK} samples at a time (sessions)",
                     f"{sum(bool(r.get('chunk_same')) for r in rs)} of {len(rs)}", "all"))
        if dis:
            rows.append((f"altsim {p}: distractor sessions with reps / false reps",
                         f"{sum(bool(r['n_found']) for r in dis)} of {len(dis)} / "
                         f"{sum(r['n_found'] or 0 for r in dis)}", "0"))
        for key, unit in (("t_start", "ms"), ("t_end", "ms"), ("depth_m", "cm")):
            e = [v for r in exact for v in r["errs"].get(key, [])]
            if e:
                fmt = "{:.1f}" if unit == "cm" else "{:.0f}"
                rows.append((f"altsim {p}: {key} abs. error median / p90 ({unit}), exact sessions",
                             f"{fmt.format(np.median(e))} / {fmt.format(np.percentile(e, 90))}", "-"))
    for label in ("chest", "chest+lumbar"):
        rows += [(f"altsim form, {label}: {m}", v, t) for m, v, t in ab.form_metrics(results, label)]
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m imu_pushup.bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=200)
    ap.add_argument("--quick", action="store_true", help="40 sessions, shorter speed and memory runs")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--verbose", action="store_true", help="print why sessions were miscounted")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "benchmarks" / "results.md"))
    args = ap.parse_args(argv)
    n = 40 if args.quick else args.sessions
    rows = accuracy_rows(n, args.workers, args.verbose)
    rows += speed_rows(args.quick)
    rows += late_start_rows(10 if args.quick else 40, args.workers)
    rows += real_rows()
    rows += altsim_rows(n, args.workers)
    try:
        from .detectors.form_bench import form_rows
        rows += form_rows(n)
    except ImportError:
        pass
    except Exception as exc:  # the form rows are optional
        rows.append(("form rows", f"failed: {type(exc).__name__}", "-"))
    table = ["| metric | value | target |", "|---|---|---|"] + [f"| {a} | {b} | {c} |" for a, b, c in rows]
    text = "\n".join(table)
    print(text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
