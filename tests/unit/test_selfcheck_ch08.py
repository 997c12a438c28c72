"""The self-checks and the quiz of chapter 8: right answers pass, likely slips are named, anything else fails."""

import math

import numpy as np
import pytest

from initlab import activations, self_normalization
from initlab.notebook import quiz
from initlab.residual import block_growth
from initlab.notebook.selfcheck import ch08 as check

from quiz_answers import accepts

FIXUP = {"input layer": 2, "W_1": 3, "b_1": 3, "W_2": 2, "b_2": 2, "head": 1}  # the solution's reasoning


@pytest.mark.parametrize("call", [lambda: check.lsuv_iterations(None), lambda: check.residual_growth(None, None),
                                  lambda: check.fixup_first_moves(None), lambda: check.selu_constants(None, None),
                                  lambda: check.shifted_fixed_point(None, None)])
def test_no_answer_yet(call):
    assert call().right is None


def test_lsuv_iterations():
    reference = list(check._lsuv_sigmoid_iterations())
    assert len(reference) == 20 and max(reference) == 3 and 0 in reference
    assert check.lsuv_iterations(reference).right is True
    assert check.lsuv_iterations(np.array(reference)).right is True
    assert "zero biases" in repr(check.lsuv_iterations([1] * 20))
    assert check.lsuv_iterations([3] * 20).right is False
    assert check.lsuv_iterations(reference[:19]).right is False
    assert check.lsuv_iterations("3, 3, 3").right is False
    assert "whole numbers" in repr(check.lsuv_iterations([float("inf")] * 20))  # not an OverflowError


def test_residual_growth():
    alphas = [0.0, 0.25, 0.5, 1.0]
    right = [(1 + a * a) ** 16 for a in alphas]
    assert np.allclose(right, [block_growth(a) ** 16 for a in alphas])
    alpha_max = math.sqrt(10 ** (1 / 16) - 1)
    assert check.residual_growth(right, alpha_max).right is True
    assert "α instead of α²" in repr(check.residual_growth([(1 + a) ** 16 for a in alphas], alpha_max))
    assert "variance gains" in repr(check.residual_growth([(1 + a * a / 2) ** 16 for a in alphas], alpha_max))
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


def test_quiz_numbers():
    questions = quiz.load("08_beyond_xavier_he")
    assert 6 <= len(questions) <= 8 and any(q["type"] == "numeric" for q in questions)
    [residual] = [q for q in questions if "10 residual blocks" in q["question"]]
    assert accepts(residual, block_growth(1.0) ** 10) and not accepts(residual, block_growth(1.0) ** 5)
    [scaled] = [q for q in questions if "L = 16" in q["question"]]
    growth = block_growth(16 ** -0.5) ** 16  # r = 1 + α² σ_w,1² σ_w,2² / 2 with α = 1/√16
    assert abs(growth - (1 + 1 / 16) ** 16) < 1e-12 and accepts(scaled, growth)
    assert not accepts(scaled, math.e) and not accepts(scaled, block_growth(1.0) ** 16)


def test_quiz_pooled_selu():
    [pooled] = [q for q in quiz.load("08_beyond_xavier_he") if "LeCun-normal" in q["question"]]
    mean, var = self_normalization.pooled_map(2.0, 0.5)  # the start (2, 0.5) of the chapter
    per_unit = self_normalization.selu_map(2.0, 0.5)[1]
    assert abs(mean) < 0.5 and 2.5 < var < 3.5 and abs(per_unit - 0.58) < 0.005  # "near 3", "about 0.58"
    [right] = [a for a in pooled["answers"] if a["correct"]]
    assert "\\nu + \\mu^2" in right["answer"]
