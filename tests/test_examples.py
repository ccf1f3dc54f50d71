"""The examples run: scripts are executed, notebooks are executed with nbclient.

Each checks what the example claims (rep counts against the simulator's truth, files written), so
an example that silently stops doing its job fails here.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
REAL_DATA = ROOT.parent / "shared" / "data"


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _datasets_ready() -> bool:
    if not (_has("imu_pushup.datasets") and _has("imu_pushup.engine.analyze")):
        return False
    import imu_pushup as ip
    return "example" in ip.datasets.list_datasets()


needs_engine = pytest.mark.skipif(not (_has("imu_pushup.engine.analyze") and _has("imu_pushup.simulate")),
                                  reason="needs imu_pushup.engine.analyze and imu_pushup.simulate")
needs_datasets = pytest.mark.skipif(not _datasets_ready(),
                                    reason="needs the bundled datasets (imu_pushup.datasets, datasets/example)")
needs_calibrate = pytest.mark.skipif(not (_has("imu_pushup.cli.calibrate") and _has("imu_pushup.engine.analyze")),
                                     reason="needs the calibrate command and the engine")


def _run(script: str, *args: str, cwd: Path, timeout: float = 120) -> str:
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run([sys.executable, str(EXAMPLES / script), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{script} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


def _close(found: int, truth: int, tol: int = 0) -> bool:
    return abs(found - truth) <= tol


@needs_datasets
def test_quick_start_script(tmp_path):
    import imu_pushup as ip
    out = _run("quick_start.py", "--out", str(tmp_path / "out"), cwd=tmp_path)
    n_true = len(ip.datasets.load("example").truth["reps"])
    m = re.search(r"^(\d+) reps, variant", out, re.M)
    assert m and int(m.group(1)) == n_true, out
    for name in ("overview.png", "tempo.png", "depth_sag.png", "trend.png", "report.html", "result.json"):
        assert (tmp_path / "out" / name).stat().st_size > 1000, name
    doc = json.loads((tmp_path / "out" / "result.json").read_text())
    assert doc["schema"] == "imu-pushup/session@1" and len(doc["reps"]) == n_true
    assert f'id="rep-count">{n_true}<' in (tmp_path / "out" / "report.html").read_text()


@needs_engine
def test_read_your_own_file_script(tmp_path):
    out = _run("read_your_own_file.py", "--out", str(tmp_path), cwd=tmp_path)
    assert "refused:" in out and "9.80665" in out  # data in g is refused with the conversion
    m = re.search(r"^(\d+) reps in the converted recording", out, re.M)
    assert m and _close(int(m.group(1)), 4), out


@needs_engine
@pytest.mark.skipif(not (REAL_DATA / "workout-buddy" / "sensorlog").is_dir(), reason="real recordings absent")
def test_read_your_own_file_on_a_real_sensorlog_export(tmp_path):
    files = sorted((REAL_DATA / "workout-buddy" / "sensorlog").glob("*.csv"))
    if not files:
        pytest.skip("no SensorLog export in ../shared/data")
    out = _run("read_your_own_file.py", str(files[0]), "--placement", "upper_arm", cwd=tmp_path)
    assert "placement='upper_arm'" in out
    assert re.search(r"^\d+ reps$", out, re.M), out


@needs_engine
def test_compare_days_script(tmp_path):
    out = _run("compare_days.py", "--out", str(tmp_path), cwd=tmp_path, timeout=180)
    import pandas as pd
    table = pd.read_csv(tmp_path / "compare_days.csv")
    assert table["set"].tolist() == ["mon", "wed", "fri", "mon+1"]
    assert all(_close(found, done, 1) for found, done in zip(table["reps"], (6, 8, 9, 10))), out
    assert (tmp_path / "compare_days.png").stat().st_size > 10_000


@needs_calibrate
def test_calibration_and_sag_script(tmp_path):
    out = _run("calibration_and_sag.py", "--out", str(tmp_path), cwd=tmp_path, timeout=180)
    assert (tmp_path / "chest.cal.json").exists()
    assert (tmp_path / "calibration_and_sag.png").stat().st_size > 10_000
    m = re.search(r"median \|error\| with calibration: ([\d.]+)", out)
    assert m, out
    assert float(m.group(1)) < 6.0, out  # the held 14° sag is seen once calibrated
    assert "sag" in out.split("median |error|")[0].split("flags, calibrated")[1]


def test_virtual_ble_example(tmp_path):
    if not (_has("imu_pushup.ble.virtual") and _has("imu_pushup.engine.stream")):
        pytest.skip("needs imu_pushup.ble.virtual and imu_pushup.engine.stream")
    out = _run("virtual_ble_stream.py", "--out", str(tmp_path), cwd=tmp_path, timeout=120)
    m = re.search(r"^(\d+) reps streamed, (\d+) done", out, re.M)
    assert m and _close(int(m.group(1)), int(m.group(2))), out
    assert (tmp_path / "virtual.csv").exists()


def test_notebooks_are_built_from_the_builder():
    nbformat = pytest.importorskip("nbformat")
    spec = importlib.util.spec_from_file_location("build_notebooks", EXAMPLES / "build_notebooks.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    for name, cells in builder.NOTEBOOKS.items():
        committed = nbformat.read(EXAMPLES / name, as_version=4)
        assert [c.source for c in committed.cells] == [c.source for c in builder.build(cells).cells], \
            f"{name} is stale: run python examples/build_notebooks.py"
        assert all(not c.get("outputs") for c in committed.cells if c.cell_type == "code")


def _execute(name: str, tmp_path: Path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(EXAMPLES / name, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=180, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    return nb


def _outputs(nb, mime: str) -> list[str]:
    return [o["data"][mime] for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
            if "data" in o and mime in o["data"]]


@needs_datasets
def test_quick_start_notebook(tmp_path):
    nb = _execute("quick_start.ipynb", tmp_path)
    html = _outputs(nb, "text/html")
    assert any('id="reps"' in h and "data:image/png;base64," in h for h in html), \
        "the result's notebook view (table + inline plot) is missing"
    assert len(_outputs(nb, "image/png")) >= 4  # overview, tempo, depth/sag, trend


@needs_calibrate
def test_calibration_notebook(tmp_path):
    nb = _execute("calibration_and_sag.ipynb", tmp_path)
    assert _outputs(nb, "image/png")


@needs_engine
def test_compare_sets_notebook(tmp_path):
    nb = _execute("compare_sets.ipynb", tmp_path)
    assert len(_outputs(nb, "image/png")) >= 1


def test_guide_documents_the_current_flag_defaults():
    """docs/guide.md's flag table names every flag and each setting with its current default."""
    from dataclasses import fields

    from imu_pushup.detectors.form import FormSettings
    from imu_pushup.units import FLAGS
    text = (ROOT / "docs" / "guide.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)` \|.*\| `(\w+)` \(([\d.]+)", text, re.M)
    documented = {flag: (setting, float(value)) for flag, setting, value in rows}
    assert set(FLAGS) <= set(documented), f"flags missing from the guide: {set(FLAGS) - set(documented)}"
    defaults = {f.name: f.default for f in fields(FormSettings)}
    for flag, (setting, value) in documented.items():
        assert setting in defaults, f"guide names a setting FormSettings lacks: {setting}"
        assert defaults[setting] == pytest.approx(value), f"{setting}: guide {value}, code {defaults[setting]}"
    for link in re.findall(r"\]\(((?!https?:|#)[^)#]+)", text):
        assert (ROOT / "docs" / link).resolve().exists(), f"broken link in the guide: {link}"
