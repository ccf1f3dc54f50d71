"""``imu-pushup decode --model MODEL RAW.jsonl -o OUT.csv``: rebuild the CSV from a raw BLE log."""
from __future__ import annotations

import argparse
import sys
import warnings

from ..errors import UsageError
from ..units import BLE_MODELS


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("decode", help="rebuild the canonical CSV from a raw BLE log",
                              description="Decode a raw BLE log (.raw.jsonl) written by 'record' or "
                                          "'live' into the canonical CSV, byte for byte as recorded.")
    p.add_argument("raw", metavar="RAW.jsonl")
    p.add_argument("--model", choices=BLE_MODELS,
                   help="sensor model (default: the one named in the log's first line)")
    p.add_argument("-o", "--output", required=True, metavar="OUT.csv")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary, no warnings")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..ble.assemble import StreamAssembler
    from ..ble.csvsink import CsvSink
    from ..io.rawlog import read_rawlog

    log = read_rawlog(args.raw)
    if args.model and args.model != log.header["model"]:
        raise UsageError(f"--model {args.model} but the log was recorded from a {log.header['model']}",
                         source=args.raw, where="line 1", fix=f"use --model {log.header['model']} or omit it")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore" if args.quiet else "default")
        asm = StreamAssembler(log.header, source=args.raw, warn=False)
        with CsvSink(args.output, log.header) as sink:
            for e in log.entries():
                sink.write(asm.event(e.t_host, e.event) if e.event else asm.feed(e.t_host, e.uuid or "", e.payload))
            sink.write(asm.finish())
    if not args.quiet:
        extra = f", {asm.malformed} malformed packet(s) skipped" if asm.malformed else ""
        gaps = f", {len(asm.gaps)} gap(s)" if asm.gaps else ""
        print(f"{args.output}: {sink.rows} samples{gaps}{extra}", file=sys.stderr)
    return 0
