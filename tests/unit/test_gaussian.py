"""initlab.gaussian.expectation against closed forms and against sampling."""

import math

import numpy as np
import pytest

from initlab import activations
from initlab.gaussian import expectation, moments

sigmoid, tanh, relu = (activations.get(n) for n in ("sigmoid", "tanh", "relu"))


@pytest.mark.parametrize("std", [1e-3, 0.1, 1.0, 7.0, 100.0, 1e3])
def test_moments_of_the_gaussian(std):
    assert expectation(lambda z: np.ones_like(z), std) == pytest.approx(1.0, rel=1e-12)
    assert expectation(lambda z: z ** 2, std) == pytest.approx(std ** 2, rel=1e-10)
    assert expectation(lambda z: z ** 4, std) == pytest.approx(3 * std ** 4, rel=1e-10)
    assert abs(expectation(lambda z: z, std)) < 1e-12 * max(std, 1.0)


@pytest.mark.parametrize("std", [1e-3, 0.5, 3.0, 100.0, 1e3])
def test_kinks_at_zero_are_exact(std):
    # E[relu(z)²] = s²/2 and E[1{z>0}] = 1/2, by symmetry.
    assert expectation(lambda z: relu(z) ** 2, std) == pytest.approx(std ** 2 / 2, rel=1e-10)
    assert expectation(lambda z: relu.derivative(z) ** 2, std) == pytest.approx(0.5, rel=1e-10)
    assert expectation(relu, std) == pytest.approx(std / math.sqrt(2 * math.pi), rel=1e-10)


@pytest.mark.parametrize("std", [10.0, 100.0, 1000.0])
def test_narrow_bumps_are_resolved_at_large_scale(std):
    # E[σ'(z)] = E[σ(z)(1 − σ(z))] → (1/4)·∫σ'·pdf(0)·4... = φ(0)/s·∫σ'(z)dz = 1/(s√(2π)) for large s,
    # with a relative correction of order 1/s².
    exact_limit = 1 / (std * math.sqrt(2 * math.pi))
    assert expectation(sigmoid.derivative, std) == pytest.approx(exact_limit, rel=2 / std ** 2)
    # tanh' integrates to 2 over the line.
    assert expectation(tanh.derivative, std) == pytest.approx(2 * exact_limit, rel=2 / std ** 2)


def test_standard_normal_values_from_the_literature_and_sampling():
    # The values the course quotes: E[σ'(z)] ≈ 0.207 and E[tanh'(z)] ≈ 0.606 for z ~ N(0, 1).
    e_sig, e_tanh = expectation(sigmoid.derivative), expectation(tanh.derivative)
    assert round(e_sig, 3) == 0.207 and round(e_tanh, 3) == 0.606
    z = np.random.default_rng(0).standard_normal(4_000_000)
    for value, samples in ((e_sig, sigmoid.derivative(z)), (e_tanh, tanh.derivative(z))):
        assert abs(value - samples.mean()) < 4 * samples.std() / math.sqrt(z.size)


def test_zero_std_is_the_value_at_zero():
    assert expectation(sigmoid, 0.0) == 0.5
    assert expectation(lambda z: np.cos(z), 0) == 1.0


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="std must be >= 0"):
        expectation(tanh, -1.0)
    with pytest.raises(ValueError, match="std must be finite"):
        expectation(tanh, float("nan"))
    with pytest.raises(TypeError, match="std must be a real number"):
        expectation(tanh, "1")
    with pytest.raises(TypeError, match="f must be a function"):
        expectation(3.0)
    with pytest.raises(ValueError, match="f must return one value per input"):
        expectation(lambda z: z.sum())


@pytest.mark.parametrize("mean", [-30.0, -1.5, 0.3, 4.0, 250.0])
@pytest.mark.parametrize("std", [1e-3, 0.7, 20.0])
def test_a_nonzero_mean_against_closed_forms(mean, std):
    # E[z] = μ, E[z²] = μ² + s², and E[relu(z)] = μΦ(μ/s) + sφ(μ/s), whose kink at 0 is off-centre.
    assert expectation(lambda z: z, std, mean) == pytest.approx(mean, rel=1e-10, abs=1e-12)
    assert expectation(lambda z: z ** 2, std, mean) == pytest.approx(mean ** 2 + std ** 2, rel=1e-10)
    t = mean / std
    exact = mean * 0.5 * math.erfc(-t / math.sqrt(2)) + std * math.exp(-t * t / 2) / math.sqrt(2 * math.pi)
    assert expectation(relu, std, mean) == pytest.approx(exact, rel=1e-9, abs=1e-300)


