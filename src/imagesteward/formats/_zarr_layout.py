"""Where the images of an OME-Zarr are: a root image, a bioformats2raw container, or a plate.

The layouts (NGFF 0.4 and 0.5):

* a ``multiscales`` image at the root: one series;
* ``bioformats2raw.layout`` 3: image groups ``0``, ``1``... (or the paths listed in
  ``OME/.zattrs`` ``series``), the n-th matching the n-th ``Image`` of ``OME/METADATA.ome.xml``;
* an HCS ``plate``: wells, each with fields of view; one series per field, named
  ``<row><column>/<field>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from imagesteward.errors import CorruptFileError, UnsupportedFormatError
from imagesteward.formats._zarr_ngff import validation_problems
from imagesteward.formats._zarr_tree import OME_XML_PATH, ZarrTree, child_path

__all__ = ["ImageRef", "Layout", "discover", "ngff_attributes"]


@dataclass(slots=True)
class ImageRef:
    """One image group that becomes a series.

    ``ome_index`` is its position among the OME-XML ``Image`` elements (bioformats2raw);
    ``well`` is ``(row index, column index, field position)`` for plate fields.
    """

    path: str
    name: str | None = None
    notes: list[str] = field(default_factory=list)
    ome_index: int | None = None
    well: tuple[int, int, int] | None = None


@dataclass(slots=True)
class Layout:
    """The images of an OME-Zarr and what the container says about them."""

    kind: str
    version: str | None
    images: list[ImageRef]
    notes: list[str] = field(default_factory=list)
    has_ome_xml: bool = False


def ngff_attributes(tree: ZarrTree, node: str) -> tuple[dict[str, Any], str | None]:
    """The NGFF attributes of a group and the NGFF version they declare.

    NGFF 0.4 (zarr v2) keeps them at the top of ``.zattrs``; 0.5 (zarr v3) inside ``ome``.
    """
    attributes = tree.attributes(node)
    ome = attributes.get("ome")
    if tree.zarr_format == 3 and isinstance(ome, dict):
        version = ome.get("version")
        return ome, version if isinstance(version, str) else None
    version = None
    for key in ("multiscales", "plate", "well"):
        value = attributes.get(key)
        entry = value[0] if isinstance(value, list) and value else value
        if isinstance(entry, dict) and isinstance(entry.get("version"), str):
            version = entry["version"]
            break
    return attributes, version


def discover(tree: ZarrTree) -> Layout:
    """Find the image groups of the hierarchy at ``tree.root``.

    Raises
    ------
    UnsupportedFormatError
        When the root holds no NGFF image, plate or bioformats2raw container.
    CorruptFileError
        When the container names image groups or wells that are not there.
    """
    attributes, version = ngff_attributes(tree, "")
    has_xml = (tree.root / OME_XML_PATH).is_file()
    if "plate" in attributes:
        layout = _plate(tree, attributes, version)
    elif "multiscales" in attributes:
        layout = Layout("image", version, [ImageRef("")])
    elif "bioformats2raw.layout" in attributes:
        layout = _bioformats2raw(tree, attributes, version)
    else:
        keys = ", ".join(sorted(attributes)) or "none"
        raise UnsupportedFormatError(
            tree.root,
            f"zarr v{tree.zarr_format} group without OME-Zarr (NGFF) metadata: no 'multiscales',"
            f" 'plate' or 'bioformats2raw.layout' attribute (attributes: {keys})",
        )
    layout.has_ome_xml = has_xml
    return layout


def _bioformats2raw(tree: ZarrTree, attributes: dict[str, Any], version: str | None) -> Layout:
    layout_version = attributes.get("bioformats2raw.layout")
    notes = validation_problems("bioformats2raw", version or "0.4", attributes)
    if layout_version != 3:
        notes.append(f"bioformats2raw.layout {layout_version!r} is not 3; read as layout 3")
    ome_attributes, _ = ngff_attributes(tree, "OME")
    listed = ome_attributes.get("series")
    if isinstance(listed, list):
        paths = [child_path(tree.root, "", p, "OME series path") for p in listed]
        origin = "OME/ series attribute"
    else:
        # Without a list, the image groups are 0, 1, 2... up to the first one missing.
        paths = []
        while tree.is_group(str(len(paths))):
            paths.append(str(len(paths)))
        origin = "consecutive group names"
    if not paths:
        raise CorruptFileError(
            tree.root, "bioformats2raw layout without any image group (no group '0')"
        )
    images = []
    for position, path in enumerate(paths):
        if not tree.is_group(path):
            raise CorruptFileError(
                tree.root / path,
                f"the bioformats2raw {origin} lists image group {path!r}, which does not exist",
            )
        images.append(ImageRef(path, ome_index=position))
    notes.append(f"bioformats2raw layout: {len(images)} image group(s) found by {origin}")
    return Layout("bioformats2raw", version, images, notes)


def _names(plate: dict[str, Any], key: str) -> list[str]:
    entries = plate.get(key)
    if not isinstance(entries, list):
        return []
    return [str(e.get("name")) if isinstance(e, dict) else str(e) for e in entries]


def _plate(tree: ZarrTree, attributes: dict[str, Any], version: str | None) -> Layout:
    plate = attributes["plate"]
    if not isinstance(plate, dict) or not isinstance(plate.get("wells"), list):
        raise CorruptFileError(tree.root, "the HCS 'plate' attribute lists no wells")
    notes = validation_problems("plate", version, attributes)
    rows, columns = _names(plate, "rows"), _names(plate, "columns")
    plate_name = plate.get("name")
    label = f"plate {plate_name!r}" if isinstance(plate_name, str) else "plate"
    images: list[ImageRef] = []
    for well in plate["wells"]:
        if not isinstance(well, dict):
            raise CorruptFileError(tree.root, f"plate well entry {well!r} is not an object")
        well_path = child_path(tree.root, "", well.get("path"), "plate well path")
        row_index, column_index = well.get("rowIndex"), well.get("columnIndex")
        parts = well_path.split("/")
        row = (
            rows[row_index]
            if isinstance(row_index, int) and 0 <= row_index < len(rows)
            else (parts[0])
        )
        column = (
            columns[column_index]
            if isinstance(column_index, int) and 0 <= column_index < len(columns)
            else parts[-1]
        )
        if not tree.is_group(well_path):
            raise CorruptFileError(
                tree.root / well_path,
                f"the plate lists well {well_path!r}, but there is no group at that path",
            )
        well_attributes, well_version = ngff_attributes(tree, well_path)
        meta = well_attributes.get("well")
        fields = meta.get("images") if isinstance(meta, dict) else None
        if not isinstance(fields, list):
            raise CorruptFileError(
                tree.root / well_path, "well group without a 'well' attribute listing its images"
            )
        well_notes = validation_problems("well", well_version or version, well_attributes)
        for position, entry in enumerate(fields):
            name = entry.get("path") if isinstance(entry, dict) else None
            field_path = child_path(tree.root, well_path, name, "well image path")
            acquisition = entry.get("acquisition") if isinstance(entry, dict) else None
            note = (
                f"HCS {label}: well {row}{column} (group {well_path}), field {name} "
                f"({position + 1} of {len(fields)})"
            )
            if acquisition is not None:
                note += f", acquisition {acquisition}"
            images.append(
                ImageRef(
                    field_path,
                    name=f"{row}{column}/{name}",
                    notes=[note, *well_notes],
                    well=(
                        row_index if isinstance(row_index, int) else -1,
                        column_index if isinstance(column_index, int) else -1,
                        position,
                    ),
                )
            )
    if not images:
        raise CorruptFileError(tree.root, "the HCS plate holds no field images")
    notes.append(f"HCS {label}: {len(plate['wells'])} well(s), {len(images)} field image(s)")
    return Layout("plate", version, images, notes)
