"""The one exception tree of imagesteward.

Every error a user can meet derives from :class:`ImageStewardError`. Subclasses that have a
natural builtin counterpart also inherit it (``NotFoundError`` is a ``LookupError``), so callers
that only know Python's builtins still catch them. Messages show the evidence: the file, the
offending value, and what to do about it.

The tree::

    ImageStewardError
    ├── ConfigurationError (ValueError)       settings that cannot work
    ├── InstallationNotFoundError             no installation where one was expected
    ├── FormatError (ValueError)              a file that cannot be read as claimed
    │   ├── UnsupportedFormatError            no reader accepts the file
    │   ├── CorruptFileError                  truncated, damaged, or internally inconsistent
    │   ├── UnsafeContentError                hostile content (XML entities, escaping paths)
    │   └── ImplausibleSizeError              declared sizes far beyond the bytes present
    ├── MetadataValidationError (ValueError)  a document that breaks the schema
    ├── SearchQueryError (ValueError)         a search query that cannot be understood
    ├── InvalidPidError (ValueError)          a persistent identifier with bad syntax or checksum
    ├── OntologyError                         an ontology file or stored ontology that is unusable
    │   ├── UnknownTermError (LookupError)    no such term in the loaded ontologies
    │   └── WrongOntologyError (ValueError)   a real term, but from another ontology than required
    ├── StoreError (OSError)                  the original-file store
    │   ├── IntegrityError                    stored bytes no longer match their digest
    │   └── StoreLockedError                  another process holds the store's writer lock
    ├── AccessError (PermissionError)         credentials or the access policy refuse
    │   ├── AuthenticationError               no valid credentials (unknown, expired, revoked)
    │   ├── PermissionDeniedError             the policy refuses this action on a visible object
    │   └── InvalidCredentialError (ValueError)  a new account, password or token refused
    ├── CatalogError                          the catalog database
    │   ├── SchemaOutdatedError               the database needs ``steward db upgrade``
    │   ├── NotFoundError (LookupError)       no such record
    │   │   └── SearchCursorError (+ SearchQueryError)  a cursor of another query, or damaged
    │   └── ConflictError                     a uniqueness rule would be broken
    ├── IngestError                           a file that failed ingest (wraps the cause)
    ├── ConversionError                       an OME-Zarr conversion that cannot proceed
    │   ├── DestinationExistsError (FileExistsError)  the destination holds other data
    │   └── OutputValidationError             the written OME-Zarr failed its checks
    └── RenderError                           a tile, thumbnail or histogram that cannot be made
        ├── RenderRequestError (ValueError)   a request parameter out of range or malformed
        └── RenditionNotFoundError (FileNotFoundError)  no NGFF image at the URL and path
"""

from __future__ import annotations

from os import PathLike, fspath
from typing import Any

__all__ = [
    "AccessError",
    "AuthenticationError",
    "CatalogError",
    "ConfigurationError",
    "ConflictError",
    "ConversionError",
    "CorruptFileError",
    "DestinationExistsError",
    "FormatError",
    "ImageStewardError",
    "ImplausibleSizeError",
    "IngestError",
    "InstallationNotFoundError",
    "IntegrityError",
    "InvalidCredentialError",
    "InvalidPidError",
    "MetadataValidationError",
    "NotFoundError",
    "OntologyError",
    "OutputValidationError",
    "PermissionDeniedError",
    "RenderError",
    "RenderRequestError",
    "RenditionNotFoundError",
    "SchemaOutdatedError",
    "SearchCursorError",
    "SearchQueryError",
    "StoreError",
    "StoreLockedError",
    "UnknownTermError",
    "UnsafeContentError",
    "UnsupportedFormatError",
    "WrongOntologyError",
]


class ImageStewardError(Exception):
    """Root of every error raised on purpose by imagesteward.

    Parameters
    ----------
    message
        What went wrong, with the evidence, and what to do about it.
    **details
        Structured facts (file, value, limit...) kept for machine consumers such as the API.
    """

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Errors cross process boundaries (metadata is read in worker processes). The default
        # pickling calls ``cls(*args)`` again, which breaks for subclasses with other
        # constructor arguments (``FormatError(path, problem)``) and would lose ``details``
        # for the rest; rebuilding from the arguments and attributes keeps every field.
        return (_rebuild, (type(self), self.args, self.__dict__))


def _rebuild(
    cls: type[ImageStewardError], args: tuple[Any, ...], state: dict[str, Any]
) -> ImageStewardError:
    """Unpickle an error without running its constructor (see ``__reduce__``)."""
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class ConfigurationError(ImageStewardError, ValueError):
    """Settings that cannot work (bad URL, missing directory, contradictory options)."""


class InstallationNotFoundError(ImageStewardError):
    """No imagesteward installation where one was expected."""


