"""initlab.propagation: per-layer predictions against closed forms, measurements against a direct computation."""

import math

import numpy as np
import pytest

from initlab import MLP, init, propagation, theory

SIZES = [5, 7, 3, 6]
VARIANCES = [0.2, 0.1, 0.4]


def test_linear_prediction_is_the_product_of_the_fan_factors():
    forward, backward = propagation.predicted("linear", SIZES, VARIANCES, input_second_moment=2.0)
    expected_f = 2.0 * np.cumprod([n * v for n, v in zip(SIZES[:-1], VARIANCES)])
    # E[g_k²]/E[g_L²] = prod_{j > k} n_j v_j
    out_factors = [n * v for n, v in zip(SIZES[1:], VARIANCES)]
    expected_b = [math.prod(out_factors[k + 1:]) for k in range(len(VARIANCES))]
    np.testing.assert_allclose(forward, expected_f, rtol=1e-12)
    np.testing.assert_allclose(backward, expected_b, rtol=1e-12)
    assert backward[-1] == 1.0


def test_nonlinear_prediction_chains_the_length_map_and_the_gradient_factors():
    forward, backward = propagation.predicted("tanh", SIZES, VARIANCES)
    scales = [math.sqrt(n * v) for n, v in zip(SIZES[:-1], VARIANCES)]
    np.testing.assert_allclose(forward, theory.forward_variances("tanh", scales, 3), rtol=1e-12)
    top = SIZES[3] * VARIANCES[2]  # the linear output layer
    below = top * theory.gradient_factor("tanh", forward[1], math.sqrt(SIZES[2] * VARIANCES[1]))
    np.testing.assert_allclose(backward, [below, top, 1.0], rtol=1e-12)


def test_measured_is_the_mean_square_of_what_the_model_stores():
    rng = np.random.default_rng(0)
    model = MLP(SIZES, activation="tanh", init="xavier_normal", rng=0)
    x, dout = rng.standard_normal((9, 5)), rng.standard_normal((9, 6))
    forward, backward = propagation.measured(model, x, dout)
    np.testing.assert_allclose(forward, [np.mean(z.astype(np.float64) ** 2) for z in model.pre_activations])
    np.testing.assert_allclose(backward, [np.mean(g.astype(np.float64) ** 2) for g in model.grad_activations])
    assert forward.shape == backward.shape == (3,)


@pytest.mark.parametrize("activation", ["linear", "tanh"])
def test_a_wide_network_matches_the_prediction_within_sampling_error(activation):
    # Alternating widths 200, 400: the Xavier variance 2/600 in every layer. Eight float64 networks give the
    # scatter; their mean must lie within 4 standard errors (plus 2 % for the finite width).
    sizes, nets = [200, 400, 200, 400, 200], 8
    x = np.random.default_rng(1).standard_normal((32, 200))
    dout = np.random.default_rng(2).standard_normal((32, 200))
    runs = []
    for seed in range(nets):
        model = MLP(sizes, activation=activation, init="xavier_uniform", rng=seed, dtype=np.float64)
        f, b = propagation.measured(model, x, dout)
        runs.append(np.concatenate([f, b / b[-1]]))
    runs = np.array(runs)
    predicted = np.concatenate(propagation.predicted(activation, sizes, [2 / 600] * 4, float(np.mean(x ** 2))))
    se = runs.std(axis=0, ddof=1) / math.sqrt(nets)
    assert np.all(np.abs(runs.mean(axis=0) - predicted) <= 4 * se + 0.02 * predicted)


def test_the_older_rule_divides_the_linear_signal_by_three_per_layer():
    sizes = [100] * 5
    forward, backward = propagation.predicted("linear", sizes, [1 / 300] * 4)
    np.testing.assert_allclose(forward, 3.0 ** -np.arange(1, 5), rtol=1e-12)
    np.testing.assert_allclose(backward, 3.0 ** -np.arange(3, -1, -1), rtol=1e-12)


def test_an_overflow_is_reported_as_non_finite_not_raised():
    model = MLP([4] + [8] * 6 + [2], activation="relu", init=init.scaled_normal(1e4), rng=0, dtype=np.float16)
    x = np.ones((3, 4))
    forward, backward = propagation.measured(model, x, np.ones((3, 2)))
    assert not np.all(np.isfinite(forward))


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="sizes must be a sequence of at least two"):
        propagation.predicted("tanh", [5], [])
    with pytest.raises(ValueError, match=r"weight_variances must hold 3 numbers"):
        propagation.predicted("tanh", SIZES, [0.1, 0.1])
    with pytest.raises(TypeError, match="weight_variances must be a sequence"):
        propagation.predicted("tanh", SIZES, 0.1)
    with pytest.raises(ValueError, match=r"weight_variances\[1\] must be >= 0"):
        propagation.predicted("tanh", SIZES, [0.1, -0.1, 0.1])
    with pytest.raises(TypeError, match=r"sizes\[1\] must be a positive integer"):
        propagation.predicted("tanh", [5, 2.5, 3, 6], VARIANCES)
    with pytest.raises(ValueError, match="activation must be one of"):
        propagation.predicted("swish", SIZES, VARIANCES)
    with pytest.raises(ValueError, match="input_second_moment must be >= 0"):
        propagation.predicted("tanh", SIZES, VARIANCES, input_second_moment=-1.0)
    bn = MLP(SIZES, activation="tanh", rng=0, batch_norm=True)
    with pytest.raises(ValueError, match="plain networks only"):
        propagation.measured(bn, np.ones((4, 5)), np.ones((4, 6)))
    with pytest.raises(ValueError, match="dout must have shape"):
        propagation.measured(MLP(SIZES, rng=0), np.ones((4, 5)), np.ones((3, 6)))


def test_biases_add_their_variance_to_every_layer():
    sizes, variances = [50, 80, 80, 10], [2 / 50, 2 / 80, 1 / 80]
    plain, _ = propagation.predicted("tanh", sizes, variances, 0.5)
    biased, _ = propagation.predicted("tanh", sizes, variances, 0.5, sigma_b=0.3)
    scales = [math.sqrt(n * v) for n, v in zip(sizes[:-1], variances)]
    assert np.allclose(biased, theory.forward_variances("tanh", scales, 3, 0.5, sigma_b=0.3), rtol=1e-12)
    assert biased[0] == pytest.approx(plain[0] + 0.09, rel=1e-12)
