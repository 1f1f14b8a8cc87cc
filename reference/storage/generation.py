"""A counter every process of one data home shares, for caches of database reads that must stay
right across workers (issue 12): a writer bumps it after committing a change such a cache may hold,
a reader reads it before the database read it fills an entry from and keeps the entry only while
the counter has not moved.

The counter is 8 bytes of a small file every process maps shared (``mmap``): reading it is a memory
read — no system call, which costs ~0.1 ms on the sandboxed kernels this runs on — and a bump, rare,
is a read-modify-write under the file's ``flock``."""
from __future__ import annotations

import fcntl
import mmap
import os
import struct
import threading
from pathlib import Path

_COUNTER = struct.Struct("<Q")


class Generation:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        if os.fstat(self._fd).st_size < _COUNTER.size:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                if os.fstat(self._fd).st_size < _COUNTER.size:
                    os.ftruncate(self._fd, _COUNTER.size)  # zeros: generation 0
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._map = mmap.mmap(self._fd, _COUNTER.size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        self._lock = threading.Lock()

    def read(self) -> int:
        return int(_COUNTER.unpack_from(self._map, 0)[0])

    def close(self) -> None:
        """Unmap and close the file (a second call does nothing)."""
        if self._fd < 0:
            return
        self._map.close()
        os.close(self._fd)
        self._fd = -1

    def bump(self) -> None:
        with self._lock:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                _COUNTER.pack_into(self._map, 0, self.read() + 1)
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
