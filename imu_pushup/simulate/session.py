"""``simulate_session``: a whole simulated session with its recordings, kinematics and truth."""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import signal
from scipy.spatial.transform import Rotation

from ..body import BodyGeometry
from ..recording import Recording, Session, from_arrays
from ..units import GRAVITY_M_S2, PLACEMENTS
from . import chain, imu, script, skin
from .chain import TRUNK, Segments
from .params import check_basics, draw, resolve, to_jsonable
from .truth import THRESHOLDS, reps_truth

TRUTH_SCHEMA = "imu-pushup/truth@1"
SENSOR_NAME = "simulated"
#: The fine grid runs at an integer multiple of the output rate, at least this fast.
FINE_RATE_HZ = 500.0


@dataclass
class SimulatedSession:
    """A simulated session: recordings per placement, true kinematics and the truth document.

    ``recordings`` hold exactly what the CSV files written by :meth:`write` hold (times rounded to
    the microsecond, values to 7 significant digits), so writing and reading back is lossless.
    ``orientations`` hold each sensor's orientation (world from sensor, quaternion ``qx qy qz
    qw``) and ``positions`` its site's world position (``x_m y_m z_m``; strap wobble excluded) at
    the output times, before packet loss: ``acc = Rᵀ(p̈ + g·up)`` when wobble is 0.
    """

    recordings: dict[str, Recording]
    truth: dict[str, Any]
    kinematics: pd.DataFrame
    orientations: dict[str, pd.DataFrame] = field(default_factory=dict)
    positions: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def session(self) -> Session:
        """The recordings as a :class:`~imu_pushup.Session` (chest first when present)."""
        order = [p for p in PLACEMENTS if p in self.recordings]
        return Session([self.recordings[p] for p in order])

    @property
    def reps(self) -> pd.DataFrame:
        """The truth reps as a table (one row per rep)."""
        return pd.DataFrame(self.truth["reps"])

    def write(self, directory: str | os.PathLike[str]) -> Path:
        """Write ``<placement>.csv`` per sensor (canonical CSV) and ``truth.json`` into ``directory``."""
        from ..io.csv import write_csv
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        for placement, rec in self.recordings.items():
            write_csv(rec, out / f"{placement}.csv")
        with open(out / "truth.json", "w") as fh:
            json.dump(self.truth, fh, indent=1)
            fh.write("\n")
        return out


def _smooth_noise(rng: np.random.Generator, t: np.ndarray, amplitude: float, f_lo: float = 0.05,
                  f_hi: float = 0.4, n: int = 3) -> np.ndarray:
    """A slow random wobble: a few sinusoids with random frequencies and phases."""
    out = np.zeros_like(t)
    for _ in range(n):
        out += np.sin(2 * np.pi * rng.uniform(f_lo, f_hi) * t + rng.uniform(0, 2 * np.pi))
    return amplitude * out / math.sqrt(n / 2)


def _mount_rotation(mount: Any, placement: str, rng: np.random.Generator) -> Rotation:
    if isinstance(mount, dict):
        value = mount.get(placement, "random")
        if isinstance(value, str):
            return _mount_rotation(value, placement, rng)
        return Rotation.from_quat(np.asarray(value, dtype=float))
    if mount == "aligned":
        return Rotation.identity()
    if mount == "random":
        return Rotation.random(random_state=rng)
    from ..errors import UsageError
    raise UsageError(f"mount={mount!r} is not understood",
                     fix="use 'random', 'aligned' or a dict placement -> quaternion [x, y, z, w]")


def _packet_mask(n: int, loss: float, block: int, rng: np.random.Generator) -> np.ndarray:
    """Samples kept after losing about ``loss`` of them in blocks (first and last always kept)."""
    keep = np.ones(n, dtype=bool)
    if loss <= 0 or n < 4:
        return keep
    n_blocks = int(round(loss * n / block))
    starts = rng.integers(1, max(2, n - block - 1), size=n_blocks)
    for s in starts:
        keep[s:s + block] = False
    keep[0] = keep[-1] = True
    return keep


