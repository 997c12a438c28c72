"""initlab.notebook.selfcheck.ch01 and the chapter 1 quiz: right answers pass, the named slips and wrong answers do not."""

import math

import numpy as np
import pytest

import initlab
from initlab import data, diagnostics, init, losses
from initlab.notebook import quiz
from initlab.notebook.selfcheck import ch01 as check

# Exercise ex-vg-depth, from its solution: 2 · (1/2)^(L−2) through L = 30 layers, and 2 · 2^−(L−2) ≤ 10⁻⁶.
FRACTION = 2 * 0.5 ** 28
LAYERS = 2 + math.ceil(math.log2(2e6))


def _shrinkage():
    # A different route than the check's: the product of the per-layer factors telescopes to ‖∂ℓ/∂h_1‖/‖∂ℓ/∂h_{L−1}‖.
    x, y = data.digits()
    x_train, y_train, _, _ = data.split(x, y, test_fraction=0.25, rng=0)
    model = initlab.MLP([64] + [256] * 10 + [10], activation="tanh", init=init.scaled_normal(0.5), rng=0)
    signal, _ = diagnostics.backprop_norms(model, x_train[:256], y_train[:256])
    return signal[0] / signal[-2]


def test_no_answer_is_neither_right_nor_wrong():
    assert check.max_slope(None, None).right is None
    assert check.depth_bound(None, None).right is None
    assert check.tanh_shrinkage(None, None).right is None
    assert check.relu_default_rms(None).right is None
    assert repr(check.relu_default_rms(None)).startswith("Your turn:")


def test_right_answers():
    assert check.max_slope(0.25, 0).right is True
    assert check.depth_bound(FRACTION, LAYERS).right is True
    assert check.depth_bound(7.45e-9, np.int64(23)).right is True
    measured = _shrinkage()
    assert abs(measured / 0.5 ** 9 - 1) < 0.02  # the solution's "both are close to 0.5^9"
    assert check.tanh_shrinkage(0.5 ** 9, measured).right is True
    assert check.relu_default_rms(1 / math.sqrt(5 * 64)).right is True
    assert check.relu_default_rms(0.0559).right is True  # rounded to three digits


def test_relu_default_rms_is_where_the_networks_settle():
    # A different route than the check's: measure deep layers of default relu networks, width 64.
    x, _ = data.digits()
    ms = []
    for seed in range(8):
        model = initlab.MLP([64] * 21, activation="relu", init="linear_default", rng=seed, dtype=np.float64)
        model.forward(x[:256])
        ms += [np.mean(h ** 2) for h in model.activations[9:-1]]
    assert abs(math.sqrt(np.mean(ms)) * math.sqrt(5 * 64) - 1) < 0.05


@pytest.mark.parametrize("verdict, explanation", [
    (lambda: check.max_slope(0.5, 0), "σ(0) itself"),
    (lambda: check.max_slope(1.0, 0), "tanh′(0)"),
    (lambda: check.max_slope(0.25, 1.0), "place of the maximum"),
    (lambda: check.depth_bound(0.5 ** 28, LAYERS), "output layer's factor"),
    (lambda: check.depth_bound(0.5 ** 29, LAYERS), "29 sigmoid layers"),
    (lambda: check.depth_bound(0.5 ** 30, LAYERS), "every one of the 30 layers"),
    (lambda: check.depth_bound(0.25 ** 28, LAYERS), "left out ‖W_k‖₂ = 2"),
    (lambda: check.depth_bound(FRACTION, 22), "rounded"),
    (lambda: check.depth_bound(FRACTION, 20), "every layer halved"),
    (lambda: check.tanh_shrinkage(0.5, 0.5), "one layer's factor"),
    (lambda: check.tanh_shrinkage(0.5 ** 10, 0.5 ** 10), "10 factors"),
    (lambda: check.relu_default_rms(1 / 320), "mean square"),
    (lambda: check.relu_default_rms(math.sqrt(2 / 320)), "pre-activations"),
    (lambda: check.relu_default_rms(1 / math.sqrt(192)), "bias's own size"),
    (lambda: check.relu_default_rms(1 / math.sqrt(384)), "weights' part"),
    (lambda: check.relu_default_rms(1 / math.sqrt(6)), "zero-bias"),
    (lambda: check.relu_default_rms(0), "vanish"),
])
def test_slips_are_named(verdict, explanation):
    result = verdict()
    assert result.right is False and explanation in result.message


@pytest.mark.parametrize("verdict", [
    lambda: check.max_slope(0.3, 0),
    lambda: check.depth_bound(1e-6, 30),
    lambda: check.tanh_shrinkage(0.01, 0.01),
    lambda: check.relu_default_rms(0.9),
])
def test_wrong_values(verdict):
    assert verdict().right is False


@pytest.mark.parametrize("verdict", [
    lambda: check.max_slope("1/4", [0]),
    lambda: check.depth_bound([FRACTION], "23"),
    lambda: check.tanh_shrinkage({}, float("nan")),
    lambda: check.relu_default_rms(np.ones(3)),
    lambda: check.relu_default_rms(True),
])
def test_wrong_types_are_answers_not_errors(verdict):
    assert verdict().right is False


def _correct_value(question):
    return next(a["value"] for a in question["answers"] if a.get("correct") and a["type"] == "value")


def _rounded(value, digits):
    # jupyterquiz rounds the typed answer with toPrecision(digits) before comparing it with the stored value.
    return float(f"{value:.{digits}g}")


def test_quiz_numbers():
    questions = quiz.load("01_vanishing_gradients")
    numeric = [q for q in questions if q["type"] == "numeric"]
    sigmoid = initlab.activations.get("sigmoid")
    per_layer = float(sigmoid.derivative(np.array(0.0))) * 2  # sup σ′ · ‖W‖₂
    uniform_logits = np.zeros((10, 10))
    chance, _ = losses.softmax_cross_entropy(uniform_logits, np.arange(10))
    expected = [per_layer ** 10, chance]
    assert len(numeric) == len(expected)
    for question, value in zip(numeric, expected):
        assert _correct_value(question) == _rounded(value, question["precision"])
