"""initlab.gradcheck: central differences and the relative error used to check backward passes."""

import numpy as np
import pytest

from initlab.gradcheck import numerical_gradient, relative_error


def test_numerical_gradient_of_a_quadratic_is_exact_to_rounding():
    a = np.array([[1.0, -2.0], [0.5, 3.0]])
    m = np.array([[2.0, 1.0], [1.0, 4.0]])

    def f():
        return float(np.sum(a * (m @ a)))  # gradient (m + mᵀ) a

    np.testing.assert_allclose(numerical_gradient(f, a), (m + m.T) @ a, rtol=1e-8)
    np.testing.assert_array_equal(a, [[1.0, -2.0], [0.5, 3.0]])  # restored


def test_numerical_gradient_error_shrinks_like_h_squared():
    a = np.array([0.3])
    errors = [abs(numerical_gradient(lambda: float(np.sin(a[0])), a, h=h)[0] - np.cos(0.3)) for h in (1e-2, 1e-3)]
    assert errors[1] < errors[0] / 50  # O(h²): a factor 100, minus rounding


def test_relative_error():
    assert relative_error([1.0, 0.0], [1.0, 0.0]) == 0.0
    assert relative_error([0.0], [0.0]) == 0.0
    assert relative_error([3.0, 4.0], [3.0, 4.5]) == pytest.approx(0.5 / np.hypot(3.0, 4.5))


def test_bad_input_is_named():
    with pytest.raises(TypeError, match="array must be a float64 numpy array"):
        numerical_gradient(lambda: 0.0, np.ones(2, dtype=np.float32))
    with pytest.raises(TypeError, match="array must be a float64 numpy array"):
        numerical_gradient(lambda: 0.0, [1.0, 2.0])
    with pytest.raises(TypeError, match="f must be a function"):
        numerical_gradient(3.0, np.ones(2))
    with pytest.raises(ValueError, match="h must be > 0"):
        numerical_gradient(lambda: 0.0, np.ones(2), h=0)
    with pytest.raises(ValueError, match="same shape"):
        relative_error(np.ones(2), np.ones(3))
