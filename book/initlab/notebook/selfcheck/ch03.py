"""Self-checks for chapter 3, activations prone to vanishing gradients (``03_saturating_activations.ipynb``).

``from initlab.notebook.selfcheck import ch03 as check``, then ``check.saturation_threshold(x_sigmoid, x_tanh, fraction)``
and so on, one check per exercise with a numeric or code answer. Each returns a :class:`~initlab.notebook.selfcheck.Verdict`.
"""

import math
from functools import lru_cache

import numpy as np

from ... import activations, saturation, theory
from ...gaussian import expectation
from . import combine, no_answer, not_yet, number, right, training_digits

__all__ = ["saturation_threshold", "large_scale_slopes", "elu_variances", "centred_factor"]


def saturation_threshold(x_sigmoid, x_tanh, fraction):
    """Exercise ``ex-sat-threshold``, c = 10 %: the thresholds ``x_sigmoid`` and ``x_tanh`` beyond which the slope is
    under 10 % of its peak, and the ``fraction`` of tanh units saturated at s = 1 (a number in [0, 1])."""
    x_sig = saturation.saturated_intervals("sigmoid", fraction=0.1)[-1][0]
    x_th = saturation.saturated_intervals("tanh", fraction=0.1)[-1][0]
    one_percent = saturation.saturated_intervals("sigmoid")[-1][0]
    return combine(
        number(x_sigmoid, x_sig, "x_sigmoid", rtol=1e-3, slips=[
            (one_percent, "you kept c = 1 %; this exercise uses c = 10 %"),
            (x_sig / 2, "you gave tanh's threshold, half of the sigmoid's")]),
        number(x_tanh, x_th, "x_tanh", rtol=1e-3, slips=[
            (x_sig, "you took the sigmoid's threshold; tanh′(x) = 4σ′(2x) halves it"),
            (2 * x_sig, "you doubled x_σ; tanh′(x) = 4σ′(2x) means tanh saturates at half of it"),
            (one_percent / 2, "you kept c = 1 %; this exercise uses c = 10 %")]),
        number(fraction, saturation.saturated_fraction("tanh", 1.0, fraction=0.1), "the saturated fraction",
               rtol=1e-2, slips=[
                   (saturation.saturated_fraction("tanh", 1.0, fraction=0.1) * 100,
                    "you gave a percentage; pass the fraction, between 0 and 1"),
                   (saturation.saturated_fraction("tanh", 1.0, fraction=0.1) / 2,
                    "you counted one tail only; |z| > x_tanh has two, 2(1 − Φ(x_tanh))"),
                   (saturation.saturated_fraction("tanh", 1.0), "you kept c = 1 %")],
               why="At c = 10 % a few percent of tanh units count as saturated at s = 1."),
    )


def _approximation(candidate, activation, what, slips):
    """Compare ``candidate(s)`` with the quadrature E[f′(z)] at large s, within the chapter's 2/s²; ``slips`` are
    ``(function of s, explanation)`` pairs."""
    if candidate is None:
        return no_answer(f"your function {what}(s)")
    if not callable(candidate):
        return not_yet(f"{what} should be a function of s, got {type(candidate).__name__}.")
    for s in (10.0, 30.0, 100.0):
        try:
            got = float(candidate(s))
        except Exception as err:  # the learner's code: any failure is an answer to report, not to raise
            return not_yet(f"{what}({s:g}) raised {type(err).__name__}: {err}")
        exact = saturation.expected_derivative(activation, s)
        if math.isfinite(got) and abs(got / exact - 1) <= 2 / s ** 2:
            continue
        for slip, explanation in slips:
            if math.isclose(got, slip(s), rel_tol=1e-3):
                return not_yet(f"{what}({s:g}) = {got:.4g} is what you get if {explanation}.")
        return not_yet(f"{what}({s:g}) = {got:.4g}, but the quadrature gives {exact:.4g}: more than 2/s² apart.")
    return right(f"{what} is within 2/s² of the quadrature at s = 10, 30 and 100.")


def _density_at_zero(s):
    return 1 / (s * math.sqrt(2 * math.pi))  # of N(0, s²)


def large_scale_slopes(sigmoid_approx, tanh_approx):
    """Exercise ``ex-sat-large-s``: two functions of the scale ``s``, your large-s approximations of E[σ′(z)]
    (``sigmoid_approx``) and of E[tanh′(z)] (``tanh_approx``) for z ~ N(0, s²)."""
    wrong_density = "you used 1/(2π s) for the density of N(0, s²) at 0; it is 1/(s√(2π))"
    return combine(
        _approximation(sigmoid_approx, "sigmoid", "sigmoid_approx", slips=[
            (lambda s: 2 * _density_at_zero(s),
             "you used tanh's area 2; the sigmoid's slope has area σ(∞) − σ(−∞) = 1"),
            (lambda s: 1 / (2 * math.pi * s), wrong_density)]),
        _approximation(tanh_approx, "tanh", "tanh_approx", slips=[
            (_density_at_zero, "you left out tanh′'s area: tanh(∞) − tanh(−∞) = 2"),
            (lambda s: 2 / (2 * math.pi * s), wrong_density)]),
    )


@lru_cache(maxsize=1)
def _input_second_moment():
    # The chapter's probe batch: the first 256 training digits.
    x_train, _ = training_digits()
    return float(np.mean(np.square(x_train[:256], dtype=np.float64)))


def elu_variances(q_he, q_preserving):
    """Exercise ``ex-sat-elu-he``: the predicted pre-activation variance of layer 20 of the ELU network with He's
    σ_w = √2 (``q_he``) and with the chapter's variance-preserving σ_w (``q_preserving``)."""
    m = _input_second_moment()
    preserving = round(1 / math.sqrt(theory.length_map("elu", 1.0, 1.0)), 3)  # as in the chapter's INITS

    def q20(sigma_w, moment=m):
        return theory.forward_variances("elu", sigma_w, 20, input_second_moment=moment)[-1]

    unit_input = "you left out input_second_moment: the digits' mean square is well below 1"
    return combine(
        number(q_he, q20(math.sqrt(2)), "q_he", rtol=0.01, slips=[
            (q20(math.sqrt(2), 1.0), unit_input),
            (theory.forward_variances("elu", math.sqrt(2), 20, input_second_moment=m)[0],
             "you gave layer 1's variance; take the last entry of forward_variances")]),
        number(q_preserving, q20(preserving), "q_preserving", rtol=0.01, slips=[
            (q20(preserving, 1.0), unit_input)],
            why="With √2 the length map grows the variance layer after layer; the preserving gain keeps it "
                "of order 1."),
    )


def centred_factor(factor):
    """Exercise ``ex-sat-centred``: the per-step factor 1 − ηλ₋ for inputs σ(u) − 1/2 at η = 1/E‖x‖²."""
    def per_step(f):  # proposition prop-sat-zigzag with two independent inputs distributed like f(u)
        m, m2 = expectation(f), expectation(lambda z: f(z) ** 2)
        return 1 - (m2 - m ** 2) / (2 * m2)

    sigmoid = activations.get("sigmoid")
    return number(factor, per_step(lambda u: sigmoid(u) - 0.5), "the per-step factor", rtol=0.01, slips=[
        (per_step(sigmoid), "you used the uncentred sigmoid, whose mean 1/2 makes the condition number large"),
        (0.0, "you took ηλ₋ = 1; with η = 1/(λ₊ + λ₋) and λ₊ = λ₋ it is 1/2")],
        why="Centred inputs have κ = 1, so 1 − ηλ₋ = 1 − 1/2, whatever their scale.")
