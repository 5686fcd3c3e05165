# GENERATED from src/imagesteward/schema/imagesteward.yaml by tools/schema_build.py - DO NOT EDIT; change the schema and regenerate.
# ruff: noqa
# mypy: ignore-errors
from __future__ import annotations

import re
import sys
from datetime import (
    date,
    datetime,
    time
)
from decimal import Decimal
from enum import Enum
from typing import (
    Any,
    ClassVar,
    Literal,
    Optional,
    Union
)

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer
)


metamodel_version = "1.11.0"
version = "1.0.0"


class ConfiguredBaseModel(BaseModel):
    model_config = ConfigDict(
        serialize_by_alias = True,
        validate_by_name = True,
        validate_assignment = True,
        validate_default = True,
        extra = "forbid",
        arbitrary_types_allowed = True,
        use_enum_values = True,
        strict = False,
    )





class LinkMLMeta(RootModel):
    root: dict[str, Any] = {}
    model_config = ConfigDict(frozen=True)

    def __getattr__(self, key:str):
        return getattr(self.root, key)

    def __getitem__(self, key:str):
        return self.root[key]

    def __setitem__(self, key:str, value):
        self.root[key] = value

    def __contains__(self, key:str) -> bool:
        return key in self.root


linkml_meta = LinkMLMeta({'default_prefix': 'imagesteward',
     'default_range': 'string',
     'description': 'The single source of truth for what imagesteward knows about '
                    'microscopy data. The study-level classes follow REMBI '
                    '(Recommended Metadata for Biological Images: Study, Study '
                    'Component, Biosample, Specimen, Image Acquisition, Image, '
                    'Image Correlation, Analysed Data); the hardware and '
                    'acquisition-settings classes follow the core of the '
                    '4DN-BINA-OME (NBO-Q) microscopy metadata specifications, '
                    'which extend the OME data model. Every slot carries a '
                    'description and a tier (annotation `tier`: 1 minimal, 2 '
                    "recommended, 3 full, after NBO-Q's tiers). Slots bound to an "
                    'ontology name it (annotation `ontology`); slots holding '
                    'persistent identifiers name their scheme (annotation '
                    '`pid_scheme`). Lengths are normalised to micrometres, '
                    'wavelengths to nanometres, times to seconds, powers to '
                    'milliwatts.',
     'id': 'https://w3id.org/imagesteward/schema',
     'imports': ['linkml:types'],
     'license': 'https://spdx.org/licenses/BSD-3-Clause',
     'name': 'imagesteward',
     'prefixes': {'CHEBI': {'prefix_prefix': 'CHEBI',
                            'prefix_reference': 'http://purl.obolibrary.org/obo/CHEBI_'},
                  'CL': {'prefix_prefix': 'CL',
                         'prefix_reference': 'http://purl.obolibrary.org/obo/CL_'},
                  'DOI': {'prefix_prefix': 'DOI',
                          'prefix_reference': 'https://doi.org/'},
                  'FBbi': {'prefix_prefix': 'FBbi',
                           'prefix_reference': 'http://purl.obolibrary.org/obo/FBbi_'},
                  'FPbase': {'prefix_prefix': 'FPbase',
                             'prefix_reference': 'https://www.fpbase.org/protein/'},
                  'GO': {'prefix_prefix': 'GO',
                         'prefix_reference': 'http://purl.obolibrary.org/obo/GO_'},
                  'NCBITaxon': {'prefix_prefix': 'NCBITaxon',
                                'prefix_reference': 'http://purl.obolibrary.org/obo/NCBITaxon_'},
                  'ORCID': {'prefix_prefix': 'ORCID',
                            'prefix_reference': 'https://orcid.org/'},
                  'ROR': {'prefix_prefix': 'ROR',
                          'prefix_reference': 'https://ror.org/'},
                  'RRID': {'prefix_prefix': 'RRID',
                           'prefix_reference': 'https://identifiers.org/RRID:'},
                  'UBERON': {'prefix_prefix': 'UBERON',
                             'prefix_reference': 'http://purl.obolibrary.org/obo/UBERON_'},
                  'UO': {'prefix_prefix': 'UO',
                         'prefix_reference': 'http://purl.obolibrary.org/obo/UO_'},
                  'dcterms': {'prefix_prefix': 'dcterms',
                              'prefix_reference': 'http://purl.org/dc/terms/'},
                  'imagesteward': {'prefix_prefix': 'imagesteward',
                                   'prefix_reference': 'https://w3id.org/imagesteward/schema/'},
                  'linkml': {'prefix_prefix': 'linkml',
                             'prefix_reference': 'https://w3id.org/linkml/'},
                  'ome': {'prefix_prefix': 'ome',
                          'prefix_reference': 'http://www.openmicroscopy.org/Schemas/OME/2016-06#'},
                  'rembi': {'prefix_prefix': 'rembi',
                            'prefix_reference': 'https://w3id.org/rembi/'},
                  'schema': {'prefix_prefix': 'schema',
                             'prefix_reference': 'http://schema.org/'}},
     'source_file': 'src/imagesteward/schema/imagesteward.yaml',
     'title': 'imagesteward metadata model (REMBI + 4DN-BINA-OME / NBO-Q core)'} )

class PixelType(str, Enum):
    """
    Data type of one sample, named as NumPy names it.
    """
    bool = "bool"
    """
    One bit per sample.
    """
    int8 = "int8"
    """
    Signed 8-bit integer.
    """
    uint8 = "uint8"
    """
    Unsigned 8-bit integer.
    """
    int16 = "int16"
    """
    Signed 16-bit integer.
    """
    uint16 = "uint16"
    """
    Unsigned 16-bit integer.
    """
    int32 = "int32"
    """
    Signed 32-bit integer.
    """
    uint32 = "uint32"
    """
    Unsigned 32-bit integer.
    """
    int64 = "int64"
    """
    Signed 64-bit integer.
    """
    uint64 = "uint64"
    """
    Unsigned 64-bit integer.
    """
    float16 = "float16"
    """
    IEEE half-precision float.
    """
    float32 = "float32"
    """
    IEEE single-precision float.
    """
    float64 = "float64"
    """
    IEEE double-precision float.
    """
    complex64 = "complex64"
    """
    Complex of two float32.
    """
    complex128 = "complex128"
    """
    Complex of two float64.
    """


class Immersion(str, Enum):
    """
    OME Objective Immersion.
    """
    Oil = "Oil"
    Water = "Water"
    WaterDipping = "WaterDipping"
    Air = "Air"
    Multi = "Multi"
    Glycerol = "Glycerol"
    Silicone = "Silicone"
    Other = "Other"


class Correction(str, Enum):
    """
    OME Objective Correction.
    """
    UV = "UV"
    PlanApo = "PlanApo"
    PlanFluor = "PlanFluor"
    SuperFluor = "SuperFluor"
    VioletCorrected = "VioletCorrected"
    Achro = "Achro"
    Achromat = "Achromat"
    Fluor = "Fluor"
    Fl = "Fl"
    Fluar = "Fluar"
    Neofluar = "Neofluar"
    Fluotar = "Fluotar"
    Apo = "Apo"
    PlanNeofluar = "PlanNeofluar"
    Other = "Other"


class AcquisitionMode(str, Enum):
    """
    OME AcquisitionMode.
    """
    WideField = "WideField"
    LaserScanningConfocalMicroscopy = "LaserScanningConfocalMicroscopy"
    SpinningDiskConfocal = "SpinningDiskConfocal"
    SlitScanConfocal = "SlitScanConfocal"
    MultiPhotonMicroscopy = "MultiPhotonMicroscopy"
    StructuredIllumination = "StructuredIllumination"
    SingleMoleculeImaging = "SingleMoleculeImaging"
    TotalInternalReflection = "TotalInternalReflection"
    FluorescenceLifetime = "FluorescenceLifetime"
    SpectralImaging = "SpectralImaging"
    FluorescenceCorrelationSpectroscopy = "FluorescenceCorrelationSpectroscopy"
    NearFieldScanningOpticalMicroscopy = "NearFieldScanningOpticalMicroscopy"
    SecondHarmonicGenerationImaging = "SecondHarmonicGenerationImaging"
    PALM = "PALM"
    STORM = "STORM"
    STED = "STED"
    TIRF = "TIRF"
    FSM = "FSM"
    LCM = "LCM"
    BrightField = "BrightField"
    SweptFieldConfocal = "SweptFieldConfocal"
    SPIM = "SPIM"
    ElectronMicroscopy = "ElectronMicroscopy"
    Other = "Other"


