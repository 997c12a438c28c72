"""Self-checks for chapter 6, "Batch normalization and its impact on weight initialization"
(``06_batch_normalization``).

The reference answers come from the chapter's own formulas and from running ``initlab``: the ε term of the
backward pass from its derivation, the weight norms from one training step of the chapter's network, the
growth factor from :func:`initlab.batchnorm.gradient_growth`, the batch size from the finite-population
correction on the chapter's training set.
"""

import functools
import math

import numpy as np

from ... import activations, diagnostics, init, theory
from ...batchnorm import gradient_growth
from ...mlp import MLP
from ...training import train
from . import combine, function, no_answer, not_yet, number, numbers, right, training_digits

__all__ = ["projection_identity", "weight_norms_after_step", "growth_factors", "fpc_batch_size"]

EPS = 1e-5  # PyTorch's, and BatchNorm's, default ε


def projection_identity(xhat_term):
    r"""Exercise ``ex-bn-projection``: pass a function ``xhat_term(gamma, var_b, eps, sum_g_xhat)`` that returns
    :math:`\sum_j \hat x_j\,\partial\ell/\partial x_j` for one unit, given :math:`\gamma`, the biased batch variance
    :math:`\sigma_B^2`, :math:`\epsilon` and :math:`\sum_i g_i \hat x_i = \partial\ell/\partial\gamma`."""
    def reference(gamma, var_b, eps, sum_g_xhat):  # the identity derived in the exercise's solution
        return gamma * eps / (var_b + eps) ** 1.5 * sum_g_xhat

    cases = [(1.0, 1e-4, EPS, 2.0), (0.5, 1e-5, EPS, -3.0), (2.0, 1.0, EPS, 1.5), (1.5, 0.04, 1e-3, 0.7)]
    slips = [
        (lambda gamma, var_b, eps, s: gamma * s / math.sqrt(var_b + eps),
         "you left out the factor ε/(σ_B² + ε): the third term cancels all but that fraction of γ s Σ g x̂"),
        (lambda gamma, var_b, eps, s: gamma * eps / (var_b + eps) * s,
         "you dropped the 1/√(σ_B² + ε) that the whole formula carries"),
        (lambda gamma, var_b, eps, s: 0.0 * s,
         "you set it to 0: that is exact only for ε = 0; Σ_j x̂_j² = m σ_B²/(σ_B² + ε) falls short of m")]
    return function(xhat_term, reference, cases, "xhat_term", slips=slips, missing="your function xhat_term")


@functools.cache
def _norm_step():
    # Section 6.4's network in float64 on the probe batch: ‖W_k‖² before, ‖∂ℓ/∂W_k‖², and ‖W_k‖² after one step.
    x_train, y_train = training_digits()
    x_probe, y_probe = x_train[:256], y_train[:256]
    model = MLP([64, 64, 64, 64, 10], rng=0, batch_norm=True, dtype=np.float64)
    before = [float(np.sum(w ** 2)) for w in model.weights[:-1]]
    diagnostics.gradient_norms(model, x_probe, y_probe)
    grad_sq = [float(np.sum(dw ** 2)) for dw in model.gradients()[0:2 * (model.depth - 1):2]]
    train(model, x_probe, y_probe, lr=0.5, steps=1)
    return before, grad_sq, [float(np.sum(w ** 2)) for w in model.weights[:-1]]


