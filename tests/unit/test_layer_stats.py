"""initlab.layer_stats: one statistic per layer, and its mean and standard error over seeds."""

import math

import numpy as np
import pytest

from initlab import layer_stats

ARRAYS = [np.array([[1.0, -1.0], [3.0, -3.0]]), np.array([2.0, 4.0], dtype=np.float32)]


def test_mean_squares_by_hand():
    # (1 + 1 + 9 + 9) / 4 = 5 and (4 + 16) / 2 = 10
    np.testing.assert_array_equal(layer_stats.mean_squares(ARRAYS), [5.0, 10.0])


def test_variances_subtract_the_mean_and_stds_are_their_roots():
    # first array: mean 0, so its variance is its mean square; second: mean 3, deviations ±1
    np.testing.assert_array_equal(layer_stats.variances(ARRAYS), [5.0, 1.0])
    np.testing.assert_array_equal(layer_stats.stds(ARRAYS), [math.sqrt(5.0), 1.0])


def test_statistics_are_float64_even_for_float32_layers():
    # (1 + 2⁻²³)² needs more bits than float32 has: squared in float32 it would round to 1 + 2⁻²²
    a = np.array([1.0, 1.0 + 2 ** -23], dtype=np.float32)
    result = layer_stats.mean_squares([a])
    assert result.dtype == np.float64
    assert result[0] == (1.0 + (1.0 + 2 ** -23) ** 2) / 2


def test_stds_match_numpy_bit_for_bit():
    gen = np.random.default_rng(0)
    arrays = [gen.standard_normal((32, 16)).astype(np.float32) for _ in range(3)]
    np.testing.assert_array_equal(layer_stats.stds(arrays), [np.std(a, dtype=np.float64) for a in arrays])


def test_float16_layers_whose_squares_overflow_float16_are_measured():
    big = np.array([6e4, -6e4], dtype=np.float16)
    assert layer_stats.stds([big])[0] == pytest.approx(float(big[0]), rel=1e-12)


def test_overflow_is_kept_as_inf_not_hidden():
    big = np.array([1e200, 1e200])
    with np.errstate(all="raise"):  # no warning may escape either
        assert layer_stats.mean_squares([big])[0] == math.inf
    assert np.isnan(layer_stats.variances([np.array([np.inf, 1.0])])[0])
    assert layer_stats.stds([np.array([np.inf, np.inf])]).size == 1


@pytest.mark.parametrize("function", [layer_stats.mean_squares, layer_stats.variances, layer_stats.stds])
def test_per_layer_statistics_reject_a_single_array_naming_the_argument(function):
    with pytest.raises(TypeError, match="arrays must be a list of arrays"):
        function(np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"arrays\[1\] must be a non-empty numeric array"):
        function([np.ones(2), np.ones(0)])


def test_standard_error_by_hand():
    # samples 1, 2, 3, 4: sample std sqrt(5/3), n = 4
    assert layer_stats.standard_error([1.0, 2.0, 3.0, 4.0]) == pytest.approx(math.sqrt(5 / 3) / 2, rel=1e-15)
    two_columns = np.array([[1.0, 10.0], [3.0, 10.0]])
    np.testing.assert_allclose(layer_stats.standard_error(two_columns), [1.0, 0.0])  # std √2, over √2
    np.testing.assert_allclose(layer_stats.standard_error(two_columns, axis=1), [4.5, 3.5])  # |b - a| / 2


def test_standard_error_equals_the_formula_bit_for_bit():
    samples = np.random.default_rng(1).standard_normal((7, 5))
    np.testing.assert_array_equal(layer_stats.standard_error(samples),
                                  samples.std(axis=0, ddof=1) / math.sqrt(7))


def test_standard_error_needs_two_samples():
    with pytest.raises(ValueError, match="samples needs at least 2 entries along axis 0"):
        layer_stats.standard_error([1.0])
    with pytest.raises(ValueError, match="samples must be an array with at least one axis"):
        layer_stats.standard_error(3.0)


def test_over_seeds_stacks_one_row_per_seed():
    stats = layer_stats.over_seeds(lambda seed: [seed, 2.0 * seed, 5.0], seeds=[1, 3])
    assert stats.seeds == (1, 3)
    np.testing.assert_array_equal(stats.samples, [[1, 2, 5], [3, 6, 5]])
    np.testing.assert_array_equal(stats.mean, [2.0, 4.0, 5.0])
    np.testing.assert_allclose(stats.sem, [1.0, 2.0, 0.0])  # |a - b| / 2 for two samples
    np.testing.assert_allclose(stats.relative_sem, [0.5, 0.5, 0.0])


def test_over_seeds_keeps_an_overflowed_layer_non_finite():
    stats = layer_stats.over_seeds(lambda seed: [1.0, math.inf if seed == 2 else 1.0], seeds=range(3))
    assert stats.mean[0] == 1.0 and stats.mean[1] == math.inf
    assert not np.isfinite(stats.sem[1])


def test_over_seeds_calls_measure_once_per_seed_in_order():
    calls = []
    layer_stats.over_seeds(lambda seed: calls.append(seed) or [0.0], seeds=range(4))
    assert calls == [0, 1, 2, 3]


def test_over_seeds_errors_name_the_argument():
    with pytest.raises(ValueError, match="seeds must hold at least one seed"):
        layer_stats.over_seeds(lambda seed: [1.0], seeds=[])
    with pytest.raises(ValueError, match=r"seeds\[1\] must be a non-negative integer, got -1"):
        layer_stats.over_seeds(lambda seed: [1.0], seeds=[0, -1])
    with pytest.raises(ValueError, match=r"seeds\[0\] must be a non-negative integer, got 1.5"):
        layer_stats.over_seeds(lambda seed: [1.0], seeds=[1.5])
    with pytest.raises(ValueError, match="measure\\(seed\\) must return one value per layer"):
        layer_stats.over_seeds(lambda seed: [1.0] * (seed + 1), seeds=[0, 1])
