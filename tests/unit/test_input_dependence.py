"""initlab.input_dependence: the mean correlation between examples of a layer's signal."""

import numpy as np
import pytest

from initlab.input_dependence import mean_correlation


def test_mean_correlation_is_the_mean_cosine_over_distinct_pairs():
    z = np.random.default_rng(0).normal(size=(7, 5))
    cosines = [z[a] @ z[b] / (np.linalg.norm(z[a]) * np.linalg.norm(z[b]))
               for a in range(7) for b in range(7) if a != b]
    assert mean_correlation(z) == pytest.approx(np.mean(cosines), rel=1e-12)


def test_identical_directions_give_one_and_opposite_pairs_minus_one():
    row = np.array([1.0, 2.0, -3.0])
    assert mean_correlation(np.stack([row, 2 * row, 0.5 * row])) == pytest.approx(1.0)
    assert mean_correlation(np.stack([row, -row])) == pytest.approx(-1.0)
    assert mean_correlation(np.eye(4)) == pytest.approx(0.0)


def test_float32_input_is_computed_in_float64():
    z = np.random.default_rng(1).normal(size=(5, 3))
    assert mean_correlation(z.astype(np.float32)) == pytest.approx(mean_correlation(z), rel=1e-6)


@pytest.mark.parametrize("z, match", [(np.ones(3), "examples, units"), (np.ones((1, 3)), "at least two examples"),
                                      (np.array([[1.0, 0.0], [0.0, 0.0]]), "row 1 is zero"),
                                      (np.array([[1.0, np.nan], [1.0, 0.0]]), "must be finite")])
def test_bad_input_is_named(z, match):
    with pytest.raises(ValueError, match=match):
        mean_correlation(z)
