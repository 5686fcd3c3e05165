"""The Zarr documents of a conversion: array metadata first, group metadata last.

Array metadata (``zarr.json`` / ``.zarray``) is written by zarr-python itself, with exactly the
codec chain :mod:`imagesteward.convert._codec` produces; group metadata (NGFF attributes,
``OME/``, wells) is plain JSON written here, the root's last - its plan digest marks the
conversion complete.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from imagesteward.convert._histogram import ChannelStats
from imagesteward.convert._metadata import (
    group_documents,
    image_attributes,
    ome_group_attributes,
    root_attributes,
    well_attributes,
)
from imagesteward.convert._omexml import ome_xml
from imagesteward.convert._plan import ConversionPlan
from imagesteward.convert._target import Writer

if TYPE_CHECKING:
    from imagesteward.convert._plate import PlateLayout
    from imagesteward.model import Image

__all__ = ["create_arrays", "write_metadata"]


def create_arrays(writer: Writer, plan: ConversionPlan) -> None:
    """Write the metadata of every level's array (overwriting what a previous plan left)."""
    import zarr

    store = writer.store()
    for series in plan.series:
        codec = series.codec
        for number, level in enumerate(series.levels):
            common: dict[str, Any] = {
                "name": series.array_path(number),
                "shape": level.shape,
                "dtype": series.dtype,
                "chunks": level.chunks,
                "fill_value": False if series.dtype == "bool" else 0,
                "overwrite": True,
                "zarr_format": plan.zarr_format,
            }
            if plan.zarr_format == 3:
                from zarr.codecs import BloscCodec

                common.update(
                    shards=level.shards,
                    dimension_names=series.axes.axes,
                    chunk_key_encoding={"name": "default", "separator": "/"},
                    compressors=None
                    if codec.compressor == "none"
                    else [
                        BloscCodec(
                            cname=cast(Any, codec.compressor),
                            clevel=codec.clevel,
                            shuffle=cast(Any, codec.shuffle),
                            blocksize=codec.blocksize,
                        )
                    ],
                )
            else:
                from numcodecs import Blosc  # type: ignore[import-untyped]

                shuffle = {"noshuffle": 0, "shuffle": 1, "bitshuffle": 2}[codec.shuffle]
                common.update(
                    chunk_key_encoding={"name": "v2", "separator": "/"},
                    compressors=None
                    if codec.compressor == "none"
                    else Blosc(
                        cname=codec.compressor,
                        clevel=codec.clevel,
                        shuffle=shuffle,
                        blocksize=codec.blocksize,
                    ),
                )
            zarr.create_array(store, **common)


def write_metadata(
    writer: Writer,
    plan: ConversionPlan,
    images: Sequence[Image],
    stats: dict[int, dict[int, ChannelStats]],
    plate: PlateLayout | None,
    source_name: str,
) -> None:
    """Write every group's metadata and the OME-XML; the root group last."""
    documents: dict[str, bytes] = {}
    root: dict[str, bytes] = {}

    def add(group: str, attributes: dict[str, Any], into: dict[str, bytes]) -> None:
        for name, data in group_documents(attributes, plan.zarr_format).items():
            into[f"{group}/{name}" if group else name] = data

    for series, image in zip(plan.series, images, strict=True):
        attributes = image_attributes(
            plan, series, image, stats[series.position], root=plan.layout == "image"
        )
        add(series.group, attributes, root if not series.group else documents)
    if plate is not None:
        for row in plate.row_names:
            add(row, {}, documents)
        for well in plate.wells():
            add(well, well_attributes(plan, plate, well), documents)
    add("OME", ome_group_attributes(plan), documents)
    documents["OME/METADATA.ome.xml"] = ome_xml(plan, images, plate).encode("utf-8")
    if plan.layout != "image":
        add("", root_attributes(plan, plate, source_name), root)
    writer.put_many(documents)
    writer.put_many(root)  # last: its plan digest marks the conversion complete
