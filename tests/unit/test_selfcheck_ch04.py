"""initlab.notebook.selfcheck.ch04 and the chapter 4 quiz: right answers pass, the named slips and wrong answers do not."""

import functools
import math

import numpy as np
import pytest

import initlab
from initlab import init, theory
from initlab.notebook import quiz
from initlab.notebook.selfcheck import ch04 as check

# Exercise ex-eg-value-clip, from its solution, by hand: g/‖g‖, and (1, 1, 0.1).
G = np.array([10.0, 1.0, 0.1])
BY_NORM = G / math.sqrt(101.01)
BY_VALUE = [1.0, 1.0, 0.1]
COSINE = (10 + 1 + 0.01) / (math.sqrt(2.01) * math.sqrt(101.01))


def transient():
    # W^t = [[0.9^t, 4t·0.9^(t−1)], [0, 0.9^t]]; the gradient t steps back is (W^t)ᵀ e₁, its first row.
    growth = [math.hypot(0.9 ** t, 4 * t * 0.9 ** (t - 1)) for t in range(101)]
    peak = max(range(101), key=growth.__getitem__)
    sigma_max = np.linalg.svd(np.array([[0.9, 4.0], [0.0, 0.9]]), compute_uv=False)[0]
    return 0.9, sigma_max, growth[peak], peak


PREDICTED = math.ceil(math.log(65504 / 0.1) / math.log(3 / math.sqrt(2)))  # the solution's 17.8 → 18 layers
MEASURED = 17  # the chapter's printed count; the test below recomputes it by a different route


def test_measured_overflow_depth():
    # The back-propagated norms through MLP.backward directly (the check goes through diagnostics).
    x, y = initlab.data.digits()
    x_train, y_train, _, _ = initlab.data.split(x, y, test_fraction=0.25, rng=0)
    model = initlab.MLP([64] + [32] * 50 + [10], activation="relu", init=init.scaled_normal(3.0), rng=0)
    _, dout = initlab.losses.softmax_cross_entropy(model.forward(x_train[:256]), y_train[:256])
    model.backward(dout)
    norms = [np.linalg.norm(g.astype(np.float64)) for g in model.grad_activations][::-1]
    assert next(m for m, v in enumerate(norms) if v > 65504) == MEASURED
    assert abs(MEASURED - PREDICTED) < 2


def test_no_answer_is_neither_right_nor_wrong():
    assert check.clipped_gradients(None, None, None).right is None
    assert check.transient_growth(None, None, None, None).right is None
    assert check.float16_depth(None, None).right is None
    assert check.pascanu_steps(None).right is None


def test_right_answers():
    assert check.clipped_gradients(BY_NORM, BY_VALUE, COSINE).right is True
    assert check.clipped_gradients(list(BY_NORM), np.array(BY_VALUE), np.float32(COSINE)).right is True
    assert check.transient_growth(*transient()).right is True
    assert check.float16_depth(PREDICTED, MEASURED).right is True
    assert check.float16_depth(17.8, MEASURED).right is True
    assert check.pascanu_steps(132).right is True


@pytest.mark.parametrize("verdict, explanation", [
    (lambda: check.clipped_gradients(G, BY_VALUE, COSINE), "left g unchanged"),
    (lambda: check.clipped_gradients(BY_VALUE, BY_VALUE, COSINE), "each coordinate to ±1"),
    (lambda: check.clipped_gradients(BY_NORM, BY_VALUE, 1.0), "norm-clipped"),
    (lambda: check.transient_growth(4.193, 4.193, 15.5, 9), "largest singular value"),
    (lambda: check.transient_growth(0.9, 4.0, 15.5, 9), "largest entry"),
    (lambda: check.transient_growth(0.9, 0.9, 15.5, 9), "spectral radius"),
    (lambda: check.float16_depth(17, MEASURED), "rounded down"),
    (lambda: check.float16_depth(math.log(655040) / math.log(3), MEASURED), "σ_w = 3 per layer"),
    (lambda: check.float16_depth(math.log(65504) / math.log(3 / math.sqrt(2)), MEASURED), "started from 1"),
    (lambda: check.float16_depth(PREDICTED, 51 - MEASURED), "counted from the input"),
    (lambda: check.pascanu_steps(131), "rounded"),
    (lambda: check.pascanu_steps(-132), "sign"),
    (lambda: check.pascanu_steps(10), "γ = 1/4"),
])
def test_slips_are_named(verdict, explanation):
    result = verdict()
    assert result.right is False and explanation in result.message


@pytest.mark.parametrize("verdict", [
    lambda: check.clipped_gradients(BY_NORM, [1.0, 1.0, 1.0], COSINE),
    lambda: check.transient_growth(0.9, 4.193, 4.0, 1),
    lambda: check.transient_growth(0.9, 4.193, 15.5, 20),
    lambda: check.float16_depth(30, 30),
    lambda: check.pascanu_steps(1000),
])
def test_wrong_values(verdict):
    assert verdict().right is False


@pytest.mark.parametrize("verdict", [
    lambda: check.clipped_gradients(1.0, "1, 1, 0.1", [0.77]),
    lambda: check.clipped_gradients([1.0, 2.0], BY_VALUE, COSINE),
    lambda: check.transient_growth("0.9", None, [15.5], {}),
    lambda: check.float16_depth(float("nan"), True),
    lambda: check.pascanu_steps("132"),
])
def test_wrong_types_are_answers_not_errors(verdict):
    assert verdict().right is False


def test_quiz_numbers():
    numeric = [q for q in quiz.load("04_exploding_gradients") if q["type"] == "numeric"]
    # A deep linear net of scaled orthogonal layers: the weight gradient at s = 1.5 over the one at s = 1.
    x, g = np.ones((1, 16)), np.ones((1, 16))
    norms = []
    for s in (1.5, 1.0):
        net = initlab.MLP([16] * 21, activation="linear", init=functools.partial(init.orthogonal, gain=s), rng=0,
                          dtype=np.float64)
        net.forward(x)
        norms.append(np.linalg.norm(net.backward(g)[0][0]))
    expected = [(norms[0] / norms[1], 2), (float(np.finfo(np.float16).max), 5),
                (math.sqrt(theory.gradient_factor("relu", 1.0, 3.0)), 3)]
    assert len(numeric) == len(expected)
    for question, (value, digits) in zip(numeric, expected):
        assert question["precision"] == digits
        correct = next(a["value"] for a in question["answers"] if a.get("correct") and a["type"] == "value")
        assert correct == float(f"{value:.{digits}g}")
