"""initlab.scalar_chain: the product of factors is the chain's gradient; the window where a sigmoid factor reaches 1."""

import math

import numpy as np
import pytest

import initlab
from initlab import scalar_chain


def _chain_output(weights, biases, x):
    sig = initlab.activations.get("sigmoid")
    h = x
    for k, (w, b) in enumerate(zip(weights, biases)):
        z = w * h + b
        h = z if k == len(weights) - 1 else float(sig(np.float64(z)))
    return h


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_product_is_the_finite_difference_gradient(seed):
    rng = np.random.default_rng(seed)
    w, b, x = rng.normal(0, 2, 8), rng.normal(0, 1, 8), 0.6
    factors, grad = scalar_chain.first_weight_gradient(w, b, x)
    eps = 1e-6
    up, down = w.copy(), w.copy()
    up[0] += eps
    down[0] -= eps
    numeric = (_chain_output(up, b, x) - _chain_output(down, b, x)) / (2 * eps)
    assert grad == pytest.approx(numeric, rel=1e-4)  # central difference: error O(eps²)
    assert factors.shape == (7,) and factors[-1] == w[-1]  # the linear last unit's factor is its weight


def test_product_matches_the_mlp_backward_pass():
    w, b = np.array([1.5, -2.0, 0.7, 3.0]), np.array([0.1, -0.3, 0.2, 0.0])
    _, grad = scalar_chain.first_weight_gradient(w, b, 0.4)
    net = initlab.MLP([1] * 5, activation="sigmoid", rng=0, dtype=np.float64)
    for k in range(4):
        net.weights[k][:], net.biases[k][:] = w[k], b[k]
    net.forward(np.array([[0.4]]))
    assert net.backward(np.ones((1, 1)))[0][0].item() == pytest.approx(grad, rel=1e-12)


def test_sigmoid_factors_are_at_most_a_quarter_of_the_weight():
    w = np.random.default_rng(3).normal(0, 5, 30)
    factors, _ = scalar_chain.first_weight_gradient(w, np.zeros(30), 1.0)
    assert np.all(np.abs(factors[:-1]) <= np.abs(w[1:-1]) / 4 + 1e-15)


@pytest.mark.parametrize("w", [4.5, 5, 8, 16, 64, 256, 1024, -20])
def test_window_width_matches_the_grid(w):
    assert scalar_chain.window_share(w) == pytest.approx(scalar_chain.window_width(w), abs=3e-5)


def test_window_edges_have_factor_one_and_closes_below_four():
    w = 10.0
    half = scalar_chain.window_width(w) * w / 2  # z*
    slope = initlab.activations.get("sigmoid").derivative(np.float64(half))
    assert w * slope == pytest.approx(1.0, rel=1e-12)
    assert scalar_chain.window_width(4) == 0 and scalar_chain.window_width(-3) == 0
    assert scalar_chain.window_width(1e6) == pytest.approx(2 * math.log(1e6) / 1e6, rel=0.01)


@pytest.mark.parametrize("call, message", [
    (lambda: scalar_chain.first_weight_gradient([1.0], [0.0], 1.0), "at least 2"),
    (lambda: scalar_chain.first_weight_gradient([1.0, 2.0], [0.0], 1.0), "same length"),
    (lambda: scalar_chain.first_weight_gradient([1.0, np.nan], [0.0, 0.0], 1.0), "weights must hold finite"),
    (lambda: scalar_chain.first_weight_gradient([1.0, 2.0], [0.0, 0.0], float("inf")), "x must be finite"),
    (lambda: scalar_chain.window_width(float("nan")), "w must be finite"),
    (lambda: scalar_chain.window_share(8, points=1), "points must be at least 2"),
])
def test_bad_arguments_are_named(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()
