"""The HTML faces of a result: the compact notebook view and the self-contained set report.

:func:`result_html` is what ``SessionResult._repr_html_`` shows in Jupyter: a one-line summary,
the overview plot as an inline PNG, the per-rep table with flags and the set feedback.
:func:`report_html` is the full report ``imu-pushup report`` writes: summary, plots, per-rep
table, feedback sentences and the guide's cues that the set missed. Both are plain HTML with the
images embedded as base64 PNG: one file, no network, opens in any browser.

Plots need matplotlib (``pip install imu-pushup[plot]``); without it the pages carry the tables
and text only.
"""
from __future__ import annotations

import base64
import html
import io
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

#: Placements that observe the head.
_HEAD_PLACEMENTS = ("head",)


@dataclass(frozen=True)
class Cue:
    """One cue of the push-up guide and the flags that show it was missed."""

    key: str
    text: str
    flags: tuple[str, ...]
    why: str


#: The guide's cues in the project's own words, with the flags that mean each was missed.
CUES: tuple[Cue, ...] = (
    Cue("one_line", "Keep one straight line from shoulders to heels.", ("sag", "pike"),
        "hips out of line with the shoulders and the feet (or knees)"),
    Cue("controlled_descent", "Lower yourself under control; don't drop.", ("fast_descent",),
        "descent faster than the controlled-descent limit"),
    Cue("depth", "Go down until the upper arms are parallel to the floor.", ("partial",),
        "rep stopped short of the depth target"),
    Cue("hold", "Hold the bottom for one count before pushing up.", ("no_pause",),
        "no pause at the bottom"),
    Cue("stomach", "Keep the stomach pulled in; don't let it dip toward the floor.", ("sag",),
        "hips dropped below the shoulder line"),
    Cue("gaze", "Look slightly ahead on the floor, not straight down.", ("head_down",),
        "neck flexed, looking down"),
    Cue("form_first", "Form before number: fewer good reps beat more poor ones.", (),
        "the set went on after form broke down"),
)


# ---------------------------------------------------------------------------------------------
# figures
# ---------------------------------------------------------------------------------------------

def figure_png(draw: Callable[[Any], Any], *, figsize: tuple[float, float], nrows: int = 1,
               sharex: bool = False, dpi: int = 80) -> bytes | None:
    """Draw into a new off-screen Figure and return its PNG bytes (None without matplotlib).

    Uses ``matplotlib.figure.Figure`` directly (not pyplot), so no figure is left open and
    Jupyter's inline backend does not show it a second time.
    """
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return None
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(nrows, 1, sharex=sharex) if nrows > 1 else fig.subplots()
    draw(axes)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _img(png: bytes | None, alt: str, cls: str = "ipu-plot") -> str:
    if not png:
        return ""
    data = base64.b64encode(png).decode("ascii")
    return f'<img class="{cls}" alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _plots(result: Any, settings: Any = None, dpi: int = 80) -> dict[str, bytes | None]:
    from . import plot
    out: dict[str, bytes | None] = {}
    out["overview"] = figure_png(lambda ax: plot.plot_overview(result, ax), figsize=(12.5, 3.6), dpi=dpi)
    if len(result.reps):
        out["tempo"] = figure_png(lambda ax: plot.plot_tempo(result, ax, settings=settings),
                                  figsize=(6.0, 3.2), dpi=dpi)
        out["depth_sag"] = figure_png(lambda axes: plot.plot_depth_sag(result, axes, settings=settings),
                                      figsize=(6.0, 5.0), nrows=2, sharex=True, dpi=dpi)
        out["trend"] = figure_png(lambda axes: plot.plot_trend(result, axes, settings=settings),
                                  figsize=(6.0, 5.4), nrows=3, sharex=True, dpi=dpi)
    return out


# ---------------------------------------------------------------------------------------------
# tables and text
# ---------------------------------------------------------------------------------------------

def _num(value: Any) -> float:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return f


def _fmt(value: Any, digits: int = 2, scale: float = 1.0) -> str:
    f = _num(value)
    return "–" if not np.isfinite(f) else f"{f * scale:.{digits}f}"


def _list(value: Any) -> list[str]:
    if isinstance(value, (list, tuple, np.ndarray)):
        return [str(v) for v in value]
    return []


