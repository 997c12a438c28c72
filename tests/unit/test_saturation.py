"""initlab.saturation: saturated sets in closed form, Gaussian fractions against sampling, dead units."""

import math

import numpy as np
import pytest

from initlab import MLP, activations, init, saturation
from initlab.gaussian import expectation

C = saturation.PEAK_FRACTION


def test_peak_slopes_match_their_closed_forms():
    assert saturation.peak_slope("sigmoid") == pytest.approx(0.25, rel=1e-12)
    assert saturation.peak_slope("tanh") == pytest.approx(1.0, rel=1e-12)
    assert saturation.peak_slope("relu") == 1.0
    assert saturation.peak_slope("selu") == pytest.approx(activations.SELU_SCALE * activations.SELU_ALPHA, rel=1e-12)
    # GELU's slope Φ(x) + xφ(x) peaks where its derivative 2φ(x) - x²φ(x) vanishes: x = √2.
    x = math.sqrt(2)
    peak = 0.5 * math.erfc(-x / math.sqrt(2)) + x * math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    assert saturation.peak_slope("gelu") == pytest.approx(peak, rel=1e-6)


@pytest.mark.parametrize("fraction", [0.01, 0.1, 0.5])
def test_sigmoid_and_tanh_saturate_beyond_the_closed_form_threshold(fraction):
    # σ'(x) = 1/(4 cosh²(x/2)) and tanh'(x) = 1/cosh²(x): below c·peak iff cosh > 1/√c.
    x_tanh = math.acosh(1 / math.sqrt(fraction))
    for name, x_sat in (("sigmoid", 2 * x_tanh), ("tanh", x_tanh)):
        (a, b), (c, d) = saturation.saturated_intervals(name, fraction)
        assert a == -math.inf and d == math.inf
        assert b == pytest.approx(-x_sat, abs=1e-9) and c == pytest.approx(x_sat, abs=1e-9)


def test_one_sided_and_never_saturating_activations():
    (relu,) = saturation.saturated_intervals("relu")
    assert relu[0] == -math.inf and relu[1] == pytest.approx(0.0, abs=1e-9)
    for name in ("elu", "selu"):  # slope (λ)α eˣ for x < 0, peak (λ)α: below 1 % for x < ln 0.01
        ((a, b),) = saturation.saturated_intervals(name)
        assert a == -math.inf and b == pytest.approx(math.log(C), abs=1e-9)
    # leaky relu's negative slope is exactly 1 % of its peak: not below it.
    assert saturation.saturated_intervals("leaky_relu") == []
    assert saturation.saturated_intervals("linear") == []
    # GELU: the far left tail, and a narrow dip where its slope crosses 0 near x = -0.75.
    (a, b), (c, d) = saturation.saturated_intervals("gelu")
    assert a == -math.inf and -3.2 < b < -2.9 and c < -0.7518 < d and d - c < 0.1


@pytest.mark.parametrize("std", [0.3, 1.0, 4.0])
@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "elu", "gelu"])
def test_saturated_fraction_agrees_with_sampling_and_with_the_closed_form(name, std):
    p = saturation.saturated_fraction(name, std)
    s = saturation.sample(name, std, n=200_000, rng=1)
    assert abs(s.saturated - p) <= 4 * s.fraction_se(p) + 1e-12
    if name in ("sigmoid", "tanh"):
        x_sat = saturation.saturated_intervals(name)[-1][0]
        assert p == pytest.approx(math.erfc(x_sat / std / math.sqrt(2)), rel=1e-9)  # 2(1 - Φ(x/s))


def test_saturated_fraction_takes_an_array_of_stds():
    stds = np.array([0.5, 1.0, 8.0])
    np.testing.assert_allclose(saturation.saturated_fraction("tanh", stds),
                               [saturation.saturated_fraction("tanh", s) for s in stds], rtol=1e-15)
    assert saturation.saturated_fraction("relu", 3.0) == pytest.approx(0.5, abs=1e-9)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "leaky_relu", "selu", "gelu"])