def simulate_session(seed: int = 0, kind: str = "pushups", n_reps: int = 10,
                     placements: Sequence[str] = ("chest",), sampling_rate_hz: float = 100.0,
                     variant: str = "toe", height_m: float = 1.75, **overrides: Any) -> SimulatedSession:
    """Simulate a session of ``kind`` with ground truth.

    Parameters
    ----------
    seed:
        Seed of the numpy Generator: the same arguments give bit-identical output. The body's
        motion does not depend on which placements are simulated.
    kind:
        ``pushups`` (the guide's session: stand, knees, plank, hold, reps, knees, stand),
        ``walking``, ``squats`` or ``plank_hold`` (no reps).
    n_reps, placements, sampling_rate_hz, variant, height_m:
        Number of reps (squats too), sensor placements, output rate, ``toe`` or ``knee`` push-ups,
        body height (segment lengths follow :class:`~imu_pushup.body.BodyGeometry`).
    **overrides:
        Any of :data:`imu_pushup.simulate.params.DEFAULTS` (tempo, stroke, depth, sag, pike,
        stomach dip, neck flexion, fatigue, mounting, wobble, noise, bias, scale error, ranges,
        quantisation, packet loss, jitter, clock offset). Per-rep values take a number, a
        ``(lo, hi)`` range or a list with one value per rep.
    """
    placements = tuple(dict.fromkeys(placements))
    check_basics(kind, int(n_reps), placements, float(sampling_rate_hz), variant, float(height_m))
    params = resolve(overrides)
    fs = float(sampling_rate_hz)
    seq = np.random.SeedSequence(int(seed))
    motion_seq, sensor_seq, clock_seq = seq.spawn(3)
    rng = np.random.default_rng(motion_seq)

    body = BodyGeometry.from_height(height_m)
    seg = Segments.of(body)
    m = max(1, math.ceil(FINE_RATE_HZ / fs))
    dt = 1.0 / (fs * m)
    tl = script.Timeline(dt, seg)
    schedule: list[dict[str, float]] = []
    plank: dict[str, float] | None = None
    if kind == "pushups":
        schedule, plank = script.pushup_session(tl, int(n_reps), variant, params, rng)
    elif kind == "plank_hold":
        _, plank = script.pushup_session(tl, 0, variant, params, rng)
    elif kind == "walking":
        script.walking_session(tl, params, rng)
    else:
        script.squat_session(tl, int(n_reps), params, rng)
    arr = tl.build()
    pose = arr["pose"]
    n_fine = len(pose)
    t_fine = np.arange(n_fine) * dt
    # Breathing in still planks, slow 3-D sway of the whole body.
    envelope = arr["breathing"].astype(float)
    win = np.ones(max(1, int(round(0.5 / dt))))
    for _ in range(2):
        envelope = np.convolve(envelope, win / len(win), mode="same")
    pose[:, TRUNK] += envelope * 0.003 * np.sin(2 * np.pi * rng.uniform(0.2, 0.35) * t_fine)
    # Physiological tremor (8-12 Hz) while holding the body up on the hands.
    tremor = draw(params["tremor_m_s2"], rng, "tremor_m_s2")
    if tremor > 0 and arr["planted"].any():
        sos = signal.butter(2, (7.0, 12.0), btype="bandpass", fs=1.0 / dt, output="sos")
        shake = signal.sosfilt(sos, rng.standard_normal(n_fine))
        shake /= max(np.std(shake), 1e-12)
        lever = seg.legs_m(variant) + seg.trunk_m
        pose[:, TRUNK] += arr["planted"] * tremor / (lever * (2 * np.pi * 9.5) ** 2) * shake
    sway = float(draw(params["sway_deg"], rng, "sway_deg")) * np.pi / 180
    yaw = _smooth_noise(rng, t_fine, sway)
    roll = _smooth_noise(rng, t_fine, sway) + arr["roll_rad"]
    sway_y = _smooth_noise(rng, t_fine, 0.004)
    hand = tl.hand_xz if tl.hand_xz is not None else np.zeros(2)
    pts = chain.forward(pose, arr["planted"], hand, seg)

    # Output sample times on the fine grid's clock (tau) and on the sensor clock (t).
    crng = np.random.default_rng(clock_seq)
    n_out = int(math.floor((t_fine[-1] - 2 * dt) * fs)) + 1
    tau = np.arange(n_out) / fs
    jitter = float(params["timestamp_jitter_s"])
    if jitter > 0:
        tau = tau + np.clip(crng.normal(0, jitter, n_out), -0.4 / fs, 0.4 / fs)
        tau = np.clip(tau, 0.0, t_fine[-1] - dt)
    clock_offset = float(params["clock_offset_s"])
    t_out = imu.round_time(clock_offset + tau)

    kin = _kinematics(pts, seg, t_fine, dt, tau, t_out, arr["label"], yaw, roll, sway_y)
    windows = _rep_windows(schedule, plank, clock_offset)
    reps = reps_truth(t_out, kin["chest_height_m"].to_numpy(), kin["shoulder_height_m"].to_numpy(),
                      kin["hip_angle_deg"].to_numpy(), kin["neck_flexion_deg"].to_numpy(), windows,
                      seg.upper_arm_m)
    _label_phases(kin, reps)

    recordings: dict[str, Recording] = {}
    orientations: dict[str, pd.DataFrame] = {}
    positions: dict[str, pd.DataFrame] = {}
    sensors_truth: dict[str, Any] = {}
    sensor_seqs = sensor_seq.spawn(len(PLACEMENTS))
    for placement in placements:
        srng = np.random.default_rng(sensor_seqs[PLACEMENTS.index(placement)])
        rec, ori, info, site_pos = _simulate_sensor(placement, pts, seg, params, srng, dt, tau, t_out, fs,
                                                    yaw, roll, sway_y, seed, kind)
        recordings[placement], orientations[placement], sensors_truth[placement] = rec, ori, info
        positions[placement] = site_pos

    truth = {
        "schema": TRUTH_SCHEMA, "kind": kind, "variant": variant, "height_m": float(height_m),
        "seed": int(seed), "n_reps_requested": int(n_reps),
        "params": to_jsonable(params), "sampling_rate_hz": fs,
        "placements": list(placements),
        "body": {"upper_arm_m": seg.upper_arm_m, "forearm_m": seg.forearm_m, "trunk_m": seg.trunk_m,
                 "legs_m": seg.legs_m(variant), "chest_depth_m": seg.chest_depth_m,
                 "depth_target_m": body.depth_target_m},
        "thresholds": dict(THRESHOLDS),
        "plank": None if plank is None else {k: _snap(v + clock_offset, t_out) for k, v in plank.items()},
        "reps": [_jsonable_rep(r) for r in reps] if kind == "pushups" else [],
        "schedule": [{k: (v + clock_offset if k.startswith("t_") else v) for k, v in s.items()}
                     for s in schedule],
        "sensors": sensors_truth,
    }
    return SimulatedSession(recordings=recordings, truth=truth, kinematics=kin, orientations=orientations,
                            positions=positions)


