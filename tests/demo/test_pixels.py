"""The demo pixels look like microscopy: structured, noisy where detectors are, stained right."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile
from numpy.typing import NDArray

from imagesteward.demo import DemoFile
from tests.demo.conftest import by_name


def _read(item: DemoFile, series: int = 0) -> NDArray[np.generic]:
    with tifffile.TiffFile(item.path) as tif:
        return np.asarray(tif.series[series].asarray())


def _otsu(values: NDArray[np.generic]) -> float:
    """Otsu's threshold of ``values`` over a 256-bin histogram."""
    counts, edges = np.histogram(np.asarray(values, dtype=np.float64), bins=256)
    centres = (edges[:-1] + edges[1:]) / 2
    weight = np.cumsum(counts)
    total = weight[-1]
    mean = np.cumsum(counts * centres)
    between = (mean[-1] * weight - mean * total) ** 2 / np.maximum(weight * (total - weight), 1)
    return float(centres[np.argmax(between)])


def _ashman_d(values: NDArray[np.generic]) -> tuple[float, float]:
    """Separation of the two classes either side of Otsu's threshold, and the upper share."""
    data = values.astype(np.float64).ravel()
    threshold = _otsu(data)
    low, high = data[data <= threshold], data[data > threshold]
    spread = np.sqrt((low.var() + high.var()) / 2)
    return float(abs(high.mean() - low.mean()) / spread), high.size / data.size


def _shift_correlation(plane: NDArray[np.generic], shift: int) -> float:
    data = plane.astype(np.float64)
    a, b = data[:, :-shift].ravel(), data[:, shift:].ravel()
    return float(np.corrcoef(a, b)[0, 1])


def test_nuclei_stand_out_from_the_background(demo: list[DemoFile]) -> None:
    dapi = _read(by_name(demo, "widefield"))[0]
    separation, nuclei = _ashman_d(dapi)
    assert separation > 2.0, "DAPI histogram should be bimodal: background and nuclei"
    assert 0.05 < nuclei < 0.6


def test_fluorescence_has_a_camera_offset_and_noise(demo: list[DemoFile]) -> None:
    image = _read(by_name(demo, "widefield"))
    for plane in image:
        background = plane[plane < np.percentile(plane, 20)]
        assert 95 < np.median(background) < 160  # offset 100 plus dim autofluorescence
    dapi = image[0].astype(np.float64)
    dark = dapi < np.percentile(dapi, 30)
    # Neighbouring background pixels differ by shot and read noise (a few counts), not by
    # structure: sqrt(2) x sqrt(shot + read noise variance) / gain.
    difference = np.diff(dapi, axis=1)[dark[:, 1:] & dark[:, :-1]]
    assert 3 < difference.std() < 20


def test_fluorescence_is_structured_not_noise(demo: list[DemoFile]) -> None:
    for plane in _read(by_name(demo, "widefield")):
        assert _shift_correlation(plane, 2) > 0.5
    noise = np.random.default_rng(0).poisson(200, (512, 512))
    assert abs(_shift_correlation(noise, 2)) < 0.05


def test_each_channel_shows_its_own_structure(demo: list[DemoFile]) -> None:
    dapi, tubulin, mitochondria = (p.astype(np.float64) for p in _read(by_name(demo, "widefield")))
    assert np.corrcoef(dapi.ravel(), tubulin.ravel())[0, 1] < 0.8
    assert np.corrcoef(tubulin.ravel(), mitochondria.ravel())[0, 1] < 0.9


def test_confocal_stack_passes_through_the_cells(demo: list[DemoFile]) -> None:
    stack = _read(by_name(demo, "zstack")).astype(np.float64)  # (z, c, y, x)
    assert stack.max() <= 4095 and stack.min() >= 0  # 12-bit detector
    for channel in (0, 1):
        profile = stack[:, channel].mean(axis=(1, 2))
        peak = int(np.argmax(profile))
        assert 3 < peak < 30, "the cells lie inside the stack"
        assert profile[-1] < 0.3 * profile[peak], "the top sections are above the cells"
        assert profile[0] < 0.6 * profile[peak], "the first sections are below the coverslip"


def test_confocal_stack_lamina_is_a_shell(demo: list[DemoFile]) -> None:
    # Through the middle of a nucleus the lamina is crossed twice: below and above.
    lamina = _read(by_name(demo, "zstack"))[:, 1].astype(np.float64)
    ring = lamina.max(axis=0)
    y, x = np.unravel_index(np.argmax(ring), ring.shape)
    column = lamina[:, max(0, y - 40) : y + 40, max(0, x - 40) : x + 40].mean(axis=(1, 2))
    assert column.max() > 1.5 * np.median(lamina)


