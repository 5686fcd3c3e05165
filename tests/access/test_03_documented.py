"""docs/access.md shows the policy table exactly as the code has it."""

from __future__ import annotations

from pathlib import Path

from imagesteward.access import FETCH, POLICY, READ, Action, GroupLevel, Role, Visibility

DOC = Path(__file__).parents[2] / "docs" / "access.md"
BEGIN, END = "<!-- policy-table:begin -->", "<!-- policy-table:end -->"


def _cell(actions: frozenset[Action]) -> str:
    if actions == frozenset(Action):
        return "everything"
    if not actions:
        return "-"
    words = []
    rest = set(actions)
    if rest >= READ | FETCH:
        words.append("read, download")
        rest -= READ | FETCH
    words += [action.value for action in Action if action in rest]
    return ", ".join(words)


def policy_markdown() -> str:
    """The policy table as Markdown: one row per role (and OMERO level), one column per state."""
    lines = [
        "| role | " + " | ".join(state.value for state in Visibility) + " |",
        "|---|" + "---|" * len(Visibility),
    ]
    for role in Role:
        levels: list[GroupLevel | None] = list(GroupLevel) if role is Role.GROUP_MEMBER else [None]
        for level in levels:
            name = role.value if level is None else f"{role.value} ({level.value} group)"
            cells = [_cell(POLICY[(role, level, state)]) for state in Visibility]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def test_the_documented_policy_table_is_the_code() -> None:
    text = DOC.read_text(encoding="utf-8")
    documented = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert documented == policy_markdown(), (
        "docs/access.md is out of date; paste the output of "
        "`python -c 'from tests.access.test_03_documented import policy_markdown as p; print(p())'`"
    )


def test_every_access_command_is_documented() -> None:
    from imagesteward.cli.access_cmd import reviewer_app
    from imagesteward.cli.user_cmd import group_app, token_app, user_app

    text = DOC.read_text(encoding="utf-8")
    commands = [
        f"steward {name} {command.name}"
        for name, group in (
            ("user", user_app),
            ("group", group_app),
            ("token", token_app),
            ("reviewer-link", reviewer_app),
        )
        for command in group.registered_commands
    ]
    others = ["steward audit", "steward release", "steward visibility", "steward share"]
    for command in [*commands, *others]:
        assert command in text, command
