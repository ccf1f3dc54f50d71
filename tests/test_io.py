"""Readers and writers: round-trips, format detection, metadata, errors naming file and line."""
from __future__ import annotations

import json

import numpy as np
import pytest

import imu_pushup as ip
from imu_pushup import errors
from imu_pushup.io.csv import write_csv
from imu_pushup.io.read import sniff_format
from broken_files.make import rocking_motion, write_frame


@pytest.fixture
def rec():
    return ip.Recording(rocking_motion(rate_hz=50.0), placement="wrist", sensor="Test IMU",
                        metadata={"firmware": "1.2", "note": "two\nlines"})


def test_csv_round_trip_keeps_values_to_written_precision(rec, tmp_path):
    path = tmp_path / "a.csv"
    ip.write(rec, path)
    text = path.read_text().splitlines()
    assert text[:3] == ["# placement: wrist", "# sensor: Test IMU", "# sampling_rate_hz: 50"]
    assert text[5] == "t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z"
    back = ip.read(path)
    assert (back.placement, back.sensor, back.sampling_rate_hz) == ("wrist", "Test IMU", 50.0)
    assert back.metadata == {"firmware": "1.2", "note": "two lines"}
    np.testing.assert_allclose(back.t, rec.t, atol=5e-7)
    np.testing.assert_allclose(back.data.to_numpy(), rec.data.to_numpy(), rtol=1e-6, atol=1e-9)
    # Written again, the file is byte-identical: the format is stable.
    ip.write(back, tmp_path / "b.csv")
    assert (tmp_path / "b.csv").read_bytes() == path.read_bytes()


def test_parquet_round_trip_is_lossless_with_schema_metadata(rec, tmp_path):
    import pyarrow.parquet as pq
    path = tmp_path / "a.parquet"
    ip.write(rec, path)
    meta = json.loads(pq.read_schema(path).metadata[b"imu_pushup"])
    assert meta["placement"] == "wrist" and meta["sampling_rate_hz"] == pytest.approx(50.0)
    back = ip.read(path)
    assert (back.placement, back.sensor, back.metadata) == ("wrist", "Test IMU", rec.metadata)
    np.testing.assert_array_equal(back.t, rec.t)
    np.testing.assert_array_equal(back.data.to_numpy(), rec.data.to_numpy())


def test_parquet_from_pandas_without_metadata_reads_with_placement_argument(rec, tmp_path):
    path = tmp_path / "plain.parquet"
    rec.data.reset_index().to_parquet(path)
    back = ip.read(path, placement="head")
    assert back.placement == "head" and len(back) == len(rec)


def test_placement_argument_overrides_file(rec, tmp_path):
    path = tmp_path / "a.csv"
    write_csv(rec, path)
    assert ip.read(path, placement="chest").placement == "chest"


def test_format_is_sniffed_from_content_not_suffix(rec, tmp_path):
    pq_path = tmp_path / "data.bin"
    ip.write(rec, tmp_path / "x.parquet")
    pq_path.write_bytes((tmp_path / "x.parquet").read_bytes())
    assert sniff_format(pq_path) == "parquet"
    assert ip.read(pq_path).placement == "wrist"
    txt = tmp_path / "data.txt"
    write_csv(rec, txt)
    assert ip.read(txt).sampling_rate_hz == 50.0


def test_not_a_parquet_file_with_parquet_suffix(tmp_path):
    path = tmp_path / "x.parquet"
    path.write_text("t,acc_x\n")
    with pytest.raises(errors.FormatError, match="Parquet"):
        ip.read(path)


def test_corrupt_parquet_is_a_format_error(rec, tmp_path):
    path = tmp_path / "x.parquet"
    ip.write(rec, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(errors.FormatError, match="x.parquet"):
        ip.read(path)


def test_raw_ble_log_points_to_decode(tmp_path):
    path = tmp_path / "x.raw.jsonl"
    path.write_text('{"model": "polar-h10", "placement": "chest"}\n{"t_host": 1.0, "uuid": "u", "hex": "00"}\n')
    with pytest.raises(errors.FormatError, match="decode"):
        ip.read(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(errors.FormatError, match="no such file"):
        ip.read(tmp_path / "nope.csv")
    with pytest.raises(errors.FormatError, match="directory"):
        ip.read(tmp_path)


def test_csv_with_bom_spaces_and_crlf(tmp_path):
    df = rocking_motion(rate_hz=50.0)
    path = write_frame(df, tmp_path / "a.csv")
    text = path.read_text().replace("t,acc_x,acc_y", "t, acc_x, acc_y").replace("\n", "\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    back = ip.read(path)
    np.testing.assert_allclose(back.acc, df[["acc_x", "acc_y", "acc_z"]].to_numpy(), rtol=1e-6)


def test_long_csv_is_read_in_chunks_identically(tmp_path):
    df = rocking_motion(rate_hz=100.0, duration_s=30.0)
    path = write_frame(df, tmp_path / "a.csv")
    whole = ip.read(path)
    from imu_pushup.io.csv import read_csv
    chunked = read_csv(path, chunk_rows=700)
    np.testing.assert_array_equal(whole.data.to_numpy(), chunked.data.to_numpy())


def test_gzip_csv_and_sensorlog_round_trip(rec, tmp_path):
    path = tmp_path / "a.csv.gz"
    ip.write(rec, path)
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    back = ip.read(path)
    np.testing.assert_allclose(back.data.to_numpy(), rec.data.to_numpy(), rtol=1e-6, atol=1e-9)
    assert back.placement == "wrist"


def test_broken_gzip_is_a_format_error(rec, tmp_path):
    path = tmp_path / "a.csv.gz"
    ip.write(rec, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(errors.ImuPushupError, match="a.csv.gz"):
        ip.read(path)
