"""The store's single-writer lock.

``flock`` rather than a lock file that merely exists: the kernel releases it when the holder
dies, even by SIGKILL, so a crash never leaves the store locked. The holder writes its pid, host
and start time into the file so that a waiting process can say who it is waiting for.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

from imagesteward.errors import StoreLockedError
from imagesteward.store._durable import this_host

__all__ = ["WriterLock"]

_POLL_SECONDS = 0.05


class WriterLock:
    """An exclusive, re-entrant (per instance) lock on ``path``.

    Parameters
    ----------
    path
        The lock file; created if missing.
    store
        The store it protects, named in error messages.
    """

    def __init__(self, path: Path, store: Path) -> None:
        self.path = path
        self.store = store
        self._fd: int | None = None
        self._depth = 0

    @property
    def held(self) -> bool:
        """Whether this instance holds the lock."""
        return self._fd is not None

    def acquire(self, timeout: float) -> None:
        """Take the lock, waiting up to ``timeout`` seconds.

        Raises
        ------
        StoreLockedError
            When another process still holds it after ``timeout`` seconds.
        """
        if self._fd is not None:
            self._depth += 1
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    holder = _describe_holder(fd)
                    os.close(fd)
                    raise StoreLockedError(
                        f"The store {self.store} is locked by {holder}, which is writing to "
                        f"it; gave up after waiting {timeout:g} s. Wait for that ingest to "
                        "finish or stop it (a killed process releases the lock at once).",
                        path=str(self.path),
                    ) from None
                time.sleep(min(_POLL_SECONDS, remaining))
        since = datetime.now(UTC).isoformat(timespec="seconds")
        record = json.dumps({"host": this_host(), "pid": os.getpid(), "since": since})
        os.ftruncate(fd, 0)
        os.pwrite(fd, record.encode(), 0)
        self._fd = fd
        self._depth = 1

    def release(self) -> None:
        """Give the lock up (after as many releases as acquisitions)."""
        if self._fd is None:
            return
        self._depth -= 1
        if self._depth > 0:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def _describe_holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except ValueError:
        info = {}
    if not isinstance(info, dict) or "pid" not in info:
        return "another process"
    return f"process {info['pid']} on {info.get('host', '?')} (since {info.get('since', '?')})"
