"""Renditions: where each image's validated OME-Zarr lives."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from imagesteward.catalog._tables import ImageRow, RenditionRow
from imagesteward.errors import NotFoundError

__all__ = ["RenditionInput", "RenditionRecord", "add_renditions", "image_renditions"]


@dataclass(frozen=True, slots=True)
class RenditionInput:
    """A finished, validated conversion of one image.

    Attributes
    ----------
    image_id
        The catalogued image.
    url
        Root of the Zarr hierarchy (absolute path or fsspec URL).
    series_path
        The image's group inside it (``""`` at the root, ``"0"`` in a bioformats2raw
        collection, ``"B/3/0"`` in a plate).
    layout, ngff_version, zarr_format
        What was written.
    levels
        Shape of every resolution level, full resolution first.
    bytes_written
        Compressed bytes of the whole conversion.
    plan
        Digest of the conversion's inputs and options (detects stale renditions).
    """

    image_id: int
    url: str
    series_path: str
    layout: str
    ngff_version: str
    zarr_format: int
    levels: Sequence[Sequence[int]]
    bytes_written: int
    plan: str


@dataclass(frozen=True, slots=True)
class RenditionRecord:
    """A catalogued rendition."""

    id: int
    image_id: int
    url: str
    series_path: str
    layout: str
    ngff_version: str
    zarr_format: int
    levels: tuple[tuple[int, ...], ...]
    bytes_written: int
    plan: str
    created_at: datetime


def _record(row: RenditionRow) -> RenditionRecord:
    return RenditionRecord(
        id=row.id,
        image_id=row.image_id,
        url=row.url,
        series_path=row.series_path,
        layout=row.layout,
        ngff_version=row.ngff_version,
        zarr_format=row.zarr_format,
        levels=tuple(tuple(int(n) for n in level) for level in row.levels or ()),
        bytes_written=row.bytes_written,
        plan=row.plan,
        created_at=row.created_at,
    )


def add_renditions(session: Session, renditions: Sequence[RenditionInput]) -> list[RenditionRecord]:
    """Record renditions, replacing an earlier one of the same image at the same URL."""
    records = []
    for item in renditions:
        if session.get(ImageRow, item.image_id) is None:
            raise NotFoundError(
                f"No image with id {item.image_id}: its rendition {item.url} cannot be recorded.",
                ref=item.image_id,
            )
        session.execute(
            delete(RenditionRow).where(
                RenditionRow.image_id == item.image_id, RenditionRow.url == item.url
            )
        )
        row = RenditionRow(
            image_id=item.image_id,
            url=item.url,
            series_path=item.series_path,
            layout=item.layout,
            ngff_version=item.ngff_version,
            zarr_format=item.zarr_format,
            levels=[list(level) for level in item.levels],
            bytes_written=item.bytes_written,
            plan=item.plan,
        )
        session.add(row)
        session.flush()
        records.append(_record(row))
    return records


def image_renditions(session: Session, image_id: int) -> list[RenditionRecord]:
    """Renditions of an image, newest first."""
    rows = session.scalars(
        select(RenditionRow)
        .where(RenditionRow.image_id == image_id)
        .order_by(RenditionRow.created_at.desc(), RenditionRow.id.desc())
    ).all()
    return [_record(row) for row in rows]
