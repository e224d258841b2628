"""One daemon thread that runs calls in order: work off the event loop that never holds up exit.

``asyncio.to_thread`` and ``ThreadPoolExecutor`` threads are joined when the process exits,
so one stuck call (a huge knowledge file being parsed, a pathological question) would keep a
stopped bot alive past its shutdown budget. A daemon thread is not joined: the process ends
on time and the unfinished call ends with it. Nothing it runs may need to finish for the
data to stay consistent (the store commits each write by itself).
"""

from __future__ import annotations

import asyncio
import queue
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")

_Job = tuple[Future[Any], Callable[[], Any]]


# How long a thread may hold the GIL while another waits for it (Python's default: 5 ms).
SWITCH_INTERVAL = 0.0005


def shorten_gil_switch() -> None:
    """Let a thread waiting for the GIL get it after 0.5 ms instead of 5 ms.

    The assistant's worker gives up the GIL for every system call (handing a result to the
    event loop, a store write) and then waits for the busy event loop to let go of it. With
    the default interval that wait was most of a reply's time under load; at 0.5 ms the
    Teams bench served 5 to 35 % more requests per second in four pairs of runs on a shared
    machine (bench/teams_load.py; CPU per request unchanged). Process-wide, so the app sets
    it once at start.
    """
    sys.setswitchinterval(SWITCH_INTERVAL)


class DaemonWorker:
    """Runs submitted calls one at a time, in submission order, in one daemon thread."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._lock = threading.Lock()
        self._unfinished = 0  # calls submitted and not yet done (queued or running)

    @property
    def unfinished(self) -> int:
        """Calls running or waiting. Only a snapshot: another thread can submit at once."""
        return self._unfinished

    @property
    def idle(self) -> bool:
        """True while no call is running or waiting (a snapshot, as ``unfinished``)."""
        return self._unfinished == 0

    def submit(self, call: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError(f"worker {self._name} is closed")
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name=self._name, daemon=True)
                self._thread.start()
            self._unfinished += 1
            self._jobs.put((future, call))
        return future

    async def run(self, call: Callable[[], T]) -> T:
        """Await ``call`` run in the worker. Cancelling the await does not stop a call that
        has started; one still queued is dropped."""
        future = self.submit(call)
        try:
            return await asyncio.wrap_future(future)
        finally:
            future.cancel()  # no effect once running; drops it while still queued

    def close(self) -> None:
        """Take no more calls, drop the queued ones; a running one is not waited for."""
        with self._lock:
            self._closed = True
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                job[0].cancel()
        self._jobs.put(None)

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            future, call = job
            if not future.set_running_or_notify_cancel():
                self._done()
                continue
            try:
                result = call()
            except BaseException as error:  # handed to whoever awaits the future
                self._done()
                future.set_exception(error)
            else:
                self._done()
                future.set_result(result)

    def _done(self) -> None:
        with self._lock:
            self._unfinished -= 1
