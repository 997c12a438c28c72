"""initlab.train with optimizer="adam": it learns the digits, records the update ratio as for SGD, clips, and
names bad arguments; SGD stays the default, unchanged."""

import math

import numpy as np
import pytest

from initlab import MLP, Adam, accuracy, data, losses, train


@pytest.fixture(scope="module")
def digits():
    x, y = data.digits()
    return x[:300], y[:300]


def gradients(model, x, y):
    model.backward(losses.softmax_cross_entropy(model.forward(x), y)[1])
    return [g.copy() for g in model.gradients()]


def test_adam_learns_the_digits(digits):
    x, y = digits
    model = MLP([64, 32, 10], rng=0)
    h = train(model, x, y, optimizer="adam", lr=3e-3, steps=100, batch_size=64, rng=0)
    assert not h.diverged and h.steps == 100
    assert h.loss[-10:].mean() < 0.3 * h.loss[:10].mean()
    assert accuracy(model, x, y) > 0.85
    assert h.settings["optimizer"] == "adam" and h.settings["betas"] == (0.9, 0.999) and h.settings["eps"] == 1e-8


def test_the_first_update_ratio_is_lr_sqrt_entries_over_the_weight_norm(digits):
    # Step 1 of Adam moves each entry by lr g / (|g| + eps), about lr: so ||dW|| = lr sqrt(#entries with g != 0).
    x, y = digits
    model = MLP([64, 32, 10], rng=0, dtype=np.float64)
    w0 = [w.copy() for w in model.weights]
    g0 = gradients(MLP([64, 32, 10], rng=0, dtype=np.float64), x, y)[0::2]
    lr = 1e-3
    h = train(model, x, y, optimizer="adam", lr=lr, steps=1)
    norms = np.array([np.linalg.norm(w) for w in w0])
    exact = [lr * np.linalg.norm(g / (np.abs(g) + 1e-8)) for g in g0]
    np.testing.assert_allclose(h.update_ratio[0], exact / norms, rtol=1e-10)
    counted = lr * np.sqrt([np.count_nonzero(g) for g in g0])
    np.testing.assert_allclose(h.update_ratio[0], counted / norms, rtol=1e-2)
    moved = [np.linalg.norm(w - v) / np.linalg.norm(v) for w, v in zip(model.weights, w0)]
    np.testing.assert_allclose(h.update_ratio[0], moved, rtol=1e-10)
    np.testing.assert_allclose(h.distance_from_init[0], moved, rtol=1e-10)


def test_adam_in_train_is_adam_on_the_clipped_gradient(digits):
    x, y = digits
    tau, lr = 1e-3, 1e-2
    model = MLP([64, 16, 10], activation="tanh", rng=0, dtype=np.float64)
    h = train(model, x, y, optimizer="adam", lr=lr, steps=4, clip_norm=tau)
    assert h.clipped.all() and np.all(h.total_grad_norm > tau)
    reference = MLP([64, 16, 10], activation="tanh", rng=0, dtype=np.float64)
    adam = Adam(reference.parameters(), lr=lr)
    for _ in range(4):
        grads = gradients(reference, x, y)
        total = math.hypot(*[np.linalg.norm(g) for g in grads])
        adam.step([tau / total * g for g in grads])
    for p, q in zip(model.parameters(), reference.parameters()):
        np.testing.assert_allclose(p, q, rtol=1e-12, atol=1e-15)
    # Adam divides by the gradient's own scale: clipping g to tau g / |g| changes its first step only as
    # raising eps to eps |g| / tau would.
    eps = 1e-8 * h.total_grad_norm[0] / tau
    unclipped = train(MLP([64, 16, 10], activation="tanh", rng=0, dtype=np.float64), x, y, optimizer="adam",
                      lr=lr, steps=1, eps=eps)
    np.testing.assert_allclose(h.update_ratio[0], unclipped.update_ratio[0], rtol=1e-10)


def test_sgd_is_the_default_and_the_same_as_asking_for_it(digits):
    x, y = digits
    runs = []
    for kwargs in ({}, {"optimizer": "sgd"}):
        model = MLP([64, 16, 10], rng=0)
        runs.append((train(model, x, y, lr=0.1, momentum=0.9, steps=5, **kwargs), model.parameters()))
    (a, pa), (b, pb) = runs
    np.testing.assert_array_equal(a.loss, b.loss)
    np.testing.assert_array_equal(a.update_ratio, b.update_ratio)
    assert all(np.array_equal(p, q) for p, q in zip(pa, pb))
    assert a.settings["optimizer"] == "sgd" and "betas" not in a.settings


@pytest.mark.parametrize("kwargs, error, message", [
    ({"optimizer": "rmsprop"}, ValueError, "optimizer must be one of 'sgd', 'adam'; got 'rmsprop'"),
    ({"betas": (0.9, 0.99)}, ValueError, "betas is an argument of Adam: pass optimizer='adam' with it"),
    ({"eps": 1e-6}, ValueError, "eps is an argument of Adam"),
    ({"optimizer": "adam", "momentum": 0.9}, ValueError,
     r"momentum is an argument of SGD: Adam's momentum is betas\[0\]"),
    ({"optimizer": "adam", "betas": (1.0, 0.999)}, ValueError, r"betas\[0\] must be in \[0, 1\), got 1.0"),
    ({"optimizer": "adam", "betas": (0.9, 1.5)}, ValueError, r"betas\[1\] must be in \[0, 1\), got 1.5"),
    ({"optimizer": "adam", "betas": 0.9}, TypeError, "betas must be a pair"),
    ({"optimizer": "adam", "eps": 0.0}, ValueError, "eps must be > 0"),
    ({"optimizer": "adam", "lr": -1e-3}, ValueError, "lr must be > 0"),
])
def test_bad_optimizer_arguments(kwargs, error, message):
    model = MLP([2, 3, 2], rng=0)
    before = [p.copy() for p in model.parameters()]
    with pytest.raises(error, match=message):
        train(model, np.zeros((10, 2)), np.zeros(10, dtype=int), **kwargs)
    assert all(np.array_equal(p, q) for p, q in zip(before, model.parameters()))