def rep_table(result: Any) -> pd.DataFrame:
    """The per-rep table as shown in the HTML views (display units: cm, %, °)."""
    reps = result.reps
    if not len(reps):
        return pd.DataFrame(columns=["rep", "start (s)", "descent (s)", "pause (s)", "ascent (s)",
                                     "depth (cm)", "depth (% target)", "sag (°)", "flags"])
    col = lambda c: reps[c] if c in reps.columns else pd.Series(np.nan, index=reps.index)  # noqa: E731
    return pd.DataFrame({
        "rep": reps["index"].astype(int) if "index" in reps.columns else np.arange(1, len(reps) + 1),
        "start (s)": [_fmt(v, 2) for v in col("t_start")],
        "descent (s)": [_fmt(v, 2) for v in col("descent_s")],
        "pause (s)": [_fmt(v, 2) for v in col("pause_s")],
        "ascent (s)": [_fmt(v, 2) for v in col("ascent_s")],
        "depth (cm)": [_fmt(v, 1, 100.0) for v in col("depth_m")],
        "depth (% target)": [_fmt(v, 0, 100.0) for v in col("depth_frac")],
        "sag (°)": [_fmt(v, 1) for v in col("sag_deg")],
        "flags": [", ".join(_list(v)) for v in col("flags")],
    })


