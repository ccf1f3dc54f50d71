"""``imu-pushup calibrate [--placement P] [--height-m H] SENSOR... -o CAL.json``.

Learns how each sensor is worn and the good-form reference from a still plank followed by a few
good push-ups, and writes the calibration file that ``analyze --calibration`` uses.
"""
from __future__ import annotations

import argparse

from ..units import PLACEMENTS, VARIANTS


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "calibrate", help="learn sensor mounting and good form from a plank and a few good reps",
        description="Learn how each sensor is worn and the good-form reference from a recording "
                    "of a still plank (2-3 s) and 2-3 slow push-ups with good form. SENSOR is PATH "
                    "or PLACEMENT=PATH (one per sensor of the same recording).")
    p.add_argument("sensors", nargs="+", metavar="SENSOR")
    p.add_argument("-o", "--output", required=True, metavar="CAL.json", help="calibration file to write")
    p.add_argument("--placement", choices=PLACEMENTS, help="placement of a bare PATH without a header")
    p.add_argument("--height-m", type=float, help="standing height in metres (body geometry)")
    p.add_argument("--variant", choices=VARIANTS, help="toe or knee push-ups (default: detected)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import UsageError
    from ..io.calibration import learn_calibration, save_calibration

    if args.height_m is not None and not 0.5 <= args.height_m <= 2.5:
        raise UsageError(f"--height-m {args.height_m:g} is not a height in metres",
                         fix="give the standing height in metres, e.g. --height-m 1.78")
    cal = learn_calibration(args.sensors, height_m=args.height_m, placement=args.placement,
                            variant=args.variant)
    save_calibration(cal, args.output)
    parts = ", ".join(f"{p} {c.reference_pitch_deg:.1f}°" for p, c in sorted(cal.placements.items())
                      if c.reference_pitch_deg is not None)
    print(f"calibration written to {args.output}: {cal.variant or 'unknown'} push-ups, "
          f"{int(cal.extras.get('reps', 0))} reps, reference pitch {parts}")
    return 0
