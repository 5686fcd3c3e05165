"""OME-XML into the model: the mapping shared by OME-TIFF, OME-XML companions and OME-Zarr.

:func:`parse_ome` turns untrusted XML into an ``ome_types.OME`` only after the defused parser has
refused DTDs, entities and oversized documents. :func:`images_from_ome` maps each OME ``Image`` to
one :class:`~imagesteward.model.Image` plus the notes that explain every decision taken on the
way (units converted, placeholders ignored, references that lead nowhere).

Conventions kept here (and relied on by the readers):

* storage axes are the reverse of ``DimensionOrder`` (``XYZCT`` -> ``TCZYX``), plus ``S`` when a
  channel holds interleaved samples; ``SizeC`` counts samples, so ``SizeC=4`` with one channel of
  ``SamplesPerPixel=4`` is C=1, S=4;
* OME beats TIFF tags, and a value not written is ``None``: no synthesised channel names, no
  size from a default, no objective from a placeholder.
"""

from __future__ import annotations

import contextlib
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC
from functools import cache
from importlib.resources import as_file, files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imagesteward.errors import CorruptFileError, UnsupportedFormatError
from imagesteward.formats._ome_instrument import (
    Inventory,
    enum_value,
    is_placeholder_objective,
    map_detector,
    map_filter_set,
    map_light_path,
    map_light_source,
    map_microscope,
    map_objective,
    member,
    text,
)
from imagesteward.formats._ome_values import (
    celsius,
    exposure,
    length_um,
    physical_sizes,
    plate_notes,
    stage_position,
    time_increment,
    wavelength_nm,
)
from imagesteward.formats.reader import ReadContext
from imagesteward.formats.safety import parse_xml
from imagesteward.model import (
    AcquisitionMode,
    Channel,
    ContrastMethod,
    IlluminationType,
    Image,
    ImageAcquisition,
    Person,
)

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from ome_types import OME
    from ome_types import model as ome

__all__ = [
    "OME_NAMESPACE_PREFIX",
    "OmeLayout",
    "images_from_ome",
    "parse_ome",
    "pixels_layout",
]

OME_NAMESPACE_PREFIX = "http://www.openmicroscopy.org/Schemas/OME/"
OME_2016_06 = OME_NAMESPACE_PREFIX + "2016-06"

_PIXEL_TYPES: dict[str, str] = {
    "int8": "int8",
    "int16": "int16",
    "int32": "int32",
    "uint8": "uint8",
    "uint16": "uint16",
    "uint32": "uint32",
    "float": "float32",
    "double": "float64",
    "complex": "complex64",
    "double-complex": "complex128",
    "bit": "bool",
}
_MICRO = ("µm", "um", "μm")


def parse_ome(xml: str | bytes, path: Path, context: ReadContext) -> OME:
    """Parse untrusted OME-XML, safety checks first.

    Parameters
    ----------
    xml
        The document (an OME-TIFF ImageDescription, a companion file, METADATA.ome.xml).
    path
        The file it came from, named in every error.
    context
        Limits (``max_metadata_bytes``) to honour.

    Returns
    -------
    ome_types.OME
        The parsed document.

    Raises
    ------
    UnsafeContentError
        DTDs, entity declarations, external references.
    ImplausibleSizeError
        A document above ``context.max_metadata_bytes``.
    CorruptFileError
        Not well-formed, not OME, or not valid against the OME schema (with the reason).
    """
    data = xml.encode("utf-8") if isinstance(xml, str) else bytes(xml)
    root = parse_xml(data, path, context)
    namespace, _, local = root.tag.rpartition("}")
    if local != "OME" or not namespace.lstrip("{").startswith(OME_NAMESPACE_PREFIX):
        raise CorruptFileError(
            path, f"metadata XML is not OME-XML: its root element is <{root.tag}>, not <OME>"
        )
    from ome_types import from_xml

    try:
        with warnings.catch_warnings():
            # xsdata warns once per bad value before pydantic raises; the error says it all.
            warnings.simplefilter("ignore")
            # Bytes, never str: ome-types treats a str naming an existing file as a path.
            return from_xml(
                data,
                validate=not _validated_2016(data, namespace, path),
                parser_kwargs={"context": _binding_context()},
            )
    except ImportError as exc:
        raise UnsupportedFormatError(
            path,
            f"OME-XML in an older schema ({namespace.lstrip('{')}) needs an XSLT upgrade "
            f"that requires lxml, which is not installed ({exc})",
        ) from exc
    except ValueError as exc:  # pydantic.ValidationError, xsdata ParserError, ome-types errors
        raise CorruptFileError(
            path, f"OME-XML does not conform to the OME schema: {_reason(exc)}"
        ) from exc


