"""The opened LIF container: its images as series, the XML checked before liffile parses it.

Imported only when a LIF file is opened (liffile and numpy are heavy).
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import TYPE_CHECKING, Any

import liffile
import numpy as np
from liffile import LifFile

from imagesteward.errors import CorruptFileError, ImplausibleSizeError
from imagesteward.formats._base import SourceBase
from imagesteward.formats._lif_metadata import LifImageMetadata
from imagesteward.formats._nd2_frames import assemble_frames
from imagesteward.formats.reader import OriginalMetadata, ReadContext, Selection
from imagesteward.formats.safety import check_plausible_size, parse_xml
from imagesteward.model import (
    ArrayStructure,
    Attachment,
    Channel,
    Dimension,
    Image,
    ImageAcquisition,
    Objective,
    PhysicalQuantity,
    SeriesInfo,
)

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

__all__ = ["LifSource"]

_HEADER = struct.Struct("<IIBI")

_EXTRA = {
    "λ": "emission wavelength",
    "Λ": "excitation wavelength",
    "A": "rotation",
    "N": "XT slices",
    "Q": "T slices",
    "M": "mosaic tile",
    "L": "loop",
    "H": "TCSPC histogram",
}


class LifSource(SourceBase):
    """An opened LIF file; each image of the container is a series."""

    def __init__(self, path: Path, context: ReadContext) -> None:
        super().__init__(path)
        self._context = context
        self._size = path.stat().st_size
        self._xml_bytes = self._read_header_xml()
        self._xml_utf8: bytes | None = None
        # Refuse DTDs and entities before liffile parses the XML with the standard library.
        self._root: Element = parse_xml(self._xml_bytes.decode("utf-16-le"), path, context)
        try:
            self._lif: LifFile = liffile.LifFile(path)
        except liffile.LifFileError as exc:
            raise CorruptFileError(path, f"is not a readable LIF file: {exc}") from exc
        self._on_close(self._lif.close)
        self._version = liffile.__version__
        self._images: list[Any] = []
        self._skipped = 0

    def _read_header_xml(self) -> bytes:
        with self.path.open("rb") as handle:
            head = handle.read(_HEADER.size)
            if len(head) < _HEADER.size:
                raise CorruptFileError(
                    self.path, f"is {len(head)} bytes, shorter than the 13-byte LIF header"
                )
            magic, _, marker, length = _HEADER.unpack(head)
            if magic != 0x70 or marker != 0x2A:
                raise CorruptFileError(
                    self.path, f"has no LIF header (bytes 0 and 8 are {magic:#x}, {marker:#x})"
                )
            size = 2 * length
            if size > self._context.max_metadata_bytes:
                raise ImplausibleSizeError(
                    self.path,
                    f"declares {size:,} bytes of XML, over the limit of "
                    f"{self._context.max_metadata_bytes:,} (setting max_metadata_bytes)",
                )
            if _HEADER.size + size > self._size:
                raise CorruptFileError(
                    self.path,
                    f"declares {size:,} bytes of XML after byte {_HEADER.size} but the file has "
                    f"only {self._size:,} bytes (truncated)",
                )
            return handle.read(size)

    # ------------------------------------------------------------------ structure
    def _load_series(self) -> list[SeriesInfo]:
        images = [im for im in self._lif.images if isinstance(im, liffile.LifImage)]
        skipped = len(self._lif.images) - len(images)
        shapes = []
        for image in images:
            self._check_memory(image)
            shapes.append(tuple(image.shape))
        if shapes:
            itemsize = max(image.dtype.itemsize for image in images)
            check_plausible_size(self.path, shapes, itemsize, self._size, self._context)
        self._images = images
        self._skipped = skipped
        return [self._series(i, image) for i, image in enumerate(images)]

    def _check_memory(self, image: Any) -> None:
        try:
            block = image.memory_block
        except (IndexError, KeyError) as exc:
            raise CorruptFileError(
                self.path,
                f"image {image.name!r} has no memory block in the file (the file ends at byte "
                f"{self._size:,}; truncated?)",
            ) from exc
        if block.offset < 0 or block.offset + block.size > self._size:
            raise CorruptFileError(
                self.path,
                f"memory block {block.id} of image {image.name!r} ends at byte "
                f"{block.offset + block.size:,}, past the end of the file ({self._size:,} bytes)",
            )
        if block.size < image.nbytes:
            raise CorruptFileError(
                self.path,
                f"memory block {block.id} holds {block.size:,} bytes but image {image.name!r} "
                f"needs {image.nbytes:,}",
            )

    def _element(self, image: Any) -> Element | None:
        unique = image.attrs.get("UniqueID") or getattr(image, "uuid", None)
        if unique:
            for element in self._root.iter("Element"):
                if element.get("UniqueID") == unique:
                    return element
        return None

    def _series(self, index: int, image: Any) -> SeriesInfo:
        notes: list[str] = []
        if self._skipped:
            notes.append(f"{self._skipped} FLIM image(s) of the container are not read")
        sizes = dict(image.sizes)
        dims = tuple(image.dims)
        element = self._element(image)
        metadata = LifImageMetadata(element, notes) if element is not None else None
        if metadata is None:
            notes.append("the image's XML element was not found; no acquisition metadata")
        structure = ArrayStructure(
            dims=dims,
            shape=tuple(image.shape),
            dtype=image.dtype.name,
            chunks=tuple(
                size if dim in image.frames.frame_dims else 1
                for dim, size in zip(dims, image.shape, strict=True)
            ),
        )
        if dims[-2:] != ("Y", "X") and "Y" not in dims:
            notes.append(
                f"an {''.join(d for d in dims if d in 'XZ')[::-1]} scan: the image plane spans "
                f"{' and '.join(dims[-2:])}; Y has size 1 and no calibration"
            )
        extra = [
            Dimension(name=d, size=sizes[d], description=_EXTRA.get(d, "LIF dimension"))
            for d in dims
            if d not in ("T", "C", "Z", "Y", "X", "S")
        ]
        physical: dict[str, float | None] = {"X": None, "Y": None, "Z": None}
        stored: list[PhysicalQuantity] = []
        channels: list[Channel] = []
        objective: Objective | None = None
        refractive: float | None = None
        date = None
        written = None
        acquisition = None
        if metadata is not None:
            physical, stored = metadata.pixel_sizes()
            channels = metadata.channels()
            objective, refractive = metadata.objective()
            date, written = metadata.acquisition_date()
            acquisition = ImageAcquisition(
                acquisition_mode=metadata.acquisition_mode(),
                acquisition_date=date,
                acquisition_date_as_written=written,
                timezone_known=True if date is not None else None,
                microscope=metadata.microscope(channels, objective),
                objective=objective,
                immersion_refractive_index=refractive,
                stage_position=metadata.stage_position(),
                acquisition_software=metadata.software(),
            )
        size_c = sizes.get("C", 1)
        if len(channels) != size_c:
            channels = channels[:size_c] if len(channels) > size_c else channels
        for axis in ("X", "Y", "Z"):
            if axis not in dims:
                physical[axis] = None
        model = Image(
            name=image.name or None,
            description=self._text_description(element),
            series_index=index,
            file_format="lif",
            reader=f"liffile {self._version}",
            axes="".join(dims),
            size_t=sizes.get("T", 1),
            size_c=size_c,
            size_z=sizes.get("Z", 1),
            size_y=sizes.get("Y", 1),
            size_x=sizes.get("X", 1),
            samples_per_pixel=sizes.get("S", 1),
            extra_dimensions=extra or None,
            pixel_type=image.dtype.name,
            significant_bits=metadata.significant_bits() if metadata else None,
            physical_size_x=physical["X"],
            physical_size_y=physical["Y"],
            physical_size_z=physical["Z"],
            physical_sizes_as_stored=stored or None,
            time_increment=metadata.time_increment() if metadata and "T" in dims else None,
            resolution_levels=["x".join(str(s) for s in image.shape)],
            channels=channels or None,
            acquisition=acquisition,
            original_metadata=self._attachment(),
            capture_notes=notes or None,
        )
        return SeriesInfo(image=model, structure=structure, notes=list(notes))

    @staticmethod
    def _text_description(element: Element | None) -> str | None:
        if element is None:
            return None
        image = element.find("Data/Image")
        text = image.get("TextDescription") if image is not None else None
        return text.strip() if text and text.strip() else None

    def _attachment(self) -> Attachment:
        return self.original_metadata().attachment(
            "LIF container XML (LMSDataContainerHeader); the file's UTF-16 as UTF-8"
        )

    def _original_xml(self) -> bytes:
        if self._xml_utf8 is None:
            self._xml_utf8 = self._xml_bytes.decode("utf-16-le").encode("utf-8")
        return self._xml_utf8

    def original_metadata(self) -> OriginalMetadata:
        """The container XML (UTF-8; the file stores it as UTF-16)."""
        return OriginalMetadata(
            name=f"{self.path.name}.xml", media_type="application/xml", content=self._original_xml()
        )

    # ------------------------------------------------------------------ pixels
    def read(self, series: int, selection: Selection | None = None, level: int = 0) -> np.ndarray:
        """Read a region frame by frame (a frame is the image's innermost plane)."""
        info = self.series[series]
        if level != 0:
            raise IndexError(f"{self.path}: LIF images have one resolution level, not {level}")
        image = self._images[series]
        structure = info.structure
        frame_dims = tuple(image.frames.frame_dims)
        n_outer = len(structure.dims) - len(frame_dims)
        if structure.dims[n_outer:] != frame_dims:
            raise CorruptFileError(
                self.path, f"unexpected frame layout {frame_dims} for axes {structure.dims}"
            )

        def read_frame(coords: dict[str, int]) -> np.ndarray:
            return np.asarray(image.frame(**coords))

        return assemble_frames(structure, selection, n_outer, read_frame)
