"""Self-checks for chapter 8, "Beyond Xavier and He: LSUV, residual networks and self-normalization"
(``08_beyond_xavier_he``).

Every reference answer is computed by the module that the chapter's section names: ``lsuv``, ``residual`` and
``self_normalization``.
"""

import functools
import math

import numpy as np

from ... import activations, gaussian
from ... import self_normalization
from ...lsuv import lsuv
from ...mlp import MLP
from ...residual import ResidualMLP, block_growth
from ...training import train
from . import combine, no_answer, not_yet, number, numbers, right, training_digits

__all__ = ["lsuv_iterations", "residual_growth", "fixup_first_moves", "selu_constants", "shifted_fixed_point"]


def _pair(first, second, what):
    """The "no answer yet" verdict while both parts are None, else None (a Verdict without an answer is falsy)."""
    return no_answer(what) if first is None and second is None else None


@functools.cache
def _lsuv_sigmoid_iterations():
    x_train, _ = training_digits()
    model = MLP([64] + [64] * 19 + [10], activation="sigmoid", init="xavier_normal", rng=0, bias_std=1.0)
    return tuple(r["iterations"] for r in lsuv(model, x_train[:128], max_iter=3, orthonormal=False))


def lsuv_iterations(iterations):
    """Exercise ``ex-ch7-lsuv-sigmoid``: pass the list of iterations per layer that ``lsuv`` reports for the
    sigmoid network with biases of standard deviation 1 (``max_iter=3``, ``orthonormal=False``)."""
    if iterations is None:
        return no_answer("the list of iterations per layer")
    reference = _lsuv_sigmoid_iterations()
    try:
        values = [int(v) for v in iterations]
    except (TypeError, ValueError, OverflowError):  # OverflowError: int(inf)
        return not_yet(f"iterations should be a list of {len(reference)} whole numbers, got {iterations!r}.")
    if values == [1] * len(reference):
        return not_yet("one rescaling per layer is what zero biases give; with biases of standard deviation 1 "
                       "part of z does not scale with W. Run lsuv on the biased model and read its record.")
    if len(values) != len(reference):
        return not_yet(f"the network has {len(reference)} layers, got {len(values)} entries.")
    if tuple(values) != reference:
        first = next(k for k, (a, b) in enumerate(zip(values, reference)) if a != b)
        return not_yet(f"layer {first + 1} differs: {values[first]} here, {reference[first]} in lsuv's record.")
    return right("the biases do not scale with W, so dividing W by √v no longer divides the variance by v: "
                 "some layers need the 3 iterations allowed, and a 0 means the layer was within tol already.")


def residual_growth(ratios, alpha_max):
    r"""Exercise ``ex-ch7-residual-alpha``: pass the predicted :math:`q_{16}/q_0` for
    :math:`\alpha = 0, 0.25, 0.5, 1` (a list of 4) and the largest :math:`\alpha` whose growth stays below 10."""
    unanswered = _pair(ratios, alpha_max, "the four ratios q_16/q_0 and the largest α")
    if unanswered is not None:
        return unanswered
    alphas, blocks = (0.0, 0.25, 0.5, 1.0), 16
    # r = 1 + α² σ_w,1² σ_w,2² / 2 with He's variance gains σ_w,1² = 1, σ_w,2² = 2 layer by layer
    expected = [block_growth(a) ** blocks for a in alphas]
    try:
        values = [float(v) for v in ratios]
    except (TypeError, ValueError):
        values = None
    if values is not None and len(values) == 4:
        for slip, explanation in [([(1 + a) ** blocks for a in alphas], "used α instead of α²: the branch's "
                                   "mean square is multiplied by α²"),
                                  ([(1 + a * a / 2) ** blocks for a in alphas], "used σ_w,1² σ_w,2² / 2 = "
                                   "1/2; He's layer-by-layer variance gains are σ_w,1² = 1 and σ_w,2² = 2, "
                                   "so σ_w,1² σ_w,2² / 2 = 1"),
                                  ([math.sqrt(e) for e in expected], "gave the RMS ratio; q is the mean square")]:
            if np.allclose(values, slip, rtol=0.01):
                return not_yet(f"these ratios are what you get if you {explanation}.")
    return combine(
        numbers(ratios, expected, "ratios", rtol=0.02),
        number(alpha_max, math.sqrt(10 ** (1 / blocks) - 1), "the largest α", rtol=0.01, slips=[
            (10 ** (1 / blocks) - 1, "you gave α²: take the square root"),
            (blocks ** -0.5, "you gave 1/√L, which keeps the growth below e, well under 10")],
            why="From 16 ln(1 + α²) < ln 10: a little above 1/√16 = 0.25."),
    )


FIXUP_GROUPS = ("input layer", "W_1", "b_1", "W_2", "b_2", "head")


