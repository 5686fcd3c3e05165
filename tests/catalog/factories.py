"""Realistic catalog inputs built by hand: what readers produce for real instruments."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

from imagesteward import model
from imagesteward.catalog import (
    AttachmentInput,
    FilesetInput,
    ImageInput,
    OriginalFileInput,
)

CEST = timezone(timedelta(hours=2))


def digest(label: str) -> str:
    """A deterministic sha256 for a test file."""
    return hashlib.sha256(label.encode()).hexdigest()


def lsm980(
    serial: str = "2631000123", *, name: str | None = "LSM 980 room 2.14"
) -> model.Microscope:
    """A Zeiss confocal with its light sources, detectors and stage."""
    return model.Microscope(
        manufacturer="Carl Zeiss Microscopy",
        model="LSM 980",
        serial_number=serial,
        microscope_type="Inverted",
        instrument_name=name,
        pidinst="https://hdl.handle.net/21.T11998/0000-001A-3905-1",
        facility=model.Organization(
            name="Light Microscopy Facility", ror="https://ror.org/04cdgtt98"
        ),
        light_sources=[
            model.LightSource(light_source_kind="Laser", model="Diode 405-30", wavelength=405.0),
            model.LightSource(light_source_kind="Laser", model="Diode 488-30", wavelength=488.0),
        ],
        detectors=[
            model.Detector(detector_type="GaAsP", model="Airyscan 2"),
            model.Detector(detector_type="PMT", manufacturer="Carl Zeiss Microscopy"),
        ],
        objectives=[
            model.Objective(
                model="Plan-Apochromat 63x/1.40 Oil DIC M27", nominal_magnification=63.0
            ),
        ],
        stage=model.Stage(stage_kind="Motorized", stage_insert="multiwell plate"),
    )


def confocal_image(
    series: int = 0,
    *,
    name: str = "HeLa fixed, Hoechst/GFP",
    microscope: model.Microscope | None = None,
    acquired: datetime | None = None,
    metadata_sha256: str | None = None,
) -> model.Image:
    """A two-channel confocal z-stack with a timezone-aware acquisition date."""
    microscope = microscope if microscope is not None else lsm980()
    return model.Image(
        name=name,
        description="Fixed HeLa cells, nuclei and GFP-tagged tubulin",
        series_index=series,
        file_format="czi",
        reader="czi (czifile 2025.10.1)",
        axes="CZYX",
        size_t=1,
        size_c=2,
        size_z=12,
        size_y=1024,
        size_x=1024,
        samples_per_pixel=1,
        pixel_type="uint16",
        significant_bits=12,
        physical_size_x=0.0425,
        physical_size_y=0.0425,
        physical_size_z=0.13,
        physical_sizes_as_stored=[model.PhysicalQuantity(value=4.25e-08, unit="m")],
        resolution_levels=["2x12x1024x1024", "2x12x512x512"],
        channels=[
            model.Channel(
                channel_index=0,
                name="Hoechst 33342",
                color="#0000FF",
                fluorophore_name="Hoechst 33342",
                fluorophore=model.FluorophoreTerm(term_id="CHEBI:51232", label="Hoechst 33342"),
                excitation_wavelength=405.0,
                emission_wavelength=461.0,
                illumination_type="Epifluorescence",
                contrast_method="Fluorescence",
                acquisition_mode="LaserScanningConfocalMicroscopy",
                pinhole_size=52.6,
                light_source=model.LightSource(light_source_kind="Laser", wavelength=405.0),
                light_source_attenuation=2.0,
                detector=model.Detector(detector_type="GaAsP"),
                detector_gain=750.0,
                zoom=1.7,
            ),
            model.Channel(
                channel_index=1,
                name="EGFP",
                fluorophore_name="EGFP",
                fluorophore=model.FluorophoreTerm(term_id="FPbase:R9NL8", label="EGFP"),
                excitation_wavelength=488.0,
                emission_wavelength=509.0,
                exposure_time=1.03e-06,
                detector_gain=680.5,
            ),
        ],
        acquisition=model.ImageAcquisition(
            imaging_method=model.FBbiTerm(term_id="FBbi:00000251", label="confocal microscopy"),
            acquisition_mode="LaserScanningConfocalMicroscopy",
            acquisition_date=acquired or datetime(2024, 6, 3, 14, 22, 9, 512000, tzinfo=CEST),
            acquisition_date_as_written="2024-06-03T12:22:09.512Z",
            timezone_known=True,
            microscope=microscope,
            objective=model.Objective(
                manufacturer="Carl Zeiss Microscopy",
                model="Plan-Apochromat 63x/1.40 Oil DIC M27",
                nominal_magnification=63.0,
                lens_na=1.4,
                immersion="Oil",
                correction="PlanApo",
                working_distance=190.0,
            ),
            immersion_refractive_index=1.518,
            stage_position=model.StagePosition(
                position_x=-1520.25, position_y=880.5, position_z=4123.0
            ),
            acquisition_software=model.Software(name="ZEN", version="3.9", rrid="RRID:SCR_013672"),
            operator=model.Person(
                name="Ada Imaging",
                orcid="https://orcid.org/0000-0002-1825-0097",
                email="ada@example.org",
            ),
            temperature=37.0,
            co2_percent=5.0,
        ),
        original_metadata=model.Attachment(
            name="original_metadata.xml",
            media_type="application/xml",
            sha256=metadata_sha256 or digest("czi metadata"),
            size_bytes=48213,
        ),
        capture_notes=["physical_size_z taken from the Z interval, not from the stage"],
    )


def widefield_image(series: int = 0, *, name: str = "yeast time lapse") -> model.Image:
    """A Nikon widefield time lapse: local wall-clock date, no serial number, RGB-free."""
    return model.Image(
        name=name,
        series_index=series,
        file_format="nd2",
        reader="nd2 (nd2 0.10.1)",
        axes="TCYX",
        size_t=30,
        size_c=1,
        size_z=1,
        size_y=2048,
        size_x=2048,
        pixel_type="uint16",
        physical_size_x=0.108,
        physical_size_y=0.108,
        time_increment=120.0,
        channels=[
            model.Channel(channel_index=0, name="Brightfield", contrast_method="Brightfield")
        ],
        acquisition=model.ImageAcquisition(
            acquisition_mode="WideField",
            acquisition_date=datetime(2023, 11, 28, 9, 5, 0),
            timezone_known=False,
            microscope=model.Microscope(manufacturer="Nikon", model="Ti2-E"),
            objective=model.Objective(model="CFI Plan Apo λ 100x Oil", nominal_magnification=100.0),
        ),
    )


def bare_image(series: int = 0) -> model.Image:
    """A calibrated-nothing 8-bit image, as a plain TIFF gives it."""
    return model.Image(
        series_index=series,
        file_format="tiff",
        axes="YX",
        size_t=1,
        size_c=1,
        size_z=1,
        size_y=64,
        size_x=80,
        pixel_type="uint8",
    )


def structure_for(image: model.Image) -> model.ArrayStructure:
    """The pixel structure matching an image document."""
    sizes = {
        "T": image.size_t,
        "C": image.size_c,
        "Z": image.size_z,
        "Y": image.size_y,
        "X": image.size_x,
    }
    dims = tuple(image.axes)
    shape = tuple(sizes[d] for d in dims)
    half = tuple(max(1, s // 2) if d in "YX" else s for d, s in zip(dims, shape, strict=True))
    plane = tuple(s if d in "YX" else 1 for d, s in zip(dims, shape, strict=True))
    return model.ArrayStructure(
        dims=dims, shape=shape, dtype=str(image.pixel_type), levels=(shape, half), chunks=plane
    )


def original_file(
    label: str, *, role: str = "primary", in_place: bool = False
) -> OriginalFileInput:
    """An original file named ``label`` whose digest derives from it."""
    sha = digest(label)
    return OriginalFileInput(
        sha256=sha,
        size=1000 + len(label),
        original_name=label.rsplit("/", 1)[-1],
        original_path=label,
        store_key=label if in_place else f"sha256/{sha[:2]}/{sha}",
        stored_in_place=in_place,
        role=role,
    )


def fileset(
    *labels: str,
    images: list[model.Image] | None = None,
    project: str = "Mitosis",
    dataset: str = "2024-06 HeLa",
    with_metadata: bool = True,
) -> FilesetInput:
    """A fileset of files named by ``labels`` (the first primary) and the given images."""
    documents = images if images is not None else [confocal_image()]
    files = [original_file(labels[0])] + [
        original_file(label, role="companion") for label in labels[1:]
    ]
    metadata = None
    if with_metadata:
        metadata = AttachmentInput(
            sha256=digest(f"metadata of {labels[0]}"),
            size=48213,
            name=f"{labels[0]}.xml",
            media_type="application/xml",
        )
    return FilesetInput(
        project=project,
        dataset=dataset,
        reader="czi (czifile 2025.10.1)",
        files=files,
        images=[ImageInput(document=d, structure=structure_for(d)) for d in documents],
        original_metadata=metadata,
        ingested_by="facility-admin",
    )
