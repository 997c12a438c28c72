"""initlab.residual: the residual MLP's backward pass matches finite differences for every option, Fixup starts
as its input layer, the growth formula holds, and bad arguments get clear errors."""

import math

import numpy as np
import pytest

from initlab import MLP, accuracy, diagnostics, losses, train
from initlab.gradcheck import numerical_gradient, relative_error
from initlab import layer_stats
from initlab.residual import (SCHEMES, ResidualMLP, block_factors, block_growth, block_profile, fixup_first_update,
                              gradient_check, make_scheme, predicted_profile)
from initlab.theory import relu_kernel

OPTIONS = [{}, {"batch_norm": True}, {"branch_scale": 0.3}, {"init": "fixup"},
           {"init": "fixup", "batch_norm": True, "branch_scale": 2.0}, {"activation": "tanh"}]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "he")
def test_backward_matches_finite_differences(options):
    model = ResidualMLP(5, 4, 3, blocks=3, rng=1, dtype=np.float64, **options)
    gen = np.random.default_rng(0)
    if options.get("init") == "fixup":  # off the zero init, where most gradients are 0
        for w in model.weights:
            w += 0.3 * gen.standard_normal(w.shape)
    x, y = gen.standard_normal((8, 5)), gen.integers(0, 3, 8)

    def loss():
        return losses.softmax_cross_entropy(model.forward(x), y)[0]

    model.backward(losses.softmax_cross_entropy(model.forward(x), y)[1])
    grads = model.gradients()
    assert len(grads) == len(model.parameters()) == 2 * model.depth + 2 * len(model.norms)
    for analytic, p in zip(grads, model.parameters()):
        numeric = numerical_gradient(loss, p)
        if np.abs(analytic).max() < 1e-12:  # a bias right before a BatchNorm: 0 both ways
            assert np.abs(numeric).max() < 1e-8
        else:
            assert relative_error(analytic, numeric) < 1e-7


def test_input_gradient_and_per_block_records():
    model = ResidualMLP(5, 4, 3, blocks=2, rng=0, dtype=np.float64)
    x = np.random.default_rng(1).standard_normal((6, 5))
    g = np.random.default_rng(2).standard_normal((6, 3))
    model.forward(x)
    model.backward(g)
    analytic = model.grad_activations[0].sum(axis=0)
    assert len(model.activations) == len(model.grad_activations) == model.blocks + 2
    assert len(model.pre_activations) == model.depth == 2 * model.blocks + 2
    np.testing.assert_array_equal(model.grad_activations[-1], g)
    # ∂(Σ g·out)/∂h_0, summed over the batch, by finite differences on the input layer's bias (h_0 = x W_in + b_in)
    numeric = numerical_gradient(lambda: np.sum(g * model.forward(x)), model.biases[0])
    np.testing.assert_allclose(analytic, numeric, rtol=1e-7)


def test_grad_input_matches_finite_differences_and_can_be_skipped():
    model = ResidualMLP(5, 4, 3, blocks=2, rng=0, dtype=np.float64)
    x = np.random.default_rng(1).standard_normal((6, 5))
    g = np.random.default_rng(2).standard_normal((6, 3))
    model.forward(x)
    grads = model.backward(g)
    numeric = numerical_gradient(lambda: np.sum(g * model.forward(x)), x)
    np.testing.assert_allclose(model.grad_input, numeric, rtol=1e-7)
    model.forward(x)
    skipped = model.backward(g, input_grad=False)
    assert model.grad_input is None
    for (dw, db), (dw2, db2) in zip(grads, skipped):
        np.testing.assert_array_equal(dw, dw2)
        np.testing.assert_array_equal(db, db2)


