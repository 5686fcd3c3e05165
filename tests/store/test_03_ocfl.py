"""The OCFL storage root: declaration, layout, object paths and names."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from imagesteward.errors import StoreError
from imagesteward.store import ObjectStore
from imagesteward.store._ocfl import object_relpath, sanitise_name
from tests.store.ocfl_oracle import assert_valid_ocfl, oracle_layout_path, validate_objects


def test_root_declaration_and_layout(store: ObjectStore) -> None:
    root = store.root
    assert (root / "0=ocfl_1.1").read_text() == "ocfl_1.1\n"
    layout = json.loads((root / "ocfl_layout.json").read_text())
    assert layout["extension"] == "0003-hash-and-id-n-tuple-storage-layout"
    config = json.loads((root / "extensions" / layout["extension"] / "config.json").read_text())
    assert config == {
        "digestAlgorithm": "sha256",
        "extensionName": layout["extension"],
        "numberOfTuples": 2,
        "tupleSize": 2,
    }
    assert sorted(p.name for p in root.iterdir()) == [
        "0=ocfl_1.1",
        "extensions",
        "ocfl_layout.json",
    ]


def test_object_path_follows_extension_0003() -> None:
    digest = "ab" * 32
    hashed = hashlib.sha256(f"sha256:{digest}".encode()).hexdigest()
    assert object_relpath(digest) == f"{hashed[:2]}/{hashed[2:4]}/sha256%3a{digest}"


def test_object_path_agrees_with_ocfl_py(
    store: ObjectStore, make_file: Callable[..., Path]
) -> None:
    with store.writer_lock():
        txn = store.begin({})
        stored = txn.add(store.stage_file(make_file("a.tif", 1000)))
        txn.finish({})
    relpath = oracle_layout_path(store.root, stored.object_id)
    assert store.root / relpath == stored.path.parents[2]


def test_store_with_objects_is_valid_ocfl(
    store: ObjectStore, make_file: Callable[..., Path], corpus: Path
) -> None:
    with store.writer_lock():
        txn = store.begin({"user": {"name": "A. Curator", "address": "mailto:a@example.org"}})
        txn.add(store.stage_file(make_file("image.czi", 200_000)))
        txn.add(store.stage_tree(corpus / "ome-zarr" / "cyx_uint8.ome.zarr"))
        txn.add_bytes(b"<OME/>", "image.ome.xml", "application/xml")
        txn.finish({})
    assert_valid_ocfl(store.root)


def test_inventory_sidecar_verifies_with_sha256sum_format(
    store: ObjectStore, make_file: Callable[..., Path]
) -> None:
    with store.writer_lock():
        txn = store.begin({})
        stored = txn.add(store.stage_file(make_file("a.nd2", 10)))
        txn.finish({})
    obj = stored.path.parents[2]
    recorded, name = (obj / "inventory.json.sha256").read_text().split()
    assert name == "inventory.json"
    assert recorded == hashlib.sha256((obj / "inventory.json").read_bytes()).hexdigest()
    inventory = json.loads((obj / "inventory.json").read_text())
    assert inventory["id"] == f"sha256:{stored.digest}"
    assert inventory["manifest"] == {stored.digest: ["v1/content/a.nd2"]}
    assert (obj / "v1" / "inventory.json").read_bytes() == (obj / "inventory.json").read_bytes()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("plain.ome.tif", "plain.ome.tif"),
        ("a/b\\c", "a_b_c"),
        ("tab\there", "tab_here"),
        ("..", "original"),
        ("", "original"),
        ("  spaced.czi  ", "spaced.czi"),
        ("Zellkern µm.lif", "Zellkern µm.lif"),
        ("caf\udce9.tif", "caf\ufffd.tif"),
    ],
)
def test_sanitise_name(name: str, expected: str) -> None:
    assert sanitise_name(name) == expected


def test_sanitise_long_name_keeps_extension() -> None:
    name = "é" * 300 + ".ome.tiff"
    clean = sanitise_name(name)
    assert clean.endswith(".tiff")
    assert len(clean.encode()) <= 255


def test_initialise_refuses_foreign_directory(tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_text("not a store")
    with pytest.raises(StoreError, match="not empty and is not an imagesteward store"):
        ObjectStore(tmp_path).initialise()


def test_initialise_refuses_foreign_ocfl_root(tmp_path: Path) -> None:
    (tmp_path / "0=ocfl_1.1").write_text("ocfl_1.1\n")
    with pytest.raises(StoreError, match="OCFL storage root not created by imagesteward"):
        ObjectStore(tmp_path).initialise()


def test_initialise_is_idempotent(store: ObjectStore) -> None:
    before = sorted(str(p.relative_to(store.root)) for p in store.root.rglob("*"))
    store.initialise()
    assert sorted(str(p.relative_to(store.root)) for p in store.root.rglob("*")) == before
    assert store.is_initialised()


def test_uninitialised_store_says_what_to_do(tmp_path: Path) -> None:
    fresh = ObjectStore(tmp_path / "nowhere")
    assert not fresh.is_initialised()
    with pytest.raises(StoreError, match="has not been initialised"):
        fresh.stage_file(tmp_path / "x")


def test_oracle_rejects_a_damaged_object(
    store: ObjectStore, make_file: Callable[..., Path]
) -> None:
    # Proves assert_valid_ocfl can fail: a flipped byte must be caught by the object check.
    with store.writer_lock():
        txn = store.begin({})
        stored = txn.add(store.stage_file(make_file("a.tif", 5000)))
        txn.finish({})
    stored.path.chmod(0o644)
    data = bytearray(stored.path.read_bytes())
    data[100] ^= 0xFF
    stored.path.write_bytes(bytes(data))
    result = validate_objects([stored.path.parents[2]])
    assert result.returncode == 1
    assert "E092" in result.stdout
    with pytest.raises(AssertionError, match="OCFL object rejected"):
        assert_valid_ocfl(store.root)
