"""What the index takes from outside its derivation: completeness tiers and visibility."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from imagesteward.access import Visibility
from imagesteward.catalog import Catalog, access_catalog
from imagesteward.describe import image_completeness, score_for_search, search_tier
from imagesteward.search import SearchResult, search
from tests.catalog.factories import confocal_image, fileset, widefield_image


def _filled(catalog: Catalog) -> Catalog:
    catalog.add_filesets(
        [
            fileset("hela/1.czi", images=[confocal_image(0, name="HeLa fixed")]),
            fileset("hela/2.czi", images=[confocal_image(0, name="HeLa mitosis")]),
            fileset("yeast/1.nd2", images=[widefield_image()], dataset="yeast budding"),
        ]
    )
    catalog.add_fileset(
        fileset("fish/1.czi", images=[widefield_image(name="fish")], project="Heart")
    )
    return catalog


def _counts(result: SearchResult, facet: str) -> dict[str, int]:
    return {value.value: value.count for value in result.facets.get(facet, ())}


def _by_kind(result: SearchResult) -> Counter[tuple[str, str]]:
    return Counter((hit.kind, hit.title) for hit in result.hits)


def test_completeness_tiers_reach_the_index_and_survive_a_rebuild(catalog: Catalog) -> None:
    filled = _filled(catalog)
    images = filled.list_images(limit=50).items
    assert all(hit.completeness is None for hit in search(filled, "kind:image").hits)

    changed = score_for_search(filled, image_ids=[image.id for image in images])

    expected = {
        image.id: search_tier(image_completeness(image.document, image.uuid)) for image in images
    }
    assert changed >= len(images)
    found = {hit.id: hit.completeness for hit in search(filled, "kind:image").hits}
    assert found == expected
    # A dataset is complete at a tier when all its images are: the lowest of theirs.
    for hit in search(filled, "kind:dataset").hits:
        assert hit.completeness == min(expected[i.id] for i in images if i.dataset_id == hit.id), (
            hit.title
        )
    tiers = Counter(str(tier) for tier in expected.values())
    # Counted from search_totals (no condition) and from the entries (a condition) alike.
    assert _counts(search(filled, "kind:image"), "completeness") == dict(tiers)
    assert _counts(search(filled, "kind:image -zzzz"), "completeness") == dict(tiers)
    lowest = min(expected.values())
    assert search(filled, f"completeness:>={lowest} kind:image").total == len(images)

    assert filled.rebuild_search_index() == len(images)
    assert {h.id: h.completeness for h in search(filled, "kind:image").hits} == expected
    assert _counts(search(filled, "kind:image"), "completeness") == dict(tiers)


def test_visibility_follows_the_access_rows(catalog: Catalog) -> None:
    filled = _filled(catalog)
    access = access_catalog(filled)
    everything = search(filled, "", limit=50)
    assert _counts(everything, "visibility") == {"private": everything.total}

    access.set_visibility("Mitosis", visibility=Visibility.PUBLIC)
    # A dataset without an access row of its own is private (the policy's reading).
    assert {h.kind for h in search(filled, "visibility:public").hits} == set()
    for dataset in ("2024-06 HeLa", "yeast budding"):
        access.set_visibility("Mitosis", dataset, visibility=Visibility.PUBLIC)
    public = search(filled, "visibility:public", limit=50)
    assert {hit.project for hit in public.hits} == {"Mitosis"}
    assert {hit.kind for hit in public.hits} == {"image", "dataset"}
    # A dataset is never more visible than its project, nor its images than it.
    access.set_visibility("Mitosis", "yeast budding", visibility=Visibility.PRIVATE)
    after = search(filled, "visibility:public", limit=50)
    assert all(hit.title != "yeast budding" for hit in after.hits)
    assert after.total == public.total - 2  # the dataset and its one image
    until = datetime.now(UTC) + timedelta(days=30)
    for part in (None, "2024-06 HeLa"):
        access.set_visibility("Heart", part, visibility=Visibility.EMBARGOED, until=until)
    embargoed = search(filled, "visibility:embargoed", limit=50)
    assert {hit.project for hit in embargoed.hits} == {"Heart"}
    # Totals (unconditioned search) and entries (a condition) count the same states.
    states = Counter(hit.visibility for hit in search(filled, "", limit=50).hits)
    assert _counts(search(filled, "", limit=50), "visibility") == dict(states)
    assert _counts(search(filled, "-zzzz", limit=50), "visibility") == dict(states)
    # A rebuild derives the same states from the access rows.
    filled.rebuild_search_index()
    assert Counter(hit.visibility for hit in search(filled, "", limit=50).hits) == states
