"""initlab.positive_inputs: per-example SGD on a linear unit, and the measures of its path."""

import numpy as np
import pytest

from initlab import positive_inputs


def test_sgd_path_takes_the_lms_step_one_example_at_a_time():
    x = np.array([[1.0, 2.0], [0.5, -1.0]])
    t = np.array([1.0, 0.0])
    path = positive_inputs.sgd_path(x, t, [0.0, 0.0], lr=0.1)
    w1 = np.array([0.0, 0.0]) - 0.1 * (0.0 - 1.0) * x[0]
    w2 = w1 - 0.1 * (w1 @ x[1] - 0.0) * x[1]
    np.testing.assert_allclose(path, [[0.0, 0.0], w1, w2])


def test_gradient_of_the_squared_error_matches_finite_differences():
    rng = np.random.default_rng(0)
    x, t, w = rng.normal(size=(1, 3)), rng.normal(size=1), rng.normal(size=3)
    step = positive_inputs.sgd_path(x, t, w, lr=1.0)[1] - w  # = -grad
    loss = lambda v: 0.5 * (v @ x[0] - t[0]) ** 2
    eps = 1e-6
    numeric = [(loss(w + eps * e) - loss(w - eps * e)) / (2 * eps) for e in np.eye(3)]
    np.testing.assert_allclose(-step, numeric, rtol=1e-6)


def test_positive_inputs_move_all_weights_the_same_way():
    rng = np.random.default_rng(1)
    x = rng.uniform(0.1, 1.0, size=(200, 3))
    t = x @ np.array([1.0, -2.0, 0.5])
    path = positive_inputs.sgd_path(x, t, np.zeros(3), lr=0.3)
    assert positive_inputs.same_sign_fraction(path) == 1.0
    centred = x - 0.55
    path = positive_inputs.sgd_path(centred, centred @ np.array([1.0, -2.0, 0.5]), np.zeros(3), lr=0.3)
    assert 0.1 < positive_inputs.same_sign_fraction(path) < 0.5  # 3 independent signs agree w.p. 1/4


def test_a_zero_component_does_not_share_a_sign():
    path = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 1.0]])
    assert positive_inputs.same_sign_fraction(path) == 0.5


def test_bad_arguments_name_themselves():
    x, t = np.ones((4, 2)), np.ones(4)
    with pytest.raises(ValueError, match=r"x must have shape \(n, d\)"):
        positive_inputs.sgd_path(np.ones(4), t, [0.0], 0.1)
    with pytest.raises(ValueError, match="t must hold one target per row"):
        positive_inputs.sgd_path(x, np.ones(3), [0.0, 0.0], 0.1)
    with pytest.raises(ValueError, match="w0 must have shape"):
        positive_inputs.sgd_path(x, t, [0.0], 0.1)
    with pytest.raises(ValueError, match="lr must be > 0"):
        positive_inputs.sgd_path(x, t, [0.0, 0.0], 0.0)
    with pytest.raises(ValueError, match="path must have shape"):
        positive_inputs.same_sign_fraction(np.zeros((1, 2)))


def test_mean_error_is_the_averaged_squared_error_of_the_unit():
    gen = np.random.default_rng(0)
    x, w_star = gen.uniform(0, 1, (50, 2)), np.array([1.0, -2.0])
    w = np.array([0.5, 0.5])
    direct = np.mean(0.5 * (x @ w - x @ w_star) ** 2)
    assert positive_inputs.mean_error(x, w, w_star) == pytest.approx(direct, rel=1e-12)
    grid = np.stack([w, w_star, 2 * w], axis=0)  # many weight vectors at once
    errors = positive_inputs.mean_error(x, grid, w_star)
    assert errors.shape == (3,) and errors[1] == 0.0
    assert errors[2] == pytest.approx(np.mean(0.5 * (x @ (2 * w) - x @ w_star) ** 2), rel=1e-12)


def test_mean_error_names_mismatched_shapes():
    with pytest.raises(ValueError, match="x must have shape"):
        positive_inputs.mean_error(np.ones(3), np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match=r"w and w_star must end in the dimension of a row of x \(2\)"):
        positive_inputs.mean_error(np.ones((4, 2)), np.ones(3), np.ones(2))


def test_sgd_path_with_mini_batches_averages_the_examples_gradients():
    x = np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0], [0.0, 1.0]])
    t = np.array([1.0, 0.0, 1.0, -1.0])
    path = positive_inputs.sgd_path(x, t, [0.0, 0.0], lr=0.1, batch_size=2)
    w1 = -0.1 * ((0.0 - t[:2]) @ x[:2]) / 2
    w2 = w1 - 0.1 * ((x[2:] @ w1 - t[2:]) @ x[2:]) / 2
    np.testing.assert_allclose(path, [[0.0, 0.0], w1, w2])
    with pytest.raises(ValueError, match="batch_size"):
        positive_inputs.sgd_path(x, t, [0.0, 0.0], lr=0.1, batch_size=3)


def test_zigzag_runs_per_example_and_per_batch():
    w_star, w0 = np.array([1.0, -1.0]), np.array([-1.0, 1.0])
    one = positive_inputs.zigzag_runs("sigmoid", w_star, w0, seeds=range(20), steps=10)
    assert one["paths"].shape == (20, 11, 2)
    assert one["lr"] == pytest.approx(1 / (2 * one["m2"]))
    assert one["m"] == pytest.approx(0.5)
    # one example per step: every step moves both weights the same way
    assert all(positive_inputs.same_sign_fraction(p) == 1.0 for p in one["paths"])
    batched = positive_inputs.zigzag_runs("sigmoid", w_star, w0, seeds=range(20), steps=10, batch_size=16)
    assert batched["inputs"][0].shape == (160, 2)
    assert np.mean([positive_inputs.same_sign_fraction(p) for p in batched["paths"]]) < 0.8
    with pytest.raises(ValueError, match="w_star"):
        positive_inputs.zigzag_runs("sigmoid", [1.0, -1.0], [0.0, 0.0, 0.0])
