"""From a source's axes to NGFF's: at most ``t, c, z, y, x``, in that order, nothing lost.

NGFF 0.4 and 0.5 allow five axes: time, channel and two or three spatial ones. Sources have
more: interleaved samples ``S`` (RGB) and extra dimensions such as the Airyscan phase ``H``.
Every non-spatial, non-time axis is *folded* into ``c``, in this order: the source's ``C``, then
``S``, then the extra axes in the source's order. Output channel ``c`` is the row-major (C-order)
index over the folded axes::

    c = ((C_index * S + S_index) * H + H_index) ...

so the ``S`` samples and extra-axis positions of one source channel are consecutive. The
mapping is written to the image's ``imagesteward`` attribute (``fold``, ``channels``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from imagesteward.errors import ConversionError

if TYPE_CHECKING:
    import numpy as np

    from imagesteward.formats import Selection
    from imagesteward.model import ArrayStructure

__all__ = ["AxisMap", "Box"]

_SPATIAL = ("Z", "Y", "X")

#: A region: ``(start, stop)`` per output axis.
Box = tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class AxisMap:
    """How one series' source axes become NGFF axes.

    Attributes
    ----------
    source_dims, source_shape
        The series' ``ArrayStructure`` axes and full-resolution shape.
    axes
        NGFF axis names, a subsequence of ``t c z y x``.
    fold_dims, fold_sizes
        Source axes folded into ``c`` (``C`` first, then ``S``, then extras), with their sizes.
    """

    source_dims: tuple[str, ...]
    source_shape: tuple[int, ...]
    axes: tuple[str, ...]
    fold_dims: tuple[str, ...]
    fold_sizes: tuple[int, ...]

    @classmethod
    def from_structure(cls, structure: ArrayStructure) -> AxisMap:
        """Map a series' structure (raises when it has no two spatial axes)."""
        dims, shape = tuple(structure.dims), tuple(structure.shape)
        sizes = dict(zip(dims, shape, strict=True))
        spatial = [d for d in _SPATIAL if d in dims]
        if len(spatial) < 2:
            raise ConversionError(
                f"axes {''.join(dims)} have fewer than two spatial axes (Z, Y, X); NGFF images "
                "need two or three"
            )
        extras = [d for d in dims if d not in ("T", "C", "S", *_SPATIAL)]
        fold = [d for d in ("C", "S") if d in dims] + extras
        axes = (["t"] if "T" in dims else []) + (["c"] if fold else [])
        axes += [d.lower() for d in spatial]
        return cls(dims, shape, tuple(axes), tuple(fold), tuple(sizes[d] for d in fold))

    @property
    def shape(self) -> tuple[int, ...]:
        """Full-resolution shape along :attr:`axes`."""
        sizes = dict(zip(self.source_dims, self.source_shape, strict=True))
        out = []
        for axis in self.axes:
            if axis == "c":
                out.append(math.prod(self.fold_sizes))
            else:
                out.append(sizes[axis.upper()])
        return tuple(out)

    @property
    def block(self) -> int:
        """Output channels one source channel becomes (product of the folded axes after C)."""
        sizes = dict(zip(self.fold_dims, self.fold_sizes, strict=True))
        return math.prod(size for dim, size in sizes.items() if dim != "C")

    def channel_extents(self) -> tuple[list[int], list[int]]:
        """Channel counts a region may span: (preferred, fallback), largest first.

        A region's channels are one position of the leading folded axes and all of the
        trailing ones, so they are one product selection of the source. Preferred extents keep
        the interleaved samples ``S`` whole (an RGB pixel is read once); splitting them is the
        fallback for budgets that cannot hold one source channel.
        """
        if not self.fold_dims:
            return [1], []
        first = 1 if self.fold_dims[0] == "C" else 0
        extents = [math.prod(self.fold_sizes[k:]) for k in range(first, len(self.fold_dims) + 1)]
        keep_s = self.fold_dims.index("S") if "S" in self.fold_dims else len(self.fold_dims)
        preferred = [
            e
            for k, e in zip(range(first, len(self.fold_dims) + 1), extents, strict=True)
            if k <= keep_s
        ]
        fallback = [e for e in extents if e not in preferred]
        return preferred, fallback

    @property
    def spatial(self) -> tuple[str, ...]:
        """Spatial NGFF axes, e.g. ``("z", "y", "x")`` or ``("z", "x")`` for an XZ scan."""
        return tuple(a for a in self.axes if a in "zyx")

    def channel_sources(self) -> list[dict[str, int]]:
        """For each output channel, its index along every folded source axis."""
        out = []
        for flat in range(math.prod(self.fold_sizes) if self.fold_dims else 0):
            index, rest = {}, flat
            for dim, size in reversed(list(zip(self.fold_dims, self.fold_sizes, strict=True))):
                rest, index[dim] = divmod(rest, size)
            out.append(dict(reversed(list(index.items()))))
        return out

    def source_selection(self, box: Box) -> Selection:
        """The source region holding an output box (see :meth:`channel_extents`)."""
        selection: dict[str, int | slice] = {}
        for axis, (start, stop) in zip(self.axes, box, strict=True):
            if axis == "t":
                if stop - start != 1:
                    raise ValueError(f"a region spans {stop - start} time points; it must be 1")
                selection["T"] = start
            elif axis == "c":
                selection.update(self._fold_selection(start, stop))
            else:
                selection[axis.upper()] = slice(start, stop)
        return selection

    def _fold_selection(self, start: int, stop: int) -> dict[str, int]:
        extent = stop - start
        trailing = [math.prod(self.fold_sizes[k:]) for k in range(len(self.fold_dims) + 1)]
        if extent not in trailing or start % extent:
            raise ValueError(f"channels {start}:{stop} are not one product selection")
        fixed = trailing.index(extent)
        selection = {}
        rest = start
        for k in range(len(self.fold_dims) - 1, -1, -1):
            rest, position = divmod(rest, self.fold_sizes[k])
            if k < fixed:
                selection[self.fold_dims[k]] = position
        return selection

    def to_output(self, data: np.ndarray, selection: Selection) -> np.ndarray:
        """Rearrange a block read with ``selection`` into output axis order.

        The block's axes are the source's without the integer-indexed ones; the result has
        every output axis (``t`` of size 1 when it was indexed), C-contiguous, little-endian.
        """
        import numpy as np

        kept = [d for d in self.source_dims if not isinstance(selection.get(d), int)]
        if data.ndim != len(kept):
            raise ConversionError(
                f"the reader returned a {data.ndim}-D block for axes {''.join(kept)}"
            )
        fold = [d for d in self.fold_dims if d in kept]
        time = ["T"] if "T" in kept else []
        order = [kept.index(d) for d in (*time, *fold)]
        order += [kept.index(d.upper()) for d in self.spatial]
        moved = np.transpose(data, order) if order != sorted(order) else data
        lead = len(time) + len(fold)
        spatial_shape = moved.shape[lead:]
        shape: list[int] = []
        for axis in self.axes:
            if axis == "t":
                shape.append(moved.shape[0] if time else 1)
            elif axis == "c":
                shape.append(math.prod(moved.shape[len(time) : lead]))
        out = np.ascontiguousarray(moved).reshape(*shape, *spatial_shape)
        if out.dtype.byteorder == ">":
            out = out.astype(out.dtype.newbyteorder("<"))
        return out

    def describe(self) -> dict[str, Any]:
        """The mapping as written to the ``imagesteward`` attribute."""
        return {
            "source_axes": "".join(self.source_dims),
            "source_shape": list(self.source_shape),
            "axes": "".join(self.axes),
            "fold": {
                "axes": list(self.fold_dims),
                "sizes": list(self.fold_sizes),
                "rule": "c = row-major (C-order) index over the folded source axes",
            },
        }
