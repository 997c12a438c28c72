"""initlab.LSTM: torch.nn.LSTM's parameters, gate order and equations, its backward pass through time against finite
differences, the forget-gate bias, and clear errors for bad input."""

import math

import numpy as np
import pytest

from initlab.gradcheck import numerical_gradient, relative_error
from initlab.lstm import GATES, LSTM
from initlab.recurrence import spectral_radius


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


def reference_forward(lstm, x, h0, c0):
    """torch.nn.LSTM's documented equations, one sequence and one step at a time, each gate from its own rows."""
    H = lstm.hidden_size
    w_ii, w_if, w_ig, w_io = (lstm.weight_ih[k * H:(k + 1) * H] for k in range(4))
    w_hi, w_hf, w_hg, w_ho = (lstm.weight_hh[k * H:(k + 1) * H] for k in range(4))
    b_ii, b_if, b_ig, b_io = (lstm.bias_ih[k * H:(k + 1) * H] for k in range(4))
    b_hi, b_hf, b_hg, b_ho = (lstm.bias_hh[k * H:(k + 1) * H] for k in range(4))
    T, B, _ = x.shape
    out, cells = np.zeros((T, B, H)), np.zeros((B, H))
    for b in range(B):
        h, c = h0[b], c0[b]
        for t in range(T):
            i = sigmoid(w_ii @ x[t, b] + b_ii + w_hi @ h + b_hi)
            f = sigmoid(w_if @ x[t, b] + b_if + w_hf @ h + b_hf)
            g = np.tanh(w_ig @ x[t, b] + b_ig + w_hg @ h + b_hg)
            o = sigmoid(w_io @ x[t, b] + b_io + w_ho @ h + b_ho)
            c = f * c + i * g
            h = o * np.tanh(c)
            out[t, b] = h
        cells[b] = c
    return out, cells


