"""Streamed histograms and the contrast windows taken from them."""

from __future__ import annotations

import numpy as np
import pytest

from imagesteward.convert._histogram import ChannelStats, channel_stats, contrast_window


def test_integer_windows_are_exact_percentiles_of_the_sample() -> None:
    rng = np.random.default_rng(0)
    plane = rng.integers(100, 4000, (1, 512, 512), dtype=np.uint16)
    window = contrast_window(channel_stats(plane), np.dtype("uint16"))
    sample = plane[..., ::4, ::4].ravel()
    assert window["min"] == plane.min() and window["max"] == plane.max()
    assert abs(window["start"] - np.percentile(sample, 0.1)) <= 1
    assert abs(window["end"] - np.percentile(sample, 99.9)) <= 1


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "float32", "float64", "bool"])
def test_windows_for_other_types(dtype: str) -> None:
    rng = np.random.default_rng(1)
    plane = (rng.normal(size=(1, 256, 256)) * 40).astype(dtype)
    window = contrast_window(channel_stats(plane), np.dtype(dtype))
    assert window["min"] <= window["start"] < window["end"] <= window["max"] or dtype == "bool"
    if dtype.startswith("float"):
        sample = plane[..., ::4, ::4].astype(np.float64).ravel()
        assert window["start"] == pytest.approx(np.percentile(sample, 0.1), rel=0.02, abs=0.5)
        assert window["end"] == pytest.approx(np.percentile(sample, 99.9), rel=0.02, abs=0.5)


def test_nan_and_inf_are_ignored() -> None:
    plane = np.linspace(-5, 5, 64 * 64, dtype=np.float32).reshape(1, 64, 64)
    plane[0, 0, :8] = np.nan
    plane[0, 1, :8] = np.inf
    window = contrast_window(channel_stats(plane), np.dtype("float32"))
    assert np.isfinite(list(window.values())).all()
    assert window["max"] == pytest.approx(5.0)


def test_merging_parts_equals_the_whole_and_survives_json() -> None:
    rng = np.random.default_rng(2)
    plane = rng.integers(0, 255, (2, 64, 96), dtype=np.uint8)
    whole = channel_stats(plane)
    left = channel_stats(plane[..., :48], (0, 0))
    right = ChannelStats.from_json(channel_stats(plane[..., 48:], (0, 48)).to_json())
    merged = right.merge(left)
    np.testing.assert_array_equal(merged.counts, whole.counts)
    assert (merged.lo, merged.minimum, merged.maximum) == (whole.lo, whole.minimum, whole.maximum)


def test_flat_images_get_a_usable_window() -> None:
    window = contrast_window(channel_stats(np.full((1, 8, 8), 7, np.uint8)), np.dtype("uint8"))
    assert window["start"] == 7 and window["end"] == 8
