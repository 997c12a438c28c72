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


# The edge of chaos: fixed points, χ₁, the correlation map and the depth scales -------------------

SQRT2 = math.sqrt(2)


def test_tanh_without_bias_is_critical_at_sigma_w_one():
    assert theory.critical_sigma_w("tanh", 0.0) == pytest.approx(1.0, abs=1e-9)
    assert theory.fixed_point("tanh", 1.0) == 0.0  # reached only like 1/(2k): no iteration would get there
    assert theory.chi1("tanh", 1.0) == pytest.approx(1.0, abs=1e-12)
    assert theory.fixed_point("tanh", 0.8) == 0.0 and theory.chi1("tanh", 0.8) == pytest.approx(0.64)
    q = theory.fixed_point("tanh", 1.2)  # q = 0 is unstable now (ℒ'(0) = 1.44): the positive one is q*
    assert q > 0.1 and theory.chi1("tanh", 1.2) > 1.0 and theory.length_map("tanh", q, 1.2) == pytest.approx(q)


def test_relu_he_point_is_critical_and_the_relu_fixed_point_in_closed_form():
    assert theory.chi1("relu", SQRT2) == pytest.approx(1.0, rel=1e-9)
    assert theory.fixed_point("relu", SQRT2, q0=3.0) == 3.0  # every q is a fixed point: q0 stays
    assert theory.fixed_point("relu", 1.5) == math.inf
    assert theory.fixed_point("relu", SQRT2, 0.1) == math.inf
    # ℒ(q) = σ_w² q/2 + σ_b², so q* = σ_b²/(1 − σ_w²/2).
    assert theory.fixed_point("relu", 1.2, 0.5) == pytest.approx(0.25 / (1 - 0.72), rel=1e-10)
    assert theory.critical_sigma_w("relu", 0.0) == pytest.approx(SQRT2, rel=1e-9)
    with pytest.raises(ValueError, match="relu has no critical sigma_w at sigma_b=0.3"):
        theory.critical_sigma_w("relu", 0.3)
    with pytest.raises(ValueError, match="no finite fixed point"):
        theory.chi1("relu", 1.5)


@pytest.mark.parametrize("activation, sigma_w, sigma_b", [("tanh", 1.5, 0.3), ("tanh", 3.0, 1.0),
                                                          ("sigmoid", 4.0, 0.1), ("selu", 1.0, 0.0),
                                                          ("elu", 1.2, 0.5)])
def test_fixed_point_is_where_the_iteration_goes_and_is_stable(activation, sigma_w, sigma_b):
    q = theory.fixed_point(activation, sigma_w, sigma_b)
    assert theory.length_map(activation, q, sigma_w, sigma_b) == pytest.approx(q, rel=1e-10)
    assert theory.length_map_slope(activation, q, sigma_w) < 1.0
    for m in (0.01, 30.0):
        iterated = theory.forward_variances(activation, sigma_w, 300, input_second_moment=m, sigma_b=sigma_b)
        assert iterated[-1] == pytest.approx(q, rel=1e-6)


@pytest.mark.parametrize("activation, q", [("tanh", 0.7), ("relu", 2.0), ("sigmoid", 5.0), ("selu", 0.3)])
def test_length_map_slope_matches_a_finite_difference(activation, q):
    h = 1e-5 * q
    numeric = (theory.length_map(activation, q + h, 1.3) - theory.length_map(activation, q - h, 1.3)) / (2 * h)
    assert theory.length_map_slope(activation, q, 1.3) == pytest.approx(numeric, rel=1e-6)


@pytest.mark.parametrize("activation, sigma_w, sigma_b", [("tanh", 1.5, 0.3), ("relu", 1.2, 0.5)])
def test_predicted_variance_with_biases_matches_simulated_wide_networks(activation, sigma_w, sigma_b):
    # As the test above, now with biases N(0, σ_b²): each network draws its biases once, which adds to the
    # scatter between networks; the mean of eight must be within four standard errors of the prediction.
    width, depth, nets = 500, 8, 8
    rng = np.random.default_rng(2)
    x = rng.standard_normal((100, width))
    runs = []
    for _ in range(nets):
        net = MLP([width] * (depth + 1), activation=activation, init=init.scaled_normal(sigma_w), rng=rng,
                  dtype=np.float64, bias_std=sigma_b)
        net.forward(x)
        runs.append([np.mean(z ** 2) for z in net.pre_activations])
    runs = np.array(runs)
    predicted = theory.forward_variances(activation, sigma_w, depth, float(np.mean(x ** 2)), sigma_b=sigma_b)
    standard_error = runs.std(axis=0, ddof=1) / math.sqrt(nets)
    assert np.all(np.abs(runs.mean(axis=0) - predicted) < 4 * standard_error + 1e-3 * predicted)
    assert np.all(standard_error < 0.1 * predicted)


