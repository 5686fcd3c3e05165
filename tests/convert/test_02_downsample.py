"""Pyramid reductions: exact means and modes, for every dtype, any size, any cut."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from imagesteward.convert._downsample import downsample


def reference_mean(block: np.ndarray, factors: tuple[int, ...]) -> np.ndarray:
    """Edge-padded block mean, integers rounded half up, computed with Python integers."""
    pad = [(0, n % 2) if f == 2 else (0, 0) for n, f in zip(block.shape, factors, strict=True)]
    padded = np.pad(block, pad, mode="edge")
    out_shape = tuple(-(-n // f) for n, f in zip(block.shape, factors, strict=True))
    out = np.empty(out_shape, dtype=block.dtype)
    count = int(np.prod(factors))
    for index in np.ndindex(*out_shape):
        window = tuple(slice(i * f, i * f + f) for i, f in zip(index, factors, strict=True))
        values = padded[window].ravel()
        if block.dtype.kind in "iub":
            total = sum(int(v) for v in values)
            mean = (total + count // 2) // count
            out[index] = bool(mean) if block.dtype.kind == "b" else mean
        else:
            wide = np.complex128 if block.dtype.kind == "c" else np.float64
            out[index] = values.astype(wide).sum() / count
    return out


INT_TYPES = ["uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64"]


@pytest.mark.parametrize("dtype", INT_TYPES)
@pytest.mark.parametrize("factors", [(2, 2), (1, 2), (2, 2, 2), (1, 2, 2)])
def test_integer_means_are_exact_including_extremes(dtype: str, factors: tuple[int, ...]) -> None:
    info = np.iinfo(dtype)
    rng = np.random.default_rng(len(dtype) + len(factors))
    shape = (5, 7, 9)[-len(factors) :]
    block = rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)
    block.flat[0] = info.max
    block.flat[1] = info.max
    block.flat[-1] = info.min
    result = downsample(block, factors)
    np.testing.assert_array_equal(result, reference_mean(block, factors))
    assert result.dtype == block.dtype and result.flags.c_contiguous


def test_rounding_is_half_up_for_negative_values() -> None:
    block = np.array([[-1, -2], [-1, -2]], dtype=np.int8)  # mean -1.5
    assert downsample(block, (2, 2))[0, 0] == -1
    block = np.array([[1, 2], [1, 2]], dtype=np.uint8)  # mean 1.5
    assert downsample(block, (2, 2))[0, 0] == 2


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "complex64"])
def test_float_means(dtype: str) -> None:
    rng = np.random.default_rng(1)
    block = (rng.normal(size=(6, 11)) * 100).astype(dtype)
    result = downsample(block, (2, 2))
    np.testing.assert_allclose(
        result.astype(np.complex128),
        reference_mean(block, (2, 2)).astype(np.complex128),
        rtol=1e-3 if dtype == "float16" else 1e-6,
    )


def test_bool_mean_is_a_majority_with_ties_true() -> None:
    block = np.array([[True, False, False, False], [True, False, False, False]])
    np.testing.assert_array_equal(downsample(block, (2, 2)), [[True, False]])


def test_mode_keeps_label_values() -> None:
    block = np.array([[1, 1, 5, 6], [1, 2, 7, 8], [3, 3, 9, 9], [4, 4, 9, 0]], dtype=np.uint32)
    result = downsample(block, (2, 2), "mode")
    # 2x2 blocks: {1,1,1,2} -> 1; {5,6,7,8} tie -> first (5); {3,3,4,4} tie -> first (3); 9
    np.testing.assert_array_equal(result, [[1, 5], [3, 9]])
    assert set(np.unique(result)) <= set(np.unique(block))


@settings(max_examples=60, deadline=None)
@given(
    block=hnp.arrays(
        dtype=st.sampled_from([np.uint8, np.uint16, np.int16]),
        shape=hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=40),
    ),
    data=st.data(),
)
def test_cutting_at_even_offsets_does_not_change_the_result(
    block: np.ndarray, data: st.DataObject
) -> None:
    factors = tuple(data.draw(st.sampled_from([1, 2])) for _ in block.shape)
    axis = data.draw(st.integers(0, block.ndim - 1))
    cut = data.draw(st.integers(0, block.shape[axis] // 2)) * 2
    whole = downsample(block, factors)
    first, second = np.split(block, [cut], axis=axis)
    parts = [downsample(p, factors) for p in (first, second) if p.shape[axis]]
    np.testing.assert_array_equal(np.concatenate(parts, axis=axis), whole)


def test_large_blocks_are_processed_in_bands_with_the_same_result() -> None:
    rng = np.random.default_rng(2)
    block = rng.integers(0, 65535, (3, 777, 1203), dtype=np.uint16)
    expected = reference_mean(block[:, :64, :64], (1, 2, 2))
    np.testing.assert_array_equal(downsample(block, (1, 2, 2))[:, :32, :32], expected)
    halves = [downsample(block[:, :, :600], (1, 2, 2)), downsample(block[:, :, 600:], (1, 2, 2))]
    np.testing.assert_array_equal(np.concatenate(halves, axis=2), downsample(block, (1, 2, 2)))


def test_factors_must_be_one_or_two() -> None:
    with pytest.raises(ValueError, match="1 or 2"):
        downsample(np.zeros((4, 4)), (4, 1))
