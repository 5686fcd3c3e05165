"""ELN import route: upload an ``.eln`` archive into a project (``POST .../eln``)."""

from __future__ import annotations

import tempfile
from pathlib import Path, PurePosixPath
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field

from imagesteward.errors import PermissionDeniedError, UnsafeContentError
from imagesteward.server._present import API
from imagesteward.server._routing import ServicesDep, problems

__all__ = ["MAX_UPLOAD_BYTES", "ElnImportOut", "router"]

router = APIRouter(prefix=API)

#: Largest archive accepted over HTTP; bigger crates are imported with ``steward eln import``.
MAX_UPLOAD_BYTES = 4 * 2**30
_COPY_CHUNK = 1 << 20


class ElnFileOut(BaseModel):
    """One file of the crate and what became of it."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="Path relative to the crate root.")
    sha256: str
    size: int
    status: str = Field(description="image, attached, already catalogued, would import...")
    entity_id: str | None = Field(description="The File entity describing it, if any.")
    media_type: str | None
    image_uuids: list[str]
    message: str
    notes: list[str] = Field(description="Where the file differs from the crate's declaration.")


class ElnMappedOut(BaseModel):
    """A crate entity and where it went in the model."""

    model_config = ConfigDict(extra="forbid")

    id: str
    types: list[str]
    target: str = Field(description="study, study.authors[0], study.biosamples[1], file...")
    notes: list[str] = Field(description="Properties that could not be carried over, and why.")


class ElnUnmappedOut(BaseModel):
    """A crate entity the model has no place for."""

    model_config = ConfigDict(extra="forbid")

    id: str
    types: list[str]
    reason: str


class ElnImportOut(BaseModel):
    """What the import did (or, with ``dry_run``, would do)."""

    model_config = ConfigDict(extra="forbid")

    archive: str
    project: str
    dataset: str
    conforms_to: str | None = Field(description="The RO-Crate specification the crate follows.")
    exported_by: str | None = Field(description="The application that wrote the crate.")
    dry_run: bool
    merged: bool = Field(description="Merged into a study the project already had.")
    study: dict[str, Any] | None = Field(description="Title, revision and the Study document.")
    files: list[ElnFileOut]
    mapped: list[ElnMappedOut]
    unmapped: list[ElnUnmappedOut]
    ignored: list[str] = Field(description="Files of the zip outside the crate's folder.")


def _responses() -> dict[int | str, dict[str, Any]]:
    documented = problems(404, 409)
    problem = documented[404]["content"]
    documented[400] = {
        "description": "Bad Request: a malformed multipart body.",
        "content": problem,
    }
    documented[401] = {"description": "Unauthorized: no valid token.", "content": problem}
    documented[403] = {
        "description": "Forbidden: may not edit the project, or the server has no access control.",
        "content": problem,
    }
    return dict(sorted(documented.items(), key=lambda item: str(item[0])))


@router.post("/projects/{project}/eln", tags=["describe"], responses=_responses())
def import_eln_archive(
    services: ServicesDep,
    project: Annotated[str, PathParam(description="Project (created if new).")],
    archive: Annotated[UploadFile, File(description="The .eln archive.")],
    dataset: Annotated[
        str | None, Query(description="Dataset for its files (default: the archive name).")
    ] = None,
    dry_run: Annotated[bool, Query(description="Check and map only; write nothing.")] = False,
) -> ElnImportOut:
    """Import an ELN Consortium archive: its study, people, samples, experiments and files.

    The caller needs the right to edit the project, so the route answers only on a server
    with access control; without it, anyone could write and it is 403. A hostile or damaged
    archive (escaping paths, links, zip bombs, limits exceeded) is refused with 422 and
    nothing is written.
    """
    from imagesteward.eln import import_eln

    installation = services.resources.installation
    if not installation.settings.access_control:
        raise PermissionDeniedError(
            "Importing an .eln archive writes to the catalog, and this server does not check "
            "who is asking (the access_control setting is off); import it with 'steward eln "
            "import' on the server, or turn access control on.",
        )
    name = PurePosixPath((archive.filename or "").replace("\\", "/")).name or "upload.eln"
    with tempfile.TemporaryDirectory(prefix="imagesteward-upload-") as scratch:
        target = Path(scratch) / "archive.eln"
        _receive(archive, target, name)
        result = import_eln(
            target,
            installation,
            project=project,
            dataset=dataset,
            by=services.viewer.identity,
            dry_run=dry_run,
            name=name,
        )
    return ElnImportOut.model_validate(result.as_json())


def _receive(upload: UploadFile, target: Path, name: str) -> None:
    """Copy the upload to ``target``, refusing it past :data:`MAX_UPLOAD_BYTES`."""
    written = 0
    with target.open("wb") as out:
        while chunk := upload.file.read(_COPY_CHUNK):
            written += len(chunk)
            if written > MAX_UPLOAD_BYTES:
                raise UnsafeContentError(
                    name,
                    f"is larger than {MAX_UPLOAD_BYTES} bytes, the limit for uploads; import it "
                    "with 'steward eln import' on the server",
                )
            out.write(chunk)
