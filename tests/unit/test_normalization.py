"""initlab.LayerNorm, RMSNorm and GroupNorm: torch's documented forward, the invariances that make them
per-example normalisers, backward passes against finite differences, and clear errors for bad input."""

import math

import numpy as np
import pytest

from initlab import BatchNorm, GroupNorm, LayerNorm, RMSNorm
from initlab.gradcheck import numerical_gradient, relative_error


def sample(shape, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return (1.5 + 2.0 * rng.standard_normal(shape)).astype(dtype)


def randomise(layer, seed=1):
    """Non-trivial gamma (and beta), so a test notices if either is ignored or misplaced."""
    rng = np.random.default_rng(seed)
    layer.gamma[...] = rng.uniform(0.5, 2.0, layer.gamma.shape)
    if hasattr(layer, "beta"):
        layer.beta[...] = rng.standard_normal(layer.beta.shape)
    return layer


# --- references: torch's documented formulas, one example (or group) at a time, in plain Python -----------

def reference_layer_norm(x, gamma, beta, eps):
    k = gamma.ndim
    out = np.empty_like(x, dtype=np.float64)
    for lead in np.ndindex(x.shape[:x.ndim - k]):
        entries = [float(v) for v in x[lead].ravel()]
        mean = math.fsum(entries) / len(entries)
        var = math.fsum((v - mean) ** 2 for v in entries) / len(entries)  # biased, as torch
        out[lead] = (x[lead] - mean) / math.sqrt(var + eps) * gamma + beta
    return out


def reference_rms_norm(x, gamma, eps):
    k = gamma.ndim
    out = np.empty_like(x, dtype=np.float64)
    for lead in np.ndindex(x.shape[:x.ndim - k]):
        entries = [float(v) for v in x[lead].ravel()]
        out[lead] = x[lead] / math.sqrt(math.fsum(v * v for v in entries) / len(entries) + eps) * gamma
    return out


def reference_group_norm(x, num_groups, gamma, beta, eps):
    n, c = x.shape[:2]
    per_group = c // num_groups
    out = np.empty_like(x, dtype=np.float64)
    for i in range(n):
        for g in range(num_groups):
            channels = slice(g * per_group, (g + 1) * per_group)
            entries = [float(v) for v in x[i, channels].ravel()]
            mean = math.fsum(entries) / len(entries)
            var = math.fsum((v - mean) ** 2 for v in entries) / len(entries)
            out[i, channels] = (x[i, channels] - mean) / math.sqrt(var + eps)
        out[i] = out[i] * gamma.reshape((c,) + (1,) * (x.ndim - 2)) + beta.reshape((c,) + (1,) * (x.ndim - 2))
    return out


# --- forward ---------------------------------------------------------------------------------------------

LAYER_SHAPES = [((5,), (4, 5)), (5, (5,)), ((3, 4), (2, 3, 4)), ((4, 5), (2, 3, 4, 5))]


@pytest.mark.parametrize("normalized_shape, x_shape", LAYER_SHAPES)
@pytest.mark.parametrize("eps", [1e-5, 0.5])
def test_layer_norm_matches_torchs_formula(normalized_shape, x_shape, eps):
    ln = randomise(LayerNorm(normalized_shape, eps=eps, dtype=np.float64))
    x = sample(x_shape)
    np.testing.assert_allclose(ln.forward(x), reference_layer_norm(x, ln.gamma, ln.beta, eps), rtol=1e-12, atol=1e-12)


def test_layer_norm_in_float32_and_its_initial_parameters():
    ln = LayerNorm((3, 4))
    assert ln.gamma.shape == ln.beta.shape == (3, 4) and ln.gamma.dtype == np.float32
    assert np.all(ln.gamma == 1) and np.all(ln.beta == 0) and ln.eps == 1e-5
    x = sample((6, 3, 4))
    y = ln.forward(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, reference_layer_norm(x.astype(np.float32), ln.gamma, ln.beta, 1e-5), atol=2e-6)
    # unit gamma, zero beta: each example's 12 entries have mean 0 and variance var / (var + eps)
    np.testing.assert_allclose(y.mean(axis=(1, 2)), 0.0, atol=1e-6)
    np.testing.assert_allclose(y.var(axis=(1, 2)), 1.0, atol=1e-5)


@pytest.mark.parametrize("normalized_shape, x_shape", LAYER_SHAPES)
@pytest.mark.parametrize("eps", [1e-6, 0.5])
def test_rms_norm_matches_torchs_formula(normalized_shape, x_shape, eps):
    rms = randomise(RMSNorm(normalized_shape, eps=eps, dtype=np.float64))
    x = sample(x_shape)
    np.testing.assert_allclose(rms.forward(x), reference_rms_norm(x, rms.gamma, eps), rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rms_norm_eps_none_is_the_dtypes_machine_epsilon(dtype):
    rms = RMSNorm(4, dtype=dtype)
    assert rms.eps is None and rms.effective_eps == np.finfo(dtype).eps
    assert not hasattr(rms, "beta")
    # Entries of 1e-4 have mean square 1e-8, so the float32 epsilon (1.19e-7) dominates the denominator.
    x = np.full((2, 4), 1e-4)
    expected = reference_rms_norm(x, np.ones(4), float(np.finfo(dtype).eps))
    np.testing.assert_allclose(rms.forward(x), expected, rtol=1e-6)
    if dtype == np.float32:
        assert rms.forward(x)[0, 0] == pytest.approx(1e-4 / math.sqrt(1e-8 + 2.0 ** -23), rel=1e-6)


GROUP_CASES = [((4, 6), g) for g in (1, 2, 3, 6)] + [((2, 6, 3, 4), g) for g in (1, 2, 3, 6)] + [((3, 4, 5), 2)]


@pytest.mark.parametrize("x_shape, num_groups", GROUP_CASES)
def test_group_norm_matches_torchs_formula(x_shape, num_groups):
    gn = randomise(GroupNorm(num_groups, x_shape[1], dtype=np.float64))
    assert gn.gamma.shape == gn.beta.shape == (x_shape[1],)
    x = sample(x_shape)
    np.testing.assert_allclose(gn.forward(x), reference_group_norm(x, num_groups, gn.gamma, gn.beta, 1e-5),
                               rtol=1e-12, atol=1e-12)


def test_one_group_is_layer_norm_over_channels_and_positions():
    gn = randomise(GroupNorm(1, 6, dtype=np.float64))
    ln = LayerNorm((6, 3, 4), dtype=np.float64)
    ln.gamma[...] = gn.gamma[:, None, None]  # per channel, the same at every position
    ln.beta[...] = gn.beta[:, None, None]
    x = sample((2, 6, 3, 4))
    np.testing.assert_allclose(gn.forward(x), ln.forward(x), rtol=1e-12, atol=1e-12)


def test_one_channel_per_group_is_instance_norm():
    gn = GroupNorm(6, 6, dtype=np.float64)
    x = sample((2, 6, 3, 4))
    mean = x.mean(axis=(2, 3), keepdims=True)
    var = x.var(axis=(2, 3), keepdims=True)
    np.testing.assert_allclose(gn.forward(x), (x - mean) / np.sqrt(var + 1e-5), rtol=1e-12, atol=1e-12)


def test_layer_norm_is_batch_norm_on_the_transpose():
    # The same standardisation over the other axis: forward and backward agree with initlab.BatchNorm's.
    x, dout = sample((6, 4)), sample((6, 4), seed=7)
    ln, bn = LayerNorm(6, dtype=np.float64), BatchNorm(4, dtype=np.float64)
    np.testing.assert_allclose(ln.forward(x.T).T, bn.forward(x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ln.backward(dout.T)[0].T, bn.backward(dout)[0], rtol=1e-10, atol=1e-12)


# --- invariances ---------------------------------------------------------------------------------------------

def per_example(x, factor, shift=0.0):
    """``x`` with example 1 scaled by ``factor`` and shifted by ``shift``."""
    changed = x.copy()
    changed[1] = factor * changed[1] + shift
    return changed


@pytest.mark.parametrize("make", [lambda: LayerNorm((3, 4), eps=1e-12, dtype=np.float64),
                                  lambda: RMSNorm((3, 4), eps=1e-12, dtype=np.float64),
                                  lambda: GroupNorm(3, 3, eps=1e-12, dtype=np.float64)])
@pytest.mark.parametrize("factor", [0.1, 7.0])  # eps/var stays below 1e-10
def test_scaling_one_example_leaves_its_output_unchanged(make, factor):
    layer = randomise(make())
    x = sample((3, 3, 4))
    np.testing.assert_allclose(layer.forward(per_example(x, factor)), layer.forward(x), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("make", [lambda: LayerNorm((3, 4), eps=1e-12, dtype=np.float64),
                                  lambda: GroupNorm(1, 3, eps=1e-12, dtype=np.float64)])
def test_layer_norm_ignores_a_shift_of_an_example(make):
    layer = randomise(make())
    x = sample((3, 3, 4))
    np.testing.assert_allclose(layer.forward(per_example(x, 2.0, shift=-5.0)), layer.forward(x), rtol=1e-9,
                               atol=1e-9)


def test_rms_norm_does_not_ignore_a_shift():
    rms = RMSNorm((3, 4), eps=1e-12, dtype=np.float64)
    x = sample((3, 3, 4))
    moved = rms.forward(per_example(x, 1.0, shift=-5.0))
    assert np.abs(moved[1] - rms.forward(x)[1]).max() > 0.1


def test_eps_breaks_the_scale_invariance_of_tiny_inputs():
    # With torch's eps = 1e-5, an example of variance 1e-6 is normalised to a variance of only about 0.09.
    ln = LayerNorm(8, dtype=np.float64)
    x = sample((2, 8))
    x_small = 1e-3 * x / x.std(axis=1, keepdims=True)
    np.testing.assert_allclose(ln.forward(x_small).var(axis=1), 1e-6 / (1e-6 + 1e-5), rtol=1e-9)


@pytest.mark.parametrize("make, shape", [(lambda: LayerNorm((3, 4)), (5, 3, 4)), (lambda: RMSNorm(4), (5, 3, 4)),
                                         (lambda: GroupNorm(2, 4), (5, 4, 3)), (lambda: GroupNorm(2, 4), (5, 4))])
def test_no_example_depends_on_the_others(make, shape):
    layer = randomise(make())
    x = sample(shape, dtype=np.float32)
    alone = np.concatenate([layer.forward(x[i:i + 1]) for i in range(shape[0])])
    others = sample(shape, seed=5, dtype=np.float32)
    others[2] = x[2]
    np.testing.assert_allclose(layer.forward(x), alone, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(layer.forward(others)[2], alone[2], rtol=1e-6, atol=1e-6)


# --- backward against finite differences (float64) -------------------------------------------------------------

def check_backward(layer, x, seed=2):
    """Every gradient ``backward`` returns against central differences of ``sum(weights * forward(x))``."""
    weights = np.random.default_rng(seed).standard_normal(x.shape)

    def loss():
        return float(np.sum(weights * layer.forward(x)))

    loss()
    grads = layer.backward(weights)
    params = [x, layer.gamma] + ([layer.beta] if hasattr(layer, "beta") else [])
    assert len(grads) == len(params)
    for param, grad in zip(params, grads):
        assert grad.shape == param.shape
        assert relative_error(grad, numerical_gradient(loss, param)) < 1e-7


@pytest.mark.parametrize("normalized_shape, x_shape", LAYER_SHAPES)
def test_layer_norm_backward(normalized_shape, x_shape):
    check_backward(randomise(LayerNorm(normalized_shape, dtype=np.float64)), sample(x_shape))


@pytest.mark.parametrize("normalized_shape, x_shape", LAYER_SHAPES)
@pytest.mark.parametrize("eps", [None, 0.3])
def test_rms_norm_backward(normalized_shape, x_shape, eps):
    check_backward(randomise(RMSNorm(normalized_shape, eps=eps, dtype=np.float64)), sample(x_shape))


@pytest.mark.parametrize("x_shape, num_groups", [((4, 6), 1), ((4, 6), 3), ((2, 6, 3, 2), 1), ((2, 6, 3, 2), 2),
                                                 ((2, 6, 3, 2), 6), ((3, 4, 5), 2)])
def test_group_norm_backward(x_shape, num_groups):
    check_backward(randomise(GroupNorm(num_groups, x_shape[1], eps=0.01, dtype=np.float64)), sample(x_shape))


def test_layer_norm_gradient_is_orthogonal_to_shifts_and_scalings():
    # dx sums to 0 and is orthogonal to x̂ in every example: the output ignores those two directions.
    ln = randomise(LayerNorm(6, eps=1e-12, dtype=np.float64))
    x = sample((4, 6))
    ln.forward(x)
    dx, _, _ = ln.backward(sample((4, 6), seed=3))
    np.testing.assert_allclose(dx.sum(axis=1), 0.0, atol=1e-10)
    np.testing.assert_allclose((dx * (x - x.mean(axis=1, keepdims=True))).sum(axis=1), 0.0, atol=1e-9)


# --- bad input -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("make, error, message", [
    (lambda: GroupNorm(4, 6), ValueError, r"num_groups must divide num_channels \(6\), got 4"),
    (lambda: GroupNorm(0, 6), ValueError, "num_groups must be a positive integer, got 0"),
    (lambda: GroupNorm(2.0, 6), TypeError, "num_groups must be a positive integer"),
    (lambda: GroupNorm(2, True), TypeError, "num_channels must be a positive integer"),
    (lambda: GroupNorm(2, 6, eps=0), ValueError, "eps must be > 0, got 0.0"),
    (lambda: GroupNorm(2, 6, dtype=np.int32), TypeError, "dtype must be a floating-point type"),
    (lambda: LayerNorm(5, eps=0), ValueError, "eps must be > 0, got 0.0"),
    (lambda: LayerNorm(5, eps=-1e-5), ValueError, "eps must be > 0"),
    (lambda: LayerNorm(5, eps=float("nan")), ValueError, "eps must be finite"),
    (lambda: LayerNorm(5, eps=None), TypeError, "eps must be a real number"),
    (lambda: LayerNorm(0), ValueError, "normalized_shape must be a positive integer, got 0"),
    (lambda: LayerNorm((3, -1)), ValueError, "normalized_shape must be a positive integer, got -1"),
    (lambda: LayerNorm(()), TypeError, "normalized_shape must be a positive integer or a non-empty tuple"),
    (lambda: LayerNorm("5"), TypeError, "normalized_shape must be a positive integer or a non-empty tuple"),
    (lambda: LayerNorm(5, dtype=int), TypeError, "dtype must be a floating-point type"),
    (lambda: RMSNorm(5, eps=0.0), ValueError, "eps must be > 0, got 0.0"),
    (lambda: RMSNorm(5, eps="tiny"), TypeError, "eps must be a real number"),
    (lambda: RMSNorm(2.5), TypeError, "normalized_shape must be a positive integer"),
])
def test_bad_construction(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("layer, x, message", [
    (LayerNorm((3, 4)), np.zeros((2, 4, 3)), r"x's trailing dimensions must be normalized_shape \(3, 4\), "
                                             r"got x of shape \(2, 4, 3\)"),
    (LayerNorm((3, 4)), np.zeros(4), r"x's trailing dimensions must be normalized_shape \(3, 4\), "
                                     r"got x of shape \(4,\)"),
    (RMSNorm(5), np.zeros((2, 4)), r"x's trailing dimensions must be normalized_shape \(5,\), got x of shape \(2, 4\)"),
    (GroupNorm(2, 6), np.zeros((2, 4, 3)), r"x must have shape \(N, 6, \*\) with num_channels = 6 in axis 1, "
                                          r"got shape \(2, 4, 3\)"),
    (GroupNorm(2, 6), np.zeros(6), r"x must have shape \(N, 6, \*\) .* got shape \(6,\)"),
])
def test_input_of_the_wrong_shape(layer, x, message):
    with pytest.raises(ValueError, match=message):
        layer.forward(x)


@pytest.mark.parametrize("layer", [LayerNorm(3), RMSNorm(3), GroupNorm(1, 3)])
def test_non_numeric_input_and_backward_misuse(layer):
    with pytest.raises(TypeError, match="x must hold real numbers, got dtype <U1"):
        layer.forward(np.array([["a", "b", "c"]]))
    with pytest.raises(RuntimeError, match=r"call forward\(x\) before backward\(dout\)"):
        layer.backward(np.zeros((2, 3)))
    layer.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 3\) like the last forward input, got \(4, 3\)"):
        layer.backward(np.zeros((4, 3)))
