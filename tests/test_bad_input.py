"""The bad-input catalogue: every broken file gets a typed exception from ``imu_pushup.read`` naming
the file and the place, and ``imu-pushup analyze FILE`` exits 2 with exactly one line on stderr.

The files are generated at test time by ``broken_files.make`` (nothing binary is committed).
Property tests generate broken recordings at random: a clear typed error or a valid recording,
never another exception.
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import imu_pushup as ip
from imu_pushup import errors
from imu_pushup.io.csv import read_csv
from imu_pushup.units import MIN_SAMPLING_RATE_HZ
from broken_files.make import CATALOGUE, rocking_motion, write_frame

HAS_ANALYZE_CLI = importlib.util.find_spec("imu_pushup.cli.analyze") is not None
HAS_ENGINE = importlib.util.find_spec("imu_pushup.engine.analyze") is not None
HAS_DECODE_CLI = importlib.util.find_spec("imu_pushup.cli.decode") is not None


def _cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "imu_pushup", *args], capture_output=True, text=True,
                          timeout=timeout)


def _assert_one_line_exit_2(proc: subprocess.CompletedProcess, must_contain: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert must_contain in lines[0] and "Traceback" not in proc.stderr


@pytest.fixture(scope="module")
def broken_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("broken")
    for entry in CATALOGUE:
        entry.make(d / f"{entry.name}.csv")
    return d


@pytest.mark.parametrize("entry", CATALOGUE, ids=lambda e: e.name)
def test_read_raises_the_typed_error_naming_file_and_place(entry, broken_dir):
    path = broken_dir / f"{entry.name}.csv"
    with pytest.raises(errors.ImuPushupError) as info:
        ip.read(path)
    err = info.value
    assert isinstance(err, entry.error), f"{entry.name}: got {type(err).__name__}: {err}"
    text = str(err)
    assert "\n" not in text and str(path) in text and err.fix
    if entry.where:
        assert entry.where in text


#: A real process for one entry of each kind of failure (format, columns, values, units, time,
#: rate, sensor); every entry goes through the same dispatcher in-process below (a process costs
#: seconds of interpreter and engine start-up on a shared machine).
SUBPROCESS_ENTRIES = ("empty", "binary_garbage", "text_in_numbers", "missing_columns", "nan", "in_g",
                      "gyro_rad_s", "unsorted", "clock_jump", "rate_10hz", "saturated", "not_worn")


@pytest.mark.skipif(not HAS_ANALYZE_CLI, reason="'imu-pushup analyze' not built yet (engine)")
@pytest.mark.parametrize("entry", [e for e in CATALOGUE if e.name in SUBPROCESS_ENTRIES], ids=lambda e: e.name)
def test_analyze_cli_exits_2_with_one_line(entry, broken_dir):
    path = broken_dir / f"{entry.name}.csv"
    _assert_one_line_exit_2(_cli("analyze", str(path)), path.name)


@pytest.mark.skipif(not HAS_ANALYZE_CLI, reason="'imu-pushup analyze' not built yet (engine)")
@pytest.mark.parametrize("entry", CATALOGUE, ids=lambda e: e.name)
def test_analyze_cli_in_process_exits_2_with_one_line(entry, broken_dir, capsys):
    from imu_pushup.cli import main
    path = broken_dir / f"{entry.name}.csv"
    assert main(["analyze", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and path.name in err[0] and err[0].startswith("imu-pushup analyze: ")


def test_same_errors_through_parquet(tmp_path):
    """The checks live in the model, so every format gets them: g and rad/s stored in Parquet."""
    df = rocking_motion()
    df[["acc_x", "acc_y", "acc_z"]] /= 9.80665
    pd.DataFrame(df).reset_index().to_parquet(tmp_path / "g.parquet")
    with pytest.raises(errors.UnitError, match="g.parquet.*looks like g"):
        ip.read(tmp_path / "g.parquet")


def test_huge_file_is_read_in_chunks_and_its_last_line_named(tmp_path):
    """A long file with a bad value on its last line: the line number is exact across chunks."""
    df = rocking_motion(duration_s=300.0, rate_hz=100.0)
    path = write_frame(df, tmp_path / "long.csv")
    n_lines = len(df) + 2
    with open(path, "a") as fh:
        fh.write("300.000000,1,2,x,4,5,6\n")
    with pytest.raises(errors.ColumnError, match=f"line {n_lines + 1}"):
        read_csv(path, chunk_rows=7000)
    with pytest.raises(errors.ColumnError, match=f"line {n_lines + 1}"):
        ip.read(path)


def test_valid_long_file_reads(tmp_path):
    df = rocking_motion(duration_s=600.0, rate_hz=100.0)
    path = tmp_path / "long.csv"
    np.savetxt(path, np.column_stack([df.index.to_numpy(), df.to_numpy()]), delimiter=",",
               fmt=["%.6f"] + ["%.7g"] * 6, header="t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z", comments="")
    rec = read_csv(path, chunk_rows=20000)
    assert len(rec) == 60000 and rec.gaps == []


# -- truncated raw BLE log, through `imu-pushup decode` -----------------------------------------

def _write_generic_rawlog(path: Path, n_packets: int = 40) -> None:
    from imu_pushup.ble.sensors.generic import DATA_UUID, encode_packet
    from imu_pushup.io.rawlog import RawLogWriter
    df = rocking_motion(duration_s=n_packets * 10 / 50.0, rate_hz=50.0)
    acc, gyr = df[["acc_x", "acc_y", "acc_z"]].to_numpy(), df[["gyr_x", "gyr_y", "gyr_z"]].to_numpy()
    with RawLogWriter(path) as w:
        w.write_header({"model": "generic", "placement": "chest", "sampling_rate_hz": 50.0,
                        "settings": {"sampling_rate_hz": 50.0}})
        for k in range(n_packets):
            sl = slice(10 * k, 10 * k + 10)
            w.packet(1.0 + 0.2 * k, DATA_UUID, encode_packet(k, 200_000 * k, acc[sl], gyr[sl]))


@pytest.mark.skipif(not HAS_DECODE_CLI, reason="'imu-pushup decode' not built yet (BLE)")
def test_raw_log_cut_mid_entry_decodes_what_was_recorded(tmp_path):
    raw = tmp_path / "set.raw.jsonl"
    _write_generic_rawlog(raw)
    data = raw.read_bytes()
    raw.write_bytes(data[: len(data) - 25])  # a crash in the middle of writing the last packet
    proc = _cli("decode", str(raw), "-o", str(tmp_path / "set.csv"), "-q")
    assert proc.returncode == 0, proc.stderr
    rec = ip.read(tmp_path / "set.csv")
    assert len(rec) == 39 * 10  # every complete packet, nothing invented


@pytest.mark.skipif(not HAS_DECODE_CLI, reason="'imu-pushup decode' not built yet (BLE)")
@pytest.mark.parametrize("cut", ["first_line", "middle_line"])
def test_broken_raw_log_exits_2_with_one_line(tmp_path, cut):
    raw = tmp_path / "set.raw.jsonl"
    _write_generic_rawlog(raw)
    lines = raw.read_text().splitlines(keepends=True)
    if cut == "first_line":
        raw.write_text(lines[0][:30])
        where = "line 1"
    else:
        lines[5] = lines[5][:20] + "\n"
        raw.write_text("".join(lines))
        where = "line 6"
    proc = _cli("decode", str(raw), "-o", str(tmp_path / "set.csv"))
    _assert_one_line_exit_2(proc, where)


@pytest.mark.skipif(not HAS_DECODE_CLI, reason="'imu-pushup decode' not built yet (BLE)")
def test_raw_log_header_without_settings_exits_2(tmp_path):
    raw = tmp_path / "set.raw.jsonl"
    raw.write_text(json.dumps({"model": "generic", "placement": "chest"}) + "\n")
    _assert_one_line_exit_2(_cli("decode", str(raw), "-o", str(tmp_path / "set.csv")), "line 1")


def test_read_points_raw_log_to_decode(tmp_path):
    raw = tmp_path / "set.raw.jsonl"
    raw.write_text(json.dumps({"model": "generic", "placement": "chest"}) + "\n")
    with pytest.raises(errors.FormatError, match="decode"):
        ip.read(raw)


# -- a recording without push-ups is a result, not an error -------------------------------------

def _plank_hold(path: Path) -> Path:
    return write_frame(rocking_motion(amplitude_deg=2.0, freq_hz=0.25, bob_m_s2=0.02, duration_s=40.0), path)


def test_time_in_nanoseconds_read_as_seconds_is_refused():
    df = BASE.copy()
    df.index = pd.Index(df.index.to_numpy() * 1e-9, name="t")   # 50 GHz: t was not in seconds
    with pytest.raises(errors.SamplingRateError, match="seconds"):
        ip.Recording(df)


def test_plank_hold_is_a_valid_recording(tmp_path):
    assert ip.read(_plank_hold(tmp_path / "plank.csv")).duration_s > 39


@pytest.mark.skipif(not HAS_ENGINE, reason="imu_pushup.analyze (engine) not built yet")
def test_no_pushups_gives_zero_reps(tmp_path):
    res = ip.analyze(ip.read(_plank_hold(tmp_path / "plank.csv")))
    assert res.n_reps == 0 and len(res.reps) == 0


@pytest.mark.skipif(not HAS_ANALYZE_CLI, reason="'imu-pushup analyze' not built yet (engine)")
def test_no_pushups_cli_exits_0(tmp_path):
    proc = _cli("analyze", "--json", str(_plank_hold(tmp_path / "plank.csv")))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["reps"] == []


# -- property tests: a typed error or a valid recording, never anything else ---------------------

BASE = rocking_motion(duration_s=6.0, rate_hz=50.0)

mutation = st.sampled_from(["nan", "inf", "huge", "swap", "dup", "scale_acc", "scale_gyr", "drop_col",
                            "constant", "jump", "shift_t", "truncate", "zero_t", "clip"])


def _mutate(df: pd.DataFrame, kind: str, data: st.DataObject) -> pd.DataFrame:
    df = df.copy()
    n = len(df)
    if n == 0 or df.shape[1] == 0:
        return df
    i = data.draw(st.integers(0, n - 1), label="row")
    col = data.draw(st.integers(0, df.shape[1] - 1), label="col")
    acc = [c for c in ("acc_x", "acc_y", "acc_z") if c in df.columns]
    gyr = [c for c in ("gyr_x", "gyr_y", "gyr_z") if c in df.columns]
    if kind in ("nan", "inf", "huge"):
        df.iat[i, col] = {"nan": np.nan, "inf": -np.inf, "huge": 1e300}[kind]
    elif kind == "swap" and i + 1 < n:
        idx = np.arange(n)
        idx[i], idx[i + 1] = idx[i + 1], idx[i]
        df = df.iloc[idx]
    elif kind == "dup":
        df = pd.concat([df.iloc[: i + 1], df.iloc[i:]])
    elif kind == "scale_acc":
        df[acc] *= data.draw(st.sampled_from([1e-3, 0.102, 1.0, 101.97, 1e4, -1.0]))
    elif kind == "scale_gyr":
        df[gyr] *= data.draw(st.sampled_from([0.0, 0.01745, 1.0, 1000.0]))
    elif kind == "drop_col":
        df = df.drop(columns=[df.columns[col]])
    elif kind == "constant":
        df.iloc[:, col] = df.iat[0, col]
    elif kind == "jump":
        t = df.index.to_numpy().copy()
        t[i:] += data.draw(st.sampled_from([0.5, 30.0, 1e4, -3.0]))
        df.index = pd.Index(t, name="t")
    elif kind == "shift_t":
        df.index = pd.Index(df.index.to_numpy() * data.draw(st.sampled_from([0.001, 0.3, 3.0, 1000.0])), name="t")
    elif kind == "truncate":
        df = df.iloc[: data.draw(st.integers(0, 30))]
    elif kind == "zero_t":
        df.index = pd.Index(np.zeros(n), name="t")
    elif kind == "clip":
        df = df.clip(-data.draw(st.sampled_from([5.0, 20.0])), data.draw(st.sampled_from([5.0, 20.0])))
    return df


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kinds=st.lists(mutation, min_size=1, max_size=3), data=st.data())
def test_broken_frames_give_a_typed_error_or_a_valid_recording(kinds, data):
    df = BASE
    for kind in kinds:
        df = _mutate(df, kind, data)
    try:
        rec = ip.Recording(df)
    except errors.ImuPushupError as exc:
        assert "\n" not in str(exc)
        return
    # Valid: then it really is in SPEC shape and units.
    assert np.all(np.diff(rec.t) > 0) and np.all(np.isfinite(rec.data.to_numpy()))
    assert rec.sampling_rate_hz >= MIN_SAMPLING_RATE_HZ
    assert 5.0 < np.median(np.linalg.norm(rec.acc, axis=1)) < 15.0


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(blob=st.binary(min_size=0, max_size=3000), suffix=st.sampled_from([".csv", ".parquet", ".txt", ""]))
def test_random_bytes_give_a_typed_error(tmp_path, blob, suffix):
    path = tmp_path / f"blob{suffix}"
    path.write_bytes(blob)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(errors.ImuPushupError):
            ip.read(path)


_cell = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr), st.text(max_size=6),
                  st.sampled_from(["", " ", "1e999", "0x10", "--1", "nan", "9.81"]))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.sampled_from(["t,acc_x,acc_y,acc_z", "t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z", "t,acc_x",
                               "accelerometerTimestamp_sinceReboot,accelerometerAccelerationX,"
                               "accelerometerAccelerationY,accelerometerAccelerationZ"]),
       rows=st.lists(st.lists(_cell, min_size=1, max_size=8), max_size=20))
def test_random_text_tables_give_a_typed_error_or_a_recording(tmp_path, header, rows):
    path = tmp_path / "table.csv"
    text = header + "\n" + "\n".join(",".join(r) for r in rows) + "\n"
    path.write_bytes(text.encode("utf-8", "replace"))
    try:
        ip.read(path)
    except errors.ImuPushupError as exc:
        assert "\n" not in str(exc)
