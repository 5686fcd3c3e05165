"""The pixel building blocks: noise, blur, drawing and detectors behave as documented."""

from __future__ import annotations

import math

import numpy as np
import pytest

from imagesteward.demo.detectors import point_detector, scmos_camera, shot_noise
from imagesteward.demo.drawing import outline_distance, splat, stamp, trace_paths, upsample
from imagesteward.demo.noise import per_axis, random_stream, smooth_noise, tiled_noise
from imagesteward.demo.optics import blur_planes, gaussian_blur


def test_random_streams_are_stable_and_independent() -> None:
    a = random_stream(0, "file.tif").random(4)
    assert np.array_equal(a, random_stream(0, "file.tif").random(4))
    assert not np.array_equal(a, random_stream(0, "other.tif").random(4))
    assert not np.array_equal(a, random_stream(1, "file.tif").random(4))


def test_smooth_noise_is_standardised_and_smooth() -> None:
    field = smooth_noise((256, 256), 16.0, random_stream(0, "noise"))
    assert abs(float(field.mean())) < 0.1 and abs(float(field.std()) - 1) < 0.1
    neighbours = np.corrcoef(field[:, :-1].ravel(), field[:, 1:].ravel())[0, 1]
    assert neighbours > 0.95
    fibres = smooth_noise((128, 128), (2.0, 32.0), random_stream(0, "fibres"))
    along = np.abs(np.diff(fibres, axis=1)).mean()
    across = np.abs(np.diff(fibres, axis=0)).mean()
    assert across > 4 * along


def test_tiled_noise_repeats_seamlessly() -> None:
    texture = tiled_noise((300, 300), 8.0, random_stream(0, "tile"), tile=128)
    assert np.array_equal(texture[:128, :128], texture[128:256, 128:256])
    seam = np.abs(texture[:, 127] - texture[:, 128]).mean()
    inside = np.abs(np.diff(texture[:, 10:120], axis=1)).mean()
    assert seam < 2 * inside


def test_per_axis_checks_its_length() -> None:
    assert per_axis(2, 3) == (2.0, 2.0, 2.0)
    with pytest.raises(ValueError, match="expected 2 values"):
        per_axis((1.0, 2.0, 3.0), 2)


def test_gaussian_blur_keeps_the_light_and_spreads_it() -> None:
    image = np.zeros((101, 101), dtype=np.float32)
    image[50, 50] = 1000.0
    blurred = gaussian_blur(image, 3.0)
    assert math.isclose(float(blurred.sum()), 1000.0, rel_tol=1e-3)
    profile = blurred[50]
    width = math.sqrt(float((profile * (np.arange(101) - 50) ** 2).sum() / profile.sum()))
    assert width == pytest.approx(3.0, rel=0.05)
    halo = gaussian_blur(image, 3.0, halo_px=15.0, halo_weight=0.2)
    assert halo[50, 50] < blurred[50, 50] and halo[50, 90] > blurred[50, 90]


def test_gaussian_blur_does_not_wrap_around() -> None:
    image = np.zeros((64, 64), dtype=np.float32)
    image[:, :4] = 100.0
    assert float(gaussian_blur(image, 2.0)[:, -4:].max()) < 1e-3


def test_blur_planes_widens_with_each_planes_sigma() -> None:
    volume = np.zeros((3, 41, 41), dtype=np.float32)
    volume[:, 20, 20] = 1.0
    blurred = blur_planes(volume, [0.5, 1.0, 2.0])
    peaks = blurred[:, 20, 20]
    assert peaks[0] > peaks[1] > peaks[2]
    assert np.allclose(blurred.sum(axis=(1, 2)), 1.0, atol=1e-4)


def test_splat_shares_points_between_pixels() -> None:
    image = splat((4, 4), [1.5, 10.0], [1.25, 1.0], [8.0, 5.0])
    assert float(image.sum()) == pytest.approx(8.0)  # the second point is outside
    assert image[1, 1] == pytest.approx(3.0) and image[2, 2] == pytest.approx(1.0)


def test_trace_paths_keeps_its_step_length() -> None:
    ys, xs = trace_paths([0.0], [0.0], [0.0], 50, 0.5, 0.1, random_stream(0, "paths"))
    steps = np.hypot(np.diff(ys[0]), np.diff(xs[0]))
    assert np.allclose(steps, 0.5, atol=1e-4)


def test_stamp_draws_ellipses_of_the_right_area() -> None:
    image = stamp((200, 200), [100.0], [100.0], 20.0, 40.0, angle=0.3, edge_px=1.0)
    assert float(image.sum()) == pytest.approx(math.pi * 20 * 40, rel=0.02)
    assert image.max() <= 1.0 + 1e-6
    ring = stamp((200, 200), [100.0], [100.0], 30.0, 30.0, edge_px=1.5, profile="ring")
    assert ring[100, 100] < 1e-3 and ring[100, 130] > 0.9


def test_stamp_large_soft_shapes_match_the_direct_drawing() -> None:
    # Soft edges of several pixels are drawn on a coarser grid; the result must agree.
    soft = stamp((160, 160), [80.0], [80.0], 50.0, 50.0, edge_px=6.0)
    assert float(soft.sum()) == pytest.approx(math.pi * 50 * 50, rel=0.03)
    assert soft[80, 80] == pytest.approx(1.0, abs=0.02) and soft[0, 0] < 0.01


def test_outline_distance_is_signed() -> None:
    dy = np.array([0.0, 0.0, 0.0], dtype=np.float32)
    dx = np.array([0.0, 10.0, 20.0], dtype=np.float32)
    distance, rho = outline_distance(dy, dx, 10.0, 10.0, 0.0)
    assert distance[0] == pytest.approx(-10) and distance[1] == pytest.approx(0, abs=1e-5)
    assert distance[2] == pytest.approx(10) and rho[1] == pytest.approx(1)


def test_upsample_interpolates_between_coarse_pixels() -> None:
    coarse = np.array([[0.0, 4.0]], dtype=np.float32)
    fine = upsample(coarse, 4, (4, 8))
    assert fine.shape == (4, 8)
    assert np.allclose(fine, [[0, 0, 0.5, 1.5, 2.5, 3.5, 4, 4]] * 4)


@pytest.mark.parametrize("mean", [0.2, 3.0, 50.0, 2000.0])
def test_shot_noise_has_poisson_statistics(mean: float) -> None:
    counts = shot_noise(np.full(200_000, mean, dtype=np.float32), random_stream(0, "shot"))
    assert counts.min() >= 0 and np.array_equal(counts, np.rint(counts))
    assert float(counts.mean()) == pytest.approx(mean, rel=0.02)
    assert float(counts.var()) == pytest.approx(mean, rel=0.05)


def test_scmos_camera_adds_offset_and_read_noise() -> None:
    dark = scmos_camera(np.zeros((256, 256)), random_stream(0, "camera"), read_noise_e=1.4)
    assert dark.dtype == np.uint16
    assert float(dark.mean()) == pytest.approx(100, abs=0.2)
    assert float(dark.std()) == pytest.approx(1.4 / 0.5, rel=0.1)
    bright = scmos_camera(np.full((8, 8), 1e6), random_stream(0, "camera"))
    assert bright.max() == 65535  # saturation


def test_point_detector_is_limited_to_its_bits() -> None:
    photons = np.array([0.0, 5.0, 1e4], dtype=np.float32)
    counts = point_detector(photons, random_stream(0, "pmt"), adu_per_photon=30.0, bits=12)
    assert counts.dtype == np.uint16 and counts[2] == 4095
    assert counts[0] < 5
