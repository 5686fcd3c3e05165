"""Finding an image by a UUID prefix without revealing images the caller may not see.

The catalog's own lookup answers an ambiguous prefix by naming the images it matches - ids
and UUIDs - which is helpful at the command line and a leak on a shared server: a prefix
matching one visible and one hidden image would reveal the hidden one, and "matches more
than one" alone reveals that something else exists. Under access control, a prefix is
resolved among the images the caller may see: hidden matches do not count, so the answer
(found, not found, ambiguous among visible ones) is the one the caller would get if the
hidden images did not exist.
"""

from __future__ import annotations

import re
import uuid as uuid_module
from collections.abc import Callable

from sqlalchemy.orm import Session

from imagesteward.catalog._lookup import MIN_UUID_PREFIX, images_with_names
from imagesteward.catalog._records import ImageRecord, image_record
from imagesteward.catalog._tables import ImageRow
from imagesteward.errors import NotFoundError

__all__ = ["is_uuid_prefix", "resolve_visible_prefix"]

_UUID_PREFIX = re.compile(r"[0-9a-f][0-9a-f-]*")
#: Enough candidates that hidden ones cannot crowd a visible match out.
_CANDIDATES = 200


def is_uuid_prefix(ref: str) -> bool:
    """Whether the catalog would look ``ref`` up as a UUID prefix (not an id nor a UUID)."""
    text = ref.strip().lower()
    if text.isascii() and text.isdigit() and len(text) != MIN_UUID_PREFIX:
        return False
    try:
        uuid_module.UUID(text)
    except ValueError:
        return len(text) >= MIN_UUID_PREFIX and _UUID_PREFIX.fullmatch(text) is not None
    return False


def resolve_visible_prefix(
    session: Session, ref: str, visible: Callable[[ImageRecord], bool]
) -> ImageRecord:
    """The one visible image ``ref`` (a UUID prefix) names.

    Raises
    ------
    NotFoundError
        When no visible image matches (the catalog's words for no match at all), or several
        do (naming only visible ones).
    """
    text = ref.strip().lower()
    condition = ImageRow.uuid.startswith(text)
    if text.isdigit():
        condition = condition | (ImageRow.id == int(text))
    query = images_with_names().where(condition).order_by(ImageRow.id).limit(_CANDIDATES)
    matches = [
        record
        for record in (image_record(*row) for row in session.execute(query))
        if visible(record)
    ]
    if not matches:
        raise NotFoundError(f"No image id or UUID matches {ref!r}.", ref=ref)
    if len(matches) > 1:
        shown = ", ".join(f"id {m.id} ({m.uuid})" for m in matches[:2])
        more = ", ..." if len(matches) > 2 else ""
        raise NotFoundError(
            f"{ref!r} matches more than one image ({shown}{more}); give more characters of the "
            "UUID.",
            ref=ref,
        )
    return matches[0]
