""":func:`to_ome_zarr`: plan, stream the regions, write the metadata, check, publish.

Order of events, which is what makes an interruption at any instant harmless:

1. the plan is computed; a destination already holding this plan (same digest) is reported
   done, anything else at the destination is refused;
2. ``plan.json`` is the first thing written into the working root, then the arrays' metadata;
3. each region writes its chunks, then its progress record - a record means all its chunks
   are stored; a rerun skips recorded regions and redoes the others whole;
4. after the last stage: image metadata (its ``omero`` windows merge the histograms kept in the
   records), ``OME/``, wells, and last the root group with the plan digest;
5. pixel spot checks against the source and validation; only then is a local conversion
   renamed from ``<name>.partial`` into place, and the progress records removed.
"""

from __future__ import annotations

import importlib
import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imagesteward.convert._checks import raise_problems, spot_check
from imagesteward.convert._documents import create_arrays, write_metadata
from imagesteward.convert._executor import make_executor
from imagesteward.convert._histogram import ChannelStats
from imagesteward.convert._layout import REGION_FACTOR, RESERVE_BYTES
from imagesteward.convert._metadata import (
    channel_labels,
    conversion_record,
    scale_and_units,
)
from imagesteward.convert._options import ConvertOptions
from imagesteward.convert._plan import ConversionPlan, build_plan, region_bytes
from imagesteward.convert._result import ConversionResult, SeriesResult
from imagesteward.convert._source import (
    SharedSource,
    SourceAccess,
    SourceSpec,
    SpecSource,
    close_cached_sources,
)
from imagesteward.convert._target import PROGRESS_DIR, Target, Writer
from imagesteward.convert._tasks import RegionOutcome, TaskContext, marker_key, run_region
from imagesteward.convert._validate import validate_ome_zarr
from imagesteward.errors import (
    ConfigurationError,
    ConversionError,
    DestinationExistsError,
)

if TYPE_CHECKING:
    from imagesteward.convert._plate import PlateLayout
    from imagesteward.formats import ImageSource
    from imagesteward.model import Image

__all__ = ["to_ome_zarr"]

_PLAN_KEY = f"{PROGRESS_DIR}/plan.json"
_ARRAYS_KEY = f"{PROGRESS_DIR}/arrays.json"


