"""The command line: steward ontology, pid, describe and completeness."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from imagesteward.cli import app
from imagesteward.config import CONFIG_FILENAME
from imagesteward.installation import open_installation
from tests.ontology.test_02_load import OBO

runner = CliRunner()


def steward(*args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr, whitespace runs collapsed (Rich wraps long lines)."""
    result = runner.invoke(app, list(args))
    return result.exit_code, " ".join(result.stdout.split()), " ".join(result.stderr.split())


def test_ontology_search_show_and_list(demo_site: Path) -> None:
    code, out, _ = steward("--home", str(demo_site), "ontology", "search", "zebra fish")
    assert code == 0 and "NCBITaxon:7955" in out and "Danio rerio" in out
    code, out, _ = steward("ontology", "search", "confoc", "--ontology", "FBbi", "--json")
    items = json.loads(out)["items"]
    assert code == 0 and items[0]["id"] == "FBbi:00000251"
    assert {item["ontology"] for item in items} == {"FBbi"}
    code, out, _ = steward("ontology", "search", "qwertyuiop")
    assert code == 0 and "no term matches 'qwertyuiop'" in out
    code, out, _ = steward("ontology", "show", "FBbi:00000246", "--json")
    shown = json.loads(out)
    assert shown["label"] == "fluorescence microscopy"
    assert "FBbi:00000253" in shown["descendants"]
    code, _, err = steward("ontology", "show", "FBbi:99999999")
    assert code == 2 and "FBbi:99999999 is not a term of the loaded ontologies" in err
    code, out, _ = steward("ontology", "list")
    assert code == 0 and "NCBITaxon" in out and "shipped" in out


def test_ontology_load_into_an_installation(tmp_path: Path) -> None:
    # Loading an ontology needs the installation directory only, not its catalog or store.
    home = tmp_path / "site"
    home.mkdir()
    (home / CONFIG_FILENAME).write_text("", encoding="utf-8")
    release = tmp_path / "fbbi.obo"
    release.write_text(OBO, encoding="utf-8")
    code, out, _ = steward("--home", str(home), "ontology", "load", str(release))
    assert code == 0, out
    assert "loaded 4 FBbi terms (version releases/2026-01-15) from fbbi.obo" in out
    code, out, _ = steward("--home", str(home), "ontology", "search", "LLSM", "--json")
    assert json.loads(out)["items"][0]["id"] == "FBbi:09990001"
    code, _, err = steward("--home", str(home), "ontology", "load", str(tmp_path / "no.obo"))
    assert code == 2 and "no such ontology file" in err


def test_pid_check_normalises_and_fails_on_bad_check_digits() -> None:
    code, out, _ = steward("pid", "check", "orcid.org/0000-0002-1825-0097", "rrid:ab_2298772")
    assert code == 0
    assert "ORCID https://orcid.org/0000-0002-1825-0097" in out
    assert "RRID RRID:AB_2298772" in out
    code, out, err = steward("pid", "check", "0000-0002-1825-0096", "05dxps055")
    assert code == 1
    assert "ORCID 0000-0002-1825-0096 has a wrong check digit: expected 7" in err
    assert "https://ror.org/05dxps055" in out
    code, out, _ = steward("pid", "check", "--scheme", "DOI", "10.1038/x", "--json")
    assert json.loads(out)["items"][0]["canonical"] == "https://doi.org/10.1038/x"