@functools.cache
def _fixup_first_moves():
    # The exercise's run on random inputs (the answer does not depend on the data): 8 blocks, full-batch SGD.
    gen = np.random.default_rng(0)
    x, y = gen.random((256, 64)).astype(np.float32), gen.integers(0, 10, 256)
    model = ResidualMLP(64, 64, 10, 8, init="fixup", rng=0)
    start = [p.copy() for p in model.parameters()]
    # parameters(): W_in, b_in, then W_1, b_1, W_2, b_2 of each block, then W_out, b_out
    n = len(start)
    where = dict(zip(FIXUP_GROUPS, [[0, 1], range(2, n - 2, 4), range(3, n - 2, 4), range(4, n - 2, 4),
                                    range(5, n - 2, 4), [n - 2, n - 1]]))
    first = {}
    for step in range(1, 4):
        train(model, x, y, lr=0.1, steps=1)
        for group, indices in where.items():
            if group not in first and any(not np.array_equal(model.parameters()[i], start[i]) for i in indices):
                first[group] = step
    return first


def fixup_first_moves(first_step):
    """Exercise ``ex-ch7-fixup-steps``: pass a dict from each group (``"input layer", "W_1", "b_1", "W_2", "b_2",
    "head"``) to the step (1, 2 or 3) after which it has first moved."""
    if first_step is None:
        return no_answer("a dict such as {'head': 1, ...} for all six groups")
    if not isinstance(first_step, dict) or set(first_step) != set(FIXUP_GROUPS):
        return not_yet(f"first_step should be a dict with exactly the keys {list(FIXUP_GROUPS)}.")
    reference = _fixup_first_moves()
    for group in FIXUP_GROUPS:
        if first_step[group] != reference[group]:
            if group == "W_1" and first_step[group] == 2:
                return not_yet("W_1 does not move at step 2: its gradient is h^T((∂ℓ/∂h_l W_2^T) ⊙ φ′), and W_2 "
                               "is still 0 during step 2's backward pass.")
            if group == "head" and first_step[group] != 1:
                return not_yet("the head moves at step 1: its input h_L is not zero, so it gets h_L^T ∂ℓ/∂out.")
            return not_yet(f"{group} first moves after step {reference[group]}, not {first_step[group]!r}.")
    return right("step 1 moves only the head, step 2 the input layer, W_2 and b_2, and W_1, b_1 wait for a "
                 "nonzero W_2: the zeros sit at the ends of the paths, and each moved layer unblocks the one before.")


def selu_constants(scale, alpha):
    r"""Exercise ``ex-ch7-selu-constants``: pass the :math:`\lambda` (``scale``) and :math:`\alpha` that make
    :math:`(0, 1)` a fixed point of SELU's map."""
    unanswered = _pair(scale, alpha, "λ and α")
    if unanswered is not None:
        return unanswered
    # α from the closed form of E[selu(ξ)] = 0, then λ from E[selu(ξ)²] = 1 by quadrature: a route of its own.
    alpha_ref = -math.sqrt(2 / math.pi) / (math.erfc(1 / math.sqrt(2)) * math.exp(0.5) - 1)
    elu = activations.get("elu", alpha=alpha_ref)
    scale_ref = 1 / math.sqrt(gaussian.expectation(lambda z: elu(z) ** 2, 1.0))
    swapped = "you swapped them: λ ≈ 1.05 is the scale, α ≈ 1.67 the negative saturation"
    return combine(
        number(scale, scale_ref, "λ", rtol=1e-4, slips=[(alpha_ref, swapped)]),
        number(alpha, alpha_ref, "α", rtol=1e-4, slips=[(scale_ref, swapped), (-alpha_ref, "the sign is off")],
               why="These are SELU's constants: the mean equation fixes α, then λ scales the second moment to 1."),
    )


@functools.cache
def _shifted_fixed_point():
    mu, nu = 0.0, 1.0
    for _ in range(200):
        mu, nu = self_normalization.selu_map(mu, nu, omega=0.1, tau=1.05)
    return mu, nu


def shifted_fixed_point(mu, nu):
    r"""Exercise ``ex-ch7-selu-omega``: pass the fixed point :math:`(\mu, \nu)` of SELU's map at
    :math:`\omega = 0.1`, :math:`\tau = 1.05`."""
    unanswered = _pair(mu, nu, "the fixed point's μ and ν")
    if unanswered is not None:
        return unanswered
    mu_ref, nu_ref = _shifted_fixed_point()
    one_step = self_normalization.selu_map(0.0, 1.0, omega=0.1, tau=1.05)
    return combine(
        number(mu, mu_ref, "μ", rtol=0, atol=5e-4, slips=[
            (0.0, "you kept the fixed point of ω = 0; iterate the map at ω = 0.1, τ = 1.05"),
            (one_step[0], "you applied the map once; iterate until it stops moving")]),
        number(nu, nu_ref, "ν", rtol=1e-3, slips=[
            (1.0, "you kept the fixed point of ω = 0; iterate the map at ω = 0.1, τ = 1.05"),
            (one_step[1], "you applied the map once; iterate until it stops moving")],
            why="It moves off (0, 1) but stays in the paper's domain, and attracting."),
    )
