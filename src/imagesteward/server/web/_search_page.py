"""The search page: a query box, facets with counts, hits with thumbnails, pages.

Everything a search is made of lives in the URL - the text (``q``), one parameter per chosen
facet value (``organism=NCBITaxon:9606&organism=...``), the date range (``from``, ``to``),
the lowest completeness tier and the page's cursor - so a search can be bookmarked and
shared, and the browser's back and forward buttons walk through its refinements. Facets are
plain links that add or remove one value; the page is rendered by the server from
:func:`imagesteward.search.search`, the function the REST API and ``steward search`` call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from imagesteward.server._routing import ServicesDep, root_of
from imagesteward.server.web._routing import PageRoute, site_of

__all__ = ["FACETS", "pages", "query_of"]

pages = APIRouter(route_class=PageRoute, include_in_schema=False)

#: Facets in the order the page lists them: (URL parameter and query field, heading).
FACETS = (
    ("project", "Project"),
    ("organism", "Organism"),
    ("method", "Imaging method"),
    ("instrument", "Instrument"),
    ("objective", "Objective"),
    ("fluorophore", "Fluorophore"),
    ("kind", "Kind"),
    ("visibility", "Visibility"),
    ("completeness", "Completeness tier"),
    ("year", "Year"),
)
#: Hits per page.
PAGE = 24
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_MAX_TEXT = 500
_MAX_VALUES = 20


@dataclass(frozen=True)
class SearchState:
    """What the URL asks for: text, chosen facet values, dates, cursor."""

    text: str
    chosen: dict[str, list[str]]
    date_from: str
    date_to: str
    cursor: str | None
    limit: int = 24

    def params(self, **change: Any) -> list[tuple[str, str]]:
        """The URL parameters of this state (without the cursor) with ``change`` applied."""
        text = change.get("text", self.text)
        chosen = change.get("chosen", self.chosen)
        items: list[tuple[str, str]] = [("q", text)] if text else []
        for name, _ in FACETS:
            items.extend((name, value) for value in chosen.get(name, ()))
        for key, value in (("from", self.date_from), ("to", self.date_to)):
            if value:
                items.append((key, value))
        if self.limit != PAGE:
            items.append(("limit", str(self.limit)))
        return items

    def toggled(self, facet: str, value: str) -> str:
        """The query string with ``value`` of ``facet`` added, or removed when chosen."""
        chosen = {name: list(values) for name, values in self.chosen.items()}
        values = chosen.setdefault(facet, [])
        if value in values:
            values.remove(value)
        else:
            values.append(value)
        return urlencode(self.params(chosen=chosen))


def _state(request: Request) -> SearchState:
    params = request.query_params
    chosen = {
        name: [v.strip() for v in params.getlist(name) if v.strip()][:_MAX_VALUES]
        for name, _ in FACETS
    }
    dates = {
        key: value if _DATE.match(value := params.get(key, "").strip()) else ""
        for key in ("from", "to")
    }
    return SearchState(
        text=params.get("q", "").strip()[:_MAX_TEXT],
        chosen={name: values for name, values in chosen.items() if values},
        date_from=dates["from"],
        date_to=dates["to"],
        cursor=params.get("cursor") or None,
        limit=_limit(params.get("limit", "")),
    )


def _limit(text: str) -> int:
    """Hits per page from the URL: 1 to 200, else the default."""
    return min(int(text), 200) if text.isdigit() and int(text) >= 1 else PAGE


def _quoted(value: str) -> str:
    return '"' + value.replace('"', "") + '"'


def query_of(state: SearchState) -> str:
    """The query in the search language (docs/search.md) that ``state`` stands for."""
    parts = [state.text] if state.text else []
    for name, values in state.chosen.items():
        if name == "completeness":
            parts.append(f"completeness:>={min(values)}")
        elif name == "year":
            parts.append(f"date:{min(values)}..{max(values)}")
        else:
            parts.extend(f"{name}:{_quoted(value)}" for value in values)
    if state.date_from or state.date_to:
        parts.append(f"date:{state.date_from}..{state.date_to}")
    return " ".join(part for part in parts if part)


@pages.get("/search")
def search_page(request: Request, services: ServicesDep) -> Response:
    """Search images, datasets and studies with facets; every choice is in the URL."""
    from imagesteward.errors import SearchQueryError
    from imagesteward.search import search
    from imagesteward.server._api_describe import _ontology

    state = _state(request)
    query = query_of(state)
    root = root_of(request)
    problem = None
    result = None
    try:
        result = search(
            services.resources.installation.catalog,
            query,
            ontology=_ontology(request, services),
            limit=state.limit,
            cursor=state.cursor,
            facet_values=12,
            restrict=services.search_restriction(),
        )
    except SearchQueryError as exc:
        problem = exc.message
    base = urlencode(state.params())
    facets = []
    if result is not None:
        for name, heading in FACETS:
            values = result.facets.get(name, ())
            chosen = state.chosen.get(name, [])
            listed = {value.value for value in values}
            entries = [
                {
                    "value": v.value,
                    "label": v.label,
                    "count": v.count,
                    "chosen": v.value in chosen,
                    "href": f"{root}/search?{state.toggled(name, v.value)}",
                }
                for v in values
            ]
            # A chosen value that has no hits left still shows, so it can be removed.
            entries.extend(
                {
                    "value": value,
                    "label": value,
                    "count": 0,
                    "chosen": True,
                    "href": f"{root}/search?{state.toggled(name, value)}",
                }
                for value in chosen
                if value not in listed
            )
            if entries:
                facets.append({"name": name, "heading": heading, "entries": entries})
    following = None
    if result is not None and result.next_cursor:
        following = f"{root}/search?{urlencode([*state.params(), ('cursor', result.next_cursor)])}"
    context = {
        "title": f"Search: {query}" if query else "Search",
        "state": state,
        "query_text": query,
        "problem": problem,
        "result": result,
        "facets": facets,
        "next_page": following,
        "first_page": f"{root}/search?{base}" if state.cursor else None,
        "clear": f"{root}/search",
        "api_url": f"{root}/api/v1/search?{urlencode({'q': query})}",
    }
    return site_of(request).render(request, "search.html", context)
