"""initlab.norm_residual: the transformer-shaped residual stack's backward pass, its stream's mean square against
the prediction for post-, pre- and no normalization, ReZero, GPT-2's output scale, and bad arguments."""

import math

import numpy as np
import pytest

from initlab.gradcheck import numerical_gradient, relative_error
from initlab.losses import softmax_cross_entropy
from initlab.norm_residual import (PLACEMENTS, NormResidualStack, block_gradients, gpt2_output_scale,
                                   predicted_stream_ms)


def small_problem(seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((5, 4)), rng.integers(0, 3, 5)


@pytest.mark.parametrize("placement", PLACEMENTS)
@pytest.mark.parametrize("rezero", [False, True])
def test_backward_matches_finite_differences(placement, rezero):
    model = NormResidualStack(4, 3, placement, output_scale=0.7, rezero=rezero, classes=3, rng=1, dtype=np.float64)
    rng = np.random.default_rng(2)
    model.alpha[:] = rng.uniform(0.5, 1.5, 3)  # away from 0, so that every weight has a gradient to check
    for b in model.b1 + model.b2:
        b[:] = 0.1 * rng.standard_normal(b.shape)
    x, labels = small_problem()

    def loss():
        return softmax_cross_entropy(model.forward(x), labels)[0]

    grads = model.backward(softmax_cross_entropy(model.forward(x), labels)[1])
    assert len(grads) == len(model.parameters()) == 4 * 3 + 2
    for param, grad in zip(model.parameters(), grads):
        assert grad.shape == param.shape
        assert relative_error(grad, numerical_gradient(loss, param)) < 1e-6


@pytest.mark.parametrize("placement", ["pre", "none"])
def test_rezero_blocks_are_the_identity_and_only_alpha_learns(placement):
    model = NormResidualStack(8, 5, placement, rezero=True, rng=0, dtype=np.float64)
    x = np.random.default_rng(0).standard_normal((6, 8))
    labels = np.arange(6) % 10
    grads = model.backward(softmax_cross_entropy(model.forward(x), labels)[1])
    for h, delta in zip(model.streams, model.stream_grads):
        np.testing.assert_array_equal(h, x)
        np.testing.assert_array_equal(delta, model.stream_grads[-1])
    assert all(not g.any() for g in grads[:-2])  # W_1, b_1, W_2, b_2 of every block
    assert np.all(grads[-2] != 0)
    g = block_gradients(placement, 5, rezero=True)
    assert not g.weight_grad.any() and np.all(g.alpha_grad > 0)


def test_output_scale_multiplies_the_output_projections_only():
    plain, scaled = (NormResidualStack(8, 4, output_scale=s, rng=3) for s in (1.0, 0.25))
    for a, b in zip(plain.w2, scaled.w2):
        np.testing.assert_array_equal(0.25 * a, b)
    for a, b in zip(plain.w1 + [plain.w_out], scaled.w1 + [scaled.w_out]):
        np.testing.assert_array_equal(a, b)


def test_gpt2_output_scale():
    assert gpt2_output_scale(12) == 1 / math.sqrt(24)
    assert gpt2_output_scale(12, branches_per_layer=1) == 1 / math.sqrt(12)


@pytest.mark.parametrize("placement, depth, scale", [("pre", 24, 1.0), ("pre", 24, 0.2),
                                                     ("none", 24, 1 / math.sqrt(24)), ("post", 24, 1.0)])
def test_stream_mean_square_follows_the_prediction(placement, depth, scale):
    # Averaged over 8 seeds: one stack's mean square wanders by about 10% per 12 blocks (the per-block factors
    # are random), which the average over seeds brings within 10%.
    measured = np.mean([block_gradients(placement, depth, output_scale=scale, rng=seed).stream_ms
                        for seed in range(8)], axis=0)
    predicted = predicted_stream_ms(placement, depth, scale)
    np.testing.assert_allclose(measured, predicted, rtol=1e-4 if placement == "post" else 0.1)


def test_without_normalization_each_block_multiplies_the_mean_square_by_1_plus_s2():
    # The product of 12 random factors is heavy-tailed (its mean over 8 seeds misses 2^12 by 30%), but each
    # factor has mean 1 + s^2 given the stream before it, so their average over blocks and seeds is close.
    for scale in (1.0, 0.5):
        factors = []
        for seed in range(8):
            ms = block_gradients("none", 12, output_scale=scale, rng=seed).stream_ms
            factors.extend(ms[1:] / ms[:-1])
        assert np.mean(factors) == pytest.approx(1 + scale ** 2, rel=0.03)
        assert predicted_stream_ms("none", 12, scale)[-1] == pytest.approx((1 + scale ** 2) ** 12, rel=1e-12)


def test_predicted_stream_ms_values():
    np.testing.assert_allclose(predicted_stream_ms("pre", 3, 0.5), [1.25, 1.5, 1.75])
    np.testing.assert_allclose(predicted_stream_ms("none", 3), [2, 4, 8])
    np.testing.assert_allclose(predicted_stream_ms("post", 2), [1, 1])
    assert predicted_stream_ms("none", 48, gpt2_output_scale(48, 1))[-1] < math.e


@pytest.mark.parametrize("make, error, message", [
    (lambda: NormResidualStack(8, 4, "middle"), ValueError, "placement must be one of 'post', 'pre', 'none'"),
    (lambda: NormResidualStack(8, 0), ValueError, "depth must be a positive integer, got 0"),
    (lambda: NormResidualStack(0, 4), ValueError, "width must be a positive integer"),
    (lambda: NormResidualStack(8, 4, output_scale=0), ValueError, "output_scale must be > 0"),
    (lambda: NormResidualStack(8, 4, rezero=1), TypeError, "rezero must be True or False, got 1"),
    (lambda: NormResidualStack(8, 4).forward(np.zeros((2, 7))), ValueError,
     r"x must have shape \(batch, 8\), got shape \(2, 7\)"),
    (lambda: NormResidualStack(8, 4).backward(np.zeros((2, 10))), RuntimeError, r"call forward\(x\) before"),
    (lambda: predicted_stream_ms("pre", 4, output_scale=-1), ValueError, "output_scale must be > 0"),
    (lambda: gpt2_output_scale(0), ValueError, "n_layer must be a positive integer"),
    (lambda: block_gradients("pre", 4, batch=0), ValueError, "batch must be a positive integer"),
])
def test_bad_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make()
