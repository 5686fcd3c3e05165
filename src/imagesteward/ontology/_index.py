"""The in-memory ontology index: look-up by identifier, ranked search, hierarchy, validation."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable

from imagesteward.errors import UnknownTermError, WrongOntologyError
from imagesteward.ontology._search import NameIndex
from imagesteward.ontology._term import SubsetInfo, Term

__all__ = ["OntologyIndex", "ontology_names"]

# The slot annotation for fluorophores names two ontologies; other annotations name one.
_SEPARATOR = "|"


def ontology_names(spec: str | Iterable[str]) -> tuple[str, ...]:
    """``"CHEBI|FPbase"`` or ``["CHEBI", "FPbase"]`` -> ``("CHEBI", "FPbase")``."""
    items = spec.split(_SEPARATOR) if isinstance(spec, str) else list(spec)
    return tuple(item.strip() for item in items if item.strip())


class OntologyIndex:
    """Terms from shipped subsets and loaded ontologies, indexed for the questions forms ask.

    Later terms win over earlier ones with the same identifier, so a full ontology loaded on
    site replaces the shipped subset's copy of each term (newer labels, complete parents).

    Parameters
    ----------
    terms
        All terms, shipped subsets first, loaded ontologies after.
    subsets
        Where the terms came from, for ``steward ontology list`` and provenance displays.
    """

    def __init__(self, terms: Iterable[Term], subsets: Iterable[SubsetInfo] = ()) -> None:
        by_id: dict[str, Term] = {}
        for term in terms:
            by_id[term.id] = term
        self._terms: list[Term] = list(by_id.values())
        self._position = {term.id: i for i, term in enumerate(self._terms)}
        self.subsets: tuple[SubsetInfo, ...] = tuple(subsets)
        children: defaultdict[str, list[str]] = defaultdict(list)
        for term in self._terms:
            for parent in term.parents:
                children[parent].append(term.id)
        self._children = {parent: tuple(kids) for parent, kids in children.items()}
        # The index never changes once built, so expansions can be remembered: a search page
        # expands "fluorescence microscopy" on every query.
        self._descendant_cache: dict[str, frozenset[str]] = {}
        self._groups: defaultdict[str, list[tuple[int, str, tuple[str, ...]]]] = defaultdict(list)
        for i, term in enumerate(self._terms):
            self._groups[term.ontology].append((i, term.label, term.synonyms))
        # Name indexes are built on first use, one per ontology (so a filtered search is as fast
        # as an unfiltered one) and one over everything: a command that only resolves
        # identifiers never pays for them.
        self._names: dict[str, NameIndex] = {}

    def __len__(self) -> int:
        return len(self._terms)

    def __contains__(self, term_id: object) -> bool:
        return term_id in self._position

    @property
    def ontologies(self) -> tuple[str, ...]:
        """Names of the ontologies with at least one term, sorted."""
        return tuple(sorted(self._groups))

    def get(self, term_id: str) -> Term:
        """The term with identifier ``term_id``.

        Raises
        ------
        UnknownTermError
            No loaded ontology has such a term; the message suggests how to find one.
        """
        position = self._position.get(term_id.strip())
        if position is None:
            raise UnknownTermError(
                f"{term_id} is not a term of the loaded ontologies "
                f"({', '.join(self.ontologies) or 'none'}); search by name with "
                "'steward ontology search TEXT', or load the full ontology with "
                "'steward ontology load FILE'",
                term_id=term_id,
            )
        return self._terms[position]

    def search(
        self, text: str, ontology: str | Iterable[str] | None = None, limit: int = 10
    ) -> list[Term]:
        """Terms whose label or synonyms match ``text``, best first (see ``NameIndex.search``)."""
        if ontology is None:
            hits = self._name_index(None).search(text, limit)
        else:
            hits = []
            for name in ontology_names(ontology):
                if name in self._groups:
                    hits.extend(self._name_index(name).search(text, limit))
            hits.sort(key=lambda hit: hit[0])
        return [self._terms[position] for _, position in hits[:limit]]

    def _name_index(self, ontology: str | None) -> NameIndex:
        key = "" if ontology is None else ontology
        index = self._names.get(key)
        if index is None:
            if ontology is None:
                entries = [(i, t.label, t.synonyms) for i, t in enumerate(self._terms)]
            else:
                entries = self._groups[ontology]
            index = self._names[key] = NameIndex(entries)
        return index

    def children(self, term_id: str) -> tuple[str, ...]:
        """Identifiers of the loaded terms that name ``term_id`` as a direct ``is_a`` parent."""
        return self._children.get(term_id, ())

    def descendants(self, term_id: str) -> set[str]:
        """``term_id`` and every loaded term below it (transitive ``is_a``)."""
        root = self.get(term_id).id
        cached = self._descendant_cache.get(root)
        if cached is None:
            cached = self._descendant_cache[root] = self._expand(root)
        return set(cached)

    def _expand(self, term_id: str) -> frozenset[str]:
        seen = {term_id}
        queue = deque([term_id])
        while queue:
            for child in self._children.get(queue.popleft(), ()):
                if child not in seen:
                    seen.add(child)
                    queue.append(child)
        return frozenset(seen)

    def ancestors(self, term_id: str) -> set[str]:
        """Every ``is_a`` ancestor of ``term_id`` (loaded or only named), without the term."""
        seen: set[str] = set()
        queue = deque(self.get(term_id).parents)
        while queue:
            parent = queue.popleft()
            if parent in seen:
                continue
            seen.add(parent)
            if parent in self._position:
                queue.extend(self._terms[self._position[parent]].parents)
        return seen

    def validate(self, term_id: str, ontology: str | Iterable[str]) -> Term:
        """The term ``term_id``, checked to belong to ``ontology`` (``"FBbi"``, ``"CHEBI|FPbase"``).

        Raises
        ------
        UnknownTermError
            The identifier is not a term of any loaded ontology.
        WrongOntologyError
            The term exists but belongs to another ontology than the slot requires.
        """
        allowed = ontology_names(ontology)
        prefix = term_id.split(":", 1)[0] if ":" in term_id else ""
        if term_id not in self._position and prefix and prefix not in allowed:
            raise WrongOntologyError(
                f"{term_id} is not a {' or '.join(allowed)} identifier "
                f"(expected a CURIE such as {allowed[0]}:...)",
                term_id=term_id,
                expected=list(allowed),
            )
        term = self.get(term_id)
        if term.ontology not in allowed:
            raise WrongOntologyError(
                f"{term_id} ({term.label}) is a {term.ontology} term, but {' or '.join(allowed)} "
                "is required here",
                term_id=term_id,
                ontology=term.ontology,
                expected=list(allowed),
            )
        return term
