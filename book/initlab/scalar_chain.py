r"""A chain of scalar units: the gradient of the first weight as a product of one factor per unit (chapter 1).

Unit :math:`k` of the chain computes :math:`z_k = w_k h_{k-1} + b_k` and :math:`h_k = f(z_k)`, with
:math:`h_0 = x`; the last unit :math:`L` is linear (:math:`h_L = z_L`), as in :class:`initlab.MLP`.
The chain rule, applied once per unit, gives

.. math::
    \frac{\partial h_L}{\partial w_1}
    = \Big(\prod_{k=2}^{L} w_k\, f'(z_k)\Big)\, f'(z_1)\, x ,
    \qquad f'(z_L) = 1 \text{ for the linear last unit.}

- :func:`first_weight_gradient`: the factors :math:`w_k f'(z_k)` and the product above;
- :func:`window_width`: for the sigmoid, the width of the interval of inputs :math:`h` on which one factor
  :math:`\lvert w\,\sigma'(w h + b)\rvert` reaches 1, :math:`2 z^*/\lvert w\rvert` with
  :math:`z^* = 2\operatorname{artanh}\sqrt{1 - 4/\lvert w\rvert}` (0 for :math:`\lvert w\rvert \le 4`);
- :func:`window_share`: the same share measured on a grid of inputs.
"""

import math

import numpy as np

from . import activations as _activations
from ._checks import finite_number, positive_int

__all__ = ["first_weight_gradient", "window_width", "window_share"]


def _numbers(values, name):
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence of numbers, got shape {values.shape}")
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{name} must hold finite numbers, got {values}")
    return values


def first_weight_gradient(weights, biases, x, activation="sigmoid"):
    r"""``(factors, gradient)`` for the scalar chain with ``weights`` :math:`w_1..w_L` and ``biases``
    :math:`b_1..b_L` on the input ``x``, in float64.

    ``factors[k - 2]`` is :math:`w_k f'(z_k)` for :math:`k = 2..L` (with :math:`f' = 1` at the linear last
    unit) and ``gradient`` is :math:`\partial h_L/\partial w_1 = \prod_k w_k f'(z_k) \cdot f'(z_1)\, x`.
    """
    phi = _activations.get(activation)
    w, b = _numbers(weights, "weights"), _numbers(biases, "biases")
    if w.size < 2 or b.size != w.size:
        raise ValueError(f"weights and biases must have the same length, at least 2 (a hidden unit and the "
                         f"linear output); got {w.size} weights and {b.size} biases")
    h = finite_number(x, "x")
    slopes = []
    for k in range(w.size):
        z = w[k] * h + b[k]
        last = k == w.size - 1
        slopes.append(1.0 if last else float(phi.derivative(np.float64(z))))
        h = z if last else float(phi(np.float64(z)))
    factors = w[1:] * np.array(slopes[1:])
    return factors, float(np.prod(factors) * slopes[0] * finite_number(x, "x"))


def window_width(w):
    r"""The length of the interval of inputs :math:`h` on which :math:`\lvert w\,\sigma'(w h + b)\rvert \ge 1`.

    :math:`\sigma' = \sigma(1 - \sigma)` equals :math:`1/\lvert w\rvert` where
    :math:`\sigma = \tfrac12\big(1 \pm \sqrt{1 - 4/\lvert w\rvert}\big)`, i.e. at
    :math:`z = \pm z^*`, :math:`z^* = \ln\frac{\sigma}{1-\sigma} = 2\operatorname{artanh}\sqrt{1 - 4/\lvert w\rvert}`;
    in between :math:`\sigma'` is larger. So :math:`\lvert w h + b\rvert \le z^*`, an interval of length
    :math:`2z^*/\lvert w\rvert` whatever :math:`b` is; about :math:`2\ln\lvert w\rvert/\lvert w\rvert` for large
    :math:`\lvert w\rvert`, and 0 when :math:`\lvert w\rvert \le 4` (then :math:`\lvert w\sigma'\rvert \le 1`
    everywhere, reaching 1 only at one point when :math:`\lvert w\rvert = 4`).
    """
    w = abs(finite_number(w, "w"))
    if w <= 4.0:
        return 0.0
    return 4.0 * math.atanh(math.sqrt(1.0 - 4.0 / w)) / w


def window_share(w, points=100_001):
    r"""The share of ``points`` equally spaced inputs :math:`h \in [0, 1]` with
    :math:`\lvert w\,\sigma'(w h - w/2)\rvert \ge 1` (the bias centres the window at :math:`h = 1/2`),
    to compare with :func:`window_width` (the share is the width when the window fits in [0, 1])."""
    w = finite_number(w, "w")
    points = positive_int(points, "points")
    if points < 2:
        raise ValueError(f"points must be at least 2, got {points}")
    h = np.linspace(0.0, 1.0, points)
    slope = _activations.get("sigmoid").derivative(w * h - w / 2)
    return float(np.mean(np.abs(w * slope) >= 1.0))
