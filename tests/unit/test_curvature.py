"""initlab.curvature: Gauss-Newton-vector products and the top curvature by power iteration."""

import numpy as np
import pytest

from initlab import MLP
from initlab.curvature import gauss_newton_vector_product, top_curvature


def regression(seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((32, 3)), rng.standard_normal((32, 2))


def classification(seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((40, 4)), rng.integers(0, 3, 40)


def flat_parameters(model):
    return np.concatenate([p.ravel() for p in model.parameters()])


def test_one_linear_layer_with_squared_error_has_the_analytic_top_eigenvalue():
    # ℓ = (1/N) Σ (x W + b - y)², N = 32 · 2 entries: for each output column the Hessian block is
    # (2/N) [x 1]ᵀ [x 1], so λ_max = (2/N) λ_max([x 1]ᵀ[x 1]); here the Gauss-Newton matrix is the Hessian.
    x, y = regression()
    model = MLP([3, 2], activation="linear", rng=0, dtype=np.float64)
    design = np.hstack([x, np.ones((32, 1))])
    expected = 2 / y.size * np.linalg.eigvalsh(design.T @ design).max()
    found = top_curvature(model, x, y, loss="mse", tol=1e-12, iterations=2000)
    assert found.value == pytest.approx(expected, rel=1e-6)
    assert found.residual < 1e-3


def test_power_iteration_matches_the_dense_gauss_newton_matrix_of_a_tanh_classifier():
    x, y = classification()
    model = MLP([4, 6, 5, 3], activation="tanh", rng=1, dtype=np.float64)
    size = flat_parameters(model).size
    columns = np.stack([gauss_newton_vector_product(model, x, y, e) for e in np.eye(size)], axis=1)
    np.testing.assert_allclose(columns, columns.T, atol=1e-7)  # G is symmetric ...
    eigenvalues = np.linalg.eigvalsh((columns + columns.T) / 2)
    assert eigenvalues.min() > -1e-7  # ... and positive semi-definite
    found = top_curvature(model, x, y, tol=1e-12, iterations=5000)
    assert found.value == pytest.approx(eigenvalues.max(), rel=1e-5)


def test_the_products_are_linear_in_v_and_leave_the_model_unchanged():
    x, y = classification(2)
    model = MLP([4, 8, 3], activation="relu", rng=2, dtype=np.float64)
    before = flat_parameters(model)
    v = np.random.default_rng(3).standard_normal(before.size)
    one = gauss_newton_vector_product(model, x, y, v)
    np.testing.assert_allclose(gauss_newton_vector_product(model, x, y, 3 * v), 3 * one, rtol=1e-6)
    assert np.array_equal(flat_parameters(model), before)
    top_curvature(model, x, y)
    assert np.array_equal(flat_parameters(model), before)


def test_batch_norm_running_statistics_are_put_back():
    x, y = classification(4)
    model = MLP([4, 8, 3], rng=4, dtype=np.float64, batch_norm=True)
    means = [bn.running_mean.copy() for bn in model.norms]
    top_curvature(model, x, y, iterations=5)
    assert all(np.array_equal(bn.running_mean, m) for bn, m in zip(model.norms, means))


def test_bad_arguments_are_named():
    x, y = classification()
    with pytest.raises(ValueError, match="float64"):
        top_curvature(MLP([4, 3], rng=0), x, y)
    model = MLP([4, 3], rng=0, dtype=np.float64)
    with pytest.raises(ValueError, match="v must be a flat vector"):
        gauss_newton_vector_product(model, x, y, np.ones(3))
    with pytest.raises(ValueError, match="nonzero"):
        gauss_newton_vector_product(model, x, y, np.zeros(15))
    with pytest.raises(ValueError, match="epsilon"):
        gauss_newton_vector_product(model, x, y, np.ones(15), epsilon=0)
    with pytest.raises(ValueError, match="iterations"):
        top_curvature(model, x, y, iterations=0)
    with pytest.raises(ValueError, match="loss"):
        top_curvature(model, x, y, loss=lambda out, target: (0.0, out))
    with pytest.raises(TypeError, match="model"):
        top_curvature(object(), x, y)