class IlluminationType(str, Enum):
    """
    OME IlluminationType.
    """
    Transmitted = "Transmitted"
    Epifluorescence = "Epifluorescence"
    Oblique = "Oblique"
    NonLinear = "NonLinear"
    Other = "Other"


class ContrastMethod(str, Enum):
    """
    OME ContrastMethod.
    """
    Brightfield = "Brightfield"
    Phase = "Phase"
    DIC = "DIC"
    HoffmanModulation = "HoffmanModulation"
    ObliqueIllumination = "ObliqueIllumination"
    PolarizedLight = "PolarizedLight"
    Darkfield = "Darkfield"
    Fluorescence = "Fluorescence"
    Other = "Other"


class MicroscopeType(str, Enum):
    """
    OME Microscope Type.
    """
    Upright = "Upright"
    Inverted = "Inverted"
    Dissection = "Dissection"
    Electrophysiology = "Electrophysiology"
    Other = "Other"


class LightSourceKind(str, Enum):
    """
    The NBO-Q light source classes.
    """
    Laser = "Laser"
    Arc = "Arc"
    Filament = "Filament"
    LightEmittingDiode = "LightEmittingDiode"
    SupercontinuumLaser = "SupercontinuumLaser"
    GenericExcitationSource = "GenericExcitationSource"


class FilterType(str, Enum):
    """
    OME FilterType.
    """
    Dichroic = "Dichroic"
    LongPass = "LongPass"
    ShortPass = "ShortPass"
    BandPass = "BandPass"
    MultiPass = "MultiPass"
    NeutralDensity = "NeutralDensity"
    Tuneable = "Tuneable"
    Other = "Other"


class DetectorType(str, Enum):
    """
    OME DetectorType with the NBO-Q additions.
    """
    CCD = "CCD"
    IntensifiedCCD = "IntensifiedCCD"
    AnalogVideo = "AnalogVideo"
    PMT = "PMT"
    Photodiode = "Photodiode"
    Spectroscopy = "Spectroscopy"
    LifetimeImaging = "LifetimeImaging"
    CorrelationSpectroscopy = "CorrelationSpectroscopy"
    FTIR = "FTIR"
    EMCCD = "EMCCD"
    APD = "APD"
    CMOS = "CMOS"
    sCMOS = "sCMOS"
    EBCCD = "EBCCD"
    HybridPhotodetector = "HybridPhotodetector"
    GaAsP = "GaAsP"
    DirectElectron = "DirectElectron"
    Other = "Other"


class StageKind(str, Enum):
    """
    Kind of stage.
    """
    Manual = "Manual"
    Motorized = "Motorized"
    Piezo = "Piezo"
    Other = "Other"



class MetadataCollection(ConfiguredBaseModel):
    """
    A bundle of metadata documents, such as a study with its images and instruments.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'from_schema': 'https://w3id.org/imagesteward/schema', 'tree_root': True})

    studies: Optional[list[Study]] = Field(default=None, description="""Studies in this collection.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['MetadataCollection']} })
    images: Optional[list[Image]] = Field(default=None, description="""Images in this collection.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['MetadataCollection']} })
    microscopes: Optional[list[Microscope]] = Field(default=None, description="""Instruments in this collection.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['MetadataCollection']} })
    people: Optional[list[Person]] = Field(default=None, description="""People in this collection.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['MetadataCollection']} })
    organizations: Optional[list[Organization]] = Field(default=None, description="""Organisations in this collection.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['MetadataCollection']} })