def test_time_lapse_cells_move(demo: list[DemoFile]) -> None:
    movie = _read(by_name(demo, "live")).astype(np.float64)  # (t, c, y, x)
    nuclei = movie[:, 0]

    def similarity(a: int, b: int) -> float:
        return float(np.corrcoef(nuclei[a].ravel(), nuclei[b].ravel())[0, 1])

    assert similarity(0, 1) > similarity(0, 12) > similarity(0, 23) - 0.2
    assert similarity(0, 23) < 0.7, "cells drift and divide over two hours"
    assert not np.array_equal(movie[0], movie[1])
    bleaching = nuclei[-1].sum() / nuclei[0].sum()
    assert 0.6 < bleaching < 1.1


def test_screen_fields_differ_but_look_alike(demo: list[DemoFile]) -> None:
    item = by_name(demo, "screen")
    fields = [_read(item, series) for series in range(4)]
    assert not np.array_equal(fields[0], fields[1])
    means = [float(f[0].mean()) for f in fields]
    assert max(means) < 2.5 * min(means)
    for field in fields:
        separation, _ = _ashman_d(field[0])
        assert separation > 2.0


def test_he_section_is_pink_and_purple_on_white_glass(demo: list[DemoFile]) -> None:
    with tifffile.TiffFile(by_name(demo, "he_section").path) as tif:
        rgb = np.asarray(tif.series[0].levels[1].asarray()).astype(np.int32)  # 2048 x 2048
    red, green, blue = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    glass = (red > 225) & (green > 225) & (blue > 225)
    tissue = ~glass
    assert 0.4 < tissue.mean() < 0.95
    stained = tissue & (red > green) & (blue > green)
    assert stained.sum() / tissue.sum() > 0.9, "H&E: red and blue over green"
    nuclei = tissue & (blue > red) & (red + green + blue < 450)
    assert 0.02 < nuclei.sum() / tissue.sum() < 0.5, "purple haematoxylin nuclei"
    assert np.abs(np.diff(rgb[..., 1], axis=1)).mean() > 1  # texture and grain, not flat fills


def test_em_image_has_dark_membranes_on_grey(demo: list[DemoFile]) -> None:
    image = _read(by_name(demo, "tem")).astype(np.float64)
    assert 80 < image.mean() < 180
    assert np.percentile(image, 1) < 0.6 * np.median(image), "dark stained structures"
    assert np.percentile(image, 99) > 1.2 * np.median(image), "bright resin outside the cell"
    assert _shift_correlation(image, 2) > 0.5


def test_the_5d_time_lapse_focuses_through_moving_cells(demo: list[DemoFile]) -> None:
    movie = _read(by_name(demo, "4d")).astype(np.float64)  # (t, z, c, y, x)
    frames, sections = movie.shape[:2]
    assert (frames, sections, movie.shape[2]) == (5, 7, 2)
    middle = sections // 2
    for channel in (0, 1):
        # The middle section is in focus: sharpest (largest neighbour differences) and
        # brightest above the background; the outer sections are blurred and dimmer.
        def sharpness(z: int, c: int = channel) -> float:
            return float(np.abs(np.diff(movie[0, z, c], axis=1)).mean())

        assert sharpness(middle) > 1.2 * sharpness(0)
        assert sharpness(middle) > 1.2 * sharpness(sections - 1)
        signal = movie[0, :, channel].mean(axis=(1, 2))
        assert signal[middle] > signal[0] and signal[middle] > signal[-1]
    nuclei = movie[:, middle, 0]
    first_last = float(np.corrcoef(nuclei[0].ravel(), nuclei[-1].ravel())[0, 1])
    first_next = float(np.corrcoef(nuclei[0].ravel(), nuclei[1].ravel())[0, 1])
    assert first_next > first_last, "cells move between time points"
    assert not np.array_equal(movie[0], movie[1])


@pytest.mark.parametrize("kind", ["widefield", "overview", "zstack", "live", "4d", "screen"])
def test_counts_stay_within_the_detector_range(demo: list[DemoFile], kind: str) -> None:
    item = by_name(demo, kind)
    bits = item.expected["series"][0]["significant_bits"]
    data = _read(item)
    assert data.dtype == np.uint16
    assert int(data.max()) < 2**bits
    assert int(data.max()) > 2 ** (bits - 4), "the dynamic range is used"
