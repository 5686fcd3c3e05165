"""Reading the catalog back: pages, look-ups, listings and totals."""

from __future__ import annotations

from dataclasses import replace

import pytest

from imagesteward.catalog import Catalog, ImageInput
from imagesteward.errors import NotFoundError
from tests.catalog.factories import (
    bare_image,
    confocal_image,
    digest,
    fileset,
    original_file,
    structure_for,
    widefield_image,
)


def _populate(catalog: Catalog) -> dict[str, list[int]]:
    """23 images in three datasets of two projects, interleaved so ids alternate between them."""
    ids: dict[str, list[int]] = {"Mitosis/A": [], "Mitosis/B": [], "Yeast/A": []}
    for round_ in range(4):
        for key, count in (("Mitosis/A", 3), ("Mitosis/B", 1), ("Yeast/A", 2)):
            project, dataset = key.split("/")
            last_short = round_ == 3 and key == "Mitosis/A"
            images = [bare_image(series) for series in range(count - last_short)]
            added = catalog.add_fileset(
                fileset(f"{key}/{round_}.tif", images=images, project=project, dataset=dataset)
            )
            ids[key] += [image.id for image in added.images]
    return ids


def _walk(catalog: Catalog, limit: int, **filters: str) -> list[int]:
    """Every page; the filters are given with the first page only, as `steward ls` does."""
    seen: list[int] = []
    page = catalog.list_images(limit=limit, **filters)
    while True:
        assert len(page.items) <= limit
        seen += [image.id for image in page.items]
        if page.next_cursor is None:
            return seen
        assert len(page.items) == limit
        page = catalog.list_images(limit=limit, cursor=page.next_cursor)


@pytest.mark.parametrize("limit", [1, 5, 22, 23, 50])
def test_pages_visit_every_image_exactly_once_in_id_order(catalog: Catalog, limit: int) -> None:
    ids = _populate(catalog)
    every = sorted(i for group in ids.values() for i in group)
    assert len(every) == 23
    assert _walk(catalog, limit) == every
    assert _walk(catalog, limit, project="Mitosis") == sorted(ids["Mitosis/A"] + ids["Mitosis/B"])
    assert _walk(catalog, limit, dataset="A") == sorted(ids["Mitosis/A"] + ids["Yeast/A"])
    assert _walk(catalog, limit, project="Yeast", dataset="A") == ids["Yeast/A"]


def test_pages_carry_names_and_the_full_document(catalog: Catalog) -> None:
    catalog.add_fileset(fileset("c.czi", images=[confocal_image()], project="P", dataset="D"))
    (image,) = catalog.list_images().items
    assert (image.project, image.dataset) == ("P", "D")
    assert image.document == confocal_image()


def test_images_added_while_paging_appear_at_the_end(catalog: Catalog) -> None:
    ids = _populate(catalog)
    first = catalog.list_images(limit=10)
    added = catalog.add_fileset(fileset("late.tif", images=[bare_image()]))
    rest = _walk_from(catalog, first.next_cursor)
    seen = [image.id for image in first.items] + rest
    assert seen == [*sorted(i for group in ids.values() for i in group), added.images[0].id]


def _walk_from(catalog: Catalog, cursor: str | None) -> list[int]:
    seen: list[int] = []
    while cursor is not None:
        page = catalog.list_images(limit=7, cursor=cursor)
        seen += [image.id for image in page.items]
        cursor = page.next_cursor
    return seen


def test_bad_cursors_and_filters_are_explained(catalog: Catalog) -> None:
    _populate(catalog)
    cursor = catalog.list_images(limit=2, project="Mitosis").next_cursor
    assert cursor is not None
    again = catalog.list_images(limit=2, cursor=cursor, project="Mitosis")
    assert again == catalog.list_images(limit=2, cursor=cursor)
    assert {image.project for image in again.items} == {"Mitosis"}
    with pytest.raises(NotFoundError, match="other project/dataset filters"):
        catalog.list_images(limit=2, cursor=cursor, project="Yeast")
    with pytest.raises(NotFoundError, match="other project/dataset filters"):
        catalog.list_images(limit=2, cursor=cursor, project="Mitosis", dataset="A")
    with pytest.raises(NotFoundError, match="not one this catalog issued"):
        catalog.list_images(cursor="definitely-not-a-cursor")
    with pytest.raises(
        NotFoundError, match=r"No project named 'Mitsosis'\. Projects: Mitosis, Yeast\."
    ):
        catalog.list_images(project="Mitsosis")
    with pytest.raises(NotFoundError, match="No dataset named 'B' in project 'Yeast'"):
        catalog.list_images(project="Yeast", dataset="B")
    with pytest.raises(ValueError, match="limit must be at least 1"):
        catalog.list_images(limit=0)


def test_an_image_is_found_by_id_uuid_or_prefix(catalog: Catalog) -> None:
    added = catalog.add_fileset(fileset("a.czi", images=[confocal_image(), widefield_image(1)]))
    target = added.images[1]
    for ref in (
        target.id,
        str(target.id),
        target.uuid,
        target.uuid.upper(),
        f" {target.uuid[:8]} ",
        target.uuid[:13],
    ):
        assert catalog.get_image(ref).id == target.id, ref


