"""Form benchmark: sag / pike / partial / head-down F1, sag error, variant, and the real sternum data.

``form_rows(n_sessions, seed)`` returns ``(metric, value, target)`` rows that ``python -m
imu_pushup.bench`` appends to its table; ``python -m imu_pushup.detectors.form_bench`` prints them.

Simulated sessions come from :func:`imu_pushup.simulate.sample_session_params` (push-ups only,
with chest, lumbar and head sensors). Each rep goes through the product's code: the engine's
analysis when it is available (``imu_pushup.engine.analyze``), else the same building blocks
(VQF orientation, the engine's mounting math, vertical displacement) fed with the true rep events,
then :func:`~imu_pushup.detectors.form.assess_rep`. Two references are measured: the session's own
first plank hold, and a calibration from a separate good-form set worn the same way.

Real data: ``../shared/data/gains-pushup`` (sternum, 40 Hz, one rep per window). Calibrate from one
good-form file, classify every other window, report the share flagged as its label says.
"""
from __future__ import annotations

import argparse
import glob
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..body import BodyGeometry
from ..units import GRAVITY_M_S2, g_to_m_s2
from .form import FormSettings, assess_rep
from .types import PlankReference, RepWindow
from . import variant as V

#: Where the real recordings live, relative to the repository (never copied into it).
GAINS_DIR_CANDIDATES = ("../shared/data/gains-pushup", "../../shared/data/gains-pushup",
                        "/work/shared/data/gains-pushup")
GAINS_RATE_HZ = 40.0

#: Extra time around a rep for its window (s).
_PAD_S = 0.4


# -- signal building blocks (the engine's orientation and mounting, plus integration) -----------

def up_vectors(acc_m_s2: np.ndarray, gyr_deg_s: np.ndarray | None, sampling_rate_hz: float) -> np.ndarray:
    """Earth's up in the sensor frame per sample, through the engine's orientation wrapper."""
    from ..engine.orientation import make_orientation
    f = make_orientation(sampling_rate_hz, gyr_deg_s is not None)
    up, _ = f.update(np.asarray(acc_m_s2, dtype=float),
                     None if gyr_deg_s is None else np.asarray(gyr_deg_s, dtype=float))
    return up


