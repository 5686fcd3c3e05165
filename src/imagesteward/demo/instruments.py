"""The instruments of the demo imaging facility, defined once and shared by the demo files.

Four instruments, described the way an acquisition system writes them into OME-XML: stand,
objectives, light sources, detectors, filters and filter sets. Manufacturer and model names are
real products; every serial number starts with ``DEMO-`` so nobody mistakes them for real ones.
Files recorded on the same instrument carry identical descriptions, which is what lets the
catalog recognise one instrument behind several files: the confocal recorded two demo files,
the widefield two. The spinning disk is a second Nikon Ti2-E stand with a different serial
number, so matching instruments by model alone would wrongly merge it with the widefield.

Each builder returns a fresh :class:`ome_types.model.Instrument` (so callers may not alter a
shared one); parts are referred to by the IDs in the ``*_ID`` constants.
"""

from __future__ import annotations

from ome_types import model as ome

__all__ = [
    "CONFOCAL_DETECTOR_HYD",
    "CONFOCAL_DETECTOR_PMT",
    "CONFOCAL_LASER_488",
    "CONFOCAL_LASER_561",
    "CONFOCAL_OBJECTIVE_20X",
    "CONFOCAL_OBJECTIVE_63X",
    "INSTRUMENT_ID",
    "SCANNER_CAMERA",
    "SCANNER_LED",
    "SCANNER_OBJECTIVE_20X",
    "SPINNING_DISK_CAMERA",
    "SPINNING_DISK_FILTERS_GREEN",
    "SPINNING_DISK_FILTERS_RED",
    "SPINNING_DISK_LASER_488",
    "SPINNING_DISK_LASER_561",
    "SPINNING_DISK_OBJECTIVE_40X",
    "WIDEFIELD_CAMERA",
    "WIDEFIELD_CUBE_DAPI",
    "WIDEFIELD_CUBE_GFP",
    "WIDEFIELD_CUBE_TXRED",
    "WIDEFIELD_LED_CYAN",
    "WIDEFIELD_LED_GREEN",
    "WIDEFIELD_LED_VIOLET",
    "WIDEFIELD_OBJECTIVE_20X",
    "WIDEFIELD_OBJECTIVE_60X",
    "confocal",
    "find_part",
    "slide_scanner",
    "spinning_disk",
    "widefield",
]

INSTRUMENT_ID = "Instrument:0"

WIDEFIELD_OBJECTIVE_60X = "Objective:0:0"
WIDEFIELD_OBJECTIVE_20X = "Objective:0:1"
WIDEFIELD_LED_VIOLET = "LightSource:0:0"
WIDEFIELD_LED_CYAN = "LightSource:0:1"
WIDEFIELD_LED_GREEN = "LightSource:0:2"
WIDEFIELD_CAMERA = "Detector:0:0"
WIDEFIELD_CUBE_DAPI = "FilterSet:0:0"
WIDEFIELD_CUBE_GFP = "FilterSet:0:1"
WIDEFIELD_CUBE_TXRED = "FilterSet:0:2"

SPINNING_DISK_OBJECTIVE_40X = "Objective:0:0"
SPINNING_DISK_LASER_488 = "LightSource:0:0"
SPINNING_DISK_LASER_561 = "LightSource:0:1"
SPINNING_DISK_CAMERA = "Detector:0:0"
SPINNING_DISK_FILTERS_GREEN = "FilterSet:0:0"
SPINNING_DISK_FILTERS_RED = "FilterSet:0:1"

CONFOCAL_OBJECTIVE_63X = "Objective:0:0"
CONFOCAL_OBJECTIVE_20X = "Objective:0:1"
CONFOCAL_LASER_488 = "LightSource:0:1"
CONFOCAL_LASER_561 = "LightSource:0:2"
CONFOCAL_DETECTOR_HYD = "Detector:0:0"
CONFOCAL_DETECTOR_PMT = "Detector:0:1"

SCANNER_OBJECTIVE_20X = "Objective:0:0"
SCANNER_LED = "LightSource:0:0"
SCANNER_CAMERA = "Detector:0:0"