class OntologyTerm(ConfiguredBaseModel):
    """
    A term from an ontology, named by its CURIE and its label.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'from_schema': 'https://w3id.org/imagesteward/schema'})

    term_id: str = Field(default=..., description="""Compact identifier (CURIE) of the term, e.g. NCBITaxon:9606.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['OntologyTerm']} })
    label: Optional[str] = Field(default=None, description="""Human-readable label of the term as given by its ontology.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['OntologyTerm']} })


class NCBITaxonTerm(OntologyTerm):
    """
    An organism from the NCBI Taxonomy.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'from_schema': 'https://w3id.org/imagesteward/schema',
         'slot_usage': {'term_id': {'name': 'term_id',
                                    'pattern': '^NCBITaxon:[0-9]+$'}}})

    term_id: str = Field(default=..., description="""Compact identifier (CURIE) of the term, e.g. NCBITaxon:9606.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['OntologyTerm']} })
    label: Optional[str] = Field(default=None, description="""Human-readable label of the term as given by its ontology.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['OntologyTerm']} })

    @field_validator('term_id')
    def pattern_term_id(cls, v):
        pattern=re.compile(r"^NCBITaxon:[0-9]+$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.match(element):
                    err_msg = f"Invalid term_id format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.match(v):
            err_msg = f"Invalid term_id format: {v}"
            raise ValueError(err_msg)
        return v


class FBbiTerm(OntologyTerm):
    """
    An imaging method from the Biological Imaging Methods Ontology (FBbi).
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'from_schema': 'https://w3id.org/imagesteward/schema',
         'slot_usage': {'term_id': {'name': 'term_id', 'pattern': '^FBbi:[0-9]{8}$'}}})

    term_id: str = Field(default=..., description="""Compact identifier (CURIE) of the term, e.g. NCBITaxon:9606.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['OntologyTerm']} })
    label: Optional[str] = Field(default=None, description="""Human-readable label of the term as given by its ontology.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['OntologyTerm']} })

    @field_validator('term_id')
    def pattern_term_id(cls, v):
        pattern=re.compile(r"^FBbi:[0-9]{8}$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.match(element):
                    err_msg = f"Invalid term_id format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.match(v):
            err_msg = f"Invalid term_id format: {v}"
            raise ValueError(err_msg)
        return v


class CLTerm(OntologyTerm):
    """
    A cell type from the Cell Ontology (CL).
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'from_schema': 'https://w3id.org/imagesteward/schema',
         'slot_usage': {'term_id': {'name': 'term_id', 'pattern': '^CL:[0-9]{7}$'}}})

    term_id: str = Field(default=..., description="""Compact identifier (CURIE) of the term, e.g. NCBITaxon:9606.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['OntologyTerm']} })
    label: Optional[str] = Field(default=None, description="""Human-readable label of the term as given by its ontology.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['OntologyTerm']} })

    @field_validator('term_id')
    def pattern_term_id(cls, v):
        pattern=re.compile(r"^CL:[0-9]{7}$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.match(element):
                    err_msg = f"Invalid term_id format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.match(v):
            err_msg = f"Invalid term_id format: {v}"
            raise ValueError(err_msg)
        return v


class UBERONTerm(OntologyTerm):
    """
    An anatomical entity from Uberon.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'from_schema': 'https://w3id.org/imagesteward/schema',
         'slot_usage': {'term_id': {'name': 'term_id', 'pattern': '^UBERON:[0-9]{7}$'}}})

    term_id: str = Field(default=..., description="""Compact identifier (CURIE) of the term, e.g. NCBITaxon:9606.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['OntologyTerm']} })
    label: Optional[str] = Field(default=None, description="""Human-readable label of the term as given by its ontology.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['OntologyTerm']} })

    @field_validator('term_id')
    def pattern_term_id(cls, v):
        pattern=re.compile(r"^UBERON:[0-9]{7}$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.match(element):
                    err_msg = f"Invalid term_id format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.match(v):
            err_msg = f"Invalid term_id format: {v}"
            raise ValueError(err_msg)
        return v


class GOTerm(OntologyTerm):
    """
    A Gene Ontology term (cellular component, for labelled structures).
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'from_schema': 'https://w3id.org/imagesteward/schema',
         'slot_usage': {'term_id': {'name': 'term_id', 'pattern': '^GO:[0-9]{7}$'}}})

    term_id: str = Field(default=..., description="""Compact identifier (CURIE) of the term, e.g. NCBITaxon:9606.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['OntologyTerm']} })
    label: Optional[str] = Field(default=None, description="""Human-readable label of the term as given by its ontology.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['OntologyTerm']} })

    @field_validator('term_id')
    def pattern_term_id(cls, v):
        pattern=re.compile(r"^GO:[0-9]{7}$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.match(element):
                    err_msg = f"Invalid term_id format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.match(v):
            err_msg = f"Invalid term_id format: {v}"
            raise ValueError(err_msg)
        return v


class FluorophoreTerm(OntologyTerm):
    """
    A fluorophore or stain, by ChEBI identifier or FPbase protein slug.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'from_schema': 'https://w3id.org/imagesteward/schema',
         'slot_usage': {'term_id': {'name': 'term_id',
                                    'pattern': '^(CHEBI:[0-9]+|FPbase:[A-Za-z0-9_-]+)$'}}})

    term_id: str = Field(default=..., description="""Compact identifier (CURIE) of the term, e.g. NCBITaxon:9606.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['OntologyTerm']} })
    label: Optional[str] = Field(default=None, description="""Human-readable label of the term as given by its ontology.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['OntologyTerm']} })

    @field_validator('term_id')
    def pattern_term_id(cls, v):
        pattern=re.compile(r"^(CHEBI:[0-9]+|FPbase:[A-Za-z0-9_-]+)$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.match(element):
                    err_msg = f"Invalid term_id format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.match(v):
            err_msg = f"Invalid term_id format: {v}"
            raise ValueError(err_msg)
        return v


class PhysicalQuantity(ConfiguredBaseModel):
    """
    A value with the unit it was stored in by the source file, kept for provenance.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'from_schema': 'https://w3id.org/imagesteward/schema'})

    axis_name: Optional[str] = Field(default=None, description="""The axis the value applies to (x, y, z, t).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}},
         'domain_of': ['PhysicalQuantity']} })
    value: float = Field(default=..., description="""The numeric value as stored in the source.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}},
         'domain_of': ['PhysicalQuantity']} })
    unit: str = Field(default=..., description="""The unit the value was stored in (e.g. nm, Å, cm, pm, pixel).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}},
         'domain_of': ['PhysicalQuantity']} })


class WellSample(ConfiguredBaseModel):
    """
    Where an image sits in a high-content screening plate (OME Plate/Well/WellSample, NGFF plate).
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'from_schema': 'https://w3id.org/imagesteward/schema'})

    plate_name: Optional[str] = Field(default=None, description="""Name of the plate.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['WellSample']} })
    well_row: Optional[str] = Field(default=None, description="""Row of the well, as a letter or 0-based index as the plate names it (e.g. B).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['WellSample']} })
    well_column: Optional[str] = Field(default=None, description="""Column of the well as the plate names it (e.g. 3).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['WellSample']} })
    field_index: Optional[int] = Field(default=None, description="""Index of the field (well sample) within the well, 0-based.""", ge=0, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['WellSample']} })


class Person(ConfiguredBaseModel):
    """
    A person who made, described or is responsible for data.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'class_uri': 'schema:Person',
         'from_schema': 'https://w3id.org/imagesteward/schema',
         'slot_usage': {'name': {'name': 'name', 'required': True}}})

    name: str = Field(default=..., description="""Human-readable name.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Person',
                       'Organization',
                       'Software',
                       'Attachment',
                       'Dimension',
                       'StudyComponent',
                       'Image',
                       'Channel',
                       'FilterSet'],
         'slot_uri': 'schema:name'} })
    orcid: Optional[str] = Field(default=None, description="""ORCID iD as its canonical URI, e.g. https://orcid.org/0000-0002-1825-0097.""", json_schema_extra = { "linkml_meta": {'annotations': {'pid_scheme': {'tag': 'pid_scheme', 'value': 'ORCID'},
                         'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Person']} })
    email: Optional[str] = Field(default=None, description="""E-mail address.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Person'],
         'slot_uri': 'schema:email'} })
    affiliation: Optional[Organization] = Field(default=None, description="""The organisation the person belongs to.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Person'],
         'slot_uri': 'schema:affiliation'} })
    role: Optional[str] = Field(default=None, description="""What the person did (e.g. data acquisition, supervision, data curation).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}}, 'domain_of': ['Person']} })

    @field_validator('orcid')
    def pattern_orcid(cls, v):
        pattern=re.compile(r"^https://orcid\.org/[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.match(element):
                    err_msg = f"Invalid orcid format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.match(v):
            err_msg = f"Invalid orcid format: {v}"
            raise ValueError(err_msg)
        return v

    @field_validator('email')
    def pattern_email(cls, v):
        pattern=re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.match(element):
                    err_msg = f"Invalid email format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.match(v):
            err_msg = f"Invalid email format: {v}"
            raise ValueError(err_msg)
        return v


class Organization(ConfiguredBaseModel):
    """
    An institution, facility or company.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'class_uri': 'schema:Organization',
         'from_schema': 'https://w3id.org/imagesteward/schema'})

    name: Optional[str] = Field(default=None, description="""Human-readable name.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Person',
                       'Organization',
                       'Software',
                       'Attachment',
                       'Dimension',
                       'StudyComponent',
                       'Image',
                       'Channel',
                       'FilterSet'],
         'slot_uri': 'schema:name'} })
    ror: Optional[str] = Field(default=None, description="""Research Organization Registry identifier as its canonical URI.""", json_schema_extra = { "linkml_meta": {'annotations': {'pid_scheme': {'tag': 'pid_scheme', 'value': 'ROR'},
                         'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Organization']} })
    url: Optional[str] = Field(default=None, description="""Web address.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}},
         'domain_of': ['Organization', 'Software'],
         'slot_uri': 'schema:url'} })

    @field_validator('ror')
    def pattern_ror(cls, v):
        pattern=re.compile(r"^https://ror\.org/0[a-hj-km-np-tv-z0-9]{6}[0-9]{2}$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.match(element):
                    err_msg = f"Invalid ror format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.match(v):
            err_msg = f"Invalid ror format: {v}"
            raise ValueError(err_msg)
        return v


class Software(ConfiguredBaseModel):
    """
    A piece of software, with the version used.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'class_uri': 'schema:SoftwareApplication',
         'from_schema': 'https://w3id.org/imagesteward/schema'})

    name: Optional[str] = Field(default=None, description="""Human-readable name.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Person',
                       'Organization',
                       'Software',
                       'Attachment',
                       'Dimension',
                       'StudyComponent',
                       'Image',
                       'Channel',
                       'FilterSet'],
         'slot_uri': 'schema:name'} })
    version: Optional[str] = Field(default=None, description="""Version string of the software as it reports itself.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Software'],
         'slot_uri': 'schema:softwareVersion'} })
    rrid: Optional[str] = Field(default=None, description="""Research Resource Identifier (e.g. RRID:SCR_002285 for software, RRID:SCR_... for a core facility).""", json_schema_extra = { "linkml_meta": {'annotations': {'pid_scheme': {'tag': 'pid_scheme', 'value': 'RRID'},
                         'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Software', 'Microscope']} })
    url: Optional[str] = Field(default=None, description="""Web address.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}},
         'domain_of': ['Organization', 'Software'],
         'slot_uri': 'schema:url'} })

    @field_validator('rrid')
    def pattern_rrid(cls, v):
        pattern=re.compile(r"^RRID:[A-Za-z]+_[A-Za-z0-9_:.-]+$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.match(element):
                    err_msg = f"Invalid rrid format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.match(v):
            err_msg = f"Invalid rrid format: {v}"
            raise ValueError(err_msg)
        return v


class Attachment(ConfiguredBaseModel):
    """
    A file kept alongside an image, such as the complete original metadata.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'from_schema': 'https://w3id.org/imagesteward/schema'})

    name: Optional[str] = Field(default=None, description="""Human-readable name.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Person',
                       'Organization',
                       'Software',
                       'Attachment',
                       'Dimension',
                       'StudyComponent',
                       'Image',
                       'Channel',
                       'FilterSet'],
         'slot_uri': 'schema:name'} })
    media_type: Optional[str] = Field(default=None, description="""IANA media type of the attachment (e.g. application/xml).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}},
         'domain_of': ['Attachment'],
         'slot_uri': 'schema:encodingFormat'} })
    sha256: Optional[str] = Field(default=None, description="""SHA-256 digest (hex) of the attachment's bytes.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}},
         'domain_of': ['Attachment']} })
    size_bytes: Optional[int] = Field(default=None, description="""Size of the attachment in bytes.""", ge=0, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}},
         'domain_of': ['Attachment']} })
    description: Optional[str] = Field(default=None, description="""Free-text description.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Attachment',
                       'Dimension',
                       'Study',
                       'StudyComponent',
                       'Biosample',
                       'Label',
                       'AnalysedData',
                       'Image'],
         'slot_uri': 'schema:description'} })

    @field_validator('sha256')
    def pattern_sha256(cls, v):
        pattern=re.compile(r"^[0-9a-f]{64}$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.match(element):
                    err_msg = f"Invalid sha256 format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.match(v):
            err_msg = f"Invalid sha256 format: {v}"
            raise ValueError(err_msg)
        return v


class Dimension(ConfiguredBaseModel):
    """
    A dimension beyond T, C, Z, Y, X and samples, such as the Airyscan phase (H), rotation, illumination angle or mosaic tile.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'from_schema': 'https://w3id.org/imagesteward/schema',
         'slot_usage': {'name': {'name': 'name', 'required': True}}})

    name: str = Field(default=..., description="""Human-readable name.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Person',
                       'Organization',
                       'Software',
                       'Attachment',
                       'Dimension',
                       'StudyComponent',
                       'Image',
                       'Channel',
                       'FilterSet'],
         'slot_uri': 'schema:name'} })
    size: int = Field(default=..., description="""Number of elements along the dimension.""", ge=1, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Dimension']} })
    description: Optional[str] = Field(default=None, description="""Free-text description.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Attachment',
                       'Dimension',
                       'Study',
                       'StudyComponent',
                       'Biosample',
                       'Label',
                       'AnalysedData',
                       'Image'],
         'slot_uri': 'schema:description'} })


