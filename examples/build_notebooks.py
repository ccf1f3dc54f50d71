"""Build the example notebooks from the cells below (run after editing them).

    python examples/build_notebooks.py

The notebooks are committed without outputs; the test suite executes each with nbclient, so they
cannot rot. Edit the cells here, not the ``.ipynb`` files.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

QUICK_START = [
    ("md", """# Quick start: a push-up set in a notebook

Analyse a bundled session (a simulated set of ten push-ups with a chest, lower-back, upper-arm,
wrist and head sensor, and its truth), look at the reps, the plots and the truth."""),
    ("code", """import pandas as pd
import imu_pushup as ip
from imu_pushup import plot
%matplotlib inline
ip.datasets.list_datasets()"""),
    ("md", "Read one sensor's recording. Any supported format works; the placement comes from the file."),
    ("code", """sim = ip.datasets.load("example")
rec = ip.read(ip.datasets.path("example") / "chest.csv")
rec"""),
    ("md", "Look at the raw channels first: which axis carries gravity, the units, any dropouts."),
    ("code", "plot.plot_recording(rec);"),
    ("md", "Analyse it. The result shows itself as a summary, the overview plot and the per-rep table."),
    ("code", """res = ip.analyze(rec, height_m=sim.truth["height_m"])
res"""),
    ("md", """`res.reps` is a tidy DataFrame: one row per rep, times in seconds on the recording's clock,
durations `*_s`, depth `depth_m`, angles `*_deg`, the flags and the feedback sentences."""),
    ("code", """res.reps[["index", "t_start", "descent_s", "pause_s", "ascent_s", "depth_m", "depth_frac", "sag_deg", "flags"]].round(3)"""),
    ("md", "How close is that to the truth the simulator knows?"),
    ("code", """truth = pd.DataFrame(sim.truth["reps"]).set_index("index")
found = res.reps.set_index("index")
cols = ["t_start", "t_bottom", "t_ascent", "t_end", "descent_s", "depth_m"]
errors = (found[cols] - truth[cols]).abs()
print(f"{len(found)} reps found, {len(truth)} done")
errors.describe().loc[["50%", "max"]].round(3)"""),
    ("md", "The plots: phases share one colour map everywhere (grey top, blue descent, orange bottom, green ascent)."),
    ("code", """plot.plot_overview(res, truth=sim.truth);  # the black strip on top: the reps actually done"""),
    ("code", "plot.plot_tempo(res);"),
    ("code", "plot.plot_depth_sag(res);"),
    ("code", "plot.plot_trend(res);"),
    ("md", "One rep up close, with its event times and numbers:"),
    ("code", "plot.plot_rep(res, 3);"),
    ("md", "Several sensors of one session together: the chest leads, the others add their angles (sag from the chest–pelvis angle, head posture)."),
    ("code", """res_all = ip.analyze(list(sim.recordings.values()), height_m=sim.truth["height_m"])
res_all.reps[["index", "descent_s", "depth_m", "sag_deg", "neck_flexion_deg", "flags"]].round(2)"""),
    ("md", "The same document `imu-pushup analyze --json` prints:"),
    ("code", """print(res.to_json(indent=1)[:600])"""),
]

