"""initlab.Conv2d: torch's cross-correlation (checked against a loop over the formula in torch's documentation),
a backward pass equal to finite differences, PyTorch's default initialization, and clear errors."""

import math

import numpy as np
import pytest

from initlab import init
from initlab.conv2d import Conv2d, output_size
from initlab.gradcheck import numerical_gradient, relative_error


def naive_conv2d(x, weight, bias, stride, padding):
    """out(N_i, C_out_j) = bias(C_out_j) + Σ_k weight(C_out_j, k) ⋆ input(N_i, k), ⋆ the 2-D cross-correlation,
    written as loops over every index (torch.nn.Conv2d's documentation)."""
    n, c_in, height, width = x.shape
    c_out, _, k, _ = weight.shape
    padded = np.zeros((n, c_in, height + 2 * padding, width + 2 * padding))
    padded[:, :, padding:padding + height, padding:padding + width] = x
    h_out = (height + 2 * padding - k) // stride + 1
    w_out = (width + 2 * padding - k) // stride + 1
    out = np.zeros((n, c_out, h_out, w_out))
    for b in range(n):
        for o in range(c_out):
            for i in range(h_out):
                for j in range(w_out):
                    total = bias[o]
                    for c in range(c_in):
                        for u in range(k):
                            for v in range(k):
                                total += weight[o, c, u, v] * padded[b, c, stride * i + u, stride * j + v]
                    out[b, o, i, j] = total
    return out


CASES = [  # (batch, c_in, c_out, k, stride, padding, height, width)
    (2, 3, 4, 3, 1, 0, 6, 6),
    (3, 2, 5, 3, 1, 1, 5, 7),
    (2, 1, 3, 5, 2, 2, 8, 8),
    (1, 4, 2, 2, 2, 0, 7, 5),
    (2, 3, 3, 1, 1, 0, 4, 4),
    (2, 2, 2, 3, 3, 1, 9, 6),
    (1, 1, 1, 4, 1, 0, 4, 4),  # the kernel exactly fills the input
]


@pytest.mark.parametrize("case", CASES)
def test_forward_equals_the_documented_formula(case):
    n, c_in, c_out, k, s, p, h, w = case
    rng = np.random.default_rng(1)
    conv = Conv2d(c_in, c_out, k, stride=s, padding=p, rng=0, dtype=np.float64)
    x = rng.standard_normal((n, c_in, h, w))
    out = conv.forward(x)
    assert out.shape == (n, c_out, output_size(h, k, s, p), output_size(w, k, s, p))
    np.testing.assert_allclose(out, naive_conv2d(x, conv.weight, conv.bias, s, p), rtol=1e-12, atol=1e-12)


def test_float32_forward_and_input_left_alone():
    conv = Conv2d(2, 3, 3, padding=1, rng=0)
    x = np.random.default_rng(0).standard_normal((2, 2, 5, 5))
    before = x.copy()
    out = conv.forward(x)
    assert out.dtype == np.float32 and conv.weight.dtype == np.float32
    np.testing.assert_array_equal(x, before)
    np.testing.assert_allclose(out, naive_conv2d(x.astype(np.float32), conv.weight, conv.bias, 1, 1), rtol=1e-5,
                               atol=1e-5)


@pytest.mark.parametrize("case", CASES)
def test_backward_equals_finite_differences(case):
    n, c_in, c_out, k, s, p, h, w = case
    rng = np.random.default_rng(2)
    conv = Conv2d(c_in, c_out, k, stride=s, padding=p, rng=1, dtype=np.float64)
    conv.bias[:] = rng.standard_normal(c_out)
    x = rng.standard_normal((n, c_in, h, w))
    g = rng.standard_normal(conv.forward(x).shape)  # ℓ = Σ g ⊙ y, so ∂ℓ/∂y = g

    def loss():
        return float(np.sum(g * conv.forward(x)))

    conv.forward(x)
    dx, dweight, dbias = conv.backward(g)
    assert dx.shape == x.shape and dweight.shape == conv.weight.shape and dbias.shape == conv.bias.shape
    for analytic, array in ((dx, x), (dweight, conv.weight), (dbias, conv.bias)):
        assert relative_error(analytic, numerical_gradient(loss, array)) < 1e-8


def test_backward_counts_fan_in_and_fan_out():
    # All-ones weights: an interior output depends on c_in·k·k inputs, an interior input feeds c_out·k·k outputs.
    conv = Conv2d(3, 5, 3, padding=1, init=lambda w, rng=None: init.constant_(w, 1.0), dtype=np.float64)
    x = np.zeros((1, 3, 7, 7))
    conv.forward(x)
    dout = np.zeros((1, 5, 7, 7))
    dout[0, 2, 3, 3] = 1.0
    dx, _, _ = conv.backward(dout)
    assert np.count_nonzero(dx) == conv.fan_in == 27
    x[0, 1, 3, 3] = 1.0
    assert np.count_nonzero(conv.forward(x)) == conv.fan_out == 45


def test_default_init_is_pytorch_conv2d():
    conv = Conv2d(16, 64, 3, rng=0, dtype=np.float64)
    bound = 1 / math.sqrt(16 * 9)
    for a in (conv.weight, conv.bias):
        assert np.abs(a).max() <= bound and np.abs(a).max() > 0.9 * bound
    w = conv.weight.ravel()
    assert abs(w.var() - bound**2 / 3) < 5 * bound**2 / 3 * math.sqrt(0.8 / w.size)
    assert abs(w.mean()) < 5 * bound / math.sqrt(3 * w.size)


