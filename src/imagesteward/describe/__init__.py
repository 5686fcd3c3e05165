"""Describing data: what only the researcher knows, next to what the instruments recorded.

Extraction captures the instrument's facts; a FAIR dataset also needs the study, the organism,
the sample preparation, the labels (REMBI). This capability helps fill them and says what is
still missing:

- templates for common study types (:func:`list_templates`, :func:`study_from_template`);
- a spreadsheet round trip, TSV or XLSX (:func:`export_sheet`, :func:`import_sheet`);
- completeness per tier for images, datasets and studies (:func:`project_completeness`);
- the imaging part of a Materials & Methods section (:func:`methods_text`).
"""

from imagesteward.describe._completeness import (
    TIERS,
    Completeness,
    MissingField,
    TierScore,
    dataset_completeness,
    image_completeness,
    study_completeness,
)

__all__ = [
    "TIERS",
    "Completeness",
    "MissingField",
    "TierScore",
    "dataset_completeness",
    "image_completeness",
    "study_completeness",
]
