"""``steward ingest``, ``steward inspect`` and ``steward formats``."""

from __future__ import annotations

import json
from contextlib import suppress
from pathlib import Path
from typing import Annotated

import typer

from imagesteward.cli.app import (
    EXIT_FAILED_FILES,
    app,
    console,
    err_console,
    handle_errors,
    home_of,
)

__all__ = ["formats", "ingest", "inspect"]


@app.command()
@handle_errors
def ingest(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(help="Files and folders to ingest.", show_default=False)
    ],
    project: Annotated[
        str | None, typer.Option("--project", "-p", help="Project (created if new).")
    ] = None,
    dataset: Annotated[
        str | None, typer.Option("--dataset", "-d", help="Dataset (created if new).")
    ] = None,
    in_place: Annotated[
        bool, typer.Option("--in-place", help="Register originals where they are; do not copy.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Read and checksum only; show what would happen.")
    ] = False,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, help="Files processed in parallel.")
    ] = None,
    convert: Annotated[
        bool | None,
        typer.Option(
            "--convert/--no-convert",
            help="Convert new images to OME-Zarr (default: the convert_on_ingest setting).",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Ingest instrument files: capture metadata, store checksummed originals, catalogue images.

    Re-ingesting files that are already catalogued adds nothing. Exit code 1 means some files
    failed (each with its reason); the others were ingested.
    """
    import getpass

    from imagesteward.cli.render import IngestBars, outcome_table, summary_line
    from imagesteward.ingest import IngestOptions, ingest_paths
    from imagesteward.installation import open_installation

    options = IngestOptions(
        project=project,
        dataset=dataset,
        in_place=in_place,
        dry_run=dry_run,
        jobs=jobs,
        user=getpass.getuser(),
        convert=convert,
    )
    with open_installation(home_of(ctx)) as installation:
        if as_json:
            report = ingest_paths(paths, installation, options)
        else:
            with IngestBars(err_console()) as bars:
                report = ingest_paths(paths, installation, options, progress=bars)
        if not dry_run:
            # Completeness is scored above the ingest (describe) and handed to the index.
            from imagesteward.describe import score_for_search

            score_for_search(
                installation.catalog,
                image_ids=[i for outcome in report.outcomes for i in outcome.image_ids],
            )
    if as_json:
        console().print_json(
            json.dumps(
                {
                    "elapsed_s": round(report.elapsed_s, 3),
                    "recovered": report.recovered,
                    "outcomes": [
                        {
                            "path": str(o.path),
                            "status": o.status.value,
                            "images": o.images,
                            "image_ids": list(o.image_ids),
                            "reader": o.reader,
                            "size": o.size,
                            "message": o.message,
                            "error_type": o.error_type,
                            "rendition": o.rendition,
                            "rendition_failed": o.rendition_failed,
                        }
                        for o in report.outcomes
                    ],
                }
            )
        )
    else:
        out = console()
        if report.recovered:
            out.print(f"[yellow]recovered from an interrupted ingest:[/] {report.recovered}")
        out.print(outcome_table(report.outcomes))
        out.print(summary_line(report))
    if report.exit_code:
        raise typer.Exit(EXIT_FAILED_FILES)


@app.command()
@handle_errors
def inspect(
    path: Annotated[Path, typer.Argument(help="File or OME-Zarr folder.", show_default=False)],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the captured documents as JSON.")
    ] = False,
) -> None:
    """Show what would be captured from a file and why its reader was chosen; writes nothing."""
    from imagesteward.cli.show import image_panel
    from imagesteward.formats import default_registry
    from imagesteward.ingest import inspect_path

    inspection = inspect_path(path, default_registry())
    report = inspection.report
    if as_json:
        extraction = inspection.extraction
        console().print_json(
            json.dumps(
                {
                    "path": str(path),
                    "reader": report.chosen.name if report.chosen else None,
                    "selection": [
                        {"reader": r.name, "score": v.score, "reason": v.reason}
                        for r, v in report.verdicts
                    ],
                    "notes": report.notes,
                    "files": [str(f) for f in extraction.files] if extraction else [],
                    "series": [
                        {
                            "image": info.image.model_dump(mode="json", exclude_none=True),
                            "structure": {
                                "dims": list(info.structure.dims),
                                "shape": list(info.structure.shape),
                                "dtype": info.structure.dtype,
                                "levels": [list(level) for level in info.structure.levels],
                            },
                        }
                        for info in (extraction.series if extraction else ())
                    ],
                }
            )
        )
        return
    out = console()
    out.print(f"[bold]{path}[/]")
    out.print(report.explain())
    extraction = inspection.extraction
    if extraction is None:
        raise typer.Exit(EXIT_FAILED_FILES)
    if len(extraction.files) > 1:
        out.print("files read: " + ", ".join(f.name for f in extraction.files))
    if extraction.original is not None:
        out.print(
            f"original metadata: {extraction.original.name} ({extraction.original.media_type}, "
            f"{len(extraction.original.content):,} bytes) kept as an attachment"
        )
    for index, info in enumerate(extraction.series):
        out.print(image_panel(info.image, title=f"series {index}", structure=info.structure))


@app.command()
def formats() -> None:
    """List the installed readers and the formats they read."""
    from importlib.metadata import PackageNotFoundError, version

    from rich.table import Table

    from imagesteward.formats import default_registry

    registry = default_registry()
    table = Table(title="Readers (chosen by content, highest score wins)")
    for column in ("reader", "format", "usual names", "library"):
        table.add_column(column)
    for reader in registry.readers:
        library = reader.library
        with suppress(PackageNotFoundError):
            library = f"{library} {version(library.split()[0])}"
        table.add_row(reader.name, reader.title, " ".join(reader.suffixes), library)
    out = console()
    out.print(table)
    for name, error in registry.unavailable:
        out.print(f"[red]unavailable:[/] {name}: {error}")