def _snap(t_s: float, t_out: np.ndarray) -> float:
    """The first output sample time at or after ``t_s``."""
    i = min(int(np.searchsorted(t_out, t_s)), len(t_out) - 1)
    return float(t_out[i])


def _jsonable_rep(rep: dict[str, Any]) -> dict[str, Any]:
    return {k: (round(v, 6) if isinstance(v, float) and not k.startswith("t_") else v)
            for k, v in rep.items()}


def _rep_windows(schedule: list[dict[str, float]], plank: dict[str, float] | None,
                 clock_offset: float) -> list[tuple[float, float]]:
    """Each rep's analysis window on the sensor clock: middle of the top hold before and after."""
    if not schedule:
        return []
    bounds = [plank["t_enter"] if plank else schedule[0]["t_hold"]]
    for prev, nxt in zip(schedule[:-1], schedule[1:]):
        bounds.append(0.5 * (prev["t_end"] + nxt["t_descent"]))
    bounds.append(plank["t_leave"] if plank else schedule[-1]["t_end"])
    first = schedule[0]
    bounds[0] = 0.5 * (bounds[0] + first["t_descent"])
    last = schedule[-1]
    bounds[-1] = 0.5 * (bounds[-1] + last["t_end"])
    return [(a + clock_offset, b + clock_offset) for a, b in zip(bounds[:-1], bounds[1:])]


