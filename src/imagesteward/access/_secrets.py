"""Bearer secrets: API tokens and reviewer links, shown once and stored as a digest.

A secret looks like ``ist_<key id>_<43 random characters>``: the key id finds the stored row
without a scan, and only the SHA-256 of the random part is kept. A fast hash is right here,
unlike for passwords: 256 random bits cannot be guessed however fast each guess is, and
every API request checks one. The prefix (``ist`` for tokens, ``isr`` for reviewer links) lets
secret scanners and the log redaction (``_redaction``) recognise a leaked one.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Literal

from imagesteward.errors import AuthenticationError

__all__ = [
    "REVIEWER_PREFIX",
    "SECRET_PATTERN",
    "TOKEN_PREFIX",
    "IssuedSecret",
    "digest_matches",
    "issue_secret",
    "parse_secret",
]

TOKEN_PREFIX: Literal["ist"] = "ist"  # noqa: S105 - a prefix, not a secret
REVIEWER_PREFIX: Literal["isr"] = "isr"

_KEY_ID_BYTES = 6  # 12 hex characters: unique enough to index, short enough to show
_SECRET_BYTES = 32
SECRET_PATTERN = re.compile(r"\b(ist|isr)_([0-9a-f]{12})_([A-Za-z0-9_-]{43})\b")


@dataclass(frozen=True, slots=True)
class IssuedSecret:
    """A new secret: ``plaintext`` goes to its holder once; the rest is what is stored."""

    plaintext: str
    key_id: str
    digest: str

    def __repr__(self) -> str:  # never print the secret by accident
        return f"IssuedSecret(key_id={self.key_id!r})"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def issue_secret(prefix: Literal["ist", "isr"]) -> IssuedSecret:
    """A fresh random secret of kind ``prefix``."""
    key_id = secrets.token_hex(_KEY_ID_BYTES)
    secret = secrets.token_urlsafe(_SECRET_BYTES)
    return IssuedSecret(f"{prefix}_{key_id}_{secret}", key_id, _digest(secret))


def parse_secret(text: str, prefix: Literal["ist", "isr"]) -> tuple[str, str]:
    """The key id and digest of a presented secret of kind ``prefix``.

    Raises
    ------
    AuthenticationError
        When ``text`` is not shaped like such a secret (the message never repeats it).
    """
    match = SECRET_PATTERN.fullmatch(text.strip())
    if match is None or match.group(1) != prefix:
        kind = "API token" if prefix == TOKEN_PREFIX else "reviewer link"
        raise AuthenticationError(
            f"This is not a valid {kind}: expected '{prefix}_' followed by the key id and "
            "secret exactly as they were shown when it was created."
        )
    return match.group(2), _digest(match.group(3))


def digest_matches(stored: str, presented: str) -> bool:
    """Compare two digests in constant time."""
    return hmac.compare_digest(stored.encode("ascii"), presented.encode("ascii"))