def _table_html(result: Any, *, with_feedback: bool, table_id: str = "reps") -> str:
    table = rep_table(result)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    if with_feedback:
        head += '<th class="ipu-text">feedback</th>'
    rows = []
    feedback = list(result.reps["feedback"]) if "feedback" in result.reps.columns else [None] * len(table)
    for (_, row), fb in zip(table.iterrows(), feedback):
        cls = ' class="ipu-flagged"' if row["flags"] else ""
        cells = "".join(f"<td>{html.escape(str(v))}</td>" for v in row.tolist())
        if with_feedback:
            cells += f"<td class=\"ipu-text\">{'<br>'.join(html.escape(s) for s in _list(fb))}</td>"
        rows.append(f"<tr{cls}>{cells}</tr>")
    if not rows:
        span = len(table.columns) + (1 if with_feedback else 0)
        rows.append(f'<tr><td colspan="{span}">no push-up reps found</td></tr>')
    return (f'<table class="ipu-table" id="{table_id}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


def _placements(result: Any) -> list[str]:
    return [str(s.get("placement")) for s in (result.sensors or []) if isinstance(s, Mapping)
            and s.get("placement")]


def headline(result: Any, *, count: bool = True) -> str:
    """One line: rep count, variant, sensors and the mean tempo."""
    n = int(len(result.reps))
    parts = [f"{n} rep{'s' if n != 1 else ''}"] if count else []
    if result.variant:
        parts.append(f"{result.variant} push-ups")
    sensors = []
    for s in result.sensors or []:
        if isinstance(s, Mapping) and s.get("placement"):
            rate = _num(s.get("sampling_rate_hz"))
            sensors.append(f"{s['placement']}" + (f" {rate:.0f} Hz" if np.isfinite(rate) else ""))
    if sensors:
        parts.append(", ".join(sensors))
    if n:
        reps = result.reps
        mean = lambda c: _num(np.nanmean(pd.to_numeric(reps[c], errors="coerce"))) if (  # noqa: E731
            c in reps.columns and pd.to_numeric(reps[c], errors="coerce").notna().any()) else float("nan")
        tempo = "/".join(_fmt(mean(c), 1) for c in ("descent_s", "pause_s", "ascent_s"))
        parts.append(f"tempo {tempo} s (descent/pause/ascent)")
        flagged = sum(1 for f in reps.get("flags", []) if _list(f))
        parts.append(f"{flagged} flagged")
    return " · ".join(parts)


def summary_rows(result: Any) -> list[tuple[str, str]]:
    """The set summary as (label, value) pairs for display."""
    from .plot import breakdown_rep, velocity_loss_pct
    reps = result.reps
    rows: list[tuple[str, str]] = [("reps", str(int(len(reps))))]
    if result.variant:
        rows.append(("variant", str(result.variant)))
    for s in result.sensors or []:
        if isinstance(s, Mapping):
            rows.append((f"sensor: {s.get('placement', '?')}",
                         f"{_fmt(s.get('sampling_rate_hz'), 0)} Hz, {s.get('source', '')}".rstrip(", ")))
    if len(reps):
        def stat(col: str, label: str, digits: int, scale: float = 1.0) -> None:
            if col in reps.columns:
                v = pd.to_numeric(reps[col], errors="coerce")
                if v.notna().any():
                    rows.append((label, f"{_fmt(v.mean(), digits, scale)} (range {_fmt(v.min(), digits, scale)}"
                                        f"–{_fmt(v.max(), digits, scale)})"))
        stat("descent_s", "descent (s)", 2)
        stat("pause_s", "pause (s)", 2)
        stat("ascent_s", "ascent (s)", 2)
        stat("depth_m", "depth (cm)", 1, 100.0)
        stat("depth_frac", "depth (% of target)", 0, 100.0)
        stat("sag_deg", "sag (°)", 1)
        loss = velocity_loss_pct(result)
        if "velocity_loss_pct" not in (result.summary or {}) and len(loss) and np.isfinite(loss.iloc[-1]):
            rows.append(("velocity loss at the last rep (%)", _fmt(loss.iloc[-1], 0)))
        flags = [f for v in reps.get("flags", []) for f in _list(v)]
        if flags:
            counts = pd.Series(flags).value_counts()
            rows.append(("flags", ", ".join(f"{k} ×{v}" for k, v in counts.items())))
    b = breakdown_rep(result)
    if b is not None:
        reasons = (result.summary or {}).get("breakdown_reasons") or []
        rows.append(("form breaks down at rep", str(b) + (f" ({', '.join(map(str, reasons))})" if reasons else "")))
    shown = {"reps", "variant", "breakdown_rep", "breakdown_reasons"}
    shown |= {f"mean_{c}" for c in ("descent_s", "pause_s", "ascent_s", "depth_m", "sag_deg")
              if c in reps.columns}  # already above, with their range
    for key, value in (result.summary or {}).items():
        if key in shown or isinstance(value, (dict, list, tuple)) or value is None:
            continue
        if isinstance(value, (float, np.floating)):
            value = _fmt(value, 1 if key.endswith(("_pct", "_deg")) else 2)
        rows.append((_label(key), str(value)))
    return rows


_UNIT_SUFFIXES = (("_pct", "%"), ("_deg", "°"), ("_m_s", "m/s"), ("_s", "s"), ("_m", "m"), ("_hz", "Hz"))


def _label(key: str) -> str:
    """``velocity_loss_pct`` → ``velocity loss (%)``."""
    for suffix, unit in _UNIT_SUFFIXES:
        if key.endswith(suffix):
            return f"{key[: -len(suffix)].replace('_', ' ')} ({unit})"
    return key.replace("_", " ")


def missed_cues(result: Any) -> list[dict[str, Any]]:
    """The guide's cues and how the set did on each.

    Each item: ``key``, ``cue`` (the guide's advice), ``status`` (``missed``, ``kept`` or
    ``not checked``), ``reps`` (rep numbers that missed it) and ``detail`` (why, or what sensor
    it needs).
    """
    from .plot import breakdown_rep
    reps = result.reps
    numbers = reps["index"].astype(int).tolist() if "index" in reps.columns else list(range(1, len(reps) + 1))
    flags = [set(_list(v)) for v in reps["flags"]] if "flags" in reps.columns else [set() for _ in numbers]
    placements = set(_placements(result))

    def observed(col: str) -> bool:
        return col in reps.columns and pd.to_numeric(reps[col], errors="coerce").notna().any()

    out = []
    for cue in CUES:
        item: dict[str, Any] = {"key": cue.key, "cue": cue.text, "reps": [], "detail": cue.why}
        if cue.key == "form_first":
            b = breakdown_rep(result)
            if b is not None and len(numbers) and max(numbers) > b:
                item.update(status="missed", reps=[n for n in numbers if n > b],
                            detail=f"form broke down at rep {b} and the set went on for "
                                   f"{sum(1 for n in numbers if n > b)} more rep(s)")
            else:
                item.update(status="kept" if len(numbers) else "not checked", detail="")
            out.append(item)
            continue
        missed = [n for n, f in zip(numbers, flags) if f & set(cue.flags)]
        checkable = True
        if cue.key in ("one_line", "stomach") and not observed("sag_deg") and not missed:
            checkable, item["detail"] = False, "needs a chest sensor (or chest and lower back)"
        if cue.key == "depth" and not observed("depth_frac") and not observed("depth_m") and not missed:
            checkable, item["detail"] = False, "depth is not observable from this placement"
        if cue.key == "gaze" and not observed("neck_flexion_deg") and not placements & set(_HEAD_PLACEMENTS) \
                and not missed:
            checkable, item["detail"] = False, "needs a head sensor"
        if not len(numbers):
            checkable, item["detail"] = False, "no reps"
        if missed:
            item.update(status="missed", reps=missed)
        else:
            item.update(status="kept" if checkable else "not checked")
            if checkable:
                item["detail"] = ""
        out.append(item)
    return out


# ---------------------------------------------------------------------------------------------
# pages
# ---------------------------------------------------------------------------------------------

_CSS = """
.ipu{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;max-width:1100px}
.ipu h1{font-size:1.5em;margin:.3em 0}.ipu h2{font-size:1.15em;margin:1.2em 0 .4em;border-bottom:1px solid #ddd}
.ipu .ipu-head{font-weight:600;margin:.2em 0 .5em}
.ipu-table{border-collapse:collapse;font-size:.9em;margin:.3em 0}
.ipu-table th,.ipu-table td{border:1px solid #ddd;padding:.2em .55em;text-align:right;vertical-align:top}
.ipu-table th{background:#f3f3f3}.ipu-table .ipu-text{text-align:left;max-width:28em}
.ipu-table tr.ipu-flagged td{background:#fff4e5}
.ipu-plot{max-width:100%;height:auto}
.ipu-grid{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}.ipu-grid img{max-width:100%;flex:0 0 auto}
.ipu-cue-missed{color:#b34700}.ipu-cue-kept{color:#2a7d4f}.ipu-cue-not{color:#777}
.ipu-muted{color:#666;font-size:.85em}
"""


def result_html(result: Any, *, plot: bool = True, max_rows: int = 60) -> str:
    """A compact HTML view of a result for Jupyter: summary line, overview plot, per-rep table.

    Never raises: a plotting failure leaves the plot out and says so.
    """
    parts = [f'<div class="ipu"><style>{_CSS}</style>',
             f'<div class="ipu-head">SessionResult: {html.escape(headline(result))}</div>']
    if plot:
        try:
            from . import plot as _plot
            png = figure_png(lambda ax: _plot.plot_overview(result, ax), figsize=(10.0, 3.2), dpi=72)
            parts.append(_img(png, "overview of the set"))
        except Exception as exc:  # noqa: BLE001 - a notebook view must not fail over a plot
            parts.append(f'<div class="ipu-muted">overview plot unavailable: {html.escape(str(exc))}</div>')
    table = _table_html(result, with_feedback=True, table_id="reps")
    if len(result.reps) > max_rows:
        parts.append(f'<div class="ipu-muted">{len(result.reps)} reps: see <code>.reps</code> for the full table</div>')
        shown = _Head(result, max_rows)
        table = _table_html(shown, with_feedback=True, table_id="reps")
    parts.append(table)
    for sentence in result.feedback or []:
        parts.append(f"<div>{html.escape(str(sentence))}</div>")
    for warning in getattr(result, "warnings", None) or []:
        parts.append(f'<div class="ipu-muted">warning: {html.escape(str(warning))}</div>')
    parts.append("</div>")
    return "".join(parts)


class _Head:
    """The first rows of a result, for display."""

    def __init__(self, result: Any, n: int) -> None:
        self.reps = result.reps.head(n)
        self.sensors, self.variant = result.sensors, result.variant


def report_html(result: Any, *, title: str = "Push-up set report", settings: Any = None,
                sources: Iterable[str] | None = None, plots: bool = True) -> str:
    """The full self-contained HTML report of one set (a complete ``<!DOCTYPE html>`` page)."""
    from . import __version__
    n = int(len(result.reps))
    figs = _plots(result, settings=settings, dpi=80) if plots else {}
    cues = missed_cues(result)
    missed = [c for c in cues if c["status"] == "missed"]
    srcs = list(sources) if sources is not None else [str(s.get("source", "")) for s in result.sensors or []
                                                      if isinstance(s, Mapping)]

    body = [f"<h1>{html.escape(title)}</h1>",
            f'<p class="ipu-head">Reps: <span id="rep-count">{n}</span> · {html.escape(headline(result, count=False))}</p>']
    if srcs:
        body.append(f'<p class="ipu-muted">Recordings: {html.escape(", ".join(s for s in srcs if s))}</p>')

    body.append("<h2>Summary</h2>")
    body.append('<table class="ipu-table" id="summary"><tbody>' + "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in summary_rows(result))
        + "</tbody></table>")

    if figs.get("overview"):
        body.append("<h2>The set</h2>")
        body.append(_img(figs["overview"], "overview: chest height over time, phases shaded, reps numbered"))
        body.append('<p class="ipu-muted">Shading: grey top hold, blue descent, orange bottom pause, '
                    "green ascent. Markers show each flag where it happened in the rep.</p>")

    body.append("<h2>Guide cues missed</h2>")
    if missed:
        items = []
        for c in missed:
            reps = ", ".join(str(r) for r in c["reps"])
            items.append(f'<li class="ipu-cue-missed"><b>{html.escape(c["cue"])}</b> '
                         f"Missed at rep{'s' if len(c['reps']) != 1 else ''} {html.escape(reps)}: "
                         f"{html.escape(c['detail'])}.</li>")
        body.append('<ul id="cues-missed">' + "".join(items) + "</ul>")
    else:
        body.append('<p id="cues-missed">None: every cue the sensors can check was kept.</p>' if n else
                    '<p id="cues-missed">No reps, nothing to check.</p>')
    others = [c for c in cues if c["status"] != "missed"]
    if others:
        body.append('<ul class="ipu-muted">' + "".join(
            f'<li class="ipu-cue-{"kept" if c["status"] == "kept" else "not"}">{html.escape(c["cue"])} '
            f"({html.escape(c['status'])}{': ' + html.escape(c['detail']) if c['detail'] else ''})</li>"
            for c in others) + "</ul>")

    body.append("<h2>Feedback</h2>")
    sentences = [str(s) for s in result.feedback or []]
    if "feedback" in result.reps.columns:
        sentences += [s for v in result.reps["feedback"] for s in _list(v)]
    body.append('<ul id="feedback">' + "".join(f"<li>{html.escape(s)}</li>" for s in sentences) + "</ul>"
                if sentences else '<p id="feedback">No feedback: nothing to correct.</p>')

    body.append("<h2>Per-rep table</h2>")
    body.append(_table_html(result, with_feedback=False, table_id="reps"))
    body.append('<p class="ipu-muted">Times in seconds on the recording\'s clock. Depth: the sternum\'s '
                "vertical excursion; % of target: 100 % means upper arms parallel to the floor. "
                "Sag: hip angle, + hips below the shoulder line, − hips above it (pike).</p>")
    body.append(_downloads(result))

    more = [figs.get(k) for k in ("tempo", "depth_sag", "trend")]
    if any(more):
        body.append("<h2>Tempo, depth, sag and the set trend</h2>")
        body.append('<div class="ipu-grid">' + "".join(
            _img(png, alt) for png, alt in zip(more, ("tempo per rep", "depth and sag per rep", "set trend"))
            if png) + "</div>")

    warnings = getattr(result, "warnings", None) or []
    if warnings:
        body.append("<h2>Warnings</h2><ul>" + "".join(f"<li>{html.escape(str(w))}</li>" for w in warnings)
                    + "</ul>")
    body.append(f'<p class="ipu-muted">imu-pushup {html.escape(__version__)}</p>')
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(title)}</title><style>body{{margin:1.2em}}{_CSS}</style></head>"
            f"<body><div class=\"ipu\">{''.join(body)}</div></body></html>\n")


def _downloads(result: Any) -> str:
    """Links that save the per-rep table (CSV) and the analysis document (JSON) from the page itself."""
    links = []
    try:
        doc = result.to_json(indent=1).encode("utf-8")
        links.append(("result.json", "application/json", doc, "analysis (JSON)"))
    except Exception:  # noqa: BLE001 - a result without a JSON form still gets its report
        pass
    table = result.reps.copy()
    for col in ("flags", "feedback"):
        if col in table.columns:
            table[col] = [";".join(_list(v)) for v in table[col]]
    links.append(("reps.csv", "text/csv", table.to_csv(index=False).encode("utf-8"), "per-rep table (CSV)"))
    items = [f'<a download="{name}" href="data:{mime};base64,{base64.b64encode(data).decode("ascii")}">{label}</a>'
             for name, mime, data, label in links]
    return f'<p class="ipu-muted" id="downloads">Save: {" · ".join(items)}</p>'


def write_report(result: Any, path: str | os.PathLike[str], **kwargs: Any) -> None:
    """Write :func:`report_html` to ``path`` (UTF-8)."""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(report_html(result, **kwargs))
