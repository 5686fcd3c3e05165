"""``steward search``: find images, datasets and studies; ``--reindex`` rebuilds the index."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from imagesteward.cli.app import app, console, err_console, handle_errors, home_of

__all__ = ["search"]

_LANGUAGE = """
Query language (the same in the API and the web UI; see docs/search.md):

  hela mitosis              every word (stemmed)
  "fluorescence microscopy" a phrase; a term's name also finds what lies below it
  mito*                     a word beginning with mito
  -brightfield              without this word (or -"phrase", -field:value)
  organism:"Mus musculus"   facets: organism, method, instrument, objective,
  method:confocal,sted        fluorophore, project (commas: any of)
  date:2024-01..2024-06     acquisition dates: date:2024, date:>=2024-05, date:..2023
  completeness:>=2  visibility:public  kind:image,dataset
"""


@app.command(epilog=_LANGUAGE.replace("\n", "\n\n"))
@handle_errors
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="The search (empty: everything).")] = "",
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=200, help="Hits per page.")
    ] = 20,
    cursor: Annotated[
        str | None, typer.Option("--cursor", help="next_cursor of the previous page.")
    ] = None,
    facets: Annotated[
        int, typer.Option("--facets", min=0, max=50, help="Values shown per facet (0: none).")
    ] = 5,
    reindex: Annotated[
        bool, typer.Option("--reindex", help="Rebuild the whole search index first.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Search images, datasets and studies: free text, phrases, facets, date ranges."""
    from rich.table import Table

    from imagesteward.installation import open_installation
    from imagesteward.ontology import load_index
    from imagesteward.search import search as run_search

    out = console()
    with open_installation(home_of(ctx)) as installation:
        if reindex:
            indexed = installation.catalog.rebuild_search_index()
            err_console().print(f"search index rebuilt: {indexed} image(s)")
        result = run_search(
            installation.catalog,
            query,
            ontology=load_index(installation.settings),
            limit=limit,
            cursor=cursor,
            facet_values=max(facets, 1),
            with_facets=facets > 0,
        )
    if as_json:
        out.print_json(json.dumps(result.as_json()))
        return
    table = Table(box=None, pad_edge=False, title=None)
    for column in ("kind", "id", "title", "project", "acquired"):
        table.add_column(column, overflow="fold")
    for hit in result.hits:
        span = ""
        if hit.acquired_from is not None:
            span = f"{hit.acquired_from:%Y-%m-%d}"
            if hit.acquired_to is not None and hit.acquired_to.date() != hit.acquired_from.date():
                span += f"..{hit.acquired_to:%Y-%m-%d}"
        table.add_row(hit.kind, str(hit.id), hit.title, hit.project, span)
    shown = f"{len(result.hits)} of {result.total}"
    out.print(f"[bold]{shown}[/] hit(s) for {query!r} ({result.took_ms:.0f} ms)")
    if result.hits:
        out.print(table)
    if facets and result.facets:
        out.print("\n[bold]facets[/]")
        for name, values in result.facets.items():
            listed = ", ".join(f"{v.label} ({v.count})" for v in values)
            out.print(f"  [cyan]{name}[/]: {listed}")
    if result.next_cursor:
        out.print(f"\nnext page: steward search {json.dumps(query)} --cursor {result.next_cursor}")
