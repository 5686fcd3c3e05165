"""Passwords: hashed with Argon2id (argon2-cffi), never stored or logged in clear.

Argon2id won the Password Hashing Competition and is OWASP's first recommendation; argon2-cffi's
default parameters are RFC 9106's low-memory profile. A hash records its own parameters, so
raising them later only needs :func:`needs_rehash` at the next successful login.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from imagesteward.errors import InvalidCredentialError

if TYPE_CHECKING:
    from argon2 import PasswordHasher

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "check_new_password",
    "hash_password",
    "needs_rehash",
    "verify_password",
    "waste_verification",
]

# NIST SP 800-63B asks for at least 8 characters and recommends 15 where a password is the
# only factor; 12 is the common compromise. The upper bound keeps hashing cheap to refuse.
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024


@cache
def _hasher() -> PasswordHasher:
    # argon2 loads a C extension: imported on first use, not when the CLI starts.
    from argon2 import PasswordHasher

    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    return _hasher().hash("not a password anyone has: equalises timing for unknown users")


def check_new_password(password: str) -> None:
    """Refuse a password too short or too long to accept, saying why (never echoing it)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidCredentialError(
            f"The password has {len(password)} characters; use at least {MIN_PASSWORD_LENGTH} "
            "(a few unrelated words make a strong one).",
            minimum=MIN_PASSWORD_LENGTH,
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidCredentialError(
            f"The password has {len(password)} characters; at most {MAX_PASSWORD_LENGTH} are "
            "accepted.",
            maximum=MAX_PASSWORD_LENGTH,
        )


def hash_password(password: str) -> str:
    """The Argon2id hash (PHC string with salt and parameters) of an acceptable password."""
    check_new_password(password)
    return _hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash``; a malformed hash never matches."""
    from argon2.exceptions import InvalidHashError, VerificationError

    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def waste_verification(password: str) -> None:
    """Spend the time of one password verification, without any account.

    Called for unknown user names, so that response times do not tell which names exist.
    """
    verify_password(_dummy_hash(), password)


def needs_rehash(stored_hash: str) -> bool:
    """Whether ``stored_hash`` was made with weaker parameters than today's."""
    return _hasher().check_needs_rehash(stored_hash)
