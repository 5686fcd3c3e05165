"""Tree digests follow the corpus manifest's convention; unstorable trees are refused."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from imagesteward.errors import StoreError
from imagesteward.store import sha256_tree, tree_digest
from tests.store.conftest import ZARR

ZARRS = [ZARR, "ome-zarr/xyz_8bit__mitotic_plate_calibrated.ome.zarr"]


@pytest.mark.parametrize("relpath", ZARRS)
def test_tree_digest_matches_manifest(
    corpus: Path, manifest: dict[str, dict[str, Any]], relpath: str
) -> None:
    item = manifest[relpath]
    digest, size, files = sha256_tree(corpus / relpath)
    assert digest == item["sha256"]
    assert size == item["size"]
    assert files == {f["path"]: f["sha256"] for f in item["files"]}


def test_tree_digest_definition() -> None:
    files = {"b/x": "1" * 64, "a": "2" * 64}
    lines = f"a\0{'2' * 64}\nb/x\0{'1' * 64}\n"
    assert tree_digest(files) == hashlib.sha256(lines.encode()).hexdigest()


def test_empty_directories_do_not_count(tmp_path: Path) -> None:
    (tmp_path / "t" / "empty").mkdir(parents=True)
    (tmp_path / "t" / "f").write_bytes(b"x")
    digest, size, files = sha256_tree(tmp_path / "t")
    assert files == {"f": hashlib.sha256(b"x").hexdigest()}
    assert (digest, size) == (tree_digest(files), 1)


def test_symlink_in_tree_is_refused(tmp_path: Path) -> None:
    tree = tmp_path / "t.zarr"
    tree.mkdir()
    (tmp_path / "outside").write_bytes(b"secret")
    (tree / "link").symlink_to(tmp_path / "outside")
    with pytest.raises(StoreError, match=r"link is a symbolic link"):
        sha256_tree(tree)


def test_tree_without_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "t" / "sub").mkdir(parents=True)
    with pytest.raises(StoreError, match="holds no files"):
        sha256_tree(tmp_path / "t")


def test_line_break_in_name_is_refused(tmp_path: Path) -> None:
    tree = tmp_path / "t"
    tree.mkdir()
    (tree / "bad\nname").write_bytes(b"x")
    with pytest.raises(StoreError, match="contains a line break"):
        sha256_tree(tree)


def test_undecodable_name_is_refused(tmp_path: Path) -> None:
    tree = tmp_path / "t"
    tree.mkdir()
    try:
        (tree / os.fsdecode(b"caf\xe9")).write_bytes(b"x")
    except OSError:
        pytest.fail("the filesystem under tmp_path must accept arbitrary bytes in names")
    with pytest.raises(StoreError, match="not valid UTF-8"):
        sha256_tree(tree)


def test_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is not a directory"):
        sha256_tree(tmp_path / "missing")
