"""initlab.input_dependence: spreads across a batch, the correlation between examples, and the relu predictions
for default weights and biases."""

import math

import numpy as np
import pytest

import initlab
from initlab import data, input_dependence as dep


def test_spread_is_half_the_mean_square_pair_difference():
    h = np.random.default_rng(0).normal(size=(40, 7))
    pairs = [np.mean((h[a] - h[b]) ** 2) for a in range(40) for b in range(40)]
    # mean over all ordered pairs (a = b included) of the squared difference is 2 · (mean variance over rows)
    assert dep.spreads([h])[0] ** 2 == pytest.approx(np.mean(pairs) / 2, rel=1e-12)


def test_identical_rows_have_zero_spread_and_relative_spread_is_scale_free():
    same = np.tile(np.arange(1.0, 6.0), (10, 1))
    assert dep.spreads([same])[0] == 0
    h = np.random.default_rng(1).normal(2.0, 0.5, size=(1000, 50))
    assert dep.relative_spreads([h, 10 * h]) == pytest.approx([dep.relative_spreads([h])[0]] * 2)
    assert dep.relative_spreads([h])[0] == pytest.approx(0.5 / math.sqrt(4.25), rel=0.03)


def test_mean_factor():
    assert dep.mean_factor([8.0, 4.0, 2.0, 1.0], 1, 4) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="first < last"):
        dep.mean_factor([1.0, 2.0], 2, 2)
    with pytest.raises(ValueError, match="positive and finite"):
        dep.mean_factor([1.0, 0.0], 1, 2)


def test_relu_mean_squares_recursion_and_fixed_point():
    m = dep.relu_mean_squares(1 / math.sqrt(3), 1 / math.sqrt(192), 60, 0.25)
    assert m[0] == pytest.approx((0.25 / 3 + 1 / 192) / 2)
    assert m[-1] == pytest.approx(1 / 320, rel=1e-12)  # (σ_b²/2)/(1 − σ_w²/2) = 1/(5n) for n = 64
    assert dep.relu_mean_squares(1.0, 0.0, 3, 1.0) == pytest.approx([0.5, 0.25, 0.125])


def test_relu_predictions_match_default_networks():
    # Expected mean squares are exact at any width: average 8 float64 networks and compare within 4 standard errors.
    x, _ = data.digits()
    x = x[:128].astype(np.float64)
    ms, factors = [], []
    for seed in range(8):
        model = initlab.MLP([64] * 13, activation="relu", init="linear_default", rng=seed, dtype=np.float64)
        model.forward(x)
        hs = model.activations[:-1]
        ms.append([np.mean(h ** 2) for h in hs])
        factors.append(dep.mean_factor(dep.spreads(hs), 1, 11))
    ms = np.array(ms)
    predicted = dep.relu_mean_squares(1 / math.sqrt(3), 1 / math.sqrt(192), 11, float(np.mean(x ** 2)))
    sem = ms.std(axis=0, ddof=1) / math.sqrt(8)
    assert np.all(np.abs(ms.mean(axis=0) - predicted) < 4 * sem)
    sem_f = np.std(factors, ddof=1) / math.sqrt(8)
    assert abs(np.mean(factors) - dep.relu_spread_factor(1 / math.sqrt(3))) < 4 * sem_f + 0.01


@pytest.mark.parametrize("call, message", [
    (lambda: dep.spreads(np.ones((3, 3))), "list of 2-D arrays"),
    (lambda: dep.spreads([np.ones(3)]), r"arrays\[0\] must be a numeric \(batch, units\)"),
    (lambda: dep.spreads([np.ones((1, 3))]), "at least 2 rows"),
    (lambda: dep.relative_spread(np.zeros(5)), r"h must be a numeric \(batch, units\) array"),
    (lambda: dep.relative_spread(np.zeros((1, 5))), "at least 2 rows"),
    (lambda: dep.relu_mean_squares(-1, 0, 3, 1), "sigma_w must be >= 0"),
    (lambda: dep.relu_mean_squares(1, 0, 0, 1), "depth must be a positive integer"),
    (lambda: dep.relu_spread_factor(float("inf")), "sigma_w must be finite"),
])
def test_bad_arguments_are_named(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_relative_spread_is_zero_for_identical_rows_and_one_for_centred_columns():
    rng = np.random.default_rng(1)
    row = rng.standard_normal(32)
    assert dep.relative_spread(np.tile(row, (8, 1))) == pytest.approx(0.0, abs=1e-12)
    assert dep.relative_spread(np.zeros((4, 3))) == 0.0
    centred = rng.standard_normal((50, 16))
    centred -= centred.mean(axis=0)
    assert dep.relative_spread(centred) == pytest.approx(1.0, rel=1e-12)
    # a constant offset c added to zero-mean unit-variance columns: spread 1/sqrt(1 + c²)
    assert dep.relative_spread(centred / centred.std(axis=0) + 2.0) == pytest.approx(1 / math.sqrt(5), rel=1e-12)


def test_mean_correlation_is_the_mean_cosine_over_distinct_pairs():
    z = np.random.default_rng(0).normal(size=(7, 5))
    cosines = [z[a] @ z[b] / (np.linalg.norm(z[a]) * np.linalg.norm(z[b]))
               for a in range(7) for b in range(7) if a != b]
    assert dep.mean_correlation(z) == pytest.approx(np.mean(cosines), rel=1e-12)


def test_identical_directions_give_one_and_opposite_pairs_minus_one():
    row = np.array([1.0, 2.0, -3.0])
    assert dep.mean_correlation(np.stack([row, 2 * row, 0.5 * row])) == pytest.approx(1.0)
    assert dep.mean_correlation(np.stack([row, -row])) == pytest.approx(-1.0)
    assert dep.mean_correlation(np.eye(4)) == pytest.approx(0.0)


def test_float32_input_is_computed_in_float64():
    z = np.random.default_rng(1).normal(size=(5, 3))
    assert dep.mean_correlation(z.astype(np.float32)) == pytest.approx(dep.mean_correlation(z), rel=1e-6)


@pytest.mark.parametrize("z, match", [(np.ones(3), "examples, units"), (np.ones((1, 3)), "at least two examples"),
                                      (np.array([[1.0, 0.0], [0.0, 0.0]]), "row 1 is zero"),
                                      (np.array([[1.0, np.nan], [1.0, 0.0]]), "must be finite")])
def test_bad_input_is_named(z, match):
    with pytest.raises(ValueError, match=match):
        dep.mean_correlation(z)
