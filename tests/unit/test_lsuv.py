"""initlab.lsuv: Algorithm 1 of Mishkin & Matas (2016) brings every layer's output variance to 1."""

import numpy as np
import pytest

import initlab
from initlab.lsuv import lsuv

X = np.random.default_rng(0).normal(0.3, 0.5, size=(64, 8)).astype(np.float32)


def net(**kwargs):
    return initlab.MLP([8, 16, 16, 16, 4], activation="tanh", rng=0, **kwargs)


def test_every_layer_ends_within_tol_of_one():
    model = net()
    record = lsuv(model, X, tol=0.05, rng=1)
    model.forward(X)
    for r, z in zip(record, model.pre_activations):
        assert r["converged"] and abs(np.var(z, dtype=np.float64) - 1) < 0.05
        assert abs(r["var_after"] - 1) < 0.05 and r["iterations"] >= 1
    assert [r["layer"] for r in record] == [1, 2, 3, 4]


def test_orthonormal_pre_initialization_then_scaling_only():
    model = net()
    lsuv(model, X, rng=1)
    for w in model.weights[1:-1]:  # square layers: orthogonal times one scalar
        gram = w.T @ w
        np.testing.assert_allclose(gram, gram[0, 0] * np.eye(16), atol=1e-4)
    kept = net()
    before = [w.copy() for w in kept.weights]
    lsuv(kept, X, orthonormal=False)
    for w0, w in zip(before, kept.weights):
        ratio = w / w0
        np.testing.assert_allclose(ratio, ratio.flat[0], rtol=1e-5)


def test_max_iter_is_respected_when_biases_prevent_convergence():
    model = net(bias_std=3.0)
    record = lsuv(model, X, max_iter=2, orthonormal=False)
    assert all(r["iterations"] <= 2 for r in record)
    assert any(not r["converged"] for r in record)


def test_bad_arguments():
    with pytest.raises(ValueError, match="batch_norm"):
        lsuv(initlab.MLP([8, 16, 4], batch_norm=True, rng=0), X)
    with pytest.raises(ValueError, match="tol"):
        lsuv(net(), X, tol=0)
    with pytest.raises(TypeError, match="max_iter"):
        lsuv(net(), X, max_iter=1.5)
    with pytest.raises(ValueError, match="max_iter"):
        lsuv(net(), X, max_iter=0)
    with pytest.raises(ValueError, match="x must be"):
        lsuv(net(), X[:1])
    with pytest.raises(TypeError, match="model"):
        lsuv("not a model", X)
    with pytest.raises(ValueError, match="variance is 0"):
        lsuv(net(), np.zeros((4, 8)), orthonormal=False)
