"""Work a party does after answering: the centre registering an index, the province
pulling images.  A small thread pool per process; the state each job moves along is in
the database, so a caller (scenario, test) waits on that state, not on the job."""
from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

logger = logging.getLogger("imgcloud.jobs")


class Jobs:
    #: How many names of finished ``submit_once`` jobs ``finished_within`` remembers (the newest).
    RECENT = 4096

    def __init__(self, workers: int = 8) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="imgcloud-job")
        self._pending: set[Future[Any]] = set()
        self._queued: set[str] = set()  # submit_once's names not started yet
        self._running: dict[str, int] = {}  # submit_once's names running, how many of each
        self._finished: OrderedDict[str, float] = OrderedDict()  # name -> when its last run ended (monotonic)
        self._lock = threading.Lock()
        self.monotonic: Callable[[], float] = time.monotonic  # a test may set the time

    def submit(self, name: str, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        future = self._pool.submit(self._run, name, fn, *args)
        self._pending.add(future)
        future.add_done_callback(self._pending.discard)
        return future

    def submit_once(self, name: str, fn: Callable[..., Any], *args: Any) -> Future[Any] | None:
        """``submit``, unless a job of this name is queued and not started yet (then it does the work
        this one would: ``None``).  A job that has started does not count: its result may be stale."""
        with self._lock:
            if name in self._queued:
                return None
            self._queued.add(name)
        return self.submit(name, self._started, name, fn, *args)

    def _started(self, name: str, fn: Callable[..., Any], *args: Any) -> Any:
        with self._lock:
            self._queued.discard(name)
            self._running[name] = self._running.get(name, 0) + 1
        try:
            return fn(*args)
        finally:
            with self._lock:
                left = self._running.pop(name) - 1
                if left:
                    self._running[name] = left
                self._finished[name] = self.monotonic()
                self._finished.move_to_end(name)
                if len(self._finished) > self.RECENT:
                    self._finished.popitem(last=False)

    def busy(self, name: str) -> bool:
        """Whether a ``submit_once`` job of this name is queued or running in this process."""
        with self._lock:
            return name in self._queued or name in self._running

    def finished_within(self, name: str, seconds: float) -> bool:
        """Whether a ``submit_once`` job of this name ended less than ``seconds`` ago (of the
        ``RECENT`` newest names: an older one is taken as not recent)."""
        with self._lock:
            ended = self._finished.get(name)
        return ended is not None and self.monotonic() - ended < seconds

    @staticmethod
    def _run(name: str, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(*args)
        except Exception:
            logger.exception("job %s failed", name)
            raise

    def drain(self, timeout: float = 60.0) -> None:
        """Wait for the jobs submitted so far (and those they submit)."""
        while self._pending:
            wait(list(self._pending), timeout=timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
