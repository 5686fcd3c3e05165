"""Secrets never reach a log: redaction of every log record, whoever emits it.

What is removed: API tokens and reviewer links (``ist_``/``isr_``, their key id kept so an
administrator can still tell which credential it was), ``Authorization`` values (Bearer,
Basic), imagesteward's cookies (session, CSRF, reviewer link, OIDC flow), secret query
parameters (``?token=``, OIDC ``code``/``state``/``nonce``...) and password-like fields in
JSON, forms or ``key=value`` text.

:func:`install_secret_redaction` wraps the logging module's record factory, so that every
record - ours, uvicorn's access log, httpx's request lines, a library's debug dump - is
redacted when it is made, before any handler, formatter or test capture sees it. Arguments
are redacted one by one rather than merged into the message, because some formatters
(uvicorn's access formatter) unpack ``record.args`` themselves.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from imagesteward.access._secrets import SECRET_PATTERN

__all__ = ["SecretRedactingFilter", "install_secret_redaction", "redact_secrets"]

_REDACTED = "[redacted]"
_KEYS = (
    r"password|passwd|new_password|client_secret|secret|access_token|id_token|refresh_token"
    r"|code_verifier|x-csrf-token"
)
_SECRET_KEY = re.compile(_KEYS, re.I)
#: ``"password": "a long phrase"`` - a quoted value, spaces and all.
_QUOTED = re.compile(rf"""(["']?\b(?:{_KEYS})["']?\s*[:=]\s*)(["'])(.*?)(?<!\\)\2""", re.I)
#: ``password=hunter2``, ``secret: abc`` - an unquoted value up to a separator.
_UNQUOTED = re.compile(rf"""(\b(?:{_KEYS})["']?\s*[:=]\s*)([^\s"',;&}}\]]+)""", re.I)
#: Query parameters that carry a credential or a one-time value of a login.
_QUERY = re.compile(
    r"([?&](?:token|access_token|id_token|code|state|nonce|code_verifier|client_secret"
    r"|password|key|link)=)[^&\s\"'#]*",
    re.I,
)
#: ``Bearer x`` / ``Basic x`` (an imagesteward token is left to SECRET_PATTERN, keeping its id).
_SCHEME = re.compile(r"\b(Bearer|Basic)(\s+)(?!is[tr]_[0-9a-f]{12}_)([A-Za-z0-9._~+/=-]+)", re.I)
#: Our cookies, whatever surrounds them (a Cookie header, a Set-Cookie, a repr of either).
_COOKIE = re.compile(r"\b(imagesteward_[a-z_]+=)[^;\s\"'&,]+")


def redact_secrets(text: str) -> str:
    """``text`` with every credential, cookie and one-time login value replaced.

    Tokens and reviewer links keep their (not secret) key id: ``ist_3f9c0a1b2c4d_[redacted]``.
    """
    text = SECRET_PATTERN.sub(lambda m: f"{m.group(1)}_{m.group(2)}_{_REDACTED}", text)
    text = _QUOTED.sub(lambda m: f"{m.group(1)}{m.group(2)}{_REDACTED}{m.group(2)}", text)
    text = _UNQUOTED.sub(
        lambda m: m.group(0) if m.group(2) == _REDACTED else f"{m.group(1)}{_REDACTED}", text
    )
    text = _QUERY.sub(lambda m: f"{m.group(1)}{_REDACTED}", text)
    text = _SCHEME.sub(lambda m: f"{m.group(1)}{m.group(2)}{_REDACTED}", text)
    return _COOKIE.sub(lambda m: f"{m.group(1)}{_REDACTED}", text)


def _redact_value(value: Any) -> Any:
    """A log argument with its secrets removed; numbers and the like pass unchanged."""
    if isinstance(value, str):
        return redact_secrets(value)
    if isinstance(value, bytes):
        return redact_secrets(value.decode("utf-8", "replace"))
    if isinstance(value, int | float | bool) or value is None:
        return value
    text = str(value)  # headers, dicts, requests: what the formatter would print anyway
    cleaned = redact_secrets(text)
    return value if cleaned == text else cleaned


def redact_record(record: logging.LogRecord) -> None:
    """Remove secrets from a record's message, arguments and exception text, in place.

    Arguments are cleaned one by one and the template kept, so that formatters reading
    ``record.args`` still work; only when template and arguments together form a secret
    (``"session=%s"``) is the record collapsed into its cleaned, merged message.
    """
    if isinstance(record.args, tuple):
        record.args = tuple(_redact_value(arg) for arg in record.args)
    elif isinstance(record.args, dict):  # logging's one-mapping form: ``log("%r", {...})``
        record.args = {
            key: _REDACTED if _SECRET_KEY.fullmatch(str(key)) else _redact_value(arg)
            for key, arg in record.args.items()
        }
    if record.args:
        try:
            merged = str(record.msg) % record.args
        except (TypeError, ValueError, KeyError):
            merged = None  # a broken template: logging reports it; nothing merged to leak
        if merged is not None and (cleaned := redact_secrets(merged)) != merged:
            record.msg, record.args = cleaned, ()
    elif record.msg is not None and not isinstance(record.msg, int | float):
        record.msg = redact_secrets(str(record.msg))
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        # Format the traceback now, redacted, so no handler formats it from the raw exception.
        record.exc_text = redact_secrets(logging.Formatter().formatException(record.exc_info))


class SecretRedactingFilter(logging.Filter):
    """A logging filter that removes secrets from every record it sees (never drops one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def install_secret_redaction() -> None:
    """Redact every log record of this process from now on (idempotent).

    Called by the server's application factory and the command line's entry point.
    """
    current = logging.getLogRecordFactory()
    if getattr(current, "_imagesteward_redacting", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = current(*args, **kwargs)
        redact_record(record)
        return record

    factory._imagesteward_redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