_SCHEMAS = threading.local()
# libxml2 compiles schemas through process-wide state (built-in type tables, the dictionary):
# two threads compiling at once failed with "Internal error: xmlSchemaPValAttrNodeValue".
# Compilation happens once per thread, so serialising it costs nothing measurable.
_COMPILE_LOCK = threading.Lock()


def _ome_2016_schema() -> Any:
    """The OME 2016-06 XSD compiled once per thread (lxml validators are not thread-safe).

    ome-types compiles the 300 KB schema for every document it validates, which cost more
    than everything else in reading a small OME-TIFF.
    """
    schema = getattr(_SCHEMAS, "ome_2016_06", None)
    if schema is None:
        from lxml import etree

        xsd = files("ome_types").joinpath("ome-2016-06.xsd")
        with _COMPILE_LOCK, as_file(xsd) as xsd_path:
            schema = etree.XMLSchema(etree.parse(str(xsd_path)))
        _SCHEMAS.ome_2016_06 = schema
    return schema


def _validated_2016(data: bytes, namespace: str, path: Path) -> bool:
    """Validate current-schema OME-XML against the XSD; False leaves older ones to ome-types.

    Raises
    ------
    CorruptFileError
        With the schema's reasons (line numbers included) when the document is invalid.
    """
    if namespace.lstrip("{") != OME_2016_06:
        return False
    from lxml import etree

    # The bytes already passed the defused parser; this parser resolves nothing either.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    schema = _ome_2016_schema()
    if not schema.validate(etree.fromstring(data, parser).getroottree()):
        reasons = [f"line {e.line}: {e.message}" for e in list(schema.error_log)[:3]]
        raise CorruptFileError(
            path, f"OME-XML does not conform to the OME schema: {'; '.join(reasons)}"
        )
    return True


@cache
def _binding_context() -> Any:
    """One xsdata binding context for the process.

    ome-types builds a new parser per document by default, and with it a new context that
    re-derives the metadata of every OME class (``typing.get_type_hints`` thousands of times):
    about 60 % of the cost of reading a small OME-TIFF. The context is a cache, safe to share.
    """
    from xsdata_pydantic_basemodel.bindings import XmlContext

    return XmlContext()


