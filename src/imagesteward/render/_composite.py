"""Planes of data to 8-bit RGB (or grey): windows, gamma, colours, additive compositing.

The definition, per channel ``c`` with window ``[lo, hi]``, gamma ``g`` and colour ``(R, G, B)``::

    f_c(v)      = min(max((v - lo) / (hi - lo), 0), 1) ** g        (float64; NaN -> 0)
    out_k(px)   = min(255, sum over visible c of rint(f_c(v_c(px)) * colour_c[k]))

How it is made fast: for 8- and 16-bit data, ``rint(f_c(v) * component)`` is tabulated for
every possible value once (a 256- or 65536-entry uint8 lookup table, cached by dtype, window,
gamma and component, evaluated only inside the window) and applied with ``np.take`` - 0.25 ms
for a 512² uint16 plane, against ~6 ms to evaluate the formula. Tables are shared between
components of equal value (magenta needs one table, not two), a component fed by a single
channel is copied without a sum, and a uint8 channel with the full window, gamma 1 and a 255
component *is* its own result: RGB brightfield with default settings passes its bytes straight
through. When every visible colour is grey (``R == G == B``) one plane is made and encoded as
a greyscale image.

The renderer asks for *packed* output (``rgbx=True``): when no colour component is fed by two
visible channels - blue, green and red; magenta and green; the usual fluorescence colours - a
channel's three components are one little-endian uint32 table (``R | G << 8 | B << 16``), one
``np.take`` per channel gives whole RGBX pixels and the channels are OR-ed together (their
bytes cannot overlap, so OR is the sum and nothing saturates). That is one gather per channel
instead of one per component, no interleaving copies, and the JPEG encoder reads RGBX as it
is: 0.8 against 1.15 ms for three 512² uint16 channels.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence

import numpy as np

from imagesteward.render._cache import LRUCache
from imagesteward.render._view import ChannelPlan

__all__ = ["LutCache", "composite", "levels"]

_RGBX = np.dtype("<u4")

LutKey = tuple[str, float, float, float, int]


def levels(
    values: np.ndarray, window: tuple[float, float], gamma: float, component: int
) -> np.ndarray:
    """``rint(f(v) * component)`` as uint8, evaluated directly (the definition above)."""
    low, high = window
    f = (values.astype(np.float64) - low) / (high - low)
    # fmax/fmin rather than clip: they turn NaN into the bound, so NaN pixels draw black.
    np.fmax(f, 0.0, out=f)
    np.fmin(f, 1.0, out=f)
    if gamma != 1.0:
        np.power(f, gamma, out=f)
    f *= component
    return np.rint(f).astype(np.uint8)


def _tabulated(dtype: np.dtype[np.generic]) -> bool:
    return dtype.kind in "biu" and dtype.itemsize <= 2


def _codes(plane: np.ndarray) -> np.ndarray:
    # Signed and boolean data index the table by their bit pattern as unsigned integers.
    if plane.dtype.kind in "ib":
        return plane.view(np.dtype(f"u{plane.dtype.itemsize}"))
    return plane


class LutCache:
    """Lookup tables by ``(dtype, lo, hi, gamma, component)``, within a byte budget."""

    def __init__(self, capacity: int) -> None:
        self.cache: LRUCache[LutKey, np.ndarray] = LRUCache(capacity, lambda a: a.nbytes)
        # Packed tables are 4x the size of a component's: a quarter of the budget again.
        self._packed: LRUCache[Hashable, np.ndarray] = LRUCache(capacity, lambda a: a.nbytes)

    def table(
        self, dtype: np.dtype[np.generic], window: tuple[float, float], gamma: float, component: int
    ) -> np.ndarray:
        """The table for one channel setting and colour component."""
        key = (dtype.str, window[0], window[1], gamma, component)
        return self.cache.get_or_load(key, lambda: _build(dtype, window, gamma, component))

    def packed(self, dtype: np.dtype[np.generic], channel: ChannelPlan) -> np.ndarray:
        """One channel's colour as a uint32 RGBX table (``R | G << 8 | B << 16``)."""
        key = (dtype.str, channel.window[0], channel.window[1], channel.gamma, channel.color)
        return self._packed.get_or_load(key, lambda: self._pack(dtype, channel))

    def _pack(self, dtype: np.dtype[np.generic], channel: ChannelPlan) -> np.ndarray:
        table = np.zeros(2 ** (8 * dtype.itemsize), dtype=_RGBX)
        for shift, component in zip((0, 8, 16), channel.color, strict=True):
            if component:
                part = self.table(dtype, channel.window, channel.gamma, component)
                table |= part.astype(_RGBX) << shift
        table.flags.writeable = False
        return table


