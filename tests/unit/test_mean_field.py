"""initlab.mean_field: simulated random networks measure what initlab.theory predicts, and the theory's own checks
(a finite-difference slope, depth scales read off the maps) agree with its formulas."""

import math

import numpy as np
import pytest

from initlab import layer_stats, mean_field, theory


def test_fixed_point_check_agrees_with_the_closed_form_of_relu():
    q_star, q_depth, slope, numeric = mean_field.fixed_point_check("relu", 1.2, 0.5)
    assert q_star == pytest.approx(0.5 ** 2 / (1 - 1.2 ** 2 / 2), rel=1e-12)  # ℒ(q) = σ_w² q/2 + σ_b²
    assert slope == pytest.approx(1.2 ** 2 / 2) and numeric == pytest.approx(slope, abs=1e-6)
    assert q_depth == pytest.approx(q_star, rel=1e-9)  # 100 layers of a contraction of slope 0.72


def test_fixed_point_check_at_zero_uses_a_one_sided_difference():
    q_star, q_depth, slope, numeric = mean_field.fixed_point_check("tanh", 0.8, 0.0, depth=5)
    assert q_star == 0.0 and slope == pytest.approx(0.64) and numeric == pytest.approx(0.64, abs=1e-5)
    assert 0 < q_depth < 0.64 ** 4  # five iterations from q_1 = 0.64, each multiplying by less than 0.64


def test_pre_activation_mean_squares_follow_the_length_map():
    x = np.random.default_rng(0).normal(0, 0.5, (64, 32)).astype(np.float32)
    runs = mean_field.pre_activation_mean_squares(x, 1.5, 0.3, depth=4, width=256, nets=6, rng=0)
    assert runs.shape == (6, 4) and runs.dtype == np.float64
    predicted = theory.forward_variances("tanh", 1.5, 4, input_second_moment=float(np.mean(x.astype(float) ** 2)),
                                         sigma_b=0.3)
    assert np.all(np.abs(runs.mean(axis=0) - predicted) < 4 * layer_stats.standard_error(runs) + 0.01)
    again = mean_field.pre_activation_mean_squares(x, 1.5, 0.3, depth=4, width=256, nets=6, rng=0)
    assert np.array_equal(runs, again)  # reproducible from the seed


def test_pair_correlations_follow_the_correlation_map():
    gen = np.random.default_rng(1)
    a = gen.normal(size=48)
    pair = np.stack([a, 0.6 * a + 0.8 * gen.normal(size=48)])
    pair *= np.sqrt(1 / np.mean(pair ** 2, axis=1, keepdims=True))  # both rows of mean square 1
    predicted = mean_field.predicted_correlations(pair, 2.0, 0.3, depth=4)
    assert predicted[0] == pytest.approx((4 * np.mean(pair[0] * pair[1]) + 0.09) / (4 + 0.09))
    runs = mean_field.pair_correlations(pair, 2.0, 0.3, depth=4, width=300, nets=6, rng=1)
    assert runs.shape == (6, 4) and np.all(np.abs(runs) <= 1)
    assert np.all(np.abs(runs.mean(axis=0) - predicted) < 4 * layer_stats.standard_error(runs) + 0.02)


def test_gradient_factors_match_chi1_on_both_sides_of_the_critical_line():
    for sigma_w in (1.0, 3.0):
        factors = mean_field.gradient_factors(sigma_w, 0.3, depth=8, width=200, nets=4, batch=16, rng=2)
        assert factors.shape == (4,)
        chi1 = theory.chi1("tanh", sigma_w, 0.3)
        assert abs(factors.mean() - chi1) < 4 * layer_stats.standard_error(factors) + 0.03


def test_depth_scales_from_maps_agree_with_the_formulas():
    for sigma_w in (1.0, 2.5):
        formula = theory.depth_scales("tanh", sigma_w, math.sqrt(0.05))
        read_off = mean_field.depth_scales_from_maps("tanh", sigma_w, math.sqrt(0.05))
        assert read_off == pytest.approx(formula, rel=0.02)


