"""Files (DICOM, PDF) on disk, addressed by the sha256 of their content.

Writes go to a temporary file first and are renamed into place, so a reader never
sees a partial file and a crash leaves nothing behind under the final name.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path


class BlobStore:
    """``get_cached`` keeps recently read blobs in memory (bounded by ``cache_bytes``): a
    content address never changes meaning, so the cache cannot go stale."""

    def __init__(self, root: Path, *, cache_bytes: int = 256 * 1024 * 1024) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._cached_bytes = 0
        self._cache_limit = cache_bytes
        self._lock = threading.Lock()

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def cached(self, sha256: str) -> bytes | None:
        """The blob if it is in memory now, else ``None`` (never a file read: for the event loop)."""
        with self._lock:
            data = self._cache.get(sha256)
            if data is not None:
                self._cache.move_to_end(sha256)
            return data

    def get_cached(self, sha256: str) -> bytes:
        """``get``, from memory when recently read (the image download hot path)."""
        with self._lock:
            data = self._cache.get(sha256)
            if data is not None:
                self._cache.move_to_end(sha256)
                return data
        data = self.get(sha256)
        if len(data) <= self._cache_limit // 4:
            with self._lock:
                if sha256 not in self._cache:
                    self._cache[sha256] = data
                    self._cached_bytes += len(data)
                    while self._cached_bytes > self._cache_limit:
                        _, evicted = self._cache.popitem(last=False)
                        self._cached_bytes -= len(evicted)
        return data