def test_expected_derivative_agrees_with_sampling(name):
    e = saturation.expected_derivative(name, 1.5)
    assert e == expectation(activations.get(name).derivative, 1.5)
    s = saturation.sample(name, 1.5, n=200_000, rng=2)
    assert abs(s.slope - e) < 4 * s.slope_se


def test_known_values_at_unit_scale():
    assert round(saturation.expected_derivative("sigmoid", 1.0), 3) == 0.207
    assert round(saturation.expected_derivative("tanh", 1.0), 3) == 0.606
    # relu: P(z > 0) = 1/2; gelu: E[Φ(z)] = 1/2 and E[zφ(z)] = 0, at every scale.
    for s in (0.2, 1.0, 5.0):
        assert saturation.expected_derivative("relu", s) == pytest.approx(0.5, abs=1e-9)
        assert saturation.expected_derivative("gelu", s) == pytest.approx(0.5, abs=1e-6)


def test_sample_is_seeded_and_reports_its_size():
    a, b = saturation.sample("tanh", 2.0, n=1000, rng=3), saturation.sample("tanh", 2.0, n=1000, rng=3)
    assert a == b and a.n == 1000
    assert a.fraction_se(0.25) == pytest.approx(math.sqrt(0.25 * 0.75 / 1000))


def test_dead_fraction_counts_units_silent_on_every_input():
    model = MLP([3, 4, 4, 2], activation="relu", init="kaiming_normal", rng=0)
    model.biases[0][:] = [-100.0, 0.0, 0.0, -100.0]  # units 1 and 4 of layer 1 never fire on inputs in [0, 1]
    x = np.random.default_rng(0).uniform(0, 1, size=(50, 3)).astype(np.float32)
    dead = saturation.dead_fraction(model, x)
    assert dead.shape == (2,)
    assert dead[0] == 0.5
    pre = model.pre_activations[1]
    assert dead[1] == np.mean(np.all(pre <= 0, axis=0))
    smooth = MLP([3, 4, 2], activation="sigmoid", init="xavier_normal", rng=0)
    assert saturation.dead_fraction(smooth, x).tolist() == [0.0]


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="activation must be one of"):
        saturation.saturated_intervals("softplus")
    with pytest.raises(ValueError, match=r"fraction must be in \(0, 1\)"):
        saturation.saturated_intervals("tanh", 1.5)
    with pytest.raises(ValueError, match="std must be a positive finite number"):
        saturation.saturated_fraction("tanh", 0.0)
    with pytest.raises(ValueError, match="std must be a positive finite number"):
        saturation.saturated_fraction("tanh", [1.0, np.nan])
    with pytest.raises(ValueError, match="std must be > 0"):
        saturation.sample("tanh", -1.0)
    with pytest.raises(ValueError, match="n must be at least 2"):
        saturation.sample("tanh", 1.0, n=1)
    with pytest.raises(TypeError, match="n must be a positive integer"):
        saturation.sample("tanh", 1.0, n=2.5)
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\]"):
        saturation.sample("tanh", 1.0, n=10).fraction_se(1.5)
    with pytest.raises(ValueError, match="std must be >= 0"):
        saturation.expected_derivative("tanh", -2.0)


def test_closed_form_slope_matches_the_quadrature():
    for name in ("relu", "leaky_relu", "elu", "selu", "gelu"):
        for s in (0.5, 1.0, 3.0):
            assert abs(saturation.closed_form_slope(name, s) - saturation.expected_derivative(name, s)) < 1e-10
    slope = activations.get("leaky_relu", negative_slope=0.2)
    assert saturation.closed_form_slope(slope, 1.0) == pytest.approx(0.6)


def test_closed_form_slope_rejects_what_it_cannot_do():
    with pytest.raises(ValueError, match="closed form"):
        saturation.closed_form_slope("tanh", 1.0)
    with pytest.raises(ValueError, match="std"):
        saturation.closed_form_slope("relu", 0.0)
