"""The terminal face: ``imu-pushup COMMAND ...``.

Each command lives in a small module of this package with ``add_parser(subparsers)`` registering
its arguments and ``set_defaults(func=run)``. This module only dispatches and turns every
:class:`~imu_pushup.errors.ImuPushupError` into one line on stderr and exit status 2.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from ..errors import ImuPushupError

#: Command modules, in the order ``--help`` lists them.
COMMAND_MODULES = ("analyze", "calibrate", "simulate", "ble", "decode", "report", "batch")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse's own convention too)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="imu-pushup", description="Push-up coach for wearable IMUs.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(f"{__name__}.{name}"):
                continue  # command not built yet
            raise
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ImuPushupError as exc:
        print(f"imu-pushup {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"imu-pushup {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
