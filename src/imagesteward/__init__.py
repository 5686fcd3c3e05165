"""imagesteward: FAIR-from-the-start microscopy image data for imaging core facilities."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("imagesteward")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"

__all__ = ["__version__"]
