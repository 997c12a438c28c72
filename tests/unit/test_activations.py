"""initlab.activations: derivatives by finite differences, dtypes, the extremes, known values."""

import math
import warnings

import numpy as np
import pytest

from initlab import activations as A

# 80 evenly spaced points in [-4, 4]: the closest to the kinks at 0 is 0.05, far beyond H.
GRID = np.linspace(-4.0, 4.0, 80)
H = 1e-5
# Central differences in float64: truncation h^2 |f'''| / 6 ~ 1e-11, rounding eps |f| / h ~ 1e-10.
FD_ATOL = 1e-8
# gelu's derivative is the exact Phi + x phi, while gelu itself uses the Abramowitz-Stegun Phi
# (|error| < 1.5e-7), whose slope differs from phi by up to ~1e-7: 5e-7 on the grid, measured.
FD_ATOL_GELU = 1e-6


def phi_cdf(x):
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


@pytest.mark.parametrize("name", A.NAMES)
def test_derivative_matches_central_differences(name):
    f = A.get(name)
    fd = (f(GRID + H) - f(GRID - H)) / (2 * H)
    np.testing.assert_allclose(f.derivative(GRID), fd, rtol=0, atol=FD_ATOL_GELU if name == "gelu" else FD_ATOL)


@pytest.mark.parametrize("params", [{"negative_slope": 0.2}, {"negative_slope": 0.0}])
def test_leaky_relu_slope(params):
    f = A.get("leaky_relu", **params)
    slope = params["negative_slope"]
    np.testing.assert_allclose(f(GRID), np.where(GRID > 0, GRID, slope * GRID))
    np.testing.assert_array_equal(f.derivative(GRID), np.where(GRID > 0, 1.0, slope))


def test_elu_alpha():
    f = A.get("elu", alpha=0.5)
    np.testing.assert_allclose(f(GRID), np.where(GRID > 0, GRID, 0.5 * np.expm1(GRID)))
    fd = (f(GRID + H) - f(GRID - H)) / (2 * H)
    np.testing.assert_allclose(f.derivative(GRID), fd, rtol=0, atol=FD_ATOL)


@pytest.mark.parametrize("name", A.NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_dtype_kept(name, dtype):
    f = A.get(name)
    x = GRID.astype(dtype)
    assert f(x).dtype == dtype and f.derivative(x).dtype == dtype


@pytest.mark.parametrize("name", A.NAMES)
def test_integers_become_float32(name):
    f = A.get(name)
    x = np.arange(-3, 4)
    assert f(x).dtype == np.float32 and f.derivative(x).dtype == np.float32


@pytest.mark.parametrize("name", A.NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extremes_finite_without_warnings(name, dtype):
    f = A.get(name)
    x = np.array([-1e30, -1000.0, -100.0, -30.0, -10.0, 10.0, 30.0, 100.0, 1000.0, 1e30], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        y, dy = f(x), f.derivative(x)
    assert np.isfinite(y).all() and np.isfinite(dy).all()


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_saturating_limits(name):
    f = A.get(name)
    low = 0.0 if name == "sigmoid" else -1.0
    np.testing.assert_array_equal(f(np.array([-1000.0, 1000.0])), [low, 1.0])
    np.testing.assert_array_equal(f.derivative(np.array([-1000.0, 1000.0])), [0.0, 0.0])


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "elu", "selu", "gelu", "linear"])
def test_unbounded_on_the_right(name):
    f = A.get(name)
    scale = A.SELU_SCALE if name == "selu" else 1.0
    np.testing.assert_allclose(f(np.array([1000.0, 1e30])), scale * np.array([1000.0, 1e30]), rtol=1e-15)


def test_sigmoid_values():
    s = A.get("sigmoid")
    assert s(0.0) == 0.5
    assert s.derivative(0.0) == 0.25
    x = np.linspace(-10, 10, 2001)
    assert s.derivative(x).max() == 0.25
    np.testing.assert_allclose(s(x), 1 / (1 + np.exp(-x)), rtol=1e-14)


def test_tanh_is_a_rescaled_sigmoid():
    x = np.linspace(-10, 10, 2001)
    np.testing.assert_allclose(A.get("tanh")(x), 2 * A.get("sigmoid")(2 * x) - 1, rtol=0, atol=1e-14)


def test_selu_constants_and_form():
    # Klambauer et al. (2017), eq. 14, and torch.nn.SELU.
    assert A.SELU_ALPHA == 1.6732632423543772848170429916717
    assert A.SELU_SCALE == 1.0507009873554804934193349852946
    f = A.get("selu")
    expected = A.SELU_SCALE * np.where(GRID > 0, GRID, A.SELU_ALPHA * np.expm1(GRID))
    np.testing.assert_allclose(f(GRID), expected, rtol=1e-15)


def test_selu_fixed_point():
    # E[selu(z)] = 0 and E[selu(z)^2] = 1 for z ~ N(0, 1), by the trapezoid rule on [-12, 12].
    z = np.linspace(-12, 12, 240_001)
    density = np.exp(-z**2 / 2) / math.sqrt(2 * math.pi)
    y = A.get("selu")(z)
    assert abs(np.trapezoid(y * density, z)) < 1e-6
    assert abs(np.trapezoid(y**2 * density, z) - 1) < 1e-6


def test_gelu_matches_x_phi():
    x = np.linspace(-8, 8, 1601)
    exact = np.array([v * phi_cdf(v) for v in x])
    np.testing.assert_allclose(A.get("gelu")(x), exact, rtol=0, atol=1e-6)
    exact_slope = np.array([phi_cdf(v) + v * math.exp(-v * v / 2) / math.sqrt(2 * math.pi) for v in x])
    np.testing.assert_allclose(A.get("gelu").derivative(x), exact_slope, rtol=0, atol=1e-6)
    assert A.get("gelu")(0.0) == 0.0


def test_relu_derivative_at_zero_is_zero():
    assert A.get("relu").derivative(0.0) == 0.0


def test_linear_returns_a_copy():
    x = np.array([1.0, -2.0])
    y = A.get("linear")(x)
    y[0] = 5.0
    assert x[0] == 1.0


def test_get_passes_instances_through():
    act = A.get("tanh")
    assert A.get(act) is act
    with pytest.raises(TypeError, match="params cannot be given"):
        A.get(act, alpha=1.0)


@pytest.mark.parametrize("bad", ["softplus", "ReLU", None])
def test_unknown_name(bad):
    with pytest.raises(ValueError, match="activation must be one of 'sigmoid', 'tanh', 'relu'"):
        A.get(bad)


def test_parameter_not_taken():
    with pytest.raises(TypeError, match=r"activation 'relu' takes no parameters \['alpha'\]"):
        A.get("relu", alpha=1.0)


@pytest.mark.parametrize("name, params, error, message", [
    ("leaky_relu", {"negative_slope": -0.1}, ValueError, "negative_slope must be >= 0"),
    ("leaky_relu", {"negative_slope": "0.1"}, TypeError, "negative_slope must be a real number"),
    ("elu", {"alpha": 0.0}, ValueError, "alpha must be > 0"),
    ("elu", {"alpha": float("nan")}, ValueError, "alpha must be finite"),
])
def test_bad_parameter_values(name, params, error, message):
    with pytest.raises(error, match=message):
        A.get(name, **params)
