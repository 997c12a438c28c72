"""initlab.gaussian.expectation against closed forms and against sampling."""

import math

import numpy as np
import pytest

from initlab import activations
from initlab.gaussian import expectation

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
