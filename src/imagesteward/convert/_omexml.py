"""The OME-XML of a conversion (``OME/METADATA.ome.xml``), built from the model with ome-types.

One ``Image`` per written image, in series order, describing the pixels *as written*: ``SizeC``
counts every output channel (folded samples and extra dimensions included); each ``Channel``
element stands for one source channel at one extra-dimension position and carries
``SamplesPerPixel`` (3 for RGB), as OME counts samples in ``SizeC``. ``MetadataOnly``: the
pixels are in the Zarr arrays. Instrument, objective, detectors and light sources come from the
model document; a plate layout adds ``Plate``/``Well``/``WellSample`` elements.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from imagesteward.convert._metadata import channel_labels, software

if TYPE_CHECKING:
    from imagesteward.convert._plan import ConversionPlan, SeriesPlan
    from imagesteward.convert._plate import PlateLayout
    from imagesteward.model import Channel, Image

__all__ = ["ome_xml"]

_PIXEL_TYPES = {
    "bool": "bit", "float16": "float", "float32": "float", "float64": "double",
    "complex64": "complex", "complex128": "double-complex",
}  # fmt: skip


def ome_xml(plan: ConversionPlan, images: Sequence[Image], plate: PlateLayout | None) -> str:
    """Serialise the OME document of the conversion."""
    from ome_types import model as om
    from ome_types import to_xml

    ome = om.OME(creator=software())
    for series, image in zip(plan.series, images, strict=True):
        instrument = _instrument(om, series.position, image)
        ome.images.append(_image(om, series, image, instrument))
        if instrument is not None:
            ome.instruments.append(instrument)
    if plate is not None:
        ome.plates.append(_plate(om, plan, plate))
    return str(to_xml(ome))


def _enum(enum: Any, value: Any) -> Any:
    if value is None:
        return None
    text = getattr(value, "value", value)
    try:
        return enum(text)
    except ValueError:
        return enum("Other")


def _image(om: Any, series: SeriesPlan, image: Image, instrument: Any) -> Any:
    index = series.position
    sizes = dict(zip(series.axes.axes, series.levels[0].shape, strict=True))
    fold = dict(zip(series.axes.fold_dims, series.axes.fold_sizes, strict=True))
    samples = fold.get("S", 1)
    by_index = {c.channel_index: c for c in image.channels or []}
    channels: list[Any] = []
    for entry in channel_labels(series, image):
        source = entry["source"]
        if source.get("S", 0) != 0:
            continue  # one Channel element per source channel, covering its samples
        model_channel = by_index.get(source.get("C", 0))
        channels.append(
            _channel(
                om,
                index,
                len(channels),
                entry["name"],
                samples,
                model_channel,
                instrument,
                entry["color"] if samples == 1 else None,
            )
        )
    pixels = om.Pixels(
        id=f"Pixels:{index}",
        dimension_order="XYZCT",
        type=_PIXEL_TYPES.get(series.dtype, series.dtype),
        significant_bits=image.significant_bits,
        size_x=sizes.get("x", 1),
        size_y=sizes.get("y", 1),
        size_z=sizes.get("z", 1),
        size_c=sizes.get("c", 1),
        size_t=sizes.get("t", 1),
        physical_size_x=image.physical_size_x,
        physical_size_y=image.physical_size_y,
        physical_size_z=image.physical_size_z,
        time_increment=image.time_increment,
        channels=channels,
        metadata_only=om.MetadataOnly(),
    )
    acquisition = image.acquisition
    result = om.Image(
        id=f"Image:{index}",
        name=image.name,
        description=image.description,
        acquisition_date=acquisition.acquisition_date if acquisition else None,
        pixels=pixels,
    )
    if instrument is not None:
        result.instrument_ref = om.InstrumentRef(id=instrument.id)
        if instrument.objectives:
            result.objective_settings = om.ObjectiveSettings(
                id=instrument.objectives[0].id,
                refractive_index=acquisition.immersion_refractive_index if acquisition else None,
                correction_collar=acquisition.correction_collar if acquisition else None,
            )
    position = acquisition.stage_position if acquisition else None
    if position is not None and any(
        v is not None for v in (position.position_x, position.position_y, position.position_z)
    ):
        result.stage_label = om.StageLabel(
            name="stage position",
            x=position.position_x,
            y=position.position_y,
            z=position.position_z,
        )
    return result


def _channel(
    om: Any,
    image: int,
    number: int,
    label: str | None,
    samples: int,
    channel: Channel | None,
    instrument: Any,
    colour: str | None,
) -> Any:
    values: dict[str, Any] = {
        "id": f"Channel:{image}:{number}",
        "name": label,
        "samples_per_pixel": samples,
    }
    if colour is not None:
        values["color"] = om.Color("#" + colour)
    if channel is not None:
        values.update(
            excitation_wavelength=channel.excitation_wavelength,
            emission_wavelength=channel.emission_wavelength,
            fluor=channel.fluorophore_name,
            pinhole_size=channel.pinhole_size,
            illumination_type=_enum(om.Channel_IlluminationType, channel.illumination_type),
            contrast_method=_enum(om.Channel_ContrastMethod, channel.contrast_method),
            acquisition_mode=_enum(om.Channel_AcquisitionMode, channel.acquisition_mode),
        )
        if instrument is not None and channel.detector is not None:
            detector_id = _detector_id(instrument, channel)
            if detector_id is not None:
                values["detector_settings"] = om.DetectorSettings(
                    id=detector_id,
                    gain=channel.detector_gain,
                    offset=channel.detector_offset,
                    binning=_binning(om, channel.binning),
                )
    return om.Channel(**{k: v for k, v in values.items() if v is not None})


def _binning(om: Any, text: str | None) -> Any:
    if text is None:
        return None
    try:
        return om.Binning(text)
    except ValueError:
        return om.Binning("Other")


def _detector_id(instrument: Any, channel: Channel) -> str | None:
    for detector in instrument.detectors:
        if detector.model == (channel.detector.model if channel.detector else None):
            return str(detector.id)
    return str(instrument.detectors[0].id) if instrument.detectors else None


def _instrument(om: Any, index: int, image: Image) -> Any:
    acquisition = image.acquisition
    microscope = acquisition.microscope if acquisition else None
    objective = acquisition.objective if acquisition else None
    detectors = {
        (c.detector.manufacturer, c.detector.model, c.detector.serial_number): c.detector
        for c in image.channels or []
        if c.detector is not None
    }
    if microscope is None and objective is None and not detectors:
        return None
    instrument = om.Instrument(id=f"Instrument:{index}")
    if microscope is not None:
        instrument.microscope = om.Microscope(
            manufacturer=microscope.manufacturer,
            model=microscope.model,
            serial_number=microscope.serial_number,
        )
    if objective is not None:
        instrument.objectives.append(
            om.Objective(
                id=f"Objective:{index}:0",
                manufacturer=objective.manufacturer,
                model=objective.model,
                serial_number=objective.serial_number,
                nominal_magnification=objective.nominal_magnification,
                calibrated_magnification=objective.calibrated_magnification,
                lens_na=objective.lens_na,
                immersion=_enum(om.Objective_Immersion, objective.immersion),
                correction=_enum(om.Objective_Correction, objective.correction),
                working_distance=objective.working_distance,
            )
        )
    for number, detector in enumerate(detectors.values()):
        instrument.detectors.append(
            om.Detector(
                id=f"Detector:{index}:{number}",
                manufacturer=detector.manufacturer,
                model=detector.model,
                serial_number=detector.serial_number,
                type=_enum(om.Detector_Type, detector.detector_type),
            )
        )
    return instrument


def _plate(om: Any, plan: ConversionPlan, plate: PlateLayout) -> Any:
    rows, columns = list(plate.row_names), list(plate.column_names)
    image_of = {s.source_series: s.position for s in plan.series}
    wells = []
    sample = 0
    for number, (path, fields) in enumerate(plate.wells().items()):
        row, column = path.split("/")
        samples: list[Any] = []
        for field in fields:
            samples.append(
                om.WellSample(
                    id=f"WellSample:0:{number}:{len(samples)}",
                    index=sample,
                    image_ref=om.ImageRef(id=f"Image:{image_of[field.series]}"),
                )
            )
            sample += 1
        wells.append(
            om.Well(
                id=f"Well:0:{number}",
                row=rows.index(row),
                column=columns.index(column),
                well_samples=samples,
            )
        )
    return om.Plate(
        id="Plate:0", name=plate.name, rows=len(rows), columns=len(columns), wells=wells
    )
