"""docs/eln.md names the command, its options, the route and every limit with its default."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import typer.main

from imagesteward.cli import app
from imagesteward.cli.eln_cmd import eln_app
from imagesteward.eln import ArchiveLimits
from imagesteward.server._api_eln import MAX_UPLOAD_BYTES, router

DOC = (Path(__file__).parents[2] / "docs" / "eln.md").read_text(encoding="utf-8")


def test_the_command_and_its_options_are_documented() -> None:
    (command,) = eln_app.registered_commands
    assert f"steward eln {command.name}" in DOC
    # Typer's groups are click groups in behaviour, not always by class: walk them by name.
    group: Any = typer.main.get_command(app)
    for name in ("eln", "import"):
        group = group.commands[name]
    for option in group.params:
        for name in option.opts:
            if name.startswith("--"):
                assert name in DOC, name


def test_the_route_is_documented() -> None:
    for route in router.routes:
        for method in getattr(route, "methods", ()):
            assert f"`{method} {getattr(route, 'path', '')}`" in DOC
    assert f"limited to {MAX_UPLOAD_BYTES // 2**30} GiB" in DOC


@pytest.mark.parametrize("limit", dataclasses.fields(ArchiveLimits), ids=lambda f: f.name)
def test_every_limit_is_documented_with_its_default(limit: dataclasses.Field[object]) -> None:
    default = limit.default
    shown = f"{default:g}" if isinstance(default, float) else str(default)
    assert f"| `{limit.name}` | {shown}" in DOC
