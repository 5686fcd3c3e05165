"""Loading a full ontology file (OBO, OWL as RDF/XML, OBO Graphs JSON) with pronto.

Facilities that need terms beyond the shipped subsets download the ontology release once and
load it offline: the terms of one prefix are extracted and stored as a subset document in the
installation, so later commands read a compact JSON file instead of re-parsing a large OWL file.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from imagesteward.errors import OntologyError
from imagesteward.ontology._store import installed_dir, read_subset, write_subset
from imagesteward.ontology._term import SubsetInfo, Term

__all__ = ["install_ontology", "parse_ontology"]


def parse_ontology(path: Path, prefix: str | None = None) -> tuple[str, str, list[Term]]:
    """Terms of one prefix from an ontology file, as ``(prefix, version, terms)``.

    Parameters
    ----------
    path
        An OBO, OWL (RDF/XML) or OBO Graphs JSON file.
    prefix
        CURIE prefix of the terms to keep (``FBbi``); default: the most common prefix in the
        file, which skips the upper-level classes ontologies import from BFO, RO and others.

    Raises
    ------
    OntologyError
        The file is missing, unreadable as an ontology, or has no term with that prefix.
    """
    from pronto.ontology import Ontology

    if not path.is_file():
        raise OntologyError(f"{path}: no such ontology file", path=str(path))
    try:
        with warnings.catch_warnings():
            # pronto warns about every unknown OBO header tag; those are not the user's problem.
            warnings.simplefilter("ignore")
            try:
                # import_depth=0: never follow 'import:' URLs - loading must work offline.
                ontology = Ontology(str(path), import_depth=0)
            except KeyError:
                # pronto's OBO parser fails on an is_a parent the file does not declare, which
                # slims and import modules do on purpose; declare those parents and parse again.
                stubbed = _declare_missing_parents(path)
                if stubbed is None:
                    raise
                ontology = Ontology(stubbed, import_depth=0)
    except Exception as exc:
        raise OntologyError(
            f"{path}: cannot be read as an ontology (OBO, OWL RDF/XML or OBO Graphs JSON): "
            f"{exc.__class__.__name__}: {exc}",
            path=str(path),
        ) from exc
    live = [term for term in ontology.terms() if not term.obsolete and term.id and term.name]
    prefixes = Counter(term.id.split(":", 1)[0] for term in live if ":" in term.id)
    if prefix is None:
        if not prefixes:
            raise OntologyError(f"{path}: no named, non-obsolete terms", path=str(path))
        prefix = prefixes.most_common(1)[0][0]
    terms = [_term(item, prefix) for item in live if item.id.startswith(prefix + ":")]
    if not terms:
        found = ", ".join(f"{name} ({count})" for name, count in prefixes.most_common(5))
        raise OntologyError(
            f"{path}: no term with prefix {prefix}: (found {found or 'none'}); "
            "pass the right --prefix",
            path=str(path),
        )
    meta = ontology.metadata
    version = meta.data_version or (str(meta.date) if meta.date else "") or "unversioned"
    return prefix, version, terms


_OBO_ID = re.compile(rb"^id:\s*(\S+)", re.MULTILINE)
_OBO_IS_A = re.compile(rb"^is_a:\s*(\S+)", re.MULTILINE)


def _declare_missing_parents(path: Path) -> io.BytesIO | None:
    """The OBO file with a bare stanza for each undeclared ``is_a`` parent, else ``None``.

    A bare stanza has no name, so the parent stays a parent identifier and never becomes a
    term of its own (``parse_ontology`` keeps named terms only).
    """
    data = path.read_bytes()
    if not data.lstrip(b"\xef\xbb\xbf").lstrip().startswith((b"format-version:", b"[Term")):
        return None
    declared = set(_OBO_ID.findall(data))
    missing = sorted(set(_OBO_IS_A.findall(data)) - declared)
    if not missing:
        return None
    stanzas = b"".join(b"\n[Term]\nid: " + parent + b"\n" for parent in missing)
    stubbed = io.BytesIO(data.rstrip(b"\n") + b"\n" + stanzas)
    stubbed.name = str(path)  # pronto names the source after the handle
    return stubbed


def _term(item: object, prefix: str) -> Term:
    from pronto.term import Term as ProntoTerm

    assert isinstance(item, ProntoTerm)
    parents = tuple(sorted(parent.id for parent in item.superclasses(distance=1, with_self=False)))
    synonyms = tuple(sorted({s.description for s in item.synonyms if s.description}))
    definition = str(item.definition) if item.definition else None
    return Term(
        id=item.id,
        label=str(item.name),
        synonyms=synonyms,
        parents=parents,
        ontology=prefix,
        definition=definition,
    )


def install_ontology(home: Path, path: Path, prefix: str | None = None) -> SubsetInfo:
    """Parse ``path`` and store its ``prefix`` terms in the installation at ``home``.

    The stored ontology (``home/ontologies/<prefix>.json``) replaces any earlier load of the
    same prefix and, term by term, the shipped subset.
    """
    prefix, version, terms = parse_ontology(path, prefix)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    target = installed_dir(home) / f"{prefix}.json"
    source = {
        "file": path.name,
        "sha256": digest,
        "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "terms": "all non-obsolete terms with this prefix",
    }
    write_subset(target, prefix, f"{prefix} (loaded from {path.name})", version, [source], terms)
    info, _ = read_subset(target.read_text(encoding="utf-8"), prefix, "loaded", str(target))
    return info
