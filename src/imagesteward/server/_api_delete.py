"""Removing datasets and images: ``DELETE`` under the policy's ``delete`` action.

Removal leaves a tombstone (who, when; audited) and hides the object from every listing,
search and data path at once; no original is deleted here. The stored bytes go only when an
administrator runs ``steward store purge`` (see ``docs/access.md``).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import anyio.to_thread
from fastapi import APIRouter, Depends, Path, Request
from pydantic import Field

from imagesteward.access import Principal
from imagesteward.errors import PermissionDeniedError
from imagesteward.server._api_access import _REFUSALS, _principal
from imagesteward.server._api_catalog import ImageRefPath
from imagesteward.server._present import API
from imagesteward.server._routing import ServicesDep, problems
from imagesteward.server._schemas import _Output

if TYPE_CHECKING:
    from imagesteward.catalog import Removed

__all__ = ["RemovedOut", "router"]

router = APIRouter(prefix=API)


class RemovedOut(_Output):
    """What was removed: hidden everywhere from now on, its stored bytes kept until a purge."""

    target: str = Field(description="As the audit log names it: dataset:P/D or image:UUID.")
    project: str
    dataset: str
    image_uuids: list[str] = Field(description="The images removed with it.")
    removed_at: datetime
    removed_by: str | None


def _require_access_control(request: Request) -> None:
    if not request.app.state.resources.installation.settings.access_control:
        raise PermissionDeniedError(
            "Removing data needs to know who is asking, and this server does not check (the "
            "access_control setting is off); use 'steward delete' on the server, or turn "
            "access control on."
        )


def _out(removed: Removed) -> RemovedOut:
    return RemovedOut(
        target=removed.target,
        project=removed.project,
        dataset=removed.dataset,
        image_uuids=list(removed.image_uuids),
        removed_at=removed.removed_at,
        removed_by=removed.removed_by,
    )


@router.delete("/images/{image}", tags=["catalog"], responses={**_REFUSALS, **problems(404)})
async def delete_image(
    request: Request,
    services: ServicesDep,
    image: ImageRefPath,
    principal: Annotated[Principal, Depends(_principal)],
) -> RemovedOut:
    """Remove an image: hidden everywhere at once (404 like a missing one), audited.

    Its original stays in the store until an administrator purges what no live record
    refers to. Needs the ``delete`` action: owners and group owners while the data is private or
    embargoed, facility administrators always.
    """
    from imagesteward.catalog import removal_catalog

    _require_access_control(request)
    removals = removal_catalog(services.resources.installation.catalog)
    remote = request.client.host if request.client else None
    removed = await anyio.to_thread.run_sync(
        lambda: removals.remove_image(image, acting=principal, remote=remote)
    )
    services.resources.renditions.forget()
    return _out(removed)


@router.delete(
    "/projects/{project}/datasets/{dataset}",
    tags=["catalog"],
    responses={**_REFUSALS, **problems(404)},
)
async def delete_dataset(
    request: Request,
    services: ServicesDep,
    project: Annotated[str, Path(description="Project name.")],
    dataset: Annotated[str, Path(description="Dataset name.")],
    principal: Annotated[Principal, Depends(_principal)],
) -> RemovedOut:
    """Remove a dataset with every image in it; its name is free again for new data.

    As for an image: hidden everywhere at once, audited, bytes kept until a purge.
    """
    from imagesteward.catalog import removal_catalog

    _require_access_control(request)
    removals = removal_catalog(services.resources.installation.catalog)
    remote = request.client.host if request.client else None
    removed = await anyio.to_thread.run_sync(
        lambda: removals.remove_dataset(project, dataset, acting=principal, remote=remote)
    )
    services.resources.renditions.forget()
    return _out(removed)
