"""From a parsed query to what the index is asked: ontology-aware expansion.

A term finds what lies below it. ``method:"fluorescence microscopy"`` asks for images whose
imaging method is that FBbi term or any descendant (confocal, light sheet, ...); free text
that names a term ("fluorescence microscopy", "mouse") matches the text OR the entries
carrying the term or a descendant. Names are resolved through the ontology's labels and
synonyms, identifiers are taken as they are; a name no loaded ontology knows is matched
against the labels the index holds.
"""

from __future__ import annotations

from imagesteward.catalog import FacetFilter, IndexQuery, TextMatch
from imagesteward.ontology import OntologyIndex
from imagesteward.search._language import FieldFilter, ParsedQuery, TextPart

__all__ = ["ONTOLOGY_FACETS", "plan_query", "resolve_terms"]

#: The ontologies each ontology-bound facet draws its values from.
ONTOLOGY_FACETS: dict[str, tuple[str, ...]] = {
    "organism": ("NCBITaxon",),
    "method": ("FBbi",),
    "fluorophore": ("CHEBI", "FPbase"),
}
# Longest run of words tried as one term name in free text ("green fluorescent protein").
_LONGEST_NAME = 4


def resolve_terms(ontology: OntologyIndex, facet: str, text: str) -> set[str]:
    """The term ``text`` names in the facet's ontologies, and every term below it.

    ``text`` is an identifier, a label or a synonym; empty when it names no term.
    """
    names = ONTOLOGY_FACETS.get(facet)
    if names is None:
        return set()
    if text in ontology:
        term = ontology.get(text)
        return ontology.descendants(term.id) if term.ontology in names else set()
    wanted = text.casefold()
    for term in ontology.search(text, names, limit=5):
        if term.label.casefold() == wanted or wanted in (s.casefold() for s in term.synonyms):
            return ontology.descendants(term.id)
    return set()


def _term_alternatives(ontology: OntologyIndex | None, text: str) -> tuple[FacetFilter, ...]:
    if ontology is None:
        return ()
    found = []
    for facet in ONTOLOGY_FACETS:
        terms = resolve_terms(ontology, facet, text)
        if terms:
            found.append(FacetFilter(facet, tuple(sorted(terms))))
    return tuple(found)


def _plain_runs(parts: tuple[TextPart, ...]) -> list[list[TextPart]]:
    """Consecutive single words without prefix or negation: where term names are sought."""
    runs: list[list[TextPart]] = [[]]
    for part in parts:
        if part.phrase or part.prefix or part.negate:
            runs.append([])
        else:
            runs[-1].append(part)
    return [run for run in runs if run]


def _text_matches(
    parts: tuple[TextPart, ...], ontology: OntologyIndex | None
) -> tuple[list[TextMatch], list[TextMatch]]:
    wanted: list[TextMatch] = []
    excluded: list[TextMatch] = []
    loose: list[str] = []
    for run in _plain_runs(parts):
        words = [part.words[0] for part in run]
        start = 0
        while start < len(words):
            for size in range(min(_LONGEST_NAME, len(words) - start), 0, -1):
                name = " ".join(words[start : start + size])
                alternatives = _term_alternatives(ontology, name)
                if alternatives:
                    chunk = tuple(words[start : start + size])
                    wanted.append(TextMatch(chunk, phrase=size > 1, alternatives=alternatives))
                    start += size
                    break
            else:
                loose.append(words[start])
                start += 1
    if loose:
        wanted.insert(0, TextMatch(tuple(loose)))
    for part in parts:
        if part.negate:
            excluded.append(TextMatch(part.words, phrase=part.phrase, prefix=part.prefix))
        elif part.phrase:
            alternatives = _term_alternatives(ontology, part.text)
            wanted.append(TextMatch(part.words, phrase=True, alternatives=alternatives))
        elif part.prefix:
            wanted.append(TextMatch(part.words, prefix=True))
    return wanted, excluded


def _facet_filter(
    name: str, filters: list[FieldFilter], ontology: OntologyIndex | None
) -> FacetFilter:
    values: set[str] = set()
    labels: list[str] = []
    contains: list[str] = []
    for given in filters:
        for value in given.values:
            values.add(value)
            terms = set() if ontology is None else resolve_terms(ontology, name, value)
            values |= terms
            # Stored values whose label is the text: a term of an ontology not loaded here.
            labels.append(value)
            if not terms:
                # Not a term's name: any value whose label holds the text ("confocal").
                contains.append(value)
    return FacetFilter(
        name,
        tuple(sorted(values)),
        labels=tuple(labels),
        contains=tuple(contains),
        negate=filters[0].negate,
    )


def plan_query(
    parsed: ParsedQuery,
    ontology: OntologyIndex | None,
    *,
    limit: int = 20,
    cursor: str | None = None,
    facet_values: int = 10,
    with_facets: bool = True,
) -> IndexQuery:
    """The index query for ``parsed``, terms expanded to their descendants.

    Values of one field are alternatives ("any of"); different fields must all hold.
    """
    wanted, excluded = _text_matches(parsed.text, ontology)
    grouped: dict[tuple[str, bool], list[FieldFilter]] = {}
    for given in parsed.filters:
        grouped.setdefault((given.field, given.negate), []).append(given)
    facets = tuple(_facet_filter(name, group, ontology) for (name, _), group in grouped.items())
    dates = parsed.dates
    return IndexQuery(
        text=tuple(wanted),
        excluded_text=tuple(excluded),
        facets=facets,
        kinds=parsed.kinds,
        acquired_after=dates.start if dates else None,
        acquired_before=dates.end if dates else None,
        min_completeness=parsed.min_completeness,
        visibility=parsed.visibility,
        limit=limit,
        cursor=cursor,
        facet_values=facet_values,
        with_facets=with_facets,
    )
