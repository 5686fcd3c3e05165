"""Small rules of written English and units for generated prose (numbers, lists, articles)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["article", "duration", "exposure", "join", "length", "number", "part_name", "plural"]


def number(value: float) -> str:
    """At most three significant digits, no trailing zeros (``1.42``, ``0.108``, ``60``)."""
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


def join(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def plural(count: int, noun: str) -> str:
    """``1 image``, ``3 images`` - counts as words up to ten, as style guides ask."""
    words = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    said = words[count] if 0 <= count < len(words) else str(count)
    return f"{said} {noun}" if count == 1 else f"{said} {noun}s"


def article(text: str) -> str:
    """``a`` or ``an`` for the word ``text`` starts with (by sound for common cases)."""
    word = text.strip().split(" ", 1)[0]
    if not word:
        return "a"
    # Letters said with a leading vowel sound when spelled out (an LED, an NA, an sCMOS).
    if word.isupper() and word[0] in "AEFHILMNORSX":
        return "an"
    return "an" if word[0].lower() in "aeio" else "a"


def length(micrometres: float) -> str:
    """A length in the unit readers expect: nm below 0.1 µm, else µm."""
    if micrometres < 0.1:
        return f"{number(micrometres * 1000)} nm"
    return f"{number(micrometres)} µm"


def duration(seconds: float) -> str:
    """``500 ms``, ``2.5 s``, ``5 min``, ``1.5 h``."""
    if seconds < 1:
        return f"{number(seconds * 1000)} ms"
    if seconds < 60 or seconds % 60:
        return f"{number(seconds)} s"
    if seconds < 3600 or seconds % 3600:
        return f"{number(seconds / 60)} min"
    return f"{number(seconds / 3600)} h"


def exposure(low: float, high: float) -> str:
    """One exposure time, or the range of several."""
    if low == high:
        return duration(low)
    return f"{duration(low)} to {duration(high)}"


def part_name(part: Any) -> str | None:
    """``manufacturer model`` of an instrument part, without repeating the maker in the model."""
    maker = getattr(part, "manufacturer", None)
    name = getattr(part, "model", None)
    if name and maker and name.lower().startswith(maker.lower()):
        maker = None
    text = " ".join(filter(None, [maker, name]))
    return text or None
