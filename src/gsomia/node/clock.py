"""Clocks for a node: simulated (analysis mode) and wall (live mode).

A clock gives the time as float seconds since its epoch (an aware UTC datetime) and runs a
callback at a later time. Nothing else differs between the modes but the clock and the
transport (ARCHITECTURE.md).

- :class:`SimClock`: time moves only when :meth:`SimClock.advance_to` (or
  :meth:`SimClock.run`) is called; callbacks run in time order (ties: in order of
  scheduling), and ``now_s()`` equals a callback's time while it runs.
- :class:`WallClock`: time is the system's UTC time; callbacks run on daemon timer threads.
- :class:`ScaledWallClock`: a scenario's time on the wall clock, ``speed`` times faster than
  real time (``gsomia run --live``); callbacks run on daemon timer threads.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import threading
import time
from collections.abc import Callable
from typing import Protocol

from gsomia.errors import InputError

__all__ = ["Clock", "ScaledWallClock", "SimClock", "WallClock", "runs_in_real_time"]


class Clock(Protocol):
    """What a node needs of a clock."""

    epoch: dt.datetime

    def now_s(self) -> float:
        """Seconds since :attr:`epoch`."""
        ...

    def call_at(self, t_s: float, fn: Callable[[], object]) -> None:
        """Run ``fn`` at ``t_s`` (seconds since the epoch), or as soon as possible if past."""
        ...


def runs_in_real_time(clock: Clock) -> bool:
    """True when ``clock`` moves by itself with the wall clock (its ``realtime``
    attribute: :class:`WallClock`, :class:`ScaledWallClock`), so that work due now may be
    done by a thread of the caller's instead of a callback on the clock; False for a
    :class:`SimClock` (time moves only when it is advanced, callbacks run in its order)
    and for any clock that does not say."""
    return bool(getattr(clock, "realtime", False))


def _aware(epoch: dt.datetime) -> dt.datetime:
    if not isinstance(epoch, dt.datetime) or epoch.tzinfo is None:
        raise InputError("epoch", epoch, "expected an aware UTC datetime")
    return epoch.astimezone(dt.UTC)


def to_datetime(clock: Clock, t_s: float) -> dt.datetime:
    """The aware UTC datetime of ``t_s`` seconds since ``clock.epoch``."""
    return clock.epoch + dt.timedelta(seconds=t_s)


class SimClock:
    """Simulated time on an event queue.

    Parameters:
        epoch: the scenario epoch (aware datetime).
        start_s: initial time [s since the epoch].
    """

    realtime = False
    """Whether time moves by itself (:func:`runs_in_real_time`)."""

    def __init__(self, epoch: dt.datetime, start_s: float = 0.0) -> None:
        self.epoch = _aware(epoch)
        self._now = float(start_s)
        self._queue: list[tuple[float, int, Callable[[], object]]] = []
        self._counter = itertools.count()

    def now_s(self) -> float:
        return self._now

    def call_at(self, t_s: float, fn: Callable[[], object]) -> None:
        heapq.heappush(self._queue, (max(float(t_s), self._now), next(self._counter), fn))

    def next_s(self) -> float | None:
        """Time of the next scheduled callback, or None when nothing is scheduled."""
        return self._queue[0][0] if self._queue else None

    def advance_to(self, t_s: float) -> int:
        """Run every callback due at or before ``t_s`` in time order, then set now to ``t_s``.

        Returns the number of callbacks run. Raises InputError if ``t_s`` is in the past.
        """
        if t_s < self._now:
            raise InputError("t_s", t_s, f"before the clock's now ({self._now} s)")
        n = 0
        while self._queue and self._queue[0][0] <= t_s:
            when, _, fn = heapq.heappop(self._queue)
            self._now = when
            fn()
            n += 1
        self._now = float(t_s)
        return n

    def run(self, limit_s: float = float("inf")) -> int:
        """Run callbacks until none is left (or the next is after ``limit_s``)."""
        n = 0
        while self._queue and self._queue[0][0] <= limit_s:
            n += self.advance_to(self._queue[0][0])
        return n


class WallClock:
    """The system clock (UTC); ``epoch`` defaults to the Unix epoch."""

    realtime = True
    """Whether time moves by itself (:func:`runs_in_real_time`)."""

    def __init__(self, epoch: dt.datetime | None = None) -> None:
        self.epoch = _aware(epoch or dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
        self._offset = self.epoch.timestamp()

    def now_s(self) -> float:
        return time.time() - self._offset

    def call_at(self, t_s: float, fn: Callable[[], object]) -> None:
        timer = threading.Timer(max(0.0, t_s - self.now_s()), fn)
        timer.daemon = True
        timer.start()


class ScaledWallClock:
    """A wall clock running at a scenario's time, ``speed`` times faster than real time:
    ``now_s = start_s + speed × (monotonic − m0)`` [s since the scenario epoch], with ``m0``
    the monotonic time [s] when the clock was made. Callbacks run on daemon timer threads
    (as :class:`WallClock`'s).

    Parameters:
        epoch: the scenario epoch (aware datetime); start_s: the time at creation [s].
        speed: scenario seconds per wall second.

    Raises:
        InputError: ``speed`` not positive, or a naive ``epoch``.
    """

    realtime = True
    """Whether time moves by itself (:func:`runs_in_real_time`)."""

    def __init__(self, epoch: dt.datetime, start_s: float, speed: float) -> None:
        if not speed > 0:
            raise InputError("speed", speed, "must be positive")
        self.epoch = _aware(epoch)
        self.start_s = float(start_s)
        self.speed = float(speed)
        self._m0 = time.monotonic()

    def now_s(self) -> float:
        return self.start_s + self.speed * (time.monotonic() - self._m0)

    def wall_of(self, t_s: float) -> float:
        """Seconds of real time from now until scenario time ``t_s`` (negative: past)."""
        return (t_s - self.now_s()) / self.speed

    def call_at(self, t_s: float, fn: Callable[[], object]) -> None:
        timer = threading.Timer(max(0.0, self.wall_of(t_s)), fn)
        timer.daemon = True
        timer.start()
