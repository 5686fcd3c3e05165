"""Study templates: real terms, paths of the schema, forms that read back as studies."""

from __future__ import annotations

import pytest
import yaml

from imagesteward import model
from imagesteward.describe import (
    check_document,
    get_template,
    list_templates,
    missing_asks,
    template_form,
)
from imagesteward.describe._fields import resolve_path
from imagesteward.describe._templates import prune
from imagesteward.errors import NotFoundError
from imagesteward.ontology import OntologyIndex

#: The study types issue 6 names, each with the imaging method it fixes.
EXPECTED = {
    "fixed-cell-widefield": "FBbi:00000246",
    "live-confocal-timelapse": "FBbi:00000251",
    "light-sheet": "FBbi:00000369",
    "whole-slide-histology": "FBbi:00000243",
    "volume-em": "FBbi:00000257",
    "multiplexed-tissue-miti": "FBbi:00000246",
}


def test_the_shipped_templates() -> None:
    assert [t.name for t in list_templates()] == sorted(EXPECTED)
    with pytest.raises(NotFoundError, match=r"No study template 'nope'.*light-sheet"):
        get_template("nope")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_template_facts_are_real_terms_and_paths_exist(name: str, index: OntologyIndex) -> None:
    template = get_template(name)
    assert "REMBI" in template.follows and template.summary
    checked, problems = check_document(index, model.Study, template.study, target="study")
    assert problems == []
    assert checked["study_components"][0]["imaging_method"]["term_id"] == EXPECTED[name]
    for ask in template.asks:
        resolve_path(model.Study, ask.path)  # raises for a path the schema does not have
    for ask in template.image_fields:
        resolve_path(model.Image, ask.path)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_filled_form_is_a_valid_study(name: str, index: OntologyIndex) -> None:
    template = get_template(name)
    form = template_form(template, index)
    assert form.startswith(f"# {template.title} - imagesteward study template {name!r}")
    assert "title:  # tier 1: Title of the study" in form
    data = yaml.safe_load(form)
    # Asked fields are present and empty, the fixed facts are filled with their labels.
    assert data["title"] is None
    method = data["study_components"][0]["imaging_method"]
    assert method == {"term_id": EXPECTED[name], "label": index.get(EXPECTED[name]).label}
    unfilled = prune(data)
    assert {ask.path for ask in missing_asks(template, unfilled)} == {
        ask.path for ask in template.asks if ask.path not in _filled_by_template(name)
    }
    unfilled["title"] = "A study"
    checked, problems = check_document(index, model.Study, unfilled, target="study")
    assert problems == []
    model.Study.model_validate(checked)


def _filled_by_template(name: str) -> set[str]:
    # The volume-EM template fixes a generic method and asks to refine it.
    return {"study_components[0].imaging_method"} if name == "volume-em" else set()
