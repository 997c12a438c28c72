"""initlab.jacobian: the input–output Jacobian matches finite differences; the moments match their formulas."""

import math

import numpy as np
import pytest

from initlab import MLP, gradcheck, init, jacobian


def float64_net(sizes, activation="tanh", init_fn="xavier_normal", rng=0, **kw):
    return MLP(sizes, activation=activation, init=init_fn, rng=rng, dtype=np.float64, **kw)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "linear", "relu"])
def test_jacobian_matches_finite_differences(activation):
    model = float64_net([4, 6, 5, 3], activation=activation, bias_std=0.5)
    x = np.random.default_rng(1).normal(size=4)
    jac = jacobian.input_output_jacobian(model, x)
    assert jac.shape == (3, 4) and jac.dtype == np.float64

    def output(j):
        return lambda: model.forward(x[None, :])[0, j]

    numeric = np.stack([gradcheck.numerical_gradient(output(j), x) for j in range(3)])
    assert gradcheck.relative_error(jac, numeric) < 1e-8


def test_a_cut_network_has_the_jacobian_of_its_first_layers():
    deep = float64_net([5, 5, 5, 5, 5], rng=3)
    shallow = float64_net([5, 5, 5], rng=3)  # the same seed draws the same first two matrices
    x = np.linspace(-1, 1, 5)
    np.testing.assert_allclose(jacobian.input_output_jacobian(deep, x, layer=2),
                               jacobian.input_output_jacobian(shallow, x), rtol=1e-12)
    by_layer = jacobian.singular_values(deep, x, layers=[1, 2, 4])
    assert sorted(by_layer) == [1, 2, 4]
    np.testing.assert_allclose(by_layer[2], jacobian.singular_values(shallow, x), rtol=1e-12)
    np.testing.assert_allclose(by_layer[4], jacobian.singular_values(deep, x), rtol=1e-12)


def test_orthogonal_linear_network_has_all_singular_values_s_to_the_L():
    s, depth = 1.2, 6
    model = float64_net([8] * (depth + 1), activation="linear", init_fn=init.scaled_orthogonal(s))
    values = jacobian.singular_values(model, np.ones(8))
    np.testing.assert_allclose(values, s**depth, rtol=1e-5)  # float32 weights: orthogonal to ~1e-7


def test_spectrum_moments():
    assert jacobian.spectrum_moments([1.0, 2.0]) == (2.5, 8.5)
    with pytest.raises(ValueError, match="values must be a non-empty 1-D array"):
        jacobian.spectrum_moments([])
    with pytest.raises(ValueError, match="finite"):
        jacobian.spectrum_moments([1.0, np.inf])


def test_gaussian_product_moments_closed_forms():
    # One layer: E tr((WᵀW)²)/n = 2 + 1/n for an n×n matrix of N(0, 1/n) entries (Wishart).
    assert jacobian.gaussian_product_moments(1, 10) == pytest.approx((1.0, 2.1))
    # Wide limit: L + 1 (Fuss–Catalan); first-order correction (L + 1) L / (2n).
    m2, m4 = jacobian.gaussian_product_moments(5, 10**6)
    assert m2 == 1 and m4 == pytest.approx(6 * (1 + 5 / 2e6), rel=1e-9)
    m2, m4 = jacobian.gaussian_product_moments(3, 10, sigma_w=1.5)
    base = jacobian.gaussian_product_moments(3, 10)[1]
    assert m2 == pytest.approx(1.5**6) and m4 == pytest.approx(1.5**12 * base)


def test_gaussian_product_moments_match_simulation():
    n, depth, draws = 16, 3, 2000
    rng = np.random.default_rng(0)
    m = np.zeros((draws, 2))
    for i in range(draws):
        product = np.eye(n)
        for _ in range(depth):
            product = rng.normal(0, 1 / math.sqrt(n), (n, n)) @ product
        m[i] = jacobian.spectrum_moments(np.linalg.svd(product, compute_uv=False))
    sem = m.std(axis=0, ddof=1) / math.sqrt(draws)
    assert np.all(np.abs(m.mean(axis=0) - jacobian.gaussian_product_moments(depth, n)) < 4 * sem)


def test_bad_arguments_name_themselves():
    model = float64_net([3, 4, 2])
    with pytest.raises(TypeError, match="model must be an initlab.MLP"):
        jacobian.input_output_jacobian("net", np.zeros(3))
    with pytest.raises(ValueError, match=r"x must be one input, of shape \(3,\)"):
        jacobian.input_output_jacobian(model, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="layer must be between 1 and the model's depth 2"):
        jacobian.input_output_jacobian(model, np.zeros(3), layer=3)
    with pytest.raises(TypeError, match="layer must be a positive integer"):
        jacobian.input_output_jacobian(model, np.zeros(3), layer=1.5)
    with pytest.raises(TypeError, match="layers must be None or a sequence"):
        jacobian.singular_values(model, np.zeros(3), layers=2)
    with pytest.raises(ValueError, match="plain MLP"):
        jacobian.input_output_jacobian(MLP([3, 3, 3], residual=True, rng=0), np.zeros(3))
    with pytest.raises(ValueError, match="width must be a positive integer"):
        jacobian.gaussian_product_moments(2, 0)
    with pytest.raises(ValueError, match="sigma_w must be > 0"):
        jacobian.gaussian_product_moments(2, 4, sigma_w=0.0)


def test_spread_and_zero_count():
    assert jacobian.spread(np.full(8, 3.0)) == pytest.approx(0.0, abs=1e-15)  # an isometry up to scale
    assert jacobian.spread([1.0, 0.0, 0.0, 0.0]) == pytest.approx(3.0)  # one value carries all: n - 1
    assert jacobian.spread([2.0, 1.0]) == pytest.approx(((16 + 1) / 2) / ((4 + 1) / 2) ** 2 - 1)
    assert jacobian.zero_count(np.array([1.0, 1e-3, 1e-11, 0.0])) == 2
    with pytest.raises(ValueError, match="non-empty 1-D array"):
        jacobian.zero_count(np.zeros((2, 2)))


def test_sampled_gaussian_moments_match_the_exact_recursion():
    x = np.random.default_rng(0).normal(size=16)
    moments = jacobian.sampled_gaussian_moments(x, (1, 3), draws=200, rng=2)
    assert moments.shape == (200, 2, 2)
    exact = np.array([jacobian.gaussian_product_moments(d, 16) for d in (1, 3)])
    sem = moments.std(axis=0, ddof=1) / math.sqrt(200)
    assert np.all(np.abs(moments.mean(axis=0) - exact) < 4 * sem)
    assert np.array_equal(moments[:5], jacobian.sampled_gaussian_moments(x, (1, 3), draws=5, rng=2))
    scaled = jacobian.sampled_gaussian_moments(x, (1, 3), draws=5, sigma_w=2.0, rng=2)  # the same draws, × 2
    assert scaled == pytest.approx(moments[:5] * [[2.0 ** 2, 2.0 ** 4], [2.0 ** 6, 2.0 ** 12]], rel=1e-9)
    with pytest.raises(ValueError, match="x must be one input"):
        jacobian.sampled_gaussian_moments(np.zeros((2, 3)), (1,), 2)
    with pytest.raises(ValueError, match="depths must be a non-empty sequence"):
        jacobian.sampled_gaussian_moments(x, (), 2)
