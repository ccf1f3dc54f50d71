"""Bundled example sessions: small simulated recordings with their ground truth.

Each dataset is a folder ``datasets/<name>/`` holding ``<placement>.csv`` (canonical CSV) and
``truth.json`` (schema ``imu-pushup/truth@1``). They are made by ``scripts/make_datasets.py`` from
the recipes in :data:`RECIPES`, bit-for-bit reproducibly.

Where the folder is found, first match wins:

1. the ``IMU_PUSHUP_DATASETS`` environment variable;
2. ``datasets/`` next to the package's parent directory (a source checkout, or an editable
   install ``pip install -e .``);
3. ``imu_pushup/_datasets/`` inside the installed package (if a build bundles them there).

>>> from imu_pushup import datasets
>>> "example" in datasets.list_datasets()
True
>>> ds = datasets.load("example")
>>> len(ds.truth["reps"])
10
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import FormatError
from .recording import Recording, Session
from .units import PLACEMENTS

_GOOD = dict(depth_frac=(1.0, 1.1), sag_deg=(-2.0, 3.0), neck_flexion_deg=(0.0, 8.0),
             descent_s=(1.2, 1.5), pause_s=(0.4, 0.7), ascent_s=(0.7, 1.0), stroke=(0.1, 0.3),
             stand_s=(1.0, 1.5))
_GALLERY = ("chest", "lumbar")

#: name -> (description, keyword arguments of simulate_session).
RECIPES: dict[str, tuple[str, dict[str, Any]]] = {
    "example": ("ten good toe push-ups, sensors at all five placements, 100 Hz",
                dict(seed=101, n_reps=10, placements=PLACEMENTS, sampling_rate_hz=100.0, **_GOOD)),
    "good_form": ("five good push-ups", dict(seed=102, n_reps=5, placements=_GALLERY, sampling_rate_hz=50.0,
                                            **_GOOD)),
    "sag": ("hips sagging about 15-20 degrees through every rep",
            dict(seed=103, n_reps=5, placements=_GALLERY, sampling_rate_hz=50.0,
                 **{**_GOOD, "sag_deg": (15.0, 20.0)})),
    "pike": ("hips piked 15-20 degrees above the line",
             dict(seed=104, n_reps=5, placements=_GALLERY, sampling_rate_hz=50.0,
                  **{**_GOOD, "sag_deg": (-20.0, -15.0)})),
    "partial": ("quarter to third reps (depth 0.3-0.45 of the target)",
                dict(seed=105, n_reps=5, placements=_GALLERY, sampling_rate_hz=50.0,
                     **{**_GOOD, "depth_frac": (0.3, 0.45)})),
    "knee": ("five good knee push-ups", dict(seed=106, n_reps=5, placements=_GALLERY, sampling_rate_hz=50.0,
                                            variant="knee", **_GOOD)),
    "fast": ("fast, abrupt reps: descent 0.45-0.7 s, bounce at the bottom",
             dict(seed=107, n_reps=5, placements=_GALLERY, sampling_rate_hz=50.0,
                  **{**_GOOD, "descent_s": (0.45, 0.7), "ascent_s": (0.4, 0.6), "pause_s": (0.0, 0.1),
                     "stroke": (0.7, 0.9)})),
    "no_pause": ("controlled descent but no hold at the bottom",
                 dict(seed=108, n_reps=5, placements=_GALLERY, sampling_rate_hz=50.0,
                      **{**_GOOD, "pause_s": 0.0, "stroke": (0.5, 0.7)})),
    "head_down": ("good reps while looking down (neck flexed 30-40 degrees)",
                  dict(seed=109, n_reps=5, placements=_GALLERY + ("head",), sampling_rate_hz=50.0,
                       **{**_GOOD, "neck_flexion_deg": (30.0, 40.0)})),
    "walking": ("walking, no push-ups", dict(seed=110, kind="walking", placements=_GALLERY,
                                             sampling_rate_hz=50.0, walk_s=15.0, stand_s=(1.0, 1.5))),
    "squats": ("six squats, no push-ups", dict(seed=111, kind="squats", n_reps=6, placements=_GALLERY,
                                                 sampling_rate_hz=50.0, stand_s=(1.0, 1.5))),
    "plank_hold": ("a 15 s plank hold without reps",
                   dict(seed=112, kind="plank_hold", placements=_GALLERY, sampling_rate_hz=50.0,
                        hold_s=15.0, stand_s=(1.0, 1.5))),
}

ENV_VAR = "IMU_PUSHUP_DATASETS"


def root() -> Path:
    """The datasets folder (see the module docstring for where it is looked for)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "datasets", here / "_datasets"):
        if candidate.is_dir():
            return candidate
    raise FormatError("the bundled datasets folder was not found", source=str(here.parent / "datasets"),
                      fix=f"use a source checkout (pip install -e .) or set {ENV_VAR} to the datasets folder")


