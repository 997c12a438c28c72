"""initlab.conv_variance: the counts behind He's recursion, and the recursion against Monte Carlo over networks."""

import math

import numpy as np
import pytest

from initlab import init
from initlab.conv2d import Conv2d
from initlab.conv_variance import (border_factor, connection_matrix, counted_fans, effective_fans, inputs_seen,
                                   mean_profile, outputs_fed, predicted_effective_fans,
                                   predicted_backward, predicted_forward, variance_profile, weight_variances)
from initlab.plain_cnn import PlainCNN


def brute_connections(size, k, s, p):
    out = (size + 2 * p - k) // s + 1
    c = np.zeros((out, size))
    for o in range(out):
        for u in range(k):
            i = s * o - p + u
            if 0 <= i < size:
                c[o, i] = 1
    return c


@pytest.mark.parametrize("size, k, s, p", [(8, 3, 1, 1), (8, 5, 1, 2), (9, 3, 2, 1), (10, 1, 1, 0), (7, 3, 3, 0),
                                           (8, 7, 1, 3)])
def test_connection_matrix(size, k, s, p):
    np.testing.assert_array_equal(connection_matrix(size, k, s, p), brute_connections(size, k, s, p))


def test_counts():
    np.testing.assert_array_equal(inputs_seen(8, 3, 1, 1), [2, 3, 3, 3, 3, 3, 3, 2])
    np.testing.assert_array_equal(inputs_seen(8, 5, 1, 2), [3, 4, 5, 5, 5, 5, 4, 3])
    np.testing.assert_array_equal(outputs_fed(9, 3, 2, 1), [1, 2, 1, 2, 1, 2, 1, 2, 1])
    assert outputs_fed(1001, 3, 2, 1).mean() == pytest.approx(1.5, rel=1e-3)  # k/s away from the borders
    assert border_factor(8, 3, 1, 1) == pytest.approx((22 / 24) ** 2)
    assert border_factor(8, 5, 1, 2) == pytest.approx((34 / 40) ** 2)
    assert border_factor(8, 1) == 1.0


def test_weight_variances_come_from_the_scheme():
    he = PlainCNN(2, 4, init="kaiming_normal", rng=0)
    np.testing.assert_allclose(weight_variances(he), [(2 / 9, 0.0), (2 / 36, 0.0)], rtol=1e-12)
    default = PlainCNN(2, 4, init="default", rng=0)
    np.testing.assert_allclose(weight_variances(default), [(1 / 27, 1 / 27), (1 / 108, 1 / 108)], rtol=1e-12)


@pytest.mark.parametrize("scheme", ["default", "xavier_uniform", "kaiming_normal"])
def test_forward_recursion_is_the_mean_over_networks(scheme):
    # Exact in expectation over the weights (layer 2 included, by the sign symmetry of y): Monte Carlo over
    # 400 networks on a fixed batch; the standard error of the mean is a few percent.
    x = np.random.default_rng(0).random((4, 1, 6, 6))
    measured = []
    for seed in range(400):
        model = PlainCNN(2, 3, init=scheme, image_size=6, rng=seed, dtype=np.float64)
        model.forward(x)
        measured.append([np.mean(y ** 2) for y in model.pre_activations[:-1]])
    measured = np.array(measured)
    mean, se = measured.mean(axis=0), measured.std(axis=0) / math.sqrt(len(measured))
    predicted = predicted_forward(model, x)
    assert np.all(np.abs(mean - predicted) < 5 * se)


