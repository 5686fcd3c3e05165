"""Demo data: synthetic microscopy files that look and are described like real acquisitions.

``steward demo`` builds a demo installation from these files. :func:`write_demo_files` renders
them (fixed and live cells on widefield, confocal and spinning-disk microscopes, a 5-D
time-lapse of Z-stacks, a screening well, a pyramidal H&E slide scan and an electron
micrograph), writes them as OME-TIFF and
ImageJ TIFF, and returns one :class:`DemoFile` per file with its project, dataset and the
metadata ingest should capture::

    from imagesteward.demo import write_demo_files

    for demo in write_demo_files(Path("demo-data"), seed=0):
        print(demo.project, demo.dataset, demo.path.name, demo.expected["series_count"])

The pixels are procedural (cells, nuclei, filaments, tissue, organelles, optical blur and
detector noise) and deterministic for a seed; the instruments are real models with fictional
``DEMO-`` serial numbers.

Importing this package is cheap: NumPy, tifffile and ome-types load on first use of a name
(PEP 562), so ``steward --help`` does not pay for them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from imagesteward.demo.build import DemoResult, build_demo
    from imagesteward.demo.files import DEMO_PROJECTS, DemoFile, write_demo_files

__all__ = ["DEMO_PROJECTS", "DemoFile", "DemoResult", "build_demo", "write_demo_files"]
_HOMES = {"DemoResult": "build", "build_demo": "build"}


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(import_module(f"imagesteward.demo.{_HOMES.get(name, 'files')}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
