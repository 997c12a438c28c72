r"""Mean-field signal propagation: what the variance of the signal does, layer by layer, in a wide network.

Layer :math:`k` computes :math:`z_k = W_k h_{k-1} + b_k`, :math:`h_k = \phi(z_k)`, with independent weights
of variance :math:`\sigma_w^2/n_{\text{in}}` and biases of variance :math:`\sigma_b^2`. Each unit of
:math:`z_k` is a sum of many independent terms, so it is close to Gaussian, with variance
(Poole et al. 2016)

.. math:: q_1 = \sigma_w^2\,\overline{x^2} + \sigma_b^2, \qquad
          q_{k+1} = \sigma_w^2\,\mathbb E\big[\phi(\sqrt{q_k}\,\xi)^2\big] + \sigma_b^2, \quad \xi\sim\mathcal N(0,1),

the *length map*. Backward, each layer multiplies the mean square of the back-propagated gradient by
:math:`\sigma_w^2\,\mathbb E[\phi'(\sqrt{q_k}\,\xi)^2]` (with :math:`\sigma_w^2 = n_{\text{out}}\operatorname{Var}(W)`
when the widths differ). Expectations come from :func:`initlab.gaussian.expectation`.
"""

import numbers

import numpy as np

from . import activations as _activations
from ._checks import finite_number, positive_int
from .gaussian import expectation

__all__ = ["length_map", "forward_variances", "gradient_factor", "activation_std"]


def length_map(activation, q, sigma_w, sigma_b=0.0):
    """``σ_w² E[φ(√q ξ)²] + σ_b²``: the pre-activation variance of the next layer, given this layer's ``q``."""
    phi = _activations.get(activation)
    q = finite_number(q, "q", nonnegative=True)
    sigma_w = finite_number(sigma_w, "sigma_w", nonnegative=True)
    sigma_b = finite_number(sigma_b, "sigma_b", nonnegative=True)
    return sigma_w ** 2 * expectation(lambda z: phi(z) ** 2, np.sqrt(q)) + sigma_b ** 2


def forward_variances(activation, sigma_w, depth, input_second_moment=1.0, sigma_b=0.0):
    """The predicted pre-activation variances ``q_1, ..., q_depth`` (a float64 array).

    ``sigma_w`` is one number for every layer or a sequence of ``depth`` numbers, each
    ``√(n_in Var(W_k))``; ``input_second_moment`` is the mean of ``x²`` over the input's entries.
    """
    phi = _activations.get(activation)
    depth = positive_int(depth, "depth")
    if isinstance(sigma_w, numbers.Real):
        sigma_w = [sigma_w] * depth
    sigma_w = [finite_number(s, "sigma_w", nonnegative=True) for s in sigma_w]
    if len(sigma_w) != depth:
        raise ValueError(f"sigma_w must be one number or {depth} numbers (one per layer), got {len(sigma_w)}")
    m = finite_number(input_second_moment, "input_second_moment", nonnegative=True)
    sigma_b = finite_number(sigma_b, "sigma_b", nonnegative=True)
    q = [sigma_w[0] ** 2 * m + sigma_b ** 2]
    for s in sigma_w[1:]:
        q.append(length_map(phi, q[-1], s, sigma_b))
    return np.array(q)


def gradient_factor(activation, q, sigma_w):
    """``σ_w² E[φ'(√q ξ)²]``: how much one layer multiplies the mean square of the back-propagated
    gradient, at pre-activation variance ``q``. Above 1 gradients grow towards the input, below 1 they
    vanish; at the length map's fixed point this is the χ₁ of Poole et al. (2016)."""
    phi = _activations.get(activation)
    q = finite_number(q, "q", nonnegative=True)
    sigma_w = finite_number(sigma_w, "sigma_w", nonnegative=True)
    return sigma_w ** 2 * expectation(lambda z: phi.derivative(z) ** 2, np.sqrt(q))


def activation_std(activation, q):
    """``√(E[φ(√q ξ)²] − E[φ(√q ξ)]²)``: the predicted standard deviation of a layer's outputs
    ``h = φ(z)`` when its pre-activations have variance ``q`` (over units and examples). The
    second term matters for activations with a non-zero mean output: relu, sigmoid, selu."""
    phi = _activations.get(activation)
    std = np.sqrt(finite_number(q, "q", nonnegative=True))
    mean = expectation(phi, std)
    return float(np.sqrt(max(expectation(lambda z: phi(z) ** 2, std) - mean ** 2, 0.0)))
