"""Checks before a conversion is reported done: pixels against the source, pyramid, problems.

Both spot checks read the output back with zarr-python - an independent reader of the bytes
:mod:`imagesteward.convert._codec` wrote.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from imagesteward.convert._codec import iter_chunks
from imagesteward.convert._downsample import downsample
from imagesteward.convert._plan import ConversionPlan, SeriesPlan
from imagesteward.convert._target import Writer
from imagesteward.errors import OutputValidationError

if TYPE_CHECKING:
    from imagesteward.formats import ImageSource

__all__ = ["raise_problems", "spot_check"]


def spot_check(source: ImageSource, writer: Writer, plan: ConversionPlan) -> list[str]:
    """Compare a few level-0 chunks with the source, and a level-1 chunk with level 0."""
    import zarr

    store = writer.store(read_only=True)
    compared = 0
    for series in plan.series:
        level = series.levels[0]
        array = zarr.open_array(store, path=series.array_path(0), mode="r")
        chunks = list(iter_chunks(level.shape, level.chunks))
        picks = sorted({0, len(chunks) // 2, len(chunks) - 1})
        for pick in picks:
            _, slices = chunks[pick]
            box = [(s.start, s.stop) for s in slices]
            selection = series.axes.source_selection(tuple(box))
            expected = series.axes.to_output(
                np.asarray(source.read(series.source_series, selection)), selection
            )
            actual = np.asarray(array[slices])
            if not _same(actual, expected):
                raise OutputValidationError(
                    f"{writer.target.root}: image {series.group or '.'} level 0 chunk {slices} "
                    "differs from the source",
                    problems=["pixel spot check failed"],
                )
            compared += 1
        if len(series.levels) > 1:
            _check_pyramid(store, series)
    return [f"pixels: {compared} level-0 chunk(s) equal the source", "pyramid: level 1 spot check"]


def _check_pyramid(store: Any, series: SeriesPlan) -> None:
    import zarr

    upper = series.levels[1]
    _, slices = next(iter(iter_chunks(upper.shape, upper.chunks)))
    factors = upper.factors
    base = zarr.open_array(store, path=series.array_path(0), mode="r")
    low = tuple(
        slice(s.start * f, min(s.stop * f, n))
        for s, f, n in zip(slices, factors, base.shape, strict=True)
    )
    expected = downsample(np.asarray(base[low]), factors, series.method)
    actual = np.asarray(zarr.open_array(store, path=series.array_path(1), mode="r")[slices])
    if not _same(actual, expected):
        raise OutputValidationError(
            f"image {series.group or '.'}: level 1 is not the {series.method} of level 0",
            problems=["pyramid spot check failed"],
        )


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return (
        a.shape == b.shape
        and np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b.astype(a.dtype)).tobytes()
    )


def raise_problems(where: str, problems: list[str]) -> None:
    """Raise :class:`OutputValidationError` listing ``problems``, if there are any."""
    if problems:
        listed = "; ".join(problems[:10])
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise OutputValidationError(
            f"{where} failed validation: {listed}{more}", problems=problems, destination=where
        )
