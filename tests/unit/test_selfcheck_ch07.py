"""The self-checks and the quiz of chapter 7: right answers pass, likely slips are named, anything else fails."""

import math

import numpy as np
import pytest

from initlab import activations, theory
from initlab.notebook import quiz
from initlab import self_normalization
from initlab.jacobian import gaussian_product_moments
from initlab.residual import block_growth
from initlab.notebook.selfcheck import ch07 as check

FIXUP = {"input layer": 2, "W_1": 3, "b_1": 3, "W_2": 2, "b_2": 2, "head": 1}  # the solution's reasoning


@pytest.mark.parametrize("call", [lambda: check.relu_fixed_point(None, None), lambda: check.chi1_for_depth(None),
                                  lambda: check.scaled_gaussian_moments(None, None),
                                  lambda: check.off_critical_spread(None, None), lambda: check.lsuv_iterations(None),
                                  lambda: check.residual_growth(None, None), lambda: check.fixup_first_moves(None),
                                  lambda: check.selu_constants(None, None),
                                  lambda: check.shifted_fixed_point(None, None)])
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
    assert check.chi1_for_depth(1 - 6 / 100).right is True  # from ξ_c ≈ 1/(1 − χ₁)
    assert check.chi1_for_depth(math.exp(-6 / 100)).right is True  # from ξ_c = −1/ln χ₁
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


def test_lsuv_iterations():
    reference = list(check._lsuv_sigmoid_iterations())
    assert len(reference) == 20 and max(reference) == 3 and 0 in reference
    assert check.lsuv_iterations(reference).right is True
    assert check.lsuv_iterations(np.array(reference)).right is True
    assert "zero biases" in repr(check.lsuv_iterations([1] * 20))
    assert check.lsuv_iterations([3] * 20).right is False
    assert check.lsuv_iterations(reference[:19]).right is False
    assert check.lsuv_iterations("3, 3, 3").right is False


def test_residual_growth():
    alphas = [0.0, 0.25, 0.5, 1.0]
    right = [(1 + a * a) ** 16 for a in alphas]
    assert np.allclose(right, [block_growth(a) ** 16 for a in alphas])
    alpha_max = math.sqrt(10 ** (1 / 16) - 1)
    assert check.residual_growth(right, alpha_max).right is True
    assert "α instead of α²" in repr(check.residual_growth([(1 + a) ** 16 for a in alphas], alpha_max))
    assert "g₁g₂/2" in repr(check.residual_growth([(1 + a * a / 2) ** 16 for a in alphas], alpha_max))
    assert "RMS ratio" in repr(check.residual_growth([math.sqrt(r) for r in right], alpha_max))
    assert "gave α²" in repr(check.residual_growth(right, alpha_max ** 2))
    assert "1/√L" in repr(check.residual_growth(right, 0.25))
    assert check.residual_growth(right[:3], alpha_max).right is False
    assert check.residual_growth(right, "0.39").right is False


def test_fixup_first_moves():
    assert check._fixup_first_moves() == FIXUP
    assert check.fixup_first_moves(dict(FIXUP)).right is True
    assert "W_2 is still 0" in repr(check.fixup_first_moves({**FIXUP, "W_1": 2}))
    assert "moves at step 1" in repr(check.fixup_first_moves({**FIXUP, "head": 2}))
    assert check.fixup_first_moves({**FIXUP, "b_2": 3}).right is False
    assert check.fixup_first_moves({"head": 1}).right is False
    assert check.fixup_first_moves([1, 2, 3]).right is False


def test_selu_constants():
    scale, alpha = activations.SELU_SCALE, activations.SELU_ALPHA
    assert check.selu_constants(scale, alpha).right is True
    assert check.selu_constants(1.0507, 1.6733).right is True  # four decimals, as printed in the chapter
    assert "swapped" in repr(check.selu_constants(alpha, scale))
    assert check.selu_constants(1.0, 1.0).right is False
    assert check.selu_constants(scale, "α").right is False


def test_shifted_fixed_point():
    mu, nu = 0.0, 1.0
    for _ in range(100):  # the solution's iteration
        mu, nu = self_normalization.selu_map(mu, nu, omega=0.1, tau=1.05)
    assert check.shifted_fixed_point(mu, nu).right is True
    assert "ω = 0" in repr(check.shifted_fixed_point(0.0, 1.0))
    assert "once" in repr(check.shifted_fixed_point(*self_normalization.selu_map(0.0, 1.0, omega=0.1, tau=1.05)))
    assert check.shifted_fixed_point(0.1, 1.2).right is False
    assert check.shifted_fixed_point((mu, nu), None).right is False


def _answer(question, value):
    for answer in question["answers"]:
        if "range" in answer and answer["range"][0] <= value < answer["range"][1]:
            return answer["correct"]
        if "value" in answer and float(f"{value:.{question['precision']}g}") == float(
                f"{answer['value']:.{question['precision']}g}"):
            return answer["correct"]
    return False


def test_quiz_numbers():
    questions = quiz.load("07_beyond_xavier_he")
    assert 5 <= len(questions) <= 8 and any(q["type"] == "numeric" for q in questions)
    [relu] = [q for q in questions if "critical" in q["question"] and "relu" in q["question"]]
    critical = math.sqrt(2)
    assert abs(theory.chi1("relu", critical, 0.0) - 1) < 1e-12 and _answer(relu, critical)
    [residual] = [q for q in questions if "10 residual blocks" in q["question"]]
    assert _answer(residual, block_growth(1.0) ** 10) and not _answer(residual, block_growth(1.0) ** 5)