def test_fixup_starts_as_its_input_layer():
    model = ResidualMLP(64, 16, 10, blocks=8, init="fixup", rng=0)
    x = np.random.default_rng(0).random((32, 64)).astype(np.float32)
    out = model.forward(x)
    h0 = x @ model.weights[0] + model.biases[0]
    for h in model.activations[:-1]:
        np.testing.assert_array_equal(h, h0)
    assert not out.any()
    assert not model.weights[-1].any() and not any(w.any() for w in model.weights[2:-1:2])
    he = ResidualMLP(64, 16, 10, blocks=8, init="he", rng=0)  # same draws: Fixup's W_1 = He's / √L
    for w_fix, w_he in zip(model.weights[1:-1:2], he.weights[1:-1:2]):
        np.testing.assert_allclose(w_fix, w_he / math.sqrt(8), rtol=1e-6)


def test_fixup_first_steps_move_only_what_they_can():
    model = ResidualMLP(8, 6, 3, blocks=2, init="fixup", rng=0)
    x, y = np.random.default_rng(0).random((16, 8)), np.arange(16) % 3
    model.forward(x)
    model.backward(losses.softmax_cross_entropy(model.forward(x), y)[1])
    moving = [bool(np.any(g)) for g in model.gradients()]
    assert moving == [False] * (len(moving) - 2) + [True, True]  # step 1: only the head


def test_he_init_variance_gains():
    model = ResidualMLP(64, 256, 10, blocks=4, rng=0)
    w_in, *branch, w_out = model.weights
    for w, gain in [(w_in, 1.0), (w_out, 1.0)] + [(w, 1.0 if i % 2 == 0 else 2.0) for i, w in enumerate(branch)]:
        assert w.shape[0] * np.var(w) == pytest.approx(gain, rel=0.05)


def test_fixup_w1_is_the_layer_by_layer_he_draw_times_L_to_the_minus_half():
    # sigma_w = L^(-1/2): sqrt 2 smaller than Zhang et al.'s sqrt(2) * L^(-1/2), as chapter 8 discloses
    blocks = 16
    model = ResidualMLP(64, 256, 10, blocks=blocks, init="fixup", rng=0)
    w1s = np.concatenate([w.ravel() for w in model.weights[1:-1:2]])
    assert 256 * np.var(w1s) == pytest.approx(1 / blocks, rel=0.02)
    assert not any(w.any() for w in model.weights[2:-1:2]) and not model.weights[-1].any()


def test_variance_gains_are_checked_by_name():
    with pytest.raises(ValueError, match="variance_gain1"):
        block_growth(1.0, variance_gain1=-1.0)
    with pytest.raises(ValueError, match="variance_gain2"):
        block_growth(1.0, variance_gain2=float("nan"))
    x = np.ones((4, 3), dtype=np.float32)
    with pytest.raises(ValueError, match="w1_variance_gain"):
        block_factors(x, np.array([0, 1, 0, 1]), 2, width=4, w1_variance_gain=-2.0)


def test_block_growth_formula():
    assert block_growth() == 2.0
    assert block_growth(0.5) == 1.25
    assert block_growth(1.0, variance_gain1=2.0) == 3.0
    assert block_growth(0.0) == 1.0


def test_measured_growth_matches_block_growth():
    factors = []
    for seed in range(4):
        model = ResidualMLP(16, 128, 4, blocks=8, rng=seed, dtype=np.float64)
        model.forward(np.random.default_rng(seed).standard_normal((64, 16)))
        q = np.array([np.mean(h ** 2) for h in model.activations[:-1]])
        factors.append(np.mean(q[1:] / q[:-1]))
    assert np.mean(factors) == pytest.approx(2.0, rel=0.05)


def test_train_and_diagnostics_accept_the_model():
    x, y = np.random.default_rng(0).random((32, 8)).astype(np.float32), np.arange(32) % 3
    for options in ({}, {"batch_norm": True}, {"init": "fixup"}):
        model = ResidualMLP(8, 6, 3, blocks=3, rng=0, **options)
        history = train(model, x, y, lr=0.05, steps=5, batch_size=16, rng=0)
        assert history.steps == 5 and history.grad_norm.shape == (5, model.depth)
        signal, weights = diagnostics.backprop_norms(model, x, y)
        assert signal.shape == (model.blocks + 2,) and weights.shape == (model.depth,)
        assert 0.0 <= accuracy(model, x, y) <= 1.0


