"""``steward user``, ``group``, ``token``, ``audit`` and ``release`` on a real installation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from imagesteward.cli import app

runner = CliRunner()
PASSWORD = "a long and quiet river"


def steward(home: Path, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--home", str(home), *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COLUMNS", "220")
    code = runner.invoke(app, ["init", str(tmp_path / "site")]).exit_code
    assert code == 0
    return tmp_path / "site"


def test_accounts_tokens_and_the_audit_log_from_the_command_line(home: Path) -> None:
    code, out, _ = steward(
        home, "user", "add", "alice", "--name", "Alice A.", "--password-stdin",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert code == 0, out
    assert "added user alice (user)" in out
    code, _, err = steward(home, "user", "add", "bob", "--password-stdin", stdin="hunter2\n")
    assert code == 2
    assert "at least 12" in err
    assert "hunter2" not in err
    assert steward(home, "user", "add", "instrument", "--no-password", "--role", "guest")[0] == 0
    assert steward(home, "group", "add", "Cell biology", "--level", "read-annotate")[0] == 0
    assert steward(home, "group", "member", "Cell biology", "alice", "--owner")[0] == 0

    code, out, _ = steward(home, "user", "list", "--json")
    users = {u["username"]: u for u in json.loads(out)}
    assert users["alice"]["groups"] == ["Cell biology"]
    assert users["instrument"]["role"] == "guest"

    code, secret, err = steward(home, "token", "create", "alice", "--scope", "write", "--days", "7")
    assert code == 0, err
    secret = secret.strip()
    assert secret.startswith("ist_")
    assert "cannot be shown again" in err
    key_id = secret.split("_")[1]
    code, out, _ = steward(home, "token", "list", "--json")
    listed = json.loads(out)
    assert [(t["key_id"], t["scope"], t["active"]) for t in listed] == [(key_id, "write", True)]
    assert secret not in out
    assert steward(home, "token", "revoke", key_id)[0] == 0
    assert json.loads(steward(home, "token", "list", "--json")[1])[0]["active"] is False
    assert steward(home, "token", "revoke", "ffffffffffff")[0] == 2

    assert steward(home, "user", "disable", "alice")[0] == 0
    code, out, _ = steward(home, "audit", "--jsonl", "-n", "0")
    events = [json.loads(line) for line in out.splitlines()]
    assert [e["action"] for e in events] == [
        "user.add",  # the first administrator, made by 'steward init'
        "user.add", "user.add", "group.add", "group.member", "token.create", "token.revoke",
        "user.disable",
    ]  # fmt: skip
    assert all(e["remote"].startswith("cli ") for e in events)
    assert secret not in out
    assert PASSWORD not in out
    code, out, _ = steward(home, "audit", "--action", "token")
    assert "token.create" in out
    assert "user.add" not in out
    assert steward(home, "audit", "--since", "yesterday")[0] == 2
    code, out, _ = steward(home, "release")
    assert (code, out.strip()) == (0, "no embargo has ended")


def test_visibility_shares_and_reviewer_links_from_the_command_line(home: Path) -> None:
    from imagesteward.catalog import open_catalog
    from imagesteward.config import load_settings
    from tests.catalog.factories import bare_image, fileset

    catalog = open_catalog(load_settings(home).catalog_url)
    catalog.add_fileset(fileset("a.tif", images=[bare_image()], project="Paper", dataset="fig1"))
    catalog.dispose()
    assert steward(home, "user", "add", "alice", "--no-password")[0] == 0
    assert steward(home, "group", "add", "lab")[0] == 0

    code, out, err = steward(home, "visibility", "Paper", "--owner", "alice", "--group", "lab")
    assert code == 0, err
    assert "project:Paper: private" in out
    assert "owner alice, group lab" in out
    code, out, err = steward(
        home, "visibility", "Paper", "fig1", "--set", "embargoed", "--until", "2099-01-01"
    )
    assert code == 0, err
    assert "dataset:Paper/fig1: embargoed until 2099-01-01 00:00:00 UTC" in out
    code, _, err = steward(home, "visibility", "Paper", "--set", "embargoed")
    assert code == 2
    assert "needs an end" in err

    assert (
        "shared Paper/fig1 with user alice"
        in steward(home, "share", "Paper", "fig1", "--user", "alice")[1]
    )
    assert "nothing to change" in steward(home, "share", "Paper", "fig1", "--user", "alice")[1]
    assert "withdrew" in steward(home, "share", "Paper", "fig1", "--user", "alice", "--remove")[1]

    code, secret, err = steward(home, "reviewer-link", "create", "Paper", "fig1", "--days", "30")
    assert code == 0, err
    assert secret.strip().startswith("isr_")
    key_id = secret.strip().split("_")[1]
    assert steward(home, "reviewer-link", "revoke", key_id)[0] == 0
    actions = [
        json.loads(line)["action"] for line in steward(home, "audit", "--jsonl")[1].splitlines()
    ]
    assert actions[-3:] == ["share.remove", "reviewer-link.create", "reviewer-link.revoke"]
