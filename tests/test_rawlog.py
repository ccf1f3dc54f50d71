"""Raw BLE log: first line, one line per packet, flushed; truncated and broken logs."""
from __future__ import annotations

import json
import warnings

import pytest

from imu_pushup.errors import DecodeError, FormatError
from imu_pushup.io.rawlog import RawLogWriter, read_rawlog

HEADER = {"model": "movesense", "placement": "chest", "sampling_rate_hz": 52.0,
          "settings": {"sampling_rate_hz": 52.0}, "t0_host": 10.0}


def test_packets_before_the_header_follow_it_and_every_line_is_flushed(tmp_path):
    p = tmp_path / "x.raw.jsonl"
    w = RawLogWriter(p)
    w.packet(10.5, "34800002-7185-4D5D-B431-630E7050E8F0", b"\x01\x00")
    assert p.read_text() == ""  # nothing before the device settings are known
    w.write_header(HEADER)
    w.packet(10.6, "34800002-7185-4d5d-b431-630e7050e8f0", b"\x02\x63\xff")
    w.event(10.7, "disconnected")
    lines = p.read_text().splitlines()  # readable before close: flushed per packet
    assert json.loads(lines[0])["model"] == "movesense"
    assert json.loads(lines[1]) == {"t_host": 10.5, "uuid": "34800002-7185-4d5d-b431-630e7050e8f0", "hex": "0100"}
    assert json.loads(lines[3])["event"] == "disconnected"
    w.close()
    log = read_rawlog(p)
    entries = list(log.entries())
    assert [e.payload for e in entries[:2]] == [b"\x01\x00", b"\x02\x63\xff"] and entries[2].event == "disconnected"


def test_truncated_last_line_is_skipped_with_a_warning(tmp_path):
    p = tmp_path / "x.raw.jsonl"
    with RawLogWriter(p) as w:
        w.write_header(HEADER)
        w.packet(11.0, "abc", b"\x01")
    with open(p, "a") as fh:
        fh.write('{"t_host": 11.1, "uuid": "abc", "he')  # power lost mid-write
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        entries = list(read_rawlog(p).entries())
    assert len(entries) == 1 and any("truncated" in str(c.message) for c in caught)


def test_broken_line_in_the_middle_names_the_line(tmp_path):
    p = tmp_path / "x.raw.jsonl"
    p.write_text(json.dumps(HEADER) + "\n" + '{"t_host": 1, "uuid": "a", "hex": "zz"}\n'
                 + '{"t_host": 2, "uuid": "a", "hex": "00"}\n')
    with pytest.raises(DecodeError, match="line 2"):
        list(read_rawlog(p).entries())


@pytest.mark.parametrize("content", [b"", b"\x00\xff\xfe binary", b"not json\n", b'{"no": "model"}\n'])
def test_not_a_raw_log(tmp_path, content):
    p = tmp_path / "x.raw.jsonl"
    p.write_bytes(content)
    with pytest.raises(FormatError) as err:
        read_rawlog(p)
    assert str(p) in str(err.value) and "\n" not in str(err.value)