def test_exploding_residual_network_is_reported_as_a_failure():
    x, y = np.random.default_rng(0).random((64, 64)).astype(np.float32), np.arange(64) % 10
    history = train(ResidualMLP(64, 64, 10, blocks=64, rng=0), x, y, lr=0.1, steps=5)
    assert history.diverged and "layer" in history.failure


def test_make_scheme_and_profiles():
    x, y = np.random.default_rng(0).random((32, 8)).astype(np.float32), np.arange(32) % 3
    for scheme in SCHEMES:
        model = make_scheme(scheme, 8, 6, 3, blocks=4, rng=0)
        assert model.depth == 10
        diagnostics.backprop_norms(model, x, y)
        rms, grad = block_profile(model)
        assert rms.shape == grad.shape == (5,)
        pred_rms, pred_grad = predicted_profile(scheme, 4, rms[0], grad[-1])
        assert pred_rms.shape == (5,) and pred_rms[0] == pytest.approx(rms[0])
        assert (pred_grad is None) == (scheme == "batch norm")
    assert isinstance(make_scheme("plain", 8, 6, 3, blocks=4), MLP)
    np.testing.assert_allclose(predicted_profile("residual", 3, 1.0, 1.0)[0], [1, 2 ** 0.5, 2, 2 ** 1.5])
    np.testing.assert_allclose(predicted_profile("batch norm", 2, 1.0, 1.0)[0], np.sqrt([1, 2, 3]))


def test_relu_kernel_matches_monte_carlo():
    gen = np.random.default_rng(0)
    h = gen.standard_normal((4, 3))
    w = gen.standard_normal((3, 400_000))
    a = np.maximum(h @ w, 0)
    np.testing.assert_allclose(relu_kernel(h), a @ a.T / w.shape[1], rtol=0.02)
    np.testing.assert_allclose(np.diag(relu_kernel(h, 2.0)), np.sum(h ** 2, axis=1))  # variance ‖h‖²/2
    assert relu_kernel(np.zeros((2, 3))).tolist() == [[0.0, 0.0], [0.0, 0.0]]


@pytest.mark.parametrize("kwargs, error, words", [
    ({"init": "orthogonal"}, ValueError, "init must be one of 'he', 'fixup'"),
    ({"branch_scale": -1.0}, ValueError, "branch_scale must be >= 0"),
    ({"branch_scale": "big"}, TypeError, "branch_scale must be a real number"),
    ({"blocks": 0}, ValueError, "blocks must be a positive integer"),
    ({"width": 2.5}, TypeError, "width must be a positive integer"),
    ({"activation": "swish9"}, ValueError, "activation"),
    ({"dtype": np.int32}, ValueError, "dtype must be float16, float32 or float64"),
])
def test_bad_arguments_get_clear_errors(kwargs, error, words):
    args = {"n_in": 4, "width": 4, "n_out": 2, "blocks": 2} | kwargs
    with pytest.raises(error, match=words):
        ResidualMLP(**args)


def test_bad_calls_get_clear_errors():
    model = ResidualMLP(4, 4, 2, blocks=2, rng=0)
    with pytest.raises(RuntimeError, match="call forward"):
        model.backward(np.zeros((3, 2)))
    with pytest.raises(RuntimeError, match="call backward"):
        model.gradients()
    with pytest.raises(ValueError, match=r"x must have shape \(batch, 4\)"):
        model.forward(np.zeros((3, 5)))
    model.forward(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"dout must have shape \(3, 2\)"):
        model.backward(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="scheme must be one of"):
        make_scheme("densenet", 4, 4, 2, blocks=2)
    with pytest.raises(RuntimeError, match="block_profile"):
        block_profile(ResidualMLP(4, 4, 2, blocks=2))
    with pytest.raises(ValueError, match="h must be a 2-D array"):
        relu_kernel(np.zeros(3))
    assert "init='fixup'" in repr(ResidualMLP(4, 4, 2, blocks=2, init="fixup", batch_norm=True))