def list_datasets() -> list[str]:
    """Names of the bundled datasets (folders holding a truth.json), sorted."""
    return sorted(p.name for p in root().iterdir() if (p / "truth.json").is_file())


def path(name: str) -> Path:
    """Folder of dataset ``name``."""
    p = root() / name
    if not (p / "truth.json").is_file():
        raise FormatError(f"no dataset named {name!r}", source=str(root()),
                          fix=f"use one of: {', '.join(list_datasets())}")
    return p


@dataclass
class Dataset:
    """A bundled session: its recordings per placement and its truth document."""

    name: str
    path: Path
    recordings: dict[str, Recording]
    truth: dict[str, Any]

    @property
    def session(self) -> Session:
        return Session([self.recordings[p] for p in PLACEMENTS if p in self.recordings])

    @property
    def reps(self) -> pd.DataFrame:
        """The truth reps as a table."""
        return pd.DataFrame(self.truth["reps"])


def load(name: str) -> Dataset:
    """Read dataset ``name``: every ``<placement>.csv`` and ``truth.json``."""
    from .io.csv import read_csv
    folder = path(name)
    recordings = {p: read_csv(folder / f"{p}.csv") for p in PLACEMENTS if (folder / f"{p}.csv").is_file()}
    with open(folder / "truth.json") as fh:
        truth = json.load(fh)
    return Dataset(name=name, path=folder, recordings=recordings, truth=truth)


def build(name: str) -> Any:
    """Simulate dataset ``name`` from its recipe (a :class:`~imu_pushup.simulate.SimulatedSession`)."""
    from .simulate import simulate_session
    if name not in RECIPES:
        raise FormatError(f"no recipe for dataset {name!r}", fix=f"use one of: {', '.join(RECIPES)}")
    return simulate_session(**RECIPES[name][1])


def write_all(directory: str | os.PathLike[str], names: list[str] | None = None) -> list[Path]:
    """Regenerate the datasets (all, or ``names``) into ``directory`` plus a README listing them."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names or list(RECIPES):
        folder = out / name
        if folder.is_dir():
            for old in folder.glob("*.csv"):
                old.unlink()
        written.append(build(name).write(folder))
    lines = ["# Bundled simulated sessions", "",
             "Made by `python scripts/make_datasets.py` (bit-for-bit reproducible) from the recipes in",
             "`imu_pushup/datasets.py`. Each folder holds `<placement>.csv` (canonical CSV) and",
             "`truth.json` (schema `imu-pushup/truth@1`: the SPEC rep events, depth, sag and neck angles",
             "and flags). Load them with `imu_pushup.datasets.load(name)`.", "",
             "| name | what | placements |", "|---|---|---|"]
    for name, (text, kw) in RECIPES.items():
        lines.append(f"| `{name}` | {text} | {', '.join(kw.get('placements', ('chest',)))} |")
    (out / "README.md").write_text("\n".join(lines) + "\n")
    return written
