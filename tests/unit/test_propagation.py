"""initlab.propagation: per-layer predictions against closed forms, measurements against a direct computation."""

import functools
import math

import numpy as np
import pytest

from initlab import MLP, init, losses, propagation, theory

from spirals import two_spirals


@pytest.fixture(scope="module")
def spirals():
    return two_spirals(32, rng=0)


def build_tanh(seed):
    return MLP([2, 8, 8, 2], activation="tanh", init="xavier_normal", rng=seed)

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


# --- signal_mean_squares ---------------------------------------------------------------------------

def test_signal_mean_squares_measures_outputs_and_pre_activations(spirals):
    x, _ = spirals
    ms = propagation.signal_mean_squares(build_tanh, x, seeds=[3, 4])
    pre = propagation.signal_mean_squares(build_tanh, x, seeds=[3, 4], of="pre-activations")
    assert ms.samples.shape == pre.samples.shape == (2, 2) and ms.seeds == (3, 4)
    model = build_tanh(4)
    model.forward(x)
    np.testing.assert_allclose(ms.samples[1], [np.mean(np.square(h, dtype=np.float64)) for h in model.activations[:-1]])
    np.testing.assert_allclose(pre.samples[1], [np.mean(np.square(z, dtype=np.float64)) for z in model.pre_activations[:-1]])


def test_signal_mean_squares_of_a_wide_relu_network_follows_the_he_prediction():
    # E[h_k²] = (σ_w²/2)^k E[x²] exactly in expectation; check on average over seeds.
    # Square layers, so Xavier's variance is 1/n and each relu layer halves the mean square.
    x = np.random.default_rng(0).normal(size=(128, 256)).astype(np.float32)
    ms = propagation.signal_mean_squares(lambda s: MLP([256] * 5 + [1], init="xavier_normal", rng=s), x, range(6))
    expected = float(np.mean(np.square(x, dtype=np.float64))) * 0.5 ** np.arange(1, 5)
    np.testing.assert_allclose(ms.mean, expected, rtol=0.1)


def test_signal_mean_squares_names_the_allowed_signals(spirals):
    with pytest.raises(ValueError, match="of must be one of 'outputs', 'pre-activations'"):
        propagation.signal_mean_squares(build_tanh, spirals[0], seeds=[0], of="gradients")


# --- std_profile -----------------------------------------------------------------------------------

def test_std_profile_measures_the_network_it_describes_and_predicts_with_theory():
    x = np.random.default_rng(1).normal(size=(256, 32)).astype(np.float32)
    measured, predicted = propagation.std_profile("tanh", "xavier_normal", x, depth=5, width=128, rng=2)
    model = MLP([32] + [128] * 5 + [1], activation="tanh", init="xavier_normal", rng=2)
    model.forward(x)
    np.testing.assert_allclose(measured, [np.std(h, dtype=np.float64) for h in model.activations[:-1]], rtol=1e-6)
    sigma_w = [math.sqrt(w.shape[0] * np.mean(np.square(w, dtype=np.float64))) for w in model.weights[:-1]]
    q = theory.forward_variances("tanh", sigma_w, 5, float(np.mean(np.square(x, dtype=np.float64))))
    np.testing.assert_allclose(predicted, [theory.activation_std("tanh", v) for v in q])
    np.testing.assert_allclose(measured, predicted, rtol=0.1)  # wide enough for mean-field to hold


def test_std_profile_of_a_shallower_network_is_a_prefix_of_a_deeper_one():
    x = np.random.default_rng(1).normal(size=(64, 16)).astype(np.float32)
    deep = propagation.std_profile("relu", "kaiming_normal", x, depth=8, width=16)
    shallow = propagation.std_profile("relu", "kaiming_normal", x, depth=3, width=16)
    for d, s in zip(deep, shallow):
        np.testing.assert_array_equal(d[:3], s)


def test_std_profile_reports_underflow_as_zero():
    x = np.random.default_rng(1).normal(size=(16, 16)).astype(np.float32)
    measured, predicted = propagation.std_profile("relu", functools.partial(init.normal, std=1e-4), x, depth=30, width=16)
    assert measured[-1] == 0.0 and np.all(np.isfinite(measured))
    assert predicted[-1] > 0  # float64 theory goes on below float32's range


def test_std_profile_checks_depth_and_width():
    x = np.zeros((4, 3), dtype=np.float32)
    with pytest.raises(ValueError, match="depth must be a positive integer"):
        propagation.std_profile("relu", "kaiming_normal", x, depth=0)
    with pytest.raises(TypeError, match="width must be a positive integer"):
        propagation.std_profile("relu", "kaiming_normal", x, depth=2, width=2.5)