def test_describe_a_project_from_a_template_form(demo_copy: Path, tmp_path: Path) -> None:
    home = ("--home", str(demo_copy))
    code, out, _ = steward("describe", "templates")
    assert code == 0 and "whole-slide-histology" in out
    form = tmp_path / "study.yaml"
    code, out, _ = steward("describe", "template", "whole-slide-histology", "--out", str(form))
    assert code == 0 and f"wrote {form}" in out
    text = form.read_text(encoding="utf-8")
    text = text.replace("title:  #", "title: Colon morphology  #", 1)
    text = text.replace("    organism:  #", "    organism: Homo sapiens  #", 1)
    text = text.replace("    anatomical_entity:  #", "    anatomical_entity: large intestine  #", 1)
    form.write_text(text, encoding="utf-8")
    # The demo's slide refers to the study's biosample and specimen; a study started over from
    # a template must not leave it pointing at nothing, so it is let go of them first.
    with open_installation(demo_copy) as installation:
        (image,) = installation.catalog.list_images(project="Demo: histology").items
    code, out, _ = steward(
        *home,
        "describe",
        "annotate",
        image.uuid,
        "--set",
        "biosample_ref=null",
        "--set",
        "specimen_ref=null",
    )
    assert code == 0, out
    code, out, _ = steward(*home, "describe", "study", "Demo: histology", str(form), "--dry-run")
    assert code == 0 and "would save the study of 'Demo: histology'" in out
    code, out, _ = steward(
        *home, "describe", "study", "Demo: histology", str(form), "-t", "whole-slide-histology"
    )
    assert code == 0 and "saved the study of 'Demo: histology' (revision 2)" in out
    assert "still to fill: authors - People who made the data" in out
    assert "still to fill: biosamples[0].organism" not in out
    # A wrong term is refused with its path; every problem is listed.
    form.write_text(text.replace("organism: Homo sapiens", "organism: GO:0005634"))
    code, _, err = steward(*home, "describe", "study", "Demo: histology", str(form))
    assert code == 2 and "biosamples[0].organism" in err and "GO term" in err


def test_sheet_annotate_methods_and_completeness(demo_copy: Path, tmp_path: Path) -> None:
    home = ("--home", str(demo_copy))
    sheet = tmp_path / "images.tsv"
    code, out, _ = steward(*home, "describe", "export", "Demo: cell biology", str(sheet))
    assert code == 0 and "wrote 8 image row(s)" in out
    with sheet.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream, delimiter="\t"))
    header = rows[0]
    orcid, method = (
        header.index(c) for c in ("acquisition.operator.orcid", "acquisition.imaging_method")
    )
    kept = (rows[2][orcid], rows[3][method])
    rows[1][header.index("acquisition.co2_percent")] = "5"
    rows[2][orcid] = "0000-0002-1825-0091"
    rows[3][method] = "GO:0005634"
    with sheet.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream, delimiter="\t", lineterminator="\n").writerows(rows)
    code, _, err = steward(*home, "describe", "import", str(sheet))
    assert code == 2 and "2 problem(s)" in err
    assert "row 3, column acquisition.operator.orcid: ORCID" in err
    assert "row 4, column acquisition.imaging_method: GO:0005634 (nucleus) is a GO term" in err
    rows[2][orcid], rows[3][method] = kept
    with sheet.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream, delimiter="\t", lineterminator="\n").writerows(rows)
    code, out, _ = steward(*home, "describe", "import", str(sheet), "--by", "dana")
    assert code == 0 and "read 8 row(s); changed 1 field(s) of 1 image(s)" in out

    uuid = rows[1][0]
    code, out, _ = steward(
        *home, "describe", "annotate", uuid, "--set", "acquisition.temperature=21"
    )
    assert code == 0 and "changed 1 image(s)" in out
    code, _, err = steward(*home, "describe", "annotate", uuid, "--set", "nonsense")
    assert code == 2 and "expected FIELD=VALUE" in err

    code, out, _ = steward(*home, "describe", "methods", "Demo: histology", "--markdown")
    assert code == 0 and out.startswith("### Image acquisition One image was acquired on an")
    code, out, _ = steward(*home, "completeness", "--project", "Demo: histology")
    assert code == 0 and "up to tier 2 (what publication requires): incomplete" in out
    assert "tier 2 facility: study document, field facility" in out
    code, out, _ = steward(*home, "completeness", uuid, "--json")
    data = json.loads(out)
    assert code == 0 and data["kind"] == "image" and data["subject"] == uuid
    code, _, err = steward(*home, "completeness")
    assert code == 2 and "give either an IMAGE or --project" in err
