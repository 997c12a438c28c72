"""initlab.theory: the length map and the gradient factor, against closed forms and a simulated wide network."""

import math

import numpy as np
import pytest

from initlab import MLP, init, theory


def test_relu_at_the_he_point_keeps_the_variance_and_the_gradient():
    # E[relu(√q ξ)²] = q/2, so σ_w² = 2 maps q to q; E[relu'²] = 1/2, so the gradient factor is 1.
    for q in (0.01, 1.0, 50.0):
        assert theory.length_map("relu", q, math.sqrt(2)) == pytest.approx(q, rel=1e-10)
        assert theory.gradient_factor("relu", q, math.sqrt(2)) == pytest.approx(1.0, rel=1e-10)


def test_linear_network_multiplies_the_variance_by_sigma_w_squared():
    q = theory.forward_variances("linear", 1.5, depth=6, input_second_moment=2.0)
    np.testing.assert_allclose(q, 2.0 * 1.5 ** (2 * np.arange(1, 7)), rtol=1e-10)


def test_bias_variance_adds_and_per_layer_scales_are_used_in_order():
    q = theory.forward_variances("linear", [1.0, 2.0, 0.5], depth=3, sigma_b=0.1)
    expected = [1.0 + 0.01]
    for s in (2.0, 0.5):
        expected.append(s ** 2 * expected[-1] + 0.01)
    np.testing.assert_allclose(q, expected, rtol=1e-10)


def test_tanh_is_critical_at_sigma_w_one_without_bias():
    # Near q = 0, tanh is the identity: the gradient factor tends to σ_w², so σ_w = 1 is the edge.
    assert theory.gradient_factor("tanh", 1e-8, 1.0) == pytest.approx(1.0, abs=1e-7)
    assert theory.gradient_factor("tanh", 1.0, 1.0) < 1.0


@pytest.mark.parametrize("activation, scheme", [("tanh", "xavier_normal"), ("relu", "kaiming_normal"),
                                                 ("sigmoid", "xavier_normal"), ("selu", "lecun_normal")])
def test_prediction_matches_simulated_wide_networks_within_sampling_error(activation, scheme):
    # Each network's weights are drawn once, so its per-layer variances scatter around the prediction by
    # a few percent (more for activations with a non-zero mean, whose mean acts like a random bias).
    # Eight networks give the scatter; the mean must be within four standard errors.
    width, depth, nets = 500, 8, 8
    gain = {"xavier_normal": 1.0, "kaiming_normal": math.sqrt(2), "lecun_normal": 1.0}[scheme]
    rng = np.random.default_rng(1)
    x = rng.standard_normal((100, width))
    runs = []
    for _ in range(nets):
        net = MLP([width] * (depth + 1), activation=activation, init=scheme, rng=rng, dtype=np.float64)
        net.forward(x)
        runs.append([np.mean(z ** 2) for z in net.pre_activations])
    runs = np.array(runs)
    predicted = theory.forward_variances(activation, gain, depth, input_second_moment=float(np.mean(x ** 2)))
    standard_error = runs.std(axis=0, ddof=1) / math.sqrt(nets)
    assert np.all(np.abs(runs.mean(axis=0) - predicted) < 4 * standard_error + 1e-3 * predicted)
    assert np.all(standard_error < 0.1 * predicted)  # the check has teeth: the scatter is small (relu's is largest)


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="activation must be one of"):
        theory.length_map("swish", 1.0, 1.0)
    with pytest.raises(ValueError, match="q must be >= 0"):
        theory.gradient_factor("tanh", -1.0, 1.0)
    with pytest.raises(ValueError, match="sigma_w must be one number or 3 numbers"):
        theory.forward_variances("tanh", [1.0, 1.0], depth=3)
    with pytest.raises(TypeError, match="depth must be a positive integer"):
        theory.forward_variances("tanh", 1.0, depth=2.5)


def test_activation_std_has_the_closed_forms_of_relu_and_tanh_near_zero():
    # relu(z), z ~ N(0, q): E = √(q/2π), E[·²] = q/2, so std = √(q (1/2 - 1/(2π))).
    for q in (1e-6, 1.0, 400.0):
        assert theory.activation_std("relu", q) == pytest.approx(math.sqrt(q * (0.5 - 1 / (2 * math.pi))), rel=1e-9)
    assert theory.activation_std("tanh", 1e-8) == pytest.approx(1e-4, rel=1e-6)  # tanh(z) ≈ z
    assert theory.activation_std("linear", 2.25) == pytest.approx(1.5, rel=1e-10)
    assert theory.activation_std("sigmoid", 0.0) == 0.0


def test_activation_std_matches_sampling():
    from initlab import activations

    z = np.random.default_rng(0).normal(0.0, 1.5, 10**6)
    phi = activations.get("selu")
    assert theory.activation_std("selu", 1.5 ** 2) == pytest.approx(float(np.std(phi(z))), rel=5e-3)


def test_activation_std_checks_q():
    with pytest.raises(ValueError, match="q must be >= 0"):
        theory.activation_std("relu", -1.0)
