"""Regenerate the bundled datasets in ``datasets/`` (bit-for-bit) from their recipes.

Usage: ``python scripts/make_datasets.py [NAME ...] [-o DIR]`` (default: every dataset, into the
repository's ``datasets/`` folder). The recipes live in :mod:`imu_pushup.datasets`.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from imu_pushup.datasets import RECIPES, write_all


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*",
                        help=f"datasets to make (default all: {', '.join(RECIPES)})")
    parser.add_argument("-o", "--output", type=Path, default=Path(__file__).resolve().parent.parent / "datasets")
    args = parser.parse_args()
    unknown = [n for n in args.names if n not in RECIPES]
    if unknown:
        parser.error(f"unknown dataset(s): {', '.join(unknown)}")
    for folder in write_all(args.output, args.names or None):
        size_kb = sum(f.stat().st_size for f in folder.iterdir()) / 1024
        print(f"{folder}: {size_kb:.0f} kB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
