"""Reading and writing ontology subsets: the JSON files shipped in the package and stored on site.

Both use one format (``imagesteward-ontology-subset/1``): a provenance header saying where the
terms came from (repository, path, commit or file checksum, ontology version) and one row per
term, ``[id, label, parents, synonyms, definition]``. Rows rather than objects keep the shipped
files small and their diffs one line per term.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from imagesteward.errors import OntologyError
from imagesteward.ontology._term import SubsetInfo, Term

__all__ = [
    "FORMAT",
    "installed_dir",
    "read_subset",
    "shipped_subsets",
    "stored_subsets",
    "write_subset",
]

FORMAT = "imagesteward-ontology-subset/1"
_COLUMNS = ["id", "label", "parents", "synonyms", "definition"]
_DATA_PACKAGE = "imagesteward.ontology.data"


def installed_dir(home: Path) -> Path:
    """Where ``steward ontology load`` keeps full ontologies of an installation."""
    return home / "ontologies"


def read_subset(text: str, name: str, origin: str, path: str) -> tuple[SubsetInfo, list[Term]]:
    """Parse one subset document; ``name`` labels the terms' source."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise OntologyError(f"{path}: not an ontology subset: {exc}", path=path) from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise OntologyError(
            f"{path}: not an ontology subset (expected format {FORMAT!r})", path=path
        )
    if doc.get("columns") != _COLUMNS:
        raise OntologyError(f"{path}: unexpected columns {doc.get('columns')!r}", path=path)
    ontology = str(doc["ontology"])
    terms = [
        Term(
            id=row[0],
            label=row[1],
            parents=tuple(row[2]),
            synonyms=tuple(row[3]),
            definition=row[4],
            ontology=ontology,
            source=name,
        )
        for row in doc["terms"]
    ]
    info = SubsetInfo(
        name=name,
        ontology=ontology,
        title=str(doc.get("title", ontology)),
        version=str(doc.get("version", "")),
        term_count=len(terms),
        origin=origin,
        path=path,
        sources=tuple(doc.get("sources", ())),
    )
    return info, terms


def shipped_subsets() -> Iterator[tuple[SubsetInfo, list[Term]]]:
    """The curated subsets shipped inside the package, in name order."""
    folder = resources.files(_DATA_PACKAGE)
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if entry.name.endswith(".json"):
            name = entry.name.removesuffix(".json")
            yield read_subset(entry.read_text(encoding="utf-8"), name, "shipped", entry.name)


def stored_subsets(home: Path) -> Iterator[tuple[SubsetInfo, list[Term]]]:
    """Ontologies loaded into the installation at ``home`` (none when nothing was loaded)."""
    folder = installed_dir(home)
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.json")):
        yield read_subset(path.read_text(encoding="utf-8"), path.stem, "loaded", str(path))


def write_subset(
    path: Path,
    ontology: str,
    title: str,
    version: str,
    sources: list[dict[str, Any]],
    terms: Iterable[Term],
) -> int:
    """Store ``terms`` at ``path`` atomically; returns the number of terms written.

    The file is written beside its destination and renamed over it, so a killed load leaves
    either the previous ontology or the new one, never half a file that would break every
    later command.
    """
    rows = [
        [t.id, t.label, list(t.parents), list(t.synonyms), t.definition]
        for t in sorted(terms, key=lambda term: term.id)
    ]
    doc = {
        "format": FORMAT,
        "ontology": ontology,
        "title": title,
        "version": version,
        "sources": sources,
        "columns": _COLUMNS,
        "term_count": len(rows),
        "terms": rows,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(doc, stream, ensure_ascii=False, separators=(",", ":"))
            stream.flush()
            os.fsync(stream.fileno())
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return len(rows)