class StagePosition(ConfiguredBaseModel):
    """
    Position of the stage when the first plane was acquired.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'from_schema': 'https://w3id.org/imagesteward/schema'})

    position_x: Optional[float] = Field(default=None, description="""Stage X position in micrometres.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}},
         'domain_of': ['StagePosition'],
         'unit': {'ucum_code': 'um'}} })
    position_y: Optional[float] = Field(default=None, description="""Stage Y position in micrometres.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}},
         'domain_of': ['StagePosition'],
         'unit': {'ucum_code': 'um'}} })
    position_z: Optional[float] = Field(default=None, description="""Stage (focus) Z position in micrometres.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}},
         'domain_of': ['StagePosition'],
         'unit': {'ucum_code': 'um'}} })


class Study(ConfiguredBaseModel):
    """
    REMBI Study - the overall work a set of images belongs to.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'class_uri': 'schema:Dataset',
         'from_schema': 'https://w3id.org/imagesteward/schema'})

    title: str = Field(default=..., description="""Title of the study, as it would appear in a data repository.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Study'],
         'slot_uri': 'schema:name'} })
    description: Optional[str] = Field(default=None, description="""Free-text description.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Attachment',
                       'Dimension',
                       'Study',
                       'StudyComponent',
                       'Biosample',
                       'Label',
                       'AnalysedData',
                       'Image'],
         'slot_uri': 'schema:description'} })
    authors: Optional[list[Person]] = Field(default=None, description="""People who created the data, in citation order.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Study'],
         'slot_uri': 'schema:author'} })
    license: Optional[str] = Field(default=None, description="""Licence under which the data may be reused, as an SPDX or licence URI.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Study'],
         'slot_uri': 'schema:license'} })
    keywords: Optional[list[str]] = Field(default=None, description="""Keywords for finding the study.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Study'],
         'slot_uri': 'schema:keywords'} })
    release_date: Optional[date] = Field(default=None, description="""Date the data are (or will be) made public.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Study'],
         'slot_uri': 'schema:datePublished'} })
    related_publications: Optional[list[str]] = Field(default=None, description="""DOIs of publications that describe or use these data, as https://doi.org/ URIs.""", json_schema_extra = { "linkml_meta": {'annotations': {'pid_scheme': {'tag': 'pid_scheme', 'value': 'DOI'},
                         'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Study']} })
    doi: Optional[str] = Field(default=None, description="""Digital Object Identifier of the published dataset, as https://doi.org/ URI.""", json_schema_extra = { "linkml_meta": {'annotations': {'pid_scheme': {'tag': 'pid_scheme', 'value': 'DOI'},
                         'tier': {'tag': 'tier', 'value': 3}},
         'domain_of': ['Study']} })
    funding_statement: Optional[str] = Field(default=None, description="""Grants and funders that supported the work.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}}, 'domain_of': ['Study']} })
    acknowledgements: Optional[str] = Field(default=None, description="""Acknowledgements, e.g. of the imaging facility and its staff.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}}, 'domain_of': ['Study']} })
    facility: Optional[Organization] = Field(default=None, description="""The imaging facility (core) that hosts the instrument or produced the data.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Study', 'Microscope']} })
    study_components: Optional[list[StudyComponent]] = Field(default=None, description="""The experiments that make up the study.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}}, 'domain_of': ['Study']} })
    biosamples: Optional[list[Biosample]] = Field(default=None, description="""Biosamples imaged in the study.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}}, 'domain_of': ['Study']} })
    specimens: Optional[list[Specimen]] = Field(default=None, description="""Specimens prepared in the study.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}}, 'domain_of': ['Study']} })
    image_correlations: Optional[list[ImageCorrelation]] = Field(default=None, description="""Correlations between images of the study.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}}, 'domain_of': ['Study']} })
    analysed_data: Optional[list[AnalysedData]] = Field(default=None, description="""Analysis results derived from the study's images.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}}, 'domain_of': ['Study']} })

    @field_validator('related_publications')
    def pattern_related_publications(cls, v):
        pattern=re.compile(r"^https://doi\.org/10\.[0-9]{4,9}/\S+$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.match(element):
                    err_msg = f"Invalid related_publications format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.match(v):
            err_msg = f"Invalid related_publications format: {v}"
            raise ValueError(err_msg)
        return v

    @field_validator('doi')
    def pattern_doi(cls, v):
        pattern=re.compile(r"^https://doi\.org/10\.[0-9]{4,9}/\S+$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.match(element):
                    err_msg = f"Invalid doi format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.match(v):
            err_msg = f"Invalid doi format: {v}"
            raise ValueError(err_msg)
        return v


class StudyComponent(ConfiguredBaseModel):
    """
    REMBI Study Component - one experiment within a study, imaged with one method.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'from_schema': 'https://w3id.org/imagesteward/schema'})

    name: Optional[str] = Field(default=None, description="""Human-readable name.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Person',
                       'Organization',
                       'Software',
                       'Attachment',
                       'Dimension',
                       'StudyComponent',
                       'Image',
                       'Channel',
                       'FilterSet'],
         'slot_uri': 'schema:name'} })
    description: Optional[str] = Field(default=None, description="""Free-text description.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Attachment',
                       'Dimension',
                       'Study',
                       'StudyComponent',
                       'Biosample',
                       'Label',
                       'AnalysedData',
                       'Image'],
         'slot_uri': 'schema:description'} })
    imaging_method: Optional[FBbiTerm] = Field(default=None, description="""Imaging method, as a term of the Biological Imaging Methods Ontology.""", json_schema_extra = { "linkml_meta": {'annotations': {'ontology': {'tag': 'ontology', 'value': 'FBbi'},
                         'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['StudyComponent', 'ImageAcquisition']} })
    image_ids: Optional[list[str]] = Field(default=None, description="""Identifiers (catalog UUIDs) of the images concerned.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['StudyComponent', 'ImageCorrelation', 'AnalysedData']} })


