"""Renditions: converting catalogued images to OME-Zarr and recording where they are.

An original that is itself a valid OME-Zarr (NGFF 0.4 or 0.5: a single image, a bioformats2raw
collection or an HCS plate) is not converted again: its stored copy is registered as the
rendition, since the store keeps it immutable; ``rewrite=True`` converts it anyway. One that
does not validate is converted, and the outcome says why.

A file set is converted as a whole (several series become a bioformats2raw collection, plate
fields an NGFF plate) from the *stored* originals, never from the ingest folder, which may be
gone. Destinations are content-addressed by the primary original's SHA-256, so converting
again resumes or recognises a finished conversion instead of writing a second copy; the
catalog learns of a rendition only once it has been written and validated.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from imagesteward.errors import ImageStewardError
from imagesteward.formats import ReadContext

if TYPE_CHECKING:
    from imagesteward.catalog import ImageRecord, OriginalFileRecord
    from imagesteward.convert import ConversionResult, ConvertOptions, PlateLayout
    from imagesteward.installation import Installation

__all__ = ["RenditionOutcome", "convert_images", "convert_options", "rendition_destination"]


@dataclass(frozen=True, slots=True)
class RenditionOutcome:
    """What converting one file set did."""

    image_ids: tuple[int, ...]
    status: str  # converted | resumed | already-complete | registered | skipped | failed
    url: str | None = None
    message: str = ""
    seconds: float = 0.0
    bytes_read: int = 0
    bytes_written: int = 0
    error_type: str | None = None
    note: str = ""  # why an OME-Zarr original was registered as it is, or was converted

    @property
    def ok(self) -> bool:
        """Whether a valid rendition now exists."""
        return self.status != "failed"


def convert_options(installation: Installation, **overrides: object) -> ConvertOptions:
    """The conversion options an installation's settings ask for (overridable per call)."""
    from imagesteward.convert import ConvertOptions

    settings = installation.settings
    values: dict[str, object] = {
        "ngff_version": settings.convert_ngff_version,
        "memory_bytes": settings.convert_memory_bytes,
        "workers": settings.convert_workers,
        "scheduler": settings.dask_scheduler,
        "storage_options": dict(settings.rendition_storage_options) or None,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return ConvertOptions(**values)  # type: ignore[arg-type]


def rendition_destination(root: str, primary_sha256: str) -> str:
    """Where the rendition of the file set whose primary original has this digest lives."""
    return f"{root.rstrip('/')}/{primary_sha256[:2]}/{primary_sha256}.ome.zarr"


def convert_images(
    installation: Installation,
    image_ids: Sequence[int],
    options: ConvertOptions | None = None,
    *,
    root: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    rewrite: bool = False,
) -> list[RenditionOutcome]:
    """Convert the file sets of ``image_ids`` (each set once) and record their renditions.

    A stored original that is a valid OME-Zarr is registered as its own rendition instead,
    unless ``rewrite`` asks for a new conversion.

    Failures are reported per file set, never raised: the originals stay catalogued and a
    conversion can be retried with ``steward convert``.
    """
    catalog = installation.catalog
    options = options or convert_options(installation)
    root = root or installation.settings.rendition_url
    by_fileset: dict[int, list[ImageRecord]] = {}
    for image_id in image_ids:
        record = catalog.get_image(image_id)
        by_fileset.setdefault(record.fileset_id, []).append(record)
    outcomes = []
    for records in by_fileset.values():
        siblings = catalog.fileset_images(records[0].fileset_id)
        siblings.sort(key=lambda r: r.document.series_index)
        outcomes.append(_convert_fileset(installation, siblings, options, root, progress, rewrite))
    return outcomes


def _convert_fileset(
    installation: Installation,
    records: list[ImageRecord],
    options: ConvertOptions,
    root: str,
    progress: Callable[[int, int], None] | None,
    rewrite: bool,
) -> RenditionOutcome:
    from imagesteward.catalog import RenditionInput
    from imagesteward.convert import SourceSpec, to_ome_zarr
    from imagesteward.ingest.zarr_inputs import register_ome_zarr

    ids = tuple(r.id for r in records)
    records = [r for r in records if r.structure.pixels]
    if not records:
        return RenditionOutcome(ids, "skipped", message="metadata only: no pixels to convert")
    files = installation.catalog.image_files(records[0].id)
    primary = files[0]
    why = ""
    if not rewrite and len(files) == 1:
        registered, why = register_ome_zarr(installation, records, primary.sha256)
        if registered is not None:
            return registered
    destination = rendition_destination(root, primary.sha256)
    try:
        with ExitStack() as stack:
            path, roots = _stored_source(installation, files, stack)
            registry = installation.registry
            source, report = registry.open(path, ReadContext(allowed_roots=roots))
            stack.enter_context(source)
            assert report.chosen is not None
            spec = SourceSpec(str(path), report.chosen.name, tuple(str(r) for r in roots))
            series = [r.document.series_index for r in records]
            result = to_ome_zarr(
                source,
                destination,
                options,
                series=series,
                progress=progress,
                source_spec=spec,
                plate=_plate(records, primary.original_name),
            )
        by_series = {r.document.series_index: r.id for r in records}
        installation.catalog.add_renditions(
            [
                RenditionInput(
                    image_id=by_series[written.source_series],
                    url=result.url,
                    series_path=written.path,
                    layout=result.layout,
                    ngff_version=result.ngff_version,
                    zarr_format=result.zarr_format,
                    levels=[list(level) for level in written.levels],
                    bytes_written=result.bytes_written,
                    plan=result.plan,
                )
                for written in result.series
            ]
        )
    except Exception as exc:  # noqa: BLE001 - reported per file set; ingest goes on
        message = str(exc) if isinstance(exc, ImageStewardError) else f"{type(exc).__name__}: {exc}"
        return RenditionOutcome(ids, "failed", destination, message, error_type=type(exc).__name__)
    return _success(ids, result, why)


def _success(ids: tuple[int, ...], result: ConversionResult, why: str = "") -> RenditionOutcome:
    rate = result.bytes_read / result.seconds / 1e6 if result.seconds else 0.0
    return RenditionOutcome(
        ids,
        result.status,
        result.url,
        f"{result.layout}, NGFF {result.ngff_version}, {len(result.series)} image(s), "
        f"{rate:,.0f} MB/s" + (f"; {why}" if why else ""),
        result.seconds,
        result.bytes_read,
        result.bytes_written,
        note=why,
    )


def _stored_source(
    installation: Installation, files: Sequence[OriginalFileRecord], stack: ExitStack
) -> tuple[Path, tuple[Path, ...]]:
    """The primary original as stored, with its members beside it under their own names."""
    store = installation.store
    primary = store.content_path(files[0].sha256)
    if len(files) == 1:
        return primary, (primary.parent,)
    # Multi-file sets (a companion and its TIFFs) are separate objects in the store; link them
    # under their original names so the reader finds the members where the companion says.
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="imagesteward-set-")))
    for record in files:
        (folder / record.original_name).symlink_to(store.content_path(record.sha256))
    return folder / files[0].original_name, (folder, store.root)


def _plate(records: list[ImageRecord], name: str) -> PlateLayout | None:
    from imagesteward.convert import PlateLayout, WellField

    wells = [r.document.well_sample for r in records]
    if len(records) < 2 or any(w is None or not w.well_row or not w.well_column for w in wells):
        return None
    fields = tuple(
        WellField(
            series=r.document.series_index,
            row=str(w.well_row),
            column=str(w.well_column),
            field=w.field_index,
        )
        for r, w in zip(records, wells, strict=True)
        if w is not None
    )
    plate_names = {w.plate_name for w in wells if w is not None and w.plate_name}
    return PlateLayout(fields, name=plate_names.pop() if len(plate_names) == 1 else name)
