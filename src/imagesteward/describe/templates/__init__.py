"""Study templates shipped with imagesteward (YAML; one REMBI/NBO-Q study type each)."""
