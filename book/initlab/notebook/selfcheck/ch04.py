"""Self-checks for chapter 4, the exploding gradient problem (``04_exploding_gradients.ipynb``).

``from initlab.notebook.selfcheck import ch04 as check``, then ``check.clipped_gradients(by_norm, by_value, cosine)`` and
so on, one check per exercise with a numeric answer. Each returns a :class:`~initlab.notebook.selfcheck.Verdict`.
"""

import math
from functools import lru_cache

import numpy as np

from ... import diagnostics, init, recurrence
from ...mlp import MLP
from . import combine, number, numbers, training_digits

__all__ = ["clipped_gradients", "transient_growth", "float16_depth", "pascanu_steps"]

FLOAT16_MAX = float(np.finfo(np.float16).max)


def clipped_gradients(by_norm, by_value, cosine):
    """Exercise ``ex-eg-value-clip``, g = (10, 1, 0.1) and τ = 1: the gradient clipped ``by_norm`` and ``by_value``
    (three numbers each), and the ``cosine`` between the one clipped by value and g."""
    g, tau = np.array([10.0, 1.0, 0.1]), 1.0
    norm_clipped = g * min(1.0, tau / np.linalg.norm(g))  # g ← τ g/‖g‖ when ‖g‖ > τ
    value_clipped = np.clip(g, -tau, tau)
    return combine(
        numbers(by_norm, norm_clipped, "by_norm", rtol=0.01, atol=1e-3, slips=[
            (float(g[0]), "you left g unchanged; ‖g‖ ≈ 10.05 is above τ = 1, so it is rescaled to length τ"),
            (1.0, "you clipped each coordinate to ±1; by norm, every coordinate is divided by ‖g‖")]),
        numbers(by_value, value_clipped, "by_value", rtol=0.01, atol=1e-3),
        number(cosine, float(value_clipped @ g / (np.linalg.norm(value_clipped) * np.linalg.norm(g))),
               "the cosine", rtol=0.005, slips=[
                   (1.0, "you took the cosine of the norm-clipped gradient, which is exactly 1")],
               why="Positive, so still downhill, but not the steepest direction: only clipping by norm keeps that."),
    )


def transient_growth(rho, sigma_max, peak, peak_steps):
    """Exercise ``ex-eg-transient``, W = [[0.9, 4], [0, 0.9]]: its spectral radius ``rho``, its largest singular
    value ``sigma_max``, and the largest growth of the gradient (``peak``) over 100 steps back and after how many
    steps it is reached (``peak_steps``)."""
    w = np.array([[0.9, 4.0], [0.0, 0.9]])
    _, grads = recurrence.chain_norms(w, np.array([0.0, 1.0]), 100, grad=np.array([1.0, 0.0]))
    growth = grads[::-1]  # growth[t]: t steps back
    top = int(np.argmax(growth))
    return combine(
        number(rho, recurrence.spectral_radius(w), "ρ (rho)", slips=[
            (float(np.linalg.norm(w, 2)), "you gave the largest singular value; ρ is the largest |eigenvalue|")],
            why="W is triangular: its eigenvalues are the diagonal entries."),
        number(sigma_max, float(np.linalg.norm(w, 2)), "σ_max (sigma_max)", slips=[
            (4.0, "you took the largest entry; σ_max ≥ ‖W e₂‖ = √(16 + 0.81)"),
            (0.9, "you gave the spectral radius; a non-normal matrix stretches by more than its eigenvalues")]),
        number(peak, float(growth[top]), "the largest growth", rtol=0.02),
        number(peak_steps, top, "the number of steps", rtol=0.0, atol=1.0,
               why="The corner entry 4t·0.9^(t−1) grows linearly, then decays geometrically; ρ < 1 wins in the end."),
    )


@lru_cache(maxsize=1)
def _first_overflow():
    # The chapter's gradient figure at 50 hidden layers of 32, σ_w = 3 (relu), on the probe batch of 256 digits.
    x_train, y_train = training_digits()
    model = MLP([64] + [32] * 50 + [10], activation="relu", init=init.scaled_normal(3.0), rng=0)
    signal, _ = diagnostics.backprop_norms(model, x_train[:256], y_train[:256])
    down = signal[::-1]  # down[m]: m layers below the output
    return int(np.argmax(down > FLOAT16_MAX)), len(signal)


def float16_depth(predicted, measured):
    """Exercise ``ex-eg-float16-depth``: the ``predicted`` number of layers (counting down from the output) after
    which 0.1 · (3/√2)^m exceeds float16's largest number, and the ``measured`` number from
    ``gradient_figure.norms(50, 3.0)``."""
    def layers(start, factor):
        return math.log(FLOAT16_MAX / start) / math.log(factor)

    expected = layers(0.1, 3 / math.sqrt(2))
    first, total = _first_overflow()
    return combine(
        number(predicted, expected, "the predicted number of layers", rtol=0.0, atol=0.5, slips=[
            (math.floor(expected), "you rounded down; the prediction exceeds 65504 only after the next layer"),
            (layers(0.1, 3.0), "you used σ_w = 3 per layer; a relu layer's factor is σ_w/√2"),
            (layers(1.0, 3 / math.sqrt(2)), "you started from 1 instead of the output gradient's 0.1")]),
        number(measured, first, "the measured number of layers", rtol=0.0, atol=0.01, slips=[
            (total - first, "you gave the layer's index counted from the input; count down from the output")],
            why="Within a layer or two of the prediction: each layer's factor fluctuates around 3/√2."),
    )


def pascanu_steps(steps):
    """Exercise ``ex-eg-pascanu-steps``: the number of ``steps`` after which σ_max^T = 0.9^T guarantees a shrinkage by
    10⁻⁶ (tanh, γ = 1)."""
    exact = math.log(1e-6) / math.log(0.9)  # 0.9^T ≤ 10⁻⁶
    return number(steps, math.ceil(exact), "the number of steps", rtol=0.0, atol=0.01, slips=[
        (math.floor(exact), f"you rounded {exact:.1f} down; after that many steps 0.9^T is still above 10⁻⁶"),
        (-math.ceil(exact), "you lost a sign: ln 0.9 is negative, and so is ln 10⁻⁶"),
        (math.ceil(math.log(1e-6) / math.log(0.25 * 0.9)),
         "you used the sigmoid's γ = 1/4; for tanh γ = 1")],
        why="T ≥ 6 ln 10 / ln(1/0.9) ≈ 131.1.")
