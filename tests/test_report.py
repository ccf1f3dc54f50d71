"""The HTML views: notebook summary, self-contained report, missed cues, the report command."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")
sys.path.insert(0, str(Path(__file__).parent))
from test_plot import synthetic_result  # noqa: E402

from imu_pushup import report  # noqa: E402
from imu_pushup.results import SessionResult  # noqa: E402


class _Tables(HTMLParser):
    """Rows of each table by id, and every src/href value."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, list[list[str]]] = {}
        self.links: list[str] = []
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("src", "href"):
            if key in a:
                self.links.append(a[key])
        if tag == "table":
            self._table = a.get("id", "")
            self.rows[self._table] = []
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _parse(text: str) -> _Tables:
    p = _Tables()
    p.feed(text)
    return p


def test_notebook_view_shows_table_flags_and_inline_plot():
    import matplotlib.pyplot as plt
    res = synthetic_result()
    before = plt.get_fignums()
    text = res._repr_html_()
    assert plt.get_fignums() == before  # no pyplot figure left for the inline backend to show twice
    parsed = _parse(text)
    rows = parsed.rows["reps"]
    assert rows[0][:2] == ["rep", "start (s)"]
    body = rows[1:]
    assert [int(r[0]) for r in body] == res.reps["index"].tolist()
    flags_col = rows[0].index("flags")
    assert [r[flags_col] for r in body] == [", ".join(f) for f in res.reps["flags"]]
    assert text.count('class="ipu-flagged"') == sum(bool(f) for f in res.reps["flags"])
    assert len([s for s in parsed.links if s.startswith("data:image/png;base64,")]) == 1
    assert "6 reps" in text and "toe" in text


def test_notebook_view_without_plot_and_long_sets():
    res = synthetic_result(12)
    text = report.result_html(res, plot=False, max_rows=5)
    assert "data:image/png" not in text
    assert len(_parse(text).rows["reps"]) == 1 + 5
    assert "12 reps" in text


def test_report_is_self_contained_and_complete():
    res = synthetic_result()
    text = report.report_html(res, title="Monday")
    parsed = _parse(text)
    assert text.startswith("<!DOCTYPE html>")
    assert all(link.startswith("data:") for link in parsed.links), "report must not reach the network"
    assert not re.search(r"https?://", text)
    assert re.search(r'id="rep-count">6<', text)
    body = parsed.rows["reps"][1:]
    assert len(body) == 6
    depth_col = parsed.rows["reps"][0].index("depth (cm)")
    assert [float(r[depth_col]) for r in body] == pytest.approx(res.reps["depth_m"] * 100, abs=0.05)
    assert sum(link.startswith("data:image/png") for link in parsed.links) == 4
    for sentence in res.feedback + [s for f in res.reps["feedback"] for s in f]:
        assert sentence.replace("'", "&#x27;") in text


def test_missed_cues_follow_the_flags():
    res = synthetic_result()
    cues = {c["key"]: c for c in report.missed_cues(res)}
    sag_reps = [int(i) for i, f in zip(res.reps["index"], res.reps["flags"]) if "sag" in f]
    assert cues["one_line"]["status"] == "missed" and cues["one_line"]["reps"] == sag_reps
    assert cues["stomach"]["reps"] == sag_reps
    partial = [int(i) for i, f in zip(res.reps["index"], res.reps["flags"]) if "partial" in f]
    assert cues["depth"]["reps"] == partial
    fast = [int(i) for i, f in zip(res.reps["index"], res.reps["flags"]) if "fast_descent" in f]
    assert cues["controlled_descent"]["reps"] == fast and cues["controlled_descent"]["status"] == "missed"
    assert cues["gaze"]["status"] == "not checked" and "head sensor" in cues["gaze"]["detail"]
    assert cues["form_first"]["status"] == "missed" and cues["form_first"]["reps"] == [5, 6]
    text = report.report_html(res, plots=False)
    missed = text[text.index('id="cues-missed"'):text.index("</ul>", text.index('id="cues-missed"'))]
    assert "one straight line from shoulders to heels" in missed
    assert "upper arms are parallel" in missed
    assert "Look slightly ahead" not in missed


def test_clean_set_keeps_every_cue():
    res = synthetic_result(3, breakdown=None)
    res.reps["flags"] = [[] for _ in range(3)]
    res.reps["sag_deg"] = [1.0, 2.0, 1.5]
    res.sensors.append({"placement": "head", "sampling_rate_hz": 50.0, "source": "head.csv"})
    statuses = {c["key"]: c["status"] for c in report.missed_cues(res)}
    assert set(statuses.values()) == {"kept"}
    assert "every cue the sensors can check was kept" in report.report_html(res, plots=False)


