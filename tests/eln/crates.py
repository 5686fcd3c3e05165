"""Building ``.eln`` archives for the tests: honest crates and hostile zips."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import tifffile

__all__ = ["ORCID", "PIDINST", "ROR", "crate_document", "rich_crate", "tiny_tiff", "write_eln"]

ORCID = "https://orcid.org/0000-0002-1825-0097"
ROR = "https://ror.org/05dxps055"
PIDINST = "https://hdl.handle.net/21.T11998/0000-001A-3905-F"


def crate_document(root: Mapping[str, Any], entities: Sequence[Mapping[str, Any]]) -> bytes:
    """An RO-Crate 1.1 metadata document with its descriptor, ``root`` and ``entities``."""
    graph = [
        {
            "@id": "ro-crate-metadata.json",
            "@type": "CreativeWork",
            "about": {"@id": "./"},
            "conformsTo": {"@id": "https://w3id.org/ro/crate/1.1"},
            "sdPublisher": {"@id": "#eln"},
        },
        {"@id": "#eln", "@type": "Organization", "name": "Test ELN"},
        {"@id": "./", "@type": "Dataset", **root},
        *entities,
    ]
    return json.dumps(
        {"@context": "https://w3id.org/ro/crate/1.1/context", "@graph": graph}, indent=1
    ).encode()


def write_eln(path: Path, members: Mapping[str, bytes], *, folder: str = "crate/") -> Path:
    """A zip holding ``members`` (paths relative to the crate folder ``folder``)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(folder + name, data)
    return path


def tiny_tiff() -> bytes:
    """A small, calibrated 2-D TIFF that the ImageJ/TIFF readers accept."""
    buffer = io.BytesIO()
    pixels = (np.arange(64 * 48, dtype=np.uint16).reshape(48, 64) * 7) % 4096
    tifffile.imwrite(
        buffer, pixels, imagej=True, resolution=(1 / 0.5, 1 / 0.5), metadata={"unit": "um"}
    )
    return buffer.getvalue()


def rich_crate() -> dict[str, bytes]:
    """A crate with every kind of entity the import maps, and some it cannot."""
    image = tiny_tiff()
    csv = b"cell,area\n1,12.5\n2,13.0\n"
    entities: list[dict[str, Any]] = [
        {
            "@id": ORCID,
            "@type": "Person",
            "name": "Josiah Carberry",
            "email": "josiah@example.org",
            "affiliation": {"@id": ROR},
        },
        {"@id": ROR, "@type": "Organization", "name": "California Institute of Technology"},
        {
            "@id": "#ann",
            "@type": "Person",
            "givenName": "Ann",
            "familyName": "Other",
            "identifier": "https://orcid.org/0000-0002-1825-0098",
        },
        {"@id": "#lonely", "@type": "Organization", "name": "Nobody's Lab"},
        {
            "@id": "./samples/hela/",
            "@type": "Dataset",
            "genre": "sample",
            "identifier": "S-1",
            "name": "HeLa Kyoto cells",
            "description": "HeLa Kyoto, passage 12",
            "taxonomicRange": "Homo sapiens",
            "variableMeasured": [{"@id": "#passage"}],
            "hasPart": [{"@id": "./data/cells.tif"}],
        },
        {"@id": "#passage", "@type": "PropertyValue", "name": "passage", "value": 12},
        {
            "@id": "./samples/mouse/",
            "@type": "Dataset",
            "genre": "sample",
            "name": "Mouse liver",
            "taxonomicRange": "Mouse",
        },
        {
            "@id": "#fixed",
            "@type": "Thing",
            "genre": "specimen",
            "identifier": "SP-1",
            "description": "Fixed in 4% PFA, mounted in ProLong Gold",
        },
        {
            "@id": "./experiments/live/",
            "@type": "Dataset",
            "genre": "experiment",
            "name": "Live imaging of mitosis",
            "description": "Time-lapse of dividing cells",
            "creator": {"@id": "#ann"},
            "instrument": {"@id": "#lsm"},
            "hasPart": [{"@id": "./samples/hela/"}, {"@id": "./data/notes.csv"}],
        },
        {
            "@id": "#lsm",
            "@type": "IndividualProduct",
            "name": "LSM 880 room 2.14",
            "manufacturer": {"@id": "#zeiss"},
            "model": "LSM 880",
            "serialNumber": "2801000123",
            "identifier": PIDINST,
        },
        {"@id": "#zeiss", "@type": "Organization", "name": "Carl Zeiss Microscopy"},
        {"@id": "#old-scope", "@type": "Thing", "genre": "instrument", "name": "Axiovert 200"},
        {
            "@id": "./data/cells.tif",
            "@type": "File",
            "encodingFormat": "image/tiff",
            "about": {"@id": "#fixed"},
            "contentSize": str(len(image)),
            "sha256": hashlib.sha256(image).hexdigest(),
        },
        {"@id": "./data/notes.csv", "@type": "File", "encodingFormat": "text/csv"},
        {"@id": "https://example.org/paper.pdf", "@type": "File"},
        {"@id": "./missing.txt", "@type": "File"},
    ]
    root = {
        "name": "Mitosis in HeLa cells",
        "description": "Cells dividing, imaged live.",
        "license": {"@id": "https://creativecommons.org/licenses/by/4.0/"},
        "keywords": "mitosis, HeLa",
        "datePublished": "2025-03-01T10:00:00Z",
        "author": [{"@id": ORCID}],
        "hasPart": [{"@id": "./samples/hela/"}, {"@id": "./experiments/live/"}],
    }
    return {
        "ro-crate-metadata.json": crate_document(root, entities),
        "data/cells.tif": image,
        "data/notes.csv": csv,
        "extra/undescribed.txt": b"a file the crate does not describe\n",
    }