def test_xavier_alternating_measures_and_predicts_the_network_it_describes():
    d = propagation.xavier_alternating("tanh", 4, 12, 5 / 3, depth=4, batch=16, rng=3)
    sizes = [4, 12, 4, 12, 4]
    gen = np.random.default_rng(3)
    x = gen.standard_normal((16, 4)).astype(np.float32)
    dout = gen.standard_normal((16, 4)).astype(np.float32)
    xavier = functools.partial(init.xavier_uniform, gain=5 / 3)
    model = MLP(sizes, activation="tanh", init=lambda n_in, n_out, rng=None: xavier(n_in, n_out, rng=rng), rng=3)
    forward, backward = propagation.measured(model, x, dout)
    second_moment = float(np.mean(np.square(x, dtype=np.float64)))
    np.testing.assert_array_equal(d["weights"], model.weights[0])
    np.testing.assert_array_equal(d["forward"], forward / second_moment)
    np.testing.assert_array_equal(d["backward"], backward / backward[-1])
    assert d["bound"] == pytest.approx(5 / 3 * math.sqrt(6 / 16))
    assert d["variance"] == pytest.approx(d["bound"] ** 2 / 3)  # the variance of U(-a, a)
    assert d["weight_variance"] == float(np.var(model.weights[0], dtype=np.float64))
    theory_f, theory_b = propagation.predicted("tanh", sizes, [d["variance"]] * 4, second_moment)
    np.testing.assert_array_equal(d["theory_forward"], theory_f / second_moment)
    np.testing.assert_array_equal(d["theory_backward"], theory_b)
    linear_f, linear_b = propagation.predicted("linear", sizes, [d["variance"]] * 4)
    np.testing.assert_allclose(d["linear_forward"], linear_f, rtol=1e-12)  # a product: no input dependence
    np.testing.assert_allclose(d["linear_backward"], linear_b, rtol=1e-12)


def test_xavier_alternating_names_bad_arguments():
    with pytest.raises(ValueError, match="fan_out must be a positive integer"):
        propagation.xavier_alternating("tanh", 4, 0, 1.0, depth=2)
    with pytest.raises(ValueError, match="gain must be > 0"):
        propagation.xavier_alternating("tanh", 4, 4, -1.0, depth=2)
    with pytest.raises(TypeError, match="depth must be a positive integer"):
        propagation.xavier_alternating("tanh", 4, 4, 1.0, depth=2.5)


def test_std_profile_predicts_with_the_drawn_biases():
    # nn.Linear's default draws biases U(±1/√n): the relu signal levels off instead of vanishing
    x = np.random.default_rng(1).normal(size=(128, 64)).astype(np.float32)
    measured, predicted = propagation.std_profile("relu", "linear_default", x, depth=20, width=256, rng=0)
    model = MLP([64] + [256] * 20 + [1], activation="relu", init="linear_default", rng=0)
    sigma_b = math.sqrt(np.mean(np.square(np.concatenate(model.biases[:-1]), dtype=np.float64)))
    assert sigma_b > 0
    sigma_w = [math.sqrt(w.shape[0] * np.mean(np.square(w, dtype=np.float64))) for w in model.weights[:-1]]
    q = theory.forward_variances("relu", sigma_w, 20, float(np.mean(np.square(x, dtype=np.float64))), sigma_b=sigma_b)
    np.testing.assert_allclose(predicted, [theory.activation_std("relu", v) for v in q])
    without = theory.forward_variances("relu", sigma_w, 20, float(np.mean(np.square(x, dtype=np.float64))))
    assert predicted[-1] > 100 * theory.activation_std("relu", without[-1])  # the length map's fixed point, not 0
    np.testing.assert_allclose(measured[-5:], predicted[-5:], rtol=0.3)


def test_kaiming_mode_profile_is_the_prediction_and_the_seed_average():
    sizes = [16, 32, 64, 5]
    gen = np.random.default_rng(0)
    x = gen.normal(size=(64, 16)).astype(np.float32)
    y = gen.integers(0, 5, 64)
    predicted, mean, sem = propagation.kaiming_mode_profile(sizes, "fan_out", x, y, seeds=[0, 1])
    forward, backward = propagation.predicted("relu", sizes, [2 / 32, 2 / 64, 2 / 5],
                                              float(np.mean(np.square(x, dtype=np.float64))))
    np.testing.assert_allclose(predicted, np.concatenate([forward[:2], backward[:2] / backward[1]]))
    rows = []
    for seed in [0, 1]:
        model = MLP(sizes, activation="relu", rng=seed,
                    init=functools.partial(init.kaiming_normal, mode="fan_out"))
        _, dout = losses.get("cross_entropy")(model.forward(x), y)
        f, b = propagation.measured(model, x, dout)
        rows.append(np.concatenate([f[:2], b[:2] / b[1]]))
    np.testing.assert_allclose(mean, np.mean(rows, axis=0))
    assert mean[-1] == 1.0 and sem[-1] == 0.0


def test_kaiming_mode_profile_checks_its_arguments():
    x, y = np.zeros((4, 3), dtype=np.float32), np.zeros(4, dtype=int)
    with pytest.raises(ValueError, match="mode must be one of 'fan_in', 'fan_out'"):
        propagation.kaiming_mode_profile([3, 4, 2], "fan_avg", x, y, seeds=[0])
    with pytest.raises(ValueError, match="at least one hidden layer"):
        propagation.kaiming_mode_profile([3, 2], "fan_in", x, y, seeds=[0])
