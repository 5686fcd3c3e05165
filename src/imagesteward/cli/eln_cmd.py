"""``steward eln import``: bring an ELN Consortium archive (``.eln``) into a project."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from imagesteward.cli.app import app, console, handle_errors, home_of

if TYPE_CHECKING:
    from imagesteward.eln import ElnImport

__all__ = ["eln_app"]

eln_app = typer.Typer(
    help="ELN Consortium archives (.eln, an RO-Crate in a zip): import studies, samples, files.",
    no_args_is_help=True,
)
app.add_typer(eln_app, name="eln")


@eln_app.command("import")
@handle_errors
def import_(
    ctx: typer.Context,
    archive: Annotated[
        Path,
        typer.Argument(help="The .eln file.", exists=True, dir_okay=False, show_default=False),
    ],
    project: Annotated[
        str, typer.Option("--project", "-p", help="Project (created if new).", show_default=False)
    ],
    dataset: Annotated[
        str | None,
        typer.Option("--dataset", "-d", help="Dataset for its files (default: the archive name)."),
    ] = None,
    convert: Annotated[
        bool | None,
        typer.Option(
            "--convert/--no-convert",
            help="Convert its images to OME-Zarr (default: the convert_on_ingest setting).",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and map everything; write nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Import an .eln archive: its study, people, samples and experiments, images and files.

    The archive is checked as hostile input first (path escapes, links, zip bombs, size and
    depth limits) and refused whole, with nothing written, when it breaks a rule. Entities the
    model has no place for are listed with the reason.
    """
    import getpass

    from imagesteward.eln import import_eln
    from imagesteward.installation import open_installation

    with open_installation(home_of(ctx)) as installation:
        result = import_eln(
            archive,
            installation,
            project=project,
            dataset=dataset,
            by=getpass.getuser(),
            convert=convert,
            dry_run=dry_run,
        )
    if as_json:
        console().print_json(json.dumps(result.as_json()))
        return
    _summary(result)


def _summary(result: ElnImport) -> None:
    from rich.table import Table

    out = console()
    verb = "Would import" if result.dry_run else "Imported"
    out.print(
        f"[bold]{verb}[/] {result.archive} ({result.exported_by or 'unknown application'}, "
        f"RO-Crate {(result.conforms_to or '?').rsplit('/', 1)[-1]}) into "
        f"[bold]{result.project}[/] / {result.dataset}"
    )
    if result.study is not None:
        how = "merged into the existing study" if result.merged else "study"
        document = result.study.document
        out.print(
            f"{how}: [bold]{document.title}[/] (revision {result.study.revision}) - "
            f"{len(document.authors or [])} author(s), {len(document.biosamples or [])} "
            f"biosample(s), {len(document.specimens or [])} specimen(s), "
            f"{len(document.study_components or [])} study component(s)"
        )
    counts = {status: result.count(status) for status in sorted({f.status for f in result.files})}
    out.print("files: " + (", ".join(f"{n} {status}" for status, n in counts.items()) or "none"))
    if result.image_uuids:
        out.print(f"images: {len(result.image_uuids)} catalogued")
    if result.unmapped:
        table = Table(title=f"Not mapped ({len(result.unmapped)})", title_justify="left")
        table.add_column("entity")
        table.add_column("type")
        table.add_column("reason")
        for entity in result.unmapped:
            table.add_row(entity.entity_id, ", ".join(entity.types), entity.reason)
        out.print(table)
    if result.ignored:
        out.print(
            f"[yellow]ignored[/] {len(result.ignored)} file(s) outside the crate's folder: "
            + ", ".join(result.ignored)
        )
    notes = [(m.entity_id, note) for m in result.mapped for note in m.notes]
    for entity_id, note in notes:
        out.print(f"[yellow]note[/] {entity_id}: {note}")
