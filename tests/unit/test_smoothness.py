"""initlab.smoothness: the loss and the gradient change along the gradient direction."""

import numpy as np
import pytest

from initlab import MLP
from initlab.smoothness import along_gradient


def regression(seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((32, 3)), rng.standard_normal((32, 2))


def test_a_quadratic_loss_has_the_same_gradient_change_at_every_step_and_a_parabola_for_a_loss():
    x, y = regression()
    model = MLP([3, 2], rng=0, dtype=np.float64)  # one linear layer + squared error: a quadratic in W, b
    probe = along_gradient(model, x, y, [1e-3, 1e-2, 0.1, 1.0], loss="mse")
    np.testing.assert_allclose(probe.gradient_change, probe.gradient_change[0], rtol=1e-9)
    # ℓ(θ - ηg) = ℓ - η‖g‖² + η²/2 gᵀHg, and gᵀHg ≤ ‖g‖ ‖Hg‖ = ‖g‖² β_η
    eta = probe.step_sizes
    curvature = 2 * (probe.loss_after - probe.loss + eta * probe.grad_norm ** 2) / eta ** 2
    np.testing.assert_allclose(curvature, curvature[0], rtol=1e-6)
    assert 0 < curvature[0] <= probe.grad_norm ** 2 * probe.effective_smoothness * (1 + 1e-9)


def test_small_steps_lower_the_loss_at_first_order():
    x, y = regression(1)
    model = MLP([3, 8, 2], activation="tanh", rng=1, dtype=np.float64)
    probe = along_gradient(model, x, y, [1e-6], loss="mse")
    assert probe.loss - probe.loss_after[0] == pytest.approx(1e-6 * probe.grad_norm ** 2, rel=1e-3)


def test_parameters_and_running_statistics_are_put_back():
    x, y = regression(2)
    model = MLP([3, 6, 6, 2], rng=2, batch_norm=True, dtype=np.float64)
    before = [p.copy() for p in model.parameters()]
    stats = [(bn.running_mean.copy(), bn.running_var.copy()) for bn in model.norms]
    along_gradient(model, x, np.array([0, 1] * 16), [0.1, 1.0])
    for p, q in zip(model.parameters(), before):
        np.testing.assert_array_equal(p, q)
    for bn, (mean, var) in zip(model.norms, stats):
        np.testing.assert_array_equal(bn.running_mean, mean)
        np.testing.assert_array_equal(bn.running_var, var)


def test_bad_input_is_named():
    x, y = regression()
    model = MLP([3, 2], rng=0, dtype=np.float64)
    with pytest.raises(ValueError, match=r"step_sizes\[1\] must be > 0"):
        along_gradient(model, x, y, [0.1, 0.0], loss="mse")
    with pytest.raises(ValueError, match="at least one step size"):
        along_gradient(model, x, y, [], loss="mse")
    model.weights[0][:] = 0
    with pytest.raises(ValueError, match="the gradient is zero"):
        along_gradient(model, np.zeros((4, 3)), np.zeros((4, 2)), [0.1], loss="mse")
