"""Format readers: content sniffing, metadata extraction into the model, lazy pixel access.

Readers are plugins (entry point group ``imagesteward.readers``) built on the field's own
libraries: tifffile and ome-types, czifile, nd2, liffile, pydicom, mrcfile and zarr. Use
:func:`default_registry` to select and open files::

    registry = default_registry()
    source, report = registry.open(path, ReadContext(allowed_roots=(path.parent,)))
    with source:
        for info in source.series:
            print(info.image.name, info.structure.shape)
"""

from imagesteward.formats.reader import (
    ImageSource,
    OriginalMetadata,
    Probe,
    ReadContext,
    Reader,
    Selection,
    Verdict,
)
from imagesteward.formats.registry import (
    ReaderRegistry,
    SelectionReport,
    default_registry,
    probe_path,
)

__all__ = [
    "ImageSource",
    "OriginalMetadata",
    "Probe",
    "ReadContext",
    "Reader",
    "ReaderRegistry",
    "Selection",
    "SelectionReport",
    "Verdict",
    "default_registry",
    "probe_path",
]
