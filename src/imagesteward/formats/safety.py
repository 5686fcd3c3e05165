"""Defences every reader applies to untrusted files.

Instrument files arrive from many machines and sometimes from the internet. These checks make a
hostile or broken file fail loudly and early with a message that names it, instead of exhausting
memory, reading files outside the upload, or expanding XML entities.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING

from imagesteward.errors import (
    CorruptFileError,
    ImplausibleSizeError,
    UnsafeContentError,
)
from imagesteward.formats.reader import ReadContext

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

__all__ = [
    "PLAUSIBLE_FLOOR",
    "check_plausible_size",
    "check_xml_safe",
    "parse_xml",
    "resolve_reference",
]


#: Declared pixel bytes below this are never refused as implausible (1 GiB).
PLAUSIBLE_FLOOR = 1 << 30


def check_xml_safe(data: bytes | str, path: Path, context: ReadContext) -> None:
    """Refuse XML that is too large or uses DTDs, entities or external references.

    Raises
    ------
    UnsafeContentError
        For DTDs, entity declarations and external references (billion laughs, XXE).
    ImplausibleSizeError
        When the document exceeds ``context.max_metadata_bytes``.
    CorruptFileError
        When the document is not well-formed XML.
    """
    parse_xml(data, path, context)


def parse_xml(data: bytes | str, path: Path, context: ReadContext) -> Element:
    """Parse untrusted XML with entity expansion and DTDs forbidden."""
    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    size = len(data.encode("utf-8") if isinstance(data, str) else data)
    if size > context.max_metadata_bytes:
        raise ImplausibleSizeError(
            path,
            f"embedded metadata is {size:,} bytes, over the limit of "
            f"{context.max_metadata_bytes:,} (setting max_metadata_bytes)",
            size=size,
        )
    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise UnsafeContentError(
            path,
            f"metadata XML refused: {type(exc).__name__} ({exc}); DTDs, entities and "
            "external references are not allowed",
        ) from exc
    except SafeET.ParseError as exc:
        raise CorruptFileError(path, f"metadata XML is not well-formed: {exc}") from exc


def check_plausible_size(
    path: Path,
    shapes: Iterable[tuple[int, ...]],
    itemsize: int,
    actual_bytes: int,
    context: ReadContext,
) -> None:
    """Refuse images whose declared size is absurd compared with the bytes present.

    A header can claim any dimensions; believing it leads to multi-terabyte allocations and
    conversions that never end. Compression rarely exceeds 1000:1 on microscopy data, so the
    default limit (10,000:1) only stops files that cannot be what they claim.
    """
    declared = sum(math.prod(shape) for shape in shapes) * itemsize
    # Below a floor every size is plausible: sparse Zarr arrays legitimately omit chunks that
    # hold only the fill value (a blank plate field), and small images cannot exhaust anything.
    allowed = max(max(actual_bytes, 1) * context.max_declared_to_actual_ratio, PLAUSIBLE_FLOOR)
    if declared > allowed:
        raise ImplausibleSizeError(
            path,
            f"declares {declared:,} bytes of pixels but holds only {actual_bytes:,} bytes "
            f"(more than {context.max_declared_to_actual_ratio:,.0f}x); the header's dimensions "
            "are not plausible - the file is truncated or forged",
            declared_bytes=declared,
            actual_bytes=actual_bytes,
        )


def resolve_reference(referrer: Path, name: str, context: ReadContext) -> Path:
    """Resolve a file name found inside ``referrer``'s metadata, refusing escapes.

    Only names relative to the referrer's directory are followed, and only when the result lies
    inside the allowed roots: a companion file or OME-XML ``UUID FileName`` must never make
    imagesteward open ``/etc/passwd`` or another user's data.

    Raises
    ------
    UnsafeContentError
        For absolute paths, drive letters, ``..`` escapes and targets outside the allowed roots.
    """
    windows = PureWindowsPath(name)
    posix = PurePosixPath(name.replace("\\", "/"))
    if posix.is_absolute() or windows.drive or windows.root:
        raise UnsafeContentError(
            referrer, f"metadata names an absolute path {name!r}; only files beside it are read"
        )
    target = (referrer.parent / Path(*posix.parts)).resolve() if posix.parts else referrer.parent
    roots = context.allowed_roots or (referrer.parent,)
    if not any(target.is_relative_to(root.resolve()) for root in roots):
        raise UnsafeContentError(
            referrer,
            f"metadata names {name!r}, which resolves to {target} outside the ingested paths; "
            "refused",
        )
    return target
