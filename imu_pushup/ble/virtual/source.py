"""The samples a virtual sensor measures: the simulator's push-ups at the device's own rate."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...units import GRAVITY_M_S2


@dataclass
class SampleSource:
    """Samples on the device clock ``i / rate_hz``; after the simulated set the sensor lies still
    in the last pose with a little noise (a real sensor keeps streaming)."""

    rate_hz: float
    acc_m_s2: np.ndarray
    gyr_deg_s: np.ndarray
    truth: dict | None = None
    seed: int = 0

    def take(self, start: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        idx = np.arange(start, start + n)
        inside = idx < len(self.acc_m_s2)
        acc = np.empty((n, 3))
        gyr = np.empty((n, 3))
        acc[inside] = self.acc_m_s2[idx[inside]]
        gyr[inside] = self.gyr_deg_s[idx[inside]]
        if not inside.all():
            rng = np.random.default_rng([self.seed, int(start)])
            k = int((~inside).sum())
            acc[~inside] = self.acc_m_s2[-1] + rng.normal(0, 0.02, (k, 3))
            gyr[~inside] = rng.normal(0, 0.2, (k, 3))
        return acc, gyr

    @classmethod
    def simulated(cls, rate_hz: float, *, reps: int = 7, seed: int = 0, placement: str = "chest",
                  variant: str = "toe") -> "SampleSource":
        """A simulated push-up set (``imu_pushup.simulate``) sampled at ``rate_hz``."""
        from ...simulate import simulate_session
        sim = simulate_session(seed=seed, n_reps=reps, placements=(placement,),
                               sampling_rate_hz=rate_hz, variant=variant)
        rec = sim.recordings[placement]
        gyr = rec.gyr if rec.gyr is not None else np.zeros((len(rec), 3))
        return cls(rate_hz, rec.acc, gyr, truth=sim.truth, seed=seed)

    @classmethod
    def still(cls, rate_hz: float, seconds: float = 5.0, seed: int = 0) -> "SampleSource":
        """Lying flat, z up: for pairing checks and protocol tests."""
        n = int(seconds * rate_hz)
        rng = np.random.default_rng(seed)
        acc = np.tile([0.0, 0.0, GRAVITY_M_S2], (n, 1)) + rng.normal(0, 0.02, (n, 3))
        return cls(rate_hz, acc, rng.normal(0, 0.2, (n, 3)), seed=seed)