def _reason(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            items = errors()
        except Exception:  # noqa: BLE001 - fall back to the message
            items = None
        if items:
            title = getattr(exc, "title", "")
            parts = [
                f"{title}.{'.'.join(str(p) for p in item.get('loc', ()))}: {item.get('msg')} "
                f"(got {item.get('input')!r:.60})"
                for item in items[:3]
            ]
            return "; ".join(parts)
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    # XSD validation puts a header first ("Validation of '<OME...' failed:") and the reasons,
    # one per line starting with "- line N:", after it; the reasons are what the user needs.
    reasons = [line.lstrip("- ") for line in lines if line.startswith("- ")]
    if reasons:
        return "; ".join(reasons[:3])
    return lines[0] if lines else type(exc).__name__


@dataclass(frozen=True, slots=True)
class OmeLayout:
    """How one OME Pixels element is laid out: storage axes, sizes and the plane order."""

    dims: tuple[str, ...]
    shape: tuple[int, ...]
    dtype: str
    samples: int
    size_c: int
    #: The three non-plane axes, fastest first, as planes follow each other (e.g. ``ZCT``).
    plane_order: str
    notes: tuple[str, ...] = ()

    def size(self, dim: str) -> int:
        """Size along ``dim`` (1 when absent)."""
        return self.shape[self.dims.index(dim)] if dim in self.dims else 1

    @property
    def plane_count(self) -> int:
        """Number of 2-D planes (Z x C x T, with C counting channels, not samples)."""
        return self.size("Z") * self.size("C") * self.size("T")

    def plane_index(self, z: int, c: int, t: int) -> int:
        """Linear plane index of (z, c, t) in the order the planes are stored."""
        position = {"Z": z, "C": c, "T": t}
        index, stride = 0, 1
        for dim in self.plane_order:
            index += position[dim] * stride
            stride *= self.size(dim)
        return index


def pixels_layout(pixels: ome.Pixels) -> OmeLayout:
    """Storage axes and sizes of an OME Pixels element, samples separated from channels."""
    notes: list[str] = []
    order = enum_value(pixels.dimension_order) or "XYZCT"
    samples = 1
    size_c = pixels.size_c
    per_channel = {ch.samples_per_pixel or 1 for ch in pixels.channels}
    if len(per_channel) == 1 and (spp := per_channel.pop()) > 1:
        if size_c % spp == 0:
            samples, size_c = spp, size_c // spp
            notes.append(
                f"SizeC={pixels.size_c} counts samples: {size_c} channel(s) of "
                f"{spp} interleaved samples (C={size_c}, S={spp})"
            )
        else:
            notes.append(
                f"channels declare {spp} samples per pixel but SizeC={pixels.size_c} is not a "
                "multiple; samples ignored"
            )
    elif len(per_channel) > 1:
        notes.append(f"channels declare differing SamplesPerPixel {sorted(per_channel)}; ignored")
    sizes = {
        "X": pixels.size_x,
        "Y": pixels.size_y,
        "Z": pixels.size_z,
        "C": size_c,
        "T": pixels.size_t,
    }
    dims = tuple(reversed(order))
    shape = tuple(sizes[d] for d in dims)
    if samples > 1:
        dims, shape = (*dims, "S"), (*shape, samples)
    dtype = _PIXEL_TYPES[enum_value(pixels.type) or "uint8"]
    return OmeLayout(dims, shape, dtype, samples, size_c, order[2:], tuple(notes))


def images_from_ome(ome: OME, *, file_format: str, reader: str) -> list[tuple[Image, list[str]]]:
    """Map every OME Image to a model Image, with the notes explaining each decision.

    Parameters
    ----------
    ome
        A parsed document (from :func:`parse_ome`).
    file_format
        ``file_format`` of the records (``ome-tiff``, ``ome-xml``, ``ome-zarr``).
    reader
        ``reader`` of the records: name and version of the reader.

    Returns
    -------
    list of (Image, list of str)
        One entry per OME Image, in document order; the notes are also in ``capture_notes``.
    """
    return map_ome_images(ome, file_format=file_format, reader=reader)


def map_ome_images(
    ome: OME,
    *,
    file_format: str,
    reader: str,
    dates_as_written: Sequence[str | None] | None = None,
) -> list[tuple[Image, list[str]]]:
    """:func:`images_from_ome`, with the acquisition dates' original text when known."""
    mapper = _Mapper(ome, file_format, reader)
    results = []
    for index, image in enumerate(ome.images):
        written = None
        if dates_as_written is not None and index < len(dates_as_written):
            written = dates_as_written[index]
        results.append(mapper.image(index, image, written))
    return results


def acquisition_dates_as_written(root: Element) -> list[str | None]:
    """The text of each Image's AcquisitionDate, in document order, from the raw XML tree."""
    dates: list[str | None] = []
    for element in root:
        if element.tag.rpartition("}")[2] != "Image":
            continue
        found = next(
            (c.text for c in element if c.tag.rpartition("}")[2] == "AcquisitionDate"), None
        )
        dates.append(found.strip() if found else None)
    return dates


@dataclass(slots=True)
class _Mapper:
    document: OME
    file_format: str
    reader: str
    inventory: Inventory = field(init=False)
    wells: dict[str, list[str]] = field(init=False)
    document_notes: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.inventory = Inventory.of(self.document)
        self.wells, self.document_notes = plate_notes(self.document)
        if self.document.creator:
            self.document_notes.append(f"OME-XML written by {self.document.creator}")

    def image(self, index: int, image: ome.Image, written: str | None) -> tuple[Image, list[str]]:
        notes: list[str] = list(self.document_notes)
        notes.extend(self.wells.get(image.id, []))
        pixels = image.pixels
        layout = pixels_layout(pixels)
        notes.extend(layout.notes)
        sizes, as_stored = physical_sizes(pixels, notes)
        record = Image(
            name=text(image.name),
            description=text(image.description),
            series_index=index,
            file_format=self.file_format,
            reader=self.reader,
            axes="".join(layout.dims),
            size_t=layout.size("T"),
            size_c=layout.size_c,
            size_z=layout.size("Z"),
            size_y=layout.size("Y"),
            size_x=layout.size("X"),
            samples_per_pixel=layout.samples,
            pixel_type=layout.dtype,
            significant_bits=pixels.significant_bits if pixels.significant_bits else None,
            physical_size_x=sizes["X"],
            physical_size_y=sizes["Y"],
            physical_size_z=sizes["Z"],
            physical_sizes_as_stored=as_stored or None,
            time_increment=time_increment(pixels, layout.size("T"), notes),
            channels=self._channels(pixels, layout, notes),
            acquisition=self._acquisition(image, notes, written),
        )
        if record.acquisition is not None and record.channels:
            modes = {c.acquisition_mode for c in record.channels}
            if len(modes) == 1 and (mode := modes.pop()) is not None:
                record.acquisition.acquisition_mode = mode
        record.capture_notes = list(notes) or None
        return record, notes

    # ------------------------------------------------------------------ channels
    def _channels(self, pixels: ome.Pixels, layout: OmeLayout, notes: list[str]) -> list[Channel]:
        channels = []
        for c, element in enumerate(pixels.channels[: layout.size_c]):
            channels.append(self._channel(c, element, pixels, notes))
        if len(pixels.channels) != layout.size_c:
            notes.append(
                f"{len(pixels.channels)} Channel element(s) for {layout.size_c} channel(s); "
                + (
                    "extra ones ignored"
                    if len(pixels.channels) > layout.size_c
                    else "the others have no settings"
                )
            )
        channels.extend(Channel(channel_index=c) for c in range(len(channels), layout.size_c))
        return channels

    def _channel(
        self, index: int, element: ome.Channel, pixels: ome.Pixels, notes: list[str]
    ) -> Channel:
        what = f"channel {index}"
        channel = Channel(
            channel_index=index,
            name=text(element.name),
            samples_per_pixel=element.samples_per_pixel,
            fluorophore_name=text(element.fluor),
            excitation_wavelength=wavelength_nm(
                element.excitation_wavelength,
                element.excitation_wavelength_unit,
                f"{what} excitation",
                notes,
            ),
            emission_wavelength=wavelength_nm(
                element.emission_wavelength,
                element.emission_wavelength_unit,
                f"{what} emission",
                notes,
            ),
            illumination_type=member(IlluminationType, element.illumination_type, what, notes),
            contrast_method=member(ContrastMethod, element.contrast_method, what, notes),
            acquisition_mode=member(AcquisitionMode, element.acquisition_mode, what, notes),
            exposure_time=exposure(pixels, index),
            pinhole_size=length_um(
                element.pinhole_size, element.pinhole_size_unit, f"{what} pinhole", notes
            ),
        )
        if "color" in element.model_fields_set and element.color is not None:
            red, green, blue = element.color.as_rgb_tuple()[:3]
            channel.color = f"#{red:02X}{green:02X}{blue:02X}"
        self._light_source_settings(channel, element, notes)
        self._detector_settings(channel, element, notes)
        self._filters(channel, element, notes)
        return channel

    def _light_source_settings(
        self, channel: Channel, element: ome.Channel, notes: list[str]
    ) -> None:
        settings = element.light_source_settings
        if settings is None:
            return
        what = f"channel {channel.channel_index}"
        source = self.inventory.light_sources.get(settings.id)
        if source is None:
            notes.append(
                f"{what}: LightSourceSettings names {settings.id}, which is not in the "
                "instrument; ignored"
            )
        else:
            channel.light_source = map_light_source(source, notes)
        if settings.attenuation is not None:
            if 0 <= settings.attenuation <= 1:
                # OME Attenuation is a fraction (PercentFraction); the model holds percent.
                channel.light_source_attenuation = float(f"{settings.attenuation * 100:.12g}")
            else:
                notes.append(f"{what}: attenuation {settings.attenuation} outside 0-1; ignored")
        used = wavelength_nm(
            settings.wavelength, settings.wavelength_unit, f"{what} light source setting", notes
        )
        if used is not None:
            if channel.light_source is not None:
                channel.light_source.wavelength = used
            if channel.excitation_wavelength is None:
                channel.excitation_wavelength = used
                notes.append(
                    f"{what}: excitation wavelength {used} nm taken from the light "
                    "source setting (the Channel gives none)"
                )

    def _detector_settings(self, channel: Channel, element: ome.Channel, notes: list[str]) -> None:
        settings = element.detector_settings
        if settings is None:
            return
        what = f"channel {channel.channel_index}"
        detector = self.inventory.detectors.get(settings.id)
        if detector is None:
            notes.append(
                f"{what}: DetectorSettings names {settings.id}, which is not in the "
                "instrument; ignored"
            )
        else:
            channel.detector = map_detector(detector, notes)
        channel.detector_gain = settings.gain
        channel.detector_offset = settings.offset
        binning = enum_value(settings.binning)
        if binning is not None:
            if binning[:1].isdigit():
                channel.binning = binning
            else:
                notes.append(f"{what}: binning {binning!r} is not NxN; left empty")
        if settings.zoom is not None and settings.zoom >= 0:
            channel.zoom = settings.zoom

    def _filters(self, channel: Channel, element: ome.Channel, notes: list[str]) -> None:
        what = f"channel {channel.channel_index}"
        if element.filter_set_ref is not None:
            found = self.inventory.filter_sets.get(element.filter_set_ref.id)
            if found is None:
                notes.append(
                    f"{what}: FilterSetRef {element.filter_set_ref.id} names no FilterSet; ignored"
                )
            else:
                channel.filter_set = map_filter_set(found, self.inventory, notes)
                return
        if element.light_path is not None:
            channel.filter_set = map_light_path(element.light_path, self.inventory, notes)
            if channel.filter_set is not None:
                notes.append(f"{what}: filter set built from the channel's LightPath")

    # ------------------------------------------------------------------ acquisition
    def _acquisition(
        self, image: ome.Image, notes: list[str], written: str | None
    ) -> ImageAcquisition:
        acquisition = ImageAcquisition()
        when = image.acquisition_date
        if when is not None:
            acquisition.acquisition_date_as_written = written or when.isoformat()
            if when.tzinfo is not None and when.utcoffset() is not None:
                acquisition.acquisition_date = when.astimezone(UTC)
                acquisition.timezone_known = True
            else:
                acquisition.acquisition_date = when
                acquisition.timezone_known = False
                notes.append("AcquisitionDate has no time zone: kept as local wall-clock time")
        instrument = self._instrument(image, notes)
        if instrument is not None:
            microscope = map_microscope(instrument, self.inventory, notes)
            # An Instrument holding only placeholders describes no microscope.
            if microscope.model_dump(exclude_none=True):
                acquisition.microscope = microscope
        self._objective(image, acquisition, notes)
        acquisition.stage_position = stage_position(image.pixels, notes)
        acquisition.operator = self._operator(image)
        environment = image.imaging_environment
        if environment is not None:
            acquisition.temperature = celsius(
                environment.temperature, enum_value(environment.temperature_unit)
            )
            if environment.co2_percent is not None and 0 <= environment.co2_percent <= 1:
                acquisition.co2_percent = float(f"{environment.co2_percent * 100:.12g}")
        return acquisition

    def _instrument(self, image: ome.Image, notes: list[str]) -> ome.Instrument | None:
        if image.instrument_ref is not None:
            found = self.inventory.instruments.get(image.instrument_ref.id)
            if found is None:
                notes.append(f"InstrumentRef {image.instrument_ref.id} names no Instrument")
            return found
        if len(self.document.instruments) == 1:
            notes.append(
                "the image has no InstrumentRef; the document's only Instrument is "
                "taken as its instrument"
            )
            return self.document.instruments[0]
        if self.document.instruments:
            notes.append(
                "the image has no InstrumentRef and the document lists "
                f"{len(self.document.instruments)} instruments; none linked"
            )
        return None

    def _objective(self, image: ome.Image, acquisition: ImageAcquisition, notes: list[str]) -> None:
        settings = image.objective_settings
        if settings is None:
            if any(i.objectives for i in self.document.instruments):
                notes.append(
                    "no ObjectiveSettings: no objective is linked to the image "
                    "(the instrument's objectives are an inventory only)"
                )
            return
        if settings.refractive_index is not None:
            if settings.refractive_index >= 1:
                acquisition.immersion_refractive_index = settings.refractive_index
            else:
                notes.append(
                    f"ObjectiveSettings RefractiveIndex {settings.refractive_index} "
                    "below 1; ignored"
                )
        acquisition.correction_collar = settings.correction_collar
        objective = self.inventory.objectives.get(settings.id)
        if objective is None:
            notes.append(
                f"ObjectiveSettings names {settings.id}, which is not in the "
                "instrument; no objective"
            )
        elif is_placeholder_objective(objective):
            notes.append(
                f"objective {settings.id} is a placeholder (no model, NA or "
                "magnification); no objective recorded"
            )
        else:
            acquisition.objective = map_objective(objective, notes)

    def _operator(self, image: ome.Image) -> Person | None:
        if image.experimenter_ref is None:
            return None
        found = next(
            (e for e in self.document.experimenters if e.id == image.experimenter_ref.id), None
        )
        if found is None:
            return None
        parts = [text(found.first_name), text(found.middle_name), text(found.last_name)]
        name = " ".join(p for p in parts if p) or text(found.user_name)
        if name is None:
            return None
        person = Person(name=name)
        email = text(found.email)
        if email and "@" in email and " " not in email:
            with contextlib.suppress(ValueError):  # an address the model's pattern refuses
                person.email = email
        return person
