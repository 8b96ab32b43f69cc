"""A background thread woken on demand: the outbox's sender and the inbox's arrival thread.

The thread is started on the first :meth:`WakeWorker.wake`, runs its ``work`` once per
wake-up (wake-ups that come during a pass make one more pass, not one each) and stops at
:meth:`WakeWorker.close`. An exception of a pass goes to ``on_error`` and the thread goes on:
one failure (a store unreachable, a peer down) must not stop a node's sending or delivery.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["WakeWorker"]


class WakeWorker:
    """A daemon thread named ``name`` that calls ``work()`` each time it is woken.

    ``on_error(exc)`` is called (inside the ``except`` clause, so logging can show the
    traceback) with any exception a pass raises while the worker is not closing."""

    def __init__(self, name: str, work: Callable[[], None],
                 on_error: Callable[[Exception], None]) -> None:
        self.name = name
        self._work = work
        self._on_error = on_error
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()
        self.closing = False

    def wake(self) -> None:
        """Have ``work`` run soon on the thread (started on first use); nothing once closed."""
        with self._lock:
            if self.closing:
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True, name=self.name)
                self._thread.start()
        self._wake.set()

    def close(self, timeout_s: float = 15.0) -> None:
        """Stop the thread, waiting up to ``timeout_s`` [s] for the pass it is in (not when
        called from the thread itself)."""
        with self._lock:
            self.closing = True
            thread = self._thread
        self._wake.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=timeout_s)

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self.closing:
                return
            try:
                self._work()
            except Exception as exc:  # noqa: BLE001 - the thread must outlive any one failure
                if self.closing:
                    return
                self._on_error(exc)