class FormatError(ImageStewardError, ValueError):
    """A file cannot be read as the format it claims or appears to be.

    Parameters
    ----------
    path
        The file concerned; it is always named in the message.
    problem
        What is wrong with it, in a sentence.
    """

    def __init__(self, path: str | PathLike[str], problem: str, **details: Any) -> None:
        self.path = fspath(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}", path=self.path, **details)


class UnsupportedFormatError(FormatError):
    """No installed reader accepts the file."""


class CorruptFileError(FormatError):
    """The file is truncated, damaged, or internally inconsistent."""


class UnsafeContentError(FormatError):
    """Hostile content: XML entity tricks, external references, paths escaping the upload."""


class ImplausibleSizeError(FormatError):
    """The declared image is far larger than the bytes the file holds."""


class MetadataValidationError(ImageStewardError, ValueError):
    """A metadata document does not conform to the imagesteward schema."""


class SearchQueryError(ImageStewardError, ValueError):
    """A search query that cannot be understood: unknown field, malformed date, bad cursor."""


class InvalidPidError(ImageStewardError, ValueError):
    """A persistent identifier (ORCID, ROR, RRID, DOI, Handle): malformed or failing its checksum.

    Parameters
    ----------
    scheme
        The identifier scheme the value was checked against (``"ORCID"``).
    value
        The value as given.
    problem
        What is wrong, with the evidence (``"wrong check digit: expected 7"``).
    """

    def __init__(self, scheme: str, value: str, problem: str, **details: Any) -> None:
        self.scheme = scheme
        self.value = value
        self.problem = problem
        super().__init__(
            f"{scheme} {value} {problem}", scheme=scheme, value=value, problem=problem, **details
        )


class OntologyError(ImageStewardError):
    """An ontology file that cannot be read, or a stored ontology that cannot be used."""


class UnknownTermError(OntologyError, LookupError):
    """No term with this identifier in the shipped subsets or the loaded ontologies."""


class WrongOntologyError(OntologyError, ValueError):
    """A real term, used where a term of another ontology is required."""


class StoreError(ImageStewardError, OSError):
    """A failure of the original-file store."""


class IntegrityError(StoreError):
    """Stored bytes no longer match the digest recorded at ingest."""


class StoreLockedError(StoreError):
    """Another process holds the store's writer lock."""


class AccessError(ImageStewardError, PermissionError):
    """Credentials or the access policy refuse the request."""


class AuthenticationError(AccessError):
    """No valid credentials.

    An unknown user or a wrong password (never saying which), an expired or revoked token,
    a disabled account.
    """


class PermissionDeniedError(AccessError):
    """The policy refuses this action on an object the caller can see.

    Where the caller may not even see the object, :class:`NotFoundError` is raised instead,
    so that refusing never reveals that something exists.
    """


class InvalidCredentialError(AccessError, ValueError):
    """A new account, group, password or token that cannot be accepted, and why."""


class CatalogError(ImageStewardError):
    """A failure of the catalog database."""


class SchemaOutdatedError(CatalogError):
    """The database schema is older (or newer) than this version of imagesteward expects."""


class NotFoundError(CatalogError, LookupError):
    """No record matches the request."""


class SearchCursorError(NotFoundError, SearchQueryError):
    """A page cursor that belongs to another query or is damaged: no such page (HTTP 404).

    Also a :class:`SearchQueryError`, so that callers catching bad searches catch it too.
    """


class ConflictError(CatalogError):
    """The change would break a uniqueness rule."""


class IngestError(ImageStewardError):
    """A file failed to ingest; ``__cause__`` holds the underlying error."""


class ConversionError(ImageStewardError):
    """An OME-Zarr conversion that cannot proceed; ``__cause__`` holds a reader or storage error."""


class DestinationExistsError(ConversionError, FileExistsError):
    """The destination already holds data that is not this conversion (finished or resumable)."""


class OutputValidationError(ConversionError):
    """The written OME-Zarr failed validation; ``details["problems"]`` lists every finding."""


class RenderError(ImageStewardError):
    """A tile, thumbnail or histogram cannot be made (unreadable chunk, unsupported data)."""


class RenderRequestError(RenderError, ValueError):
    """A rendering request the image cannot satisfy; ``details["parameter"]`` names the culprit.

    Parameters
    ----------
    parameter
        The request field at fault, as the caller spelled it (``"level"``,
        ``"channels[2].window"``).
    value
        The value given.
    problem
        Why it cannot be served, with the allowed range.
    """

    def __init__(self, parameter: str, value: Any, problem: str, **details: Any) -> None:
        self.parameter = parameter
        self.value = value
        super().__init__(
            f"{parameter}={value!r}: {problem}", parameter=parameter, value=value, **details
        )


class RenditionNotFoundError(RenderError, FileNotFoundError):
    """No NGFF image at the rendition URL and series path."""
