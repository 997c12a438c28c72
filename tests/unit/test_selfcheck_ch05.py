"""The self-checks and the quiz of chapter 5: right answers pass, likely slips are named, anything else fails."""

import math

import numpy as np
import pytest

from initlab import init, theory
from initlab.notebook import quiz
from initlab.notebook.selfcheck import ch05 as check

ALL = ["W1", "b1", "W2", "b2", "W3", "b3"]


@pytest.mark.parametrize("call", [lambda: check.leaky_relu_gain(None, None),
                                  lambda: check.sigmoid_zeros(None, None),
                                  lambda: check.widening_factors(None, None)])
def test_no_answer_yet(call):
    assert call().right is None


def test_leaky_relu_gain():
    a = 0.2
    # Independently: the moment by Monte Carlo, the gain from calculate_gain.
    z = np.random.default_rng(0).standard_normal(10**6)
    moment = np.mean(np.where(z > 0, z, a * z) ** 2)
    assert check.leaky_relu_gain(moment, init.calculate_gain("leaky_relu", a)).right is True
    assert "dropped the negative side" in repr(check.leaky_relu_gain(0.5, 1.3868))
    assert "a instead of a²" in repr(check.leaky_relu_gain(0.6, 1.3868))
    assert "relu's gain" in repr(check.leaky_relu_gain(0.52, math.sqrt(2)))
    assert "gain²" in repr(check.leaky_relu_gain(0.52, 2 / 1.04))
    assert check.leaky_relu_gain(0.52, 3.0).right is False
    assert check.leaky_relu_gain("0.52", [1.39]).right is False


def test_sigmoid_zeros():
    assert check.sigmoid_zeros(ALL, True).right is True
    assert check.sigmoid_zeros(tuple(reversed(ALL)), np.bool_(True)).right is True
    assert "tanh(0) = 0" in repr(check.sigmoid_zeros(["b3"], True))
    assert "stay twins" in repr(check.sigmoid_zeros(ALL, False))
    assert "also ['W1', 'b1', 'W2', 'b2']" in repr(check.sigmoid_zeros(["W3", "b3"], True))
    assert check.sigmoid_zeros(["W4"], True).right is False
    assert check.sigmoid_zeros(3, True).right is False
    assert check.sigmoid_zeros(ALL, "yes").right is False


def test_widening_factors():
    # The solution's formula: n_in Var(W) / 2 forward, n_out Var(W) / 2 backward, Var(W) = 2/(n + 2n).
    n = 10
    var = 2 / (n + 2 * n)
    assert check.widening_factors(n * var / 2, 2 * n * var / 2).right is True
    assert "left out the relu's 1/2" in repr(check.widening_factors(2 / 3, 2 / 3))
    assert "He's fan_in" in repr(check.widening_factors(1.0, 2 / 3))
    assert "He's fan_in" in repr(check.widening_factors(1 / 3, 2.0))
    assert "used n_in" in repr(check.widening_factors(1 / 3, 1 / 3))
    assert check.widening_factors(0.1, 0.2).right is False
    assert check.widening_factors(None, 2 / 3).right is None
    assert check.widening_factors([1 / 3], "2/3").right is False


def _numeric(questions, fragment):
    [question] = [q for q in questions if fragment in q["question"]]
    return question


def _accepts(question, value):
    # jupyterquiz's rule: a value answer matches at the question's precision, a range is [lo, hi).
    for answer in question["answers"]:
        if "value" in answer and float(f"{value:.{question['precision']}g}") == float(
                f"{answer['value']:.{question['precision']}g}"):
            return answer["correct"]
        if "range" in answer and answer["range"][0] <= value < answer["range"][1]:
            return answer["correct"]
    return False


def test_quiz_numbers():
    questions = quiz.load("05_proper_initialization")
    assert 5 <= len(questions) <= 8 and any(q["type"] == "numeric" for q in questions)
    he_std = init.calculate_gain("relu") / math.sqrt(512)
    assert _accepts(_numeric(questions, "512 inputs"), he_std)
    assert np.isclose(init.kaiming_normal(512, 4096, rng=0).std(), he_std, rtol=0.01)
    xavier = _numeric(questions, "30 relu layers")
    ms = theory.forward_variances("relu", 1.0, 30, input_second_moment=1.0)[-1] / 2  # E[h_30²] / E[x²]
    assert _accepts(xavier, math.sqrt(ms)) and not _accepts(xavier, ms) and not _accepts(xavier, 1 / math.sqrt(ms))