class Biosample(ConfiguredBaseModel):
    """
    REMBI Biosample - the biological entity that was imaged.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'from_schema': 'https://w3id.org/imagesteward/schema'})

    identifier: Optional[str] = Field(default=None, description="""Local identifier, unique within its study.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Biosample', 'Specimen'],
         'slot_uri': 'schema:identifier'} })
    organism: Optional[NCBITaxonTerm] = Field(default=None, description="""Organism the biosample comes from.""", json_schema_extra = { "linkml_meta": {'annotations': {'ontology': {'tag': 'ontology', 'value': 'NCBITaxon'},
                         'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Biosample']} })
    biological_entity: Optional[str] = Field(default=None, description="""What was imaged, in words (e.g. HeLa cells, mouse brain slice, yeast colony).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Biosample']} })
    description: Optional[str] = Field(default=None, description="""Free-text description.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Attachment',
                       'Dimension',
                       'Study',
                       'StudyComponent',
                       'Biosample',
                       'Label',
                       'AnalysedData',
                       'Image'],
         'slot_uri': 'schema:description'} })
    cell_type: Optional[CLTerm] = Field(default=None, description="""Cell type of the biosample.""", json_schema_extra = { "linkml_meta": {'annotations': {'ontology': {'tag': 'ontology', 'value': 'CL'},
                         'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Biosample']} })
    anatomical_entity: Optional[UBERONTerm] = Field(default=None, description="""Organ or tissue the biosample comes from.""", json_schema_extra = { "linkml_meta": {'annotations': {'ontology': {'tag': 'ontology', 'value': 'UBERON'},
                         'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Biosample']} })
    strain: Optional[str] = Field(default=None, description="""Strain, line or cultivar.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}},
         'domain_of': ['Biosample']} })
    genotype: Optional[str] = Field(default=None, description="""Relevant genotype (genetic modifications, reporters).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}},
         'domain_of': ['Biosample']} })
    intrinsic_variables: Optional[list[str]] = Field(default=None, description="""Intrinsic properties varied across samples (e.g. genotype, age).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Biosample']} })
    extrinsic_variables: Optional[list[str]] = Field(default=None, description="""External treatments applied (e.g. drug, temperature).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Biosample']} })
    experimental_variables: Optional[list[str]] = Field(default=None, description="""What was varied on purpose between conditions.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Biosample']} })


class Specimen(ConfiguredBaseModel):
    """
    REMBI Specimen - how the biosample was prepared for imaging.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'from_schema': 'https://w3id.org/imagesteward/schema'})

    identifier: Optional[str] = Field(default=None, description="""Local identifier, unique within its study.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Biosample', 'Specimen'],
         'slot_uri': 'schema:identifier'} })
    sample_preparation_protocol: Optional[str] = Field(default=None, description="""How the specimen was prepared for imaging.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Specimen']} })
    growth_protocol: Optional[str] = Field(default=None, description="""How the biosample was grown or kept before preparation.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Specimen']} })
    signal_contrast_mechanism: Optional[str] = Field(default=None, description="""How contrast arises (e.g. fluorescence, absorption, phase, electron scattering).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Specimen']} })
    labels: Optional[list[Label]] = Field(default=None, description="""Probes used to make structures visible.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Specimen']} })
    fixation: Optional[str] = Field(default=None, description="""Fixation method, if any.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}},
         'domain_of': ['Specimen']} })
    mounting_medium: Optional[str] = Field(default=None, description="""Mounting or embedding medium.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}},
         'domain_of': ['Specimen']} })


class Label(ConfiguredBaseModel):
    """
    A probe that makes a structure visible (dye, fluorescent protein, antibody).
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'from_schema': 'https://w3id.org/imagesteward/schema'})

    labelled_structure: Optional[GOTerm] = Field(default=None, description="""The structure the probe marks, as a Gene Ontology cellular component.""", json_schema_extra = { "linkml_meta": {'annotations': {'ontology': {'tag': 'ontology', 'value': 'GO'},
                         'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Label']} })
    fluorophore: Optional[FluorophoreTerm] = Field(default=None, description="""Fluorophore or stain as an ontology term (ChEBI or FPbase).""", json_schema_extra = { "linkml_meta": {'annotations': {'ontology': {'tag': 'ontology', 'value': 'CHEBI|FPbase'},
                         'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Label', 'Channel']} })
    antibody_rrid: Optional[str] = Field(default=None, description="""Antibody Registry RRID of the antibody used (RRID:AB_...).""", json_schema_extra = { "linkml_meta": {'annotations': {'pid_scheme': {'tag': 'pid_scheme', 'value': 'RRID'},
                         'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Label']} })
    description: Optional[str] = Field(default=None, description="""Free-text description.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Attachment',
                       'Dimension',
                       'Study',
                       'StudyComponent',
                       'Biosample',
                       'Label',
                       'AnalysedData',
                       'Image'],
         'slot_uri': 'schema:description'} })

    @field_validator('antibody_rrid')
    def pattern_antibody_rrid(cls, v):
        pattern=re.compile(r"^RRID:AB_[A-Za-z0-9_-]+$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.match(element):
                    err_msg = f"Invalid antibody_rrid format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.match(v):
            err_msg = f"Invalid antibody_rrid format: {v}"
            raise ValueError(err_msg)
        return v


class ImageCorrelation(ConfiguredBaseModel):
    """
    REMBI Image Correlation - how images of one specimen relate in space or time.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'from_schema': 'https://w3id.org/imagesteward/schema'})

    spatial_and_temporal_alignment: Optional[str] = Field(default=None, description="""How the images were aligned with each other.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['ImageCorrelation']} })
    fiducials_used: Optional[str] = Field(default=None, description="""Fiducial markers used for the alignment.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['ImageCorrelation']} })
    transformation_matrix: Optional[list[float]] = Field(default=None, description="""Affine transformation from one image's space to the other's (row-major).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['ImageCorrelation']} })
    image_ids: Optional[list[str]] = Field(default=None, description="""Identifiers (catalog UUIDs) of the images concerned.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['StudyComponent', 'ImageCorrelation', 'AnalysedData']} })


class AnalysedData(ConfiguredBaseModel):
    """
    REMBI Analysed Data - results derived from images.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'from_schema': 'https://w3id.org/imagesteward/schema'})

    analysis_type: Optional[str] = Field(default=None, description="""What kind of analysis produced the data (segmentation, tracking, ...).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['AnalysedData']} })
    description: Optional[str] = Field(default=None, description="""Free-text description.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Attachment',
                       'Dimension',
                       'Study',
                       'StudyComponent',
                       'Biosample',
                       'Label',
                       'AnalysedData',
                       'Image'],
         'slot_uri': 'schema:description'} })
    software: Optional[list[Software]] = Field(default=None, description="""Software used.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['AnalysedData']} })
    image_ids: Optional[list[str]] = Field(default=None, description="""Identifiers (catalog UUIDs) of the images concerned.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['StudyComponent', 'ImageCorrelation', 'AnalysedData']} })
    parameters: Optional[list[str]] = Field(default=None, description="""Parameters of the analysis, as key=value text.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}},
         'domain_of': ['AnalysedData']} })


