"""initlab.notebook.selfcheck.ch03 and the chapter 3 quiz: right answers pass, the named slips and wrong answers do not."""

import math

import numpy as np
import pytest

from initlab import activations, data, saturation
from initlab.notebook import quiz
from initlab.notebook.selfcheck import ch03 as check

# Exercise ex-sat-threshold, from its solution's closed forms.
ROOT = math.sqrt(0.9)
X_SIGMOID = math.log((1 + ROOT) / (1 - ROOT))
X_TANH = X_SIGMOID / 2
FRACTION = math.erfc(X_TANH / math.sqrt(2))  # 2(1 − Φ(x_tanh))


def density(s):
    return 1 / (s * math.sqrt(2 * math.pi))


def sigmoid_approx(s):
    return density(s)


def tanh_approx(s):
    return 2 * density(s)


def elu_q20(sigma_w, moment):
    # The length map with numpy's Gauss–Hermite rule (a different quadrature from initlab.gaussian).
    nodes, weights = np.polynomial.hermite_e.hermegauss(200)
    weights = weights / weights.sum()
    elu = activations.get("elu")
    q = sigma_w ** 2 * moment
    for _ in range(19):
        q = sigma_w ** 2 * np.sum(weights * elu(math.sqrt(q) * nodes) ** 2)
    return q


def probe_moment():
    x, y = data.digits()
    x_train, _, _, _ = data.split(x, y, test_fraction=0.25, rng=0)
    return float(np.mean(x_train[:256].astype(np.float64) ** 2))


def test_no_answer_is_neither_right_nor_wrong():
    assert check.saturation_threshold(None, None, None).right is None
    assert check.large_scale_slopes(None, None).right is None
    assert check.elu_variances(None, None).right is None
    assert check.centred_factor(None).right is None


def test_right_answers():
    assert check.saturation_threshold(X_SIGMOID, X_TANH, FRACTION).right is True
    assert check.saturation_threshold(2 * math.acosh(math.sqrt(10)), math.acosh(math.sqrt(10)), FRACTION).right is True
    assert check.large_scale_slopes(sigmoid_approx, tanh_approx).right is True
    m = probe_moment()
    assert check.elu_variances(elu_q20(math.sqrt(2), m), elu_q20(1.245, m)).right is True
    assert check.centred_factor(0.5).right is True


def test_a_subtly_wrong_approximation_is_caught():
    # Right in the limit, but 1/s² too large at s = 10: off by more than the chapter's 2/s² there.
    verdict = check.large_scale_slopes(lambda s: density(s) * (1 + 3 / s ** 2), tanh_approx)
    assert verdict.right is False and "more than 2/s² apart" in verdict.message


@pytest.mark.parametrize("verdict, explanation", [
    (lambda: check.saturation_threshold(2 * math.acosh(10), X_TANH, FRACTION), "c = 1 %"),
    (lambda: check.saturation_threshold(X_TANH, X_TANH, FRACTION), "tanh's threshold"),
    (lambda: check.saturation_threshold(X_SIGMOID, X_SIGMOID, FRACTION), "sigmoid's threshold"),
    (lambda: check.saturation_threshold(X_SIGMOID, 2 * X_SIGMOID, FRACTION), "doubled"),
    (lambda: check.saturation_threshold(X_SIGMOID, math.acosh(10), FRACTION), "c = 1 %"),
    (lambda: check.saturation_threshold(X_SIGMOID, X_TANH, 100 * FRACTION), "percentage"),
    (lambda: check.saturation_threshold(X_SIGMOID, X_TANH, FRACTION / 2), "one tail"),
    (lambda: check.saturation_threshold(X_SIGMOID, X_TANH, math.erfc(math.acosh(10) / math.sqrt(2))), "c = 1 %"),
    (lambda: check.large_scale_slopes(tanh_approx, tanh_approx), "area 2"),
    (lambda: check.large_scale_slopes(lambda s: 1 / (2 * math.pi * s), tanh_approx), "1/(2π s)"),
    (lambda: check.large_scale_slopes(sigmoid_approx, sigmoid_approx), "tanh′'s area"),
    (lambda: check.elu_variances(elu_q20(math.sqrt(2), 1.0), elu_q20(1.245, probe_moment())), "input_second_moment"),
    (lambda: check.elu_variances(2 * probe_moment(), elu_q20(1.245, probe_moment())), "layer 1"),
    (lambda: check.elu_variances(elu_q20(math.sqrt(2), probe_moment()), elu_q20(1.245, 1.0)), "input_second_moment"),
    (lambda: check.centred_factor(0.0), "ηλ₋ = 1"),
])
def test_slips_are_named(verdict, explanation):
    result = verdict()
    assert result.right is False and explanation in result.message


def test_the_uncentred_sigmoid_slip():
    # Inputs σ(u): m = 1/2, so λ₋ = Var σ(u) is small next to λ₊ and the factor is close to 1.
    u = np.random.default_rng(0).standard_normal(1_000_000)
    h = activations.get("sigmoid")(u)
    m2, var = np.mean(h ** 2), np.var(h)
    verdict = check.centred_factor(1 - var / (2 * m2))
    assert verdict.right is False and "uncentred" in verdict.message


@pytest.mark.parametrize("verdict", [
    lambda: check.saturation_threshold(1.0, 0.5, 0.3),
    lambda: check.large_scale_slopes(lambda s: 0.25 / s, tanh_approx),
    lambda: check.elu_variances(1.0, 1.0),
    lambda: check.centred_factor(0.9),
])
def test_wrong_values(verdict):
    assert verdict().right is False


@pytest.mark.parametrize("verdict", [
    lambda: check.saturation_threshold("3.6", [1.8], {}),
    lambda: check.large_scale_slopes(0.04, "tanh"),
    lambda: check.large_scale_slopes(lambda: 1.0, lambda s: "x"),
    lambda: check.elu_variances(np.array([1.0, 2.0]), None),
    lambda: check.centred_factor(float("inf")),
])
def test_wrong_types_are_answers_not_errors(verdict):
    assert verdict().right is False


def test_quiz_numbers():
    numeric = [q for q in quiz.load("03_saturating_activations") if q["type"] == "numeric"]
    one_percent = math.sqrt(0.99)
    expected = [saturation.expected_derivative("sigmoid", 1.0),
                0.5 * math.log((1 + one_percent) / (1 - one_percent))]
    assert len(numeric) == len(expected)
    for question, value in zip(numeric, expected):
        correct = next(a["value"] for a in question["answers"] if a.get("correct") and a["type"] == "value")
        assert correct == float(f"{value:.{question['precision']}g}")
