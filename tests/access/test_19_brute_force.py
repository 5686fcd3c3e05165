"""Guessing passwords is slowed and logged; no answer nor its timing tells which names exist."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from statistics import median

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from imagesteward.access import _passwords
from imagesteward.catalog import AccessCatalog, _accounts, access_catalog, open_catalog
from imagesteward.config import load_settings
from imagesteward.errors import AuthenticationError
from imagesteward.installation import init_installation
from imagesteward.server import build_app

PASSWORD = "a long and quiet river"


def _count(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    calls = [0]
    original: Callable[..., object] = getattr(_accounts, name)

    def counted(*args: object) -> object:
        calls[0] += 1
        return original(*args)

    monkeypatch.setattr(_accounts, name, counted)
    return calls


def test_every_refusal_costs_one_password_verification(
    access: AccessCatalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    access.add_user("alice", password=PASSWORD)
    access.add_user("carol", password=PASSWORD)
    access.disable_user("carol")
    access.add_user("robot")  # token-only: no password to check
    verified = _count(monkeypatch, "verify_password")
    wasted = _count(monkeypatch, "waste_verification")
    for name, password in (
        ("alice", "wrong password!"), ("nobody", PASSWORD), ("carol", PASSWORD),
        ("robot", PASSWORD),
    ):  # fmt: skip
        before = verified[0] + wasted[0]
        with pytest.raises(AuthenticationError, match="Unknown user name or wrong password"):
            access.login(name, password)
        assert verified[0] + wasted[0] == before + 1, name


def test_the_api_answers_unknown_names_exactly_like_wrong_passwords(tmp_path: Path) -> None:
    settings = init_installation(tmp_path / "site")
    catalog = open_catalog(settings.catalog_url)
    access_catalog(catalog).add_user("alice", password=PASSWORD)
    catalog.dispose()
    with TestClient(build_app(load_settings(settings.home, access_control=True))) as client:
        answers = []
        for name in ("alice", "nobody"):
            answer = client.post("/api/v1/session", json={"username": name, "password": "nope"})
            answers.append(
                (
                    answer.status_code,
                    answer.json()["detail"],
                    answer.headers.get("www-authenticate"),
                )
            )
        assert answers[0] == answers[1]
        assert answers[0][0] == 401
        assert "alice" not in answers[0][1]


def test_unknown_names_take_as_long_as_wrong_passwords(
    access: AccessCatalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With production Argon2id parameters, the two refusals cost the same within noise."""
    real = PasswordHasher()
    dummy = real.hash("dummy password here")
    monkeypatch.setattr(_passwords, "_hasher", lambda: real)
    monkeypatch.setattr(_passwords, "_dummy_hash", lambda: dummy)
    access.add_user("alice", password=PASSWORD)

    def timed(name: str) -> float:
        start = time.perf_counter()
        with pytest.raises(AuthenticationError):
            access.login(name, "not the password")
        return time.perf_counter() - start

    # Alternate, so load from other processes hits both alike; few enough not to throttle.
    known, unknown = [], []
    for _ in range(2):
        known.append(timed("alice"))
        unknown.append(timed("nobody-here"))
    ratio = median(unknown) / median(known)
    assert 0.5 < ratio < 2.0, (known, unknown)