def to_ome_zarr(
    source: ImageSource,
    destination: str | os.PathLike[str],
    options: ConvertOptions | None = None,
    *,
    series: Sequence[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
    source_spec: SourceSpec | None = None,
    plate: PlateLayout | None = None,
) -> ConversionResult:
    """Convert image series to OME-Zarr, streaming region by region within a memory bound.

    Parameters
    ----------
    source
        An open source (:meth:`ReaderRegistry.open <imagesteward.formats.ReaderRegistry.open>`).
    destination
        A local path (``.../name.ome.zarr``) or an fsspec URL (``s3://bucket/name.ome.zarr``).
    options
        Format, codec, memory, parallelism; :class:`ConvertOptions` defaults when omitted.
    series
        The series to convert (default: all). One series becomes an image at the root, several
        a bioformats2raw collection (``0``, ``1``, ... in the order given).
    progress
        Called with ``(regions done, regions in total)`` after every region.
    source_spec
        How to re-open ``source`` elsewhere: lets every thread read in parallel, and is required
        with ``options.scheduler`` (Dask).
    plate
        Write an HCS plate: which series is which field of which well.

    Returns
    -------
    ConversionResult
        What was written, checked and how long it took.

    Raises
    ------
    DestinationExistsError
        The destination holds something else (delete it, or choose another path).
    OutputValidationError
        The written OME-Zarr failed a check; it is left in place (``<name>.partial`` for local
        destinations) for inspection.
    ConversionError
        The source could not be read or the destination written (``__cause__`` says why).
    """
    started = time.perf_counter()
    options = options or ConvertOptions()
    selected = _select(source, series, plate)
    # zarr (array metadata), ome-types and ome-zarr-models (the end of a conversion) take about
    # a second to import: done in the background while the plan samples the source and the
    # regions run (their work is mostly outside the GIL).
    preload = threading.Thread(
        target=_preload, args=(options.ngff_version,), name="imagesteward-preload", daemon=True
    )
    preload.start()
    target = Target.resolve(destination, options.storage_options)
    try:
        plan = build_plan(source, selected, options, plate)
    except (ConversionError, ConfigurationError):
        raise
    except Exception as exc:  # reader failures (FormatError included) become the cause
        raise ConversionError(f"{source.path}: cannot plan the conversion: {exc}") from exc
    images = [source.series[i].image for i in selected]
    final = target.final().writer()
    if _is_complete(final, plan):
        final.remove(PROGRESS_DIR)
        raise_problems(target.url, validate_ome_zarr(target.url, target.storage_options))
        return _result(plan, target, images, "already-complete", started, 0, {}, ("valid",))
    if target.local and final.exists():
        raise DestinationExistsError(
            f"{target.url} already exists and is not this conversion; delete it or choose "
            "another destination",
            destination=target.url,
        )
    writer = target.writer()
    try:
        completed = _prepare(writer, plan, options)
        totals = _Totals(plan, completed)
        workers = _run_stages(source, plan, target, options, source_spec, totals, progress)
        preload.join()  # a daemon otherwise: an early error does not wait for it
        write_metadata(writer, plan, images, totals.stats, plate, Path(source.path).name)
        checks = spot_check(source, writer, plan)
    except (ConversionError, ConfigurationError):
        raise
    except Exception as exc:  # reader (FormatError included) and storage failures: the cause
        raise ConversionError(
            f"converting {source.path} to {target.url} failed: {type(exc).__name__}: {exc}"
        ) from exc
    raise_problems(target.root, validate_ome_zarr(target.root, target.storage_options))
    _publish(target, writer)
    status = "resumed" if completed else "converted"
    return _result(
        plan, target, images, status, started, workers, totals.as_dict(), (*checks, "valid")
    )


def _run_stages(
    source: ImageSource,
    plan: ConversionPlan,
    target: Target,
    options: ConvertOptions,
    source_spec: SourceSpec | None,
    totals: _Totals,
    progress: Callable[[int, int], None] | None,
) -> int:
    """Run every stage's remaining regions; returns how many ran at once."""
    access: SourceAccess = SpecSource(source_spec) if source_spec else SharedSource(source)
    context = TaskContext(plan, target, access)
    executor = make_executor(options.scheduler, _workers(options, plan), source_spec)

    def on_done(outcome: RegionOutcome) -> None:
        totals.add(outcome)
        if progress is not None:
            progress(totals.done, plan.region_count)

    try:
        if progress is not None:
            progress(totals.done, plan.region_count)
        for stage in range(plan.stage_count):
            tasks = [t for t in plan.tasks(stage) if t.id not in totals.completed]
            executor.run(run_region, context, tasks, on_done)
        return executor.concurrency
    finally:
        executor.close()
        if source_spec is not None:
            close_cached_sources(source_spec)


def _preload(version: str) -> None:
    package = "v05" if version == "0.5" else "v04"
    for module in ("zarr", "ome_types.model", f"ome_zarr_models.{package}.image"):
        try:
            importlib.import_module(module)
        except ImportError:  # reported where the module is really needed
            return


def _select(
    source: ImageSource, series: Sequence[int] | None, plate: PlateLayout | None
) -> list[int]:
    count = len(source.series)
    if plate is not None:
        plate.check(count)
        order = [f.series for fields in plate.wells().values() for f in fields]
        if series is not None and sorted(series) != sorted(order):
            raise ConfigurationError(f"series {list(series)} differ from the plate's {order}")
        return order
    selected = list(range(count)) if series is None else list(series)
    if not selected:
        raise ConfigurationError(f"{source.path}: no series to convert")
    bad = [s for s in selected if not 0 <= s < count]
    if bad or len(set(selected)) != len(selected):
        raise ConfigurationError(
            f"{source.path}: series {selected} must be distinct indices below {count}"
        )
    return selected


class _Totals:
    def __init__(self, plan: ConversionPlan, completed: dict[str, RegionOutcome]) -> None:
        self.stats: dict[int, dict[int, ChannelStats]] = {s.position: {} for s in plan.series}
        self.done = 0
        self.bytes_read = self.bytes_written = self.objects = 0
        self.resumed = len(completed)
        self.completed = frozenset(completed)
        for outcome in completed.values():
            self.add(outcome)

    def add(self, outcome: RegionOutcome) -> None:
        self.done += 1
        self.bytes_read += outcome.bytes_read
        self.bytes_written += outcome.bytes_written
        self.objects += outcome.objects
        channels = self.stats[outcome.task.series]
        for channel, stats in outcome.stats.items():
            channels[channel] = channels[channel].merge(stats) if channel in channels else stats

    def as_dict(self) -> dict[str, int]:
        return {
            "bytes_read": self.bytes_read,
            "bytes_written": self.bytes_written,
            "objects": self.objects,
            "resumed": self.resumed,
        }


def _workers(options: ConvertOptions, plan: ConversionPlan) -> int:
    usable = max(options.memory_bytes - RESERVE_BYTES, options.memory_bytes // 2)
    fit = usable // (REGION_FACTOR * max(1, region_bytes(plan)))
    return max(1, min(options.effective_workers(), fit))


def _root_attributes(writer: Writer) -> dict[str, Any] | None:
    for name in ("zarr.json", ".zattrs"):
        data = writer.get(name)
        if data is None:
            continue
        try:
            document = json.loads(data)
        except ValueError:
            return None
        attributes = document.get("attributes", {}) if name == "zarr.json" else document
        return attributes if isinstance(attributes, dict) else None
    return None


def _is_complete(writer: Writer, plan: ConversionPlan) -> bool:
    attributes = _root_attributes(writer) or {}
    record = attributes.get("imagesteward", {}).get("conversion", {})
    return isinstance(record, dict) and record.get("plan") == plan.key


def _prepare(
    writer: Writer, plan: ConversionPlan, options: ConvertOptions
) -> dict[str, RegionOutcome]:
    """Start, or resume, the working root; returns the regions already completed."""
    recorded = writer.get(_PLAN_KEY)
    if recorded is not None and options.resume:
        try:
            same = json.loads(recorded).get("plan") == plan.key
        except ValueError:
            same = False
        if same:
            if writer.get(_ARRAYS_KEY) is None:
                # Interrupted while creating the arrays: no region can have run yet.
                _create_arrays(writer, plan)
                return {}
            return _load_records(writer, plan)
    if writer.exists():
        if recorded is None:
            raise DestinationExistsError(
                f"{writer.target.root} holds data that is not an imagesteward conversion; "
                "delete it or choose another destination",
                destination=writer.target.root,
            )
        writer.remove(f"{PROGRESS_DIR}/done")
        for name in writer.list(""):
            if name != PROGRESS_DIR:
                writer.remove(name)
        writer.remove()
    writer.put(_PLAN_KEY, json.dumps(conversion_record(plan), indent=2).encode())
    _create_arrays(writer, plan)
    return {}


def _create_arrays(writer: Writer, plan: ConversionPlan) -> None:
    create_arrays(writer, plan)
    writer.put(_ARRAYS_KEY, b"{}")  # every array's metadata is there: regions may start


def _load_records(writer: Writer, plan: ConversionPlan) -> dict[str, RegionOutcome]:
    tasks = {t.id: t for stage in range(plan.stage_count) for t in plan.tasks(stage)}
    names = [n.removesuffix(".json") for n in writer.list(f"{PROGRESS_DIR}/done")]
    keys = [marker_key(tasks[n]) for n in names if n in tasks]
    found = writer.get_many(keys)
    completed = {}
    for name in names:
        if name not in tasks or marker_key(tasks[name]) not in found:
            continue
        try:
            data = json.loads(found[marker_key(tasks[name])])
            completed[name] = RegionOutcome.from_json(tasks[name], data)
        except (ValueError, KeyError):
            continue  # a record cut short by the interruption: the region is redone
    return completed


def _publish(target: Target, writer: Writer) -> None:
    if target.local:
        if Path(target.url).exists():
            raise DestinationExistsError(
                f"{target.url} appeared while converting; the result is in {target.root}",
                destination=target.url,
            )
        Path(target.root).replace(target.url)
        target.final().writer().remove(PROGRESS_DIR)
    else:
        writer.remove(f"{PROGRESS_DIR}/done")
        writer.remove(PROGRESS_DIR)


def _result(
    plan: ConversionPlan,
    target: Target,
    images: Sequence[Image],
    status: Any,
    started: float,
    workers: int,
    totals: dict[str, int],
    checks: tuple[str, ...],
) -> ConversionResult:
    series = []
    for s, image in zip(plan.series, images, strict=True):
        scale, units = scale_and_units(s, image)
        labels = [e["label"] for e in channel_labels(s, image)] if "c" in s.axes.axes else []
        series.append(
            SeriesResult(
                source_series=s.source_series,
                path=s.group,
                name=image.name,
                axes="".join(s.axes.axes),
                dtype=s.dtype,
                levels=tuple(level.shape for level in s.levels),
                chunks=s.levels[0].chunks,
                shards=s.levels[0].shards,
                channels=tuple(labels),
                scale=tuple(scale),
                units=tuple(units),
                shuffle=s.codec.shuffle,
            )
        )
    return ConversionResult(
        url=target.url,
        status=status,
        layout=plan.layout,
        ngff_version=plan.ngff_version,
        zarr_format=plan.zarr_format,
        series=tuple(series),
        regions=plan.region_count,
        regions_resumed=totals.get("resumed", 0),
        bytes_read=totals.get("bytes_read", 0),
        bytes_written=totals.get("bytes_written", 0),
        objects_written=totals.get("objects", 0),
        seconds=time.perf_counter() - started,
        workers=workers,
        plan=plan.key,
        checks=checks,
    )
