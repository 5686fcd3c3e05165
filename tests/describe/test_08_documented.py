"""docs/describe.md names every describe, ontology and pid command, template and API route."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from imagesteward.cli.describe_cmd import describe_app
from imagesteward.cli.ontology_cmd import ontology_app
from imagesteward.cli.pid_cmd import pid_app
from imagesteward.describe import list_templates
from imagesteward.server._api_describe import router

DOC = (Path(__file__).parents[2] / "docs" / "describe.md").read_text(encoding="utf-8")


def _commands(group: typer.Typer, name: str) -> list[str]:
    return [f"steward {name} {command.name}" for command in group.registered_commands]


COMMANDS = [
    *_commands(describe_app, "describe"),
    *_commands(ontology_app, "ontology"),
    *_commands(pid_app, "pid"),
    "steward completeness",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_documented(command: str) -> None:
    assert command in DOC


def test_every_template_and_route_is_documented() -> None:
    for template in list_templates():
        assert f"`{template.name}`" in DOC
    for route in router.routes:
        path = getattr(route, "path", "")
        documented = path.replace("{kind}", "{study\\|image}")
        assert f"`GET {documented}" in DOC, path
