"""The demo files: write them all, and say where each belongs and what it holds.

Each demo project module (:mod:`~imagesteward.demo.project_cell_biology`,
:mod:`~imagesteward.demo.project_cell_dynamics`, :mod:`~imagesteward.demo.project_histology`,
:mod:`~imagesteward.demo.project_electron_microscopy`) lists recipes that render synthetic
pixels, describe the acquisition in OME-XML with the facility's instruments and write the file.
Every file draws from its own random stream, so the files are written in parallel threads and
still come out byte-identical for a seed.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imagesteward.demo import (
    project_cell_biology,
    project_cell_dynamics,
    project_electron_microscopy,
    project_histology,
)
from imagesteward.demo.acquisition import Recipe
from imagesteward.demo.noise import random_stream
from imagesteward.errors import ConfigurationError

__all__ = ["DEMO_PROJECTS", "DemoFile", "write_demo_files"]

_PROJECTS = (
    project_cell_biology,
    project_cell_dynamics,
    project_histology,
    project_electron_microscopy,
)
DEMO_PROJECTS = tuple(module.PROJECT for module in _PROJECTS)
"""Names of the projects the demo files belong to."""

_RECIPES: tuple[Recipe, ...] = tuple(recipe for module in _PROJECTS for recipe in module.RECIPES)
_MIN_SCALE, _MAX_SCALE = 1 / 16, 2.0


@dataclass(frozen=True)
class DemoFile:
    """One written demo file with the place it belongs in the catalog.

    Attributes
    ----------
    path
        The file.
    project, dataset
        Where the demo installation files it.
    title, description
        What the file shows, for people.
    expected
        What ingest should capture, in the conventions of the test corpus's ``MANIFEST.json``
        (see :mod:`imagesteward.demo.expected`): ``format``, ``series_count``, ``series`` (sizes,
        dtype, physical sizes in µm, channel names and settings, objective, instrument,
        acquisition date with UTC offset, time increment...) and ``first_plane``.
    """

    path: Path
    project: str
    dataset: str
    title: str
    description: str
    expected: dict[str, Any]


def _write_one(recipe: Recipe, directory: Path, seed: int, scale: float) -> DemoFile:
    path = directory / recipe.filename
    partial = path.with_name(f".{path.name}.partial")
    try:
        expected = recipe.write(partial, random_stream(seed, recipe.filename), scale)
        partial.replace(path)  # readers watching the folder never see a half-written file
    finally:
        partial.unlink(missing_ok=True)
    return DemoFile(
        path=path,
        project=recipe.project,
        dataset=recipe.dataset,
        title=recipe.title,
        description=recipe.description,
        expected=expected,
    )


def write_demo_files(directory: Path, *, seed: int = 0, scale: float = 1.0) -> list[DemoFile]:
    """Write the demo microscopy files into ``directory`` and say what each one holds.

    The files are synthetic but look and are described like real acquisitions: fixed cells on
    a widefield (3 channels), a confocal overview and Z-stack, a spinning-disk time-lapse, a
    5-D time-lapse of Z-stacks, a four-field screening well (one file, four images), a
    pyramidal H&E slide scan and an ImageJ TIFF electron micrograph. They are the same bytes
    for the same ``seed`` and ``scale``; existing files of the same names are replaced.

    Parameters
    ----------
    directory
        Where to write (created if missing).
    seed
        Non-negative seed of the random content.
    scale
        Factor on the width and height of every image (pixel sizes stay the same, the field of
        view changes), between 1/16 and 2. At 1 the whole set is about 65 MB.

    Returns
    -------
    list of DemoFile
        The files in a fixed order, with their project, dataset and expected metadata.

    Raises
    ------
    ConfigurationError
        If ``seed`` is negative or ``scale`` outside its range.
    """
    if seed < 0:
        raise ConfigurationError(f"demo seed must be a non-negative integer, got {seed}", seed=seed)
    if not (math.isfinite(scale) and _MIN_SCALE <= scale <= _MAX_SCALE):
        raise ConfigurationError(
            f"demo scale must be between {_MIN_SCALE:g} and {_MAX_SCALE:g}, got {scale}",
            scale=scale,
        )
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    workers = max(1, min(len(_RECIPES), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="demo") as pool:
        slowest_first = sorted(_RECIPES, key=lambda recipe: -recipe.cost)
        futures = {
            recipe.filename: pool.submit(_write_one, recipe, directory, seed, scale)
            for recipe in slowest_first
        }
        return [futures[recipe.filename].result() for recipe in _RECIPES]
