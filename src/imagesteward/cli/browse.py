"""``steward ls`` and ``steward show``: what is in the catalog."""

from __future__ import annotations

import enum
import json
import sys
from typing import Annotated, Any

import typer

from imagesteward.cli.app import EXIT_FAILED_FILES, app, console, handle_errors, home_of

__all__ = ["ls", "show"]


class What(enum.StrEnum):
    """What ``steward ls`` lists."""

    images = "images"
    projects = "projects"
    datasets = "datasets"
    instruments = "instruments"


@app.command()
@handle_errors
def ls(
    ctx: typer.Context,
    what: Annotated[What, typer.Argument(help="What to list.")] = What.images,
    project: Annotated[
        str | None, typer.Option("--project", "-p", help="Only this project.")
    ] = None,
    dataset: Annotated[
        str | None, typer.Option("--dataset", "-d", help="Only this dataset.")
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=10000, help="Rows per page.")
    ] = 50,
    cursor: Annotated[
        str | None, typer.Option("--cursor", help="Continue after a previous page.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List images (default), projects, datasets or instruments."""
    from rich.table import Table

    from imagesteward.installation import open_installation

    out = console()
    with open_installation(home_of(ctx)) as installation:
        catalog = installation.catalog
        if what is What.projects:
            rows: list[dict[str, Any]] = [
                {"project": p.name, "datasets": p.dataset_count, "images": p.image_count}
                for p in catalog.list_projects()
            ]
            next_cursor = None
        elif what is What.datasets:
            rows = [
                {"project": d.project, "dataset": d.name, "images": d.image_count}
                for d in catalog.list_datasets(project)
            ]
            next_cursor = None
        elif what is What.instruments:
            rows = [
                {
                    "id": i.id,
                    "manufacturer": i.manufacturer,
                    "model": i.model,
                    "serial": i.serial_number,
                    "images": i.image_count,
                }
                for i in catalog.list_instruments()
            ]
            next_cursor = None
        else:
            page = catalog.list_images(project=project, dataset=dataset, limit=limit, cursor=cursor)
            rows = [
                {
                    "id": r.id,
                    "name": r.name,
                    "format": r.file_format,
                    "sizes": f"T{r.size_t} C{r.size_c} Z{r.size_z} Y{r.size_y} X{r.size_x}",
                    "type": r.pixel_type,
                    "project": r.project,
                    "dataset": r.dataset,
                    "uuid": r.uuid,
                }
                for r in page.items
            ]
            next_cursor = page.next_cursor
    if as_json:
        out.print_json(json.dumps({"items": rows, "next_cursor": next_cursor}, default=str))
        return
    if not rows:
        out.print(f"no {what.value} yet - add some with 'steward ingest PATH'")
        return
    table = Table(title=what.value.capitalize())
    for key in rows[0]:
        if key != "uuid":
            table.add_column(key, overflow="fold")
    for row in rows:
        table.add_row(*(str(v) if v is not None else "-" for k, v in row.items() if k != "uuid"))
    out.print(table)
    if next_cursor:
        out.print(f"more: steward ls --cursor {next_cursor}")


@app.command()
@handle_errors
def show(
    ctx: typer.Context,
    image: Annotated[
        str, typer.Argument(help="Image id, UUID or UUID prefix.", show_default=False)
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the metadata document as JSON.")
    ] = False,
    as_yaml: Annotated[
        bool, typer.Option("--yaml", help="Print the metadata document as YAML.")
    ] = False,
    original: Annotated[
        bool,
        typer.Option(
            "--original-metadata", help="Print the file's complete original metadata, verbatim."
        ),
    ] = False,
) -> None:
    """Show one image: its metadata document, where it lives and its original files."""
    from imagesteward.cli.render import human_size
    from imagesteward.cli.show import image_panel
    from imagesteward.installation import open_installation

    with open_installation(home_of(ctx)) as installation:
        record = installation.catalog.get_image(image)
        files = installation.catalog.image_files(record.id)
        renditions = installation.catalog.renditions(record.id)
        kept = installation.catalog.original_metadata(record.id) if original else None
    if original:
        if kept is None or kept.content is None:
            console().print(f"image {record.id} has no original metadata (its reader found none)")
            raise typer.Exit(EXIT_FAILED_FILES)
        sys.stdout.write(kept.content.decode("utf-8", errors="replace"))
        return
    document = record.document.model_dump(mode="json", exclude_none=True)
    out = console()
    if as_json or as_yaml:
        payload = {
            "id": record.id,
            "uuid": record.uuid,
            "project": record.project,
            "dataset": record.dataset,
            "document": document,
            "files": [
                {
                    "name": f.original_name,
                    "sha256": f.sha256,
                    "size": f.size,
                    "in_place": f.stored_in_place,
                }
                for f in files
            ],
            "renditions": [
                {
                    "url": r.url,
                    "path": r.series_path,
                    "ngff_version": r.ngff_version,
                    "levels": [list(level) for level in r.levels],
                }
                for r in renditions
            ],
        }
        if as_yaml:
            import yaml

            out.print(yaml.safe_dump(payload, sort_keys=False, allow_unicode=True), end="")
        else:
            out.print_json(json.dumps(payload))
        return
    out.print(
        image_panel(
            record.document,
            title=f"image {record.id} - {record.project} / {record.dataset}",
            structure=record.structure,
        )
    )
    out.print(f"uuid {record.uuid}")
    for f in files:
        where = "registered in place" if f.stored_in_place else "in the store"
        out.print(f"file {f.original_name}  {human_size(f.size)}  sha256 {f.sha256}  ({where})")
    for r in renditions:
        group = f" (group {r.series_path})" if r.series_path else ""
        out.print(f"OME-Zarr {r.url}{group}  NGFF {r.ngff_version}, {len(r.levels)} levels")
