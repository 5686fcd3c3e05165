"""Ontologies offline: curated subsets shipped in the package, full ontologies loaded on site.

Metadata forms bind slots to ontologies (organism to NCBITaxon, imaging method to FBbi, cell
type to CL, organ to UBERON, component to GO, fluorophore to ChEBI or FPbase). This capability
answers the questions those forms and the search page ask - what is this identifier, which
terms match what the user types, what lies below a term - without any network.

    from imagesteward.ontology import load_index
    index = load_index(settings)
    index.get("FBbi:00000251").label             # 'confocal microscopy'
    index.search("confoc", ontology="FBbi")       # ranked autocomplete
    index.descendants("FBbi:00000246")            # fluorescence microscopy and below
    index.validate("NCBITaxon:10090", "NCBITaxon")
"""

from __future__ import annotations

from pathlib import Path

from imagesteward.config import Settings
from imagesteward.ontology._index import OntologyIndex, ontology_names
from imagesteward.ontology._loader import install_ontology, parse_ontology
from imagesteward.ontology._store import installed_dir, shipped_subsets, stored_subsets
from imagesteward.ontology._term import SubsetInfo, Term

__all__ = [
    "OntologyIndex",
    "SubsetInfo",
    "Term",
    "install_ontology",
    "installed_dir",
    "load_index",
    "ontology_names",
    "parse_ontology",
]


def load_index(settings: Settings | Path | None = None) -> OntologyIndex:
    """The shipped subsets, overlaid with the ontologies loaded into an installation.

    Parameters
    ----------
    settings
        The installation's settings (or its home directory); ``None`` gives the shipped
        subsets only.
    """
    home = settings.home if isinstance(settings, Settings) else settings
    infos: list[SubsetInfo] = []
    terms: list[Term] = []
    sources = [shipped_subsets()]
    if home is not None:
        sources.append(stored_subsets(home))
    for source in sources:
        for info, subset_terms in source:
            infos.append(info)
            terms.extend(subset_terms)
    return OntologyIndex(terms, infos)
