"""``steward convert`` and ``steward validate``: OME-Zarr renditions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from imagesteward.cli.app import (
    EXIT_FAILED_FILES,
    app,
    console,
    err_console,
    handle_errors,
    home_of,
)

__all__ = ["convert", "validate"]


def _progress_bar(description: str) -> Any:
    """Regions done of all, throughput, time left (on stderr; gone when finished)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class Throughput(ProgressColumn):
        # Source bytes converted per second so far: regions done x the image's bytes / regions.
        def render(self, task: Any) -> Text:
            done = task.fields.get("bytes", 0)
            elapsed = task.elapsed or 0.0
            rate = done / elapsed / 1e6 if done and elapsed > 0 else 0.0
            return Text(f"{rate:,.0f} MB/s" if rate else "-- MB/s", style="progress.data.speed")

    return Progress(
        TextColumn(description),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("regions"),
        Throughput(),
        TimeRemainingColumn(),
        console=err_console(),
        transient=True,
    )


def _reporter(bar: Any, task: Any, total_bytes: int) -> Any:
    """A ``progress(done, total)`` callback that also feeds the throughput column."""

    def report(done: int, total: int) -> None:
        share = done / total if total else 1.0
        bar.update(task, completed=done, total=total, bytes=int(share * total_bytes))

    return report


def _pixel_bytes(images: Any) -> int:
    """The bytes of level 0 of model ``Image`` documents or catalog image records."""
    import math

    import numpy as np

    total = 0
    for image in images:
        sizes = (image.size_t, image.size_c, image.size_z, image.size_y, image.size_x)
        samples = getattr(image, "samples_per_pixel", None) or 1
        pixel_type = getattr(image.pixel_type, "value", image.pixel_type)
        try:
            itemsize = np.dtype(str(pixel_type)).itemsize
        except TypeError:  # a type numpy does not name (e.g. "bit"): count a byte
            itemsize = 1
        total += math.prod(int(n or 1) for n in sizes) * samples * itemsize
    return total


@app.command()
@handle_errors
def convert(
    ctx: typer.Context,
    targets: Annotated[
        list[str],
        typer.Argument(
            help="Catalogued images (id, UUID or prefix) or files/folders to convert directly.",
            show_default=False,
        ),
    ],
    ngff: Annotated[
        str | None, typer.Option("--ngff", help="NGFF version: 0.5 (Zarr v3) or 0.4 (Zarr v2).")
    ] = None,
    shard: Annotated[bool, typer.Option("--shard", help="Zarr v3 sharding (few files).")] = False,
    to: Annotated[
        str | None,
        typer.Option("--to", help="Destination root (folder or fsspec URL such as s3://b/p)."),
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Dask scheduler address (tcp://host:8786).")
    ] = None,
    rewrite: Annotated[
        bool,
        typer.Option(
            "--rewrite", help="Convert anew even when the original is already a valid OME-Zarr."
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
) -> None:
    """Convert images to OME-Zarr with a multiscale pyramid, validated before it counts.

    A catalogued image converts its whole file set and is recorded as a rendition; a path that
    is not catalogued is converted to DEST/NAME.ome.zarr (``--to``, default: the current folder).
    A catalogued original that is already a valid OME-Zarr is registered as its own rendition
    unless ``--rewrite`` is given.
    """
    if ngff not in (None, "0.4", "0.5"):
        raise typer.BadParameter("--ngff must be 0.4 or 0.5")
    results = []
    for target in targets:
        path = Path(target)
        if path.exists():
            results.append(_convert_path(path, ngff, shard, to, scheduler))
        else:
            results.extend(
                _convert_catalogued(ctx, target, ngff, shard, to, scheduler, rewrite=rewrite)
            )
    if as_json:
        console().print_json(json.dumps(results))
    else:
        out = console()
        for result in results:
            mark = "[green]ok[/]" if result["ok"] else "[red]failed[/]"
            out.print(f"{mark} {result['target']} -> {result['url']}  {result['message']}")
    if not all(result["ok"] for result in results):
        raise typer.Exit(EXIT_FAILED_FILES)


def _options(ngff: str | None, shard: bool, scheduler: str | None, **base: Any) -> Any:
    from imagesteward.convert import ConvertOptions

    values = {**base}
    if ngff:
        values["ngff_version"] = ngff
    if shard:
        values["shard"] = True
    if scheduler:
        values["scheduler"] = scheduler
    return ConvertOptions(**values)


def _convert_catalogued(
    ctx: typer.Context,
    ref: str,
    ngff: str | None,
    shard: bool,
    to: str | None,
    scheduler: str | None,
    *,
    rewrite: bool = False,
) -> list[dict[str, Any]]:
    from imagesteward.ingest.renditions import convert_images, convert_options
    from imagesteward.installation import open_installation

    with open_installation(home_of(ctx)) as installation:
        image = installation.catalog.get_image(ref)
        overrides: dict[str, object] = {"ngff_version": ngff, "scheduler": scheduler}
        if shard:
            overrides["shard"] = True
        options = convert_options(installation, **overrides)
        with _progress_bar(f"image {image.id}") as bar:
            task = bar.add_task("convert", total=None)
            outcomes = convert_images(
                installation,
                [image.id],
                options,
                root=to,
                progress=_reporter(bar, task, _pixel_bytes([image])),
                rewrite=rewrite,
            )
    return [
        {
            "target": ref,
            "image_ids": list(o.image_ids),
            "ok": o.ok,
            "status": o.status,
            "url": o.url,
            "message": o.message,
            "seconds": round(o.seconds, 3),
        }
        for o in outcomes
    ]


def _convert_path(
    path: Path, ngff: str | None, shard: bool, to: str | None, scheduler: str | None
) -> dict[str, Any]:
    from imagesteward.convert import SourceSpec, to_ome_zarr
    from imagesteward.formats import ReadContext, default_registry

    root = to or "."
    stem = path.name.split(".")[0] or path.name
    destination = f"{root.rstrip('/')}/{stem}.ome.zarr"
    roots = (path if path.is_dir() else path.parent,)
    source, report = default_registry().open(path, ReadContext(allowed_roots=roots))
    assert report.chosen is not None
    with source, _progress_bar(path.name) as bar:
        task = bar.add_task("convert", total=None)
        result = to_ome_zarr(
            source,
            destination,
            _options(ngff, shard, scheduler),
            source_spec=SourceSpec(str(path), report.chosen.name, tuple(str(r) for r in roots)),
            progress=_reporter(bar, task, _pixel_bytes(info.image for info in source.series)),
        )
    rate = result.bytes_read / result.seconds / 1e6 if result.seconds else 0.0
    return {
        "target": str(path),
        "ok": True,
        "status": result.status,
        "url": result.url,
        "message": f"{result.layout}, NGFF {result.ngff_version}, {rate:,.0f} MB/s",
        "seconds": round(result.seconds, 3),
    }


@app.command()
@handle_errors
def validate(
    url: Annotated[str, typer.Argument(help="OME-Zarr folder or URL.", show_default=False)],
) -> None:
    """Check an OME-Zarr against the NGFF specification (0.4 or 0.5)."""
    from imagesteward.convert import validate_ome_zarr

    problems = validate_ome_zarr(url)
    out = console()
    if problems:
        for problem in problems:
            out.print(f"[red]problem:[/] {problem}")
        raise typer.Exit(EXIT_FAILED_FILES)
    out.print(f"[green]valid[/] {url}")