def test_zero_std_with_a_mean_is_f_at_the_mean():
    assert expectation(lambda z: z ** 3, 0.0, 2.0) == pytest.approx(8.0)


def test_a_non_finite_mean_is_refused():
    with pytest.raises(ValueError, match="mean"):
        expectation(relu, 1.0, float("nan"))


# expectation_pair: E[f(u1, u2)] for a correlated Gaussian pair ----------------------------------

from initlab.gaussian import expectation_pair  # noqa: E402


@pytest.mark.parametrize("corr", [-0.95, -0.3, 0.0, 0.5, 0.9, 0.999])
@pytest.mark.parametrize("std", [0.1, 1.0, 7.0])
def test_pair_against_the_arc_cosine_kernel_of_relu(std, corr):
    # Cho & Saul (2009): E[relu(u1) relu(u2)] = q/(2π) (√(1 − c²) + (π − arccos c) c), q = std².
    q = std ** 2
    exact = q / (2 * math.pi) * (math.sqrt(1 - corr ** 2) + (math.pi - math.acos(corr)) * corr)
    assert expectation_pair(lambda a, b: relu(a) * relu(b), std, corr) == pytest.approx(exact, rel=1e-9, abs=1e-15)
    # Both positive: 1/4 + arcsin(c)/(2π) (Sheppard's formula), an integrand with two jumps; at c → 1 the
    # outer integrand P(u2 > 0 | u1) is a step of width s√(1 − c²), which 64 nodes resolve to ~1e-9.
    both = expectation_pair(lambda a, b: (a > 0) * (b > 0) * 1.0, std, corr)
    assert both == pytest.approx(0.25 + math.asin(corr) / (2 * math.pi), abs=1e-9)


def test_pair_moments_and_the_fully_correlated_limits():
    assert expectation_pair(lambda a, b: a * b, 2.0, 0.3) == pytest.approx(1.2, rel=1e-12)
    assert expectation_pair(lambda a, b: a ** 2 * b ** 2, 1.0, 0.5) == pytest.approx(1 + 2 * 0.25, rel=1e-10)
    for c in (1.0, -1.0):
        assert expectation_pair(lambda a, b: a * b, 1.5, c) == pytest.approx(c * 2.25, rel=1e-12)
    assert expectation_pair(lambda a, b: a + b + 3.0, 0.0, 0.2) == 3.0


def test_pair_against_monte_carlo_for_tanh():
    std, corr = 1.3, 0.4
    z = np.random.default_rng(0).standard_normal((2, 10 ** 6))
    u1, u2 = std * z[0], std * (corr * z[0] + math.sqrt(1 - corr ** 2) * z[1])
    for f in (lambda a, b: tanh(a) * tanh(b), lambda a, b: tanh.derivative(a) * tanh.derivative(b)):
        sample = f(u1, u2)
        standard_error = sample.std() / math.sqrt(sample.size)
        assert abs(expectation_pair(f, std, corr) - sample.mean()) < 4 * standard_error


def test_pair_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match=r"corr must be in \[-1, 1\]"):
        expectation_pair(lambda a, b: a * b, 1.0, 1.5)
    with pytest.raises(ValueError, match="std must be >= 0"):
        expectation_pair(lambda a, b: a * b, -1.0, 0.5)
    with pytest.raises(TypeError, match="f must be a function of two arrays"):
        expectation_pair(2.0)
    with pytest.raises(ValueError, match="f must return one value per pair"):
        expectation_pair(lambda a, b: np.sum(a * b), 1.0, 0.5)


@pytest.mark.parametrize("name", activations.NAMES)
@pytest.mark.parametrize("std, mean", [(0.0, 0.5), (1e-3, 0.0), (1.0, 0.0), (2.5, -1.0), (1e3, 20.0)])
def test_moments_are_the_two_expectations_to_the_last_bit(name, std, mean):
    f = activations.get(name)
    assert moments(f, std, mean) == (expectation(f, std, mean), expectation(lambda z: f(z) ** 2, std, mean))
