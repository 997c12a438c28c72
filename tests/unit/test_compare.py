"""initlab.compare: unit spread, steps to a target, runs over seeds, signal profiles, the scale sweep."""

import functools
import math

import numpy as np
import pytest

from initlab import MLP, compare, data, init, theory, train


@pytest.fixture(scope="module")
def spirals():
    return data.two_spirals(32, rng=0)


# --- unit_spread ----------------------------------------------------------------------------------

def test_unit_spread_is_zero_for_identical_columns_and_the_largest_difference_otherwise():
    w = np.tile(np.array([[0.5], [-1.0], [2.0]]), (1, 4))
    assert compare.unit_spread(w) == 0.0
    w[1, 2] = 0.25  # unit 2 now differs from the others by 1.25 on input 1
    assert compare.unit_spread(w) == pytest.approx(1.25)


@pytest.mark.parametrize("bad", [np.zeros(3), np.zeros((0, 2)), np.zeros((2, 2, 2))])
def test_unit_spread_refuses_anything_but_a_matrix(bad):
    with pytest.raises(ValueError, match="w must be a non-empty"):
        compare.unit_spread(bad)


def test_constant_init_keeps_units_identical_through_training(spirals):
    x, y = spirals
    model = MLP([2, 8, 8, 2], activation="tanh", init=functools.partial(init.constant, val=0.3), rng=0)
    train(model, x, y, lr=0.1, momentum=0.9, steps=30, batch_size=16, rng=0)
    assert all(compare.unit_spread(w) <= 1e-6 for w in model.weights[:2])
    assert np.ptp(model.weights[0]) > 1e-3  # the weights did move


# --- train_seeds / SeedRuns ---------------------------------------------------------------------------

def build_tanh(seed):
    return MLP([2, 8, 8, 2], activation="tanh", init="xavier_normal", rng=seed)


def test_train_seeds_summarises_final_loss_accuracy_and_steps(spirals):
    x, y = spirals
    runs = compare.train_seeds(build_tanh, x, y, x, y, seeds=[0, 1, 2], target=0.69, window=5,
                               lr=0.1, momentum=0.9, steps=40, batch_size=16)
    assert runs.seeds == [0, 1, 2] and len(runs.histories) == 3 and len(runs.accuracies) == 3
    finals = [float(np.mean(h.loss[-5:])) for h in runs.histories]
    assert runs.final_losses == pytest.approx(finals)
    loss, loss_sd, acc, acc_sd, steps, reached = runs.summary()
    assert loss == pytest.approx(np.mean(finals)) and loss_sd == pytest.approx(np.std(finals, ddof=1))
    assert acc == pytest.approx(np.mean(runs.accuracies)) and acc_sd == pytest.approx(np.std(runs.accuracies, ddof=1))
    got_there = [s for s in runs.steps if s is not None]
    assert reached == len(got_there)
    assert steps == (pytest.approx(np.mean(got_there)) if got_there else None)


def test_train_seeds_is_deterministic_and_seeds_differ(spirals):
    x, y = spirals
    options = dict(target=0.5, lr=0.1, steps=10, batch_size=16)
    a = compare.train_seeds(build_tanh, x, y, x, y, seeds=[0, 1], **options)
    b = compare.train_seeds(build_tanh, x, y, x, y, seeds=[0, 1], **options)
    np.testing.assert_array_equal(a.histories[0].loss, b.histories[0].loss)
    assert not np.array_equal(a.histories[0].loss, a.histories[1].loss)


def test_a_run_that_never_reaches_the_target_counts_as_never(spirals):
    x, y = spirals
    runs = compare.train_seeds(lambda s: MLP([2, 8, 2], init="zeros", rng=s), x, y, x, y, seeds=[0],
                               target=0.01, lr=0.1, steps=10)
    assert runs.steps == [None]
    assert runs.summary()[4:] == (None, 0)
    assert runs.summary()[1] == 0.0 and runs.summary()[3] == 0.0  # one seed: no spread


def test_a_diverged_run_has_an_infinite_final_loss(spirals):
    x, y = spirals
    runs = compare.train_seeds(lambda s: MLP([2] + [8] * 30 + [2], init=init.scaled_normal(100.0), rng=s),
                               x, y, x, y, seeds=[0], target=0.5, lr=0.1, steps=3)
    assert runs.histories[0].diverged
    assert runs.final_losses == [math.inf]


@pytest.mark.parametrize("seeds, match", [([], "at least one seed"), ([0, -1], r"seeds\[1\] must be a non-negative"),
                                          ([0.5], r"seeds\[0\]"), ([True], r"seeds\[0\]")])
def test_train_seeds_checks_the_seeds_before_training(spirals, seeds, match):
    x, y = spirals
    with pytest.raises(ValueError, match=match):
        compare.train_seeds(build_tanh, x, y, x, y, seeds=seeds, target=0.5)


def test_train_seeds_checks_target_and_window_before_training(spirals):
    x, y = spirals
    calls = []

    def build(seed):
        calls.append(seed)
        return build_tanh(seed)

    with pytest.raises(ValueError, match="window must be a positive integer"):
        compare.train_seeds(build, x, y, x, y, seeds=[0], target=0.5, window=0)
    with pytest.raises(ValueError, match="target must be finite"):
        compare.train_seeds(build, x, y, x, y, seeds=[0], target=math.nan)
    assert calls == []


# --- signal_mean_squares ------------------------------------------------------------------------------

