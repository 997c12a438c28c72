"""initlab.Adam: torch.optim.Adam's update rule, computed by hand; bias correction; L2 weight decay; errors."""

import math

import numpy as np
import pytest

from initlab import Adam


def reference_adam(theta, grads, lr, betas, eps, weight_decay=0.0):
    """torch.optim.Adam's documented algorithm, one float at a time; returns theta after each step."""
    beta1, beta2 = betas
    m = v = 0.0
    trajectory = []
    for t, g in enumerate(grads, start=1):
        g = g + weight_decay * theta
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
        theta = theta - lr * m_hat / (math.sqrt(v_hat) + eps)
        trajectory.append(theta)
    return trajectory


def test_two_steps_computed_by_hand():
    # lr = 0.1, betas = (0.5, 0.75), g = 2 then 1, from theta = 1:
    #   t = 1: m = 1, v = 1, m_hat = 1 / 0.5 = 2, v_hat = 1 / 0.25 = 4: theta -= 0.1 * 2 / 2 = 0.1
    #   t = 2: m = 0.5 + 0.5 = 1, v = 0.75 + 0.25 = 1, m_hat = 1 / 0.75, v_hat = 1 / 0.4375:
    #          theta -= 0.1 * (4 / 3) * sqrt(0.4375) = 0.0881917...
    theta = np.array([1.0])
    adam = Adam([theta], lr=0.1, betas=(0.5, 0.75), eps=1e-12)
    adam.step([np.array([2.0])])
    assert theta[0] == pytest.approx(0.9, abs=1e-12)
    adam.step([np.array([1.0])])
    assert theta[0] == pytest.approx(0.9 - 0.4 / 3 * math.sqrt(0.4375), abs=1e-12)
    assert adam.t == 2 and adam.exp_avg[0][0] == 1.0 and adam.exp_avg_sq[0][0] == 1.0


@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_several_steps_match_the_reference(weight_decay):
    grads = [0.3, -1.2, 0.05, 2.0, -0.7, 0.0, 1e-3]
    theta = np.array([0.5, -2.0])
    adam = Adam([theta], lr=0.01, weight_decay=weight_decay)
    expected = [reference_adam(start, [s * g for g in grads], 0.01, (0.9, 0.999), 1e-8, weight_decay)
                for start, s in ((0.5, 1.0), (-2.0, -3.0))]
    for t, g in enumerate(grads):
        adam.step([np.array([g, -3.0 * g])])
        np.testing.assert_allclose(theta, [expected[0][t], expected[1][t]], rtol=1e-12)


def test_the_first_step_is_lr_times_the_sign_of_the_gradient():
    # t = 1: m_hat = g and v_hat = g^2 exactly, so the step is lr g / (|g| + eps), whatever the scale of g.
    g = np.array([1e-3, -0.5, 3.0, -2e4, 0.0])
    theta = np.ones(5)
    lr, eps = 0.01, 1e-8
    updates = Adam([theta], lr=lr, eps=eps).step([g])
    np.testing.assert_allclose(updates[0], lr * g / (np.abs(g) + eps), rtol=1e-12)
    np.testing.assert_allclose(theta, 1 - lr * np.sign(g), rtol=1e-5)
    # the shortfall from lr sign(g) is lr eps / (|g| + eps): relatively 1e-5 at |g| = 1e-3, 5e-13 at |g| = 2e4
    np.testing.assert_allclose(lr * np.sign(g) - updates[0], lr * np.sign(g) * eps / (np.abs(g) + eps),
                               rtol=1e-3, atol=1e-18)


def test_bias_correction_makes_a_constant_gradient_move_lr_per_step():
    # Without the corrections, step 1 would move (1 - beta1) lr / sqrt(1 - beta2), about 0.32 lr.
    theta = np.zeros(3)
    adam = Adam([theta], lr=0.05)
    g = np.array([0.2, -4.0, 1e-2])
    for t in range(1, 11):
        updates = adam.step([g])
        np.testing.assert_allclose(updates[0], 0.05 * np.sign(g), rtol=1e-5)
        np.testing.assert_allclose(adam.exp_avg[0], (1 - 0.9 ** t) * g, rtol=1e-12)
        np.testing.assert_allclose(adam.exp_avg_sq[0], (1 - 0.999 ** t) * g * g, rtol=1e-12)
    np.testing.assert_allclose(theta, -0.5 * np.sign(g), rtol=1e-5)


