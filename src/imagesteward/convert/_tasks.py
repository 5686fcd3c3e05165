"""One region, start to finish: read, reorder, histogram, reduce, encode, write, record.

:func:`run_region` is what every executor runs - a thread of this process or a Dask worker.
It writes only chunks that belong to its region at every level it builds, then its progress
record: a region either has a record (and all its chunks) or will be redone whole.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from imagesteward.convert._codec import encode_chunk, encode_shard, iter_chunks
from imagesteward.convert._downsample import downsample
from imagesteward.convert._histogram import ChannelStats, channel_stats
from imagesteward.convert._readback import read_box
from imagesteward.convert._target import PROGRESS_DIR, Target, Writer
from imagesteward.errors import ConversionError

if TYPE_CHECKING:
    from imagesteward.convert._axes import Box
    from imagesteward.convert._plan import ConversionPlan, RegionTask, SeriesPlan
    from imagesteward.convert._source import SourceAccess

__all__ = ["RegionOutcome", "TaskContext", "marker_key", "run_region"]

_FLUSH_BYTES = 16 * 2**20  # encoded bytes gathered before a (concurrent) upload


@dataclass(frozen=True, slots=True)
class TaskContext:
    """Everything a region task needs; picklable when ``source`` is."""

    plan: ConversionPlan
    target: Target
    source: SourceAccess


@dataclass(slots=True)
class RegionOutcome:
    """What one region did: channel statistics (stage 0), bytes and objects written."""

    task: RegionTask
    stats: dict[int, ChannelStats] = field(default_factory=dict)
    bytes_read: int = 0
    bytes_written: int = 0
    objects: int = 0

    def to_json(self) -> dict[str, Any]:
        """The progress record."""
        return {
            "task": self.task.id,
            "bytes_read": self.bytes_read,
            "bytes_written": self.bytes_written,
            "objects": self.objects,
            "stats": {str(c): s.to_json() for c, s in sorted(self.stats.items())},
        }

    @classmethod
    def from_json(cls, task: RegionTask, data: dict[str, Any]) -> RegionOutcome:
        """Inverse of :meth:`to_json`."""
        stats = {int(c): ChannelStats.from_json(s) for c, s in data.get("stats", {}).items()}
        return cls(task, stats, data["bytes_read"], data["bytes_written"], data["objects"])


def marker_key(task: RegionTask) -> str:
    """Where a finished region's record lives."""
    return f"{PROGRESS_DIR}/done/{task.id}.json"


_writers = threading.local()


def _writer(target: Target) -> Writer:
    # One writer per thread and target: remembers the directories it made.
    cache: dict[Target, Writer] = getattr(_writers, "cache", None) or {}
    _writers.cache = cache
    if target not in cache:
        cache.clear()
        cache[target] = target.writer()
    return cache[target]


def run_region(context: TaskContext, task: RegionTask) -> RegionOutcome:
    """Convert one region (see the module docstring)."""
    series = context.plan.series[task.series]
    stage = series.stages[task.stage]
    box = stage.box(task.region)
    writer = _writer(context.target)
    outcome = RegionOutcome(task)
    if stage.from_source:
        block = _read_source(context.source, series, box)
        outcome.bytes_read = block.nbytes
        outcome.stats = _stats(series, block, box)
    else:
        block = read_box(writer, series, stage.input_level, box)
    for level in stage.levels:
        if level != stage.input_level:
            block = downsample(block, series.levels[level].factors, series.method)
        level_box = series.level_box(stage, box, level)
        written, objects = _write_level(writer, series, level, block, level_box)
        outcome.bytes_written += written
        outcome.objects += objects
    writer.put(marker_key(task), json.dumps(outcome.to_json()).encode())
    return outcome


def _read_source(source: SourceAccess, series: SeriesPlan, box: Box) -> np.ndarray:
    selection = series.axes.source_selection(box)
    data = source.read(series.source_series, selection)
    block = series.axes.to_output(np.asarray(data), selection)
    del data
    expected = tuple(stop - start for start, stop in box)
    if block.shape != expected:
        raise ConversionError(
            f"series {series.source_series}: the reader returned {block.shape} for region "
            f"{dict(selection)}, expected {expected}"
        )
    if block.dtype != np.dtype(series.dtype):
        block = block.astype(np.dtype(series.dtype).newbyteorder("<"))
    return block


def _stats(series: SeriesPlan, block: np.ndarray, box: Box) -> dict[int, ChannelStats]:
    axes = series.axes.axes
    n_spatial = len(series.axes.spatial)
    origin = (box[-2][0], box[-1][0])
    if "c" not in axes:
        return {0: channel_stats(block.reshape(-1, *block.shape[-n_spatial:]), origin)}
    c_axis = axes.index("c")
    per_channel = np.moveaxis(block, c_axis, 0)
    stats = {}
    for offset in range(per_channel.shape[0]):
        channel = per_channel[offset]
        stats[box[c_axis][0] + offset] = channel_stats(
            channel.reshape(-1, *channel.shape[channel.ndim - n_spatial :]), origin
        )
    return stats


def _write_level(
    writer: Writer, series: SeriesPlan, level: int, block: np.ndarray, box: Box
) -> tuple[int, int]:
    spec = series.levels[level]
    expected = tuple(stop - start for start, stop in box)
    if block.shape != expected:
        raise ConversionError(f"internal: level {level} block {block.shape} != region {expected}")
    grid = spec.shards or spec.chunks
    origin = tuple(start for start, _ in box)
    pending: dict[str, bytes] = {}
    pending_bytes = written = objects = 0
    for position, slices in iter_chunks(block.shape, grid, origin):
        piece = block[slices]
        if spec.shards is not None:
            encoded = encode_shard(piece, spec.shards, spec.chunks, series.codec)
        else:
            encoded = encode_chunk(piece, spec.chunks, series.codec)
        if encoded is None:
            continue
        pending[series.chunk_key(level, position)] = encoded
        pending_bytes += len(encoded)
        written += len(encoded)
        objects += 1
        if pending_bytes >= _FLUSH_BYTES or writer.target.local:
            writer.put_many(pending)
            pending, pending_bytes = {}, 0
    writer.put_many(pending)
    return written, objects