def test_eight_digits_are_tried_as_a_uuid_prefix(catalog: Catalog) -> None:
    document = bare_image()
    added = catalog.add_fileset(
        replace(
            fileset("digits.tif"),
            images=[
                ImageInput(
                    document, structure_for(document), uuid="12345678-aaaa-4bbb-8ccc-dddddddddddd"
                )
            ],
        )
    )
    assert catalog.get_image("12345678").id == added.images[0].id


def test_look_up_failures_say_what_to_do(catalog: Catalog) -> None:
    shared = "abcdef01-0000-4000-8000-00000000000"
    images = [
        ImageInput(bare_image(n), structure_for(bare_image(n)), uuid=f"{shared}{n}")
        for n in range(2)
    ]
    catalog.add_fileset(replace(fileset("p.tif"), images=images))

    with pytest.raises(NotFoundError, match=r"matches more than one image.*give more characters"):
        catalog.get_image("abcdef01")
    with pytest.raises(NotFoundError, match="too short: give at least 8 characters"):
        catalog.get_image("abcdef")
    with pytest.raises(NotFoundError, match="No image with id 999 in the catalog"):
        catalog.get_image(999)
    with pytest.raises(NotFoundError, match="No image with id 99999999999"):
        catalog.get_image("99999999999")
    with pytest.raises(NotFoundError, match="No image with UUID 0e0e0e0e-"):
        catalog.get_image("0e0e0e0e-0000-4000-8000-000000000000")
    with pytest.raises(NotFoundError, match="No image id or UUID matches 'ffffffff'"):
        catalog.get_image("ffffffff")
    with pytest.raises(NotFoundError, match="neither an image id"):
        catalog.get_image("cells.czi")
    with pytest.raises(LookupError):
        catalog.image_files(999)


def test_image_files_lists_the_fileset_primary_first(catalog: Catalog) -> None:
    # Stored companion first: the order comes from the roles, not from insertion.
    files = [original_file("set/b_companion.xml", role="companion"), original_file("set/a.ome.tif")]
    given = replace(fileset("set/a.ome.tif", images=[bare_image(), bare_image(1)]), files=files)
    added = catalog.add_fileset(given)
    catalog.add_fileset(fileset("unrelated.tif"))
    for image in added.images:
        found = catalog.image_files(image.id)
        assert [(f.original_path, f.role) for f in found] == [
            ("set/a.ome.tif", "primary"),
            ("set/b_companion.xml", "companion"),
        ]
        assert all(f.fileset_id == added.id for f in found)


def test_original_files_and_references_are_found_by_digest(catalog: Catalog) -> None:
    added = catalog.add_fileset(
        fileset("x.czi", "x.xml", images=[confocal_image(metadata_sha256=digest("embedded"))])
    )
    unknown = digest("never ingested")
    found = catalog.find_original_files([digest("x.czi"), digest("x.xml"), unknown])
    assert found == {f.sha256: f for f in added.files}
    assert found[digest("x.czi")].store_key == f"sha256/{digest('x.czi')[:2]}/{digest('x.czi')}"

    attachment = added.original_metadata
    assert attachment is not None
    asked = [digest("x.czi"), digest("x.xml"), attachment.sha256, digest("embedded"), unknown]
    assert catalog.referenced_digests(iter(asked)) == set(asked) - {unknown}
    assert catalog.referenced_digests([]) == set()


def test_many_digests_are_looked_up_in_batches(catalog: Catalog) -> None:
    catalog.add_fileset(fileset("needle.czi"))
    haystack = [digest(f"hay {n}") for n in range(1800)] + [digest("needle.czi")]
    assert list(catalog.find_original_files(haystack)) == [digest("needle.czi")]
    assert catalog.referenced_digests(haystack) == {digest("needle.czi")}


def test_listings_count_what_they_hold(catalog: Catalog) -> None:
    _populate(catalog)
    catalog.add_fileset(
        fileset("conf.czi", images=[confocal_image()], project="Yeast", dataset="A")
    )
    projects = catalog.list_projects()
    assert [(p.name, p.dataset_count, p.image_count) for p in projects] == [
        ("Mitosis", 2, 15),
        ("Yeast", 1, 9),
    ]
    datasets = catalog.list_datasets()
    assert [(d.project, d.name, d.image_count) for d in datasets] == [
        ("Mitosis", "A", 11),
        ("Mitosis", "B", 4),
        ("Yeast", "A", 9),
    ]
    assert [d.name for d in catalog.list_datasets("Yeast")] == ["A"]
    with pytest.raises(NotFoundError, match="No project named 'Nope'"):
        catalog.list_datasets("Nope")
    (instrument,) = catalog.list_instruments()
    assert (instrument.model, instrument.image_count) == ("LSM 980", 1)


def test_stats_add_up(catalog: Catalog) -> None:
    first = catalog.add_fileset(
        fileset("a.czi", "a.xml", images=[confocal_image(), widefield_image(1)])
    )
    second = catalog.add_fileset(fileset("b.tif", images=[bare_image()], project="Other"))
    stats = catalog.stats()
    assert (stats.projects, stats.datasets, stats.filesets, stats.images) == (2, 2, 2, 3)
    assert stats.original_files == 3
    assert stats.original_bytes == sum(f.size for f in (*first.files, *second.files))
    assert stats.instruments == 2
