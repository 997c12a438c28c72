"""initlab.notebook.selfcheck: the verdicts every chapter's exercise checks are built from."""

import math

import numpy as np
import pytest

from initlab.notebook import selfcheck
from initlab.notebook.selfcheck import Verdict


def test_no_answer_says_what_to_fill_in():
    verdict = selfcheck.number(None, 0.25, "the slope")
    assert verdict.right is None and not verdict
    assert repr(verdict).startswith("Your turn: replace None with the slope and run this cell;")


@pytest.mark.parametrize("answer", [0.25, 0.2501, np.float32(0.25), np.array([0.25]), 1 / 4])
def test_a_close_number_is_right_and_says_why(answer):
    verdict = selfcheck.number(answer, 0.25, "the slope", why="σ′ = σ(1 − σ) ≤ 1/4.")
    assert verdict.right is True and verdict
    assert repr(verdict).startswith("Right: the slope = 0.25") and repr(verdict).endswith(". σ′ = σ(1 − σ) ≤ 1/4.")


def test_a_known_slip_is_named():
    verdict = selfcheck.number(1.0, 0.25, "the slope", slips=[(1.0, "you took tanh′(0) instead")])
    assert verdict.right is False
    assert "you took tanh′(0) instead" in repr(verdict)


@pytest.mark.parametrize("answer, hint", [(0.5, "2 times too large"), (0.025, "10 times too small")])
def test_a_wrong_number_of_the_right_sign_says_by_how_much(answer, hint):
    assert hint in repr(selfcheck.number(answer, 0.25, "the slope"))


def test_tolerances_are_respected():
    assert not selfcheck.number(0.26, 0.25, "x", rtol=0.01)
    assert selfcheck.number(0.26, 0.25, "x", rtol=0.05)
    assert selfcheck.number(0.004, 0.0, "x", atol=0.01)
    assert not selfcheck.number(0.1, 0.0, "x", atol=0.01)


@pytest.mark.parametrize("answer", ["0.25", [0.25, 0.3], True, {"x": 1}, np.array([1.0, 2.0])])
def test_something_that_is_not_a_number_is_an_answer_not_a_crash(answer):
    verdict = selfcheck.number(answer, 0.25, "the slope")
    assert verdict.right is False and "should be a single number" in repr(verdict)


@pytest.mark.parametrize("answer", [math.inf, -math.inf, math.nan])
def test_non_finite_answers_are_reported_as_overflow(answer):
    verdict = selfcheck.number(answer, 0.25, "the slope")
    assert verdict.right is False and "overflowed" in repr(verdict)


def test_numbers_checks_every_entry_and_the_length():
    assert selfcheck.numbers([1, 2, 3], [1, 2, 3], "q").right is True
    wrong = selfcheck.numbers([1, 2.5, 3], [1, 2, 3], "q")
    assert wrong.right is False and "q[1]" in repr(wrong)
    assert "should have 3 entries" in repr(selfcheck.numbers([1, 2], [1, 2, 3], "q"))
    assert "list of 3 numbers" in repr(selfcheck.numbers(5, [1, 2, 3], "q"))
    assert selfcheck.numbers(None, [1], "q").right is None


def _xavier_std(fan_in, fan_out):
    return math.sqrt(2.0 / (fan_in + fan_out))


def test_function_accepts_a_correct_implementation_and_rejects_a_subtly_wrong_one():
    cases = [(3, 4), (100, 10), (256, 256)]
    assert selfcheck.function(_xavier_std, _xavier_std, cases, "std").right is True
    wrong = selfcheck.function(lambda a, b: math.sqrt(1.0 / a), _xavier_std, cases, "std")
    assert wrong.right is False and "std(3, 4)" in repr(wrong)


def test_function_reports_exceptions_shapes_and_non_callables():
    assert "raised ZeroDivisionError" in repr(selfcheck.function(lambda a, b: 1 / 0, _xavier_std, [(1, 1)], "f"))
    shaped = selfcheck.function(lambda a, b: [1.0, 2.0], _xavier_std, [(1, 1)], "f")
    assert "has shape (2,)" in repr(shaped)
    assert "should be a function" in repr(selfcheck.function(3.0, _xavier_std, [(1, 1)], "f"))
    assert selfcheck.function(None, _xavier_std, [(1, 1)], "f").right is None


def test_combine_reports_the_first_wrong_part_before_unanswered_ones():
    good, bad, empty = Verdict(True, "a."), Verdict(False, "b is off."), Verdict(None, "fill c.")
    assert selfcheck.combine(empty, bad, good) is bad
    assert selfcheck.combine(good, empty) is empty
    both = selfcheck.combine(good, Verdict(True, "d."))
    assert both.right is True and repr(both) == "Right: a. d."


def test_function_names_a_slip_and_treats_a_stub_as_unanswered():
    cases = [(3, 4), (100, 10)]
    slips = [(lambda a, b: math.sqrt(1.0 / a), "you used fan_in alone")]
    named = selfcheck.function(lambda a, b: math.sqrt(1.0 / a), _xavier_std, cases, "std", slips=slips)
    assert named.right is False and "you used fan_in alone" in repr(named)
    other = selfcheck.function(lambda a, b: 1.0, _xavier_std, cases, "std", slips=slips)
    assert other.right is False and "expected" in repr(other)
    stub = selfcheck.function(lambda a, b: None, _xavier_std, cases, "std")
    assert stub.right is None and "body of std" in repr(stub)
    assert "your function std" in repr(selfcheck.function(None, _xavier_std, cases, "std", missing="your function std"))


def test_a_near_miss_is_described_in_percent():
    assert "0.3% too large" in repr(selfcheck.number(1.21, 1.206, "x", rtol=0.001))


def test_a_notebook_shows_every_verdict_wrapped_to_the_page():
    from IPython.lib.pretty import pretty

    for verdict in (selfcheck.number(None, 0.25, "the slope"), selfcheck.number(0.3, 0.25, "the slope" * 5)):
        shown = pretty(verdict)
        assert max(map(len, shown.splitlines())) <= selfcheck.WIDTH < len(repr(verdict))
        assert " ".join(shown.split()) == " ".join(repr(verdict).split())
