"""What a sensor observes: a flown missile placed on the scenario clock."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gsomia.physics.trajectory import Trajectory

__all__ = ["Flight"]


@dataclass(frozen=True, slots=True)
class Flight:
    """One flown missile placed on the scenario clock.

    Attributes:
        id: launch id (becomes a detection's ``truth_id``).
        launch_s: launch time, seconds since the scenario epoch.
        trajectory: the flight, its own clock starting at 0 at launch.
    """

    id: str
    launch_s: float
    trajectory: Trajectory

    @property
    def impact_s(self) -> float:
        """Impact time, seconds since the scenario epoch."""
        return self.launch_s + self.trajectory.impact_s

    def position_at(self, t_s) -> np.ndarray:
        """ECEF position [m] at scenario time(s) ``t_s`` (``(...)`` → ``(..., 3)``).

        Raises:
            InputError: a time before launch or after impact.
        """
        return self.trajectory.position_at(np.asarray(t_s, dtype=float) - self.launch_s)