def _band(
    id_: str, model: str, kind: str, cut_in: float, cut_out: float | None = None
) -> ome.Filter:
    return ome.Filter(
        id=id_,
        manufacturer="Semrock",
        model=model,
        type=kind,
        transmittance_range=ome.TransmittanceRange(
            cut_in=cut_in, cut_out=cut_out, transmittance=0.93
        ),
    )


def widefield() -> ome.Instrument:
    """Widefield 1: Nikon Eclipse Ti2-E, Lumencor SPECTRA III LEDs, Hamamatsu ORCA-Fusion BT.

    Returns
    -------
    ome_types.model.Instrument
        The instrument with two objectives (60x oil, 20x air), three LED lines, an sCMOS
        camera and three filter cubes (DAPI, GFP, Texas Red).
    """
    return ome.Instrument(
        id=INSTRUMENT_ID,
        microscope=ome.Microscope(
            manufacturer="Nikon",
            model="Eclipse Ti2-E",
            serial_number="DEMO-TI2E-0417",
            type="Inverted",
        ),
        objectives=[
            ome.Objective(
                id=WIDEFIELD_OBJECTIVE_60X,
                manufacturer="Nikon",
                model="CFI Plan Apochromat Lambda D 60X Oil",
                serial_number="DEMO-OBJ-60-5521",
                nominal_magnification=60.0,
                lens_na=1.42,
                immersion="Oil",
                correction="PlanApo",
                working_distance=150.0,
            ),
            ome.Objective(
                id=WIDEFIELD_OBJECTIVE_20X,
                manufacturer="Nikon",
                model="CFI Plan Apochromat Lambda D 20X",
                serial_number="DEMO-OBJ-20-7730",
                nominal_magnification=20.0,
                lens_na=0.8,
                immersion="Air",
                correction="PlanApo",
                working_distance=800.0,
            ),
        ],
        light_emitting_diodes=[
            ome.LightEmittingDiode(
                id=WIDEFIELD_LED_VIOLET,
                manufacturer="Lumencor",
                model="SPECTRA III violet 395/25",
                serial_number="DEMO-SP3-2231-V",
                power=500.0,
            ),
            ome.LightEmittingDiode(
                id=WIDEFIELD_LED_CYAN,
                manufacturer="Lumencor",
                model="SPECTRA III cyan 475/28",
                serial_number="DEMO-SP3-2231-C",
                power=480.0,
            ),
            ome.LightEmittingDiode(
                id=WIDEFIELD_LED_GREEN,
                manufacturer="Lumencor",
                model="SPECTRA III green 555/28",
                serial_number="DEMO-SP3-2231-G",
                power=520.0,
            ),
        ],
        detectors=[
            ome.Detector(
                id=WIDEFIELD_CAMERA,
                manufacturer="Hamamatsu",
                model="ORCA-Fusion BT C15440-20UP",
                serial_number="DEMO-C15440-000871",
                type="CMOS",
            ),
        ],
        filters=[
            _band("Filter:0:0", "FF01-377/50", "BandPass", 352.0, 402.0),
            _band("Filter:0:1", "FF02-409/LP", "LongPass", 409.0),
            _band("Filter:0:2", "FF01-472/30", "BandPass", 457.0, 487.0),
            _band("Filter:0:3", "FF01-520/35", "BandPass", 502.5, 537.5),
            _band("Filter:0:4", "FF01-562/40", "BandPass", 542.0, 582.0),
            _band("Filter:0:5", "FF01-624/40", "BandPass", 604.0, 644.0),
        ],
        dichroics=[
            ome.Dichroic(id="Dichroic:0:0", manufacturer="Semrock", model="FF409-Di03"),
            ome.Dichroic(id="Dichroic:0:1", manufacturer="Semrock", model="FF495-Di03"),
            ome.Dichroic(id="Dichroic:0:2", manufacturer="Semrock", model="FF593-Di03"),
        ],
        filter_sets=[
            _cube(WIDEFIELD_CUBE_DAPI, "DAPI-50LP-A", "Filter:0:0", "Dichroic:0:0", "Filter:0:1"),
            _cube(WIDEFIELD_CUBE_GFP, "GFP-3035D", "Filter:0:2", "Dichroic:0:1", "Filter:0:3"),
            _cube(WIDEFIELD_CUBE_TXRED, "TXRED-4040C", "Filter:0:4", "Dichroic:0:2", "Filter:0:5"),
        ],
    )