def test_forward_matches_torchs_equations_step_by_step():
    rng = np.random.default_rng(1)
    lstm = LSTM(3, 5, rng=0, dtype=np.float64)
    x, h0, c0 = rng.standard_normal((7, 4, 3)), rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    outputs, (h, c) = lstm.forward(x, (h0, c0))
    expected, cells = reference_forward(lstm, x, h0, c0)
    np.testing.assert_allclose(outputs, expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(h, outputs[-1])
    np.testing.assert_allclose(c, cells, rtol=1e-12, atol=1e-14)


def test_gate_order_is_i_f_g_o():
    # With every weight 0 and one constant bias per gate block, one step from (h_0, c_0) = (0, c_0) gives
    # c_1 = σ(b_f) c_0 + σ(b_i) tanh(b_g) and h_1 = σ(b_o) tanh(c_1): each value lands in one place only.
    lstm = LSTM(2, 3, rng=0, dtype=np.float64)
    lstm.weight_ih[:], lstm.weight_hh[:], lstm.bias_hh[:] = 0, 0, 0
    b = dict(zip(GATES, [0.3, -1.2, 0.7, 2.0]))
    for name, value in b.items():
        lstm.gate(lstm.bias_ih, name)[:] = value
    c0 = np.full((1, 3), 0.9)
    _, (h, c) = lstm.forward(np.zeros((1, 1, 2)), (np.zeros((1, 3)), c0))
    c_expected = sigmoid(b["f"]) * 0.9 + sigmoid(b["i"]) * np.tanh(b["g"])
    np.testing.assert_allclose(c, c_expected, rtol=1e-14)
    np.testing.assert_allclose(h, sigmoid(b["o"]) * np.tanh(c_expected), rtol=1e-14)
    assert lstm.gate(lstm.bias_ih, "f") is not None and GATES == ("i", "f", "g", "o")


def test_parameter_names_shapes_and_dtype():
    lstm = LSTM(3, 5)
    shapes = {name: p.shape for name, p in lstm.parameters().items()}
    assert shapes == {"weight_ih": (20, 3), "weight_hh": (20, 5), "bias_ih": (20,), "bias_hh": (20,)}
    assert all(p.dtype == np.float32 for p in lstm.parameters().values())
    outputs, (h, c) = lstm.forward(np.ones((2, 1, 3)))
    assert outputs.dtype == np.float32 and outputs.shape == (2, 1, 5) and h.shape == c.shape == (1, 5)


@pytest.mark.parametrize("init, forget_bias", [("default", None), ("default", 1.0), ("orthogonal", 0.0)])
def test_every_gradient_matches_finite_differences(init, forget_bias):
    rng = np.random.default_rng(2)
    lstm = LSTM(3, 4, init=init, forget_bias=forget_bias, rng=3, dtype=np.float64)
    x, h0, c0 = rng.standard_normal((6, 2, 3)), rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    g, gh, gc = rng.standard_normal((6, 2, 4)), rng.standard_normal((2, 4)), rng.standard_normal((2, 4))

    def loss():
        outputs, (h, c) = lstm.forward(x, (h0, c0))
        return np.sum(g * outputs) + np.sum(gh * h) + np.sum(gc * c)

    loss()
    grads = lstm.backward(g, (gh, gc))
    for name, p in {**lstm.parameters(), "x": x, "state h_0": h0, "state c_0": c0}.items():
        assert relative_error(grads[name], numerical_gradient(loss, p)) < 1e-7, name


def test_cell_grads_hold_the_gradient_reaching_every_cell_state():
    rng = np.random.default_rng(4)
    lstm = LSTM(2, 3, rng=0, dtype=np.float64)
    x, h0, c0 = rng.standard_normal((5, 2, 2)), rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    u = rng.standard_normal((2, 3))
    lstm.forward(x, (h0, c0))
    grads = lstm.backward(np.zeros((5, 2, 3)), (None, u))
    assert lstm.cell_grads.shape == lstm.hidden_grads.shape == (6, 2, 3)
    np.testing.assert_array_equal(lstm.cell_grads[-1], u)
    np.testing.assert_array_equal(lstm.cell_grads[0], grads["state c_0"])
    np.testing.assert_array_equal(lstm.hidden_grads[0], grads["state h_0"])


def test_with_no_recurrent_weights_the_cell_gradient_is_the_product_of_forget_gates():
    # The derivation's claim, exactly: with W_hh = 0 nothing flows back through h, so ∂c_T/∂c_0 = Π diag(f_t).
    rng = np.random.default_rng(5)
    lstm = LSTM(2, 4, forget_bias=1.0, rng=0, dtype=np.float64)
    lstm.weight_hh[:] = 0
    x = rng.standard_normal((8, 3, 2))
    u = rng.standard_normal((3, 4))
    lstm.forward(x)
    grads = lstm.backward(np.zeros((8, 3, 4)), (None, u))
    H = 4
    forget = sigmoid(x @ lstm.weight_ih[H:2 * H].T + lstm.bias_ih[H:2 * H] + lstm.bias_hh[H:2 * H])
    np.testing.assert_allclose(grads["state c_0"], u * forget.prod(axis=0), rtol=1e-12)


def test_forget_bias_goes_into_bias_ih_and_zeroes_bias_hh():
    lstm = LSTM(2, 6, forget_bias=1.0, rng=0, dtype=np.float64)
    np.testing.assert_array_equal(lstm.gate(lstm.bias_ih, "f"), 1.0)
    np.testing.assert_array_equal(lstm.gate(lstm.bias_hh, "f"), 0.0)
    other = LSTM(2, 6, rng=0, dtype=np.float64)  # the other gates keep their default draws
    for name in ("i", "g", "o"):
        np.testing.assert_array_equal(lstm.gate(lstm.bias_hh, name), other.gate(other.bias_hh, name))


def test_default_orthogonal_and_spectral_radius_inits():
    H = 16
    lstm = LSTM(3, H, rng=0, dtype=np.float64)
    assert all(np.abs(p).max() <= 1 / math.sqrt(H) for p in lstm.parameters().values())
    orth = LSTM(3, H, init="orthogonal", rng=0, dtype=np.float64)
    for name in GATES:
        block = orth.gate(orth.weight_hh, name)
        np.testing.assert_allclose(block.T @ block, np.eye(H), atol=1e-6)  # float32 draws
    assert not orth.bias_ih.any() and not orth.bias_hh.any()
    scaled = LSTM(3, H, spectral_radius=0.7, rng=0, dtype=np.float64)
    for name in GATES:
        assert math.isclose(spectral_radius(scaled.gate(scaled.weight_hh, name)), 0.7, rel_tol=1e-9)


@pytest.mark.parametrize("make, message", [
    (lambda: LSTM(2, 3, init="identity"), "init must be one of 'default', 'orthogonal'"),
    (lambda: LSTM(2, 0), "hidden_size must be a positive integer"),
    (lambda: LSTM(2, 3, forget_bias=math.inf), "forget_bias must be finite"),
    (lambda: LSTM(2, 3, forget_bias="1"), "forget_bias must be a real number"),
    (lambda: LSTM(2, 3, dtype=np.int32), "dtype must be float32 or float64"),
])
def test_bad_arguments_are_named(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


@pytest.mark.parametrize("x, state, message", [
    (np.zeros((0, 2, 3)), None, "length T >= 1, got length 0"),
    (np.zeros((2, 3)), None, "x must have 3 dimensions"),
    (np.zeros((4, 2, 3)), np.zeros((2, 4)), r"state must be None or a pair \(h_0, c_0\)"),
    (np.zeros((4, 2, 3)), (np.zeros((2, 4)), np.zeros((2, 5))), r"state c_0 must have shape .* = \(2, 4\)"),
    (np.zeros((4, 2, 3)), (np.zeros((1, 4)), np.zeros((2, 4))), r"state h_0 must have shape"),
])
def test_bad_input_is_named(x, state, message):
    lstm = LSTM(3, 4, rng=0)
    with pytest.raises(ValueError, match=message):
        lstm.forward(x, state)


def test_bad_backward_calls_and_gate_names():
    lstm = LSTM(3, 4, rng=0)
    with pytest.raises(RuntimeError, match="forward pass first"):
        lstm.backward(np.zeros((2, 1, 4)))
    lstm.forward(np.zeros((2, 1, 3)))
    with pytest.raises(ValueError, match="doutputs must have the outputs' shape"):
        lstm.backward(np.zeros((2, 1, 5)))
    with pytest.raises(ValueError, match=r"dstate must be None or a pair"):
        lstm.backward(np.zeros((2, 1, 4)), np.zeros((1, 4)))
    with pytest.raises(ValueError, match="name must be one of 'i', 'f', 'g', 'o'"):
        lstm.gate(lstm.bias_ih, "forget")
