"""Describing data: what only the researcher knows, next to what the instruments recorded.

Extraction captures the instrument's facts; a FAIR dataset also needs the study, the organism,
the sample preparation, the labels (REMBI). This capability helps fill them and says what is
still missing:

- a project's study from a YAML/JSON document or a template, with ontology terms and PIDs
  checked offline (:func:`describe_study`, :func:`annotate_images`);
- templates for common study types (:func:`list_templates`, :func:`template_form`) and
  form descriptions generated from the schema (:func:`form_fields`);
- a spreadsheet round trip, TSV or XLSX (:func:`export_sheet`, :func:`import_sheet`);
- completeness per tier for images, datasets, studies and projects
  (:func:`project_completeness`);
- the imaging part of a Materials & Methods section (:func:`methods_text`,
  :func:`dataset_methods`).
"""

from imagesteward.describe._checks import check_document, resolve_term
from imagesteward.describe._completeness import (
    TIERS,
    Completeness,
    MissingField,
    TierScore,
    dataset_completeness,
    image_completeness,
    study_completeness,
)
from imagesteward.describe._describe import (
    DescribeResult,
    annotate_images,
    describe_study,
    read_document,
    refuse,
)
from imagesteward.describe._form import FormField, form_fields
from imagesteward.describe._methods import MethodsText, dataset_methods, methods_text
from imagesteward.describe._project import ProjectCompleteness, project_completeness
from imagesteward.describe._search_scores import score_for_search, search_tier
from imagesteward.describe._sheet import SheetImport, SheetProblem, export_sheet, import_sheet
from imagesteward.describe._templates import (
    Template,
    get_template,
    list_templates,
    missing_asks,
    template_form,
)

__all__ = [
    "TIERS",
    "Completeness",
    "DescribeResult",
    "FormField",
    "MethodsText",
    "MissingField",
    "ProjectCompleteness",
    "SheetImport",
    "SheetProblem",
    "Template",
    "TierScore",
    "annotate_images",
    "check_document",
    "dataset_completeness",
    "dataset_methods",
    "describe_study",
    "export_sheet",
    "form_fields",
    "get_template",
    "image_completeness",
    "import_sheet",
    "list_templates",
    "methods_text",
    "missing_asks",
    "project_completeness",
    "read_document",
    "refuse",
    "resolve_term",
    "score_for_search",
    "search_tier",
    "study_completeness",
    "template_form",
]
