"""Describing a project: its REMBI study from a document or a template, and image annotations.

Both go through the same gate before the catalog sees them: ontology-bound fields must name
real terms of their ontology and persistent identifiers must pass their checks
(:mod:`imagesteward.describe._checks`); the catalog then validates the whole document against
the schema and the project, and writes it in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from imagesteward import model
from imagesteward.catalog import Catalog, FieldProblem, ImageAnnotation, ImageRecord, StudyRecord
from imagesteward.describe._checks import check_document, check_value
from imagesteward.describe._fields import resolve_path
from imagesteward.describe._search_scores import score_for_search
from imagesteward.describe._templates import Ask, get_template, missing_asks, prune
from imagesteward.errors import MetadataValidationError
from imagesteward.model.paths import PathError, parse_path
from imagesteward.ontology import OntologyIndex

__all__ = [
    "DescribeResult",
    "annotate_images",
    "describe_study",
    "read_document",
    "refuse",
]

_SHOWN = 5


@dataclass(frozen=True, slots=True)
class DescribeResult:
    """A saved (or, in a dry run, checked) study and what its template still asks for."""

    record: StudyRecord
    missing: tuple[Ask, ...] = field(default=())


def refuse(problems: Sequence[FieldProblem], what: str) -> MetadataValidationError:
    """The error for ``problems``, its message listing the first few (all in ``details``)."""
    shown = "; ".join(str(problem).rstrip(".") for problem in problems[:_SHOWN])
    more = f"; and {len(problems) - _SHOWN} more" if len(problems) > _SHOWN else ""
    text = f"Nothing was changed: {len(problems)} problem(s) in {what}: {shown}{more}"
    return MetadataValidationError(
        text if text.endswith("?") else f"{text}.", problems=list(problems)
    )


def read_document(path: Path) -> dict[str, Any]:
    """A YAML or JSON document (JSON is YAML), as a mapping.

    Raises
    ------
    MetadataValidationError
        When the file cannot be read or does not hold a mapping.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise MetadataValidationError(f"{path}: cannot be read as YAML or JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise MetadataValidationError(
            f"{path}: expected a mapping of study fields (title, authors, biosamples...), "
            f"found {type(data).__name__}"
        )
    return data


def _merged(base: Any, update: Any) -> Any:
    """``update`` over ``base``: mappings merged key by key, lists item by item.

    List items that carry an ``identifier`` (biosamples, specimens) are matched by it, so a
    document adding one biosample keeps the others; other lists are matched by position.
    """
    if isinstance(base, Mapping) and isinstance(update, Mapping):
        result = dict(base)
        for key, value in update.items():
            result[key] = _merged(base.get(key), value) if key in base else value
        return result
    if isinstance(base, list) and isinstance(update, list):
        keys = [_identifier(item) for item in (*base, *update)]
        if all(keys) and len(set(keys[: len(base)])) == len(base):
            merged = {_identifier(item): item for item in base}
            for item in update:
                key = _identifier(item)
                merged[key] = _merged(merged[key], item) if key in merged else item
            return list(merged.values())
        return [
            _merged(base[i], update[i]) if i < len(base) and i < len(update) else item
            for i, item in enumerate(update if len(update) >= len(base) else base)
        ]
    return base if update is None else update


def _identifier(item: Any) -> str | None:
    value = item.get("identifier") if isinstance(item, Mapping) else None
    return value if isinstance(value, str) and value else None


def describe_study(
    catalog: Catalog,
    index: OntologyIndex,
    project: str,
    document: Mapping[str, Any],
    *,
    template: str | None = None,
    merge: bool = False,
    by: str | None = None,
    reason: str | None = None,
    dry_run: bool = False,
) -> DescribeResult:
    """Save the REMBI study of ``project`` from ``document`` (a Study as JSON or YAML data).

    With ``template``, the template's fixed facts come first and ``document`` fills and
    overrides them. With ``merge``, ``document`` is laid over the stored study instead of
    replacing it (biosamples and specimens matched by identifier), so a document may add one
    specimen or correct one field. Terms may be given by identifier or exact name; they are
    stored with the ontology's label. PIDs are stored in canonical form.

    Raises
    ------
    MetadataValidationError
        With every problem (unknown terms, wrong ontologies, bad PIDs, schema violations) in
        ``details["problems"]``; nothing is written.
    NotFoundError
        For an unknown project or template.
    """
    chosen = get_template(template) if template else None
    source: Any = prune(dict(document))
    if merge:
        stored = catalog.get_study(project)
        if stored is not None:
            source = _merged(stored.document.model_dump(mode="json", exclude_none=True), source)
    if chosen is not None:
        source = _merged(chosen.study, source)
    checked, problems = check_document(index, model.Study, source, target="study")
    if problems:
        raise refuse(problems, f"the study of {project!r}")
    record = catalog.save_study(project, checked, by=by, reason=reason, dry_run=dry_run)
    if not dry_run:
        score_for_search(catalog, projects=[project])
    missing = tuple(missing_asks(chosen, checked)) if chosen is not None else ()
    return DescribeResult(record, missing)


def annotate_images(
    catalog: Catalog,
    index: OntologyIndex,
    annotations: Sequence[ImageAnnotation],
    *,
    by: str | None = None,
    reason: str | None = None,
    allow_captured: bool = False,
    dry_run: bool = False,
) -> list[ImageRecord]:
    """Apply image annotations after checking their terms and PIDs (see ``Catalog``).

    Raises
    ------
    MetadataValidationError
        With every problem; ``FieldProblem.index`` is the annotation's position.
    """
    checked: list[ImageAnnotation] = []
    problems: list[FieldProblem] = []
    for position, annotation in enumerate(annotations):
        values: dict[str, Any] = {}
        for path, value in annotation.values.items():
            fixed, problem = _checked_value(index, path, value)
            if problem is None:
                values[path] = fixed
            else:
                problems.append(FieldProblem(position, str(annotation.image), path, value, problem))
        # Positions are kept (an annotation may end up empty) so that indices stay the same.
        checked.append(ImageAnnotation(annotation.image, values))
    try:
        # With term or PID problems, the rest is still checked (dry run) to report everything.
        records = catalog.annotate_images(
            checked,
            by=by,
            reason=reason,
            allow_captured=allow_captured,
            dry_run=dry_run or bool(problems),
        )
    except MetadataValidationError as exc:
        found = exc.details.get("problems")
        if not found:
            raise
        problems.extend(found)
    if problems:
        raise refuse(sorted(problems, key=_order), "the annotations")
    if not dry_run:
        score_for_search(catalog, image_ids=[record.id for record in records])
    return records


def _order(problem: FieldProblem) -> tuple[int, str]:
    return (-1 if problem.index is None else problem.index, problem.field)


def _checked_value(index: OntologyIndex, path: str, value: Any) -> tuple[Any, str | None]:
    try:
        parse_path(path)
        owner, slot = resolve_path(model.Image, path)
    except (PathError, KeyError) as exc:
        return value, str(exc).strip("'\"")
    if isinstance(value, Mapping) and not _is_term(value):
        fixed, problems = check_document(index, owner, {slot: value}, target="")
        return fixed[slot], problems[0].reason if problems else None
    return check_value(index, owner, slot, value)


def _is_term(value: Mapping[str, Any]) -> bool:
    return "term_id" in value
