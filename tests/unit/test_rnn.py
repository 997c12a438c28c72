"""initlab.RNN: torch.nn.RNN's parameters and equations, its backward pass through time against finite differences,
its initializations, and clear errors for bad input."""

import math

import numpy as np
import pytest

from initlab.gradcheck import numerical_gradient, relative_error
from initlab.recurrence import spectral_radius
from initlab.rnn import IDENTITY_INPUT_STD, RNN


def reference_forward(rnn, x, h0):
    """torch.nn.RNN's documented equation, one sequence and one step at a time, in column-vector form."""
    f = np.tanh if rnn.nonlinearity == "tanh" else (lambda v: np.maximum(v, 0.0))
    T, B, _ = x.shape
    out = np.zeros((T, B, rnn.hidden_size))
    for b in range(B):
        h = h0[b]
        for t in range(T):
            h = f(rnn.weight_ih @ x[t, b] + rnn.bias_ih + rnn.weight_hh @ h + rnn.bias_hh)
            out[t, b] = h
    return out


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_forward_matches_torchs_equation_step_by_step(nonlinearity):
    rng = np.random.default_rng(1)
    rnn = RNN(3, 5, nonlinearity, rng=0, dtype=np.float64)
    x, h0 = rng.standard_normal((7, 4, 3)), rng.standard_normal((4, 5))
    outputs, h_last = rnn.forward(x, h0)
    expected = reference_forward(rnn, x, h0)
    np.testing.assert_allclose(outputs, expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(h_last, outputs[-1])
    zero_state, _ = rnn.forward(x)
    np.testing.assert_allclose(zero_state, reference_forward(rnn, x, np.zeros((4, 5))), rtol=1e-12, atol=1e-14)


def test_parameter_names_shapes_and_dtype():
    rnn = RNN(3, 5)
    shapes = {name: p.shape for name, p in rnn.parameters().items()}
    assert shapes == {"weight_ih": (5, 3), "weight_hh": (5, 5), "bias_ih": (5,), "bias_hh": (5,)}
    assert all(p.dtype == np.float32 for p in rnn.parameters().values())
    outputs, h = rnn.forward(np.ones((2, 1, 3)))
    assert outputs.dtype == np.float32 and outputs.shape == (2, 1, 5) and h.shape == (1, 5)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("init", ["default", "orthogonal", "identity"])
def test_every_gradient_matches_finite_differences(nonlinearity, init):
    rng = np.random.default_rng(2)
    rnn = RNN(3, 4, nonlinearity, init=init, rng=3, dtype=np.float64)
    if init == "identity":  # zero biases and tiny inputs would leave relu's kinks close to the probes
        rnn.weight_ih[:] = rng.normal(0, 0.5, rnn.weight_ih.shape)
        rnn.bias_ih[:] = rng.normal(0, 0.3, 4)
    x, h0 = rng.standard_normal((6, 2, 3)), rng.standard_normal((2, 4))
    g, g_last = rng.standard_normal((6, 2, 4)), rng.standard_normal((2, 4))

    def loss():
        outputs, h = rnn.forward(x, h0)
        return np.sum(g * outputs) + np.sum(g_last * h)

    loss()
    grads = rnn.backward(g, g_last)
    for name, p in {**rnn.parameters(), "x": x, "state": h0}.items():
        assert relative_error(grads[name], numerical_gradient(loss, p)) < 1e-7, name


def test_hidden_grads_hold_the_gradient_reaching_every_state():
    rng = np.random.default_rng(4)
    rnn = RNN(2, 3, rng=0, dtype=np.float64)
    x, h0 = rng.standard_normal((5, 2, 2)), rng.standard_normal((2, 3))
    u = rng.standard_normal((2, 3))
    rnn.forward(x, h0)
    grads = rnn.backward(np.zeros((5, 2, 3)), u)
    assert rnn.hidden_grads.shape == (6, 2, 3)
    np.testing.assert_array_equal(rnn.hidden_grads[-1], u)
    np.testing.assert_array_equal(rnn.hidden_grads[0], grads["state"])
    # ∂ℓ/∂h_2 by finite differences: restart the chain at h_2 and perturb it
    outputs, _ = rnn.forward(x, h0)
    h2 = outputs[1].copy()

    def from_h2():
        _, h = rnn.forward(x[2:], h2)
        return np.sum(u * h)

    np.testing.assert_allclose(rnn.hidden_grads[2], numerical_gradient(from_h2, h2), rtol=1e-6, atol=1e-9)


def test_default_init_is_pytorchs_uniform_and_gives_radius_near_one_over_root_three():
    H = 400
    rnn = RNN(3, H, rng=0, dtype=np.float64)
    bound = 1 / math.sqrt(H)
    for p in rnn.parameters().values():
        assert np.abs(p).max() <= bound
    assert abs(rnn.weight_hh.var() * 3 * H - 1) < 0.02
    assert abs(spectral_radius(rnn.weight_hh) * math.sqrt(3) - 1) < 0.05  # circular law


def test_orthogonal_and_identity_inits():
    rnn = RNN(3, 16, "relu", init="orthogonal", rng=0, dtype=np.float64)
    # initlab.init.orthogonal returns float32: orthogonal to float32 rounding
    np.testing.assert_allclose(rnn.weight_hh.T @ rnn.weight_hh, np.eye(16), atol=1e-6)
    assert not rnn.bias_ih.any() and not rnn.bias_hh.any()
    assert np.abs(rnn.weight_ih).max() <= 1 / 4
    irnn = RNN(3, 200, "relu", init="identity", rng=0, dtype=np.float64)
    np.testing.assert_array_equal(irnn.weight_hh, np.eye(200))
    assert not irnn.bias_ih.any() and not irnn.bias_hh.any()
    assert abs(irnn.weight_ih.std() / IDENTITY_INPUT_STD - 1) < 0.05


@pytest.mark.parametrize("init", ["default", "orthogonal", "identity"])
def test_spectral_radius_sets_the_radius_of_weight_hh(init):
    rnn = RNN(2, 32, "relu", init=init, spectral_radius=1.3, rng=0, dtype=np.float64)
    assert math.isclose(spectral_radius(rnn.weight_hh), 1.3, rel_tol=1e-9)


def test_the_same_seed_gives_the_same_layer():
    a, b = RNN(2, 8, rng=5), RNN(2, 8, rng=5)
    for name in a.names:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


@pytest.mark.parametrize("make, message", [
    (lambda: RNN(2, 3, nonlinearity="sigmoid"), "nonlinearity must be one of 'tanh', 'relu'"),
    (lambda: RNN(2, 3, init="xavier"), "init must be one of 'default', 'orthogonal', 'identity'"),
    (lambda: RNN(0, 3), "input_size must be a positive integer"),
    (lambda: RNN(2, 3.5), "hidden_size must be a positive integer"),
    (lambda: RNN(2, 3, spectral_radius=-1.0), "radius must be > 0"),
    (lambda: RNN(2, 3, dtype=np.float16), "dtype must be float32 or float64"),
])
def test_bad_arguments_are_named(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


@pytest.mark.parametrize("x, state, message", [
    (np.zeros((0, 2, 3)), None, "length T >= 1, got length 0"),
    (np.zeros((4, 3)), None, r"x must have 3 dimensions \(T, batch, input_size=3\), got shape \(4, 3\)"),
    (np.zeros((4, 2, 5)), None, r"x must have shape \(T, batch >= 1, 3\)"),
    (np.zeros((4, 2, 3)), np.zeros((2, 5)), r"state must have shape \(batch, hidden_size\) = \(2, 4\), got \(2, 5\)"),
    (np.zeros((4, 2, 3)), np.zeros(4), r"state must have shape .* got \(4,\)"),
])
def test_bad_input_is_named(x, state, message):
    rnn = RNN(3, 4, rng=0)
    with pytest.raises(ValueError, match=message):
        rnn.forward(x, state)


def test_bad_backward_calls_are_named():
    rnn = RNN(3, 4, rng=0)
    with pytest.raises(RuntimeError, match="forward pass first"):
        rnn.backward(np.zeros((2, 1, 4)))
    rnn.forward(np.zeros((2, 1, 3)))
    with pytest.raises(ValueError, match=r"doutputs must have the outputs' shape \(2, 1, 4\)"):
        rnn.backward(np.zeros((3, 1, 4)))
    with pytest.raises(ValueError, match="dstate must have shape"):
        rnn.backward(np.zeros((2, 1, 4)), np.zeros((1, 3)))
    with pytest.raises(TypeError, match="x must be numeric"):
        rnn.forward(np.array([[["a", "b", "c"]]]))
