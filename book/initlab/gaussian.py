r"""Expectations of a function of a Gaussian variable, by quadrature.

For :math:`z \sim \mathcal N(0, s^2)`,

.. math:: \mathbb E[f(z)] = \int_{-\infty}^{\infty} f(z)\,\frac{e^{-z^2/2s^2}}{s\sqrt{2\pi}}\,dz
          \approx \sum_{i} w_i\, f(z_i)\,\frac{e^{-z_i^2/2s^2}}{s\sqrt{2\pi}},

with Gauss–Legendre nodes :math:`z_i` and weights :math:`w_i` on panels that cover :math:`[-10s, 10s]`
(the mass beyond :math:`10s` is :math:`1.5\times10^{-23}`), split at 0 and at :math:`\pm 10` where
they fall inside; for :math:`z \sim \mathcal N(\mu, s^2)` the panels cover :math:`\mu \pm 10s`. Why panels rather than Gauss–Hermite: every activation here has its kink or its
steepest part within a few units of 0 (relu's derivative jumps at 0, sigmoid's derivative is a bump
of width about 1). Panels that meet at 0 put the jump on a panel's end, and a panel of length at
most 10 there resolves the bump whatever :math:`s` is. Gauss–Hermite nodes near 0 are about
:math:`0.3s` apart, which at :math:`s = 10` steps right over sigmoid's bump.
"""

import numpy as np

from ._checks import finite_number

__all__ = ["expectation", "moments", "expectation_pair"]

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(400)
_REACH = 10.0  # in standard deviations
_STRUCTURE = 10.0  # every activation's kinks and bumps lie within this distance of 0
_PAIR_NODES, _PAIR_WEIGHTS = np.polynomial.legendre.leggauss(64)


def expectation(f, std=1.0, mean=0.0):
    """``E[f(z)]`` for ``z ~ N(mean, std²)``, a float (accurate to about 1e-10 for the book's activations,
    their derivatives and their squares, at any ``std`` from 1e-3 to 1e3).

    ``f`` takes a float64 array and returns an array of the same shape; ``std = 0`` gives ``f(mean)``.
    The panels meet at ``z = 0`` and ``z = ±10`` wherever those lie within ``mean ± 10·std``, so a kink
    at 0 stays on a panel's end when the mean is not 0.
    """
    weights, values = _weighted_values(f, std, mean)
    return float(np.sum(weights * values))


def moments(f, std=1.0, mean=0.0):
    """``(E[f(z)], E[f(z)²])``: the same two floats as ``expectation(f, ...)`` and
    ``expectation(lambda z: f(z) ** 2, ...)``, with ``f`` evaluated once."""
    weights, values = _weighted_values(f, std, mean)
    return float(np.sum(weights * values)), float(np.sum(weights * values ** 2))


def _weighted_values(f, std, mean):
    """The quadrature weights (density included) and ``f`` at the nodes, for :func:`expectation`."""
    if not callable(f):
        raise TypeError(f"f must be a function of an array, got {type(f).__name__}")
    std = finite_number(std, "std", nonnegative=True)
    mean = finite_number(mean, "mean")
    if std == 0.0:
        return np.ones(1), np.asarray(f(np.full(1, mean)), dtype=np.float64)[:1]
    low, high = mean - _REACH * std, mean + _REACH * std
    inner = [c for c in (-_STRUCTURE, 0.0, _STRUCTURE, mean) if low < c < high]
    ends = np.unique([low, high] + inner)
    half = np.diff(ends)[:, None] / 2
    z = (ends[:-1, None] + half * (_NODES + 1)).ravel()
    w = (half * _WEIGHTS).ravel()
    density = np.exp(-0.5 * ((z - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi))
    values = np.asarray(f(z), dtype=np.float64)
    if values.shape != z.shape:
        raise ValueError(f"f must return one value per input (shape {z.shape}), got shape {values.shape}")
    return w * density, values


def _panel_rule(mean, std):
    """Nodes and weights (density included) of the panel rule for ``N(mean, std²)``, one row per mean.

    The same panels as :func:`expectation` (``mean ± 10·std``, split at 0 and ±10 where they fall
    inside), with 64 nodes each; a split point outside the range is clipped to its end, which makes
    a panel of length 0 (weight 0), so every row has the same number of nodes.
    """
    low, high = mean - _REACH * std, mean + _REACH * std
    cuts = np.clip(np.array([-_STRUCTURE, 0.0, _STRUCTURE])[None, :], low[:, None], high[:, None])
    ends = np.sort(np.column_stack([low, cuts, mean, high]), axis=1)
    half = np.diff(ends, axis=1)[:, :, None] / 2
    used = half.any(axis=(0, 2))  # a panel of length 0 in every row adds nothing: skip it
    ends, half = ends[:, np.append(used, True)], half[:, used]
    z = (ends[:, :-1, None] + half * (_PAIR_NODES + 1)).reshape(len(mean), -1)
    w = (half * _PAIR_WEIGHTS).reshape(len(mean), -1)
    return z, w * np.exp(-0.5 * ((z - mean[:, None]) / std) ** 2) / (std * np.sqrt(2 * np.pi))


def expectation_pair(f, std=1.0, corr=0.0):
    r"""``E[f(u1, u2)]`` for a Gaussian pair with mean 0, variances ``std²`` and correlation ``corr``.

    Written as an outer expectation over :math:`u_1 \sim \mathcal N(0, s^2)` of an inner one over
    :math:`u_2` given :math:`u_1`, which is :math:`\mathcal N(c\,u_1,\ s^2(1 - c^2))`; each is the panel
    rule of :func:`expectation` with 64 nodes per panel. The inner panels split at :math:`u_2 = 0`
    wherever it falls, so a kink of ``f`` at ``u2 = 0`` (relu) lies on a panel's end for every
    :math:`u_1`. Accurate to about 1e-9 for the book's activations and their derivatives
    (tests: relu's arc-cosine kernel, Monte Carlo for tanh); ``corr = ±1`` reduces to one dimension.
    """
    if not callable(f):
        raise TypeError(f"f must be a function of two arrays, got {type(f).__name__}")
    std = finite_number(std, "std", nonnegative=True)
    corr = finite_number(corr, "corr")
    if not -1.0 <= corr <= 1.0:
        raise ValueError(f"corr must be in [-1, 1], got {corr}")
    if std == 0.0 or abs(corr) == 1.0:
        return expectation(lambda u: f(u, corr * u), std)
    u1, w1 = _panel_rule(np.zeros(1), std)
    u1, w1 = u1[0], w1[0]
    u2, w2 = _panel_rule(corr * u1, std * np.sqrt(1 - corr ** 2))
    values = np.asarray(f(np.broadcast_to(u1[:, None], u2.shape), u2), dtype=np.float64)
    if values.shape != u2.shape:
        raise ValueError(f"f must return one value per pair of inputs (shape {u2.shape}), got shape {values.shape}")
    return float(np.sum(w1 * np.sum(w2 * values, axis=1)))
