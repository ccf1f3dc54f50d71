"""Benchmark the engine on sessions from the independent simulator ``benchmarks/altsim.py``.

What it is for: the engine is developed against the project's own simulator; it must hold up on
sessions from simulators it was not developed against. ``altsim`` is a second, independently written world (not a copy of
``imu_pushup.simulate``), so a method that only fits our own synthetic data shows up here as a
drop in counting or timing accuracy. Nothing here tunes the engine; it only measures it.

    python benchmarks/altsim_bench.py [--sessions 200] [--placements chest,upper_arm,wrist,lumbar]
                                      [--workers 2] [--seed0 0] [--out FILE.md]

Each session (seed ``seed0 .. seed0+sessions-1``) is simulated once with all requested placements;
``imu_pushup.analyze(recording, height_m=...)`` then runs on each placement alone. Exceptions count
as crashes (and as miscounts). Each is analysed again fed 64 samples at a time (as live): the
result must be the same. Found reps are paired with the true ones when the count is
exact; timing errors are reported for those sessions only, over found reps matched to a true rep
(found t_bottom inside the true rep's t_start..t_end, +-0.3 s). Per placement it prints one markdown
table, then a line listing the miscounted seeds (found/true, protocol).

Form (issue targets, on the chest and, when the lumbar is simulated too, on both together): over
every found rep matched to a true one, ``sag`` F1 (true hip angle >= 10 deg against within +-3),
``pike`` F1 (<= -10 against within +-3), ``sag_deg`` and ``depth_frac`` median absolute error,
``partial`` F1 (under 60 % of target depth against 85 % or more), and the session ``variant``
against the truth of sessions whose sets share one variant.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

EVENTS = ("t_start", "t_bottom", "t_ascent", "t_end")
DEPTH_PLACEMENTS = ("chest", "lumbar")
#: Each session is analysed again fed this many samples at a time: the result must be the same.
CHUNK_CHECK = 64
ALL_PLACEMENTS = ("chest", "upper_arm", "wrist", "lumbar")


def _match(found_bottoms: list[float], truth: list[dict[str, Any]], slack: float = 0.3) -> list[tuple[int, int]]:
    """Pairs (found, true): a found rep matches the first unused true rep whose [t_start, t_end]
    (+- slack) holds its t_bottom."""
    used: set[int] = set()
    pairs = []
    for i, tb in enumerate(found_bottoms):
        for k, r in enumerate(truth):
            if k not in used and r["t_start"] - slack <= tb <= r["t_end"] + slack:
                used.add(k)
                pairs.append((i, k))
                break
    return pairs


def run_session(job: tuple[int, tuple[str, ...]]) -> list[dict[str, Any]]:
    seed, placements = job
    import altsim

    import imu_pushup
    try:
        sess = altsim.simulate(seed, placements=placements)
    except Exception as exc:  # noqa: BLE001 - the simulator itself failed: report, never hide
        return [{"seed": seed, "placement": p, "sim_error": f"{type(exc).__name__}: {exc}"} for p in placements]
    truth = sess.truth["reps"]
    kind = sess.truth["kind"]
    out = []
    for p in placements:
        rec = sess.recordings[p]
        row: dict[str, Any] = {"seed": seed, "placement": p, "kind": kind, "protocol": sess.truth["protocol"],
                               "variant": sess.truth.get("variant"), "n_true": len(truth),
                               "rate": rec.sampling_rate_hz, "n_found": None, "error": None, "errs": {},
                               "matched": 0}
        t0 = time.perf_counter()
        try:
            try:
                res = imu_pushup.analyze(rec, height_m=sess.params["height_m"], keep_signals=False)
            except TypeError:
                res = imu_pushup.analyze(rec, height_m=sess.params["height_m"])
            reps = res.reps
        except Exception as exc:  # noqa: BLE001 - a crash is a result too
            row["error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
            row["analyze_s"] = time.perf_counter() - t0
            out.append(row)
            continue
        row["analyze_s"] = time.perf_counter() - t0
        row["n_found"] = len(reps)
        # the same analysis fed 64 samples at a time (live feeding) must give the same result
        try:
            live = imu_pushup.analyze(rec, height_m=sess.params["height_m"], keep_signals=False,
                                      chunk_size=CHUNK_CHECK)
            row["chunk_same"] = live.to_json() == res.to_json()
        except Exception:  # noqa: BLE001 - a crash fed in chunks is a difference too
            row["chunk_same"] = False
        pairs = _match([float(x) for x in reps["t_bottom"]], truth) if len(reps) else []
        row["matched"] = len(pairs)
        if truth and len(reps) == len(truth):
            errs: dict[str, list[float]] = defaultdict(list)
            for i, k in pairs:
                f, r = reps.iloc[i], truth[k]
                for key in EVENTS + ("descent_s",):
                    v = f.get(key)
                    if v is not None and np.isfinite(float(v)):
                        errs[key].append(1000.0 * abs(float(v) - r[key]))
                if p in DEPTH_PLACEMENTS:
                    v = f.get("depth_m")
                    if v is not None and np.isfinite(float(v) if v is not None else np.nan):
                        errs["depth_m"].append(100.0 * abs(float(v) - r["depth_m"]))
            row["errs"] = dict(errs)
        if p == "chest":
            row["form"] = _form_pairs(reps, truth, pairs)
            row["variant_pred"] = res.variant
            row["variant_true"] = _one_variant(sess)
        out.append(row)
    if "chest" in placements and "lumbar" in placements:
        out.append(_form_both(seed, sess, truth))
    return out


def _one_variant(sess: Any) -> str | None:
    """The session's variant when all its sets share one (else None: not scored)."""
    vs = {st["variant"] for st in sess.truth.get("sets", [])}
    return vs.pop() if len(vs) == 1 else None


