"""The self-checks and the quiz of chapter 7: right answers pass, likely slips are named, anything else fails."""

import math

import pytest

from initlab import theory
from initlab.jacobian import gaussian_product_moments
from initlab.notebook import quiz
from initlab.notebook.selfcheck import ch07 as check

from quiz_answers import accepts


@pytest.mark.parametrize("call", [lambda: check.relu_fixed_point(None, None), lambda: check.chi1_for_depth(None),
                                  lambda: check.scaled_gaussian_moments(None, None),
                                  lambda: check.off_critical_spread(None, None)])
def test_no_answer_yet(call):
    assert call().right is None


def test_relu_fixed_point():
    sigma_w, sigma_b = 1.0, 0.3
    assert check.relu_fixed_point(sigma_b ** 2 / (1 - sigma_w ** 2 / 2), sigma_w ** 2 / 2).right is True
    assert "σ_b instead of σ_b²" in repr(check.relu_fixed_point(sigma_b / (1 - sigma_w ** 2 / 2), 0.5))
    assert "E[relu'²] = 1/2" in repr(check.relu_fixed_point(0.18, 1.0))
    assert check.relu_fixed_point(0.5, 0.5).right is False
    assert check.relu_fixed_point("0.18", 0.5).right is False


def test_chi1_for_depth():
    assert check.chi1_for_depth(1 - 6 / 100).right is True  # from d_c ≈ 1/(1 − χ₁)
    assert check.chi1_for_depth(math.exp(-6 / 100)).right is True  # from d_c = −1/ln χ₁
    assert "factor 6" in repr(check.chi1_for_depth(0.99))
    assert "1 − χ₁" in repr(check.chi1_for_depth(0.06))
    assert check.chi1_for_depth(0.8).right is False
    assert check.chi1_for_depth([0.94]).right is False


def test_scaled_gaussian_moments():
    sigma_w, depth = 1.1, 8
    _, s4 = gaussian_product_moments(depth, 64)  # the σ_w = 1 value, scaled by hand: J = σ_w^L J′
    assert check.scaled_gaussian_moments(sigma_w ** (2 * depth), sigma_w ** (4 * depth) * s4).right is True
    wide = check.scaled_gaussian_moments(sigma_w ** (2 * depth), sigma_w ** (4 * depth) * (depth + 1))
    assert wide.right is True and "wide-limit" in repr(wide)
    assert "forgot to square" in repr(check.scaled_gaussian_moments(sigma_w ** depth, 200.0))
    assert "like s²" in repr(check.scaled_gaussian_moments(sigma_w ** (2 * depth), sigma_w ** (2 * depth) * s4))
    assert check.scaled_gaussian_moments(sigma_w ** (2 * depth), 150.0).right is False
    assert check.scaled_gaussian_moments(sigma_w ** (2 * depth), None).right is None
    assert check.scaled_gaussian_moments({}, []).right is False


def test_off_critical_spread():
    spread = check._off_critical()  # the solution's route: measure_spectra at the first training digit
    assert check.off_critical_spread(spread[2.0, 8], spread[2.0, 32]).right is True
    assert "critical point" in repr(check.off_critical_spread(spread[1.0, 8], spread[1.0, 32]))
    assert spread[2.0, 8] > 3 * spread[1.0, 32]  # the exercise's point, asserted in the chapter too
    assert check.off_critical_spread(spread[2.0, 8] * 1.1, spread[2.0, 32]).right is False
    assert check.off_critical_spread("big", "bigger").right is False


def test_quiz_numbers():
    questions = quiz.load("07_signal_propagation")
    assert 6 <= len(questions) <= 8 and any(q["type"] == "numeric" for q in questions)
    [relu] = [q for q in questions if "critical" in q["question"] and "relu" in q["question"]]
    critical = math.sqrt(2)
    assert abs(theory.chi1("relu", critical, 0.0) - 1) < 1e-12 and accepts(relu, critical)
    assert not accepts(relu, critical ** 2)
    [depth] = [q for q in questions if "6d_c" in q["question"]]
    chi1 = 0.9
    xi_c = -1 / math.log(chi1)
    assert abs(theory.depth_scales("relu", math.sqrt(2 * chi1), 0.3)[1] / xi_c - 1) < 1e-9  # relu: χ₁ = σ_w²/2
    assert accepts(depth, 6 * xi_c) and not accepts(depth, xi_c) and not accepts(depth, 6 / (1 - chi1))
