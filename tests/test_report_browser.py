"""The HTML report in a real browser: headless Chromium renders it, shows the rep count and table.

Chromium is Debian's ``chromium`` at ``/usr/bin/chromium``; when it is missing and the tests run
as root the set-up installs it with apt-get, else the test is skipped with the reason. The
screenshot is kept in ``test-artifacts/`` (git-ignored) for a person to look at.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")
sys.path.insert(0, str(Path(__file__).parent))
from test_plot import synthetic_result  # noqa: E402

from imu_pushup.report import write_report  # noqa: E402

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")


def _find_chromium() -> str | None:
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def chromium() -> str:
    path = _find_chromium()
    if path:
        return path
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("headless Chromium not installed (/usr/bin/chromium) and not root to apt-get install it")
    if not shutil.which("apt-get"):
        pytest.skip("headless Chromium not installed and no apt-get to install it")
    try:
        subprocess.run(["apt-get", "install", "-y", "chromium"], capture_output=True, timeout=600,
                       check=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    except (subprocess.SubprocessError, OSError) as exc:
        pytest.skip(f"could not install chromium with apt-get: {exc}")
    path = _find_chromium()
    if not path:
        pytest.skip("apt-get install chromium did not provide a chromium binary")
    return path


def _browse(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([chromium, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=20)


def test_report_renders_in_chromium(chromium, tmp_path):
    res = synthetic_result(6)
    page = tmp_path / "report.html"
    write_report(res, page, title="Browser check")
    url = page.resolve().as_uri()

    proc = _browse(chromium, tmp_path / "profile", "--dump-dom", url)
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    assert "<title>Browser check</title>" in dom
    assert re.search(r'<span id="rep-count">6</span>', dom)
    table = re.search(r'<table class="ipu-table" id="reps">(.*?)</table>', dom, re.S)
    assert table, "per-rep table missing from the rendered page"
    body_rows = re.findall(r"<tr[^>]*>", table.group(1).split("<tbody>", 1)[1])
    assert len(body_rows) == 6
    assert len(re.findall(r'<img class="ipu-plot"', dom)) == 4

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    proc = _browse(chromium, tmp_path / "profile", "--hide-scrollbars", "--window-size=1200,2400",
                   f"--screenshot={shot}", url)
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a rendered page, not a blank one
    (ARTIFACTS / "report.html").write_bytes(page.read_bytes())


def test_report_command_output_renders_in_chromium(chromium, tmp_path):
    """End to end: `imu-pushup report` on a bundled recording, opened in the browser."""
    try:
        import imu_pushup as ip
        import imu_pushup.engine.analyze  # noqa: F401
        example = ip.datasets.path("example") / "chest.csv"
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"needs the engine and the bundled datasets: {exc}")
    if not example.exists():
        pytest.skip("datasets/example/chest.csv absent")
    page = tmp_path / "example.html"
    proc = subprocess.run([sys.executable, "-m", "imu_pushup", "report", str(example), "-o", str(page)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    n = ip.analyze(example).n_reps  # what the same library finds in the same file
    dom = _browse(chromium, tmp_path / "profile", "--dump-dom", page.resolve().as_uri()).stdout
    assert re.search(rf'<span id="rep-count">{n}</span>', dom)
    table = re.search(r'<table class="ipu-table" id="reps">(.*?)</table>', dom, re.S)
    assert table and len(re.findall(r"<tr[^>]*>", table.group(1).split("<tbody>", 1)[1])) == max(n, 1)
    assert "Guide cues missed" in dom
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report_example.png"
    proc = _browse(chromium, tmp_path / "profile", "--hide-scrollbars", "--window-size=1200,2400",
                   f"--screenshot={shot}", page.resolve().as_uri())
    assert proc.returncode == 0 and shot.stat().st_size > 20_000
