"""``steward describe`` and ``steward completeness``: what only the researcher knows.

Studies from YAML/JSON documents or templates, image annotations, the spreadsheet round trip,
Materials & Methods text, and how complete the description is per tier.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from imagesteward.cli.app import EXIT_USAGE, app, console, err_console, handle_errors, home_of

if TYPE_CHECKING:
    from imagesteward.describe import Completeness
    from imagesteward.installation import Installation
    from imagesteward.ontology import OntologyIndex

__all__ = ["completeness", "describe_app"]

describe_app = typer.Typer(
    help="Describe projects: study, biosamples, specimens, image annotations, spreadsheets, "
    "Materials & Methods.",
    no_args_is_help=True,
)
app.add_typer(describe_app, name="describe")

DryRun = Annotated[bool, typer.Option("--dry-run", help="Check everything, write nothing.")]
By = Annotated[str | None, typer.Option("--by", help="Who makes the change (change log).")]
Reason = Annotated[str | None, typer.Option("--reason", help="Why (change log).")]
AllowCaptured = Annotated[
    bool,
    typer.Option(
        "--allow-captured", help="Allow overwriting values captured from the original files."
    ),
]


@contextmanager
def _opened(ctx: typer.Context) -> Iterator[tuple[Installation, OntologyIndex]]:
    from imagesteward.installation import open_installation
    from imagesteward.ontology import load_index

    with open_installation(home_of(ctx)) as installation:
        yield installation, load_index(installation.settings)


@contextmanager
def _every_problem() -> Iterator[None]:
    """Print every problem of a refused change, one per line (the error shows five)."""
    from imagesteward.errors import MetadataValidationError

    try:
        yield
    except MetadataValidationError as exc:
        problems = exc.details.get("problems") or []
        if len(problems) <= 1:
            raise
        err = err_console()
        err.print(f"[bold red]error:[/] nothing was changed: {len(problems)} problem(s)")
        for problem in problems:
            err.print(f"  {problem}", markup=False)
        raise typer.Exit(EXIT_USAGE) from exc


@describe_app.command("templates")
@handle_errors
def templates() -> None:
    """List the study templates (REMBI/NBO-Q) for common kinds of imaging study."""
    from imagesteward.describe import list_templates

    out = console()
    for template in list_templates():
        out.print(f"[bold]{template.name}[/]  {template.title}")
        out.print(f"  {template.summary}", markup=False)


@describe_app.command("template")
@handle_errors
def template(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Template name (steward describe templates).")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file.")] = None,
) -> None:
    """Print a template as a YAML form to fill in (then: steward describe study)."""
    from imagesteward.describe import get_template, template_form
    from imagesteward.ontology import load_index

    del ctx
    form = template_form(get_template(name), load_index())
    if out is None:
        typer.echo(form, nl=False)
        return
    out.write_text(form, encoding="utf-8")
    console().print(
        f"wrote {out}; fill it in, then: steward describe study PROJECT {out} --template {name}"
    )


@describe_app.command("study")
@handle_errors
def study(
    ctx: typer.Context,
    project: Annotated[str, typer.Argument(help="The project to describe.")],
    file: Annotated[
        Path | None, typer.Argument(help="Study document (YAML or JSON).", show_default=False)
    ] = None,
    template_name: Annotated[
        str | None, typer.Option("--template", "-t", help="Start from this template.")
    ] = None,
    merge: Annotated[
        bool,
        typer.Option(
            "--merge", help="Lay the document over the stored study instead of replacing it."
        ),
    ] = False,
    dry_run: DryRun = False,
    by: By = None,
    reason: Reason = None,
) -> None:
    """Save a project's REMBI study (biosamples, specimens, ...) from a document or template.

    Ontology-bound fields accept only real terms (by identifier or exact name); persistent
    identifiers are checked and stored in canonical form.
    """
    from imagesteward.describe import describe_study, read_document

    document = read_document(file) if file is not None else {}
    with _opened(ctx) as (installation, index), _every_problem():
        result = describe_study(
            installation.catalog,
            index,
            project,
            document,
            template=template_name,
            merge=merge,
            by=by,
            reason=reason,
            dry_run=dry_run,
        )
    out = console()
    verb = "would save" if dry_run else "saved"
    out.print(f"{verb} the study of {project!r} (revision {result.record.revision})")
    for ask in result.missing:
        out.print(f"  still to fill: {ask.path} - {ask.prompt}", markup=False)


@describe_app.command("annotate")
@handle_errors
def annotate(
    ctx: typer.Context,
    image: Annotated[str, typer.Argument(help="Image id, UUID or UUID prefix.")],
    values: Annotated[
        list[str],
        typer.Option("--set", help="FIELD=VALUE (YAML value; 'null' removes), repeatable."),
    ],
    allow_captured: AllowCaptured = False,
    dry_run: DryRun = False,
    by: By = None,
    reason: Reason = None,
) -> None:
    """Set fields of one image (biosample_ref, channels[0].fluorophore, ...)."""
    import yaml

    from imagesteward.catalog import ImageAnnotation
    from imagesteward.describe import annotate_images

    changes: dict[str, Any] = {}
    for item in values:
        path, sep, text = item.partition("=")
        if not sep or not path.strip():
            raise typer.BadParameter(f"{item!r}: expected FIELD=VALUE", param_hint="--set")
        changes[path.strip()] = yaml.safe_load(text) if text.strip() else None
    with _opened(ctx) as (installation, index), _every_problem():
        records = annotate_images(
            installation.catalog,
            index,
            [ImageAnnotation(image, changes)],
            by=by,
            reason=reason,
            allow_captured=allow_captured,
            dry_run=dry_run,
        )
    verb = "would change" if dry_run else "changed"
    console().print(f"{verb} {len(records)} image(s)")


@describe_app.command("export")
@handle_errors
def export(
    ctx: typer.Context,
    project: Annotated[str, typer.Argument(help="The project whose images to export.")],
    file: Annotated[Path, typer.Argument(help="Spreadsheet to write: .tsv or .xlsx.")],
    dataset: Annotated[str | None, typer.Option("--dataset", "-d", help="Only this one.")] = None,
) -> None:
    """Write a spreadsheet with one row per image, prefilled with what was extracted."""
    from imagesteward.describe import export_sheet

    with _opened(ctx) as (installation, _):
        rows = export_sheet(installation.catalog, project, file, dataset=dataset)
    console().print(f"wrote {rows} image row(s) to {file}; edit, then: steward describe import")


@describe_app.command("import")
@handle_errors
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A spreadsheet from 'steward describe export'.")],
    allow_captured: AllowCaptured = False,
    dry_run: DryRun = False,
    by: By = None,
    reason: Reason = None,
) -> None:
    """Apply a spreadsheet's edits: all rows or none, every problem listed by row and column."""
    from imagesteward.describe import import_sheet

    with _opened(ctx) as (installation, index), _every_problem():
        result = import_sheet(
            installation.catalog,
            index,
            file,
            by=by,
            reason=reason,
            allow_captured=allow_captured,
            dry_run=dry_run,
        )
    verb = "would change" if dry_run else "changed"
    console().print(
        f"read {result.rows} row(s); {verb} {result.fields} field(s) of "
        f"{len(result.images)} image(s)"
    )


