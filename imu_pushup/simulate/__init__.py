"""A biomechanical push-up simulator with ground truth.

A sagittal rigid-body chain (:mod:`.chain`) moves through a session protocol (:mod:`.script`):
standing, hands and knees, plank, reps, back up; or walking, squats, a plank hold. Sensors on the
body (:mod:`.imu`) measure specific force and angular rate with strap wobble and sensor errors; the
truth (:mod:`.truth`) follows the SPEC's rep events on the true sternum height.

>>> from imu_pushup.simulate import simulate_session
>>> sim = simulate_session(seed=1, n_reps=3, placements=("chest", "lumbar"))
>>> len(sim.truth["reps"])
3
"""
from __future__ import annotations

import sys
import types
from typing import Any

from .params import DEFAULTS, KINDS, sample_session_params
from .session import TRUTH_SCHEMA, SimulatedSession, simulate_session

__all__ = ["simulate_session", "SimulatedSession", "sample_session_params", "DEFAULTS", "KINDS",
           "TRUTH_SCHEMA"]


class _CallableModule(types.ModuleType):
    """``imu_pushup.simulate(...)`` keeps working once this subpackage shadows the function."""

    def __call__(self, **kwargs: Any) -> SimulatedSession:
        return simulate_session(**kwargs)


sys.modules[__name__].__class__ = _CallableModule
