"""initlab.layer_profiles: per-layer profiles over seeded networks, in the layout of their predictions."""

import math

import numpy as np
import pytest

import initlab
from initlab import layer_profiles, propagation


def test_backward_ratios_norms_carry_the_fan_in_and_per_unit_variances_the_fan_out():
    for fan_in, fan_out in [(64, 256), (256, 64)]:
        variance = 2 / (fan_in + fan_out)
        stats, predicted = layer_profiles.backward_ratios(fan_in, fan_out, variance)
        assert predicted == pytest.approx((fan_in * variance, fan_out * variance))
        assert np.all(np.abs(stats.mean - predicted) < 4 * stats.sem)
        # ‖g‖² = n · (mean square): the two ratios differ exactly by the width ratio
        np.testing.assert_allclose(stats.samples[:, 0], stats.samples[:, 1] * fan_in / fan_out, rtol=1e-12)


def test_backward_ratios_rejects_bad_arguments_by_name():
    with pytest.raises(ValueError, match="fan_in"):
        layer_profiles.backward_ratios(0, 4, 0.1)
    with pytest.raises(ValueError, match="variance"):
        layer_profiles.backward_ratios(4, 4, -1.0)


def test_linear_pair_matches_the_product_formula():
    for a, b in [(16, 64), (64, 64)]:
        stats = layer_profiles.linear_pair(a, b, seeds=range(12))
        pair = 4 * a * b / (a + b) ** 2
        assert stats.samples.shape == (12, 2)
        assert np.all(np.abs(stats.mean - pair) < 4 * stats.sem)


def _data(n=64, d=16, classes=4, seed=0):
    gen = np.random.default_rng(seed)
    x = gen.standard_normal((n, d)).astype(np.float32)
    x /= np.sqrt(np.mean(x ** 2, axis=1, keepdims=True))
    return x, gen.integers(0, classes, n)


def test_classifier_profile_layout_and_first_model():
    x, y = _data()
    sizes = [16, 32, 32, 4]
    stats, first = layer_profiles.classifier_profile(sizes, "tanh", "xavier_uniform", x, y, seeds=[3, 4])
    assert stats.samples.shape == (2, 4) and stats.seeds == (3, 4)
    assert stats.mean[-1] == 1.0  # the top hidden layer's gradient over itself
    # the first model is seed 3's, left as probed
    again = initlab.MLP(sizes, activation="tanh", init="xavier_uniform", rng=3)
    np.testing.assert_array_equal(first.weights[0], again.weights[0])
    assert first.pre_activations[0].shape == (64, 32)


def test_classifier_profile_bias_init_zeros_vs_linear_default():
    x, y = _data()
    sizes = [16, 32, 32, 4]
    _, zero = layer_profiles.classifier_profile(sizes, "tanh", "linear_default", x, y, seeds=[0, 1])
    _, drawn = layer_profiles.classifier_profile(sizes, "tanh", "linear_default", x, y, seeds=[0, 1],
                                                 bias_init="linear_default")
    assert all(np.all(b == 0) for b in zero.biases)
    assert all(np.any(b != 0) for b in drawn.biases)
    with pytest.raises(ValueError, match="bias_init"):
        layer_profiles.classifier_profile(sizes, "tanh", "linear_default", x, y, bias_init="ones")
    with pytest.raises(ValueError, match="sizes"):
        layer_profiles.classifier_profile([16, 4], "tanh", "linear_default", x, y)


def test_predicted_profile_is_propagation_predicted_in_the_same_layout():
    sizes = [64, 256, 256, 10]
    variances = [2 / (i + o) for i, o in zip(sizes[:-1], sizes[1:])]
    mean_field, linear = layer_profiles.predicted_profile("tanh", sizes, variances)
    forward, backward = propagation.predicted("tanh", sizes, variances)
    np.testing.assert_allclose(mean_field, np.concatenate([forward[:2], backward[:2] / backward[1]]))
    assert linear[0] == pytest.approx(64 * variances[0])
    assert linear[-1] == 1.0 and mean_field[-1] == 1.0


def test_gain_profile_agrees_with_the_mean_field():
    predicted, stats = layer_profiles.gain_profile("tanh", 5 / 3, depth=6, width=64, seeds=range(4))
    assert predicted.shape == stats.mean.shape == (12,)
    assert predicted[-1] == 1.0 and stats.mean[-1] == 1.0
    assert np.all(np.abs(stats.mean - predicted) < 4 * stats.sem + 0.05 * predicted)
    with pytest.raises(ValueError, match="gain"):
        layer_profiles.gain_profile("tanh", 0.0, 4, 8)
    # the q = 1 input: the first layer's prediction is gain²
    assert predicted[0] == pytest.approx((5 / 3) ** 2)
    assert math.isfinite(stats.sem[0])
