"""initlab.notebook.selfcheck.ch02 and the chapter 2 quiz: right answers pass, the named slips and wrong answers do not."""

import math

import numpy as np
import pytest

from initlab import activations, init, theory
from initlab.notebook import quiz
from initlab.notebook.selfcheck import ch02 as check

FAN_IN, FAN_OUT = 784, 300
# Exercise ex-xv-layer, from its solution, written out by hand.
XAVIER = 2 / 1084
MNIST = dict(variance=XAVIER, bound=math.sqrt(6 / 1084), std=math.sqrt(2 / 1084), old_variance=1 / (3 * 784),
             forward_xavier=784 * 2 / 1084, forward_old=1 / 3)


def right_bound(fan_in, fan_out, gain):
    return gain * math.sqrt(6 / (fan_in + fan_out))


def test_no_answer_is_neither_right_nor_wrong():
    assert check.uniform_bound(None).right is None
    assert check.mnist_layer(*[None] * 6).right is None
    assert check.sigmoid_gain(None, None).right is None
    assert check.pair_factors(None, None).right is None


def test_right_answers():
    assert check.uniform_bound(right_bound).right is True
    # The largest of many xavier_uniform samples approaches the bound from below (a different route).
    biggest = np.abs(init.xavier_uniform(FAN_IN, FAN_OUT, gain=5 / 3, rng=0)).max()
    assert 0.999 < biggest / right_bound(FAN_IN, FAN_OUT, 5 / 3) <= 1 + 1e-6
    assert check.mnist_layer(**MNIST).right is True
    # The sigmoid's second moment one layer up, from q = 0.01: E[σ(z)²] by sampling, with 4 standard errors.
    z = np.random.default_rng(0).normal(0.0, 0.1, 200_000)
    h2 = activations.get("sigmoid")(z) ** 2
    q2 = 16 * h2.mean()
    assert abs(q2 - theory.length_map("sigmoid", 0.01, 4.0)) < 4 * 16 * h2.std() / math.sqrt(z.size)
    assert check.sigmoid_gain(4, q2).right is True
    assert check.pair_factors(lambda a, b: 4 * a * b / (a + b) ** 2, lambda a, b: 1.0).right is True


def test_a_subtly_wrong_bound_is_caught():
    # Right for gain 1 and equal fans, wrong otherwise: uses only the fan-in.
    verdict = check.uniform_bound(lambda fan_in, fan_out, gain: gain * math.sqrt(3 / fan_in))
    assert verdict.right is False and "bound(784, 300, 1.0)" in verdict.message


@pytest.mark.parametrize("verdict, explanation", [
    (lambda: check.uniform_bound(lambda i, o, g: g * math.sqrt(2 / (i + o))), "standard deviation"),
    (lambda: check.uniform_bound(lambda i, o, g: math.sqrt(6 / (i + o))), "left out the gain"),
    (lambda: check.uniform_bound(lambda i, o, g: g * g * math.sqrt(6 / (i + o))), "gain²"),
    (lambda: check.uniform_bound(lambda i, o, g: g * g * 6 / (i + o)), "square root"),
    (lambda: check.mnist_layer(**{**MNIST, "variance": 1 / 784}), "LeCun"),
    (lambda: check.mnist_layer(**{**MNIST, "variance": 1 / 300}), "1/n_out"),
    (lambda: check.mnist_layer(**{**MNIST, "bound": math.sqrt(2 / 1084)}), "normal standard deviation"),
    (lambda: check.mnist_layer(**{**MNIST, "bound": 6 / 1084}), "square root"),
    (lambda: check.mnist_layer(**{**MNIST, "std": 2 / 1084}), "you gave the variance"),
    (lambda: check.mnist_layer(**{**MNIST, "std": math.sqrt(6 / 1084)}), "uniform bound"),
    (lambda: check.mnist_layer(**{**MNIST, "old_variance": 1 / 784}), "a²/3"),
    (lambda: check.mnist_layer(**{**MNIST, "old_variance": 1 / 28}), "bound 1/√784"),
    (lambda: check.mnist_layer(**{**MNIST, "forward_xavier": 300 * 2 / 1084}), "backward factor"),
    (lambda: check.mnist_layer(**{**MNIST, "forward_xavier": 1}), "equal fans"),
    (lambda: check.mnist_layer(**{**MNIST, "forward_old": 1}), "1/(3n)"),
    (lambda: check.sigmoid_gain(0.25, 4.01), "slope s itself"),
    (lambda: check.sigmoid_gain(16, 4.01), "gain²"),
    (lambda: check.sigmoid_gain(4, 0.01), "mean 1/2"),
    (lambda: check.pair_factors(lambda a, b: 2 * a / (a + b), lambda a, b: 1.0), "one layer's factor"),
    (lambda: check.pair_factors(lambda a, b: 4 * a * b / (a + b) ** 2, lambda a, b: math.sqrt(a / b)),
     "one layer's factor"),
])
def test_slips_are_named(verdict, explanation):
    result = verdict()
    assert result.right is False and explanation in result.message


@pytest.mark.parametrize("verdict", [
    lambda: check.uniform_bound(lambda i, o, g: 0.1),
    lambda: check.mnist_layer(**{**MNIST, "variance": 0.5}),
    lambda: check.sigmoid_gain(4, 1.0),
    lambda: check.pair_factors(lambda a, b: 1.0, lambda a, b: 1.0),  # the harmonic pair is not level
])
def test_wrong_values(verdict):
    assert verdict().right is False


@pytest.mark.parametrize("verdict", [
    lambda: check.uniform_bound(0.0744),
    lambda: check.uniform_bound(lambda i, o: 1.0),
    lambda: check.uniform_bound(lambda i, o, g: "a"),
    lambda: check.mnist_layer(*["x"] * 6),
    lambda: check.sigmoid_gain([4], {}),
    lambda: check.pair_factors("harmonic", "geometric"),
])
def test_wrong_types_are_answers_not_errors(verdict):
    assert verdict().right is False


def _correct_value(question):
    return next(a["value"] for a in question["answers"] if a.get("correct") and a["type"] == "value")


def test_quiz_numbers():
    numeric = [q for q in quiz.load("02_xavier_initialization") if q["type"] == "numeric"]
    slope = float(activations.get("sigmoid").derivative(np.array(0.0)))
    old = init.linear_default(1000, 1000, rng=0).astype(np.float64).var() * 1000  # n Var(W), sampled
    expected = [(right_bound(100, 200, 1.0), 3), (1 / 3, 3), (1 / slope ** 2, 2)]
    assert abs(old - 1 / 3) < 4 * math.sqrt(0.8 / 1e6) / 3  # the sampled factor agrees with 1/3
    assert len(numeric) == len(expected)
    for question, (value, digits) in zip(numeric, expected):
        assert question["precision"] == digits
        assert _correct_value(question) == float(f"{value:.{digits}g}")