CALIBRATION = [
    ("md", """# Calibration and sag

Without a calibration the analysis judges the trunk line from body proportions and the set's own
first plank, so hips that sag from the very first rep are the hardest case. A calibration recorded
once in good form gives it your own straight line and how the sensor sits on you. Here both days
are simulated with the sensor worn the same way, so the true sag is known."""),
    ("code", """import pandas as pd
import tempfile
from pathlib import Path
import imu_pushup as ip
from imu_pushup import plot
from imu_pushup.cli import main as imu_pushup_cli
from imu_pushup.io.calibration import load_calibration
from imu_pushup.simulate import simulate_session
%matplotlib inline
work = Path(tempfile.mkdtemp())
height_m = 1.80"""),
    ("md", "Day 1: a good-form set, and `imu-pushup calibrate` on it (the same command works in a terminal)."),
    ("code", """good = simulate_session(seed=21, n_reps=4, placements=("chest",), sampling_rate_hz=50.0,
                   height_m=height_m, sag_deg=(-1.0, 1.0))
good.write(work / "good_form")
imu_pushup_cli(["calibrate", "--placement", "chest", "--height-m", str(height_m), "--variant", "toe",
                str(work / "good_form" / "chest.csv"), "-o", str(work / "chest.cal.json")])"""),
    ("md", "Day 2: same sensor, same mounting, hips sagging 14° from the start."),
    ("code", """today = simulate_session(seed=22, n_reps=6, placements=("chest",), sampling_rate_hz=50.0,
                    height_m=height_m, sag_deg=14.0,
                    mount={"chest": good.truth["sensors"]["chest"]["mount_quat_xyzw"]})
rec = today.recordings["chest"]
plain = ip.analyze(rec, height_m=height_m)
calibrated = ip.analyze(rec, height_m=height_m, calibration=load_calibration(work / "chest.cal.json"))
pd.DataFrame({
    "true sag (°)": pd.DataFrame(today.truth["reps"]).set_index("index")["sag_deg"],
    "no calibration (°)": plain.reps.set_index("index")["sag_deg"],
    "calibrated (°)": calibrated.reps.set_index("index")["sag_deg"],
    "flags (calibrated)": calibrated.reps.set_index("index")["flags"],
}).round(1)"""),
    ("code", """plot.plot_sag(calibrated);"""),
    ("code", """calibrated"""),
]

COMPARE = [
    ("md", """# Comparing sets over days

Four simulated training days: more reps, less fatigue and less sag as the weeks go on. Replace the
simulated paths by your own recordings to follow your training."""),
    ("code", """import tempfile
from pathlib import Path
import imu_pushup as ip
from imu_pushup import plot
from imu_pushup.simulate import simulate_session
%matplotlib inline
work = Path(tempfile.mkdtemp())
days = {"mon": (6, 0.8, 6.0), "wed": (8, 0.6, 4.0), "fri": (9, 0.4, 2.0), "mon+1": (10, 0.2, 0.0)}
paths = {}
for seed, (label, (n_reps, fatigue, sag)) in enumerate(days.items()):
    sim = simulate_session(seed=seed, n_reps=n_reps, placements=("chest",), sampling_rate_hz=50.0,
                      fatigue=fatigue, sag_deg=(sag - 1.0, sag + 1.0))
    sim.write(work / label)
    paths[label] = work / label / "chest.csv"
results = {label: ip.analyze(path) for label, path in paths.items()}"""),
    ("code", """plot.set_table(results).round(2)"""),
    ("code", """plot.plot_sets(results);"""),
    ("md", "The last day in detail:"),
    ("code", """results["mon+1"]"""),
    ("md", """Many files at once: `ip.analyze_many` takes any `concurrent.futures` executor. By default it
starts one process per core; a Dask cluster's `client.get_executor()` works the same way. Four
small files are quicker on two threads:"""),
    ("code", """from concurrent.futures import ThreadPoolExecutor
with ThreadPoolExecutor(2) as pool:
    batch = ip.analyze_many(list(paths.values()), executor=pool, progress=False)
batch.sessions"""),
]

NOTEBOOKS = {"quick_start.ipynb": QUICK_START, "calibration_and_sag.ipynb": CALIBRATION,
             "compare_sets.ipynb": COMPARE}


def build(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    nb = new_notebook(cells=[new_markdown_cell(src) if kind == "md" else new_code_cell(src)
                             for kind, src in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, cell in enumerate(nb.cells):  # stable ids: rebuilding gives identical files
        cell["id"] = f"cell-{i:02d}"
    return nb


def main() -> None:
    for name, cells in NOTEBOOKS.items():
        nbformat.write(build(cells), HERE / name)
        print(f"wrote examples/{name}")


if __name__ == "__main__":
    main()