def _kinematics(pts: chain.ChainPoints, seg: Segments, t_fine: np.ndarray, dt: float, tau: np.ndarray,
                t_out: np.ndarray, labels: np.ndarray, yaw: np.ndarray, roll: np.ndarray,
                sway_y: np.ndarray) -> pd.DataFrame:
    chest_pos, _ = imu.site_motion(pts, imu.site("chest", seg), yaw, roll, sway_y)
    deg = 180.0 / np.pi
    cols = {
        "chest_height_m": chest_pos[:, 2],
        "chest_x_m": chest_pos[:, 0],
        "shoulder_height_m": pts.shoulder[:, 1],
        "hip_height_m": pts.hip[:, 1],
        "trunk_pitch_deg": pts.angles["trunk"] * deg,
        "legs_pitch_deg": pts.angles["thigh"] * deg,
        "hip_angle_deg": (pts.angles["trunk"] - pts.angles["thigh"]) * deg,
        "neck_flexion_deg": (pts.angles["trunk"] - pts.angles["head"]) * deg,
        "head_pitch_deg": pts.angles["head"] * deg,
        "upper_arm_pitch_deg": pts.angles["upper_arm"] * deg,
        "forearm_pitch_deg": pts.angles["forearm"] * deg,
        "elbow_angle_deg": 180.0 - (pts.angles["forearm"] - pts.angles["upper_arm"]) * deg,
    }
    out = {k: imu.interp_rows(v, dt, tau) for k, v in cols.items()}
    nearest = np.clip(np.round(tau / dt).astype(int), 0, len(labels) - 1)
    out["activity"] = labels[nearest]
    df = pd.DataFrame(out, index=pd.Index(t_out, name="t"))
    return df


def _label_phases(kin: pd.DataFrame, reps: list[dict[str, Any]]) -> None:
    """``phase`` (descent/bottom/ascent per SPEC events, else the activity) and ``rep`` (index or 0)."""
    t = kin.index.to_numpy()
    phase = kin["activity"].to_numpy(dtype=object).copy()
    phase[phase == "rep"] = "top"
    rep_idx = np.zeros(len(t), dtype=int)
    for r in reps:
        phase[(t >= r["t_start"]) & (t < r["t_bottom"])] = "descent"
        phase[(t >= r["t_bottom"]) & (t <= r["t_ascent"])] = "bottom"
        phase[(t > r["t_ascent"]) & (t <= r["t_end"])] = "ascent"
        rep_idx[(t >= r["t_start"]) & (t <= r["t_end"])] = r["index"]
    kin["phase"] = phase
    kin["rep"] = rep_idx


