"""The self-checks of chapter 9's recurrent exercises, and its quiz: right answers pass, likely slips are named, anything
else fails."""

import math

import numpy as np
import pytest

from initlab.lstm import LSTM
from initlab.memory import gradient_through_time
from initlab.notebook import quiz
from initlab.notebook.selfcheck import ch09 as check
from initlab.recurrence import chain_norms


@pytest.mark.parametrize("call", [lambda: check.steps_to_vanish(None, None),
                                  lambda: check.forget_bias_for(None),
                                  lambda: check.neutral_relu_radius(None)])
def test_no_answer_yet(call):
    assert call().right is None


def test_steps_to_vanish_against_a_linear_chain():
    # A different route: a linear chain with W = 0.9 I, whose gradient falls by exactly 0.9 per step.
    _, grads = chain_norms(0.9 * np.eye(4), np.ones(4), 80)
    measured = np.argmax(grads[::-1] < 1e-3 * grads[-1])  # the first k at which it is below 10⁻³
    linear, relu = math.log(1e-3) / math.log(0.9), math.log(1e-3) / math.log(0.9 / math.sqrt(2))
    assert measured == math.ceil(linear) == 66
    assert check.steps_to_vanish(linear, relu).right is True
    assert check.steps_to_vanish(66, 16).right is True
    assert "ρ/√2" in repr(check.steps_to_vanish(66, linear))
    assert "ρ/2" in repr(check.steps_to_vanish(66, math.log(1e-3) / math.log(0.45)))
    assert "ln(0.1)" in repr(check.steps_to_vanish(3.0, relu))
    assert check.steps_to_vanish(60, relu).right is False
    assert check.steps_to_vanish("66", relu).right is False
    assert check.steps_to_vanish(66, None).right is None


def test_forget_bias_for_against_an_lstm():
    target = 0.5 ** (1 / 50)
    b = math.log(target / (1 - target))
    # the LSTM's cell path alone (W_hh = 0, the forget gate's input weights 0) keeps exactly half over 50 steps
    lstm = LSTM(1, 8, forget_bias=b, rng=0, dtype=np.float64)
    lstm.weight_hh[:] = 0
    lstm.gate(lstm.weight_ih, "f")[:] = 0
    assert gradient_through_time(lstm, 50, rng=0, on="c").cell[50] == pytest.approx(0.5, rel=1e-9)
    assert check.forget_bias_for(b).right is True
    assert check.forget_bias_for(round(b, 2)).right is True
    assert "σ(b_f)^50 = 1/2" in repr(check.forget_bias_for(0.0))
    assert "1.6e-7" in repr(check.forget_bias_for(1.0))
    assert "invert the sigmoid" in repr(check.forget_bias_for(target))
    assert "linearised" in repr(check.forget_bias_for(math.log(100)))
    assert check.forget_bias_for(3.0).right is False
    assert check.forget_bias_for([4.27]).right is False


def test_neutral_relu_radius():
    assert check.neutral_relu_radius(math.sqrt(2)).right is True
    assert check.neutral_relu_radius(1.4142).right is True
    assert "linear chain" in repr(check.neutral_relu_radius(1.0))
    assert "ρ²/2 = 1" in repr(check.neutral_relu_radius(2.0))
    assert check.neutral_relu_radius(1.5).right is False


def test_quiz_is_valid_and_its_numbers_hold():
    questions = quiz.load("09_convolutional_and_recurrent")
    assert len(questions) == 8 and any(q["type"] == "numeric" for q in questions)
    [keep] = [q for q in questions if "σ(1)" in q["question"] or "forget gate" in q["question"]
              and q["type"] == "numeric"]
    [right] = [a for a in keep["answers"] if a.get("correct")]
    value = (1 / (1 + math.exp(-1.0))) ** 10
    assert right["range"][0] <= value < right["range"][1]