def test_backward_recursion_one_layer_is_exact_in_expectation():
    # One conv layer, random dout: E[dx²] per position = v_w c_out Σ over the outputs it feeds (stride 2, padding 1)
    rng = np.random.default_rng(1)
    dout = rng.standard_normal((8, 5, 4, 4))
    totals = np.zeros((7, 7))
    for seed in range(300):
        conv = Conv2d(2, 5, 3, stride=2, padding=1, init="kaiming_normal", rng=seed, dtype=np.float64)
        conv.forward(np.zeros((8, 2, 7, 7)))
        totals += np.mean(conv.backward(dout)[0] ** 2, axis=(0, 1))
    c = connection_matrix(7, 3, 2, 1)
    predicted = init.variance("kaiming_normal", (5, 2, 3, 3)) * 5 * (c.T @ np.mean(dout ** 2, axis=(0, 1)) @ c)
    np.testing.assert_allclose(totals / 300, predicted, rtol=0.15)


def test_profile_measures_and_predicts_every_layer():
    x = np.random.default_rng(0).random((16, 1, 8, 8)).astype(np.float32)
    model = PlainCNN(4, 8, rng=0)
    profile = variance_profile(model, x, np.arange(16) % 10)
    for name in ("forward", "forward_predicted", "backward", "backward_predicted"):
        values = getattr(profile, name)
        assert values.shape == (4,) and np.all(np.isfinite(values)) and np.all(values > 0)
    np.testing.assert_allclose(profile.forward_predicted, predicted_forward(model, x))
    np.testing.assert_allclose(profile.backward_predicted, predicted_backward(model, model.grad_activations[-1]))
    # the last layer's prediction is the measured top gradient through relu' alone
    assert profile.backward_predicted[-1] == pytest.approx(np.mean(model.grad_activations[-1] ** 2) / 2)


def test_profile_reports_overflow():
    model = PlainCNN(8, 8, init="normal", rng=0, dtype=np.float16)
    with pytest.raises(ValueError, match="pre-activations are not finite"):
        variance_profile(model, np.ones((2, 1, 8, 8), dtype=np.float16), np.array([0, 1]))


def test_mean_profile_averages_the_seeds():
    x = np.random.default_rng(0).random((8, 1, 8, 8)).astype(np.float32)
    y = np.arange(8)
    mean = mean_profile(x, y, depth=3, channels=4, kernel_size=3, scheme="xavier_normal", seeds=2)
    single = [variance_profile(PlainCNN(3, 4, init="xavier_normal", rng=seed), x, y) for seed in range(2)]
    for name in ("forward", "forward_predicted", "backward", "backward_predicted"):
        np.testing.assert_allclose(getattr(mean, name), np.mean([getattr(p, name) for p in single], axis=0))
    with pytest.raises(ValueError, match="seeds must be a positive integer"):
        mean_profile(x, y, depth=3, channels=4, kernel_size=3, scheme="default", seeds=0)


@pytest.mark.parametrize("c_in, c_out, k", [(3, 5, 3), (2, 4, 5), (6, 2, 1)])
def test_counted_fans_are_torchs(c_in, c_out, k):
    assert counted_fans(c_in, c_out, k) == init.calculate_fan_in_and_fan_out((c_out, c_in, k, k))


@pytest.mark.parametrize("stride, padding", [(1, 1), (2, 1), (3, 0)])
def test_effective_fans_match_the_counts(stride, padding):
    rng = np.random.default_rng(0)
    conv = Conv2d(16, 32, 3, stride=stride, padding=padding, init="kaiming_normal", rng=0, dtype=np.float64)
    x = rng.standard_normal((16, 16, 12, 12))
    dout = rng.standard_normal(conv.forward(x).shape)
    measured = effective_fans(conv, x, dout)
    predicted = predicted_effective_fans(conv, 12)
    np.testing.assert_allclose(measured, predicted, rtol=0.1)
    with pytest.raises(ValueError, match="dout must have a positive mean square"):
        effective_fans(conv, x, np.zeros_like(dout))
    with pytest.raises(ValueError, match="conv must be initialised by a named scheme"):
        effective_fans(Conv2d(16, 32, 3, rng=0), x, dout)
    assert predicted[0] == pytest.approx(16 * inputs_seen(12, 3, stride, padding).mean() ** 2)
