"""Self-checks for chapter 1, the vanishing gradient problem (``01_vanishing_gradients.ipynb``).

``from initlab.notebook.selfcheck import ch01 as check``, then ``check.max_slope(value, at)`` and so on, one check
per exercise with a numeric answer. Each returns a :class:`~initlab.notebook.selfcheck.Verdict`.
"""

import math
from functools import lru_cache

import numpy as np

from ... import activations, diagnostics, init
from ...mlp import MLP
from . import combine, number, training_digits

__all__ = ["max_slope", "depth_bound", "tanh_shrinkage", "relu_default_rms"]

_SIGMOID = activations.get("sigmoid")


def max_slope(value, at):
    """Exercise ``ex-vg-sigmoid-slope``: the largest value of σ′ (``value``) and the ``t`` where it is reached
    (``at``)."""
    peak = float(_SIGMOID.derivative(np.array(0.0)))  # σ′(0) = σ(0)(1 − σ(0)) = 1/4
    return combine(
        number(value, peak, "the largest slope", slips=[
            (float(_SIGMOID(np.array(0.0))), "you took σ(0) itself, not its slope σ(0)(1 − σ(0))"),
            (1.0, "you took tanh′(0); the sigmoid is four times flatter")],
            why="σ′ = σ(1 − σ) = 1/4 − (σ − 1/2)² ≤ 1/4."),
        number(at, 0.0, "the place of the maximum", atol=0.01,
               why="σ(t) = 1/2 only at t = 0."),
    )


def _bound(layers, norm=2.0):
    # Proposition prop-backward-bound: (sup σ′ · ‖W‖)^(L−2) for the hidden layers, ‖W‖ for the linear output.
    peak = float(_SIGMOID.derivative(np.array(0.0)))
    return (peak * norm) ** (layers - 2) * norm


def depth_bound(fraction, layers):
    """Exercise ``ex-vg-depth``: the bound's ``fraction`` through 30 layers with ‖W_k‖₂ = 2, and the number of
    ``layers`` from which the bound guarantees a shrinkage by 10⁻⁶."""
    needed = next(n for n in range(2, 1000) if _bound(n) <= 1e-6)
    half = 0.5  # ¼ · ‖W‖₂ = ¼ · 2
    return combine(
        number(fraction, _bound(30), "the fraction", rtol=0.01, slips=[
            (half ** 28, "you left out the linear output layer's factor ‖W_L‖₂ = 2"),
            (half ** 29, "you counted 29 sigmoid layers; between h_1 and h_30 there are 28, plus the linear output"),
            (half ** 30, "you gave every one of the 30 layers a factor 1/2; the output layer is linear (factor 2)"),
            (_bound(30, norm=1.0), "you left out ‖W_k‖₂ = 2: each hidden layer gives ¼ · 2 = ½")],
            why="The bound is 2 · (¼ · 2)^28 = 2^(−27)."),
        number(layers, needed, "the number of layers", rtol=0.0, atol=0.01, slips=[
            (needed - 1, "you left out the output layer's factor 2, or rounded L − 2 ≥ 20.9 down instead of up"),
            (next(n for n in range(1, 1000) if half ** n <= 1e-6),
             "every layer halved the gradient; the output layer is linear and doubles it")],
            why="2 · 2^(−(L−2)) ≤ 10⁻⁶ needs L − 2 ≥ log₂(2·10⁶) ≈ 20.9."),
    )


@lru_cache(maxsize=1)
def _tanh_factors():
    # The chapter's probe (section 1.1): depth 10, width 256, tanh at σ_w = 0.5, the first 256 training digits.
    x_train, y_train = training_digits()
    x_probe, y_probe = x_train[:256], y_train[:256]
    model = MLP([x_probe.shape[1]] + [256] * 10 + [10], activation="tanh", init=init.scaled_normal(0.5), rng=0)
    diagnostics.backprop_norms(model, x_probe, y_probe)
    return diagnostics.backward_factors(model)


def tanh_shrinkage(predicted, measured):
    """Exercise ``ex-vg-predict``: the ``predicted`` and the ``measured`` shrinkage of the gradient norm through
    the hidden layers of the tanh network at σ_w = 0.5 (the products of ``per_layer_factors("tanh", 0.5)``)."""
    expected_predicted, expected_measured = _tanh_factors()
    n = len(expected_measured)
    slips = [(float(np.mean(expected_measured)), f"you gave one layer's factor; multiply all {n} of them"),
             (0.5 ** (n + 1), f"you multiplied {n + 1} factors of 0.5; there are {n} hidden-layer factors")]
    # The run is seeded, so the values are exact; 2 % leaves room for rounding a printed value.
    return combine(
        number(predicted, float(np.prod(expected_predicted)), "the predicted shrinkage", rtol=0.02, slips=slips),
        number(measured, float(np.prod(expected_measured)), "the measured shrinkage", rtol=0.02, slips=slips,
               why=f"Both are close to 0.5^{n}: with small weights tanh is nearly linear, and σ_w = 0.5 "
                   "sets the factor."),
    )


def relu_default_rms(rms):
    """Exercise ``ex-vg-forward``: the root mean square (``rms``) at which the activations of a deep relu network
    of width 64 settle with PyTorch's default weights and biases, both U(±1/√n)."""
    n = 64
    sigma_w2, sigma_b2 = 1 / 3, 1 / (3 * n)  # U(±a) has variance a²/3, and a² = 1/n
    fixed = (sigma_b2 / 2) / (1 - sigma_w2 / 2)  # m = (σ_w² m + σ_b²)/2 solved for m
    expected = math.sqrt(fixed)
    return number(rms, expected, "the root mean square", rtol=0.02, slips=[
        (fixed, "you gave the mean square; its root is the root mean square"),
        (math.sqrt(2 * fixed), "that is the pre-activations' size; relu keeps half of the mean square"),
        (math.sqrt(sigma_b2), "that is the bias's own size; the weights add σ_w² m to it, and relu halves the sum"),
        (math.sqrt(sigma_b2 / 2), "you left out the weights' part σ_w² m of the next pre-activation"),
        (1 / math.sqrt(6), "that is the per-layer factor of the zero-bias network, not a size"),
        (0.0, "with zero biases the activations would vanish; the default biases keep them alive")],
        why="m = (σ_w² m + σ_b²)/2 with σ_w² = 1/3 and σ_b² = 1/(3n) gives m = 1/(5n), so the RMS is "
            "1/√(5n) = 1/√320.")