@describe_app.command("methods")
@handle_errors
def methods(
    ctx: typer.Context,
    project: Annotated[str, typer.Argument(help="The project.")],
    dataset: Annotated[str | None, typer.Option("--dataset", "-d", help="One dataset.")] = None,
    markdown: Annotated[bool, typer.Option("--markdown", help="Markdown, not text.")] = False,
) -> None:
    """Write the image-acquisition part of a Materials & Methods section."""
    from imagesteward.describe import dataset_methods

    with _opened(ctx) as (installation, _):
        text = dataset_methods(installation.catalog, project, dataset)
    typer.echo(text.markdown() if markdown else text.text(), nl=False)


def _scores(table: Any, item: Completeness) -> None:
    cells = [f"{s.filled}/{s.expected} ({s.percent:.0f}%)" for s in item.scores]
    table.add_row(item.kind, item.subject, *cells)


@app.command()
@handle_errors
def completeness(
    ctx: typer.Context,
    image: Annotated[str | None, typer.Argument(help="One image (id, UUID or prefix).")] = None,
    project: Annotated[str | None, typer.Option("--project", "-p", help="A project.")] = None,
    tier: Annotated[
        int | None,
        typer.Option(
            "--tier",
            min=1,
            max=3,
            help="Tier publication requires (default: the publication_tier setting).",
            show_default=False,
        ),
    ] = None,
    images: Annotated[bool, typer.Option("--images", help="Also score each image.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Completeness per tier (1 minimal, 2 recommended, 3 full): what is missing and where."""
    from rich.table import Table

    from imagesteward.describe import image_completeness, project_completeness
    from imagesteward.installation import open_installation

    if (image is None) == (project is None):
        raise typer.BadParameter("give either an IMAGE or --project")
    with open_installation(home_of(ctx)) as installation:
        tier = tier or installation.settings.publication_tier
        if image is not None:
            record = installation.catalog.get_image(image)
            parts = [image_completeness(record.document, record.uuid)]
            data: dict[str, Any] = parts[0].as_json()
            ready = parts[0].complete(tier)
        else:
            assert project is not None
            result = project_completeness(
                installation.catalog, project, required_tier=tier, per_image=images
            )
            parts = [result.study, *result.datasets, *result.images]
            data = result.as_json()
            ready = result.ready
    out = console()
    if as_json:
        out.print_json(json.dumps(data))
        return
    table = Table(box=None, pad_edge=False)
    for column in ("", "subject", "tier 1", "tier 2", "tier 3"):
        table.add_column(column, overflow="fold")
    for part in parts:
        _scores(table, part)
    out.print(table)
    verdict = "[green]complete[/]" if ready else "[red]incomplete[/]"
    out.print(f"up to tier {tier} (what publication requires): {verdict}")
    for part in parts:
        gaps = [m for m in part.missing if m.tier <= tier]
        if not gaps:
            continue
        out.print(f"\n[bold]{part.kind} {part.subject}[/]: missing")
        for gap in gaps:
            share = f" ({gap.count} of {gap.of})" if gap.of > 1 else ""
            out.print(f"  tier {gap.tier} {gap.path}{share}: {gap.where}", markup=False)
