"""What only the researcher knows about the demo data: each project's study and image terms.

The files carry what the instruments recorded; a facility's real data also carry the
organism, the sample preparation, the labels and the imaging method in controlled terms, and
that is what search facets, completeness and Materials & Methods show. The demo describes its
projects the way a researcher would (REMBI study, NCBITaxon organisms, FBbi methods, labels
with ChEBI or FPbase fluorophores and GO structures), through the same checks as
``steward describe``: every term below must be a real term of the shipped ontology subsets.

Some gaps are left on purpose, as a facility's data have them: the epithelial z-stack's
organism (MDCK-like cells; no canine taxon is shipped), the Alexa Fluor dyes (no ChEBI
identifier is shipped for them: the channel names stay), the TEM microscope (the file does
not name it) and the facility, so that completeness and the methods text name what is missing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from imagesteward.catalog import Catalog

__all__ = ["IMAGES", "STUDIES", "describe_demo"]

_LICENSE = "https://creativecommons.org/publicdomain/zero/1.0/"
# ORCID's own test record (Josiah Carberry is fictitious): a real, valid iD for demo data.
_AUTHORS = [
    {"name": "Josiah Carberry", "orcid": "0000-0002-1825-0097", "role": "principal investigator"},
    {"name": "Dana Example", "email": "dana.example@example.org"},
]
_SYNTHETIC = "Synthetic images written by 'steward demo'; no cell was harmed."
_HELA = {
    "organism": "NCBITaxon:9606",
    "cell_type": "CL:0000066",
    "strain": "HeLa (RRID:CVCL_0030)",
}
_PFA = "4% paraformaldehyde, 15 min, room temperature"
_LIVE = {
    "identifier": "live",
    "sample_preparation_protocol": "Cells seeded on #1.5 glass-bottom dishes 48 h before "
    "imaging and imaged in phenol red-free medium at 37 °C and 5% CO2.",
    "signal_contrast_mechanism": "fluorescence",
    "labels": [
        {
            "fluorophore": "FPbase:mcherry",
            "labelled_structure": "GO:0000785",
            "description": "H2B-mCherry",
        },
        {
            "fluorophore": "FPbase:egfp",
            "labelled_structure": "GO:0005856",
            "description": "EGFP-alpha-tubulin",
        },
    ],
}
_LIVE_HELA = {
    **_HELA,
    "identifier": "hela-h2b-tubulin",
    "biological_entity": "HeLa cells stably expressing H2B-mCherry and EGFP-alpha-tubulin",
    "genotype": "H2B-mCherry; EGFP-TUBA1B (stable integration)",
}

#: Each demo project's study (REMBI), as a ``steward describe study`` document.
STUDIES: dict[str, dict[str, Any]] = {
    "Demo: cell biology": {
        "title": "Mitochondria, microtubules and DNA damage in cultured human cells",
        "description": f"Fixed and live HeLa cells and an etoposide screen. {_SYNTHETIC}",
        "keywords": ["HeLa", "mitochondria", "microtubules", "DNA damage", "screening"],
        "license": _LICENSE,
        "authors": _AUTHORS,
        "biosamples": [
            {
                **_HELA,
                "identifier": "hela",
                "biological_entity": "HeLa cervical adenocarcinoma cells",
            },
            {
                "identifier": "epithelium",
                "biological_entity": "MDCK-like epithelial cells grown to a monolayer",
                "cell_type": "CL:0000066",
            },
            _LIVE_HELA,
        ],
        "specimens": [
            {
                "identifier": "immunofluorescence",
                "sample_preparation_protocol": "Fixed in 4% PFA, permeabilised with 0.1% Triton "
                "X-100, blocked in 3% BSA; anti-alpha-tubulin and anti-TOM20 with Alexa Fluor "
                "488 and 568 secondaries, DAPI; mounted in ProLong Gold.",
                "signal_contrast_mechanism": "fluorescence",
                "labels": [
                    {
                        "fluorophore": "CHEBI:51231",
                        "labelled_structure": "GO:0005634",
                        "description": "DAPI",
                    },
                    {
                        "labelled_structure": "GO:0005856",
                        "description": "anti-alpha-tubulin, Alexa Fluor 488",
                    },
                    {
                        "labelled_structure": "GO:0005739",
                        "description": "anti-TOM20, Alexa Fluor 568",
                    },
                ],
                "fixation": _PFA,
                "mounting_medium": "ProLong Gold",
            },
            _LIVE,
            {
                "identifier": "screen",
                "sample_preparation_protocol": "Etoposide 10 µM for 2 h in a 96-well plate, fixed "
                "in 4% PFA, anti-gamma-H2AX with an Alexa Fluor 488 secondary, DAPI.",
                "signal_contrast_mechanism": "fluorescence",
                "labels": [
                    {
                        "fluorophore": "CHEBI:51231",
                        "labelled_structure": "GO:0005634",
                        "description": "DAPI",
                    },
                    {
                        "labelled_structure": "GO:0000785",
                        "description": "anti-gamma-H2AX, Alexa Fluor 488",
                    },
                ],
                "fixation": _PFA,
            },
        ],
        "study_components": [
            {"name": "Fixed cells", "imaging_method": "FBbi:00000246"},
            {"name": "Live imaging", "imaging_method": "FBbi:00000253"},
            {"name": "Screening", "imaging_method": "FBbi:00000246"},
        ],
    },
    "Demo: cell dynamics": {
        "title": "Mitosis of HeLa cells in four dimensions",
        "description": f"Z-stack time-lapses of dividing HeLa cells. {_SYNTHETIC}",
        "keywords": ["mitosis", "live imaging", "HeLa"],
        "license": _LICENSE,
        "authors": _AUTHORS,
        "biosamples": [_LIVE_HELA],
        "specimens": [_LIVE],
        "study_components": [{"name": "Live 4D imaging", "imaging_method": "FBbi:00000253"}],
    },
    "Demo: histology": {
        "title": "Morphology of the human colon",
        "description": f"A whole-slide scan of an H&E-stained colon section. {_SYNTHETIC}",
        "keywords": ["histology", "colon", "H&E"],
        "license": _LICENSE,
        "authors": _AUTHORS,
        "biosamples": [
            {
                "identifier": "colon",
                "organism": "NCBITaxon:9606",
                "biological_entity": "Human colon, surgical resection (normal margin)",
                "anatomical_entity": "UBERON:0000059",
            }
        ],
        "specimens": [
            {
                "identifier": "ffpe-he",
                "sample_preparation_protocol": "Formalin-fixed, paraffin-embedded, 4 µm "
                "sections stained with haematoxylin and eosin.",
                "signal_contrast_mechanism": "absorption",
                "fixation": "10% neutral buffered formalin",
                "mounting_medium": "paraffin",
            }
        ],
        "study_components": [{"name": "H&E sections", "imaging_method": "FBbi:00000243"}],
    },
    "Demo: electron microscopy": {
        "title": "Ultrastructure of a HeLa cell",
        "description": f"A transmission electron micrograph of a cell section. {_SYNTHETIC}",
        "keywords": ["ultrastructure", "mitochondria", "TEM"],
        "license": _LICENSE,
        "authors": _AUTHORS,
        "biosamples": [{**_HELA, "identifier": "hela", "biological_entity": "HeLa cells"}],
        "specimens": [
            {
                "identifier": "resin-section",
                "sample_preparation_protocol": "Fixed in 2.5% glutaraldehyde, post-fixed in 1% "
                "osmium tetroxide, embedded in epoxy resin; 70 nm sections stained with uranyl "
                "acetate and lead citrate.",
                "signal_contrast_mechanism": "electron scattering",
                "fixation": "2.5% glutaraldehyde, 1% osmium tetroxide",
                "mounting_medium": "epoxy resin",
            }
        ],
        "study_components": [{"name": "TEM sections", "imaging_method": "FBbi:00000258"}],
    },
}

_DAPI = {"channels[0].fluorophore": "CHEBI:51231"}
_LIVE_CHANNELS = {
    "channels[0].fluorophore": "FPbase:mcherry",
    "channels[1].fluorophore": "FPbase:egfp",
}
_FIXED = {"biosample_ref": "hela", "specimen_ref": "immunofluorescence"}

#: What the researcher adds to every image of a demo file, by the file's name.
IMAGES: dict[str, dict[str, Any]] = {
    "hela_fixed_widefield_60x.ome.tif": {
        **_FIXED,
        **_DAPI,
        "acquisition.imaging_method": "FBbi:00000246",
    },
    "hela_confocal_overview_20x.ome.tif": {**_FIXED, "acquisition.imaging_method": "FBbi:00000252"},
    "epithelium_confocal_zstack_63x.ome.tif": {
        "biosample_ref": "epithelium",
        "specimen_ref": "immunofluorescence",
        "acquisition.imaging_method": "FBbi:00000252",
    },
    "hela_live_spinning_disk_40x.ome.tif": {
        "biosample_ref": "hela-h2b-tubulin",
        "specimen_ref": "live",
        "acquisition.imaging_method": "FBbi:00000253",
        **_LIVE_CHANNELS,
    },
    "dna_damage_screen_plate1_B03.ome.tif": {
        "biosample_ref": "hela",
        "specimen_ref": "screen",
        "acquisition.imaging_method": "FBbi:00000246",
        **_DAPI,
    },
    "hela_mitosis_4d_spinning_disk_40x.ome.tif": {
        "biosample_ref": "hela-h2b-tubulin",
        "specimen_ref": "live",
        "acquisition.imaging_method": "FBbi:00000253",
        **_LIVE_CHANNELS,
    },
    "colon_he_section_20x.ome.tif": {
        "biosample_ref": "colon",
        "specimen_ref": "ffpe-he",
        "acquisition.imaging_method": "FBbi:00000243",
    },
    "hela_tem_section.tif": {
        "biosample_ref": "hela",
        "specimen_ref": "resin-section",
        "acquisition.imaging_method": "FBbi:00000258",
    },
}


def describe_demo(catalog: Catalog, new_images: Mapping[str, Sequence[int]]) -> None:
    """Describe the demo projects and annotate the images just ingested.

    ``new_images`` maps a demo file's name to the ids of the images ingest made of it. A
    project already described keeps its study (a second ``steward demo`` changes nothing).
    Terms and identifiers go through the checks of ``steward describe``, so a wrong one here
    fails the build rather than showing in the demo.
    """
    from imagesteward.catalog import ImageAnnotation
    from imagesteward.describe import annotate_images, describe_study, score_for_search
    from imagesteward.ontology import load_index

    index = load_index()
    present = {dataset.project for dataset in catalog.list_datasets(None)}
    for project, study in STUDIES.items():
        if project in present and catalog.get_study(project) is None:
            describe_study(catalog, index, project, study, by="steward demo", reason="demo")
    annotations = [
        ImageAnnotation(catalog.get_image(image_id).uuid, IMAGES[name])
        for name, ids in sorted(new_images.items())
        if name in IMAGES
        for image_id in ids
    ]
    if annotations:
        annotate_images(catalog, index, annotations, by="steward demo", reason="demo")
    # Images without annotations are scored too, so that completeness: finds every one.
    score_for_search(catalog, image_ids=[i for ids in new_images.values() for i in ids])