def test_weight_decay_is_an_l2_term_added_to_the_gradient_not_decoupled():
    rng = np.random.default_rng(0)
    start = rng.standard_normal((3, 2))
    decayed, coupled = start.copy(), start.copy()
    a, b = Adam([decayed], lr=0.01, weight_decay=0.3), Adam([coupled], lr=0.01)
    for _ in range(5):
        g = rng.standard_normal((3, 2))
        b.step([g + 0.3 * coupled])
        a.step([g])
        np.testing.assert_allclose(decayed, coupled, rtol=1e-12)
    # AdamW would shrink theta by lr * lambda * theta outside the adaptive step: a different point.
    adamw = start.copy()
    w = Adam([adamw], lr=0.01)
    rng = np.random.default_rng(0)
    rng.standard_normal((3, 2))
    for _ in range(5):
        adamw *= 1 - 0.01 * 0.3
        w.step([rng.standard_normal((3, 2))])
    assert np.abs(adamw - decayed).max() > 1e-3


def test_float32_parameters_stay_float32_and_are_updated_in_place():
    w, b = np.ones((2, 3), dtype=np.float32), np.zeros(3, dtype=np.float32)
    adam = Adam([w, b])
    ids = id(w), id(b)
    adam.step([np.full((2, 3), 0.5), np.full(3, -0.5, dtype=np.float32)])
    assert (id(w), id(b)) == ids and w.dtype == b.dtype == np.float32
    assert all(s.dtype == np.float32 for s in adam.exp_avg + adam.exp_avg_sq)
    np.testing.assert_allclose(w, 1 - 1e-3, rtol=1e-6)
    np.testing.assert_allclose(b, 1e-3, rtol=1e-5)
    assert repr(adam) == "Adam(lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.0, t=1)"


@pytest.mark.parametrize("kwargs, error, message", [
    ({"betas": (1.0, 0.999)}, ValueError, r"betas\[0\] must be in \[0, 1\), got 1.0"),
    ({"betas": (0.9, 1.0)}, ValueError, r"betas\[1\] must be in \[0, 1\), got 1.0"),
    ({"betas": (-0.1, 0.999)}, ValueError, r"betas\[0\] must be in \[0, 1\), got -0.1"),
    ({"betas": (0.9, float("nan"))}, ValueError, r"betas\[1\] must be finite"),
    ({"betas": 0.9}, TypeError, r"betas must be a pair \(beta1, beta2\) of numbers in \[0, 1\), got 0.9"),
    ({"betas": (0.9, 0.99, 0.9)}, TypeError, r"betas must be a pair"),
    ({"betas": ("a", 0.9)}, TypeError, r"betas\[0\] must be a real number"),
    ({"lr": 0}, ValueError, "lr must be > 0"),
    ({"eps": 0}, ValueError, "eps must be > 0"),
    ({"eps": -1e-8}, ValueError, "eps must be > 0"),
    ({"weight_decay": -0.1}, ValueError, "weight_decay must be >= 0"),
])
def test_bad_hyperparameters(kwargs, error, message):
    with pytest.raises(error, match=message):
        Adam([np.zeros(2)], **kwargs)


@pytest.mark.parametrize("params, message", [
    ([], "params must be a non-empty list of numpy arrays"),
    (np.zeros(3), "params must be a non-empty list of numpy arrays .* got ndarray"),
    ([np.zeros(3), [1.0]], r"params\[1\] must be a floating-point numpy array \(updated in place\), got list"),
    ([np.zeros(3, dtype=int)], r"params\[0\] must be a floating-point numpy array .* got dtype int64"),
])
def test_bad_params(params, message):
    with pytest.raises(TypeError, match=message):
        Adam(params)


def test_bad_gradients_leave_the_parameters_and_state_alone():
    theta = np.ones(3)
    adam = Adam([theta])
    bad_nan = np.array([0.0, np.nan, 1.0])
    for grads, message in (([np.zeros(3), np.zeros(3)], "grads must be a list of 1 arrays, one per parameter, got 2"),
                           (np.zeros(3), "grads must be a list of 1 arrays, one per parameter, got ndarray"),
                           ([np.zeros(4)], r"grads\[0\] must have the shape of params\[0\], \(3,\), got \(4,\)"),
                           ([bad_nan], r"grads\[0\] must be finite, got 1 NaN among its 3 entries")):
        with pytest.raises(ValueError, match=message):
            adam.step(grads)
    assert adam.t == 0 and np.all(theta == 1) and np.all(adam.exp_avg[0] == 0)
