"""Curated ontology subsets shipped with imagesteward (JSON; provenance in each file's header)."""
