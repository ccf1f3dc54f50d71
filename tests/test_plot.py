"""Plots draw what the result holds: phases at the rep events, flags in their phase, bars = values."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from imu_pushup import plot  # noqa: E402
from imu_pushup.results import SessionResult, reps_frame  # noqa: E402


def _min_jerk(s: np.ndarray) -> np.ndarray:
    s = np.clip(s, 0.0, 1.0)
    return 10 * s**3 - 15 * s**4 + 6 * s**5


def synthetic_result(n_reps: int = 6, rate_hz: float = 50.0, *, signals: bool = True,
                     breakdown: int | None = 4) -> SessionResult:
    """A set whose chest height follows known minimum-jerk reps; events, depth and flags are exact.

    Tempo slows and depth shrinks across the set, sag grows (a fatiguing set), so every plot has
    something to show and the expected values are known by construction.
    """
    t = np.arange(0.0, 6.0 + 4.0 * n_reps, 1.0 / rate_hz)
    height = np.zeros_like(t)
    rows, t0 = [], 3.0
    target_m = 0.33
    for i in range(n_reps):
        descent, pause, ascent, depth = 1.3 - 0.08 * i, 0.5 - 0.08 * i, 0.9 + 0.08 * i, 0.30 - 0.015 * i
        tb, ta, te = t0 + descent, t0 + descent + pause, t0 + descent + pause + ascent
        m = (t >= t0) & (t < tb)
        height[m] = -depth * _min_jerk((t[m] - t0) / descent)
        height[(t >= tb) & (t < ta)] = -depth
        m = (t >= ta) & (t < te)
        height[m] = -depth * (1 - _min_jerk((t[m] - ta) / ascent))
        sag = 2.0 + 2.5 * i
        flags = (["sag"] if sag >= 10 else []) + (["fast_descent"] if descent < 1.0 else []) \
            + (["no_pause"] if pause < 0.25 else []) + (["partial"] if depth / target_m < 0.75 else [])
        rows.append({"index": i + 1, "t_start": t0, "t_bottom": tb, "t_ascent": ta, "t_end": te,
                     "descent_s": descent, "pause_s": pause, "ascent_s": ascent, "depth_m": depth,
                     "sag_deg": sag, "flags": flags,
                     "feedback": [f"Rep {i + 1}: hips sagged {sag:.0f}°."] if "sag" in flags else [],
                     "depth_frac": depth / target_m, "ascent_mean_velocity_m_s": depth / ascent})
        t0 = te + 1.0
    sig = pd.DataFrame({"height_m": height, "trunk_pitch_deg": 12.0 + 40.0 * height},
                       index=pd.Index(t, name="t")) if signals else None
    return SessionResult(reps=reps_frame(rows), variant="toe",
                         sensors=[{"placement": "chest", "sampling_rate_hz": rate_hz, "source": "set.csv"}],
                         summary={"breakdown_rep": breakdown} if breakdown else {},
                         feedback=["Stop the set where form breaks down."], signals=sig)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_phase_intervals_follow_the_rep_events():
    res = synthetic_result()
    ph = plot.phase_intervals(res)
    assert list(ph["phase"].unique()) == list(plot.PHASES)
    for row in res.reps.itertuples():
        mine = ph[ph["rep"] == row.index].set_index("phase")
        assert mine.loc["descent", "t0"] == row.t_start and mine.loc["descent", "t1"] == row.t_bottom
        assert mine.loc["bottom", "t0"] == row.t_bottom and mine.loc["bottom", "t1"] == row.t_ascent
        assert mine.loc["ascent", "t0"] == row.t_ascent and mine.loc["ascent", "t1"] == row.t_end
        assert mine.loc["top", "t1"] == row.t_start
    # the top hold of rep k starts where rep k-1 ended
    tops = ph[ph["phase"] == "top"]["t0"].to_numpy()[1:]
    assert np.allclose(tops, res.reps["t_end"].to_numpy()[:-1])


def test_flags_are_placed_in_their_phase():
    res = synthetic_result()
    ft = plot.flag_times(res)
    assert len(ft) == sum(len(f) for f in res.reps["flags"])
    reps = res.reps.set_index("index")
    for row in ft.itertuples():
        r = reps.loc[row.rep]
        if row.flag == "fast_descent":
            assert r.t_start < row.t < r.t_bottom
        else:
            assert r.t_bottom <= row.t <= r.t_ascent


def test_overview_draws_signal_phases_numbers_and_flags():
    res = synthetic_result()
    ax = plot.plot_overview(res)
    line = ax.get_lines()[0]
    assert np.allclose(line.get_ydata(), res.signals["height_m"].to_numpy() * 100.0)  # cm
    numbers = sorted(int(t.get_text()) for t in ax.texts if t.get_text().isdigit())
    assert numbers == res.reps["index"].tolist()
    spans = [p for p in ax.patches]
    assert len(spans) == len(plot.phase_intervals(res))
    span_colors = {to_hex(p.get_facecolor()[:3]) for p in spans}
    assert span_colors == {c.lower() for c in plot.PHASE_COLORS.values()}
    n_markers = sum(len(c.get_offsets()) for c in ax.collections)
    assert n_markers == sum(len(f) for f in res.reps["flags"])
    labels = ax.get_legend_handles_labels()[1] + [t.get_text() for t in ax.get_legend().get_texts()]
    for flag in {f for fl in res.reps["flags"] for f in fl}:
        assert flag in labels


def test_overview_other_signal_and_without_signals():
    res = synthetic_result()
    ax = plot.plot_overview(res, signal="trunk_pitch_deg")
    assert np.allclose(ax.get_lines()[0].get_ydata(), res.signals["trunk_pitch_deg"].to_numpy())
    assert "(°)" in ax.get_ylabel()
    with pytest.raises(KeyError, match="not in result.signals"):
        plot.plot_overview(res, signal="nope")
    bare = synthetic_result(signals=False)
    ax = plot.plot_overview(bare)
    assert len(ax.patches) == len(plot.phase_intervals(bare))
    assert not ax.get_lines()


def test_overview_draws_into_a_given_axes():
    fig, axes = plt.subplots(2, 1)
    res = synthetic_result()
    assert plot.plot_overview(res, ax=axes[1]) is axes[1]
    assert not axes[0].get_lines()


def test_tempo_bars_are_the_durations_with_the_flag_limits():
    res = synthetic_result()
    ax = plot.plot_tempo(res)
    n = len(res.reps)
    heights = np.array([p.get_height() for p in ax.patches])
    assert np.allclose(heights[:n], res.reps["descent_s"])
    assert np.allclose(heights[n:2 * n], res.reps["pause_s"])
    assert np.allclose(heights[2 * n:3 * n], res.reps["ascent_s"])
    assert to_hex(ax.patches[0].get_facecolor()[:3]) == plot.PHASE_COLORS["descent"].lower()
    lim = plot.thresholds()
    levels = {line.get_ydata()[0] for line in ax.get_lines()}
    assert {lim["fast_descent_s"], lim["no_pause_s"]} <= levels


def test_depth_against_target_and_partial_reps_highlighted():
    res = synthetic_result()
    ax = plot.plot_depth(res)
    heights = np.array([p.get_height() for p in ax.patches])
    assert np.allclose(heights, res.reps["depth_frac"] * 100.0)
    partial = ["partial" in f for f in res.reps["flags"]]
    assert any(partial) and not all(partial)
    for p, is_partial in zip(ax.patches, partial):
        assert (to_hex(p.get_facecolor()[:3]) == plot.FLAG_STYLE["partial"][0].lower()) == is_partial
    assert 100.0 in {line.get_ydata()[0] for line in ax.get_lines()}


def test_depth_and_sag_say_when_the_placement_cannot_observe_them():
    res = synthetic_result()
    res.reps["depth_m"] = np.nan
    res.reps["depth_frac"] = np.nan
    res.reps["sag_deg"] = np.nan
    fig = plot.plot_depth_sag(res)
    texts = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert "depth not observable" in texts and "sag not observable" in texts


def test_sag_bars_coloured_by_flag():
    res = synthetic_result()
    ax = plot.plot_sag(res)
    lim = plot.thresholds()
    bars = [p for p in ax.patches if p.get_width() == pytest.approx(0.6)]
    assert np.allclose([b.get_height() for b in bars], res.reps["sag_deg"])
    for b, sag in zip(bars, res.reps["sag_deg"]):
        is_sag = to_hex(b.get_facecolor()[:3]) == plot.FLAG_STYLE["sag"][0].lower()
        assert is_sag == (sag >= lim["sag_deg"])


def test_velocity_loss_and_breakdown_in_trend():
    res = synthetic_result()
    v = res.reps["ascent_mean_velocity_m_s"].to_numpy()
    loss = plot.velocity_loss_pct(res)
    assert np.allclose(loss.to_numpy(), 100 * (1 - v / v.max()))
    assert loss.iloc[0] == pytest.approx(0.0) and loss.iloc[-1] > 30
    fig = plot.plot_trend(res)
    assert len(fig.axes) == 3
    for ax in fig.axes:
        vlines = [line for line in ax.get_lines() if np.ptp(line.get_xdata()) == 0 and len(line.get_xdata()) == 2]
        assert any(line.get_xdata()[0] == 4 for line in vlines)
    assert "rep 4" in fig.axes[0].get_title(loc="left")


def test_velocity_loss_falls_back_to_ascent_time():
    res = synthetic_result()
    res.reps["ascent_mean_velocity_m_s"] = np.nan
    loss = plot.velocity_loss_pct(res).to_numpy()
    a = res.reps["ascent_s"].to_numpy()
    assert np.allclose(loss, 100 * (1 - a.min() / a))


def test_compare_sets_table_and_figure():
    sets = {"mon": synthetic_result(4), "wed": synthetic_result(6), "fri": synthetic_result(8)}
    table = plot.set_table(sets)
    assert table["set"].tolist() == ["mon", "wed", "fri"]
    assert table["reps"].tolist() == [4, 6, 8]
    assert table["flagged_reps"].tolist() == [sum(bool(f) for f in r.reps["flags"]) for r in sets.values()]
    fig = plot.plot_sets(sets)
    assert len(fig.axes) == 4


def test_session_dashboard_and_empty_result():
    fig = plot.plot_session(synthetic_result())
    assert len(fig.axes) == 5
    empty = SessionResult()
    ax = plot.plot_overview(empty)
    assert ax.get_title(loc="left").startswith("0 reps")
    plot.plot_tempo(empty)
    plot.plot_trend(empty)


def test_event_definitions_picture():
    res = synthetic_result(1)
    rep = res.reps.iloc[0]
    ax = plot.plot_event_definitions(res.signals.index, res.signals["height_m"], rep)
    labels = {t.get_text() for t in ax.texts}
    assert {"t_start", "t_bottom", "t_ascent", "t_end"} <= labels


def test_importing_the_package_does_not_import_matplotlib():
    code = ("import sys, imu_pushup, imu_pushup.plot, imu_pushup.report, imu_pushup.results; "
            "assert 'matplotlib' not in sys.modules, 'matplotlib imported eagerly'")
    subprocess.run([sys.executable, "-c", code], check=True)


def _gallery_module():
    import importlib.util
    from pathlib import Path
    path = Path(__file__).resolve().parents[1] / "scripts" / "make_gallery.py"
    spec = importlib.util.spec_from_file_location("make_gallery", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gallery_truth_view_matches_the_simulator_truth():
    simulate = pytest.importorskip("imu_pushup.simulate")
    sim = simulate.simulate_session(seed=5, n_reps=3, placements=("chest",), sampling_rate_hz=50.0)
    res = _gallery_module().truth_result(sim)
    assert res.n_reps == len(sim.truth["reps"]) == 3
    h = res.signals["height_m"]
    for rep in sim.truth["reps"]:
        during = h.loc[rep["t_start"]:rep["t_end"]]
        # the drawn height: 0 at the top plateau, the rep's excursion below it
        assert -during.min() == pytest.approx(rep["depth_m"], abs=0.01)
    ax = plot.plot_overview(res)
    assert sorted(int(t.get_text()) for t in ax.texts if t.get_text().isdigit()) == [1, 2, 3]
    rep = res.reps.iloc[0]
    ax = plot.plot_event_definitions(h.index, h, rep)
    assert {"t_start", "t_bottom", "t_ascent", "t_end"} <= {t.get_text() for t in ax.texts}


def test_gallery_pngs_exist_and_are_small():
    from pathlib import Path
    img = Path(__file__).resolve().parents[1] / "docs" / "img"
    gallery = _gallery_module()
    for name in (*gallery.GALLERY, "events"):
        data = (img / f"{name}.png").read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", name
        assert 5_000 < len(data) < gallery.MAX_PNG_BYTES, (name, len(data))


def test_overview_truth_strip_and_raw_recording():
    simulate = pytest.importorskip("imu_pushup.simulate")
    sim = simulate.simulate_session(seed=2, n_reps=3, placements=("chest",), sampling_rate_hz=50.0)
    res = synthetic_result(2)
    ax = plot.plot_overview(res, truth=sim.truth)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "truth (3)" in labels
    assert len(ax.patches) == len(plot.phase_intervals(res)) + 3
    rec = sim.recordings["chest"]
    fig = plot.plot_recording(rec)
    assert len(fig.axes) == 2
    assert np.allclose(fig.axes[0].get_lines()[2].get_ydata(), rec.acc[:, 2])
    assert np.allclose(fig.axes[1].get_lines()[0].get_ydata(), rec.gyr[:, 0])


def test_single_rep_view():
    res = synthetic_result()
    ax = plot.plot_rep(res, 5)
    row = res.reps.set_index("index").loc[5]
    assert ax.get_xlim() == pytest.approx((row.t_start - 1.0, row.t_end + 1.0))
    title = ax.get_title(loc="left")
    assert title.startswith("rep 5") and f"{row.descent_s:.2f} s" in title and "sag" in title
    assert {"t_start", "t_bottom", "t_ascent", "t_end"} <= {t.get_text() for t in ax.texts}
    with pytest.raises(KeyError, match="no rep 99"):
        plot.plot_rep(res, 99)