def test_empty_result_renders():
    res = SessionResult(sensors=[{"placement": "chest", "sampling_rate_hz": 100.0, "source": "walk.csv"}])
    text = report.report_html(res)
    assert re.search(r'id="rep-count">0<', text)
    assert "no push-up reps found" in text
    assert "no push-up reps found" in res._repr_html_()


def test_arm_placement_without_depth_or_sag():
    res = synthetic_result(4)
    res.sensors = [{"placement": "upper_arm", "sampling_rate_hz": 20.0, "source": "arm.csv"}]
    for col in ("depth_m", "depth_frac", "sag_deg"):
        res.reps[col] = np.nan
    res.reps["flags"] = [[] for _ in range(4)]
    cues = {c["key"]: c for c in report.missed_cues(res)}
    assert cues["one_line"]["status"] == "not checked"
    assert cues["depth"]["status"] == "not checked"
    text = report.report_html(res)
    assert "–" in text  # unobservable values shown as a dash, never as nan
    visible = re.sub(r'src="data:[^"]*"', "", text)
    assert not re.search(r"\bnan\b", visible.lower())


def _run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "imu_pushup", "report", *args],
                          capture_output=True, text=True, timeout=120)


def test_report_command_bad_input_is_one_line(tmp_path):
    out = tmp_path / "r.html"
    proc = _run_cli(str(tmp_path / "missing.csv"), "-o", str(out))
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "missing.csv" in proc.stderr
    assert not out.exists()
    proc = _run_cli("elbow=" + str(tmp_path / "x.csv"), "-o", str(out))
    assert proc.returncode == 2 and "placement" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    proc = _run_cli(str(tmp_path / "x.csv"), "-o", str(tmp_path / "no" / "dir" / "r.html"))
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1


def _engine_available() -> bool:
    try:
        import imu_pushup.engine.analyze  # noqa: F401
        import imu_pushup.simulate  # noqa: F401
        from imu_pushup.simulate import simulate_session  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(not _engine_available(), reason="needs imu_pushup.engine.analyze and the simulator")
def test_report_command_on_a_simulated_set(tmp_path):
    from imu_pushup.simulate import simulate_session
    sim = simulate_session(seed=3, n_reps=5, placements=("chest",), sampling_rate_hz=50.0, sag_deg=15.0)
    sim.write(tmp_path)
    out = tmp_path / "report.html"
    proc = _run_cli(f"chest={tmp_path / 'chest.csv'}", "-o", str(out), "--height-m", "1.75")
    assert proc.returncode == 0, proc.stderr
    text = out.read_text(encoding="utf-8")
    n_true = len(sim.truth["reps"])
    assert re.search(rf'id="rep-count">{n_true}<', text)
    assert len(_parse(text).rows["reps"]) == 1 + n_true
    missed = text[text.index('id="cues-missed"'):]
    assert "one straight line" in missed.split("</ul>")[0]
    broken = tmp_path / "broken.cal.json"
    broken.write_text("{not json")
    proc = _run_cli(str(tmp_path / "chest.csv"), "--calibration", str(broken), "-o", str(tmp_path / "x.html"))
    assert proc.returncode == 2 and "broken.cal.json" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_report_carries_its_data():
    import base64
    import io
    import pandas as pd
    res = synthetic_result()
    text = report.report_html(res, plots=False)
    links = dict(re.findall(r'download="([^"]+)" href="data:[^;]+;base64,([^"]+)"', text))
    doc = json.loads(base64.b64decode(links["result.json"]))
    assert doc == json.loads(res.to_json())
    table = pd.read_csv(io.BytesIO(base64.b64decode(links["reps.csv"])))
    assert table["descent_s"].tolist() == pytest.approx(res.reps["descent_s"].tolist())
    assert table["flags"].fillna("").tolist() == [";".join(f) for f in res.reps["flags"]]


def test_lumbar_alone_does_not_claim_the_trunk_line_was_kept():
    res = synthetic_result(3, breakdown=None)
    res.sensors = [{"placement": "lumbar", "sampling_rate_hz": 50.0, "source": "lumbar.csv"}]
    res.reps["sag_deg"] = np.nan
    res.reps["flags"] = [[] for _ in range(3)]
    cues = {c["key"]: c for c in report.missed_cues(res)}
    assert cues["one_line"]["status"] == cues["stomach"]["status"] == "not checked"
    assert cues["depth"]["status"] == "kept"