def _cube(
    id_: str, model: str, excitation: str | None, dichroic: str, emission: str
) -> ome.FilterSet:
    return ome.FilterSet(
        id=id_,
        manufacturer="Semrock",
        model=model,
        excitation_filters=[ome.FilterRef(id=excitation)] if excitation else [],
        dichroic_ref=ome.DichroicRef(id=dichroic),
        emission_filters=[ome.FilterRef(id=emission)],
    )


def spinning_disk() -> ome.Instrument:
    """Spinning disk 1: a second Nikon Eclipse Ti2-E with a Yokogawa CSU-W1 and a Prime BSI.

    Returns
    -------
    ome_types.model.Instrument
        The instrument with a 40x water objective, 488 and 561 nm lasers, an sCMOS camera
        and the disk's quad-band dichroic with two emission filters.
    """
    return ome.Instrument(
        id=INSTRUMENT_ID,
        microscope=ome.Microscope(
            manufacturer="Nikon",
            model="Eclipse Ti2-E",
            serial_number="DEMO-TI2E-0952",
            type="Inverted",
        ),
        objectives=[
            ome.Objective(
                id=SPINNING_DISK_OBJECTIVE_40X,
                manufacturer="Nikon",
                model="CFI Apochromat LWD Lambda S 40XC WI",
                serial_number="DEMO-OBJ-40-1184",
                nominal_magnification=40.0,
                lens_na=1.15,
                immersion="Water",
                correction="Apo",
                working_distance=600.0,
            ),
        ],
        lasers=[
            ome.Laser(
                id=SPINNING_DISK_LASER_488,
                manufacturer="Coherent",
                model="OBIS 488 LX",
                serial_number="DEMO-OBIS-488-3391",
                type="Semiconductor",
                wavelength=488.0,
                power=150.0,
            ),
            ome.Laser(
                id=SPINNING_DISK_LASER_561,
                manufacturer="Coherent",
                model="OBIS 561 LS",
                serial_number="DEMO-OBIS-561-4410",
                type="SolidState",
                wavelength=561.0,
                power=100.0,
            ),
        ],
        detectors=[
            ome.Detector(
                id=SPINNING_DISK_CAMERA,
                manufacturer="Teledyne Photometrics",
                model="Prime BSI",
                serial_number="DEMO-PBSI-1187",
                type="CMOS",
            ),
        ],
        filters=[
            _band("Filter:0:0", "FF01-525/50", "BandPass", 500.0, 550.0),
            _band("Filter:0:1", "FF01-600/52", "BandPass", 574.0, 626.0),
        ],
        dichroics=[
            ome.Dichroic(id="Dichroic:0:0", manufacturer="Semrock", model="Di01-T405/488/568/647"),
        ],
        filter_sets=[
            _cube(
                SPINNING_DISK_FILTERS_GREEN,
                "CSU-W1 quad, 525/50",
                None,
                "Dichroic:0:0",
                "Filter:0:0",
            ),
            _cube(
                SPINNING_DISK_FILTERS_RED, "CSU-W1 quad, 600/52", None, "Dichroic:0:0", "Filter:0:1"
            ),
        ],
    )