class Image(ConfiguredBaseModel):
    """
    REMBI Image - one series of pixels as found in an original file (one record per series), with its dimensions, physical sizes, channels and the acquisition that produced it.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'class_uri': 'schema:ImageObject',
         'from_schema': 'https://w3id.org/imagesteward/schema'})

    name: Optional[str] = Field(default=None, description="""Human-readable name.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Person',
                       'Organization',
                       'Software',
                       'Attachment',
                       'Dimension',
                       'StudyComponent',
                       'Image',
                       'Channel',
                       'FilterSet'],
         'slot_uri': 'schema:name'} })
    description: Optional[str] = Field(default=None, description="""Free-text description.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Attachment',
                       'Dimension',
                       'Study',
                       'StudyComponent',
                       'Biosample',
                       'Label',
                       'AnalysedData',
                       'Image'],
         'slot_uri': 'schema:description'} })
    series_index: int = Field(default=..., description="""Index of the series within its original file (0-based).""", ge=0, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}}, 'domain_of': ['Image']} })
    file_format: str = Field(default=..., description="""Format of the original file (ome-tiff, czi, nd2, lif, ...).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}}, 'domain_of': ['Image']} })
    reader: Optional[str] = Field(default=None, description="""Name and version of the reader that extracted this record.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}}, 'domain_of': ['Image']} })
    axes: str = Field(default=..., description="""Axis order of the stored pixels as letters (e.g. TCZYX, ZX for an XZ scan, YXS for RGB), using T, C, Z, Y, X, S (samples) and the names of extra dimensions.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}}, 'domain_of': ['Image']} })
    size_t: int = Field(default=..., description="""Number of time points.""", ge=1, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}}, 'domain_of': ['Image']} })
    size_c: int = Field(default=..., description="""Number of channels.""", ge=1, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}}, 'domain_of': ['Image']} })
    size_z: int = Field(default=..., description="""Number of focal planes (Z sections).""", ge=1, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}}, 'domain_of': ['Image']} })
    size_y: int = Field(default=..., description="""Image height in pixels.""", ge=1, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}}, 'domain_of': ['Image']} })
    size_x: int = Field(default=..., description="""Image width in pixels.""", ge=1, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}}, 'domain_of': ['Image']} })
    samples_per_pixel: Optional[int] = Field(default=None, description="""Interleaved samples per pixel (3 for RGB, 1 otherwise).""", ge=1, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Image', 'Channel']} })
    extra_dimensions: Optional[list[Dimension]] = Field(default=None, description="""Dimensions beyond T, C, Z, Y, X and samples.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}}, 'domain_of': ['Image']} })
    pixel_type: PixelType = Field(default=..., description="""Data type of one sample.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}}, 'domain_of': ['Image']} })
    significant_bits: Optional[int] = Field(default=None, description="""Bits of each sample that carry data (12 for a 12-bit camera stored as uint16).""", ge=1, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}}, 'domain_of': ['Image']} })
    physical_size_x: Optional[float] = Field(default=None, description="""Pixel width in micrometres; absent when the file holds no trustworthy calibration.""", ge=0, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Image'],
         'unit': {'ucum_code': 'um'}} })
    physical_size_y: Optional[float] = Field(default=None, description="""Pixel height in micrometres; absent when not calibrated.""", ge=0, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Image'],
         'unit': {'ucum_code': 'um'}} })
    physical_size_z: Optional[float] = Field(default=None, description="""Distance between focal planes in micrometres; absent when not measured.""", ge=0, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Image'],
         'unit': {'ucum_code': 'um'}} })
    physical_sizes_as_stored: Optional[list[PhysicalQuantity]] = Field(default=None, description="""The pixel sizes with the unit the file stored them in (before normalisation to µm).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}}, 'domain_of': ['Image']} })
    time_increment: Optional[float] = Field(default=None, description="""Interval between time points in seconds.""", ge=0, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Image'],
         'unit': {'ucum_code': 's'}} })
    resolution_levels: Optional[list[str]] = Field(default=None, description="""Shapes of the stored resolution levels, full resolution first, each as the axis sizes separated by 'x' in the order of `axes` (e.g. 25x26x4).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}}, 'domain_of': ['Image']} })
    channels: Optional[list[Channel]] = Field(default=None, description="""The image's channels with their acquisition settings.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}}, 'domain_of': ['Image']} })
    acquisition: Optional[ImageAcquisition] = Field(default=None, description="""The acquisition that produced the image.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}}, 'domain_of': ['Image']} })
    original_metadata: Optional[Attachment] = Field(default=None, description="""The complete metadata of the original file, kept verbatim as an attachment.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}}, 'domain_of': ['Image']} })
    well_sample: Optional[WellSample] = Field(default=None, description="""Position of the image in a screening plate.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}}, 'domain_of': ['Image']} })
    biosample_ref: Optional[str] = Field(default=None, description="""Identifier of the study's Biosample this image shows (REMBI Image -> Biosample).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}}, 'domain_of': ['Image']} })
    specimen_ref: Optional[str] = Field(default=None, description="""Identifier of the study's Specimen this image was acquired from (REMBI Image -> Specimen).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}}, 'domain_of': ['Image']} })
    capture_notes: Optional[list[str]] = Field(default=None, description="""What the reader decided and why (a value ignored as untrustworthy, a unit converted, a default not taken as a measurement).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}}, 'domain_of': ['Image']} })


class ImageAcquisition(ConfiguredBaseModel):
    """
    REMBI Image Acquisition with NBO-Q acquisition settings - the instrument and the settings that produced an image.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'from_schema': 'https://w3id.org/imagesteward/schema'})

    imaging_method: Optional[FBbiTerm] = Field(default=None, description="""Imaging method, as a term of the Biological Imaging Methods Ontology.""", json_schema_extra = { "linkml_meta": {'annotations': {'ontology': {'tag': 'ontology', 'value': 'FBbi'},
                         'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['StudyComponent', 'ImageAcquisition']} })
    acquisition_mode: Optional[AcquisitionMode] = Field(default=None, description="""Microscopy technique of the acquisition (OME AcquisitionMode).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['ImageAcquisition', 'Channel']} })
    acquisition_date: Optional[datetime ] = Field(default=None, description="""When the acquisition started. Timezone-aware (UTC) when the file says which zone or stores an absolute timestamp; naive local wall-clock time otherwise (see timezone_known).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['ImageAcquisition']} })
    acquisition_date_as_written: Optional[str] = Field(default=None, description="""The acquisition date exactly as the file wrote it.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}},
         'domain_of': ['ImageAcquisition']} })
    timezone_known: Optional[bool] = Field(default=None, description="""Whether acquisition_date is an absolute instant (true) or local wall-clock time of unknown zone (false).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}},
         'domain_of': ['ImageAcquisition']} })
    microscope: Optional[Microscope] = Field(default=None, description="""The microscope used.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['ImageAcquisition']} })
    objective: Optional[Objective] = Field(default=None, description="""The objective actually used for this image (not an inventory entry).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['ImageAcquisition']} })
    immersion_refractive_index: Optional[float] = Field(default=None, description="""Refractive index of the immersion medium.""", ge=1, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}},
         'domain_of': ['ImageAcquisition']} })
    correction_collar: Optional[float] = Field(default=None, description="""Setting of the objective's correction collar.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}},
         'domain_of': ['ImageAcquisition']} })
    stage_position: Optional[StagePosition] = Field(default=None, description="""Stage position at the first plane.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}},
         'domain_of': ['ImageAcquisition']} })
    acquisition_software: Optional[Software] = Field(default=None, description="""Acquisition software and version (e.g. ZEN 3.1, NIS-Elements 5.42, LAS X 3.5).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['ImageAcquisition']} })
    operator: Optional[Person] = Field(default=None, description="""Person who acquired the images.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['ImageAcquisition']} })
    temperature: Optional[float] = Field(default=None, description="""Sample temperature in degrees Celsius.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}},
         'domain_of': ['ImageAcquisition'],
         'unit': {'ucum_code': 'Cel'}} })
    co2_percent: Optional[float] = Field(default=None, description="""CO2 concentration around the sample, in percent.""", ge=0, le=100, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}},
         'domain_of': ['ImageAcquisition']} })


class Channel(ConfiguredBaseModel):
    """
    One channel of an image with its acquisition settings (NBO-Q Channel, LightSourceSettings, DetectorSettings).
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'from_schema': 'https://w3id.org/imagesteward/schema'})

    channel_index: int = Field(default=..., description="""Position of the channel in the image (0-based).""", ge=0, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}}, 'domain_of': ['Channel']} })
    name: Optional[str] = Field(default=None, description="""Human-readable name.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Person',
                       'Organization',
                       'Software',
                       'Attachment',
                       'Dimension',
                       'StudyComponent',
                       'Image',
                       'Channel',
                       'FilterSet'],
         'slot_uri': 'schema:name'} })
    color: Optional[str] = Field(default=None, description="""Display colour as""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}}, 'domain_of': ['Channel']} })
    samples_per_pixel: Optional[int] = Field(default=None, description="""Interleaved samples per pixel (3 for RGB, 1 otherwise).""", ge=1, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Image', 'Channel']} })
    fluorophore_name: Optional[str] = Field(default=None, description="""Fluorophore or stain as named in the file (e.g. Alexa Fluor 555, DAPI).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}}, 'domain_of': ['Channel']} })
    fluorophore: Optional[FluorophoreTerm] = Field(default=None, description="""Fluorophore or stain as an ontology term (ChEBI or FPbase).""", json_schema_extra = { "linkml_meta": {'annotations': {'ontology': {'tag': 'ontology', 'value': 'CHEBI|FPbase'},
                         'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Label', 'Channel']} })
    excitation_wavelength: Optional[float] = Field(default=None, description="""Excitation wavelength in nanometres.""", ge=0, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Channel'],
         'unit': {'ucum_code': 'nm'}} })
    emission_wavelength: Optional[float] = Field(default=None, description="""Emission (detection) wavelength in nanometres.""", ge=0, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Channel'],
         'unit': {'ucum_code': 'nm'}} })
    illumination_type: Optional[IlluminationType] = Field(default=None, description="""How the sample was illuminated (OME IlluminationType).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}}, 'domain_of': ['Channel']} })
    contrast_method: Optional[ContrastMethod] = Field(default=None, description="""Contrast method (OME ContrastMethod).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}}, 'domain_of': ['Channel']} })
    acquisition_mode: Optional[AcquisitionMode] = Field(default=None, description="""Microscopy technique of the acquisition (OME AcquisitionMode).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['ImageAcquisition', 'Channel']} })
    exposure_time: Optional[float] = Field(default=None, description="""Exposure (camera) or pixel dwell time, in seconds.""", ge=0, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Channel'],
         'unit': {'ucum_code': 's'}} })
    pinhole_size: Optional[float] = Field(default=None, description="""Pinhole diameter in micrometres.""", ge=0, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Channel'],
         'unit': {'ucum_code': 'um'}} })
    light_source: Optional[LightSource] = Field(default=None, description="""The light source used for this channel.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}}, 'domain_of': ['Channel']} })
    light_source_power: Optional[float] = Field(default=None, description="""Power delivered by the light source, in milliwatts.""", ge=0, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Channel'],
         'unit': {'ucum_code': 'mW'}} })
    light_source_attenuation: Optional[float] = Field(default=None, description="""Attenuation (or transmission setting) of the light source, in percent.""", ge=0, le=100, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}}, 'domain_of': ['Channel']} })
    detector: Optional[Detector] = Field(default=None, description="""The detector that recorded this channel.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}}, 'domain_of': ['Channel']} })
    detector_gain: Optional[float] = Field(default=None, description="""Detector gain (camera gain, PMT/HyD voltage or gain setting).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}}, 'domain_of': ['Channel']} })
    detector_offset: Optional[float] = Field(default=None, description="""Detector offset.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}}, 'domain_of': ['Channel']} })
    binning: Optional[str] = Field(default=None, description="""Camera binning (e.g. 1x1, 2x2).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}}, 'domain_of': ['Channel']} })
    filter_set: Optional[FilterSet] = Field(default=None, description="""Filter set (cube) in the light path for this channel.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}}, 'domain_of': ['Channel']} })
    zoom: Optional[float] = Field(default=None, description="""Optical or scan zoom factor.""", ge=0, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}}, 'domain_of': ['Channel']} })
    display_range_min: Optional[float] = Field(default=None, description="""Lower end of the display window the acquisition software used, in pixel values.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}}, 'domain_of': ['Channel']} })
    display_range_max: Optional[float] = Field(default=None, description="""Upper end of the display window the acquisition software used, in pixel values.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}}, 'domain_of': ['Channel']} })

    @field_validator('color')
    def pattern_color(cls, v):
        pattern=re.compile(r"^#[0-9A-Fa-f]{6}$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.match(element):
                    err_msg = f"Invalid color format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.match(v):
            err_msg = f"Invalid color format: {v}"
            raise ValueError(err_msg)
        return v

    @field_validator('binning')
    def pattern_binning(cls, v):
        pattern=re.compile(r"^[0-9]+x[0-9]+$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.match(element):
                    err_msg = f"Invalid binning format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.match(v):
            err_msg = f"Invalid binning format: {v}"
            raise ValueError(err_msg)
        return v


class Microscope(ConfiguredBaseModel):
    """
    NBO-Q Microscope (stand) - the instrument as a whole, with the identity a facility can track and cite.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'class_uri': 'ome:Microscope',
         'from_schema': 'https://w3id.org/imagesteward/schema'})

    manufacturer: Optional[str] = Field(default=None, description="""Manufacturer of the component.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Microscope',
                       'Objective',
                       'LightSource',
                       'Filter',
                       'Dichroic',
                       'FilterSet',
                       'Detector',
                       'Stage'],
         'slot_uri': 'schema:manufacturer'} })
    model: Optional[str] = Field(default=None, description="""Model name as given by the manufacturer.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Microscope',
                       'Objective',
                       'LightSource',
                       'Filter',
                       'Dichroic',
                       'FilterSet',
                       'Detector',
                       'Stage']} })
    serial_number: Optional[str] = Field(default=None, description="""Serial number of the component.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Microscope', 'Objective', 'LightSource', 'Detector'],
         'slot_uri': 'schema:serialNumber'} })
    microscope_type: Optional[MicroscopeType] = Field(default=None, description="""Stand type (OME Microscope Type).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Microscope']} })
    instrument_name: Optional[str] = Field(default=None, description="""The name the facility uses for the instrument (e.g. \"SP8 room 2.14\").""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Microscope']} })
    pidinst: Optional[str] = Field(default=None, description="""PIDINST persistent identifier of the instrument (a Handle or DOI registered with the PIDINST schema), as a resolvable URI.""", json_schema_extra = { "linkml_meta": {'annotations': {'pid_scheme': {'tag': 'pid_scheme', 'value': 'PIDINST'},
                         'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Microscope']} })
    rrid: Optional[str] = Field(default=None, description="""Research Resource Identifier (e.g. RRID:SCR_002285 for software, RRID:SCR_... for a core facility).""", json_schema_extra = { "linkml_meta": {'annotations': {'pid_scheme': {'tag': 'pid_scheme', 'value': 'RRID'},
                         'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Software', 'Microscope']} })
    facility: Optional[Organization] = Field(default=None, description="""The imaging facility (core) that hosts the instrument or produced the data.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Study', 'Microscope']} })
    objectives: Optional[list[Objective]] = Field(default=None, description="""Objectives mounted on the instrument (its inventory).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}},
         'domain_of': ['Microscope']} })
    light_sources: Optional[list[LightSource]] = Field(default=None, description="""Light sources of the instrument.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Microscope']} })
    detectors: Optional[list[Detector]] = Field(default=None, description="""Detectors of the instrument.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Microscope']} })
    filter_sets: Optional[list[FilterSet]] = Field(default=None, description="""Filter sets (cubes) of the instrument.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}},
         'domain_of': ['Microscope']} })
    stage: Optional[Stage] = Field(default=None, description="""The stage of the instrument.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}},
         'domain_of': ['Microscope']} })

    @field_validator('pidinst')
    def pattern_pidinst(cls, v):
        pattern=re.compile(r"^https://(hdl\.handle\.net|doi\.org)/\S+$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.match(element):
                    err_msg = f"Invalid pidinst format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.match(v):
            err_msg = f"Invalid pidinst format: {v}"
            raise ValueError(err_msg)
        return v

    @field_validator('rrid')
    def pattern_rrid(cls, v):
        pattern=re.compile(r"^RRID:[A-Za-z]+_[A-Za-z0-9_:.-]+$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.match(element):
                    err_msg = f"Invalid rrid format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.match(v):
            err_msg = f"Invalid rrid format: {v}"
            raise ValueError(err_msg)
        return v


class Objective(ConfiguredBaseModel):
    """
    NBO-Q Objective - the lens used (or, in an inventory, available).
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'class_uri': 'ome:Objective',
         'from_schema': 'https://w3id.org/imagesteward/schema'})

    manufacturer: Optional[str] = Field(default=None, description="""Manufacturer of the component.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Microscope',
                       'Objective',
                       'LightSource',
                       'Filter',
                       'Dichroic',
                       'FilterSet',
                       'Detector',
                       'Stage'],
         'slot_uri': 'schema:manufacturer'} })
    model: Optional[str] = Field(default=None, description="""Model name as given by the manufacturer.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Microscope',
                       'Objective',
                       'LightSource',
                       'Filter',
                       'Dichroic',
                       'FilterSet',
                       'Detector',
                       'Stage']} })
    serial_number: Optional[str] = Field(default=None, description="""Serial number of the component.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Microscope', 'Objective', 'LightSource', 'Detector'],
         'slot_uri': 'schema:serialNumber'} })
    nominal_magnification: Optional[float] = Field(default=None, description="""Magnification engraved on the objective.""", ge=0, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Objective']} })
    calibrated_magnification: Optional[float] = Field(default=None, description="""Magnification measured by calibration.""", ge=0, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}},
         'domain_of': ['Objective']} })
    lens_na: Optional[float] = Field(default=None, description="""Numerical aperture of the objective.""", ge=0, le=2, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Objective']} })
    immersion: Optional[Immersion] = Field(default=None, description="""Immersion medium the objective is designed for.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Objective']} })
    correction: Optional[Correction] = Field(default=None, description="""Optical correction class of the objective.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Objective']} })
    working_distance: Optional[float] = Field(default=None, description="""Working distance in micrometres.""", ge=0, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}},
         'domain_of': ['Objective'],
         'unit': {'ucum_code': 'um'}} })


