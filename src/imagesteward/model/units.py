r"""Unit normalisation: lengths to µm, wavelengths to nm, times to s.

Files store physical quantities in whatever unit their writer chose (OME-XML allows any SI
length; ImageJ headers say ``nm`` or ``\\u00B5m``; MRC uses Å; DICOM mm). Values are converted,
never copied with an assumed unit. ``pixel`` and unknown units give ``None``: no calibration is
better than a wrong one.
"""

from __future__ import annotations

import math

__all__ = ["length_to_micrometres", "time_to_seconds", "wavelength_to_nanometres"]

# Symbols are case-sensitive (Pm is a petametre, pm a picometre); spelled-out names are not.
_LENGTH_SYMBOLS_IN_UM: dict[str, float] = {
    "ym": 1e-18,
    "zm": 1e-15,
    "am": 1e-12,
    "fm": 1e-9,
    "pm": 1e-6,
    "Å": 1e-4,
    "nm": 1e-3,
    "µm": 1.0,
    "μm": 1.0,
    "um": 1.0,
    "mm": 1e3,
    "cm": 1e4,
    "dm": 1e5,
    "m": 1e6,
    "dam": 1e7,
    "hm": 1e8,
    "km": 1e9,
    "Mm": 1e12,
    "Gm": 1e15,
    "Tm": 1e18,
    "Pm": 1e21,
    "thou": 25.4,
    "li": 25400.0 / 12,
    "in": 25400.0,
    "ft": 304800.0,
    "yd": 914400.0,
    "mi": 1609344e3,
    "pt": 25400.0 / 72,
}
_LENGTH_WORDS_IN_UM: dict[str, float] = {
    "angstrom": 1e-4,
    "ångström": 1e-4,
    "å": 1e-4,
    "nanometer": 1e-3,
    "nanometre": 1e-3,
    "nanometers": 1e-3,
    "nanometres": 1e-3,
    "micron": 1.0,
    "microns": 1.0,
    "micrometer": 1.0,
    "micrometre": 1.0,
    "micrometers": 1.0,
    "micrometres": 1.0,
    "millimeter": 1e3,
    "millimetre": 1e3,
    "centimeter": 1e4,
    "centimetre": 1e4,
    "meter": 1e6,
    "metre": 1e6,
    "inch": 25400.0,
}
_TIME_SYMBOLS_IN_S: dict[str, float] = {
    "ys": 1e-24,
    "zs": 1e-21,
    "as": 1e-18,
    "fs": 1e-15,
    "ps": 1e-12,
    "ns": 1e-9,
    "µs": 1e-6,
    "μs": 1e-6,
    "us": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "min": 60.0,
    "h": 3600.0,
    "d": 86400.0,
}
_TIME_WORDS_IN_S: dict[str, float] = {
    "sec": 1.0,
    "second": 1.0,
    "seconds": 1.0,
    "millisecond": 1e-3,
    "milliseconds": 1e-3,
    "minute": 60.0,
    "minutes": 60.0,
    "hour": 3600.0,
    "hours": 3600.0,
}


def _factor(unit: str, symbols: dict[str, float], words: dict[str, float]) -> float | None:
    text = unit.strip()
    # ImageJ writes the micro sign escaped; decode it rather than reading "u00B5m" as unknown.
    for escaped in ("\\u00B5", "\\u00b5", "\\u03BC", "\\u03bc"):
        text = text.replace(escaped, "µ")
    if text in symbols:
        return symbols[text]
    return words.get(text.casefold())


def length_to_micrometres(value: float | None, unit: str | None) -> float | None:
    """Convert a length to micrometres.

    Returns ``None`` when the value is missing, not finite, not positive, or the unit is absent,
    ``pixel`` or unknown: such values are not calibrations.
    """
    if value is None or unit is None:
        return None
    factor = _factor(unit, _LENGTH_SYMBOLS_IN_UM, _LENGTH_WORDS_IN_UM)
    number = float(value)
    if factor is None or not math.isfinite(number) or number <= 0:
        return None
    return number if factor == 1.0 else _tidy(number * factor)


def _tidy(number: float) -> float:
    # Unit factors such as 1e-6 are inexact in binary; 12 significant digits remove the noise
    # (610500 pm -> 610.5 nm, not 610.4999999999999) and stay far below any instrument's precision.
    return float(f"{number:.12g}")


def wavelength_to_nanometres(value: float | None, unit: str | None = "nm") -> float | None:
    """Convert a wavelength to nanometres; ``None`` for missing, unknown or non-positive values."""
    micrometres = length_to_micrometres(value, unit)
    return None if micrometres is None else _tidy(micrometres * 1e3)


def time_to_seconds(value: float | None, unit: str | None = "s") -> float | None:
    """Convert a duration to seconds; ``None`` for missing, unknown or negative values."""
    if value is None or unit is None:
        return None
    factor = _factor(unit, _TIME_SYMBOLS_IN_S, _TIME_WORDS_IN_S)
    number = float(value)
    if factor is None or not math.isfinite(number) or number < 0:
        return None
    return number if factor == 1.0 else _tidy(number * factor)
