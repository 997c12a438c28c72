"""Self-checks for the exercises: run your answer through a check and read whether it is right, and why.

Each chapter's checks live in ``initlab.notebook.selfcheck.chNN`` (``from initlab.notebook.selfcheck import ch01 as check``).
A check takes your answer and returns a :class:`Verdict`, which a notebook shows as one line:

- ``Right: …`` with the reason it is right,
- ``Not yet: …`` with what is wrong and, where a common slip explains your number, which one,
- ``Your turn: …`` while the answer is still ``None``, saying what to fill in and where to run it.

A notebook shows the line wrapped at :data:`WIDTH` characters, so that it never scrolls sideways
on the book's pages.

The reference answers are computed by ``initlab`` itself, from the formulas the chapter derives, so the
checks and the chapter cannot drift apart. The helpers below are what every chapter's checks are made of.
"""

import functools
import math
import textwrap
from dataclasses import dataclass

import numpy as np

from ... import data

__all__ = ["Verdict", "no_answer", "right", "not_yet", "number", "numbers", "function", "combine",
           "training_digits"]


@dataclass(frozen=True)
class Verdict:
    """The outcome of a check: ``right`` is True, False, or None when there is no answer yet."""

    right: bool | None
    message: str

    def __repr__(self):
        lead = {True: "Right", False: "Not yet", None: "Your turn"}[self.right]
        return f"{lead}: {self.message}"

    def _repr_pretty_(self, printer, cycle):
        # What a notebook shows: the same line, wrapped so it never scrolls sideways.
        printer.text(textwrap.fill(repr(self), WIDTH, break_on_hyphens=False))

    def __bool__(self):
        return bool(self.right)


#: Characters per line of a verdict: what a code cell's output shows at 1366 px without scrolling.
WIDTH = 80


def no_answer(what):
    return Verdict(None, f"replace None with {what} and run this cell; this line then says whether your "
                         f"answer is right. (On the website, open the page in Jupyter first: the launch "
                         f"button at the top.)")


def right(why):
    return Verdict(True, why)


def not_yet(why):
    return Verdict(False, why)


def _as_number(answer, what):
    """The answer as a float, or the Verdict that says why it is not one."""
    if isinstance(answer, (bool, np.bool_)) or not isinstance(answer, (int, float, np.integer, np.floating)):
        if isinstance(answer, np.ndarray) and answer.size == 1:
            return _as_number(answer.item(), what)
        return not_yet(f"{what} should be a single number, got {type(answer).__name__} {answer!r}.")
    value = float(answer)
    if not math.isfinite(value):
        return not_yet(f"{what} is {value}: a computation overflowed or divided by zero on the way.")
    return value


def number(answer, expected, what, *, rtol=0.01, atol=0.0, slips=(), why=""):
    """Check one number against ``expected`` within ``rtol`` (relative) or ``atol`` (absolute).

    ``slips`` are ``(value, explanation)`` pairs: wrong answers a learner is likely to reach, each
    with what it comes from. ``why`` is appended to a right answer (the reason it is right).
    """
    if answer is None:
        return no_answer(what)
    value = _as_number(answer, what)
    if isinstance(value, Verdict):
        return value
    if math.isclose(value, expected, rel_tol=rtol, abs_tol=atol):
        return right(f"{what} = {value:.4g}." + (f" {why}" if why else ""))
    for slip, explanation in slips:
        if math.isclose(value, slip, rel_tol=rtol, abs_tol=atol):
            return not_yet(f"{what} = {value:.4g} is what you get if {explanation}.")
    if expected != 0 and value != 0 and np.sign(value) == np.sign(expected):
        ratio = value / expected
        if 0.9 < ratio < 1.1:  # "1 times too large" would say nothing
            hint = f"{abs(ratio - 1):.1%} too {'large' if ratio > 1 else 'small'}"
        else:
            hint = f"{ratio:.3g} times too large" if ratio > 1 else f"{1 / ratio:.3g} times too small"
        return not_yet(f"{what} = {value:.4g} is {hint}.")
    return not_yet(f"{what} = {value:.4g} is not within {rtol:.0%} of the answer.")


def numbers(answers, expected, what, **options):
    """Check a sequence of numbers element by element; the first wrong one is reported."""
    if answers is None:
        return no_answer(what)
    try:
        values = list(answers)
    except TypeError:
        return not_yet(f"{what} should be a list of {len(expected)} numbers, got {answers!r}.")
    if len(values) != len(expected):
        return not_yet(f"{what} should have {len(expected)} entries, got {len(values)}.")
    for i, (value, reference) in enumerate(zip(values, expected)):
        verdict = number(value, reference, f"{what}[{i}]", **options)
        if not verdict.right:
            return verdict
    return right(f"all {len(values)} entries of {what} agree.")


def function(candidate, reference, cases, what, *, rtol=1e-6, atol=1e-12, slips=(), missing=None):
    """Call ``candidate`` and ``reference`` on every case (a tuple of arguments) and compare the results.

    ``slips`` are ``(function, explanation)`` pairs: likely wrong implementations; when the candidate is wrong
    and agrees with one of them, its explanation is the answer. ``missing`` says what to write while the
    answer is None (default: ``what``); a stub that still returns None counts as not written yet.
    """
    if candidate is None:
        return no_answer(missing or what)
    if not callable(candidate):
        return not_yet(f"{what} should be a function, got {type(candidate).__name__}.")
    verdict = _compare(candidate, reference, cases, what, rtol, atol)
    if verdict.right is False:
        for slip, explanation in slips:
            if _compare(candidate, slip, cases, what, rtol, atol).right:
                return not_yet(f"{what} is what you get if {explanation}.")
    return verdict


def _compare(candidate, reference, cases, what, rtol, atol):
    for args in cases:
        shown = ", ".join(map(repr, args))
        try:
            result = candidate(*args)
            if result is None:
                return no_answer(f"the formula in the body of {what}")
            got = np.asarray(result, dtype=float)
        except Exception as err:  # the learner's code: any failure is an answer to report, not to raise
            return not_yet(f"{what}({shown}) raised {type(err).__name__}: {err}")
        want = np.asarray(reference(*args), dtype=float)
        if got.shape != want.shape:
            return not_yet(f"{what}({shown}) has shape {got.shape}, expected {want.shape}.")
        if not np.allclose(got, want, rtol=rtol, atol=atol):
            return not_yet(f"{what}({shown}) = {np.array2string(got, precision=4)}, "
                           f"expected {np.array2string(want, precision=4)}.")
    return right(f"{what} agrees with the reference on all {len(cases)} test cases.")


def combine(*verdicts):
    """One verdict for a multi-part answer: the first wrong part, else the first unanswered one, else right."""
    for verdict in verdicts:
        if verdict.right is False:
            return verdict
    for verdict in verdicts:
        if verdict.right is None:
            return verdict
    return right(" ".join(v.message for v in verdicts))


@functools.cache
def training_digits():
    """``(x_train, y_train)``: the digits' training part as every chapter's setup cell makes it (a quarter held out
    for testing, seed 0), so a check computes its reference on the chapter's own data. Read-only: it is shared."""
    x, y = data.digits()
    x_train, y_train, _, _ = data.split(x, y, test_fraction=0.25, rng=0)
    x_train.setflags(write=False)
    y_train.setflags(write=False)
    return x_train, y_train
