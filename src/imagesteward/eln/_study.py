"""The crate's study in the catalog: checked through the describe gate, saved with its links.

The study goes through the same gate as one a person describes (:mod:`imagesteward.describe`):
ontology terms resolved offline, persistent identifiers checked, the ``Study`` schema. It is
saved by ``Catalog.save_study`` together with the image annotations that link the crate's
images to their biosample, specimen and instrument, in one catalog transaction.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from imagesteward import model
from imagesteward.eln._instruments import microscope_annotations
from imagesteward.eln._mapping import CratePlan
from imagesteward.eln._merge import merge_study
from imagesteward.eln._report import AttachedFile, MappedEntity, UnmappedEntity
from imagesteward.errors import NotFoundError

if TYPE_CHECKING:
    from imagesteward.catalog import Catalog, StudyRecord
    from imagesteward.ontology import OntologyIndex

__all__ = ["checked_study", "organism_term", "save_study"]

_NCBI_URI = re.compile(r"NCBITaxon_(\d+)$")


def organism_term(index: OntologyIndex, value: Any) -> dict[str, str]:
    """An organism as a crate writes it (name, CURIE, OBO URI) as an NCBITaxon term."""
    from imagesteward.describe import resolve_term

    if isinstance(value, Mapping):
        value = value.get("@id") or value.get("name") or value
    if isinstance(value, str) and (found := _NCBI_URI.search(value)):
        value = f"NCBITaxon:{found.group(1)}"
    term = resolve_term(index, value, "NCBITaxon")
    return {"term_id": term.id, "label": term.label}


def checked_study(index: OntologyIndex, study: dict[str, Any], project: str) -> dict[str, Any]:
    """The study with terms and PIDs normalised, refused now if it could never be saved.

    Raises
    ------
    MetadataValidationError
        With every problem in ``details["problems"]``.
    """
    from pydantic import ValidationError

    from imagesteward.catalog import FieldProblem
    from imagesteward.describe import check_document, refuse

    checked, problems = check_document(index, model.Study, study, target="study")
    if not problems:
        try:
            model.Study.model_validate(checked)
        except ValidationError as exc:
            problems = [
                FieldProblem(None, "study", ".".join(map(str, e["loc"])), e.get("input"), e["msg"])
                for e in exc.errors()
            ]
    if problems:
        raise refuse(problems, f"the study the crate describes for {project!r}")
    return checked


def _image_links(
    catalog: Catalog, plan: CratePlan, uuids: Mapping[str, tuple[str, ...]]
) -> tuple[dict[str, dict[str, Any]], list[MappedEntity], list[UnmappedEntity]]:
    """Annotations linking images to biosamples, specimens and instruments; instrument fates."""
    annotations: dict[str, dict[str, Any]] = {}
    for slot, links in (
        ("biosample_ref", plan.sample_files),
        ("specimen_ref", plan.specimen_files),
    ):
        for identifier, paths in links.items():
            for path in sorted(paths):
                for uuid in uuids.get(path, ()):
                    annotations.setdefault(uuid, {}).setdefault(slot, identifier)
    mapped: list[MappedEntity] = []
    unmapped: list[UnmappedEntity] = []
    for instrument in plan.instruments:
        images = [uuid for path in sorted(instrument.files) for uuid in uuids.get(path, ())]
        if not images:
            unmapped.append(
                UnmappedEntity(
                    instrument.entity_id,
                    instrument.types,
                    "an instrument linked to no image of the crate (by hasPart or an "
                    "'instrument' property); a study has no instrument slot",
                )
            )
            continue
        notes = list(instrument.notes)
        for uuid in images:
            current = catalog.get_image(uuid).document.acquisition
            microscope = current.microscope if current is not None else None
            values, why_not = microscope_annotations(
                instrument,
                None if microscope is None else microscope.model_dump(mode="json"),
            )
            annotations.setdefault(uuid, {}).update(values)
            if why_not:
                notes.append(f"image {uuid}: {why_not}")
        target = f"images[{', '.join(images)}].acquisition.microscope"
        mapped.append(MappedEntity(instrument.entity_id, instrument.types, target, tuple(notes)))
    return annotations, mapped, unmapped


def save_study(
    catalog: Catalog,
    index: OntologyIndex,
    project: str,
    study: dict[str, Any],
    plan: CratePlan,
    files: Sequence[AttachedFile],
    *,
    by: str | None,
    label: str,
    dry_run: bool,
) -> tuple[StudyRecord | None, bool, list[MappedEntity], list[UnmappedEntity]]:
    """Save (or merge) the study with its image links.

    Returns the saved record (``None`` in a dry run on a new project), whether it was merged
    into an existing study, and the instruments' fates.
    """
    from imagesteward.catalog import ImageAnnotation

    uuids = {f.path: f.image_uuids for f in files}
    study = dict(study)
    components = [dict(c) for c in study.get("study_components", [])]
    for component, paths in zip(components, plan.component_files, strict=True):
        linked = [uuid for path in sorted(paths) for uuid in uuids.get(path, ())]
        if linked:
            component["image_ids"] = linked
    if components:
        study["study_components"] = components
    annotations, mapped, unmapped = _image_links(catalog, plan, uuids)
    try:
        existing = catalog.get_study(project)
    except NotFoundError as exc:
        if dry_run:
            return None, False, mapped, unmapped  # a dry run on a project that does not exist yet
        raise NotFoundError(
            f"Project {project!r} does not exist, and {label} brought nothing new to create it "
            "with: every one of its files is already in the catalog (see the files' project). "
            "Import it into that project, or into one that exists.",
            ref=project,
        ) from exc
    document = (
        merge_study(existing.document.model_dump(mode="json", exclude_none=True), study)
        if existing is not None
        else study
    )
    record = catalog.save_study(
        project,
        checked_study(index, document, project),
        annotations=[ImageAnnotation(uuid, values) for uuid, values in annotations.items()],
        by=by,
        reason=f"imported from the ELN archive {label}",
        dry_run=dry_run,
    )
    return record, existing is not None, mapped, unmapped
