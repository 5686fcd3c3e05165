"""Passwords (Argon2id) and bearer secrets (API tokens, reviewer links)."""

from __future__ import annotations

import logging

import pytest

from imagesteward.access import (
    MIN_PASSWORD_LENGTH,
    REVIEWER_PREFIX,
    TOKEN_PREFIX,
    SecretRedactingFilter,
    digest_matches,
    hash_password,
    issue_secret,
    needs_rehash,
    parse_secret,
    redact_secrets,
    verify_password,
    waste_verification,
)
from imagesteward.errors import AuthenticationError, InvalidCredentialError

PASSWORD = "correct horse battery staple"


def test_a_password_is_stored_as_an_argon2id_hash_that_verifies_it() -> None:
    stored = hash_password(PASSWORD)
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert verify_password(stored, PASSWORD)
    assert not verify_password(stored, PASSWORD + " ")
    assert not needs_rehash(stored)
    # Two hashes of one password differ (random salt).
    assert hash_password(PASSWORD) != stored


def test_a_weak_or_absurd_password_is_refused_without_echoing_it() -> None:
    with pytest.raises(InvalidCredentialError, match=f"at least {MIN_PASSWORD_LENGTH}") as info:
        hash_password("hunter2")
    assert "hunter2" not in str(info.value)
    with pytest.raises(InvalidCredentialError, match="at most"):
        hash_password("x" * 5000)


def test_a_malformed_stored_hash_never_matches() -> None:
    assert not verify_password("not-a-hash", PASSWORD)
    assert not verify_password(hash_password(PASSWORD), "x" * 5000)
    waste_verification(PASSWORD)  # spends the time, raises nothing


def test_a_token_round_trips_through_its_key_id_and_digest() -> None:
    issued = issue_secret(TOKEN_PREFIX)
    assert issued.plaintext.startswith(f"ist_{issued.key_id}_")
    assert issued.plaintext not in repr(issued)
    key_id, digest = parse_secret(issued.plaintext, TOKEN_PREFIX)
    assert key_id == issued.key_id
    assert digest_matches(issued.digest, digest)
    assert issued.plaintext.split("_", 2)[2] not in issued.digest
    other = issue_secret(TOKEN_PREFIX)
    assert not digest_matches(issued.digest, parse_secret(other.plaintext, TOKEN_PREFIX)[1])


@pytest.mark.parametrize(
    "text", ["", "ist_", "ist_zzzzzzzzzzzz_" + "a" * 43, "Bearer ist_0123456789ab_" + "a" * 43]
)
def test_a_malformed_token_is_refused(text: str) -> None:
    with pytest.raises(AuthenticationError, match="not a valid API token"):
        parse_secret(text, TOKEN_PREFIX)


def test_a_reviewer_link_is_not_an_api_token() -> None:
    link = issue_secret(REVIEWER_PREFIX)
    with pytest.raises(AuthenticationError):
        parse_secret(link.plaintext, TOKEN_PREFIX)
    assert parse_secret(link.plaintext, REVIEWER_PREFIX)[0] == link.key_id


def test_secrets_never_reach_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    issued = issue_secret(TOKEN_PREFIX)
    secret = issued.plaintext.split("_", 2)[2]
    assert secret not in redact_secrets(f"Authorization: Bearer {issued.plaintext}")
    logger = logging.getLogger("imagesteward.test.redaction")
    logger.addFilter(SecretRedactingFilter())
    with caplog.at_level(logging.INFO, logger=logger.name):
        logger.info("request with %s failed", issued.plaintext)
    assert secret not in caplog.text
    assert f"ist_{issued.key_id}_[redacted]" in caplog.text
