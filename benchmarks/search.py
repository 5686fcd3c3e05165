"""Search at scale: 1,000,000 synthetic image records, loaded and queried on SQLite and PostgreSQL.

Usage::

    .venv/bin/python benchmarks/search.py [--images 1000000] [--backend sqlite postgresql]
                                          [--repeat 20] [--work DIR] [--keep]

Every record is SYNTHETIC, generated here with a fixed seed: projects are "Synthetic project
NN", images "synthetic image NNNNNNN", descriptions random draws from a cell-biology word
list. What is realistic is their shape: real FBbi imaging methods, NCBITaxon organisms (via
each project's study biosamples, as people annotate them), FPbase/ChEBI fluorophores, a few
dozen instruments and objectives, acquisition dates over eight years, 1-4 channels.

Measured, per backend:

* ``catalog rows``: writing the image rows (documents as JSON, channels, filesets, datasets,
  projects, studies) with multi-row INSERTs - the benchmark's own loader, not a product path;
* ``index import``: ``Catalog.rebuild_search_index()`` deriving every entry, facet value and
  full-text row from those rows, one transaction - the product path of ``steward search
  reindex`` (target >= 5,000 records/s);
* ``keep in step``: ``Catalog.add_filesets`` of 2,000 more images (real documents, validated),
  with and without the index - what the index costs each ingest;
* query latency through ``imagesteward.search.search`` (parse, ontology expansion, SQL:
  page + exact total + exact facet counts), each query ``--repeat`` times after one warm-up;
  p50 / p95 / max per query and p95 over all (target p95 <= 100 ms).

Results go to stdout as a Markdown table; paste it into BENCHMARKS.md with the command line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # for tests.catalog.factories (the keep-in-step part)

POSTGRES_URL = os.environ.get(
    "IMAGESTEWARD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)

METHODS = [  # FBbi id, label, acquisition mode, weight
    ("FBbi:00000251", "confocal microscopy", "LaserScanningConfocalMicroscopy", 30),
    ("FBbi:00000253", "spinning disk confocal microscopy", "SpinningDiskConfocal", 15),
    ("FBbi:00000369", "light sheet fluorescence microscopy", "SPIM", 8),
    ("FBbi:00000246", "fluorescence microscopy", "WideField", 15),
    ("FBbi:00000254", "two-photon laser scanning microscopy", "MultiPhotonMicroscopy", 5),
    ("FBbi:00000243", "bright-field microscopy", "BrightField", 12),
    ("FBbi:00000245", "differential interference contrast microscopy", "WideField", 4),
    ("FBbi:00000247", "phase contrast microscopy", "WideField", 6),
    ("FBbi:00000258", "transmission electron microscopy (TEM)", None, 3),
    ("FBbi:00000257", "scanning electron microscopy (SEM)", None, 2),
]
ORGANISMS = [
    ("NCBITaxon:9606", "Homo sapiens"),
    ("NCBITaxon:10090", "Mus musculus"),
    ("NCBITaxon:7955", "Danio rerio"),
    ("NCBITaxon:7227", "Drosophila melanogaster"),
    ("NCBITaxon:6239", "Caenorhabditis elegans"),
    ("NCBITaxon:4932", "Saccharomyces cerevisiae"),
    ("NCBITaxon:3702", "Arabidopsis thaliana"),
    ("NCBITaxon:10116", "Rattus norvegicus"),
    ("NCBITaxon:8355", "Xenopus laevis"),
    ("NCBITaxon:3055", "Chlamydomonas reinhardtii"),
]
FLUOROPHORES = [
    ("CHEBI:51231", "DAPI"),
    ("FPbase:egfp", "EGFP"),
    ("FPbase:mcherry", "mCherry"),
    ("FPbase:tdtomato", "tdTomato"),
    ("FPbase:mneongreen", "mNeonGreen"),
    ("FPbase:mscarlet", "mScarlet"),
    ("FPbase:mturquoise2", "mTurquoise2"),
    ("FPbase:gcamp6f", "GCaMP6f"),
    ("FPbase:mstaygold", "mStayGold"),
    (None, "Alexa Fluor 488"),
    (None, "Alexa Fluor 647"),
    (None, "Hoechst 33342"),
]
MAKERS = [
    ("Carl Zeiss Microscopy", ["LSM 980", "LSM 900", "Elyra 7", "Lightsheet 7", "Axio Observer 7"]),
    ("Leica Microsystems", ["STELLARIS 8", "SP8", "THUNDER", "DMi8"]),
    ("Nikon", ["Ti2-E", "AX R", "CSU-W1 SoRa"]),
    ("Olympus", ["FV3000", "IX83", "SpinSR10"]),
    ("3i", ["Marianas", "Lattice LightSheet"]),
]
OBJECTIVES = [
    ("Plan-Apochromat 63x/1.40 Oil DIC M27", 63.0, 1.4),
    ("Plan-Apochromat 20x/0.8 M27", 20.0, 0.8),
    ("C-Apochromat 40x/1.2 W Corr", 40.0, 1.2),
    ("HC PL APO 63x/1.40 OIL CS2", 63.0, 1.4),
    ("HC PL APO 20x/0.75 CS2", 20.0, 0.75),
    ("CFI Plan Apo λ 100x Oil", 100.0, 1.45),
    ("CFI Plan Apo λ 60x Oil", 60.0, 1.4),
    ("UPLSAPO 30x Silicone", 30.0, 1.05),
    ("N-Achroplan 10x/0.25", 10.0, 0.25),
    ("EC Plan-Neofluar 5x/0.16", 5.0, 0.16),
]
WORDS = (  # noqa: SIM905 - a word list reads best as text
    "cell nucleus nuclei mitochondria mitochondrial membrane actin tubulin microtubule "
    "spindle mitosis meiosis centrosome centriole chromatin chromosome golgi endoplasmic "
    "reticulum lysosome endosome vesicle autophagy apoptosis migration adhesion junction "
    "cilia cilium axon dendrite synapse neuron astrocyte microglia organoid embryo zygote "
    "blastula gastrula somite notochord neural crest fin bud heart liver kidney intestine "
    "crypt villus epithelium fibroblast stem differentiation proliferation fixed live time "
    "lapse stack tile mosaic overview calibration control knockdown knockout overexpression "
    "treated untreated drug dose response infection bacteria virus wound healing "
    "regeneration development larva adult root leaf shoot meristem hypocotyl stomata "
    "chloroplast flagella biofilm colony spheroid tumour xenograft vasculature vessel "
    "endothelial collagen matrix cytoskeleton focal lamella filopodia invadopodia "
    "phagocytosis cytokinesis telophase anaphase metaphase prophase interphase replication "
    "transcription nucleolus speckle condensate granule stress heat "
).split()

QUERIES = [  # (kind of query, label, query); "<page N>" follows cursors, "@anonymous" restricts
    ("everything", "no condition, all facets", ""),
    ("text", "one word (each is in ~6% of descriptions)", "mitochondria"),
    ("text", "another word", "invadopodia"),
    ("text", "two words", "neuron synapse"),
    ("text", "phrase", '"time lapse"'),
    ("text", "prefix", "mito*"),
    ("text", "word minus word", "nucleus -fixed"),
    ("facet", "organism (label)", 'organism:"Mus musculus"'),
    ("facet", "method + fluorophore", "method:confocal fluorophore:EGFP"),
    ("facet", "date range", "date:2021-03..2021-05"),
    ("facet", "instrument + objective", 'instrument:"LSM 980" objective:63x'),
    ("facet", "visibility + completeness", "visibility:public completeness:0 kind:image"),
    ("combined", "text + facet + date", "mitosis organism:zebrafish date:2022"),
    ("combined", "datasets only", "kind:dataset confocal"),
    ("ontology", "term as text", '"fluorescence microscopy"'),
    ("ontology", "term as facet + word", 'method:"fluorescence microscopy" mitosis'),
    ("paged", "everything, page 3 by cursor", "<page 3>"),
    ("paged", "one word, page 3 by cursor", "<page 3>mitochondria"),
    ("anonymous", "public entries only, one word", "@anonymous mitochondria"),
    ("anonymous", "public entries only, no condition", "@anonymous"),
]


def _weighted(rng: random.Random, items: list[Any], weights: list[float]) -> Any:
    return rng.choices(items, weights)[0]


def _instruments() -> list[dict[str, Any]]:
    rows = []
    for maker, models in MAKERS:
        for model in models:
            for room in (1, 2):
                rows.append(
                    {
                        "manufacturer": maker,
                        "model": model,
                        "serial_number": f"SYN-{len(rows):04d}",
                        "instrument_name": f"{model} room {room}.{len(rows) % 20:02d}",
                    }
                )
    return rows


def _document(
    rng: random.Random, n: int, instrument: dict[str, Any], when: datetime
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    method = _weighted(rng, METHODS, [m[3] for m in METHODS])
    objective = rng.choice(OBJECTIVES)
    channels = []
    for index in range(rng.choice((1, 2, 2, 3, 3, 4))):
        term, label = rng.choice(FLUOROPHORES)
        channel: dict[str, Any] = {"channel_index": index, "name": label, "fluorophore_name": label}
        if term is not None:
            channel["fluorophore"] = {"term_id": term, "label": label}
        channels.append(channel)
    name = f"synthetic image {n:07d}"
    description = " ".join(rng.choices(WORDS, k=rng.randint(4, 12)))
    document = {
        "name": name,
        "description": description,
        "series_index": 0,
        "file_format": "ome-tiff",
        "axes": "CZYX",
        "size_t": 1,
        "size_c": len(channels),
        "size_z": 8,
        "size_y": 512,
        "size_x": 512,
        "pixel_type": "uint16",
        "channels": channels,
        "acquisition": {
            "imaging_method": {"term_id": method[0], "label": method[1]},
            "acquisition_mode": method[2],
            "acquisition_date": when.isoformat(),
            "microscope": {k: v for k, v in instrument.items() if k != "id"},
            "objective": {
                "model": objective[0],
                "nominal_magnification": objective[1],
                "lens_na": objective[2],
            },
        },
        "biosample_ref": f"B{rng.randrange(3)}",
    }
    columns = {
        "name": name,
        "acquisition_date": when.replace(tzinfo=None),
        "acquisition_timezone_known": True,
        "acquisition_mode": method[2],
        "imaging_method_id": method[0],
        "objective_model": objective[0],
        "objective_magnification": objective[1],
        "objective_na": objective[2],
        "size_c": len(channels),
    }
    return document, columns, channels


def _study(rng: random.Random, project: int) -> dict[str, Any]:
    organisms = rng.sample(ORGANISMS, 3)
    return {
        "title": f"Synthetic study {project:02d}: " + " ".join(rng.choices(WORDS, k=5)),
        "description": "A synthetic study generated by benchmarks/search.py.",
        "keywords": rng.choices(WORDS, k=4),
        "biosamples": [
            {"identifier": f"B{i}", "organism": {"term_id": t, "label": label}}
            for i, (t, label) in enumerate(organisms)
        ],
    }


def _insert_rows(connection: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    """Multi-row INSERT on SQLite; COPY on PostgreSQL (several times faster there)."""
    from sqlalchemy import JSON, insert

    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    columns = list(rows[0])
    documents = {c for c in columns if isinstance(table.c[c].type, JSON)}
    raw: Any = connection.connection.driver_connection
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([json.dumps(row[c]) if c in documents else row[c] for c in columns])


def _project_visibility(project: int) -> str:
    return "public" if project <= 6 else "embargoed" if project <= 9 else "private"


def set_access(url: str) -> None:
    """Visibility as facilities use it, written as the access rows the policy reads.

    Projects 1-6 public, 7-9 under embargo until a publication, the rest private; each
    dataset has the state of its project, except every tenth, kept private.
    """
    from sqlalchemy import delete, insert, select

    from imagesteward.catalog._access_tables import DatasetAccessRow, ProjectAccessRow
    from imagesteward.catalog._engine import WRITE_OPTION, create_catalog_engine
    from imagesteward.catalog._tables import DatasetRow, ProjectRow

    now = datetime.now(UTC)

    def row(state: str) -> dict[str, Any]:
        return {
            "visibility": state,
            "embargo_until": None,
            "embargo_event": "publication" if state == "embargoed" else None,
            "released_at": now if state == "public" else None,
            "changed_at": now,
        }

    engine = create_catalog_engine(url).execution_options(**{WRITE_OPTION: True})
    with engine.begin() as connection:
        connection.execute(delete(DatasetAccessRow.__table__))
        connection.execute(delete(ProjectAccessRow.__table__))
        projects = connection.execute(select(ProjectRow.id)).scalars().all()
        connection.execute(
            insert(ProjectAccessRow.__table__),
            [{"project_id": p, **row(_project_visibility(p))} for p in projects],
        )
        datasets = connection.execute(select(DatasetRow.id, DatasetRow.project_id)).all()
        connection.execute(
            insert(DatasetAccessRow.__table__),
            [
                {
                    "dataset_id": d,
                    **row("private" if d % 10 == 0 else _project_visibility(p)),
                }
                for d, p in datasets
            ],
        )
    engine.dispose()


def score_completeness(catalog: Any) -> tuple[int, float]:
    """Completeness tiers through describe, as ingest hands them to the index.

    Each synthetic document is scored by ``describe`` (validated as a model.Image). The
    documents differ only in method, channel count and labels, so a score is computed once
    per such shape and reused - the scores are describe's own. Returns (entries changed,
    seconds for ``Catalog.set_search_completeness``).
    """
    from sqlalchemy import select

    from imagesteward import model
    from imagesteward.catalog._tables import ImageRow
    from imagesteward.describe import image_completeness, search_tier

    shapes: dict[Any, int] = {}
    scores: dict[tuple[str, int], int | None] = {}
    with catalog._engine.connect() as connection:
        for image_id, document in connection.execute(select(ImageRow.id, ImageRow.document)):
            acquisition = document.get("acquisition") or {}
            shape = (
                json.dumps(acquisition.get("imaging_method"), sort_keys=True),
                tuple(tuple(sorted(c)) for c in document.get("channels") or ()),
            )
            tier = shapes.get(shape)
            if tier is None:
                image = model.Image.model_validate(document)
                tier = shapes[shape] = search_tier(image_completeness(image, str(image_id)))
            scores[("image", image_id)] = tier
    started = time.perf_counter()
    changed = catalog.set_search_completeness(scores)
    return changed, time.perf_counter() - started


def load_catalog_rows(url: str, images: int, seed: int = 20261121) -> float:
    """Write ``images`` synthetic images (and everything above them); seconds taken."""
    from sqlalchemy import insert

    from imagesteward.catalog._engine import WRITE_OPTION, create_catalog_engine
    from imagesteward.catalog._tables import (
        DatasetRow,
        FilesetRow,
        ImageChannelRow,
        ImageRow,
        InstrumentRow,
        ProjectRow,
        StudyRow,
    )

    rng = random.Random(seed)
    engine = create_catalog_engine(url).execution_options(**{WRITE_OPTION: True})
    started = time.perf_counter()
    now = datetime.now(UTC)
    projects, datasets_per_project, per_fileset = 20, 10, 10
    instruments = _instruments()
    with engine.begin() as connection:
        connection.execute(
            insert(ProjectRow.__table__),
            [
                {"id": p, "name": f"Synthetic project {p:02d}", "created_at": now}
                for p in range(1, projects + 1)
            ],
        )
        connection.execute(
            insert(StudyRow.__table__),
            [
                {
                    "project_id": p,
                    "title": (study := _study(rng, p))["title"],
                    "document": study,
                    "revision": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for p in range(1, projects + 1)
            ],
        )
        datasets = [
            {
                "id": (p - 1) * datasets_per_project + d,
                "project_id": p,
                "name": f"synthetic dataset {p:02d}-{d:02d}",
                "description": " ".join(rng.choices(WORDS, k=6)),
                "created_at": now,
            }
            for p in range(1, projects + 1)
            for d in range(1, datasets_per_project + 1)
        ]
        connection.execute(insert(DatasetRow.__table__), datasets)
        for i, instrument in enumerate(instruments, start=1):
            instrument["id"] = i
        connection.execute(
            insert(InstrumentRow.__table__),
            [
                {**instrument, "identity_key": f"{i:064d}", "microscope": {}, "created_at": now}
                for i, instrument in enumerate(instruments, start=1)
            ],
        )
    first_day = datetime(2018, 1, 1, tzinfo=UTC)
    chunk = 20_000
    for start in range(0, images, chunk):
        image_rows, channel_rows, fileset_rows = [], [], []
        for n in range(start + 1, min(images, start + chunk) + 1):
            if (n - 1) % per_fileset == 0:
                fileset_rows.append(
                    {
                        "id": (n - 1) // per_fileset + 1,
                        "dataset_id": rng.randrange(len(datasets)) + 1,
                        "reader": "synthetic",
                        "ingested_at": now,
                    }
                )
            instrument = rng.choice(instruments)
            when = first_day + timedelta(seconds=rng.randrange(8 * 365 * 86400))
            document, columns, channels = _document(rng, n, instrument, when)
            image_rows.append(
                {
                    "id": n,
                    "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "fileset_id": fileset_rows[-1]["id"],
                    "dataset_id": fileset_rows[-1]["dataset_id"],
                    "instrument_id": instrument["id"],
                    "series_index": (n - 1) % per_fileset,
                    "file_format": "ome-tiff",
                    "axes": "CZYX",
                    "size_t": 1,
                    "size_z": 8,
                    "size_y": 512,
                    "size_x": 512,
                    "pixel_type": "uint16",
                    "structure": {
                        "dims": ["C", "Z", "Y", "X"],
                        "shape": [len(channels), 8, 512, 512],
                        "dtype": "uint16",
                        "levels": [],
                        "chunks": None,
                    },
                    "document": document,
                    "created_at": now,
                    **columns,
                }
            )
            channel_rows += [
                {
                    "image_id": n,
                    "channel_index": c["channel_index"],
                    "name": c["name"],
                    "fluorophore_name": c["fluorophore_name"],
                }
                for c in channels
            ]
        with engine.begin() as connection:
            for table, rows in (
                (FilesetRow.__table__, fileset_rows),
                (ImageRow.__table__, image_rows),
                (ImageChannelRow.__table__, channel_rows),
            ):
                _insert_rows(connection, table, rows)
        print(f"  catalog rows: {min(images, start + chunk):,}", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    if engine.dialect.name == "postgresql":  # ids were given: move the sequences past them
        from sqlalchemy import text

        with engine.begin() as connection:
            for table in ("projects", "datasets", "instruments", "filesets", "images"):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    engine.dispose()
    return time.perf_counter() - started


def _keep_in_step(catalog: Any, count: int) -> tuple[float, float]:
    """Seconds for ``add_filesets`` of ``count`` real images, with the index and without."""
    from tests.catalog.factories import confocal_image, fileset

    from imagesteward.catalog import _filesets

    def batches(tag: str) -> Iterator[list[Any]]:
        for start in range(0, count, 64):
            yield [
                fileset(
                    f"{tag}/{n}.czi",
                    images=[confocal_image(name=f"synthetic {tag} {n}")],
                    project="Synthetic project 01",
                    dataset="synthetic dataset 01-01",
                )
                for n in range(start, min(count, start + 64))
            ]

    started = time.perf_counter()
    for batch in batches("indexed"):
        catalog.add_filesets(batch)
    indexed = time.perf_counter() - started
    refresh = _filesets.search_index.refresh
    _filesets.search_index.refresh = lambda *args, **kwargs: None  # type: ignore[assignment]
    try:
        started = time.perf_counter()
        for batch in batches("unindexed"):
            catalog.add_filesets(batch)
        unindexed = time.perf_counter() - started
    finally:
        _filesets.search_index.refresh = refresh  # type: ignore[assignment]
    return indexed, unindexed


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


#: This process's CPU time per query run (ms), by query label: on SQLite this includes the
#: database engine's work, and tells the cost of a query apart from waiting for a busy CPU.
CPU: dict[str, list[float]] = {}


def run_queries(catalog: Any, repeat: int) -> list[tuple[str, str, str, int, list[float]]]:
    """Each query ``repeat`` times after one warm-up, through ``imagesteward.search.search``."""
    from imagesteward.access import ANONYMOUS, Action
    from imagesteward.catalog import access_catalog
    from imagesteward.ontology import load_index
    from imagesteward.search import search

    ontology = load_index()
    access = access_catalog(catalog)
    results = []
    for kind, label, query in QUERIES:
        times: list[float] = []
        cpu: list[float] = []
        total = 0
        for attempt in range(repeat + 1):
            started, used = time.perf_counter(), time.process_time()
            text, restrict, cursor = query, None, None
            if text.startswith("@anonymous"):
                # As the API does for a caller: the datasets and projects it may list.
                text = text.removeprefix("@anonymous").strip()
                restrict = access.search_restriction(
                    access.readable_datasets(ANONYMOUS, Action.LIST),
                    access.readable_projects(ANONYMOUS, Action.LIST),
                )
            if text.startswith("<page 3>"):
                text = text.removeprefix("<page 3>")
                for _ in range(2):
                    page = search(
                        catalog, text, ontology=ontology, cursor=cursor, with_facets=False
                    )
                    cursor = page.next_cursor
                started, used = time.perf_counter(), time.process_time()
            result = search(catalog, text, ontology=ontology, cursor=cursor, restrict=restrict)
            elapsed = (time.perf_counter() - started) * 1000
            total = result.total
            if attempt:  # the first run warms caches
                times.append(elapsed)
                cpu.append((time.process_time() - used) * 1000)
        results.append((kind, label, query, total, times))
        CPU[f"{catalog.backend}/{label}"] = cpu
        print(
            f"  {kind} / {label}: {total:,} hits, p95 {_percentile(times, 0.95):.1f} ms",
            file=sys.stderr,
        )
    return results


#: The generated rows are kept at this revision; each run upgrades its copy to the head, so
#: the search migrations after it are exercised too.
ROWS_REVISION = "0007_access"


def _postgres_database(name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def _admin(statement: str) -> None:
    import sqlalchemy as sa

    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(statement))
    admin.dispose()


def _postgres_exists(name: str) -> bool:
    import sqlalchemy as sa

    admin = sa.create_engine(POSTGRES_URL)
    with admin.connect() as connection:
        found = connection.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).first()
    admin.dispose()
    return found is not None


def prepare(backend: str, images: int, data: Path, work: Path) -> tuple[str, float]:
    """A catalog with ``images`` synthetic image rows and an empty index; rows/s of loading.

    The rows are generated once per backend and size and kept in ``data`` (a SQLite file, a
    PostgreSQL template database); each run starts from a copy of them.
    """
    from imagesteward.catalog import upgrade_catalog

    timing = data / f"rows-{backend}-{images}.json"
    if backend == "sqlite":
        template = data / f"rows-{images}.sqlite"
        if not timing.exists():
            template.unlink(missing_ok=True)
            upgrade_catalog(f"sqlite:///{template}", revision=ROWS_REVISION)
            print(f"{backend}: generating {images:,} synthetic images", file=sys.stderr)
            seconds = load_catalog_rows(f"sqlite:///{template}", images)
            timing.write_text(json.dumps({"seconds": seconds}))
        path = work / "search-bench.sqlite"
        for stale in work.glob("search-bench.sqlite*"):
            stale.unlink()
        shutil.copyfile(template, path)
        url = f"sqlite:///{path}"
    else:
        template_name = f"search_rows_{images}"
        if not timing.exists() or not _postgres_exists(template_name):
            _admin(f'DROP DATABASE IF EXISTS "{template_name}"')
            _admin(f'CREATE DATABASE "{template_name}"')
            upgrade_catalog(_postgres_database(template_name), revision=ROWS_REVISION)
            print(f"{backend}: generating {images:,} synthetic images", file=sys.stderr)
            seconds = load_catalog_rows(_postgres_database(template_name), images)
            timing.write_text(json.dumps({"seconds": seconds}))
        _admin('DROP DATABASE IF EXISTS "search_bench"')
        _admin(f'CREATE DATABASE "search_bench" TEMPLATE "{template_name}"')
        url = _postgres_database("search_bench")
    upgrade_catalog(url)
    set_access(url)
    return url, images / json.loads(timing.read_text())["seconds"]


def _size(catalog: Any, backend: str, work: Path) -> int:
    if backend == "sqlite":
        return sum(p.stat().st_size for p in work.glob("search-bench.sqlite*"))
    with catalog._engine.connect() as connection:
        return int(
            connection.exec_driver_sql("SELECT pg_database_size(current_database())").scalar_one()
        )


def bench(backend: str, images: int, repeat: int, data: Path, work: Path) -> dict[str, Any]:
    from imagesteward.catalog import open_catalog

    url, rows_rate = prepare(backend, images, data, work)
    catalog = open_catalog(url)
    try:
        started = time.perf_counter()
        indexed = catalog.rebuild_search_index()
        index_s = time.perf_counter() - started
        assert indexed == images, (indexed, images)
        print(f"{backend}: index import {images / index_s:,.0f} records/s", file=sys.stderr)
        scored, score_s = score_completeness(catalog)
        print(f"{backend}: {scored:,} completeness scores in {score_s:.1f} s", file=sys.stderr)
        if backend == "postgresql":
            # Autovacuum would do this soon after a load; done now so that every run is alike.
            vacuum = catalog._engine.execution_options(isolation_level="AUTOCOMMIT")
            with vacuum.connect() as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
        size = _size(catalog, backend, work)
        queries = run_queries(catalog, repeat)
        step_with, step_without = _keep_in_step(catalog, 500)
    finally:
        catalog.dispose()
    if backend == "postgresql":
        _admin('DROP DATABASE IF EXISTS "search_bench"')
    else:
        for stale in work.glob("search-bench.sqlite*"):
            stale.unlink()
    return {
        "backend": backend,
        "images": images,
        "rows_rate": rows_rate,
        "index_s": index_s,
        "step_with": step_with,
        "step_without": step_without,
        "score_s": score_s,
        "queries": queries,
        "size": size,
    }


def _ms(times: list[float]) -> str:
    return " / ".join(f"{_percentile(times, q):.1f}" for q in (0.5, 0.95, 0.99))


def report(results: list[dict[str, Any]], command: str) -> str:
    lines = [
        f"Command: `{command}`  ",
        f"Measured: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average "
        f"{os.getloadavg()[0]:.1f} (2 cores, shared with other work).",
        "",
        "| backend | images | catalog rows (records/s) | index import (records/s) | "
        "completeness scores set (s) | database size (GB) | "
        "add_filesets, 500 images: with index / without | query p50 / p95 / p99 over all (ms) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        every = [t for *_, times in r["queries"] for t in times]
        lines.append(
            f"| {r['backend']} | {r['images']:,} | {r['rows_rate']:,.0f} | "
            f"{r['images'] / r['index_s']:,.0f} | {r['score_s']:.1f} | {r['size'] / 1e9:.2f} | "
            f"{r['step_with']:.1f} s / {r['step_without']:.1f} s | {_ms(every)} |"
        )
    kinds = list(dict.fromkeys(kind for kind, *_ in QUERIES))
    lines += [
        "",
        "| kind of query | " + " | ".join(f"{r['backend']} p50 / p95 / p99 (ms)" for r in results),
        "|---|" + "---:|" * len(results),
    ]
    for kind in kinds:
        cells = [
            _ms([t for k, *_, times in r["queries"] if k == kind for t in times]) for r in results
        ]
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "| query | "
        + " | ".join(f"{r['backend']} hits | {r['backend']} p50 / p95 / p99 (ms)" for r in results)
        + "".join(f" | {r['backend']} CPU p95 (ms)" for r in results if r["backend"] == "sqlite")
        + " |",
        "|---|"
        + "---:|---:|" * len(results)
        + "---:|" * sum(r["backend"] == "sqlite" for r in results),
    ]
    for i, (kind, label, query, *_rest) in enumerate(results[0]["queries"]):
        shown = f" `{query.replace('|', '\\|')}`" if query else ""
        cells = []
        for r in results:
            _, _, _, total, times = r["queries"][i]
            cells.append(f"{total:,} | {_ms(times)}")
        for r in results:
            if r["backend"] == "sqlite":
                used = CPU.get(f"sqlite/{label}", [])
                cells.append(f"{_percentile(used, 0.95):.1f}" if used else "")
        lines.append(f"| {kind}: {label}{shown} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    # Everything imported up front: the code measured is the code at the start of the run.
    import imagesteward.catalog
    import imagesteward.ontology
    import imagesteward.search  # noqa: F401

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=1_000_000)
    parser.add_argument(
        "--backend", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"]
    )
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--data",
        type=Path,
        default=HERE / "_work" / "search",
        help="where the generated catalog rows are kept between runs",
    )
    parser.add_argument(
        "--prepare", action="store_true", help="only generate the catalog rows, then stop"
    )
    arguments = parser.parse_args()
    data: Path = arguments.data
    data.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="search-bench-", dir=data))
    try:
        if arguments.prepare:
            for backend in arguments.backend:
                prepare(backend, arguments.images, data, work)
            return
        results = [
            bench(backend, arguments.images, arguments.repeat, data, work)
            for backend in arguments.backend
        ]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    command = "python benchmarks/search.py " + " ".join(sys.argv[1:])
    print(report(results, command.strip()))
    print(
        json.dumps([{k: v for k, v in r.items() if k != "queries"} for r in results]),
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