def test_bad_arguments_get_clear_errors():
    with pytest.raises(ValueError, match="pair must hold two inputs"):
        mean_field.pair_correlations(np.zeros((3, 4)), 1.0)
    with pytest.raises(ValueError, match="pair must hold two inputs"):
        mean_field.predicted_correlations(np.zeros(4), 1.0)
    with pytest.raises(ValueError, match="nets must be a positive integer"):
        mean_field.pre_activation_mean_squares(np.ones((2, 3)), 1.0, nets=0)
    with pytest.raises(TypeError, match="depth must be a positive integer"):
        mean_field.fixed_point_check("tanh", 1.0, depth=2.5)
    with pytest.raises(ValueError, match="start must be > 0"):
        mean_field.depth_scales_from_maps("tanh", 1.0, 0.3, start=0.0)


def test_signal_and_gradient_measures_what_the_length_map_predicts():
    x = np.random.default_rng(0).normal(size=(64, 16)).astype(np.float32)
    y = np.arange(64) % 4
    r = mean_field.signal_and_gradient(x, y, 1.2, 0.3, depth=6, width=400, rng=0)
    assert {k: np.shape(v) for k, v in r.items()} == {"q": (6,), "g": (6,), "q_pred": (6,), "g_pred": (6,),
                                                       "chi1": ()}
    np.testing.assert_allclose(r["q"], r["q_pred"], rtol=0.1)  # a wide network is near its mean-field limit
    assert r["g_pred"][-1] == r["g"][-1]  # the backward prediction is anchored at the last hidden layer
    assert r["chi1"] == theory.gradient_factor("tanh", r["q_pred"][-1], 1.2)  # at the last hidden layer
    again = mean_field.signal_and_gradient(x, y, 1.2, 0.3, depth=6, width=400, rng=0)
    assert all(np.array_equal(r[k], again[k]) for k in r)


@pytest.mark.parametrize("kwargs, match", [({"sigma_w": 0.0}, "sigma_w must be > 0"),
                                           ({"sigma_b": -1.0}, "sigma_b must be >= 0"),
                                           ({"depth": 0}, "depth must be a positive integer")])
def test_signal_and_gradient_names_a_bad_argument(kwargs, match):
    x, y = np.ones((4, 3), np.float32), np.array([0, 1, 0, 1])
    with pytest.raises((ValueError, TypeError), match=match):
        mean_field.signal_and_gradient(x, y, **{"sigma_w": 1.0, **kwargs})


def test_correlation_profile_puts_the_map_next_to_the_measured_mean_and_its_standard_error():
    pair = np.random.default_rng(3).normal(0, 0.5, (2, 32))
    predicted, mean, se = mean_field.correlation_profile(pair, 1.0, 0.3, depth=4, width=200, nets=4)
    assert predicted.shape == mean.shape == se.shape == (4,)
    runs = mean_field.pair_correlations(pair, 1.0, 0.3, 4, width=200, nets=4)
    assert np.array_equal(mean, runs.mean(axis=0)) and np.array_equal(se, layer_stats.standard_error(runs))
    assert np.array_equal(predicted, mean_field.predicted_correlations(pair, 1.0, 0.3, 4))
    assert np.all(np.abs(mean - predicted) < 4 * se + 0.02)  # ordered phase: towards 1, as the map says


def test_trainability_grid_trains_one_network_per_cell():
    gen = np.random.default_rng(0)
    x = gen.normal(0, 1, (128, 16)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)  # a linearly separable two-class problem
    grid = mean_field.trainability_grid(x, y, [1.0, 3.0], [2], sigma_b=0.1, width=16, steps=20, lr=0.1)
    assert grid.shape == (2, 1) and np.all((0 <= grid) & (grid <= 1))
    assert grid[0, 0] > 0.8  # a shallow near-critical tanh network learns a linear rule in 20 steps
    again = mean_field.trainability_grid(x, y, [1.0], [2], sigma_b=0.1, width=16, steps=20, lr=0.1)
    assert again[0, 0] == grid[0, 0]  # reproducible from its seed


@pytest.mark.parametrize("kwargs, match", [({"sigma_b": -0.1}, "sigma_b"), ({"sigma_ws": [0.0]}, "sigma_w"),
                                           ({"depths": [0]}, "depth"), ({"steps": 0}, "steps")])
def test_trainability_grid_names_a_bad_argument(kwargs, match):
    x = np.zeros((8, 4), dtype=np.float32)
    args = {"sigma_ws": [1.0], "depths": [1], **kwargs}
    with pytest.raises((TypeError, ValueError), match=match):
        mean_field.trainability_grid(x, np.arange(8) % 2, args.pop("sigma_ws"), args.pop("depths"), **args)
