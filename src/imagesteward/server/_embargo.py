"""Embargoes end by themselves: the server records each release soon after its date.

Readers never wait for this - every access decision computes the state in force at its own
instant - but the release becomes permanent and appears in the audit log without anyone
running ``steward release``. One pass at start-up, then one a minute.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import anyio
import anyio.to_thread

from imagesteward.errors import ImageStewardError

if TYPE_CHECKING:
    from imagesteward.catalog import AccessCatalog

__all__ = ["RELEASE_INTERVAL_S", "releasing_embargoes"]

log = logging.getLogger(__name__)

RELEASE_INTERVAL_S = 60.0


async def _release_once(access: AccessCatalog) -> None:
    try:
        released = await anyio.to_thread.run_sync(access.release_due)
    except ImageStewardError as exc:  # a busy or unreachable catalog: try again next time
        log.warning("Releasing due embargoes failed, will retry: %s", exc)
        return
    for target in released:
        log.info("embargo ended: %s is public", target)


async def _release_forever(access: AccessCatalog, interval: float) -> None:
    while True:
        await anyio.sleep(interval)
        await _release_once(access)


@asynccontextmanager
async def releasing_embargoes(
    access: AccessCatalog, *, interval: float = RELEASE_INTERVAL_S
) -> AsyncIterator[None]:
    """Release due embargoes now and every ``interval`` seconds while the block runs."""
    await _release_once(access)
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(_release_forever, access, interval)
        try:
            yield
        finally:
            tasks.cancel_scope.cancel()
