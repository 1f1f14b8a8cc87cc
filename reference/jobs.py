"""Work a party does after answering: the centre registering an index, the province
pulling images.  A small thread pool per process; the state each job moves along is in
the database, so a caller (scenario, test) waits on that state, not on the job."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

logger = logging.getLogger("imgcloud.jobs")


class Jobs:
    def __init__(self, workers: int = 8) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="imgcloud-job")
        self._pending: set[Future[Any]] = set()
        self._queued: set[str] = set()  # submit_once's names not started yet
        self._lock = threading.Lock()

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
        return fn(*args)

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
