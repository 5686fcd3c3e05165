"""The unit of every ontology look-up: a term, and where a set of terms came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["SubsetInfo", "Term"]


@dataclass(frozen=True, slots=True)
class Term:
    """One ontology class.

    Attributes
    ----------
    id
        The CURIE (``FBbi:00000251``).
    label
        The ontology's preferred name.
    synonyms
        Alternative names as the ontology states them (exact and related alike: for finding a
        term, a related synonym is as useful as an exact one).
    parents
        Identifiers of the direct ``is_a`` parents. A parent need not be loaded itself.
    ontology
        The ontology the term belongs to (``FBbi``), as named by the slot annotations.
    definition
        The textual definition, when the source has one.
    source
        Name of the subset or loaded file that supplied the term.
    """

    id: str
    label: str
    synonyms: tuple[str, ...] = ()
    parents: tuple[str, ...] = ()
    ontology: str = ""
    definition: str | None = None
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (the shape the server and ``steward ontology show --json`` use)."""
        return {
            "id": self.id,
            "label": self.label,
            "synonyms": list(self.synonyms),
            "parents": list(self.parents),
            "ontology": self.ontology,
            "definition": self.definition,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class SubsetInfo:
    """Where one set of terms came from: a shipped subset or an ontology file loaded on site."""

    name: str
    ontology: str
    title: str
    version: str
    term_count: int
    origin: str  # "shipped" or "loaded"
    path: str
    sources: tuple[dict[str, Any], ...] = field(default=())
