"""initlab.diagnostics: per-layer gradient norms, spectral norms, standard deviations, backward bounds."""

import math
import warnings

import numpy as np
import pytest

from initlab import MLP, diagnostics, init, losses


def batch(seed=0, n=16, features=4, classes=3):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, features)), rng.integers(0, classes, n)


@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_gradient_norms_are_the_norms_of_backward_without_an_update(loss):
    x, y = batch()
    target = y if loss == "cross_entropy" else np.eye(3)[y]
    model = MLP([4, 8, 6, 3], activation="tanh", rng=0, dtype=np.float64)
    before = [w.copy() for w in model.weights]
    norms = diagnostics.gradient_norms(model, x, target, loss=loss)
    grads = model.backward(losses.get(loss)(model.forward(x), target)[1])
    assert norms.dtype == np.float64 and norms.shape == (3,)
    np.testing.assert_allclose(norms, [np.linalg.norm(dw) for dw, _ in grads], rtol=1e-12)
    assert all(np.array_equal(w, w0) for w, w0 in zip(model.weights, before))


def test_gradient_norms_report_overflow_as_inf_or_nan_without_warnings():
    big = lambda fan_in, fan_out, rng: init.normal(fan_in, fan_out, std=100.0, rng=rng)  # noqa: E731
    model = MLP([4, 32, 32, 3], init=big, rng=0, dtype=np.float16)
    x, y = batch()
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        norms = diagnostics.gradient_norms(model, x, y)
    assert not np.isfinite(norms).all()


def test_gradient_norms_are_summed_in_float64():
    # MSE of 0 against 100 on 2 outputs: dout = 2 (0 - 100) / 2 = -100, dW = x^T dout = -3000 per
    # entry. 3000 fits in float16, its square (9e6) does not: the norm 6000 needs float64 sums.
    model = MLP([2, 2], init="zeros", dtype=np.float16)
    norms = diagnostics.gradient_norms(model, np.full((1, 2), 30.0), np.full((1, 2), 100.0), loss="mse")
    assert norms[0] == 6000.0


@pytest.mark.parametrize("gain", [0.5, 1.0, 2.0])
def test_spectral_norms_of_orthogonal_weights_are_the_gain(gain):
    model = MLP([30, 50, 20, 20], init=lambda fan_in, fan_out, rng: init.orthogonal(fan_in, fan_out, gain, rng=rng), rng=0)
    np.testing.assert_allclose(diagnostics.spectral_norms(model), gain, rtol=1e-5)


def test_spectral_norms_are_the_largest_singular_values():
    model = MLP([7, 5, 9, 2], init="normal", rng=1)
    expected = [np.linalg.svd(w.astype(np.float64), compute_uv=False)[0] for w in model.weights]
    np.testing.assert_allclose(diagnostics.spectral_norms(model), expected, rtol=1e-12)


def test_fresh_backprop_norms_are_those_of_the_network_it_describes():
    x, y = batch(classes=3)
    signal, weights = diagnostics.fresh_backprop_norms(x, y, 5, "tanh", 1.5, width=8, rng=3)
    model = MLP([4] + [8] * 5 + [3], activation="tanh", init=init.scaled_normal(1.5), rng=3)
    expected = diagnostics.backprop_norms(model, x, y)
    np.testing.assert_array_equal(signal, expected[0])
    np.testing.assert_array_equal(weights, expected[1])
    assert signal.shape == weights.shape == (6,)


def test_fresh_backprop_norms_name_bad_arguments():
    x, y = batch()
    with pytest.raises(ValueError, match="scale must be > 0"):
        diagnostics.fresh_backprop_norms(x, y, 3, "relu", -1.0)
    with pytest.raises(TypeError, match="depth must be a positive integer"):
        diagnostics.fresh_backprop_norms(x, y, 2.0, "relu", 1.0)
    with pytest.raises(ValueError, match="width must be a positive integer"):
        diagnostics.fresh_backprop_norms(x, y, 3, "relu", 1.0, width=0)


def test_layers_above_counts_each_format_and_nan_as_overflow():
    assert diagnostics.FLOAT_MAX == {"float16": 65504.0, "float32": float(np.finfo(np.float32).max)}
    signal = np.array([1e3, 1e5, 1e39, np.nan])
    weights = np.array([1e5, 1.0, np.inf, np.nan])
    # past float16's 65504: layer 1's weight gradient, layer 2's signal; past float32: layer 3, and the NaNs
    assert diagnostics.layers_above(signal, weights) == {"float16": 4, "float32": 2}
    assert diagnostics.layers_above([1.0, 2.0], [3.0, 4.0], {"small": 2.5}) == {"small": 2}


def test_layers_above_needs_one_norm_per_layer_in_both():
    with pytest.raises(ValueError, match="signal and weights must be 1-D with one norm per layer"):
        diagnostics.layers_above([1.0, 2.0], [1.0])


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_backward_bound_bounds_the_measured_gradients(activation):
    model = MLP([4, 16, 16, 16, 3], activation=activation, rng=2)
    x, y = batch()
    model.backward(losses.softmax_cross_entropy(model.forward(x), y)[1])
    bounds = diagnostics.backward_bound(model)
    measured = [np.linalg.norm(g.astype(np.float64)) for g in model.grad_activations]
    assert bounds.shape == (model.depth,)
    assert bounds[-1] == pytest.approx(measured[-1])
    assert all(b >= m * (1 - 1e-6) for b, m in zip(bounds, measured))


