"""The self-checks of chapter 10: right answers pass, likely slips are named, anything else fails, and the quiz
file loads."""

import math

import numpy as np
import pytest

from initlab import Adam
from initlab.norm_residual import seed_average
from initlab.notebook import quiz
from initlab.notebook.selfcheck import ch10 as check


@pytest.mark.parametrize("call", [lambda: check.gpt2_stream(None, None), lambda: check.gpt2_stream(2, None),
                                  lambda: check.adam_first_step(None, None),
                                  lambda: check.mup_rates(None, None)])
def test_no_answer_yet(call):
    assert call().right is None


def test_gpt2_stream():
    assert check.gpt2_stream(2.0, 25.0).right is True
    # The reference, measured on the one-branch stack with the same 24 branches (a different route).
    measured = seed_average("pre", 24, seeds=range(3), width=32, output_scale=1 / math.sqrt(24))
    assert measured.mean("stream_ms")[-1] == pytest.approx(2.0, rel=0.1)
    assert "forgot the input's own mean square" in repr(check.gpt2_stream(1.0, 25.0))
    assert "add s², not s" in repr(check.gpt2_stream(1 + math.sqrt(24), 25.0))
    assert "two" in repr(check.gpt2_stream(1 + 1 / 12, 25.0))
    assert "without normalization" in repr(check.gpt2_stream(2.0, 2.0 ** 24))
    assert check.gpt2_stream(2.0, 24.5).right is False
    assert check.gpt2_stream("two", 25).right is False


def test_adam_first_step():
    # The closed form of the chapter, independently of Adam: 64 η |g|/(|g| + ε).
    large, tiny = 64e-3 * 1e-2 / (1e-2 + 1e-8), 64e-3 * 1e-10 / (1e-10 + 1e-8)
    assert check.adam_first_step(large, tiny).right is True
    w = np.zeros((2, 2))
    assert np.allclose(Adam([w], lr=0.5).step([np.full((2, 2), 3.0)])[0], 0.5, rtol=1e-8)
    assert "η√4096" in repr(check.adam_first_step(1e-3, tiny))
    assert "SGD's step" in repr(check.adam_first_step(64e-3 * 1e-2, tiny))
    assert "ε dominates" in repr(check.adam_first_step(large, 0.064))
    assert "dropped |g|" in repr(check.adam_first_step(large, 64e-3 * 1e-2))
    assert check.adam_first_step(large, 2 * tiny).right is False


def test_mup_rates():
    assert check.mup_rates([0.03, 0.001875, 0.001875], 0.25).right is True
    assert "grow with the width" in repr(check.mup_rates([0.03, 0.48, 0.48], 0.25))
    assert "input layer keeps η" in repr(check.mup_rates([0.001875] * 3, 0.25))
    assert "variance" in repr(check.mup_rates([0.03, 0.001875, 0.001875], 0.0625))
    assert check.mup_rates([0.03, 0.001875], 0.25).right is False
    assert check.mup_rates("fast", 0.25).right is False
    assert check.mup_rates([0.03, 0.002, 0.001875], 0.25).right is False


def test_quiz_loads():
    questions = quiz.load("10_normalization_residual_optimizer")
    assert len(questions) == 6
