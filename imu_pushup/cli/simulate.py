"""``imu-pushup simulate``: write a simulated session (canonical CSVs + truth.json)."""
from __future__ import annotations

import argparse
import json
from typing import Any

from ..errors import UsageError

#: Options mapped onto simulation parameters (per-rep ones accept N, LO:HI or V1,V2,...).
_PARAM_OPTIONS = {
    "descent_s": "descent duration (s)",
    "pause_s": "bottom pause (s)",
    "ascent_s": "ascent duration (s)",
    "top_hold_s": "still time at the top between reps (s)",
    "stroke": "0 smooth .. 1 abrupt (bounce at the bottom, lockout at the top)",
    "depth_frac": "shoulder drop / upper-arm length (1 = upper arms parallel to the floor)",
    "sag_deg": "held hip bend (deg): + sag, - pike",
    "sag_dip_deg": "stomach dip at the bottom only (deg)",
    "neck_flexion_deg": "neck flexion, looking down (deg)",
    "fatigue": "0..1: slower, shallower, more sag across the set",
    "noise": "white-noise multiplier",
    "wobble": "strap/skin wobble gain (0 = rigid)",
    "chest_rock": "chest sensor pitch on the skin per unit elbow flexion (rad/rad, 0 = turns with the trunk)",
    "strap_slip_deg": "largest chest strap slip at a bottom turn-around (deg, 0 = none)",
    "packet_loss": "fraction of samples lost in blocks",
    "timestamp_jitter_s": "standard deviation of the sample time jitter (s)",
    "clock_offset_s": "sensor clock at the start (s)",
}


def parse_value(text: str, name: str) -> Any:
    """``N`` → number, ``LO:HI`` → range, ``V1,V2,...`` → one value per rep, else JSON or text."""
    try:
        if ":" in text and not text.strip().startswith(("{", "[")):
            lo, hi = text.split(":")
            return (float(lo), float(hi))
        if "," in text and not text.strip().startswith(("{", "[")):
            return [float(v) for v in text.split(",")]
        return float(text)
    except ValueError:
        pass
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "simulate", help="write a simulated session with its ground truth",
        description="Simulate a session (push-ups or a distractor) and write <placement>.csv per "
                    "sensor plus truth.json into DIR. Per-rep options take N, LO:HI (drawn per rep) "
                    "or V1,V2,... (one per rep).")
    p.add_argument("--kind", default="pushups", choices=["pushups", "walking", "squats", "plank_hold"])
    p.add_argument("--reps", type=int, default=10, help="number of reps (default 10)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--placements", default="chest",
                   help="comma-separated: chest,upper_arm,wrist,lumbar,head (default chest)")
    p.add_argument("--rate-hz", type=float, default=100.0, help="sampling rate (default 100)")
    p.add_argument("--variant", default="toe", choices=["toe", "knee"])
    p.add_argument("--height-m", type=float, default=1.75, help="body height (default 1.75 m)")
    p.add_argument("--mount", default="random", choices=["random", "aligned"],
                   help="sensor mounting rotation (default random)")
    for name, text in _PARAM_OPTIONS.items():
        p.add_argument("--" + name.replace("_", "-"), dest=name, default=None, metavar="V", help=text)
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="any other simulation parameter (repeatable)")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="output directory")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..simulate import simulate_session
    overrides: dict[str, Any] = {"mount": args.mount}
    for name in _PARAM_OPTIONS:
        value = getattr(args, name)
        if value is not None:
            overrides[name] = parse_value(value, name)
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--param {item!r} is not KEY=VALUE", fix="write e.g. --param acc_range_g=8")
        overrides[key.strip()] = parse_value(value.strip(), key.strip())
    placements = tuple(p.strip() for p in args.placements.split(",") if p.strip())
    sim = simulate_session(seed=args.seed, kind=args.kind, n_reps=args.reps, placements=placements,
                           sampling_rate_hz=args.rate_hz, variant=args.variant, height_m=args.height_m,
                           **overrides)
    out = sim.write(args.output)
    n = len(sim.truth["reps"])
    print(f"wrote {', '.join(f'{p}.csv' for p in sim.recordings)} and truth.json to {out} "
          f"({args.kind}, {n} rep{'s' if n != 1 else ''})")
    return 0
