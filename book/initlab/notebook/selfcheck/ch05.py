"""Self-checks for chapter 5, "The role of proper weight initialization" (``05_proper_initialization``).

Exercise 2 asks which parameters of an all-zero sigmoid network move; exercises 1 and 3 ask for numbers. The
reference answers are computed here: the second moment by quadrature, the network by running it.
"""

import functools
import math

import numpy as np

from ... import activations, gaussian, symmetry
from ...mlp import MLP
from ...training import train
from . import combine, no_answer, not_yet, number, right

__all__ = ["leaky_relu_gain", "sigmoid_zeros", "widening_factors"]

LEAKY_SLOPE = 0.2  # the slope a of exercise ex-pi-leaky
SMALL_NET = [64, 32, 32, 10]  # the network of section 5.1
PARAMETER_NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")


def leaky_relu_gain(second_moment, gain):
    r"""Exercise ``ex-pi-leaky``: pass :math:`\mathbb E[f(z)^2]` for :math:`z \sim \mathcal N(0, 1)` and the gain,
    both for the leaky relu with slope :math:`a = 0.2`. The moment may be a Monte Carlo estimate: 1 % is allowed,
    what :math:`10^4` samples reach (the relu's 1/2, the likeliest slip, is 4 % away)."""
    if second_moment is None and gain is None:
        return no_answer("E[f(z)²] and the gain")
    a = LEAKY_SLOPE
    leaky = activations.get("leaky_relu", negative_slope=a)
    moment = gaussian.expectation(lambda z: leaky(z) ** 2, 1.0)  # (1 + a²)/2 by the symmetry argument
    return combine(
        number(second_moment, moment, "E[f(z)²]", rtol=0.01, slips=[
            (0.5, "you dropped the negative side: that is relu's 1/2; for z < 0, f(z)² = a² z² adds a²/2"),
            ((1 + a) / 2, "you used a instead of a²: the negative side is (a z)², so it contributes a² Var(z)/2"),
            (1 + a * a, "you forgot that each side carries only half of E[z²]")],
            why="Each side of 0 carries half of E[z²], the negative one times a²: (1 + a²)/2."),
        number(gain, 1 / math.sqrt(moment), "the gain", rtol=0.005, slips=[
            (math.sqrt(2), "you took relu's gain √2, which ignores the slope a"),
            (math.sqrt(2 / (1 + a)), "you used a instead of a² in √(2/(1 + a²))"),
            (1 / moment, "you gave gain², the factor on Var(W); the gain multiplies the standard deviation"),
            (math.sqrt(moment), "you inverted it: the gain must undo E[f²] = (1 + a²)/2 Var(z), so gain² = 2/(1 + a²)")],
            why=f"It equals init.calculate_gain('leaky_relu', {a}) = √(2/(1 + a²))."),
    )


@functools.cache
def _sigmoid_zero_run():
    # The all-zero sigmoid network of the exercise, three SGD steps: what moved, and whether the units are twins.
    # Random pixel-like inputs stand in for the digits: the answer holds for any data.
    gen = np.random.default_rng(0)
    x, y = gen.random((256, SMALL_NET[0])).astype(np.float32), gen.integers(0, SMALL_NET[-1], 256)
    model = MLP(SMALL_NET, activation="sigmoid", init="zeros", rng=0)
    start = [p.copy() for p in model.parameters()]
    train(model, x, y, lr=0.1, steps=3, batch_size=64, rng=0)
    moved = {n for n, p, p0 in zip(PARAMETER_NAMES, model.parameters(), start) if np.any(p != p0)}
    twins = all(symmetry.unit_spread(w) <= 1e-6 for w in model.weights[:-1])
    return frozenset(moved), twins


def sigmoid_zeros(changed, twins):
    """Exercise ``ex-pi-sigmoid-zeros``: pass the names of the parameters that change (any of
    ``"W1", "b1", "W2", "b2", "W3", "b3"``) and whether the hidden units are still twins (True or False)."""
    if changed is None or twins is None:
        return no_answer("the changed parameter names (e.g. ['b3']) and True or False for twins")
    if isinstance(changed, str):
        changed = [changed]
    try:
        names = {str(n).strip() for n in changed}
    except TypeError:
        return not_yet(f"changed should be a list of parameter names such as ['W1', 'b1'], got {changed!r}.")
    unknown = names - set(PARAMETER_NAMES)
    if unknown:
        return not_yet(f"{sorted(unknown)} are not parameters of this network; its parameters are "
                       f"{', '.join(PARAMETER_NAMES)}.")
    moved, still_twins = _sigmoid_zero_run()
    if names == {"b3"}:
        return not_yet("only b3 moves with tanh, because tanh(0) = 0. With a sigmoid the hidden layers output "
                       "σ(0) = 1/2, not 0: what does that do to the gradient of W3?")
    if names != moved:
        missing = [n for n in PARAMETER_NAMES if n in moved - names]
        extra = [n for n in PARAMETER_NAMES if n in names - moved]
        return not_yet("not quite which parameters move: "
                       + "; ".join(s for s in [f"also {missing}" if missing else "",
                                               f"not {extra}" if extra else ""] if s) + ".")
    if not isinstance(twins, (bool, np.bool_)):
        return not_yet(f"twins should be True or False, got {twins!r}.")
    if bool(twins) != still_twins:
        return not_yet("every parameter moves, but that does not break the tie: the proof of the symmetry "
                       "proposition needs equal incoming and outgoing weights, not zeros, so the units stay twins.")
    return right("every parameter moves (σ(0) = 1/2 makes W3's gradient nonzero, and then the gradient flows "
                 "down), yet the hidden units stay twins: each layer still acts as one unit.")


def widening_factors(forward, backward):
    r"""Exercise ``ex-pi-widening``: pass the factors by which Xavier's initialization multiplies the forward
    :math:`\operatorname{Var}(z)` and the backward :math:`\mathbb E[g^2]` per layer, in a relu network with
    :math:`n_{\text{out}} = 2 n_{\text{in}}`."""
    if forward is None and backward is None:
        return no_answer("the forward and the backward factor")
    n_in, n_out = 64, 128  # any widths with n_out = 2 n_in give the same factors
    var_w = 2 / (n_in + n_out)  # Xavier's compromise
    relu = activations.get("relu")
    half = gaussian.expectation(lambda z: relu(z) ** 2, 1.0)  # E[relu(z)²]/Var(z) = E[relu'(z)²] = 1/2
    return combine(
        number(forward, n_in * var_w * half, "the forward factor", rtol=1e-3, slips=[
            (n_in * var_w, "you left out the relu's 1/2 (E[relu(z)²] = Var(z)/2), or swapped forward and backward"),
            (1.0, "you used He's fan_in rule, Var(W) = 2/n_in; Xavier's is 2/(n_in + n_out)"),
            (0.5, "you used LeCun's Var(W) = 1/n_in; Xavier's is 2/(n_in + n_out)")],
            why="n_in · 2/(3 n_in) · 1/2 = 1/3."),
        number(backward, n_out * var_w * half, "the backward factor", rtol=1e-3, slips=[
            (n_out * var_w, "you left out the relu's 1/2: relu' is 1 on half of the units, 0 on the others"),
            (n_in * var_w * half, "you used n_in: the backward sum runs over the n_out units of the layer"),
            (2.0, "you used He's fan_in rule, Var(W) = 2/n_in; Xavier's is 2/(n_in + n_out)")],
            why="2 n_in · 2/(3 n_in) · 1/2 = 2/3: both signals shrink under Xavier here."),
    )