def _simulate_sensor(placement: str, pts: chain.ChainPoints, seg: Segments, params: dict[str, Any],
                     rng: np.random.Generator, dt: float, tau: np.ndarray, t_out: np.ndarray, fs: float,
                     yaw: np.ndarray, roll: np.ndarray, sway_y: np.ndarray, seed: int,
                     kind: str) -> tuple[Recording, pd.DataFrame, dict[str, Any], pd.DataFrame]:
    st = imu.site(placement, seg)
    mount = _mount_rotation(params["mount"], placement, rng)
    wob = imu.Wobble(freq_hz=draw(params["wobble_hz"], rng, "wobble_hz"),
                     damping=draw(params["wobble_damping"], rng, "wobble_damping"),
                     gain=draw(params["wobble"], rng, "wobble"))
    # Extra segment roll for the limbs and head (they move more freely than the trunk).
    extra_roll = {"trunk": 0.0, "head": 2.0, "upper_arm": 2.0, "forearm": 1.5}[st.segment] * np.pi / 180
    seg_roll = roll + _smooth_noise(rng, np.arange(len(roll)) * dt, extra_roll, 0.1, 0.6)
    if st.segment in ("upper_arm", "forearm"):
        # Elbows flare out as they bend: the arm turns about its long axis with elbow flexion.
        flexion = np.pi - (pts.angles["forearm"] - pts.angles["upper_arm"])
        flexion = np.clip(np.pi - flexion, 0.0, None)   # 0 with the arm straight
        coupling = draw(params["elbow_flare"], rng, "elbow_flare")
        seg_roll = seg_roll + coupling * (1.0 if st.segment == "upper_arm" else 0.5) * flexion
    rock_info: dict[str, Any] = {}
    skin_pitch = None
    if placement == "chest":
        # Own generator (spawned, so the draws below stay the same whatever the rock settings).
        rrng = rng.spawn(1)[0]
        coupling = draw(params["chest_rock"], rrng, "chest_rock")
        slip_max = draw(params["strap_slip_deg"], rrng, "strap_slip_deg")
        skin_pitch, slips = skin.chest_rock_rad(pts, dt, coupling, slip_max, wob, rrng)
        rock_info = {"chest_rock": coupling, "strap_slip_deg": slip_max,
                     "strap_slips": [{k: (v + float(t_out[0] - tau[0]) if k == "t_s" else v)
                                      for k, v in sl.items()} for sl in slips]}
    pos, rot = imu.site_motion(pts, st, yaw, seg_roll, sway_y, skin_pitch)
    f, gyr, sensor_rot = imu.ideal_imu(pos, rot, dt, wob, mount.as_matrix())
    acc_out = imu.resample(f, dt, tau, fs)
    gyr_out = imu.resample(gyr, dt, tau, fs)
    noise = draw(params["noise"], rng, "noise")
    scale_sd = draw(params["scale_error"], rng, "scale_error")
    err = imu.ErrorModel(
        acc_scale=1.0 + scale_sd * rng.standard_normal(3),
        gyr_scale=1.0 + scale_sd * rng.standard_normal(3),
        acc_bias_m_s2=draw(params["acc_bias_m_s2"], rng, "acc_bias_m_s2") * rng.standard_normal(3),
        gyr_bias_deg_s=draw(params["gyr_bias_deg_s"], rng, "gyr_bias_deg_s") * rng.standard_normal(3),
        acc_noise_m_s2=noise * draw(params["acc_noise_m_s2"], rng, "acc_noise_m_s2"),
        gyr_noise_deg_s=noise * draw(params["gyr_noise_deg_s"], rng, "gyr_noise_deg_s"),
        acc_range_m_s2=draw(params["acc_range_g"], rng, "acc_range_g") * GRAVITY_M_S2,
        gyr_range_deg_s=draw(params["gyr_range_deg_s"], rng, "gyr_range_deg_s"),
        adc_bits=int(params["adc_bits"]))
    acc_meas, gyr_meas = err.apply(acc_out, gyr_out, rng)
    block = int(params["packet_samples"]) or max(1, int(round(0.07 * fs)))
    keep = _packet_mask(len(tau), float(draw(params["packet_loss"], rng, "packet_loss")), block, rng)
    rate = float(f"{fs:.6g}")
    rec = from_arrays(t_out[keep], imu.round_significant(acc_meas[keep]), imu.round_significant(gyr_meas[keep]),
                      placement=placement, sensor=SENSOR_NAME, sampling_rate_hz=rate,
                      metadata={"simulator": "imu_pushup.simulate", "kind": kind, "seed": str(int(seed))})
    # Sensor orientation (world from sensor) at every output time (nearest fine-grid sample,
    # exact without timestamp jitter), before packet loss.
    nearest = np.clip(np.round(tau / dt).astype(int), 0, len(sensor_rot) - 1)
    ori = Rotation.from_matrix(sensor_rot[nearest]).as_quat()
    ori_df = pd.DataFrame(ori, columns=["qx", "qy", "qz", "qw"], index=pd.Index(t_out, name="t"))
    pos_df = pd.DataFrame(imu.interp_rows(pos, dt, tau), columns=["x_m", "y_m", "z_m"],
                          index=pd.Index(t_out, name="t"))
    info = {
        "site": {"segment": st.segment, "anchor": st.anchor, "along_m": st.along_m,
                 "normal_m": st.normal_m, "lateral_m": st.lateral_m},
        "mount_quat_xyzw": mount.as_quat().tolist(),
        "wobble_hz": wob.freq_hz, "wobble_damping": wob.damping, "wobble_gain": wob.gain,
        "acc_scale": err.acc_scale.tolist(), "gyr_scale": err.gyr_scale.tolist(),
        "bias_m_s2": err.acc_bias_m_s2.tolist(), "bias_deg_s": err.gyr_bias_deg_s.tolist(),
        "noise_m_s2": err.acc_noise_m_s2, "noise_deg_s": err.gyr_noise_deg_s,
        "acc_range_m_s2": err.acc_range_m_s2, "gyr_range_deg_s": err.gyr_range_deg_s,
        "acc_lsb_m_s2": err.acc_lsb_m_s2, "gyr_lsb_deg_s": err.gyr_lsb_deg_s,
        "samples": int(keep.sum()), "samples_lost": int((~keep).sum()),
        **rock_info,
    }
    return rec, ori_df, info, pos_df