def _build(
    dtype: np.dtype[np.generic], window: tuple[float, float], gamma: float, component: int
) -> np.ndarray:
    size = 2 ** (8 * dtype.itemsize)
    low = -(size // 2) if dtype.kind == "i" else 0
    # Over the values in ascending order, the definition is exactly 0 up to the window's start
    # and ``component`` from its end: only the values inside are evaluated (a 12-bit window on
    # 16-bit data: 4096 of 65536, 4x faster to tabulate).
    start = min(max(math.floor(window[0]) + 1 - low, 0), size)
    stop = min(max(math.ceil(window[1]) - low, start), size)
    table = np.zeros(size, dtype=np.uint8)
    table[stop:] = component
    values = np.arange(low + start, low + stop, dtype=np.int64)
    table[start:stop] = levels(values, window, gamma, component)
    if low:
        # Signed data is looked up by its bit pattern: values 0..max first, then min..-1.
        table = np.roll(table, size // 2)
    table.flags.writeable = False
    return table


def _identity(plane: np.ndarray, channel: ChannelPlan, component: int) -> bool:
    return (
        plane.dtype == np.uint8
        and component == 255
        and channel.gamma == 1.0
        and channel.window == (0.0, 255.0)
    )


def _gather(plane: np.ndarray, channel: ChannelPlan, component: int, luts: LutCache) -> np.ndarray:
    if _identity(plane, channel, component):
        return plane
    if _tabulated(plane.dtype):
        table = luts.table(plane.dtype, channel.window, channel.gamma, component)
        # Every code indexes the table (it has one entry per bit pattern), so "clip" never
        # clips; it only spares numpy's bounds-checked "raise" mode, which buffers the
        # indices: 30-40 % faster per plane (0.56 against 0.92 ms for 512² uint16, loaded).
        return np.take(table, _codes(plane), mode="clip")
    return levels(plane, channel.window, channel.gamma, component)


def _sum(parts: list[np.ndarray]) -> np.ndarray | int:
    if not parts:
        return 0
    if len(parts) == 1:
        return parts[0]
    # 257 channels of 255 still fit in uint16; more need a wider accumulator.
    accumulator = np.array(parts[0], dtype=np.uint16 if len(parts) <= 257 else np.uint32)
    for part in parts[1:]:
        np.add(accumulator, part, out=accumulator)
    np.minimum(accumulator, 255, out=accumulator)
    return accumulator


def composite(
    planes: Sequence[np.ndarray],
    channels: Sequence[ChannelPlan],
    luts: LutCache,
    shape: tuple[int, int],
    *,
    rgbx: bool = False,
) -> np.ndarray:
    """``(h, w, 3)`` uint8 RGB, or ``(h, w)`` grey when every colour is grey (or none shows).

    With ``rgbx``, colour output may come as ``(h, w, 4)`` RGBX instead (the fourth byte is
    padding, 0): when the channels' colours share no component (see the module docstring).
    """
    grey = all(r == g == b for r, g, b in (c.color for c in channels))
    if grey and len(planes) == 1 and _tabulated(planes[0].dtype):
        # One grey channel: its table straight into the output, no sum, no copy.
        (plane,), (channel,) = planes, channels
        if _identity(plane, channel, channel.color[0]):
            return np.ascontiguousarray(plane)
        table = luts.table(plane.dtype, channel.window, channel.gamma, channel.color[0])
        return np.take(table, _codes(plane), mode="clip", out=np.empty(shape, dtype=np.uint8))
    if rgbx and not grey and _disjoint(channels) and all(_tabulated(p.dtype) for p in planes):
        return _packed(planes, channels, luts, shape)
    components = (0,) if grey else (0, 1, 2)
    parts: list[list[np.ndarray]] = [[] for _ in components]
    for plane, channel in zip(planes, channels, strict=True):
        made: dict[int, np.ndarray] = {}
        for k in components:
            value = channel.color[k]
            if value == 0:
                continue
            if value not in made:
                made[value] = _gather(plane, channel, value, luts)
            parts[k].append(made[value])
    if grey:
        out = np.empty(shape, dtype=np.uint8)
        out[...] = _sum(parts[0])
        return out
    rgb = np.empty((*shape, 3), dtype=np.uint8)
    for k in components:
        rgb[..., k] = _sum(parts[k])
    return rgb


def _disjoint(channels: Sequence[ChannelPlan]) -> bool:
    """No colour component is fed by two channels: OR-ing packed pixels is then exact."""
    fed = [0, 0, 0]
    for channel in channels:
        for k, value in enumerate(channel.color):
            fed[k] += value != 0
    return max(fed) <= 1


def _packed(
    planes: Sequence[np.ndarray],
    channels: Sequence[ChannelPlan],
    luts: LutCache,
    shape: tuple[int, int],
) -> np.ndarray:
    out = np.empty(shape, dtype=_RGBX)
    scratch: np.ndarray | None = None
    for n, (plane, channel) in enumerate(zip(planes, channels, strict=True)):
        table = luts.packed(plane.dtype, channel)
        if n == 0:
            np.take(table, _codes(plane), mode="clip", out=out)
            continue
        if scratch is None:
            scratch = np.empty(shape, dtype=_RGBX)
        np.take(table, _codes(plane), mode="clip", out=scratch)
        np.bitwise_or(out, scratch, out=out)
    return out.view(np.uint8).reshape(*shape, 4)
