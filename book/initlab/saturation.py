r"""Where an activation saturates, and how often a Gaussian pre-activation lands there.

A unit *saturates* where its slope is tiny compared with the activation's steepest slope:
the saturated set of :math:`f` is

.. math:: S_c(f) = \{x : \lvert f'(x)\rvert < c \sup_t \lvert f'(t)\rvert\},

with :math:`c = 1\%` by default. For :math:`z \sim \mathcal N(0, s^2)` the fraction of saturated units
is :math:`P(z \in S_c) = \sum_{(a, b)} \Phi(b/s) - \Phi(a/s)` over the intervals of :math:`S_c`
(for the sigmoid and tanh, :math:`2(1 - \Phi(x_{\text{sat}}/s))`), and the mean slope
:math:`\mathbb E[f'(z)]` comes from :func:`initlab.gaussian.expectation`. :func:`sample` gives both
by Monte Carlo, with standard errors, to check them. :func:`dead_fraction` counts the units of a
network whose slope is exactly 0 on every input of a data set (dead relu units).
"""

import math
from dataclasses import dataclass

import numpy as np

from . import activations as _activations
from . import layer_stats
from ._checks import finite_number, generator, positive_int
from .gaussian import expectation

__all__ = ["PEAK_FRACTION", "peak_slope", "saturated_intervals", "saturated_fraction", "expected_derivative",
           "closed_form_slope", "Sampled", "sample", "dead_fraction"]

#: The default c: a unit is saturated where its slope is below 1 % of the activation's peak slope.
PEAK_FRACTION = 0.01

# Every activation of the book is monotone in |f'| beyond ±_REACH, so an interval that reaches the grid's
# end goes on to infinity. A grid step of 1e-3 resolves GELU's narrow dip around x ≈ -0.75 (width ≈ 0.02).
_REACH = 60.0
_GRID = np.linspace(-_REACH, _REACH, 120_001)  # step 1e-3, contains 0 (relu's kink, selu's peak)


def peak_slope(activation):
    r""":math:`\sup_x \lvert f'(x)\rvert`, the steepest slope (on a grid of step 1e-3 that contains 0; the
    relative error at a smooth maximum is below 1e-6). Sigmoid: 1/4; tanh, relu: 1; selu: :math:`\lambda\alpha`."""
    f = _activations.get(activation)
    return float(np.max(np.abs(f.derivative(_GRID))))


def _fraction(fraction):
    fraction = finite_number(fraction, "fraction")
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be in (0, 1), got {fraction}")
    return fraction


def saturated_intervals(activation, fraction=PEAK_FRACTION):
    r"""The intervals ``(a, b)`` whose union is :math:`S_c(f)`, left to right, with ``-inf``/``inf`` ends.

    Boundaries come from a grid of step 1e-3 on [-60, 60], each refined by bisection to 1e-12.
    For the sigmoid the result is :math:`(-\infty, -x_{\text{sat}}), (x_{\text{sat}}, \infty)` with
    :math:`x_{\text{sat}} = 2\operatorname{arccosh}(1/\sqrt c)`; for relu, :math:`(-\infty, 0)`.
    """
    f = _activations.get(activation)
    level = _fraction(fraction) * peak_slope(f)

    def inside(x):
        return np.abs(f.derivative(np.asarray(x, dtype=np.float64))) < level

    flags = inside(_GRID)
    changes = np.flatnonzero(flags[1:] != flags[:-1])  # S changes between _GRID[i] and _GRID[i + 1]
    edges = []
    for i in changes:
        lo, hi = float(_GRID[i]), float(_GRID[i + 1])
        lo_inside = bool(flags[i])
        while hi - lo > 1e-12:
            mid = 0.5 * (lo + hi)
            if bool(inside([mid])[0]) == lo_inside:
                lo = mid
            else:
                hi = mid
        edges.append(0.5 * (lo + hi))
    ends = ([-math.inf] if flags[0] else []) + edges + ([math.inf] if flags[-1] else [])
    return list(zip(ends[::2], ends[1::2]))


_ERFC = np.vectorize(math.erfc, otypes=[np.float64])


def _std_normal_cdf(x):
    # erfc keeps the far tail's relative accuracy, where 1 - Φ would round to 0.
    return 0.5 * _ERFC(-np.asarray(x, dtype=np.float64) / math.sqrt(2.0))


def saturated_fraction(activation, std, fraction=PEAK_FRACTION):
    r""":math:`P(z \in S_c(f))` for :math:`z \sim \mathcal N(0, \text{std}^2)`, exactly, from the
    intervals of :func:`saturated_intervals`: :math:`\sum \Phi(b/s) - \Phi(a/s)`.

    ``std`` is a positive number (the result is a float) or an array of them (an array of fractions).
    """
    stds = np.asarray(std, dtype=np.float64) if not isinstance(std, (str, bytes)) else None
    if stds is None or not np.all(np.isfinite(stds)) or not np.all(stds > 0):
        raise ValueError(f"std must be a positive finite number or an array of them, got {std!r}")
    total = np.zeros_like(stds)
    for a, b in saturated_intervals(activation, fraction):
        total += _std_normal_cdf(b / stds) - _std_normal_cdf(a / stds)
    return float(total) if total.ndim == 0 else total


