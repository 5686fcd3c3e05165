"""The LinkML schema is the source of truth: complete, consistent, and what the code runs on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ValidationError

from imagesteward import model
from imagesteward.model import tiers
from imagesteward.schema import SCHEMA_RESOURCE, json_schema, jsonld_context

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = Path(__file__).parent / "examples"
SCHEMA_PATH = Path(str(SCHEMA_RESOURCE))
PID_SLOTS = {
    "orcid": "ORCID",
    "ror": "ROR",
    "rrid": "RRID",
    "antibody_rrid": "RRID",
    "doi": "DOI",
    "related_publications": "DOI",
    "pidinst": "PIDINST",
}


def _schema_view() -> Any:
    from linkml_runtime.utils.schemaview import SchemaView

    return SchemaView(str(SCHEMA_PATH))


def _examples(kind: str) -> list[Path]:
    return sorted((EXAMPLES / kind).glob("*.yaml"))


def _target(path: Path) -> str:
    return path.name.split("-", 1)[0]


def test_every_slot_has_a_description_and_a_tier() -> None:
    view = _schema_view()
    problems = []
    for class_name in view.all_classes():
        for slot in view.class_induced_slots(class_name):
            where = f"{class_name}.{slot.name}"
            if not (slot.description or "").strip():
                problems.append(f"{where}: no description")
            # LinkML annotations are a JsonObj, which has no .get()
            tier = slot.annotations["tier"] if "tier" in slot.annotations else None  # noqa: SIM401
            if tier is None or int(tier.value) not in (1, 2, 3):
                problems.append(f"{where}: tier must be 1, 2 or 3, got {tier}")
    assert not problems, "\n".join(problems)


def test_ontology_bound_slots_name_their_ontology() -> None:
    view = _schema_view()
    term_classes = set(view.class_descendants("OntologyTerm", reflexive=False))
    for slot_name in view.all_slots():
        slot = view.get_slot(slot_name)
        if slot.range in term_classes:
            assert "ontology" in slot.annotations, (
                f"{slot_name} binds {slot.range} without naming it"
            )
            prefix = str(slot.annotations["ontology"].value).split("|")[0]
            pattern = view.induced_slot("term_id", slot.range).pattern
            assert pattern and prefix in pattern, f"{slot_name}: {prefix} not enforced by {pattern}"


def test_pid_slots_name_their_scheme() -> None:
    view = _schema_view()
    for slot_name, scheme in PID_SLOTS.items():
        slot = view.get_slot(slot_name)
        assert slot.annotations["pid_scheme"].value == scheme
        assert slot.pattern, f"{slot_name} must constrain its syntax"


def test_generated_classes_carry_the_tiers() -> None:
    assert tiers.slot_tier(model.Image, "size_x") == 1
    assert tiers.slot_tier(model.Image, "physical_size_z") == 2
    assert tiers.slot_tier(model.Image, "capture_notes") == 3
    assert tiers.slot_annotation(model.Biosample, "organism", "ontology") == "NCBITaxon"
    assert tiers.slot_annotation(model.Person, "orcid", "pid_scheme") == "ORCID"
    assert set(tiers.tiered_slots(model.Objective).values()) <= {1, 2, 3}


@pytest.mark.parametrize("path", _examples("valid"), ids=lambda p: p.name)
def test_valid_examples_pass_linkml_and_the_generated_classes(path: Path) -> None:
    from linkml.validator import validate

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    report = validate(data, str(SCHEMA_PATH), target_class=_target(path), strict=False)
    assert not report.results, [r.message for r in report.results]
    cls: type[BaseModel] = getattr(model, _target(path))
    cls.model_validate(data)


@pytest.mark.parametrize("path", _examples("invalid"), ids=lambda p: p.name)
def test_invalid_examples_fail_linkml_and_the_generated_classes(path: Path) -> None:
    from linkml.validator import validate

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    report = validate(data, str(SCHEMA_PATH), target_class=_target(path), strict=False)
    assert report.results, f"LinkML accepted {path.name}"
    cls: type[BaseModel] = getattr(model, _target(path))
    with pytest.raises(ValidationError):
        cls.model_validate(data)


def test_generated_artefacts_match_the_schema() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "schema_build.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_generated_files_say_do_not_edit() -> None:
    generated = (ROOT / "src/imagesteward/model/_generated.py").read_text(encoding="utf-8")
    assert generated.startswith("# GENERATED") and "DO NOT EDIT" in generated.splitlines()[0]
    assert "DO NOT EDIT" in json_schema()["$comment"]
    assert "DO NOT EDIT" in jsonld_context()["_comment"]


def test_jsonld_context_maps_the_ontology_prefixes() -> None:
    context = jsonld_context()["@context"]
    for prefix in ("NCBITaxon", "FBbi", "CL", "UBERON", "GO", "CHEBI"):
        entry = context[prefix]
        iri = entry["@id"] if isinstance(entry, dict) else entry
        assert iri.startswith("http://purl.obolibrary.org/obo/")


def test_linkml_oracle_accepts_schema_and_examples(tmp_path: Path) -> None:
    """The external LinkML oracle (../shared/oracles/check_linkml.sh) agrees."""
    oracle = ROOT.parent / "shared" / "oracles" / "check_linkml.sh"
    oracles_dir = Path(os.environ.get("ORACLES_DIR", Path.home() / ".cache/imagesteward-oracles"))
    if not oracle.is_file() or not (oracles_dir / "venv" / "bin" / "linkml-validate").exists():
        pytest.fail(
            f"LinkML oracle not set up: run ORACLES_DIR={oracles_dir} bash {oracle.parent}/setup.sh"
        )
    for path in _examples("valid"):
        result = subprocess.run(
            ["bash", str(oracle), str(SCHEMA_PATH), str(path)],
            env={**os.environ, "ORACLES_DIR": str(oracles_dir), "LINKML_CLASS": _target(path)},
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