@pytest.mark.parametrize("name, std", [("kaiming_normal", math.sqrt(2 / 144)), ("xavier_normal", math.sqrt(2 / 720)),
                                       ("lecun_normal", math.sqrt(1 / 144))])
def test_named_init_draws_the_filler_and_zero_bias(name, std):
    conv = Conv2d(16, 64, 3, init=name, rng=0, dtype=np.float64)
    assert not conv.bias.any()
    w = conv.weight.ravel()
    assert abs(w.std() / std - 1) < 5 * math.sqrt(0.5 / w.size)
    np.testing.assert_array_equal(conv.weight, getattr(init, name + "_")(np.empty((64, 16, 3, 3)), rng=0))


def test_orthogonal_init_makes_the_flattened_filters_orthonormal():
    conv = Conv2d(8, 16, 3, init="orthogonal", rng=0, dtype=np.float64)
    flat = conv.weight.reshape(16, -1)
    np.testing.assert_allclose(flat @ flat.T, np.eye(16), atol=1e-12)


def test_seeded():
    a, b = Conv2d(2, 3, 3, rng=5), Conv2d(2, 3, 3, rng=5)
    np.testing.assert_array_equal(a.weight, b.weight)
    np.testing.assert_array_equal(a.bias, b.bias)


@pytest.mark.parametrize("make, error, message", [
    (lambda: Conv2d(0, 3, 3), ValueError, "in_channels must be a positive integer"),
    (lambda: Conv2d(2, 3.0, 3), TypeError, "out_channels must be a positive integer"),
    (lambda: Conv2d(2, 3, 0), ValueError, "kernel_size must be a positive integer"),
    (lambda: Conv2d(2, 3, 3, stride=0), ValueError, "stride must be a positive integer, got 0"),
    (lambda: Conv2d(2, 3, 3, stride=-1), ValueError, "stride must be a positive integer, got -1"),
    (lambda: Conv2d(2, 3, 3, stride=1.5), ValueError, "stride must be a positive integer"),
    (lambda: Conv2d(2, 3, 3, padding=-1), ValueError, "padding must be a non-negative integer"),
    (lambda: Conv2d(2, 3, 3, init="he"), ValueError, "init must be one of 'default', 'zeros'"),
    (lambda: Conv2d(2, 3, 3, init=None), ValueError, "init must be one of"),
    (lambda: Conv2d(2, 3, 3, dtype=np.int32), ValueError, "dtype must be float16, float32 or float64"),
    (lambda: Conv2d(2, 3, 3, init=lambda w, rng=None: np.zeros(3)), ValueError, "init returned shape"),
])
def test_bad_construction(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("x, message", [
    (np.zeros((2, 3, 5, 5)), r"x must have shape \(batch, 2, height, width\), got shape \(2, 3, 5, 5\)"),
    (np.zeros((2, 5, 5)), r"x must have shape \(batch, 2, height, width\), got shape \(2, 5, 5\)"),
    (np.zeros((0, 2, 5, 5)), "x must hold at least one example"),
    (np.zeros((1, 2, 2, 5)), "kernel_size 3 is larger than the padded input, 2 \\+ 2·0 = 2"),
    (np.zeros((1, 2, 5, 1)), "kernel_size 3 is larger than the padded input"),
])
def test_bad_input(x, message):
    with pytest.raises(ValueError, match=message):
        Conv2d(2, 4, 3, rng=0).forward(x)


def test_padding_lets_a_kernel_fit():
    assert Conv2d(1, 1, 3, padding=1, rng=0).forward(np.zeros((1, 1, 1, 1))).shape == (1, 1, 1, 1)


def test_non_numeric_input():
    with pytest.raises(TypeError, match="x must be numeric"):
        Conv2d(1, 1, 1, rng=0).forward(np.full((1, 1, 2, 2), "a"))


def test_backward_errors():
    conv = Conv2d(2, 4, 3, rng=0)
    with pytest.raises(RuntimeError, match="call forward"):
        conv.backward(np.zeros((1, 4, 3, 3)))
    conv.forward(np.zeros((1, 2, 5, 5)))
    with pytest.raises(ValueError, match=r"dout must have shape \(1, 4, 3, 3\)"):
        conv.backward(np.zeros((1, 4, 5, 5)))


def test_output_size_formula():
    assert output_size(8, 3, 1, 1) == 8 and output_size(8, 3, 2, 1) == 4 and output_size(7, 2, 2, 0) == 3
    with pytest.raises(ValueError, match="stride must be a positive integer"):
        output_size(8, 3, 0)


def test_backward_without_the_input_gradient_gives_the_same_parameter_gradients():
    conv = Conv2d(3, 4, 3, stride=2, padding=1, rng=0)
    x = np.random.default_rng(1).standard_normal((2, 3, 7, 7)).astype(np.float32)
    dout = np.random.default_rng(2).standard_normal(conv.forward(x).shape).astype(np.float32)
    dx, dweight, dbias = conv.backward(dout)
    none, dweight_only, dbias_only = conv.backward(dout, input_grad=False)
    assert none is None and dx is not None
    assert np.array_equal(dweight, dweight_only) and np.array_equal(dbias, dbias_only)
