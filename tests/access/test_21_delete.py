"""Removing images and datasets: the policy's ``delete``, gone from every path, audited, and
a purge that frees only the bytes no live record refers to.

Real images, ingested and converted, so metadata, files, originals, thumbnails, tiles,
OME-Zarr keys and search are the real paths.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from imagesteward.access import FacilityRole, GroupLevel, Scope, Visibility
from imagesteward.catalog import ImageAnnotation, access_catalog, open_catalog, removal_catalog
from imagesteward.cli import app as cli
from imagesteward.config import load_settings
from imagesteward.errors import MetadataValidationError, NotFoundError
from imagesteward.ingest import IngestOptions, ingest_paths
from imagesteward.installation import init_installation, open_installation, purge_removed
from imagesteward.server import build_app
from tests.catalog.factories import bare_image, fileset
from tests.samples import small_ome_tiff

PASSWORD = "a long and quiet river"
API = "/api/v1"


@dataclass
class Site:
    home: Path
    client: TestClient
    headers: dict[str, dict[str, str]]
    images: dict[str, str]  # image name -> uuid
    digests: dict[str, str]  # image name -> sha256 of its original


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    home = init_installation(tmp_path / "site").home
    images: dict[str, str] = {}
    digests: dict[str, str] = {}
    with open_installation(home) as installation:
        for seed, (project, dataset, name) in enumerate(
            (("Lab", "a", "keep"), ("Lab", "a", "gone"), ("Lab", "b", "other"),
             ("Open", "pub", "cited"))
        ):  # fmt: skip
            source = small_ome_tiff(tmp_path / f"{name}.ome.tif", seed)
            options = IngestOptions(project=project, dataset=dataset, convert=True)
            report = ingest_paths([source], installation, options)
            assert report.exit_code == 0, report.outcomes
        for record in installation.catalog.list_images().items:
            images[str(record.name)] = record.uuid
            (original,) = installation.catalog.image_files(record.id)
            digests[str(record.name)] = original.sha256
        access = access_catalog(installation.catalog)
        for user in ("alice", "rita", "eve"):
            access.add_user(user, password=PASSWORD)
        access.add_user("root", password=PASSWORD, role=FacilityRole.ADMIN)
        access.add_group("Readers", GroupLevel.READ_WRITE)
        access.add_member("Readers", "rita")
        access.assign("Lab", owner="alice", group="Readers")
        access.assign("Open", owner="alice")
        for part in (None, "pub"):
            access.set_visibility("Open", part, visibility=Visibility.PUBLIC)
        headers = {}
        for user, scope in (("alice", Scope.WRITE), ("rita", Scope.WRITE), ("eve", Scope.WRITE),
                            ("root", Scope.ADMIN)):  # fmt: skip
            _, token = access.create_token(user, scope, expires_in=timedelta(days=1))
            headers[user] = {"Authorization": f"Bearer {token}"}
    with TestClient(build_app(load_settings(home))) as client:
        yield Site(home, client, headers, images, digests)


def _data_paths(site: Site, name: str) -> list[str]:
    uuid = site.images[name]
    return [
        f"{API}/images/{uuid}", f"{API}/images/{uuid}/metadata", f"{API}/images/{uuid}/files",
        f"{API}/images/{uuid}/renditions", f"{API}/images/{uuid}/view",
        f"{API}/images/{uuid}/thumbnail.png", f"{API}/images/{uuid}/tiles/0/0/0/0/0.png",
        f"/zarr/{uuid}/zarr.json", f"{API}/originals/{site.digests[name]}",
        f"/images/{uuid}",
    ]  # fmt: skip


def _search(site: Site, who: str, text: str) -> set[tuple[str, str]]:
    answer = site.client.get(f"{API}/search", params={"q": text}, headers=site.headers[who])
    assert answer.status_code == 200, answer.text
    return {(hit["kind"], hit["title"]) for hit in answer.json()["hits"]}


def _facet(site: Site, who: str, facet: str, value: str) -> int:
    """The count of one facet value over every image the caller may see."""
    answer = site.client.get(f"{API}/search", params={"q": "kind:image"}, headers=site.headers[who])
    assert answer.status_code == 200, answer.text
    counts = {item["value"]: item["count"] for item in answer.json()["facets"].get(facet, [])}
    return int(counts.get(value, 0))


def test_the_owner_removes_an_image_and_every_path_forgets_it(site: Site) -> None:
    alice = site.headers["alice"]
    for path in _data_paths(site, "gone"):
        assert site.client.get(path, headers=alice).status_code == 200, path
    assert ("image", "gone") in _search(site, "alice", "gone")
    lab_images = _facet(site, "alice", "project", "Lab")
    uuid = site.images["gone"]

    # Who may not delete: the anonymous public and a stranger do not even see it (404); a
    # read-write member sees it but may not delete (403): deleting stays with owners.
    assert site.client.delete(f"{API}/images/{uuid}").status_code == 404
    assert (
        site.client.delete(f"{API}/images/{uuid}", headers=site.headers["eve"]).status_code == 404
    )
    refused = site.client.delete(f"{API}/images/{uuid}", headers=site.headers["rita"])
    assert refused.status_code == 403, refused.text
    assert site.client.get(f"{API}/images/{uuid}", headers=alice).status_code == 200

    answer = site.client.delete(f"{API}/images/{uuid}", headers=alice)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["target"], body["image_uuids"], body["removed_by"]) == (
        f"image:{uuid}", [uuid], "alice",
    )  # fmt: skip

    for path in _data_paths(site, "gone"):
        assert site.client.get(path, headers=alice).status_code == 404, path
    # Word for word what a UUID that never existed gets.
    gone = site.client.get(f"{API}/images/{uuid}", headers=alice).json()["detail"]
    assert gone == f"No image with UUID {uuid} in the catalog."
    assert site.client.get(f"{API}/images/{uuid}", headers=site.headers["root"]).status_code == 404
    listed = site.client.get(f"{API}/images", params={"project": "Lab"}, headers=alice).json()
    assert uuid not in {i["uuid"] for i in listed["items"]}
    assert ("image", "gone") not in _search(site, "alice", "gone")
    assert _facet(site, "alice", "project", "Lab") == lab_images - 1  # facet counts follow
    projects = site.client.get(f"{API}/projects", headers=alice).json()["items"]
    assert {p["name"]: p["image_count"] for p in projects}["Lab"] == 2
    # The other image of the dataset is untouched.
    for path in _data_paths(site, "keep"):
        assert site.client.get(path, headers=alice).status_code == 200, path
    assert site.client.delete(f"{API}/images/{uuid}", headers=alice).status_code == 404

    access = site.client.app.state.access  # type: ignore[attr-defined]
    (event,) = access.audit_events(action="image.remove")
    assert (event.actor, event.target, event.remote) == ("alice", f"image:{uuid}", "testclient")
    assert event.details["dataset"] == "a"


def test_the_owner_removes_a_dataset_and_its_name_is_free(site: Site) -> None:
    alice = site.headers["alice"]
    path = f"{API}/projects/Lab/datasets/b"
    access = site.client.app.state.access  # type: ignore[attr-defined]
    access.share("Lab", "b", user="eve")
    eve = access.authenticate_token(site.headers["eve"]["Authorization"].split()[1])
    assert [(i.project, i.dataset) for i in access.shared_with(eve)] == [("Lab", "b")]
    assert site.client.delete(path).status_code == 404
    assert site.client.delete(path, headers=site.headers["rita"]).status_code == 403
    answer = site.client.delete(path, headers=alice)
    assert answer.status_code == 200, answer.text
    assert answer.json()["image_uuids"] == [site.images["other"]]
    for data in _data_paths(site, "other"):
        assert site.client.get(data, headers=alice).status_code == 404, data
    datasets = site.client.get(f"{API}/datasets", params={"project": "Lab"}, headers=alice)
    assert [d["name"] for d in datasets.json()["items"]] == ["a"]
    assert site.client.get(f"{path}/access", headers=alice).status_code == 404
    assert site.client.get(f"{API}/images", params={"project": "Lab", "dataset": "b"},
                           headers=alice).status_code == 404  # fmt: skip
    assert not {hit for hit in _search(site, "alice", "other") if hit[1] in {"other", "b"}}
    assert site.client.delete(path, headers=alice).status_code == 404
    assert access.shared_with(eve) == []  # shared no more, and no tombstone name shown
    assert ("Lab", "b") not in access.visibility_views()
    (event,) = site.client.app.state.access.audit_events(action="dataset.remove")  # type: ignore[attr-defined]
    assert (event.actor, event.target) == ("alice", "dataset:Lab/b")
    # New data may be filed under the freed name.
    with open_installation(site.home) as installation:
        installation.catalog.add_fileset(fileset("new.tif", images=[bare_image()], project="Lab",
                                                 dataset="b"))  # fmt: skip
        assert [i.name for i in installation.catalog.list_images(project="Lab", dataset="b").items]


def test_public_data_is_removed_by_a_facility_administrator_only(site: Site) -> None:
    uuid = site.images["cited"]
    refused = site.client.delete(f"{API}/images/{uuid}", headers=site.headers["alice"])
    assert refused.status_code == 403, refused.text
    assert site.client.delete(f"{API}/images/{uuid}").status_code == 403  # sees it: public
    assert (
        site.client.delete(f"{API}/images/{uuid}", headers=site.headers["root"]).status_code == 200
    )
    assert site.client.get(f"{API}/images/{uuid}").status_code == 404


def test_without_access_control_the_server_removes_nothing(site: Site) -> None:
    uuid = site.images["gone"]
    with TestClient(build_app(load_settings(site.home, access_control=False))) as client:
        refused = client.delete(f"{API}/images/{uuid}")
        assert refused.status_code == 403
        assert "steward delete" in refused.json()["detail"]
        assert client.get(f"{API}/images/{uuid}").status_code == 200


def test_the_command_line_removes_and_purges_only_unreferenced_bytes(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # one line per message
    runner = CliRunner()
    home = str(site.home)
    uuid = site.images["gone"]
    result = runner.invoke(cli, ["--home", home, "delete", "image", uuid, "--yes"])
    assert result.exit_code == 0, result.output
    assert f"removed image:{uuid}" in result.output
    result = runner.invoke(cli, ["--home", home, "delete", "image", uuid, "--yes"])
    assert result.exit_code != 0  # already removed: not found
    with open_installation(site.home) as installation:
        store = installation.store
        kept = installation.catalog.get_image(site.images["keep"])
        kept_rendition = installation.catalog.renditions(kept.id)[0].url
        assert store.has(site.digests["gone"])
    dry = runner.invoke(cli, ["--home", home, "store", "purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"would delete original gone.ome.tif sha256:{site.digests['gone']}" in dry.output
    assert "1 original(s)" in dry.output and "1 rendition(s) would be deleted" in dry.output
    with open_installation(site.home) as installation:
        assert installation.store.has(site.digests["gone"])  # a dry run deletes nothing
    done = runner.invoke(cli, ["--home", home, "store", "purge"])
    assert done.exit_code == 0, done.output
    with open_installation(site.home) as installation:
        store = installation.store
        assert not store.has(site.digests["gone"])
        for name in ("keep", "other", "cited"):
            assert store.has(site.digests[name]), name
            store.verify(site.digests[name])
        assert Path(kept_rendition).is_dir()
        events = access_catalog(installation.catalog).audit_events(action="store.purge")
        details = dict(events[0].details or {})
        assert details["originals"] == [site.digests["gone"]]
        assert len(details["renditions"]) == 1 and details["freed_bytes"] > 0
    # The image still live is served as before; nothing is left to purge.
    keep = site.images["keep"]
    assert (
        site.client.get(f"/zarr/{keep}/zarr.json", headers=site.headers["alice"]).status_code == 200
    )
    again = runner.invoke(cli, ["--home", home, "store", "purge"])
    assert "0 original(s) (0 bytes) and 0 rendition(s) deleted" in again.output
    # A dataset from the command line: asked first (no answer: nothing removed), then --yes.
    asked = runner.invoke(cli, ["--home", home, "delete", "dataset", "Lab", "b"], input="n\n")
    assert asked.exit_code != 0
    assert site.client.get(f"{API}/images/{site.images['other']}",
                           headers=site.headers["alice"]).status_code == 200  # fmt: skip
    result = runner.invoke(cli, ["--home", home, "delete", "dataset", "Lab", "b", "--yes"])
    assert result.exit_code == 0, result.output
    assert "removed dataset:Lab/b (1 image)" in result.output
    dry = runner.invoke(cli, ["--home", home, "store", "purge", "--dry-run"])
    assert f"sha256:{site.digests['other']}" in dry.output
    # Undone before any purge: back on every path, and no longer a purge candidate.
    result = runner.invoke(cli, ["--home", home, "restore", "dataset", "Lab", "b"])
    assert result.exit_code == 0, result.output
    assert "restored dataset:Lab/b (1 image)" in result.output
    other = site.images["other"]
    assert (
        site.client.get(f"/zarr/{other}/zarr.json", headers=site.headers["alice"]).status_code
        == 200
    )
    assert ("image", "other") in _search(site, "alice", "other")
    dry = runner.invoke(cli, ["--home", home, "store", "purge", "--dry-run"])
    assert site.digests["other"] not in dry.output
    # A purged image cannot come back through restore's promise: its bytes are gone, so the
    # operator is told it is removed in a live dataset and may be restored only as a record.
    assert (
        runner.invoke(cli, ["--home", home, "restore", "image", site.images["keep"]]).exit_code != 0
    )


def test_an_original_shared_with_a_live_image_is_never_a_purge_candidate(tmp_path: Path) -> None:
    settings = init_installation(tmp_path / "site")
    catalog = open_catalog(settings.catalog_url)
    try:
        record = catalog.add_fileset(
            fileset("two-series.czi", images=[bare_image(0), bare_image(1)], project="P",
                    dataset="d")
        )  # fmt: skip
        first, second = (image.uuid for image in record.images)
        removals = removal_catalog(catalog)
        removals.remove_image(first)
        assert removals.purge_candidates().originals == ()  # the second series still needs it
        with pytest.raises((NotFoundError, MetadataValidationError)):  # not found, not editable
            catalog.annotate_images([ImageAnnotation(first, {"name": "renamed"})])
        catalog.annotate_images([ImageAnnotation(second, {"name": "renamed"})])
        removals.remove_image(second)
        candidates = removals.purge_candidates().originals
        assert {c.sha256 for c in candidates} == {f.sha256 for f in record.files}
    finally:
        catalog.dispose()


def test_with_nothing_removed_a_purge_finds_nothing(site: Site) -> None:
    with open_installation(site.home) as installation:
        report = purge_removed(installation, dry_run=True)
    assert report.originals == [] and report.renditions == []