def test_backward_bound_is_tight_for_a_linear_orthogonal_net():
    model = MLP([8, 8, 8, 8], activation="linear", init="orthogonal", rng=3, dtype=np.float64)
    model.forward(np.ones((5, 8)))
    model.backward(np.random.default_rng(0).normal(size=(5, 8)))
    measured = [np.linalg.norm(g) for g in model.grad_activations]
    # W^T preserves norms exactly in exact arithmetic; the init is orthogonal to float32 precision.
    np.testing.assert_allclose(diagnostics.backward_bound(model), measured, rtol=1e-6)


def test_backward_bound_needs_a_backward_and_a_plain_net():
    with pytest.raises(RuntimeError, match=r"call forward\(x\) and backward\(dout\) before backward_bound"):
        diagnostics.backward_bound(MLP([3, 4, 2], rng=0))
    with pytest.raises(ValueError, match="backward_bound covers plain networks only"):
        diagnostics.backward_bound(MLP([3, 4, 2], batch_norm=True, rng=0))


# --- backward_factors ------------------------------------------------------------------------------

def test_backward_factors_are_exact_for_a_linear_orthogonal_network():
    # Orthogonal square weights and the identity activation preserve every gradient norm exactly,
    # and n * mean(W^2) = 1, so prediction and measurement are both 1 (to the float32 precision
    # in which initializers return the weights).
    rng = np.random.default_rng(0)
    model = MLP([16, 16, 16, 16, 4], activation="linear", init="orthogonal", rng=0, dtype=np.float64)
    diagnostics.backprop_norms(model, rng.standard_normal((8, 16)), rng.integers(0, 4, 8))
    predicted, measured = diagnostics.backward_factors(model)
    assert predicted.shape == measured.shape == (2,)
    np.testing.assert_allclose(predicted, 1.0, rtol=1e-6)
    np.testing.assert_allclose(measured, 1.0, rtol=1e-6)


@pytest.mark.parametrize("activation, scale", [("tanh", 1.0), ("sigmoid", 1.0), ("relu", 2 ** 0.5)])
def test_backward_factors_predict_a_wide_random_network(activation, scale):
    rng = np.random.default_rng(1)
    model = MLP([64] + [256] * 6 + [10], activation=activation, init=init.scaled_normal(scale), rng=0)
    diagnostics.backprop_norms(model, rng.standard_normal((256, 64)), rng.integers(0, 10, 256))
    predicted, measured = diagnostics.backward_factors(model)
    assert predicted.shape == (5,)
    np.testing.assert_allclose(measured, predicted, rtol=0.1)


def test_backward_factors_need_a_backward_pass_and_a_plain_network():
    with pytest.raises(RuntimeError, match="backward"):
        diagnostics.backward_factors(MLP([4, 4, 4, 2], rng=0))
    with pytest.raises(ValueError, match="plain networks"):
        diagnostics.backward_factors(MLP([4, 4, 4, 2], rng=0, batch_norm=True))


# --- norm ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("scale", [1.0, 1e-200, 1e200])
def test_norm_is_the_frobenius_norm_without_overflow_or_underflow(scale):
    a = np.array([[3.0, 0.0], [0.0, 4.0]]) * scale
    assert diagnostics.norm(a) == pytest.approx(5.0 * scale, rel=1e-12)


def test_norm_reports_non_finite_entries_and_zero():
    assert diagnostics.norm(np.array([1.0, np.inf])) == math.inf
    assert math.isnan(diagnostics.norm(np.array([1.0, np.nan])))
    assert diagnostics.norm(np.zeros(3, dtype=np.float16)) == 0.0


def test_norms_are_norm_of_each_array_to_the_last_bit():
    # norms() converts runs of small arrays together and dots each one's stretch: the same sums as norm()
    rng = np.random.default_rng(0)
    shapes = [(64, 64), (64,), (3, 5, 7), (1,), (0,), (17,), (300, 300), (2, 4097), (256,)]
    arrays = [(rng.standard_normal(s) * 10.0 ** rng.integers(-3, 4)).astype(dtype)
              for s in shapes for dtype in (np.float32, np.float16, np.float64)]
    arrays[0][3, 4] = np.nan
    arrays[3][2] = np.inf
    arrays[6][...] = 0.0
    arrays.append(np.array([1e200, -3e200]))  # float64 whose squares overflow: norm rescales
    arrays.append(np.asfortranarray(rng.standard_normal((40, 30))).astype(np.float32))  # read in C order too
    arrays.append(rng.standard_normal((30, 40)).astype(np.float32).T)
    for subset in (arrays, arrays[::2], arrays[1:8], [a for a in arrays if a.dtype == np.float32]):
        expected = [diagnostics.norm(a) for a in subset]
        got = diagnostics.norms(iter(subset))  # any iterable, as training passes generators
        assert np.array(got).tobytes() == np.array(expected).tobytes()