def test_signal_mean_squares_measures_outputs_and_pre_activations(spirals):
    x, _ = spirals
    ms = compare.signal_mean_squares(build_tanh, x, seeds=[3, 4])
    pre = compare.signal_mean_squares(build_tanh, x, seeds=[3, 4], of="pre-activations")
    assert ms.shape == pre.shape == (2, 2)
    model = build_tanh(4)
    model.forward(x)
    np.testing.assert_allclose(ms[1], [np.mean(np.square(h, dtype=np.float64)) for h in model.activations[:-1]])
    np.testing.assert_allclose(pre[1], [np.mean(np.square(z, dtype=np.float64)) for z in model.pre_activations[:-1]])


def test_signal_mean_squares_of_a_wide_relu_network_follows_the_he_prediction():
    # E[h_k²] = (σ_w²/2)^k E[x²] exactly in expectation; check on average over seeds.
    # Square layers, so Xavier's variance is 1/n and each relu layer halves the mean square.
    x = np.random.default_rng(0).normal(size=(128, 256)).astype(np.float32)
    ms = compare.signal_mean_squares(lambda s: MLP([256] * 5 + [1], init="xavier_normal", rng=s), x, range(6))
    expected = float(np.mean(np.square(x, dtype=np.float64))) * 0.5 ** np.arange(1, 5)
    np.testing.assert_allclose(ms.mean(axis=0), expected, rtol=0.1)


def test_signal_mean_squares_names_the_allowed_signals(spirals):
    with pytest.raises(ValueError, match="of must be one of 'outputs', 'pre-activations'"):
        compare.signal_mean_squares(build_tanh, spirals[0], seeds=[0], of="gradients")


# --- std_profile ----------------------------------------------------------------------------------

def test_std_profile_measures_the_network_it_describes_and_predicts_with_theory():
    x = np.random.default_rng(1).normal(size=(256, 32)).astype(np.float32)
    measured, predicted = compare.std_profile("tanh", "xavier_normal", x, depth=5, width=128, rng=2)
    model = MLP([32] + [128] * 5 + [1], activation="tanh", init="xavier_normal", rng=2)
    model.forward(x)
    np.testing.assert_allclose(measured, [np.std(h, dtype=np.float64) for h in model.activations[:-1]], rtol=1e-6)
    sigma_w = [math.sqrt(w.shape[0] * np.mean(np.square(w, dtype=np.float64))) for w in model.weights[:-1]]
    q = theory.forward_variances("tanh", sigma_w, 5, float(np.mean(np.square(x, dtype=np.float64))))
    np.testing.assert_allclose(predicted, [theory.activation_std("tanh", v) for v in q])
    np.testing.assert_allclose(measured, predicted, rtol=0.1)  # wide enough for mean-field to hold


def test_std_profile_of_a_shallower_network_is_a_prefix_of_a_deeper_one():
    x = np.random.default_rng(1).normal(size=(64, 16)).astype(np.float32)
    deep = compare.std_profile("relu", "kaiming_normal", x, depth=8, width=16)
    shallow = compare.std_profile("relu", "kaiming_normal", x, depth=3, width=16)
    for d, s in zip(deep, shallow):
        np.testing.assert_array_equal(d[:3], s)


def test_std_profile_reports_underflow_as_zero():
    x = np.random.default_rng(1).normal(size=(16, 16)).astype(np.float32)
    measured, predicted = compare.std_profile("relu", functools.partial(init.normal, std=1e-4), x, depth=30, width=16)
    assert measured[-1] == 0.0 and np.all(np.isfinite(measured))
    assert predicted[-1] > 0  # float64 theory goes on below float32's range


def test_std_profile_checks_depth_and_width():
    x = np.zeros((4, 3), dtype=np.float32)
    with pytest.raises(ValueError, match="depth must be a positive integer"):
        compare.std_profile("relu", "kaiming_normal", x, depth=0)
    with pytest.raises(TypeError, match="width must be a positive integer"):
        compare.std_profile("relu", "kaiming_normal", x, depth=2, width=2.5)


# --- scale_sweep ----------------------------------------------------------------------------------

def test_scale_sweep_measures_before_training_and_reports_failures(spirals):
    x, y = spirals
    build = lambda s: MLP([2] + [8] * 30 + [2], activation="relu", init=init.scaled_normal(s), rng=0)  # noqa: E731
    points = compare.scale_sweep(build, [1.0, 100.0], x, y, x, y, lr=0.01, steps=5)
    ok, bad = points
    assert ok.scale == 1.0 and bad.scale == 100.0
    assert ok.std.shape == ok.grad_norm.shape == (31,)
    assert np.all(np.isfinite(ok.std)) and not ok.history.diverged
    assert ok.outcome == f"{ok.history.loss[-1]:.3f}"
    assert not np.all(np.isfinite(bad.std)) and bad.history.diverged
    assert bad.outcome == f"failed at step {bad.history.failed_at}"
    fresh = build(1.0)
    fresh.forward(x)
    np.testing.assert_allclose(ok.std, [np.std(h, dtype=np.float64) for h in fresh.activations], rtol=1e-6)


@pytest.mark.parametrize("scales, error, match", [([], ValueError, "at least one scale"),
                                                  ([1.0, 0.0], ValueError, "scale must be > 0"),
                                                  (["1"], TypeError, "scale must be a real number")])
def test_scale_sweep_checks_the_scales(spirals, scales, error, match):
    x, y = spirals
    with pytest.raises(error, match=match):
        compare.scale_sweep(lambda s: MLP([2, 4, 2], rng=0), scales, x, y, x, y, steps=1)
