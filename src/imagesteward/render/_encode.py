"""8-bit RGB or grey pixels to JPEG, PNG or WebP bytes (imagecodecs).

Choices, measured on composited 512² fluorescence tiles (docs/render.md, "Encoding"):

* **JPEG**: libjpeg-turbo through ``jpeg8_encode``, 4:2:0 chroma subsampling (its default for
  RGB), ~0.8 ms per RGB tile at quality 85, ~0.5 ms grey.
* **PNG**: zlib level 1 with the run-length strategy and the *average* filter - 5-6 ms and
  smaller than level 6 with adaptive filters (22 ms) on noisy microscopy, while runs of
  background still compress.
* **WebP**: libwebp lossy at its fastest method (0): 20-40 % fewer bytes than JPEG at equal
  PSNR for 7-10x the CPU (5-13 ms); for clients on slow links, JPEG stays the default.
"""

from __future__ import annotations

import numpy as np

from imagesteward.errors import RenderError
from imagesteward.render._request import Format

__all__ = ["MEDIA_TYPES", "encode"]

#: HTTP ``Content-Type`` of each format, for the server.
MEDIA_TYPES: dict[str, str] = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}

_PNG_RLE = 3  # zlib Z_RLE
_PNG_AVERAGE = 64  # PNG_FILTER_AVG


def encode(pixels: np.ndarray, kind: Format, quality: int) -> bytes:
    """Encode ``(h, w)`` grey, ``(h, w, 3)`` RGB or ``(h, w, 4)`` RGBX uint8 pixels.

    RGBX (the fourth byte padding, as the compositor packs pixels) goes to libjpeg-turbo as it
    is - the same bytes as from RGB, without an interleaving copy; PNG and WebP get RGB.
    """
    import imagecodecs

    if pixels.ndim == 3 and pixels.shape[2] == 4:
        if kind == "jpeg" and pixels.flags.c_contiguous:
            cs = imagecodecs.JPEG8.CS
            try:
                return bytes(
                    imagecodecs.jpeg8_encode(
                        pixels, level=quality, colorspace=cs.EXT_RGBX, outcolorspace=cs.YCbCr
                    )
                )
            except (RuntimeError, ValueError) as error:
                raise RenderError(
                    f"cannot encode {pixels.shape} RGBX pixels as jpeg ({error})", format=kind
                ) from error
        pixels = pixels[..., :3]
    pixels = np.ascontiguousarray(pixels)
    try:
        if kind == "jpeg":
            return bytes(imagecodecs.jpeg8_encode(pixels, level=quality))
        if kind == "png":
            return bytes(
                imagecodecs.png_encode(pixels, level=1, strategy=_PNG_RLE, filter=_PNG_AVERAGE)
            )
        if pixels.ndim == 2:  # libwebp encodes RGB(A) only
            pixels = np.repeat(pixels[..., None], 3, axis=2)
        return bytes(imagecodecs.webp_encode(pixels, level=quality, method=0, lossless=False))
    except (RuntimeError, ValueError) as error:
        raise RenderError(
            f"cannot encode {pixels.shape} pixels as {kind} ({error})", format=kind
        ) from error