def weight_norms_after_step(norms_sq):
    r"""Exercise ``ex-bn-norm-growth``: pass the three measured :math:`\lVert W_k\rVert^2` of the hidden layers
    after the step (float64, the network and batch of the exercise). They are deterministic, so the check
    allows only rounding (:math:`10^{-5}`): the slips below are a tenth of a percent away."""
    if norms_sq is None:
        return no_answer("the list of the three ‖W_k‖² after the step")
    before, grad_sq, after = _norm_step()
    try:
        values = [float(v) for v in norms_sq]
    except (TypeError, ValueError):
        return not_yet(f"norms_sq should be a list of 3 numbers, got {norms_sq!r}.")
    slips = [(before, "you read the norms before the step"),
             ([b + 0.5 * g for b, g in zip(before, grad_sq)], "you added η‖∂ℓ/∂W‖² instead of η²‖∂ℓ/∂W‖²"),
             ([math.sqrt(a) for a in after], "you gave ‖W‖, not ‖W‖²")]
    for slip, explanation in slips:
        if len(values) == len(slip) and np.allclose(values, slip, rtol=1e-5):
            return not_yet(f"these are the values you get if {explanation}.")
    verdict = numbers(values, after, "norms_sq", rtol=1e-5)
    if verdict.right:
        return right("all three agree with ‖W‖² + η²‖∂ℓ/∂W‖²: the step is perpendicular to W, so it only "
                     "lengthens it.")
    return verdict


def _growth(value, name, why):
    # One activation's √λ, with the slips that produce other numbers.
    f, lam = activations.get(name), gradient_growth(name)
    reference = math.sqrt(lam)
    # Section 6.6's measurements agree with √λ within 3 %: that close, but not within 0.2 %, is a measurement.
    if isinstance(value, (int, float, np.floating)) and 0.002 < abs(value / reference - 1) < 0.03:
        return not_yet(f"{value:.4g} for {name} looks like a measured factor; pass the prediction √λ, "
                       "from λ = E[f'(ξ)²]/Var f(ξ).")
    return number(value, reference, f"√λ for {name}", rtol=0.002, why=why, slips=[
        (lam, "you gave λ, the factor on the mean square; the norm grows by √λ"),
        (1 / reference, "you inverted λ: the gradient grows towards the input"),
        (math.sqrt(theory.gradient_factor(f, 1.0, 1.0) / theory.length_map(f, 1.0, 1.0)),
         "you divided by the second moment E[f(ξ)²] instead of the variance Var f(ξ)")])


def growth_factors(leaky_relu, gelu):
    r"""Exercise ``ex-bn-growth-predict``: pass the *predicted* per-layer growth :math:`\sqrt\lambda` of the
    gradient norm for leaky relu (slope 0.01) and for gelu (not the measured factors, which scatter by about 1 %)."""
    if leaky_relu is None and gelu is None:
        return no_answer("the two predicted factors √λ")
    return combine(
        _growth(leaky_relu, "leaky_relu", why="Almost relu's √(π/(π − 1)), as the slope 0.01 is almost 0."),
        _growth(gelu, "gelu", why="Smaller than leaky relu's: gelu is closer to linear, and λ = 1 only for a "
                                 "linear f."),
    )


@functools.cache
def _fpc_unit():
    # Section 6.8's unit: one first-layer pre-activation of a He-initialised network, over the training set.
    x_train, _ = training_digits()
    return (x_train @ init.kaiming_normal(64, 64, rng=0))[:, 4]


def fpc_batch_size(m, sd_at_full_batch):
    r"""Exercise ``ex-bn-fpc``: pass the batch size ``m`` at which :math:`\sqrt{(N - m)/(N - 1)} = 0.9` (the exact
    solution or a whole batch size next to it) and :math:`\operatorname{sd}(\mu_B)` at :math:`m = N`."""
    if m is None and sd_at_full_batch is None:
        return no_answer("the batch size m and sd(μ_B) at m = N")
    unit = _fpc_unit()
    n = len(unit)
    exact = n - 0.81 * (n - 1)  # (N − m)/(N − 1) = 0.9²
    return combine(
        number(m, exact, "m", rtol=0, atol=1.0, slips=[
            (n - 0.9 * (n - 1), "you set (N − m)/(N − 1) = 0.9; the correction is its square root, so 0.81"),
            (0.81 * (n - 1) + 1, "you solved for N − m instead of m")],
            why=f"With N = {n}, m = N − 0.81 (N − 1)."),
        number(sd_at_full_batch, 0.0, "sd(μ_B) at m = N", atol=1e-9, slips=[
            (unit.std() / math.sqrt(n), "you used σ/√m without the correction, which is √0 = 0 at m = N")],
               why="Every batch is the whole training set, so μ_B is the same every time."),
    )
