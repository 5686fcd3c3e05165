"""How the pages write quantities: sizes, lengths, durations, dates, enumerations.

Pure functions, registered as Jinja filters. Lengths arrive in µm, wavelengths in nm and times
in s (the model's units); each is shown in the unit a microscopist would read it in (a TEM
pixel is 4 nm, not 0.004 µm; an exposure 50 ms, not 0.05 s).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

__all__ = [
    "FILTERS",
    "duration",
    "file_size",
    "humanize",
    "length",
    "number",
    "timestamp",
]

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def number(value: float | int | None, digits: int = 4) -> str:
    """A number with at most ``digits`` significant digits and no trailing zeros."""
    if value is None:
        return ""
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}".replace(",", "\u202f") if abs(value) >= 10_000 else str(int(value))
    return f"{value:.{digits}g}"


def length(micrometres: float | None) -> str:
    """A length given in µm, in nm, µm or mm, whichever keeps the number readable."""
    if micrometres is None:
        return ""
    size = abs(micrometres)
    if 0 < size < 0.1:
        return f"{number(micrometres * 1e3)} nm"
    if size >= 1000:
        return f"{number(micrometres / 1e3)} mm"
    return f"{number(micrometres)} µm"


def duration(seconds: float | None) -> str:
    """A time given in s, in µs, ms, s or min."""
    if seconds is None:
        return ""
    size = abs(seconds)
    if 0 < size < 1e-3:
        return f"{number(seconds * 1e6)} µs"
    if size < 1:
        return f"{number(seconds * 1e3)} ms"
    if size >= 120:
        return f"{number(seconds / 60)} min"
    return f"{number(seconds)} s"


def file_size(size: int | None) -> str:
    """Bytes in decimal units (kB, MB, GB, TB), as file managers show them."""
    if size is None:
        return ""
    value = float(size)
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable: TB closes the loop")


def humanize(value: object) -> str:
    """An enumeration value as words, acronyms kept.

    ``LaserScanningConfocalMicroscopy`` → ``Laser scanning confocal microscopy``; ``CMOS`` and
    ``STED`` stay as they are.
    """
    if value is None:
        return ""
    text = str(getattr(value, "value", value))
    words = _CAMEL.sub(" ", text).split(" ")
    if len(words) == 1:
        return text
    return " ".join([words[0], *(w if w.isupper() else w.lower() for w in words[1:])])


def timestamp(moment: datetime | None) -> str:
    """An instant in UTC (aware datetimes) or the wall-clock time as recorded (naive ones)."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


FILTERS = {
    "number": number,
    "length_um": length,  # not "length": that is Jinja's own filter
    "duration": duration,
    "file_size": file_size,
    "humanize": humanize,
    "timestamp": timestamp,
}