def confocal() -> ome.Instrument:
    """Confocal 1: Leica TCS SP8 with four laser lines, a HyD and a PMT.

    Returns
    -------
    ome_types.model.Instrument
        The instrument with 63x oil and 20x air objectives, 405/488/561/633 nm lasers and two
        point detectors (spectral detection needs no filter sets).
    """
    return ome.Instrument(
        id=INSTRUMENT_ID,
        microscope=ome.Microscope(
            manufacturer="Leica Microsystems",
            model="TCS SP8",
            serial_number="DEMO-SP8-8310",
            type="Inverted",
        ),
        objectives=[
            ome.Objective(
                id=CONFOCAL_OBJECTIVE_63X,
                manufacturer="Leica Microsystems",
                model="HC PL APO 63x/1.40 OIL CS2",
                serial_number="DEMO-OBJ-63-0662",
                nominal_magnification=63.0,
                lens_na=1.4,
                immersion="Oil",
                correction="PlanApo",
                working_distance=140.0,
            ),
            ome.Objective(
                id=CONFOCAL_OBJECTIVE_20X,
                manufacturer="Leica Microsystems",
                model="HC PL APO 20x/0.75 CS2",
                serial_number="DEMO-OBJ-20-0931",
                nominal_magnification=20.0,
                lens_na=0.75,
                immersion="Air",
                correction="PlanApo",
                working_distance=620.0,
            ),
        ],
        lasers=[
            ome.Laser(
                id="LightSource:0:0",
                manufacturer="Leica Microsystems",
                model="Diode 405",
                serial_number="DEMO-L405-1102",
                type="Semiconductor",
                wavelength=405.0,
                power=50.0,
            ),
            ome.Laser(
                id=CONFOCAL_LASER_488,
                manufacturer="Leica Microsystems",
                model="OPSL 488",
                serial_number="DEMO-L488-1103",
                type="SolidState",
                wavelength=488.0,
                power=20.0,
            ),
            ome.Laser(
                id=CONFOCAL_LASER_561,
                manufacturer="Leica Microsystems",
                model="DPSS 561",
                serial_number="DEMO-L561-1104",
                type="SolidState",
                laser_medium="NdYAG",
                wavelength=561.0,
                power=20.0,
            ),
            ome.Laser(
                id="LightSource:0:3",
                manufacturer="Leica Microsystems",
                model="HeNe 633",
                serial_number="DEMO-L633-1105",
                type="Gas",
                laser_medium="HeNe",
                wavelength=633.0,
                power=10.0,
            ),
        ],
        detectors=[
            ome.Detector(
                id=CONFOCAL_DETECTOR_HYD,
                manufacturer="Leica Microsystems",
                model="HyD",
                serial_number="DEMO-HYD-2204",
                type="Other",
            ),
            ome.Detector(
                id=CONFOCAL_DETECTOR_PMT,
                manufacturer="Leica Microsystems",
                model="PMT",
                serial_number="DEMO-PMT-3317",
                type="PMT",
            ),
        ],
    )


def slide_scanner() -> ome.Instrument:
    """Slide scanner 1: Evident SLIDEVIEW VS200 with a 20x/0.8 objective and a colour camera.

    Returns
    -------
    ome_types.model.Instrument
        The instrument with its objective, white LED and RGB camera.
    """
    return ome.Instrument(
        id=INSTRUMENT_ID,
        microscope=ome.Microscope(
            manufacturer="Evident",
            model="SLIDEVIEW VS200",
            serial_number="DEMO-VS200-0093",
            type="Upright",
        ),
        objectives=[
            ome.Objective(
                id=SCANNER_OBJECTIVE_20X,
                manufacturer="Evident",
                model="UPLXAPO20X",
                serial_number="DEMO-OBJ-20-4417",
                nominal_magnification=20.0,
                lens_na=0.8,
                immersion="Air",
                correction="PlanApo",
                working_distance=600.0,
            ),
        ],
        light_emitting_diodes=[
            ome.LightEmittingDiode(
                id=SCANNER_LED,
                manufacturer="Evident",
                model="VS200 transmitted white LED",
                serial_number="DEMO-VSLED-0093",
            ),
        ],
        detectors=[
            ome.Detector(
                id=SCANNER_CAMERA,
                manufacturer="Evident",
                model="VS-264C",
                serial_number="DEMO-VS264C-5120",
                type="CMOS",
            ),
        ],
    )


def find_part(instrument: ome.Instrument, id_: str) -> object:
    """Return the objective, light source, detector or filter set of ``instrument`` with ``id_``.

    Raises
    ------
    KeyError
        If the instrument has no part with that ID.
    """
    parts: list[object] = [
        *instrument.objectives,
        *instrument.lasers,
        *instrument.light_emitting_diodes,
        *instrument.detectors,
        *instrument.filter_sets,
        *instrument.filters,
        *instrument.dichroics,
    ]
    for part in parts:
        if getattr(part, "id", None) == id_:
            return part
    raise KeyError(f"{instrument.id} has no part {id_}")
