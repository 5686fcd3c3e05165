"""Reading NGFF image metadata (0.4 and 0.5 spellings) into what a viewer needs.

Pure functions over parsed JSON: the multiscale (axes, units, level paths and scales), the
rendering hints (``omero``), and imagesteward's own attribute (the folded-channel mapping and
the model document, whose emission wavelengths give colours where ``omero`` has none).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from imagesteward.errors import RenderError, RenderRequestError

__all__ = ["ChannelHint", "Multiscale", "channel_hints", "ngff_block", "parse_multiscale"]

#: Colours of channels that have neither a colour nor a wavelength: white for a lone channel,
#: otherwise the usual fluorescence sequence.
_SEQUENCE = ("00FF00", "FF00FF", "00FFFF", "FF0000", "0000FF", "FFFF00")
_RGB = ("FF0000", "00FF00", "0000FF", "FFFFFF")


@dataclass(frozen=True, slots=True)
class Multiscale:
    """The first multiscale of an image group."""

    name: str | None
    axes: tuple[str, ...]
    units: tuple[str | None, ...]
    paths: tuple[str, ...]
    scales: tuple[tuple[float, ...], ...]


@dataclass(frozen=True, slots=True)
class ChannelHint:
    """Whatever the metadata says about one channel (``None`` where it is silent)."""

    name: str
    color: str | None
    window: tuple[float, float] | None
    data_range: tuple[float, float] | None
    visible: bool
    emission_wavelength: float | None


def ngff_block(attributes: dict[str, Any]) -> dict[str, Any]:
    """The NGFF metadata: ``attributes["ome"]`` in 0.5, the attributes themselves in 0.4."""
    block = attributes.get("ome", attributes)
    return block if isinstance(block, dict) else {}


def parse_multiscale(ngff: dict[str, Any], url: str, series_path: str) -> Multiscale:
    """The first ``multiscales`` entry; a collection or plate root is refused with a hint."""
    entries = ngff.get("multiscales")
    if not entries:
        if "bioformats2raw.layout" in ngff:
            hint = "a collection of images: give the image path, e.g. '0'"
        elif "plate" in ngff:
            wells = ngff["plate"].get("wells") or [{"path": "A/1"}]
            hint = f"a plate: give a field path, e.g. '{wells[0].get('path', 'A/1')}/0'"
        elif "well" in ngff:
            hint = "a well: give a field path below it, e.g. '0'"
        else:
            hint = "a group without NGFF multiscales"
        raise RenderRequestError("series_path", series_path, f"{url}/{series_path} is {hint}")
    try:
        entry = entries[0]
        axes, units = [], []
        for axis in entry["axes"]:
            # NGFF 0.3 wrote plain axis names; 0.4+ objects with name/type/unit. Names are free
            # text: registered originals may say "C", "Y", "X" where our conversions say "c".
            axes.append(str(axis if isinstance(axis, str) else axis["name"]).lower())
            units.append(None if isinstance(axis, str) else axis.get("unit"))
        top = _scale(entry.get("coordinateTransformations"), len(axes))
        paths, scales = [], []
        for dataset in entry["datasets"]:
            paths.append(str(dataset["path"]))
            own = _scale(dataset.get("coordinateTransformations"), len(axes))
            scales.append(tuple(a * b for a, b in zip(own, top, strict=True)))
        if not paths:
            raise ValueError("no datasets")
    except (KeyError, TypeError, IndexError, ValueError) as error:
        raise RenderError(
            f"{url}/{series_path}: malformed NGFF multiscales ({error!r})", url=url
        ) from error
    return Multiscale(entry.get("name"), tuple(axes), tuple(units), tuple(paths), tuple(scales))


def _scale(transforms: list[dict[str, Any]] | None, n: int) -> tuple[float, ...]:
    for transform in transforms or []:
        if transform.get("type") == "scale" and "scale" in transform:
            values = tuple(float(v) for v in transform["scale"])
            if len(values) != n:
                raise ValueError(f"scale {values} for {n} axes")
            return values
    return (1.0,) * n


def rgb_samples(attributes: dict[str, Any], size_c: int, dtype: str) -> int:
    """3 or 4 when the channels are the samples of one interleaved 8-bit RGB(A) image, else 0."""
    fold = ((attributes.get("imagesteward") or {}).get("mapping") or {}).get("fold") or {}
    sizes = dict(zip(fold.get("axes", []), fold.get("sizes", []), strict=False))
    samples = sizes.get("S", 0)
    if dtype == "uint8" and samples in (3, 4) and size_c == samples:
        return int(samples)
    return 0


def wavelength_color(nm: float) -> str:
    """The primary a wavelength is conventionally shown in (OMERO's bands, plus far-red).

    Additive compositing of pure primaries keeps co-localisation readable (yellow = red + green),
    which hue-accurate spectral colours do not.
    """
    if nm < 500:
        return "0000FF"
    if nm < 560:
        return "00FF00"
    if nm < 650:
        return "FF0000"
    return "FF00FF"


def channel_hints(attributes: dict[str, Any], size_c: int, dtype: str) -> list[ChannelHint]:
    """What the metadata says about each of ``size_c`` channels, defaults filled where it can."""
    omero = ngff_block(attributes).get("omero") or {}
    declared = omero.get("channels") or []
    steward = attributes.get("imagesteward") or {}
    wavelengths = _emission_wavelengths(steward, size_c)
    samples = rgb_samples(attributes, size_c, dtype)
    hints = []
    for c in range(size_c):
        entry = declared[c] if c < len(declared) and isinstance(declared[c], dict) else {}
        window = entry.get("window") or {}
        label = entry.get("label")
        color = _hex(entry.get("color"))
        if samples:
            color = _RGB[c]  # pass-through needs the primaries, whatever the hints say
        elif color is None and wavelengths[c] is not None:
            color = wavelength_color(wavelengths[c] or 0.0)
        elif color is None:
            color = "FFFFFF" if size_c == 1 else _SEQUENCE[c % len(_SEQUENCE)]
        hints.append(
            ChannelHint(
                name=str(label) if label else (("RGBA"[c]) if samples else f"Channel {c}"),
                color=color,
                # Brightfield RGB is shown as acquired: the full 8-bit range, not a stretch.
                window=(0.0, 255.0) if samples else _pair(window, "start", "end"),
                data_range=_pair(window, "min", "max"),
                visible=bool(entry.get("active", True)) and not (samples and c == 3),
                emission_wavelength=wavelengths[c],
            )
        )
    return hints


def _pair(block: dict[str, Any], low: str, high: str) -> tuple[float, float] | None:
    try:
        return float(block[low]), float(block[high])
    except (KeyError, TypeError, ValueError):
        return None


def _hex(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = value.lstrip("#").upper()
    if len(text) != 6 or any(ch not in "0123456789ABCDEF" for ch in text):
        return None
    return text


def _emission_wavelengths(steward: dict[str, Any], size_c: int) -> list[float | None]:
    """Per output channel, the emission (else excitation) wavelength of its source channel."""
    image = steward.get("image") or {}
    by_index = {
        ch.get("channel_index"): ch for ch in image.get("channels") or [] if isinstance(ch, dict)
    }
    mapping = {e.get("c"): e.get("source") or {} for e in steward.get("channels") or []}
    out: list[float | None] = []
    for c in range(size_c):
        source = mapping.get(c, {"C": c} if not mapping else None)
        channel = by_index.get(source.get("C", 0)) if source is not None else None
        value = None
        if channel is not None:
            value = channel.get("emission_wavelength") or channel.get("excitation_wavelength")
        out.append(float(value) if isinstance(value, int | float) and value > 0 else None)
    return out
