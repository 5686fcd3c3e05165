"""``steward ontology``: find terms offline, and load full ontologies into an installation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from imagesteward.cli.app import app, console, handle_errors, home_of

if TYPE_CHECKING:
    from imagesteward.ontology import OntologyIndex

__all__ = ["ontology_app"]

ontology_app = typer.Typer(
    help="Ontology terms offline: search by name or synonym, show a term, load a full ontology.",
    no_args_is_help=True,
)
app.add_typer(ontology_app, name="ontology")


def _index(ctx: typer.Context) -> OntologyIndex:
    """The shipped subsets plus the installation's loaded ontologies (if there is one)."""
    from imagesteward.config import find_home
    from imagesteward.errors import InstallationNotFoundError
    from imagesteward.ontology import load_index

    try:
        home: Path | None = find_home(explicit=home_of(ctx))
    except InstallationNotFoundError:
        home = None  # searching needs no installation: the shipped subsets answer
    return load_index(home)


@ontology_app.command("search")
@handle_errors
def search(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="Words or word beginnings of a label or synonym.")],
    ontology: Annotated[
        str | None,
        typer.Option("--ontology", "-o", help="Only this ontology (FBbi, NCBITaxon, CL...)."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=200)] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Search terms by label and synonyms, best match first (what autocomplete offers)."""
    from rich.table import Table

    found = _index(ctx).search(text, ontology, limit)
    out = console()
    if as_json:
        out.print_json(json.dumps({"items": [term.to_dict() for term in found]}))
        return
    if not found:
        where = f" in {ontology}" if ontology else ""
        out.print(f"no term matches {text!r}{where}")
        return
    table = Table(box=None, pad_edge=False)
    for column in ("id", "label", "synonyms"):
        table.add_column(column, overflow="fold")
    for term in found:
        table.add_row(term.id, term.label, ", ".join(term.synonyms[:3]))
    out.print(table)


@ontology_app.command("show")
@handle_errors
def show(
    ctx: typer.Context,
    term_id: Annotated[str, typer.Argument(help="The term's CURIE, e.g. FBbi:00000251.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show one term: label, synonyms, parents and how many terms lie below it."""
    index = _index(ctx)
    term = index.get(term_id)
    below = sorted(index.descendants(term.id) - {term.id})
    data = {**term.to_dict(), "descendants": below}
    out = console()
    if as_json:
        out.print_json(json.dumps(data))
        return
    out.print(f"[bold]{term.id}[/] {term.label} ({term.ontology}, from {term.source})")
    if term.definition:
        out.print(term.definition)
    if term.synonyms:
        out.print(f"synonyms: {', '.join(term.synonyms)}")
    parents = [f"{p} ({index.get(p).label})" if p in index else p for p in term.parents]
    out.print(f"parents: {', '.join(parents) or '-'}")
    out.print(f"descendants: {len(below)}")


@ontology_app.command("list")
@handle_errors
def list_subsets(ctx: typer.Context) -> None:
    """List the shipped subsets and the ontologies loaded into this installation."""
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("ontology", "origin", "terms", "version", "title"):
        table.add_column(column, overflow="fold")
    for info in _index(ctx).subsets:
        table.add_row(info.ontology, info.origin, str(info.term_count), info.version, info.title)
    console().print(table)


@ontology_app.command("load")
@handle_errors
def load(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="An OBO, OWL (RDF/XML) or OBO Graphs JSON file.", exists=False)
    ],
    prefix: Annotated[
        str | None,
        typer.Option("--prefix", help="CURIE prefix to keep (default: the file's main one)."),
    ] = None,
) -> None:
    """Load a full ontology release offline into the installation (replaces an earlier load)."""
    from imagesteward.config import find_home
    from imagesteward.ontology import install_ontology

    home = find_home(explicit=home_of(ctx))
    info = install_ontology(home, file, prefix)
    console().print(
        f"loaded {info.term_count} {info.ontology} terms (version {info.version}) from "
        f"{file.name} into {info.path}"
    )