def test_correlation_map_in_closed_form_for_relu_and_its_slope_at_one_is_chi1():
    # relu at σ_w² = 2, σ_b = 0: c' = (√(1 − c²) + (π − arccos c) c)/π (the normalised arc-cosine kernel).
    for c in (-0.5, 0.0, 0.6, 0.95):
        exact = (math.sqrt(1 - c * c) + (math.pi - math.acos(c)) * c) / math.pi
        assert theory.correlation_map("relu", c, 1.7, SQRT2) == pytest.approx(exact, rel=1e-9)
    for sigma_w, sigma_b in ((1.5, 0.3), (0.9, 0.1), (3.0, 0.0)):
        q = theory.fixed_point("tanh", sigma_w, sigma_b)
        assert theory.correlation_map("tanh", 1.0, q, sigma_w, sigma_b) == pytest.approx(1.0, rel=1e-12)
        h = 1e-4
        slope = (1 - theory.correlation_map("tanh", 1 - h, q, sigma_w, sigma_b)) / h
        assert slope == pytest.approx(theory.chi1("tanh", sigma_w, sigma_b), rel=1e-3)


def test_predicted_correlations_match_a_simulated_network():
    sigma_w, sigma_b, width, depth = 2.0, 0.3, 1000, 6
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((2, width))
    x = np.stack([a, 0.6 * a + 0.8 * b])  # input correlation about 0.6
    m = float(np.mean(x ** 2))
    c = [(sigma_w ** 2 * float(np.mean(x[0] * x[1])) + sigma_b ** 2) / (sigma_w ** 2 * m + sigma_b ** 2)]
    q = theory.forward_variances("tanh", sigma_w, depth, m, sigma_b=sigma_b)
    for k in range(depth - 1):
        c.append(theory.correlation_map("tanh", c[-1], q[k], sigma_w, sigma_b))
    runs = []
    for _ in range(8):
        net = MLP([width] * (depth + 1), activation="tanh", init=init.scaled_normal(sigma_w), rng=rng,
                  dtype=np.float64, bias_std=sigma_b)
        net.forward(x)
        runs.append([np.corrcoef(z[0], z[1])[0, 1] for z in net.pre_activations])
    runs = np.array(runs)
    standard_error = runs.std(axis=0, ddof=1) / math.sqrt(len(runs))
    assert np.all(np.abs(runs.mean(axis=0) - c) < 4 * standard_error + 0.01)


def test_correlation_fixed_point_in_each_phase():
    assert theory.correlation_fixed_point("tanh", 0.9, 0.1) == 1.0  # ordered: χ₁ < 1
    assert theory.correlation_fixed_point("tanh", 2.0, 0.0) == pytest.approx(0.0, abs=1e-12)  # odd φ, no bias
    c = theory.correlation_fixed_point("tanh", 2.5, 0.3)
    q = theory.fixed_point("tanh", 2.5, 0.3)
    assert 0 < c < 1 and theory.correlation_map("tanh", c, q, 2.5, 0.3) == pytest.approx(c, abs=1e-10)


def test_depth_scales():
    sigma_b = math.sqrt(0.05)
    critical = theory.critical_sigma_w("tanh", sigma_b)
    # Ordered phase: c* = 1, so ξ_c = −1/ln χ₁.
    xi_q, xi_c = theory.depth_scales("tanh", 1.0, sigma_b)
    assert xi_c == pytest.approx(-1 / math.log(theory.chi1("tanh", 1.0, sigma_b)), rel=1e-9)
    assert 0 < xi_q < xi_c
    # ξ_c grows without bound towards the critical line from both sides, and ξ_c |χ₁ − 1| → 1 there.
    for side in (-1, 1):
        scales = [theory.depth_scales("tanh", critical + side * d, sigma_b)[1] for d in (0.3, 0.1, 0.01)]
        assert scales[0] < scales[1] < scales[2]
    near = critical - 1e-3
    assert theory.depth_scales("tanh", near, sigma_b)[1] * (1 - theory.chi1("tanh", near, sigma_b)) \
        == pytest.approx(1.0, rel=1e-2)
    assert theory.depth_scales("tanh", 1.0, 0.0) == (math.inf, math.inf)  # on the critical line


def test_edge_of_chaos_arguments_name_themselves():
    with pytest.raises(ValueError, match="sigma_w must be >= 0"):
        theory.fixed_point("tanh", -1.0)
    with pytest.raises(ValueError, match="sigma_b must be finite"):
        theory.chi1("tanh", 1.0, math.inf)
    with pytest.raises(ValueError, match="q0 must be > 0"):
        theory.fixed_point("tanh", 1.0, q0=0.0)
    with pytest.raises(ValueError, match=r"c must be a correlation in \[-1, 1\]"):
        theory.correlation_map("tanh", 1.5, 1.0, 1.0)
    with pytest.raises(ValueError, match="activation must be one of"):
        theory.depth_scales("swish", 1.0)
    with pytest.raises(TypeError, match="sigma_b must be a real number"):
        theory.critical_sigma_w("tanh", "0.1")
