"""Writing demo pixels to disk as OME-TIFF and ImageJ TIFF, deterministically.

OME-TIFF: the OME-XML document is built with ome-types by the caller; the writer fills in the
``TiffData`` blocks that map each image's planes to IFDs, puts the XML in the first IFD's
ImageDescription and writes the planes with tifffile in ``XYCZT`` order. Pyramids (for the
brightfield slide) are stored the way Bio-Formats writes them: full resolution in the main IFD
chain, each plane's lower resolutions as SubIFDs. Nothing time- or machine-dependent is
written, so the same pixels and metadata give the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import tifffile
from numpy.typing import NDArray
from ome_types import model as ome
from ome_types import to_xml

__all__ = ["SOFTWARE", "pyramid_levels", "write_imagej_tiff", "write_ome_tiff"]

SOFTWARE = "imagesteward demo generator"
"""Value of the TIFF Software tag of every demo file."""

_TILE = 256
_SMALLEST_LEVEL = 512


def pyramid_levels(image: NDArray[np.uint8]) -> list[NDArray[np.uint8]]:
    """Halve an interleaved RGB image until its longer side is at most 512 pixels.

    Each level averages 2 x 2 blocks of the level above (an odd last row or column is
    repeated), as slide scanners and bfconvert do.

    Parameters
    ----------
    image
        Full-resolution image of shape ``(y, x, samples)``.

    Returns
    -------
    list of numpy.ndarray
        The full-resolution image followed by each smaller level.
    """
    levels = [image]
    while max(levels[-1].shape[:2]) > _SMALLEST_LEVEL:
        level = levels[-1]
        pad = ((0, level.shape[0] % 2), (0, level.shape[1] % 2), (0, 0))
        even = np.pad(level, pad, mode="edge").astype(np.uint16)
        summed = even[0::2, 0::2] + even[1::2, 0::2] + even[0::2, 1::2] + even[1::2, 1::2]
        levels.append(((summed + 2) // 4).astype(np.uint8))
    return levels


def _resolution(pixels: ome.Pixels) -> tuple[float, float] | None:
    """TIFF resolution (pixels per cm) matching the OME physical size, when given in µm."""
    size_x, size_y = pixels.physical_size_x, pixels.physical_size_y
    if size_x is None or size_y is None or pixels.physical_size_x_unit.value != "µm":
        return None
    return (1e4 / size_x, 1e4 / size_y)


def write_ome_tiff(
    path: Path,
    document: ome.OME,
    series: Sequence[NDArray[np.generic]],
    *,
    compression: str = "zlib",
    pyramid: bool = False,
) -> list[list[tuple[int, ...]]]:
    """Write one OME-TIFF holding every image of ``document``.

    Parameters
    ----------
    path
        File to write (replaced if it exists).
    document
        OME metadata with one ``Image`` per entry of ``series``, dimension order ``XYCZT``.
        Its ``TiffData`` blocks are set here.
    series
        Pixels of each image: ``(t, z, c, y, x)`` for grey-level data or ``(y, x, 3)`` for an
        interleaved RGB image (one plane).
    compression
        TIFF compression: ``zlib`` (lossless) or ``jpeg`` (RGB slides).
    pyramid
        Also store 2x downsampled levels of each RGB plane as SubIFDs, tiled.

    Returns
    -------
    list of list of tuple of int
        Shape of every stored resolution level of each series.

    Raises
    ------
    ValueError
        If the number of images and arrays differ.
    """
    if len(document.images) != len(series):
        raise ValueError(f"{len(document.images)} OME images but {len(series)} pixel arrays")
    planes = [1 if _is_rgb(data) else int(np.prod(data.shape[:3])) for data in series]
    first_ifd = 0
    for image, count in zip(document.images, planes, strict=True):
        image.pixels.tiff_data_blocks = [ome.TiffData(ifd=first_ifd, plane_count=count)]
        first_ifd += count
    description = to_xml(document).encode("utf-8")
    # JPEG quality 90 as slide scanners use; zlib at its fastest level, which here compresses
    # nearly as well as the default level and four times faster.
    settings = {"level": 90 if compression == "jpeg" else 1}
    shapes: list[list[tuple[int, ...]]] = []
    with tifffile.TiffWriter(path, kind="generic") as tif:
        for index, (image, data) in enumerate(zip(document.images, series, strict=True)):
            resolution = _resolution(image.pixels)
            if _is_rgb(data):
                levels = pyramid_levels(np.asarray(data, dtype=np.uint8)) if pyramid else [data]
                for level_index, level in enumerate(levels):
                    factor = 2.0**-level_index
                    tif.write(
                        level,
                        photometric="rgb",
                        planarconfig="contig",
                        tile=(_TILE, _TILE),
                        compression=compression,
                        compressionargs=settings,
                        description=description if index == level_index == 0 else None,
                        metadata=None,
                        software=SOFTWARE,
                        resolution=None
                        if resolution is None
                        else (resolution[0] * factor, resolution[1] * factor),
                        resolutionunit="CENTIMETER" if resolution else None,
                        subifds=len(levels) - 1 if level_index == 0 else None,
                        subfiletype=1 if level_index else None,
                    )
                shapes.append([level.shape for level in levels])
            else:
                tif.write(
                    np.asarray(data).reshape(-1, *data.shape[-2:]),
                    photometric="minisblack",
                    compression=compression,
                    compressionargs=settings,
                    description=description if index == 0 else None,
                    metadata=None,
                    software=SOFTWARE,
                    resolution=resolution,
                    resolutionunit="CENTIMETER" if resolution else None,
                )
                shapes.append([tuple(data.shape)])
    return shapes


def _is_rgb(data: NDArray[np.generic]) -> bool:
    return data.ndim == 3 and data.shape[-1] == 3 and data.dtype == np.uint8


def write_imagej_tiff(path: Path, image: NDArray[np.generic], pixel_size: float, unit: str) -> None:
    """Write a single-channel image as an ImageJ TIFF calibrated in ``unit`` per pixel.

    Parameters
    ----------
    path
        File to write (replaced if it exists).
    image
        ``(y, x)`` or ``(z, y, x)`` pixels (uint8, uint16 or float32, as ImageJ supports).
    pixel_size
        Pixel width and height in ``unit``.
    unit
        Length unit as ImageJ writes it, e.g. ``nm``.
    """
    tifffile.imwrite(
        path,
        image,
        imagej=True,
        software=SOFTWARE,
        resolution=(1.0 / pixel_size, 1.0 / pixel_size),
        metadata={"unit": _imagej_escape(unit), "axes": "YX" if image.ndim == 2 else "ZYX"},
    )


def _imagej_escape(text: str) -> str:
    # ImageJ headers are ASCII; ImageJ itself writes the micro sign as the escape \u00B5.
    return "".join(char if ord(char) < 128 else f"\\u{ord(char):04X}" for char in text)
