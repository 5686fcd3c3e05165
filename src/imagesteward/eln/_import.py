"""Importing an ``.eln`` archive: check everything, then ingest, attach and describe.

Order of effects, chosen so that a refused archive leaves nothing at all behind:

1. Open the zip and check every member (:mod:`imagesteward.eln._archive`), parse the crate
   within bounds, map it onto the model and check the resulting study (terms, PIDs, schema).
   Any refusal here happens before a single byte is written anywhere.
2. Extract the members into a private temporary folder (removed afterwards), comparing each
   file with the ``sha256`` and ``contentSize`` its File entity declares; a difference is
   reported with the file (published crates often declare them wrongly), not fatal.
3. Ingest the extracted files through the normal ingest path: every file a reader recognises
   becomes catalogued images with its original in the store (duplicates are recognised).
4. Keep every other file (and the crate's metadata) as one attachment file set.
5. Save the study - created, or merged into the project's existing one - together with the
   biosample, specimen and microscope of the linked images, in one catalog transaction
   (:mod:`imagesteward.eln._study`).
6. Score the completeness of the images and the study for search
   (:func:`imagesteward.describe.score_for_search`).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imagesteward.eln._archive import METADATA_NAME, ArchiveLimits, CrateArchive, open_archive
from imagesteward.eln._attach import Attachment, attach_files
from imagesteward.eln._crate import Crate, check_metadata_size, parse_crate
from imagesteward.eln._mapping import CratePlan, plan_crate
from imagesteward.eln._report import AttachedFile, MappedEntity, UnmappedEntity
from imagesteward.eln._study import checked_study, organism_term, save_study
from imagesteward.errors import FormatError

if TYPE_CHECKING:
    from imagesteward.catalog import ImageRecord, StudyRecord
    from imagesteward.ingest import IngestReport
    from imagesteward.installation import Installation
    from imagesteward.ontology import OntologyIndex

__all__ = ["ElnImport", "import_eln"]

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(slots=True)
class ElnImport:
    """What an import did (or, in a dry run, would do).

    Attributes
    ----------
    archive
        The ``.eln`` file.
    project, dataset
        Where its images and files went.
    conforms_to, exported_by
        The RO-Crate version and the application that wrote the crate.
    study
        The project's study after the import (``None`` in a dry run on a new project).
    merged
        Whether the crate was merged into a study the project already had.
    files
        Every file of the crate and what became of it.
    mapped, unmapped
        Every entity of the crate's graph: where it went, or why it could not be mapped.
    ignored
        Files of the zip outside the crate's folder: not part of the crate, not imported.
    dry_run
        Nothing was written.
    """

    archive: Path
    project: str
    dataset: str
    conforms_to: str | None
    exported_by: str | None
    study: StudyRecord | None = None
    merged: bool = False
    files: list[AttachedFile] = field(default_factory=list)
    mapped: list[MappedEntity] = field(default_factory=list)
    unmapped: list[UnmappedEntity] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    dry_run: bool = False

    def count(self, status: str) -> int:
        """How many files ended with ``status``."""
        return sum(1 for f in self.files if f.status == status)

    @property
    def image_uuids(self) -> list[str]:
        """UUIDs of the catalogued images read from the crate's files."""
        return [uuid for f in self.files for uuid in f.image_uuids]

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dictionary (what ``--json`` prints and the API returns)."""
        return {
            "archive": str(self.archive),
            "project": self.project,
            "dataset": self.dataset,
            "conforms_to": self.conforms_to,
            "exported_by": self.exported_by,
            "dry_run": self.dry_run,
            "merged": self.merged,
            "study": None
            if self.study is None
            else {
                "title": self.study.document.title,
                "revision": self.study.revision,
                "document": self.study.document.model_dump(mode="json", exclude_none=True),
            },
            "files": [f.as_json() for f in self.files],
            "mapped": [m.as_json() for m in self.mapped],
            "unmapped": [u.as_json() for u in self.unmapped],
            "ignored": list(self.ignored),
        }


def import_eln(
    path: Path,
    installation: Installation,
    *,
    project: str,
    dataset: str | None = None,
    by: str | None = None,
    limits: ArchiveLimits | None = None,
    index: OntologyIndex | None = None,
    convert: bool | None = None,
    dry_run: bool = False,
    name: str | None = None,
) -> ElnImport:
    """Import the ELN Consortium archive ``path`` into ``project``.

    Parameters
    ----------
    path
        The ``.eln`` file.
    installation
        The opened installation.
    project
        Project the study, images and files belong to (created when missing).
    dataset
        Dataset for the crate's images and files (default: the archive's name).
    by
        Who imports (recorded with the files and every study change).
    limits
        Bounds on the archive (default :class:`ArchiveLimits`).
    index
        The ontology index for organisms (default: the installation's).
    convert
        Convert the images to OME-Zarr (default: the ``convert_on_ingest`` setting).
    dry_run
        Check, map and read everything; write nothing.
    name
        The archive's name as the user knows it (an upload's file name); default its own.

    Raises
    ------
    UnsafeContentError
        For a hostile archive (escaping names, links, zip bombs, limits exceeded).
    CorruptFileError
        For a damaged zip (a member failing its CRC) or invalid crate metadata.
    MetadataValidationError
        When the study the crate describes cannot be saved; nothing is written.
    """
    from imagesteward.ontology import load_index

    path = Path(path)
    index = index if index is not None else load_index(installation.settings)
    try:
        return _import(
            path,
            installation,
            project,
            dataset,
            by,
            limits or ArchiveLimits(),
            index,
            convert,
            dry_run,
            name or path.name,
        )
    except FormatError as exc:
        if name is None or exc.path != str(path):
            raise
        # An upload is known by its name, not by the temporary file holding it.
        raise type(exc)(name, exc.problem) from exc


def _import(
    path: Path,
    installation: Installation,
    project: str,
    dataset: str | None,
    by: str | None,
    limits: ArchiveLimits,
    index: OntologyIndex,
    convert: bool | None,
    dry_run: bool,
    label: str,
) -> ElnImport:
    with open_archive(path, limits) as archive:
        crate = _crate(path, archive, limits)
        plan = plan_crate(
            crate,
            set(archive.members),
            fallback_title=Path(label).stem,
            organisms=lambda value: organism_term(index, value),
        )
        dataset = dataset or Path(label).stem
        result = ElnImport(
            archive=Path(label),
            project=project,
            dataset=dataset,
            conforms_to=plan.conforms_to,
            exported_by=plan.exported_by,
            mapped=plan.mapped,
            unmapped=plan.unmapped,
            ignored=list(archive.outside),
            dry_run=dry_run,
        )
        study = checked_study(index, plan.study, project)
        with tempfile.TemporaryDirectory(prefix="imagesteward-eln-") as scratch:
            extracted, notes = _extract(archive, crate, plan, Path(scratch) / Path(label).stem)
            report = _ingest(installation, extracted, project, dataset, by, convert, dry_run)
            result.files = _settle(
                installation, plan, crate, extracted, notes, report, project, dry_run
            )
            to_attach = [f for f in result.files if f.status == "attached"]
            if to_attach and not dry_run:
                attach_files(
                    [
                        Attachment(extracted[f.path][0], f"{label}/{f.path}", f.sha256)
                        for f in _primary_first(to_attach)
                    ],
                    installation,
                    project=project,
                    dataset=dataset,
                    reader=f"eln (RO-Crate {_version(plan.conforms_to)})",
                    user=by,
                )
    result.study, result.merged, mapped, unmapped = save_study(
        installation.catalog,
        index,
        project,
        study,
        plan,
        result.files,
        by=by,
        label=label,
        dry_run=dry_run,
    )
    result.mapped.extend(mapped)
    result.unmapped.extend(unmapped)
    if not dry_run:
        # New images, the images the study now describes and the study itself are scored
        # afresh, so that search (``completeness:``) agrees with them right away.
        from imagesteward.describe import score_for_search

        score_for_search(
            installation.catalog,
            image_ids=result.image_uuids,
            projects=[project] if result.study is not None else [],
        )
    return result


def _crate(path: Path, archive: CrateArchive, limits: ArchiveLimits) -> Crate:
    member = archive.members[METADATA_NAME]
    check_metadata_size(path, member.size, limits)  # before it is decompressed at all
    return parse_crate(path, archive.read(member), limits)


def _extract(
    archive: CrateArchive, crate: Crate, plan: CratePlan, target: Path
) -> tuple[dict[str, tuple[Path, str]], dict[str, list[str]]]:
    """Every member extracted under ``target``, and how files differ from their declaration.

    Returns archive path -> (extracted file, sha256), and archive path -> notes.
    """
    extracted: dict[str, tuple[Path, str]] = {}
    notes: dict[str, list[str]] = {}
    for relative, member in sorted(archive.members.items()):
        file = target.joinpath(*relative.split("/"))
        digest = archive.extract(member, file)
        entity = crate.get(plan.file_entities.get(relative, ""))
        if entity is not None:
            notes[relative] = _differences(entity, digest, member.size)
        extracted[relative] = (file, digest)
    return extracted, notes


def _differences(entity: Any, digest: str, size: int) -> list[str]:
    """Where a file differs from its File entity's ``sha256`` and ``contentSize``.

    Published crates often declare these wrongly (a digest of something else, the size of a
    previous version); the zip's own CRC already vouches for the bytes, so a difference is
    reported with the file rather than refusing the whole archive.
    """
    found = []
    declared = entity.get("sha256")
    if isinstance(declared, str) and _SHA256.match(declared.lower()) and declared.lower() != digest:
        found.append(f"its SHA-256 is {digest}, but the crate declares {declared}")
    size_declared = entity.get("contentSize")
    if str(size_declared).isdigit() and int(str(size_declared)) != size:
        found.append(f"it holds {size} bytes, but the crate declares {size_declared}")
    return found


def _ingest(
    installation: Installation,
    extracted: Mapping[str, tuple[Path, str]],
    project: str,
    dataset: str,
    by: str | None,
    convert: bool | None,
    dry_run: bool,
) -> IngestReport:
    from imagesteward.ingest import IngestOptions, ingest_paths

    paths = [file for relative, (file, _) in extracted.items() if relative != METADATA_NAME]
    options = IngestOptions(
        project=project, dataset=dataset, user=by, convert=convert, dry_run=dry_run
    )
    return ingest_paths(paths, installation, options)


def _settle(
    installation: Installation,
    plan: CratePlan,
    crate: Crate,
    extracted: Mapping[str, tuple[Path, str]],
    notes: Mapping[str, list[str]],
    report: IngestReport,
    project: str,
    dry_run: bool,
) -> list[AttachedFile]:
    """What became of each file: an image, an attachment, or content already catalogued."""
    from imagesteward.ingest import Status

    catalog = installation.catalog
    by_file = {outcome.path: outcome for outcome in report.outcomes}
    known = catalog.find_original_files(digest for _, digest in extracted.values())
    images_of: dict[int, list[ImageRecord]] = {}
    files: list[AttachedFile] = []
    attaching: set[str] = set()
    for relative, (file, digest) in extracted.items():
        outcome = by_file.get(file)
        if outcome is not None:
            # Name the file as the archive does, not by the temporary folder it was read from.
            outcome = replace(outcome, message=outcome.message.replace(str(file), relative))
        common: dict[str, Any] = {
            "path": relative,
            "sha256": digest,
            "size": file.stat().st_size,
            "entity_id": plan.file_entities.get(relative),
            "media_type": plan.media_type(crate, relative),
            "notes": tuple(notes.get(relative, ())),
        }
        if digest in known:
            fileset = known[digest].fileset_id
            if fileset not in images_of:
                images_of[fileset] = catalog.fileset_images(fileset)
            images = images_of[fileset]
            ours = tuple(i.uuid for i in images if i.project == project)
            if ours:
                message = outcome.message if outcome is not None else ""
                files.append(
                    AttachedFile(**common, status="image", image_uuids=ours, message=message)
                )
                continue
            # Images of another project are not linked: a study describes its own images only.
            elsewhere = f" (images of project {images[0].project!r}, not linked)" if images else ""
            message = (
                f"already in the catalog as {known[digest].original_path}, file set "
                f"{fileset}{elsewhere}"
            )
            files.append(AttachedFile(**common, status="already catalogued", message=message))
        elif outcome is not None and outcome.status in (Status.WOULD_ADD,):
            files.append(AttachedFile(**common, status="would import", message=outcome.message))
        elif digest in attaching:
            files.append(
                AttachedFile(
                    **common,
                    status="already catalogued",
                    message="same content as another file of this crate",
                )
            )
        else:
            attaching.add(digest)
            message = "" if outcome is None else outcome.message
            status = "would attach" if dry_run else "attached"
            files.append(AttachedFile(**common, status=status, message=message))
    return files


def _primary_first(files: Sequence[AttachedFile]) -> list[AttachedFile]:
    return sorted(files, key=lambda f: (f.path != METADATA_NAME, f.path))


def _version(conforms_to: str | None) -> str:
    return conforms_to.rstrip("/").rsplit("/", 1)[-1] if conforms_to else "unknown version"