def expected_derivative(activation, std):
    r""":math:`\mathbb E[f'(z)]` for :math:`z \sim \mathcal N(0, \text{std}^2)`, by quadrature."""
    f = _activations.get(activation)
    return expectation(f.derivative, finite_number(std, "std", nonnegative=True))


def closed_form_slope(activation, std):
    r""":math:`\mathbb E[f'(z)]` for :math:`z \sim \mathcal N(0, s^2)` in closed form, where one exists.

    With :math:`P(z > 0) = \tfrac12`: relu :math:`\tfrac12`; leaky relu (slope :math:`a` on the left)
    :math:`\tfrac12 + a/2`; gelu :math:`\tfrac12` (:math:`\mathbb E[\Phi(z)] = \tfrac12` and
    :math:`z\varphi(z)` is odd); elu :math:`\tfrac12 + \alpha\,e^{s^2/2}\,\Phi(-s)` (default :math:`\alpha = 1`)
    (complete the square: :math:`\mathbb E[e^{z}\mathbb 1\{z<0\}] = e^{s^2/2}\,\Phi(-s)`); selu
    :math:`\lambda` times elu with its own :math:`\alpha`. A check on :func:`expected_derivative`'s
    quadrature; other activations raise ``ValueError``.
    """
    s = finite_number(std, "std", positive=True)
    f = _activations.get(activation)
    name, slope = f.name, f.params.get("negative_slope", 0.01)

    def elu_part(alpha):
        return 0.5 + alpha * math.exp(s * s / 2) * float(_std_normal_cdf(-s))

    forms = {"relu": lambda: 0.5, "leaky_relu": lambda: 0.5 + slope / 2, "gelu": lambda: 0.5,
             "elu": lambda: elu_part(f.params.get("alpha", 1.0)),
             "selu": lambda: _activations.SELU_SCALE * elu_part(_activations.SELU_ALPHA)}
    if name not in forms:
        raise ValueError(f"activation must be one of {sorted(forms)} (those with a closed form), got {name!r}")
    return forms[name]()


@dataclass(frozen=True)
class Sampled:
    r"""Monte Carlo estimates from :func:`sample`: the mean slope with its standard error, and the
    saturated fraction of the ``n`` draws. The standard error of a fraction whose true value is
    :math:`p` is :math:`\sqrt{p(1-p)/n}` (:meth:`fraction_se`; evaluate it at the predicted :math:`p`,
    since a sample with no saturated draw would otherwise claim an error of 0)."""

    slope: float
    slope_se: float
    saturated: float
    n: int

    def fraction_se(self, p):
        r""":math:`\sqrt{p(1-p)/n}`, the standard error of a fraction ``p`` estimated from ``n`` draws."""
        p = finite_number(p, "p")
        if not 0 <= p <= 1:
            raise ValueError(f"p must be in [0, 1], got {p}")
        return math.sqrt(p * (1 - p) / self.n)


def sample(activation, std, n=100_000, fraction=PEAK_FRACTION, rng=0):
    r"""Estimate :math:`\mathbb E[f'(z)]` and :math:`P(z \in S_c)` from ``n`` draws of
    :math:`z \sim \mathcal N(0, \text{std}^2)` (float64). The standard error of a mean of ``n`` draws
    is their standard deviation over :math:`\sqrt n`."""
    f = _activations.get(activation)
    std = finite_number(std, "std", positive=True)
    n = positive_int(n, "n")
    if n < 2:
        raise ValueError(f"n must be at least 2 to estimate a standard error, got {n}")
    z = std * generator(rng).standard_normal(n)
    slopes = f.derivative(z)
    saturated = np.abs(slopes) < _fraction(fraction) * peak_slope(f)
    return Sampled(float(slopes.mean()), float(layer_stats.standard_error(slopes)), float(saturated.mean()), n)


def dead_fraction(model, x):
    """For each hidden layer of ``model``, the fraction of its units whose slope :math:`f'(z)` is exactly 0
    on *every* row of ``x`` (a relu unit with :math:`z \\le 0` on the whole data set: it passes no
    gradient, so no example can revive it). Runs ``model.forward(x, train=False)``."""
    with np.errstate(over="ignore", invalid="ignore"):
        model.forward(x, train=False)
    return np.array([float(np.mean(np.all(model.activation.derivative(z) == 0, axis=0)))
                     for z in model.pre_activations[:-1]])
