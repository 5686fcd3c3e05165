"""One writer at a time, across processes; a killed holder never leaves the store locked."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from imagesteward.errors import StoreLockedError
from imagesteward.store import ObjectStore

HOLD = """
import sys, time
from pathlib import Path
from imagesteward.store import ObjectStore
store = ObjectStore(Path(sys.argv[1]))
with store.writer_lock():
    print("locked", flush=True)
    time.sleep(60)
"""

TRY = """
import sys
from pathlib import Path
from imagesteward.errors import StoreLockedError
from imagesteward.store import ObjectStore
try:
    with ObjectStore(Path(sys.argv[1])).writer_lock(timeout=0.3):
        print("acquired")
except StoreLockedError as exc:
    print(exc)
"""


def start_holder(store: ObjectStore) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(store.root)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_second_process_is_refused_with_the_holders_pid(store: ObjectStore) -> None:
    holder = start_holder(store)
    try:
        started = time.monotonic()
        with pytest.raises(StoreLockedError) as caught, store.writer_lock(timeout=0.5):
            pass
        assert time.monotonic() - started >= 0.5
        message = str(caught.value)
        assert f"locked by process {holder.pid} on " in message
        assert str(store.root) in message
        assert "gave up after waiting 0.5 s" in message
    finally:
        holder.kill()
        holder.wait()


def test_lock_held_here_refuses_another_process(store: ObjectStore) -> None:
    with store.writer_lock():
        result = subprocess.run(
            [sys.executable, "-c", TRY, str(store.root)],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
    assert f"locked by process {os.getpid()}" in result.stdout
    after = subprocess.run(
        [sys.executable, "-c", TRY, str(store.root)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert after.stdout.strip() == "acquired"


def test_sigkilled_holder_releases_the_lock(store: ObjectStore) -> None:
    holder = start_holder(store)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    with store.writer_lock(timeout=2):
        pass


def test_lock_is_reentrant_in_one_store(store: ObjectStore) -> None:
    with store.writer_lock(), store.writer_lock():
        store.begin({}).abort()
    other = ObjectStore(Path(store.root))
    with other.writer_lock(timeout=0.1):
        pass