class LightSource(ConfiguredBaseModel):
    """
    NBO-Q light source; `kind` says which of the NBO-Q light source classes it is.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'class_uri': 'ome:LightSource',
         'from_schema': 'https://w3id.org/imagesteward/schema'})

    light_source_kind: LightSourceKind = Field(default=..., description="""Which kind of light source (NBO-Q LightSource subclasses).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['LightSource']} })
    manufacturer: Optional[str] = Field(default=None, description="""Manufacturer of the component.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Microscope',
                       'Objective',
                       'LightSource',
                       'Filter',
                       'Dichroic',
                       'FilterSet',
                       'Detector',
                       'Stage'],
         'slot_uri': 'schema:manufacturer'} })
    model: Optional[str] = Field(default=None, description="""Model name as given by the manufacturer.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Microscope',
                       'Objective',
                       'LightSource',
                       'Filter',
                       'Dichroic',
                       'FilterSet',
                       'Detector',
                       'Stage']} })
    serial_number: Optional[str] = Field(default=None, description="""Serial number of the component.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Microscope', 'Objective', 'LightSource', 'Detector'],
         'slot_uri': 'schema:serialNumber'} })
    wavelength: Optional[float] = Field(default=None, description="""Emission wavelength of the source in nanometres (laser line, LED peak).""", ge=0, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['LightSource'],
         'unit': {'ucum_code': 'nm'}} })
    power: Optional[float] = Field(default=None, description="""Nominal power of the light source in milliwatts.""", ge=0, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}},
         'domain_of': ['LightSource'],
         'unit': {'ucum_code': 'mW'}} })


class Filter(ConfiguredBaseModel):
    """
    NBO-Q Filter - an optical filter with its transmission range.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'class_uri': 'ome:Filter',
         'from_schema': 'https://w3id.org/imagesteward/schema'})

    filter_type: Optional[FilterType] = Field(default=None, description="""Kind of filter (OME FilterType).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}}, 'domain_of': ['Filter']} })
    manufacturer: Optional[str] = Field(default=None, description="""Manufacturer of the component.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Microscope',
                       'Objective',
                       'LightSource',
                       'Filter',
                       'Dichroic',
                       'FilterSet',
                       'Detector',
                       'Stage'],
         'slot_uri': 'schema:manufacturer'} })
    model: Optional[str] = Field(default=None, description="""Model name as given by the manufacturer.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Microscope',
                       'Objective',
                       'LightSource',
                       'Filter',
                       'Dichroic',
                       'FilterSet',
                       'Detector',
                       'Stage']} })
    cut_in: Optional[float] = Field(default=None, description="""Wavelength (nm) where transmission starts (for a dichroic, where reflection turns to transmission).""", ge=0, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Filter', 'Dichroic'],
         'unit': {'ucum_code': 'nm'}} })
    cut_out: Optional[float] = Field(default=None, description="""Wavelength (nm) where transmission ends.""", ge=0, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Filter'],
         'unit': {'ucum_code': 'nm'}} })


class Dichroic(ConfiguredBaseModel):
    """
    NBO-Q Dichroic mirror.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'class_uri': 'ome:Dichroic',
         'from_schema': 'https://w3id.org/imagesteward/schema'})

    manufacturer: Optional[str] = Field(default=None, description="""Manufacturer of the component.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Microscope',
                       'Objective',
                       'LightSource',
                       'Filter',
                       'Dichroic',
                       'FilterSet',
                       'Detector',
                       'Stage'],
         'slot_uri': 'schema:manufacturer'} })
    model: Optional[str] = Field(default=None, description="""Model name as given by the manufacturer.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Microscope',
                       'Objective',
                       'LightSource',
                       'Filter',
                       'Dichroic',
                       'FilterSet',
                       'Detector',
                       'Stage']} })
    cut_in: Optional[float] = Field(default=None, description="""Wavelength (nm) where transmission starts (for a dichroic, where reflection turns to transmission).""", ge=0, json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Filter', 'Dichroic'],
         'unit': {'ucum_code': 'nm'}} })