def _form_pairs(reps: Any, truth: list[dict[str, Any]], pairs: list[tuple[int, int]]) -> list[tuple]:
    """(true sag, found sag, sag flagged, pike flagged, true depth_frac, found depth_frac,
    partial flagged, true variant, found variant) per matched rep."""
    out = []
    for i, k in pairs:
        f, r = reps.iloc[i], truth[k]
        flags = list(f.get("flags") or [])
        out.append((float(r["sag_deg"]), _num(f.get("sag_deg")), "sag" in flags, "pike" in flags,
                    float(r["depth_frac"]), _num(f.get("depth_frac")), "partial" in flags,
                    r.get("variant"), f.get("variant")))
    return out


def _num(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def _form_both(seed: int, sess: Any, truth: list[dict[str, Any]]) -> dict[str, Any]:
    """Form with the chest and the lumbar sensor analysed together."""
    import imu_pushup
    row: dict[str, Any] = {"seed": seed, "placement": "chest+lumbar", "kind": sess.truth["kind"]}
    if sess.truth["kind"] != "pushups":
        return row
    try:
        res = imu_pushup.analyze([sess.recordings["chest"], sess.recordings["lumbar"]],
                                 height_m=sess.params["height_m"], keep_signals=False)
    except Exception as exc:  # noqa: BLE001 - a crash is a result too
        row["error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
        return row
    reps = res.reps
    pairs = _match([float(x) for x in reps["t_bottom"]], truth) if len(reps) else []
    row.update(form=_form_pairs(reps, truth, pairs), variant_pred=res.variant,
               variant_true=_one_variant(sess))
    return row


def _f1(pred: list[bool], truth: list[bool]) -> str:
    p, t = np.asarray(pred, bool), np.asarray(truth, bool)
    tp, fp, fn = float(np.sum(p & t)), float(np.sum(p & ~t)), float(np.sum(~p & t))
    return f"{2 * tp / (2 * tp + fp + fn):.3f} (n={len(p)})" if tp + fp + fn else "-"


def form_metrics(rows: list[dict[str, Any]], label: str) -> list[tuple[str, str, str]]:
    """(metric, value, issue target) of one analysis (``chest`` or ``chest+lumbar``)."""
    rows = [r for r in rows if r["placement"] == label and r.get("kind") == "pushups" and "form" in r]
    reps = [f for r in rows for f in r["form"]]
    sag_p, sag_t, pike_p, pike_t, part_p, part_t, sag_err, pike_err, frac_err = ([] for _ in range(9))
    rep_variant = [(tv, fv) for *_, tv, fv in reps if tv and isinstance(fv, str)]
    for true_sag, sag, flag_sag, flag_pike, true_frac, frac, flag_part, _, _ in reps:
        if true_sag >= 10 or abs(true_sag) <= 3:
            sag_p.append(flag_sag)
            sag_t.append(true_sag >= 10)
        if true_sag <= -10 or abs(true_sag) <= 3:
            pike_p.append(flag_pike)
            pike_t.append(true_sag <= -10)
        if np.isfinite(sag):
            (sag_err if true_sag >= 0 else pike_err).append(abs(sag - true_sag))
        if true_frac < 0.6 or true_frac >= 0.85:
            part_p.append(flag_part)
            part_t.append(true_frac < 0.6)
        if np.isfinite(frac):
            frac_err.append(abs(frac - true_frac))
    scored = [r for r in rows if r.get("variant_true") and r.get("variant_pred")]
    right = sum(r["variant_pred"] == r["variant_true"] for r in scored)
    by_var: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in scored:
        by_var[r["variant_true"]][1] += 1
        by_var[r["variant_true"]][0] += int(r["variant_pred"] == r["variant_true"])
    med = lambda x, u, d=1: f"{np.median(x):.{d}f}{u} (n={len(x)})" if x else "-"  # noqa: E731
    f1_target = ">= 0.97" if "lumbar" in label else ">= 0.95"
    return [("sag F1 (true >= 10 deg vs within +-3)", _f1(sag_p, sag_t), f1_target),
            ("pike F1 (true <= -10 deg vs within +-3)", _f1(pike_p, pike_t), f1_target),
            ("sag_deg median abs. error, sag / pike side", f"{med(sag_err, '°')} / {med(pike_err, '°')}",
             "<= 3°"),
            ("partial F1 (true < 60 % vs >= 85 % of target)", _f1(part_p, part_t), ">= 0.95"),
            ("depth_frac median abs. error", med(frac_err, "", 2), "-"),
            ("variant accuracy (single-variant sessions)",
             f"{_pct(right, len(scored))} ({right}/{len(scored)}; "
             + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in sorted(by_var.items())) + ")", ">= 99 %"),
            ("variant of each rep (its set's, all sessions)",
             f"{_pct(sum(t == f for t, f in rep_variant), len(rep_variant))} (n={len(rep_variant)})", "-")]


def form_report(rows: list[dict[str, Any]], label: str) -> str:
    """The form table of one analysis (``chest`` or ``chest+lumbar``)."""
    lines = [f"### form, {label}", "", "| metric | value |", "|---|---|"]
    lines += [f"| {m} | {v} |" for m, v, _ in form_metrics(rows, label)]
    return "\n".join(lines + [""])


def _pct(a: int, b: int) -> str:
    return f"{100.0 * a / b:.1f} %" if b else "-"


def _med_p90(x: list[float], fmt: str = "{:.0f}") -> str:
    if not x:
        return "-"
    return f"{fmt.format(np.median(x))} / {fmt.format(np.percentile(x, 90))} (n={len(x)})"


def report(rows: list[dict[str, Any]], placement: str) -> str:
    rows = [r for r in rows if r["placement"] == placement and "sim_error" not in r]
    push = [r for r in rows if r["kind"] == "pushups"]
    dis = [r for r in rows if r["kind"] != "pushups"]
    crashes = [r for r in rows if r["error"]]
    exact = [r for r in push if r["n_found"] == r["n_true"]]
    exact_matched = [r for r in exact if r["matched"] == r["n_true"]]
    within1 = [r for r in push if r["n_found"] is not None and abs(r["n_found"] - r["n_true"]) <= 1]
    dis_with = [r for r in dis if r["n_found"]]
    false_reps = sum(r["n_found"] or 0 for r in dis)
    n_true = sum(r["n_true"] for r in push)
    n_found = sum(r["n_found"] or 0 for r in push)
    matched = sum(r["matched"] for r in push)
    errs: dict[str, list[float]] = defaultdict(list)
    for r in exact:
        for k, v in r["errs"].items():
            errs[k].extend(v)
    lines = [f"### {placement}", "", "| metric | value |", "|---|---|",
             f"| sessions (push-up / distractor) | {len(push)} / {len(dis)} |",
             f"| crashes | {len(crashes)} |",
             f"| count exact | {_pct(len(exact), len(push))} ({len(exact)}/{len(push)}) |",
             f"| count exact with every rep matched in time | {_pct(len(exact_matched), len(push))} |",
             f"| count within 1 | {_pct(len(within1), len(push))} |",
             f"| distractor sessions with reps (false reps) | {len(dis_with)} of {len(dis)} ({false_reps}) |",
             f"| reps true / found / matched (t_bottom inside a true rep) | {n_true} / {n_found} / {matched} |",
             f"| same result fed {CHUNK_CHECK} samples at a time | "
             f"{sum(bool(r.get('chunk_same')) for r in rows)} of {len(rows)} sessions |"]
    for key in EVENTS + ("descent_s",):
        lines.append(f"| {key} abs. error median / p90 (ms), exact sessions | {_med_p90(errs.get(key, []))} |")
    if placement in DEPTH_PLACEMENTS:
        lines.append(f"| depth_m abs. error median / p90 (cm), exact sessions | "
                     f"{_med_p90(errs.get('depth_m', []), '{:.1f}')} |")
    by_proto: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in push:
        by_proto[r["protocol"]][1] += 1
        by_proto[r["protocol"]][0] += int(r["n_found"] == r["n_true"])
    lines.append("| exact by protocol | " + ", ".join(f"{k}: {v[0]}/{v[1]}" for k, v in sorted(by_proto.items()))
                 + " |")
    by_var: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in push:
        by_var[str(r["variant"])][1] += 1
        by_var[str(r["variant"])][0] += int(r["n_found"] == r["n_true"])
    lines.append("| exact by first-set variant | " + ", ".join(f"{k}: {v[0]}/{v[1]}" for k, v in sorted(by_var.items()))
                 + " |")
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in dis:
        by_kind[r["kind"]][1] += 1
        by_kind[r["kind"]][0] += int(bool(r["n_found"]))
    lines.append("| distractor sessions with reps by kind | "
                 + (", ".join(f"{k}: {v[0]}/{v[1]}" for k, v in sorted(by_kind.items())) or "-") + " |")
    secs = [r.get("analyze_s", 0.0) for r in rows]
    lines.append(f"| analyze time per session median / max (s) | {np.median(secs):.2f} / {np.max(secs):.2f} |"
                 if secs else "| analyze time | - |")
    lines.append("")
    mis = [r for r in rows if r["n_found"] != r["n_true"]]
    txt = ", ".join(f"{r['seed']} ({'crash' if r['error'] else r['n_found']}/{r['n_true']}, {r['protocol']})"
                    for r in sorted(mis, key=lambda r: r["seed"]))
    lines.append(f"miscounted seeds ({len(mis)}): {txt or 'none'}")
    if crashes:
        kinds = Counter(r["error"].split(":")[0] for r in crashes)
        lines.append("crashes: " + ", ".join(f"{k} x{v}" for k, v in kinds.items())
                     + "; first: seed " + f"{crashes[0]['seed']}: {crashes[0]['error']}")
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Engine benchmark on the independent simulator altsim.")
    ap.add_argument("--sessions", type=int, default=200)
    ap.add_argument("--placements", default=",".join(ALL_PLACEMENTS))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed0", type=int, default=0)
    ap.add_argument("--out", default=None, help="also write the tables to this markdown file")
    a = ap.parse_args(argv)
    placements = tuple(p.strip() for p in a.placements.split(",") if p.strip())
    bad = [p for p in placements if p not in ALL_PLACEMENTS]
    if bad:
        print(f"altsim_bench: unknown placement(s) {', '.join(bad)}; use {', '.join(ALL_PLACEMENTS)}",
              file=sys.stderr)
        return 2
    jobs = [(a.seed0 + k, placements) for k in range(a.sessions)]
    t0 = time.time()
    rows: list[dict[str, Any]] = []
    if a.workers <= 1:
        for j in jobs:
            rows.extend(run_session(j))
    else:
        with ProcessPoolExecutor(max_workers=a.workers) as ex:
            for res in ex.map(run_session, jobs, chunksize=1):
                rows.extend(res)
    el = time.time() - t0
    sim_err = sorted({r["seed"] for r in rows if "sim_error" in r})
    head = [(f"## altsim benchmark: {a.sessions} sessions (seeds {a.seed0}..{a.seed0 + a.sessions - 1}), "
            f"placements {', '.join(placements)}, {el:.0f} s wall"), ""]
    if sim_err:
        first = next(r for r in rows if "sim_error" in r)
        head.append(f"simulator errors in {len(sim_err)} sessions: {sim_err} (first: {first['sim_error']})")
        head.append("")
    text = "\n".join(head) + "\n" + "\n".join(report(rows, p) for p in placements)
    if "chest" in placements:
        text += "\n" + form_report(rows, "chest")
        if "lumbar" in placements:
            text += "\n" + form_report(rows, "chest+lumbar")
    print(text)
    if a.out:
        Path(a.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