def vertical_acc_m_s2(acc_m_s2: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Vertical acceleration (m/s², + up): specific force along up, minus gravity."""
    return np.einsum("ij,ij->i", acc_m_s2, up) - GRAVITY_M_S2


def displacement_m(t: np.ndarray, acc_up_m_s2: np.ndarray) -> np.ndarray:
    """Vertical displacement over a window still at both ends (zero velocity there), 0 at start."""
    dt = np.diff(t, prepend=t[0])
    v = np.cumsum(0.5 * (acc_up_m_s2 + np.concatenate([[acc_up_m_s2[0]], acc_up_m_s2[:-1]])) * dt)
    v -= np.linspace(0.0, 1.0, len(v)) * v[-1]
    x = np.cumsum(v * dt)
    return x - x[0]


def spec_events(t: np.ndarray, height_m: np.ndarray) -> tuple[float, float, float, float] | None:
    """SPEC 5 % events on a window's vertical position (top at its start)."""
    top = float(np.median(height_m[: max(2, len(height_m) // 20)]))
    low = float(np.min(height_m))
    exc = top - low
    if not exc > 0.02:
        return None
    i_low = int(np.argmin(height_m))
    below = np.flatnonzero(height_m[: i_low + 1] > top - 0.05 * exc)
    i_start = int(below[-1] + 1) if len(below) else 0
    near = np.flatnonzero(height_m <= low + 0.05 * exc)
    i_bottom, i_ascent = int(near[0]), int(near[-1])
    back = np.flatnonzero(height_m[i_ascent:] >= top - 0.05 * exc)
    i_end = i_ascent + int(back[0]) if len(back) else len(t) - 1
    return float(t[i_start]), float(t[i_bottom]), float(t[i_ascent]), float(t[i_end])


# -- simulated sessions -------------------------------------------------------------------------

@dataclass
class _RepResult:
    truth: dict[str, Any]
    chest: dict[str, Any] | None
    both: dict[str, Any] | None
    chest_cal: dict[str, Any] | None = None
    both_cal: dict[str, Any] | None = None


@dataclass
class _SessionResult:
    variant_truth: str
    variant_pred: str | None
    reps: list[_RepResult] = field(default_factory=list)


def _session_params(seed: int) -> dict[str, Any]:
    from ..simulate import sample_session_params
    rng = np.random.default_rng(seed)
    while True:
        params = sample_session_params(rng)
        if params.get("kind", "pushups") == "pushups":
            break
    params["placements"] = ("chest", "lumbar", "head")
    params["n_reps"] = min(int(params.get("n_reps", 8)), 8)
    return params


def _match(truth_reps: list[dict[str, Any]], res: Any) -> list[dict[str, Any] | None]:
    """The engine's rep for each true rep (nearest bottom within 0.4 s), else None."""
    rows = res.reps.to_dict(orient="records") if res is not None else []
    out = []
    for r in truth_reps:
        best = min(rows, key=lambda x: abs(x["t_bottom"] - r["t_bottom"]), default=None)
        out.append(best if best is not None and abs(best["t_bottom"] - r["t_bottom"]) < 0.4 else None)
    return out


def run_sim_session(seed: int, settings: FormSettings | None = None,
                    calibrated: bool = True) -> _SessionResult:
    """Simulate one session (and a good-form calibration set worn the same way); analyse both ways.

    Everything goes through the product: ``imu_pushup.analyze`` (engine + form detectors) and
    ``learn_calibration`` for the calibration.
    """
    from ..engine.analyze import analyze
    from ..errors import ImuPushupError
    from ..simulate import simulate_session
    settings = settings or FormSettings()
    params = _session_params(seed)
    sim = simulate_session(seed=seed, **params)
    height = params.get("height_m")
    recs = sim.recordings
    chest_only = [recs["chest"], recs["head"]]
    everything = [recs["chest"], recs["lumbar"], recs["head"]]

    def run(source: list[Any], calibration: Any = None) -> Any:
        try:
            return analyze(source, height_m=height, calibration=calibration, settings=settings,
                           keep_signals=False)
        except ImuPushupError:
            return None

    res_chest, res_both = run(chest_only), run(everything)
    out = _SessionResult(sim.truth["variant"], res_chest.variant if res_chest is not None else None)
    chest_cal = both_cal = [None] * len(sim.truth["reps"])
    if calibrated:
        cal = _calibration(seed, params, sim, height)
        if cal is not None:
            chest_cal = _match(sim.truth["reps"], run(chest_only, cal))
            both_cal = _match(sim.truth["reps"], run(everything, cal))
    for r, c, b, cc, bc in zip(sim.truth["reps"], _match(sim.truth["reps"], res_chest),
                               _match(sim.truth["reps"], res_both), chest_cal, both_cal):
        out.reps.append(_RepResult(r, c, b, cc, bc))
    return out


def _calibration(seed: int, params: dict[str, Any], sim: Any, height: float | None) -> Any:
    """A calibration learned from a separate good-form set with the same sensor mounts."""
    from ..errors import ImuPushupError
    from ..io.calibration import learn_calibration
    from ..simulate import simulate_session
    mounts = {p: s["mount_quat_xyzw"] for p, s in sim.truth.get("sensors", {}).items()
              if "mount_quat_xyzw" in s}
    good = dict(params, n_reps=3, sag_deg=(-1.0, 1.0), sag_dip_deg=0.0, neck_flexion_deg=(0.0, 3.0),
                depth_frac=(0.95, 1.05), fatigue=0.0, mount=mounts or params.get("mount", "random"))
    cal_sim = simulate_session(seed=seed + 100_000, **good)
    try:
        return learn_calibration(list(cal_sim.recordings.values()), height_m=height)
    except ImuPushupError:
        return None


# -- metrics -------------------------------------------------------------------------------------

def f1(pred: Sequence[bool], truth: Sequence[bool]) -> float:
    """F1 of boolean predictions."""
    p, t = np.asarray(pred, bool), np.asarray(truth, bool)
    tp = float(np.sum(p & t))
    fp = float(np.sum(p & ~t))
    fn = float(np.sum(~p & t))
    if tp == 0:
        return 0.0 if (fp + fn) else math.nan
    return 2 * tp / (2 * tp + fp + fn)


def _flag_f1(reps: list[_RepResult], key: str, flag: str, pos, neg, which: str) -> tuple[float, int]:
    pred, truth = [], []
    for r in reps:
        est = getattr(r, which)
        if est is None:
            continue
        v = r.truth.get(key)
        if v is None or not np.isfinite(v):
            continue
        if pos(v) or neg(v):
            pred.append(flag in est["flags"])
            truth.append(pos(v))
    return f1(pred, truth), len(pred)


def _median_err(reps: list[_RepResult], key: str, which: str, sel=lambda v: True) -> float:
    errs = []
    for r in reps:
        est = getattr(r, which)
        if est is None:
            continue
        v = r.truth.get(key)
        if v is None or not sel(v) or key not in est or not np.isfinite(est[key]):
            continue
        errs.append(abs(est[key] - v))
    return float(np.median(errs)) if errs else math.nan


def sim_rows(n_sessions: int = 40, seed: int = 0, workers: int = 2) -> list[tuple[str, str, str]]:
    """Benchmark rows on simulated sessions."""
    seeds = [seed * 10_000 + i for i in range(n_sessions)]
    if workers > 1 and n_sessions > 1:
        from concurrent.futures import ProcessPoolExecutor
        with ProcessPoolExecutor(workers) as ex:
            sessions = list(ex.map(run_sim_session, seeds))
    else:
        sessions = [run_sim_session(s) for s in seeds]
    reps = [r for s in sessions for r in s.reps]
    rows: list[tuple[str, str, str]] = []
    sag_pos, sag_neg = (lambda v: v >= 10), (lambda v: abs(v) <= 3)
    pike_pos = lambda v: v <= -10
    for which, label, target in (("chest", "chest, session ref", ">= 0.95"),
                                 ("both", "chest+lumbar, session ref", ">= 0.97"),
                                 ("chest_cal", "chest, calibrated", ">= 0.95"),
                                 ("both_cal", "chest+lumbar, calibrated", ">= 0.97")):
        f, n = _flag_f1(reps, "sag_deg", "sag", sag_pos, sag_neg, which)
        rows.append((f"form: sag F1 ({label}, n={n})", _fmt(f), target))
        f, n = _flag_f1(reps, "sag_deg", "pike", pike_pos, sag_neg, which)
        rows.append((f"form: pike F1 ({label}, n={n})", _fmt(f), target))
        rows.append((f"form: sag_deg median abs. error ({label})",
                     _fmt(_median_err(reps, "sag_deg", which, lambda v: v >= 0), "°"), "<= 3°"))
        rows.append((f"form: pike sag_deg median abs. error ({label})",
                     _fmt(_median_err(reps, "sag_deg", which, lambda v: v < 0), "°"), "<= 3°"))
    f, n = _flag_f1(reps, "depth_frac", "partial", lambda v: v < 0.6, lambda v: v >= 0.85, "chest")
    rows.append((f"form: partial F1 (n={n})", _fmt(f), ">= 0.95"))
    rows.append(("form: depth_frac median abs. error", _fmt(_median_err(reps, "depth_frac", "chest")), "-"))
    for which, label in (("chest", "session ref"), ("chest_cal", "calibrated")):
        f, n = _flag_f1(reps, "neck_flexion_deg", "head_down", lambda v: v >= 25, lambda v: v <= 8, which)
        rows.append((f"form: head_down F1 ({label}, n={n})", _fmt(f), ">= 0.95"))
    ok = [s.variant_pred == s.variant_truth for s in sessions if s.variant_pred is not None]
    rows.append((f"form: variant accuracy (n={len(ok)} sessions with reps)",
                 _fmt(100 * np.mean(ok) if ok else math.nan, " %"), ">= 99 %"))
    found = sum(r.chest is not None for r in reps)
    rows.append(("form: true reps the engine found (form metrics are over these)",
                 f"{found} of {len(reps)}", "-"))
    return rows


# -- real data: gains-pushup --------------------------------------------------------------------

def find_gains_dir() -> Path | None:
    """The gains-pushup folder next to the repository, or None when absent."""
    here = Path(__file__).resolve().parents[2]
    for c in GAINS_DIR_CANDIDATES:
        p = (here / c) if not os.path.isabs(c) else Path(c)
        if p.is_dir() and glob.glob(str(p / "*.json")):
            return p
    return None


def load_gains(path: Path) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Windows of one file: (label, acc m/s², gyro deg/s). Units converted here, at the edge."""
    with open(path) as fh:
        doc = json.load(fh)
    out = []
    for s in doc.get("sessions", []):
        data = s.get("data") or []
        if len(data) < 10:
            continue
        acc = g_to_m_s2(np.array([[d["ax"], d["ay"], d["az"]] for d in data], dtype=float))
        gyr = np.array([[d["gx"], d["gy"], d["gz"]] for d in data], dtype=float)
        out.append((str(s.get("posture_label", "")), acc, gyr))
    return out


@dataclass
class _RealWindow:
    label: str
    t: np.ndarray
    up: np.ndarray
    height_m: np.ndarray
    events: tuple[float, float, float, float] | None


def _real_window(label: str, acc: np.ndarray, gyr: np.ndarray) -> _RealWindow:
    """One window: orientation, then displacement with zero velocity at both ends (tops).

    A window whose trunk has not rotated most of the way back to the starting top at its end is
    incomplete (no rep end, hence no events, as the engine would not count it).
    """
    t = np.arange(len(acc)) / GAINS_RATE_HZ
    up = up_vectors(acc, gyr, GAINS_RATE_HZ)
    top = up[: max(2, int(0.15 * GAINS_RATE_HZ))].mean(axis=0)
    top /= np.linalg.norm(top)
    angle = np.degrees(np.arccos(np.clip(up @ top, -1.0, 1.0)))
    i_b = int(np.argmax(angle))
    h = displacement_m(t, vertical_acc_m_s2(acc, up))
    complete = 3 <= i_b <= len(t) - 4 and angle[-1] < 0.35 * angle[i_b]
    return _RealWindow(label, t, up, h, spec_events(t, h) if complete else None)


def calibrate_from_windows(windows: list[_RealWindow], geometry: BodyGeometry):
    """Mounting, good-form reference and variant from good reps (one rep per window)."""
    from ..engine.calibration import learn_mounting
    ok = [w for w in windows if w.events is not None]
    tops = np.array([w.up[: max(2, int(0.15 * GAINS_RATE_HZ))].mean(axis=0) for w in ok])
    bottoms = np.array([w.up[int(np.argmin(w.height_m))] for w in ok])
    mounting = learn_mounting("chest", tops.mean(axis=0), bottoms.mean(axis=0))
    pitch_top = [float(np.median(mounting.pitch_deg(w.up[: max(2, int(0.15 * GAINS_RATE_HZ))])))
                 for w in ok]
    provisional = PlankReference(pitch_deg={"chest": float(np.median(pitch_top))}, source="calibration")
    outs = [assess_real_window(w, mounting, provisional, geometry, FormSettings()) for w in ok]
    radii = [o.get("pivot_radius_m") for o in outs]
    radii = [r for r in radii if r is not None and np.isfinite(r)]
    from .form import _decide_variant
    variant = _decide_variant(provisional, geometry, None, None, update=False) or V.set_variant(geometry, radii)
    extras = {"pitch_absolute": 0.0}
    if radii:
        extras["pivot_radius_m"] = float(np.median(radii))
    rocks = [o.get("chest_skin_rock_bottom") for o in outs
             if o is not None and o.get("chest_skin_rock_bottom") is not None]
    if rocks:   # as learn_calibration: the median skin rock of the good reps
        from .form import SKIN_ROCK_RANGE
        extras["chest_skin_rock"] = float(np.clip(np.median(rocks), *SKIN_ROCK_RANGE))
    reference = PlankReference(pitch_deg={"chest": float(np.median(pitch_top))}, variant=variant,
                               source="calibration", extras=extras)

    return mounting, reference


def assess_real_window(w: _RealWindow, mounting: Any, reference: PlankReference,
                       geometry: BodyGeometry, settings: FormSettings, index: int = 1) -> dict[str, Any] | None:
    if w.events is None:
        return None
    t_start, t_bottom, t_ascent, t_end = w.events
    win = RepWindow(index=index, t_start=t_start, t_bottom=t_bottom, t_ascent=t_ascent, t_end=t_end,
                    t=w.t, height_m=w.height_m, pitch_deg={"chest": mounting.pitch_deg(w.up)},
                    depth_m=float(-w.height_m.min()), source_placement="chest")
    return assess_rep(win, reference, geometry, settings)


def real_rows(settings: FormSettings | None = None) -> list[tuple[str, str, str]]:
    """Rows for the real gains-pushup windows (empty when the data are absent)."""
    settings = settings or FormSettings()
    folder = find_gains_dir()
    if folder is None:
        return [("form: real gains-pushup", "data absent", "-")]
    geometry = BodyGeometry()
    files = sorted(folder.glob("*.json"))
    by_file = {f: [_real_window(*w) for w in load_gains(f)] for f in files}
    good_files = [f for f, ws in by_file.items() if ws and ws[0].label == "good-form"]
    shares: dict[str, list[float]] = {"hips-sagging": [], "hips-high": [], "partial-rom": [],
                                      "good-form": [], "good-form-any": [], "no-events": []}
    want = {"hips-sagging": "sag", "hips-high": "pike", "partial-rom": "partial"}
    for cal_file in good_files:
        mounting, reference = calibrate_from_windows(by_file[cal_file], geometry)
        hits: dict[str, list[bool]] = {k: [] for k in shares}
        for f, ws in by_file.items():
            if f == cal_file:
                continue
            for w in ws:
                out = assess_real_window(w, mounting, reference, geometry, settings)
                if out is None:
                    hits["no-events"].append(True)
                    continue
                flags = out["flags"]
                if w.label in want:
                    hits[w.label].append(want[w.label] in flags)
                elif w.label == "good-form":
                    hits["good-form"].append(any(x in flags for x in ("sag", "pike", "partial", "head_down")))
                    hits["good-form-any"].append(bool(flags))
        for k, v in hits.items():
            if v:
                shares[k].append(100.0 * float(np.mean(v)) if k != "no-events" else float(len(v)))
    rows = []
    n_cal = len(good_files)
    for label, flag, target in (("hips-sagging", "sag", ">= 90 %"), ("hips-high", "pike", ">= 90 %"),
                                ("partial-rom", "partial", ">= 80 %")):
        v = shares[label]
        rows.append((f"form: real {label} flagged {flag} (calibrated on each of {n_cal} good files)",
                     _range(v), target))
    rows.append(("form: real good-form flagged sag/pike/partial", _range(shares["good-form"]), "<= 10 %"))
    rows.append(("form: real good-form flagged anything (incl. tempo)", _range(shares["good-form-any"]), "-"))
    return rows


# -- entry points --------------------------------------------------------------------------------

def form_rows(n_sessions: int | Sequence[Any] = 40, seed: int = 0, workers: int = 2) -> list[tuple[str, str, str]]:
    """All form rows (metric, value, target): simulated sessions then the real windows."""
    if not isinstance(n_sessions, int):
        n_sessions = len(n_sessions)
    return sim_rows(n_sessions, seed, workers) + real_rows()


def _fmt(x: float, unit: str = "") -> str:
    if x is None or not np.isfinite(x):
        return "n/a"
    return f"{x:.3f}{unit}" if not unit else f"{x:.1f}{unit}"


def _range(values: list[float]) -> str:
    if not values:
        return "n/a"
    return f"{np.mean(values):.0f} % (range {min(values):.0f}-{max(values):.0f})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m imu_pushup.detectors.form_bench",
                                 description="Form detector benchmark (markdown table).")
    ap.add_argument("--sessions", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--real-only", action="store_true")
    args = ap.parse_args(argv)
    rows = real_rows() if args.real_only else form_rows(args.sessions, args.seed, args.workers)
    print("| metric | value | target |\n|---|---|---|")
    for m, v, t in rows:
        print(f"| {m} | {v} | {t} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
