"""Ontology terms and persistent identifiers in a document: checked offline, normalised.

The schema's patterns only say what an identifier looks like; ``NCBITaxon:99999999`` matches
``^NCBITaxon:[0-9]+$`` and names nothing. Before a study or an annotation is saved, every slot
bound to an ontology (annotation ``ontology``) must name a real term of that ontology, and every
slot holding a persistent identifier (annotation ``pid_scheme``) must pass its scheme's syntax
and checksum. What people write is normalised on the way: a term may be given as its CURIE or
as an exact label or synonym (``zebrafish``) and is stored as ``{term_id, label}`` with the
ontology's own label; an ORCID iD, ROR, DOI or handle is stored as its canonical URI.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel

from imagesteward.catalog import FieldProblem
from imagesteward.describe._fields import is_multivalued, nested_class, ontology_of
from imagesteward.errors import InvalidPidError, OntologyError
from imagesteward.model import pids
from imagesteward.model.tiers import slot_annotation
from imagesteward.ontology import OntologyIndex, Term, ontology_names

__all__ = ["check_document", "check_value", "resolve_term"]


def resolve_term(index: OntologyIndex, value: Any, ontology: str) -> Term:
    """The term ``value`` names in ``ontology``: a CURIE, a ``{term_id}`` object, or a name.

    Raises
    ------
    UnknownTermError, WrongOntologyError
        The identifier names no term, or a term of another ontology.
    OntologyError
        A name that matches no label or synonym exactly, or several terms.
    """
    if isinstance(value, Mapping):
        term_id = value.get("term_id")
        if not isinstance(term_id, str) or not term_id.strip():
            raise OntologyError(
                f"{dict(value)!r} has no term_id; give the term as {{term_id: PREFIX:ID}}"
            )
        return index.validate(term_id.strip(), ontology)
    text = str(value).strip()
    allowed = ontology_names(ontology)
    prefix = text.split(":", 1)[0]
    if ":" in text and (prefix in allowed or text in index or " " not in text):
        return index.validate(text, ontology)
    folded = text.casefold()
    exact = [
        term
        for term in index.search(text, ontology, limit=20)
        if folded == term.label.casefold() or folded in (s.casefold() for s in term.synonyms)
    ]
    labelled = [term for term in exact if term.label.casefold() == folded]
    chosen = labelled or exact
    if len(chosen) == 1:
        return chosen[0]
    if chosen:
        listed = ", ".join(f"{t.id} ({t.label})" for t in chosen[:5])
        raise OntologyError(f"{text!r} names several {' or '.join(allowed)} terms: {listed}")
    suggestions = index.search(text, ontology, limit=3)
    hint = (
        "; did you mean " + ", ".join(f"{t.id} ({t.label})" for t in suggestions) + "?"
        if suggestions
        else "; search with 'steward ontology search TEXT'"
    )
    raise OntologyError(f"{text!r} is not a {' or '.join(allowed)} term{hint}")


def check_value(
    index: OntologyIndex, owner: type[BaseModel], slot: str, value: Any
) -> tuple[Any, str | None]:
    """``value`` for ``owner.slot`` normalised, and the problem with it (``None`` when fine).

    Only the slot's own binding is checked here; nested objects are walked by
    :func:`check_document`.
    """
    if value is None:
        return value, None
    ontology = ontology_of(owner, slot)
    scheme = slot_annotation(owner, slot, "pid_scheme")
    if ontology is None and scheme is None:
        return value, None
    items = value if isinstance(value, list) else [value]
    normalised: list[Any] = []
    for item in items:
        try:
            if ontology is not None:
                term = resolve_term(index, item, ontology)
                normalised.append({"term_id": term.id, "label": term.label})
            else:
                normalised.append(pids.normalize(str(item), str(scheme)).canonical)
        except (OntologyError, InvalidPidError) as exc:
            return value, exc.message
    if isinstance(value, list) or is_multivalued(owner, slot):
        return normalised, None
    return normalised[0], None


def check_document(
    index: OntologyIndex,
    root: type[BaseModel],
    document: Mapping[str, Any],
    *,
    target: str,
    index_of: int | None = None,
) -> tuple[dict[str, Any], list[FieldProblem]]:
    """A copy of ``document`` (a ``root`` as JSON) with terms and PIDs normalised, and problems."""
    problems: list[FieldProblem] = []
    checked = dict(_walk(index, root, document, "", target, index_of, problems))
    return checked, problems


def _walk(
    index: OntologyIndex,
    owner: type[BaseModel],
    document: Mapping[str, Any],
    prefix: str,
    target: str,
    index_of: int | None,
    problems: list[FieldProblem],
) -> Iterator[tuple[str, Any]]:
    for slot, value in document.items():
        path = f"{prefix}.{slot}" if prefix else slot
        if slot not in owner.model_fields:
            yield slot, value  # the schema validation names unknown fields
            continue
        checked, problem = check_value(index, owner, slot, value)
        if problem is not None:
            problems.append(FieldProblem(index_of, target, path, value, problem))
            yield slot, value
            continue
        value = checked  # noqa: PLW2901 - the normalised value replaces what was written
        nested = None if ontology_of(owner, slot) else nested_class(owner, slot)
        if nested is None:
            yield slot, value
        elif isinstance(value, list):
            yield (
                slot,
                [
                    dict(_walk(index, nested, item, f"{path}[{i}]", target, index_of, problems))
                    if isinstance(item, Mapping)
                    else item
                    for i, item in enumerate(value)
                ],
            )
        elif isinstance(value, Mapping):
            yield slot, dict(_walk(index, nested, value, path, target, index_of, problems))
        else:
            yield slot, value
