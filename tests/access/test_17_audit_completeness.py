"""The audit log records ingest, metadata edits, downloads, logins and token use; it exports.

Each test does the thing through the interface a person would use (ingest, the API, the
command line) and then reads the log back through ``steward audit`` or the API.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import tifffile
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from imagesteward.access import FacilityRole, Scope, Visibility
from imagesteward.catalog import AccessCatalog, Catalog, ImageAnnotation, access_catalog
from imagesteward.catalog._sqltypes import utcnow
from imagesteward.cli import app as cli
from imagesteward.config import load_settings
from imagesteward.ingest import IngestOptions, ingest_paths
from imagesteward.installation import init_installation, open_installation
from imagesteward.server import build_app
from tests.catalog.factories import bare_image, fileset
from tests.catalog.test_08_studies import study

PASSWORD = "a long and quiet river"
FLUORESCENCE = {"term_id": "FBbi:00000246", "label": "fluorescence microscopy"}


def test_catalog_writes_of_filesets_are_audited(catalog: Catalog, access: AccessCatalog) -> None:
    record = catalog.add_fileset(fileset("/data/b.tif", images=[bare_image()], dataset="b"))
    (batch,) = catalog.add_filesets([fileset("/data/c.tif", images=[bare_image()], dataset="c")])
    events = access.audit_events(action="ingest")
    targets = {e.target: e for e in events}
    assert {"dataset:Mitosis/b", "dataset:Mitosis/c"} <= set(targets)
    event = targets["dataset:Mitosis/b"]
    assert event.actor == "facility-admin"
    assert event.details is not None
    assert event.details["fileset"] == record.id
    assert event.details["files"] == [{"path": "/data/b.tif", "sha256": record.files[0].sha256}]
    assert event.details["images"] == list(record.image_uuids)
    assert event.remote is not None
    assert event.remote.startswith("ingest@")
    assert not isinstance(batch, Exception)


def test_a_refused_fileset_leaves_no_ingest_event(catalog: Catalog, access: AccessCatalog) -> None:
    before = len(access.audit_events(action="ingest", limit=None))
    again = fileset("Mitosis/hela.tif", images=[bare_image()], project="Mitosis", dataset="hela")
    with pytest.raises(Exception, match="already"):
        catalog.add_fileset(again)
    assert len(access.audit_events(action="ingest", limit=None)) == before


def test_metadata_edits_are_audited_with_editor_and_reason(
    catalog: Catalog, access: AccessCatalog
) -> None:
    record = catalog.add_fileset(fileset("/data/a.czi", images=[bare_image()], dataset="d"))
    catalog.save_study("Mitosis", study(), by="ada", reason="first description")
    (uuid,) = record.image_uuids
    catalog.annotate_images(
        [ImageAnnotation(uuid, {"acquisition.imaging_method": FLUORESCENCE})],
        by="ada",
        reason="method from the notebook",
    )
    catalog.annotate_images(
        [ImageAnnotation(uuid, {"acquisition.objective.lens_na": 1.4})], by="bob", dry_run=True
    )
    (annotated,) = access.audit_events(action="metadata.annotate")
    assert annotated.actor == "ada"
    assert annotated.target == "project:Mitosis"
    assert annotated.details == {
        "images": [uuid], "fields": ["acquisition.imaging_method"],
        "reason": "method from the notebook",
    }  # fmt: skip
    (described,) = access.audit_events(action="metadata.study")
    assert described.actor == "ada"
    assert described.details is not None
    assert described.details["reason"] == "first description"
    # A dry run writes nothing, so it is not in the log either.
    assert access.audit_events(actor="bob") == []


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Path, TestClient, str]]:
    """One really ingested TIFF (owned by alice), served under access control."""
    home = tmp_path / "site"
    init_installation(home)
    source = tmp_path / "cells.tif"
    tifffile.imwrite(source, np.arange(64 * 64, dtype=np.uint16).reshape(64, 64))
    with open_installation(home) as installation:
        options = IngestOptions(project="Lab", dataset="d", user="ingest-bot", convert=False)
        report = ingest_paths([source], installation, options)
        assert report.exit_code == 0, report.outcomes
        (image,) = installation.catalog.list_images(dataset="d").items
        sha256 = installation.catalog.image_files(image.id)[0].sha256
        access = access_catalog(installation.catalog)
        access.add_user("alice", password=PASSWORD)
        access.add_user("root", password=PASSWORD, role=FacilityRole.ADMIN)
        access.assign("Lab", owner="alice")
    with TestClient(build_app(load_settings(home, access_control=True))) as client:
        yield home, client, sha256


def _admin(client: TestClient) -> dict[str, str]:
    access = client.app.state.access  # type: ignore[attr-defined]
    _, token = access.create_token("root", Scope.ADMIN)
    return {"Authorization": f"Bearer {token}"}


def test_ingest_downloads_logins_and_token_use_are_audited_and_served(
    site: tuple[Path, TestClient, str],
) -> None:
    _, client, sha256 = site
    assert client.post("/api/v1/session", json={"username": "alice", "password": "x"}).is_error
    assert client.post("/api/v1/session", json={"username": "nobody", "password": "x"}).is_error
    access = client.app.state.access  # type: ignore[attr-defined]
    _, token = access.create_token("alice", Scope.READ)
    alice = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/originals/{sha256}"
    assert client.get(url, headers=alice).status_code == 200
    # Later pieces of the same transfer, HEAD and revalidation are not new downloads...
    assert client.get(url, headers={**alice, "Range": "bytes=100-199"}).status_code == 206
    assert client.head(url, headers=alice).status_code == 200
    etag = client.get(url, headers=alice).headers["etag"]  # ...but a second full GET is
    assert client.get(url, headers={**alice, "If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={**alice, "Range": "bytes=0-99"}).status_code == 206

    admin = _admin(client)
    answer = client.get("/api/v1/audit", params={"limit": 1000}, headers=admin)
    assert answer.status_code == 200, answer.text
    events = answer.json()["items"]
    downloads = [e for e in events if e["action"] == "download.original"]
    assert [(e["actor"], e["target"], e["details"]["partial"]) for e in downloads] == [
        ("alice", f"original:{sha256}", True), ("alice", f"original:{sha256}", False),
        ("alice", f"original:{sha256}", False),
    ]  # fmt: skip
    assert all(e["remote"] == "testclient" for e in downloads)
    logins = [(e["actor"], e["outcome"]) for e in events if e["action"] == "login"]
    assert sorted(logins) == [("alice", "denied"), ("nobody", "denied")]
    uses = [e for e in events if e["action"] == "token.use"]
    assert {e["target"] for e in uses} == {f"token:{token.split('_')[1]}"} | {
        e["target"] for e in uses if e["actor"] == "root"
    }
    assert sum(e["actor"] == "alice" for e in uses) == 1  # first use; then once an hour
    (ingest,) = [e for e in events if e["action"] == "ingest"]
    assert ingest["actor"] == "ingest-bot"
    assert ingest["details"]["files"][0]["sha256"] == sha256
    assert ingest["details"]["files"][0]["path"].endswith("cells.tif")

    # The export serves the same events, oldest first, as JSON Lines or CSV.
    jsonl = client.get("/api/v1/audit/export", params={"format": "jsonl"}, headers=admin)
    assert jsonl.status_code == 200
    assert jsonl.headers["content-type"].startswith("application/jsonl")
    exported = [json.loads(line) for line in jsonl.text.splitlines()]
    assert [e["id"] for e in exported] == sorted(e["id"] for e in exported)
    assert {e["id"] for e in events} <= {e["id"] for e in exported}
    table = client.get("/api/v1/audit/export", params={"format": "csv"}, headers=admin)
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert [int(r["id"]) for r in rows] == [e["id"] for e in exported]
    downloaded = [r for r in rows if r["action"] == "download.original"]
    assert json.loads(downloaded[0]["details"]) == {"name": "cells.tif", "partial": False}
    # Only facility administrators may export.
    refused = client.get("/api/v1/audit/export", headers=alice)
    assert refused.status_code == 403


def test_steward_audit_exports_csv_and_jsonl(site: tuple[Path, TestClient, str]) -> None:
    home, _, sha256 = site
    runner = CliRunner()
    jsonl = runner.invoke(cli, ["--home", str(home), "audit", "--jsonl", "-n", "0"])
    assert jsonl.exit_code == 0, jsonl.output
    actions = [json.loads(line)["action"] for line in jsonl.stdout.splitlines()]
    assert actions[0] == "ingest"  # oldest first
    assert "user.add" in actions
    table = runner.invoke(cli, ["--home", str(home), "audit", "--csv", "--action", "ingest"])
    assert table.exit_code == 0, table.output
    (row,) = csv.DictReader(io.StringIO(table.stdout))
    assert row["actor"] == "ingest-bot"
    assert sha256 in row["details"]
    both = runner.invoke(cli, ["--home", str(home), "audit", "--csv", "--jsonl"])
    assert both.exit_code != 0


def test_reviewer_link_use_is_audited_first_then_hourly(access: AccessCatalog) -> None:
    access.set_visibility("Mitosis", "hela", visibility=Visibility.EMBARGOED, event="publication")
    _, link = access.create_reviewer_link("Mitosis", "hela", expires_in=timedelta(days=30))
    start = utcnow()
    for minutes in (0, 10, 59, 61):
        access.authenticate_reviewer_link(
            link, remote="192.0.2.7", now=start + timedelta(minutes=minutes)
        )
    uses = access.audit_events(action="reviewer-link.use")
    assert [e.at for e in reversed(uses)] == [start, start + timedelta(minutes=61)]
    assert {(e.actor, e.target, e.remote) for e in uses} == {
        (None, f"reviewer-link:{link.split('_')[1]}", "192.0.2.7")
    }
    assert all(link.split("_", 2)[2] not in json.dumps(e.details) for e in uses)