class FilterSet(ConfiguredBaseModel):
    """
    NBO-Q FilterSet (filter cube) - excitation filters, dichroic and emission filters.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'class_uri': 'ome:FilterSet',
         'from_schema': 'https://w3id.org/imagesteward/schema'})

    name: Optional[str] = Field(default=None, description="""Human-readable name.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Person',
                       'Organization',
                       'Software',
                       'Attachment',
                       'Dimension',
                       'StudyComponent',
                       'Image',
                       'Channel',
                       'FilterSet'],
         'slot_uri': 'schema:name'} })
    manufacturer: Optional[str] = Field(default=None, description="""Manufacturer of the component.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Microscope',
                       'Objective',
                       'LightSource',
                       'Filter',
                       'Dichroic',
                       'FilterSet',
                       'Detector',
                       'Stage'],
         'slot_uri': 'schema:manufacturer'} })
    model: Optional[str] = Field(default=None, description="""Model name as given by the manufacturer.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Microscope',
                       'Objective',
                       'LightSource',
                       'Filter',
                       'Dichroic',
                       'FilterSet',
                       'Detector',
                       'Stage']} })
    excitation_filters: Optional[list[Filter]] = Field(default=None, description="""Excitation filters of the set.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['FilterSet']} })
    dichroic: Optional[Dichroic] = Field(default=None, description="""Dichroic mirror of the set.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['FilterSet']} })
    emission_filters: Optional[list[Filter]] = Field(default=None, description="""Emission filters of the set.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['FilterSet']} })


class Detector(ConfiguredBaseModel):
    """
    NBO-Q Detector - camera or point detector.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'class_uri': 'ome:Detector',
         'from_schema': 'https://w3id.org/imagesteward/schema'})

    detector_type: Optional[DetectorType] = Field(default=None, description="""Kind of detector (OME DetectorType, extended with sCMOS and hybrid detectors).""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Detector']} })
    manufacturer: Optional[str] = Field(default=None, description="""Manufacturer of the component.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Microscope',
                       'Objective',
                       'LightSource',
                       'Filter',
                       'Dichroic',
                       'FilterSet',
                       'Detector',
                       'Stage'],
         'slot_uri': 'schema:manufacturer'} })
    model: Optional[str] = Field(default=None, description="""Model name as given by the manufacturer.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Microscope',
                       'Objective',
                       'LightSource',
                       'Filter',
                       'Dichroic',
                       'FilterSet',
                       'Detector',
                       'Stage']} })
    serial_number: Optional[str] = Field(default=None, description="""Serial number of the component.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 2}},
         'domain_of': ['Microscope', 'Objective', 'LightSource', 'Detector'],
         'slot_uri': 'schema:serialNumber'} })


class Stage(ConfiguredBaseModel):
    """
    NBO-Q Stage - what holds and moves the sample.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'from_schema': 'https://w3id.org/imagesteward/schema'})

    stage_kind: Optional[StageKind] = Field(default=None, description="""Kind of stage.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}}, 'domain_of': ['Stage']} })
    manufacturer: Optional[str] = Field(default=None, description="""Manufacturer of the component.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Microscope',
                       'Objective',
                       'LightSource',
                       'Filter',
                       'Dichroic',
                       'FilterSet',
                       'Detector',
                       'Stage'],
         'slot_uri': 'schema:manufacturer'} })
    model: Optional[str] = Field(default=None, description="""Model name as given by the manufacturer.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 1}},
         'domain_of': ['Microscope',
                       'Objective',
                       'LightSource',
                       'Filter',
                       'Dichroic',
                       'FilterSet',
                       'Detector',
                       'Stage']} })
    stage_insert: Optional[str] = Field(default=None, description="""Insert or sample holder on the stage.""", json_schema_extra = { "linkml_meta": {'annotations': {'tier': {'tag': 'tier', 'value': 3}}, 'domain_of': ['Stage']} })


# Model rebuild
# see https://pydantic-docs.helpmanual.io/usage/models/#rebuilding-a-model
MetadataCollection.model_rebuild()
OntologyTerm.model_rebuild()
NCBITaxonTerm.model_rebuild()
FBbiTerm.model_rebuild()
CLTerm.model_rebuild()
UBERONTerm.model_rebuild()
GOTerm.model_rebuild()
FluorophoreTerm.model_rebuild()
PhysicalQuantity.model_rebuild()
WellSample.model_rebuild()
Person.model_rebuild()
Organization.model_rebuild()
Software.model_rebuild()
Attachment.model_rebuild()
Dimension.model_rebuild()
StagePosition.model_rebuild()
Study.model_rebuild()
StudyComponent.model_rebuild()
Biosample.model_rebuild()
Specimen.model_rebuild()
Label.model_rebuild()
ImageCorrelation.model_rebuild()
AnalysedData.model_rebuild()
Image.model_rebuild()
ImageAcquisition.model_rebuild()
Channel.model_rebuild()
Microscope.model_rebuild()
Objective.model_rebuild()
LightSource.model_rebuild()
Filter.model_rebuild()
Dichroic.model_rebuild()
FilterSet.model_rebuild()
Detector.model_rebuild()
Stage.model_rebuild()