def test_block_profile_is_the_rms_of_the_stream():
    x, y = np.random.default_rng(0).random((16, 8)).astype(np.float32), np.arange(16) % 3
    model = ResidualMLP(8, 6, 3, blocks=3, rng=0)
    diagnostics.backprop_norms(model, x, y)
    rms, _ = block_profile(model)
    by_hand = [np.sqrt(np.mean(np.square(h, dtype=np.float64))) for h in model.activations[:-1]]
    assert np.array_equal(rms, by_hand)  # bit for bit: layer_stats.mean_squares is the same float64 mean


@pytest.mark.parametrize("options", [{}, {"batch_norm": True}, {"branch_scale": 0.3}, {"init": "fixup"}])
def test_gradient_check_passes_for_every_option(options):
    arrays, error = gradient_check(**options)
    assert arrays == (16 if options.get("batch_norm") else 12) and error < 1e-7


def test_block_factors_estimate_block_growth():
    x, y = np.random.default_rng(0).random((128, 16)).astype(np.float32), np.arange(128) % 4
    stats = layer_stats.over_seeds(lambda seed: block_factors(x, y, 8, width=64, rng=seed), range(6))
    assert stats.samples.shape == (6, 2)
    assert np.all(np.abs(stats.mean - block_growth()) < 4 * stats.sem + 0.05)  # forward and backward: r = 2
    blanket = block_factors(x, y, 8, width=64, w1_variance_gain=2.0, rng=0)
    assert blanket[0] > block_factors(x, y, 8, width=64, rng=0)[0]  # σ_w,1² = 2 grows faster
    assert np.array_equal(block_factors(x, y, 4, width=16, branch_scale=0.0, rng=0), [1.0, 1.0])
    increments = block_factors(x, y, 8, width=64, batch_norm=True, increments=True, rng=0)
    assert 0.5 < increments[0] < 1.5  # each normalised branch adds about σ_w,2²/2 = 1 to the mean square


def test_fixup_first_update_does_not_grow_with_depth():
    x = np.random.default_rng(0).random((64, 16))
    y = np.arange(64) % 4
    for blocks in (1, 4):
        predicted, measured, biases = fixup_first_update(x, y, blocks, width=32, lr=0.1)
        assert predicted.shape == measured.shape == (64, 32) and biases.shape == (32,)
        unscaled = fixup_first_update(x, y, blocks, width=32, lr=0.1, variance_gain=1.0)[1]
        ratio = math.sqrt(np.mean(unscaled ** 2) / np.mean(measured ** 2))
        assert ratio == pytest.approx(blocks, rel=1e-9)  # relu is homogeneous: exactly L times Fixup's
        paper = fixup_first_update(x, y, blocks, width=32, lr=0.1, variance_gain=2 / blocks)
        np.testing.assert_allclose(paper[1], 2 * measured, rtol=1e-9, atol=1e-15)  # Zhang et al.'s: twice ours
        np.testing.assert_allclose(paper[0], 2 * predicted, rtol=1e-12)
    one = fixup_first_update(x, y, 1, width=32, lr=0.1)[2]
    four = fixup_first_update(x, y, 4, width=32, lr=0.1)[2]
    np.testing.assert_allclose(four, 4 * one, rtol=1e-9)  # every b₂ gets the same step
    with pytest.raises(ValueError, match="variance_gain"):
        fixup_first_update(x, y, 1, width=32, variance_gain=-1.0)
