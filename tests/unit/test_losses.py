"""initlab.losses: values, gradients by finite differences, stability for large logits."""

import warnings

import numpy as np
import pytest

from initlab import losses
from initlab.gradcheck import numerical_gradient

H = 1e-6
FD_TOL = dict(rtol=1e-6, atol=1e-9)  # float64 central differences: ~H^2 + 1e-16 / H


def naive_cross_entropy(z, y):
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    return -np.mean(np.log(p[np.arange(len(y)), y]))


@pytest.fixture
def logits():
    return np.random.default_rng(0).normal(size=(5, 4))


LABELS = np.array([0, 3, 1, 1, 2])


def test_cross_entropy_value_and_gradient(logits):
    value, grad = losses.softmax_cross_entropy(logits, LABELS)
    assert isinstance(value, float)
    assert value == pytest.approx(naive_cross_entropy(logits, LABELS), rel=1e-13)
    fd = numerical_gradient(lambda: losses.softmax_cross_entropy(logits, LABELS)[0], logits, h=H)
    np.testing.assert_allclose(grad, fd, **FD_TOL)
    np.testing.assert_allclose(grad.sum(axis=1), 0, atol=1e-15)  # (p - onehot) / B sums to 0 per row


def test_cross_entropy_of_uniform_logits_is_log_classes():
    value, grad = losses.softmax_cross_entropy(np.zeros((3, 10)), np.array([0, 4, 9]))
    assert value == pytest.approx(np.log(10), rel=1e-15)
    assert grad[0, 0] == pytest.approx((0.1 - 1) / 3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_stable_for_huge_logits(dtype):
    z = np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 1e4], [-1e4, -1e4, -1e4]], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        value, grad = losses.softmax_cross_entropy(z, np.array([0, 2, 1]))
    assert np.isfinite(value) and np.isfinite(grad).all()
    # -log p: 0 for the first row, log 2 for the second, log 3 for the third.
    assert value == pytest.approx((0 + np.log(2) + np.log(3)) / 3, rel=1e-6)
    # A wrong confident answer costs its logit margin, not inf.
    assert losses.softmax_cross_entropy(z[:1], np.array([2]))[0] == pytest.approx(2e4)


def test_mse_value_and_gradient(logits):
    target = np.random.default_rng(1).normal(size=logits.shape)
    value, grad = losses.mean_squared_error(logits, target)
    assert value == pytest.approx(np.mean((logits - target) ** 2), rel=1e-14)
    fd = numerical_gradient(lambda: losses.mean_squared_error(logits, target)[0], logits, h=H)
    np.testing.assert_allclose(grad, fd, **FD_TOL)


def test_gradient_keeps_float32():
    z = np.ones((2, 3), np.float32)
    assert losses.softmax_cross_entropy(z, np.array([0, 1]))[1].dtype == np.float32
    assert losses.mean_squared_error(z, np.zeros((2, 3)))[1].dtype == np.float32


def test_get():
    assert losses.get("cross_entropy") is losses.softmax_cross_entropy
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get(len) is len


@pytest.mark.parametrize("bad", ["hinge", "MSE", None])
def test_get_unknown_name(bad):
    with pytest.raises(ValueError, match="loss must be one of 'cross_entropy', 'mse' or a callable"):
        losses.get(bad)


@pytest.mark.parametrize("z, y, message", [
    (np.zeros((2, 3)), np.array([0, 1, 2]), r"labels must be integer class indices of shape \(2,\)"),
    (np.zeros((2, 3)), np.array([0.0, 1.0]), r"labels must be integer class indices"),
    (np.zeros((2, 3)), np.array([0, 3]), r"labels must lie in \[0, 2\]"),
    (np.zeros((2, 3)), np.array([-1, 0]), r"labels must lie in \[0, 2\]"),
    (np.zeros(3), np.array([0]), "logits must be a 2-D float array"),
    (np.zeros((2, 3), dtype=int), np.array([0, 1]), "logits must be a 2-D float array"),
])
def test_cross_entropy_bad_input(z, y, message):
    with pytest.raises(ValueError, match=message):
        losses.softmax_cross_entropy(z, y)


def test_mse_bad_input():
    with pytest.raises(ValueError, match=r"target must have the prediction's shape \(2, 3\)"):
        losses.mean_squared_error(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="pred must be a 2-D float array"):
        losses.mean_squared_error(np.zeros(3), np.zeros(3))
