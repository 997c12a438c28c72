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

import math
import numbers

import numpy as np

from . import activations as _activations
from ._checks import finite_number, positive_int
from .gaussian import expectation, expectation_pair, moments

__all__ = ["length_map", "forward_variances", "gradient_factor", "activation_std", "length_map_slope",
           "fixed_point", "chi1", "correlation_map", "correlation_fixed_point", "depth_scales",
           "critical_sigma_w",
           "critical_line", "relu_backward_norms", "relu_kernel"]


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
    mean, second = moments(phi, std)
    return float(np.sqrt(max(second - mean ** 2, 0.0)))


# The edge of chaos (Poole et al. 2016; Schoenholz et al. 2017) -----------------------------------

_Q_MAX = 1e12  # a variance beyond this counts as growing without bound
_Q_MIN = 1e-8  # below this the quadrature (relative error ~1e-10) cannot tell ℒ(q) − q from 0


def _root(f, lo, hi, f_lo=None, f_hi=None, rtol=1e-13):
    """A zero of ``f`` in ``[lo, hi]``, where ``f(lo)`` and ``f(hi)`` differ in sign (or one is 0).

    Regula falsi with the Illinois modification: as safe as bisection (the bracket always holds a zero),
    and superlinear for the smooth functions here, so a dozen or so evaluations instead of fifty.
    """
    f_lo = f(lo) if f_lo is None else f_lo
    f_hi = f(hi) if f_hi is None else f_hi
    side = 0
    for _ in range(200):
        if f_lo == 0.0 or hi - lo <= rtol * max(abs(lo), abs(hi)):
            return lo if abs(f_lo) <= abs(f_hi) else hi
        if f_hi == 0.0:
            return hi
        mid = (lo * f_hi - hi * f_lo) / (f_hi - f_lo)
        if not lo < mid < hi:
            mid = (lo + hi) / 2
        f_mid = f(mid)
        if (f_mid > 0) == (f_lo > 0):
            lo, f_lo = mid, f_mid
            f_hi = f_hi / 2 if side == -1 else f_hi
            side = -1
        else:
            hi, f_hi = mid, f_mid
            f_lo = f_lo / 2 if side == 1 else f_lo
            side = 1
    return (lo + hi) / 2


def length_map_slope(activation, q, sigma_w):
    r"""``ℒ'(q) = σ_w² d/dq E[φ(√q ξ)²] = σ_w² E[φ(√q ξ)² (ξ² − 1)] / (2q)``: how a small change of ``q``
    is carried to the next layer. The second form follows from differentiating the Gaussian density,
    :math:`\partial_q\, e^{-z^2/2q}/\sqrt{2\pi q} = \frac{z^2/q - 1}{2q}\, e^{-z^2/2q}/\sqrt{2\pi q}`,
    and needs no derivative of φ. At ``q = 0`` it is the limit ``σ_w² φ'(0)²`` (for φ(0) = 0)."""
    phi = _activations.get(activation)
    q = finite_number(q, "q", nonnegative=True)
    sigma_w = finite_number(sigma_w, "sigma_w", nonnegative=True)
    if q == 0.0:
        return gradient_factor(phi, 0.0, sigma_w)
    std = math.sqrt(q)
    return sigma_w ** 2 * expectation(lambda z: phi(z) ** 2 * ((z / std) ** 2 - 1), std) / (2 * q)


def fixed_point(activation, sigma_w, sigma_b=0.0, q0=1.0):
    r"""``q* = lim q_k``: the fixed point ``ℒ(q*) = q*`` of the length map that ``q_1 = q0`` converges to.

    ``ℒ`` increases with ``q`` for the book's activations, so the iteration moves monotonically from
    ``q0`` towards the nearest fixed point in the direction of ``ℒ(q0) − q0``; that fixed point is found
    by bracketing and root finding on ``ℒ(q) − q``, not by iterating, which at the critical point
    (tanh, ``σ_w = 1``, ``σ_b = 0``) would approach ``q* = 0`` only like ``1/(2k)``.

    Returns ``0.0`` when the variance dies out (odd φ, ``σ_b = 0`` and ``σ_w φ'(0) ≤ 1``; a fixed point
    below 1e-8 is reported as 0, since the quadrature cannot resolve ``ℒ(q) − q`` there), ``math.inf``
    when it grows without bound (relu with ``σ_w > √2``, or ``σ_w = √2`` and ``σ_b > 0``), and ``q0``
    itself when ``ℒ(q0) = q0`` (relu at ``σ_w = √2``, ``σ_b = 0``, where every ``q`` is a fixed point).
    """
    phi = _activations.get(activation)
    sigma_w = finite_number(sigma_w, "sigma_w", nonnegative=True)
    sigma_b = finite_number(sigma_b, "sigma_b", nonnegative=True)
    q0 = finite_number(q0, "q0", positive=True)

    def gap(q):
        return length_map(phi, q, sigma_w, sigma_b) - q

    g0 = gap(q0)
    if abs(g0) <= 1e-9 * q0:
        return q0
    q, g = q0, g0
    if g0 > 0:
        while g > 0:
            if q > _Q_MAX:
                return math.inf
            q_prev, g_prev = q, g
            q, g = 4 * q, gap(4 * q)
        return _root(gap, q_prev, q, g_prev, g)
    while g < 0:
        if q < _Q_MIN:
            return 0.0
        q_prev, g_prev = q, g
        q, g = q / 4, gap(q / 4)
    return _root(gap, q, q_prev, g, g_prev)


def _finite_fixed_point(phi, sigma_w, sigma_b):
    q = fixed_point(phi, sigma_w, sigma_b)
    if math.isinf(q):
        raise ValueError(f"{phi.name} with sigma_w={sigma_w:g}, sigma_b={sigma_b:g} has no finite fixed point: "
                         "the variance grows without bound (choose a smaller sigma_w)")
    return q


def chi1(activation, sigma_w, sigma_b=0.0):
    r"""``χ₁ = σ_w² E[φ'(√q* ξ)²]``: the :func:`gradient_factor` at the fixed point ``q*``.

    It is the slope of the correlation map at ``c = 1`` (Poole et al. 2016): below 1 (ordered phase)
    nearby inputs converge and gradients vanish, above 1 (chaotic phase) they decorrelate and gradients
    explode. Raises ``ValueError`` when ``q*`` is infinite.
    """
    phi = _activations.get(activation)
    sigma_w = finite_number(sigma_w, "sigma_w", nonnegative=True)
    sigma_b = finite_number(sigma_b, "sigma_b", nonnegative=True)
    return gradient_factor(phi, _finite_fixed_point(phi, sigma_w, sigma_b), sigma_w)


def correlation_map(activation, c, q, sigma_w, sigma_b=0.0):
    r"""The correlation of two inputs' pre-activations at the next layer, given ``c`` at this one.

    .. math:: c' = \frac{\sigma_w^2\,\mathbb E[\phi(u_1)\phi(u_2)] + \sigma_b^2}{\mathcal L(q)},

    where ``(u1, u2)`` is Gaussian with variances ``q`` and correlation ``c`` (both inputs at the same
    ``q``) and ``ℒ(q)`` is the next layer's variance (Poole et al. 2016, eq. 5).
    """
    phi = _activations.get(activation)
    c = finite_number(c, "c")
    if not -1.0 <= c <= 1.0:
        raise ValueError(f"c must be a correlation in [-1, 1], got {c}")
    q = finite_number(q, "q", nonnegative=True)
    sigma_w = finite_number(sigma_w, "sigma_w", nonnegative=True)
    sigma_b = finite_number(sigma_b, "sigma_b", nonnegative=True)
    q_next = length_map(phi, q, sigma_w, sigma_b)
    if q_next == 0.0:
        raise ValueError(f"q={q:g} and sigma_b=0 give the next layer variance 0: the correlation is undefined")
    return (sigma_w ** 2 * expectation_pair(lambda a, b: phi(a) * phi(b), math.sqrt(q), c) + sigma_b ** 2) / q_next


def correlation_fixed_point(activation, sigma_w, sigma_b=0.0):
    r"""``c*``: the stable fixed point of :func:`correlation_map` at ``q = q*``.

    ``c = 1`` is always a fixed point; it is the stable one when ``χ₁ ≤ 1`` (ordered phase). When
    ``χ₁ > 1`` (chaotic phase) the map lies below the diagonal just left of 1 and at or above it at
    ``c = 0`` (its value there is ``(σ_w² E[φ(u)]² + σ_b²)/q* ≥ 0``), so a second fixed point
    ``0 ≤ c* < 1`` lies in between; it is found by root finding on ``C(c) − c``.
    """
    phi = _activations.get(activation)
    sigma_w = finite_number(sigma_w, "sigma_w", nonnegative=True)
    sigma_b = finite_number(sigma_b, "sigma_b", nonnegative=True)
    q = _finite_fixed_point(phi, sigma_w, sigma_b)
    if q == 0.0 or gradient_factor(phi, q, sigma_w) <= 1.0:
        return 1.0

    def gap(c):
        return correlation_map(phi, c, q, sigma_w, sigma_b) - c

    g0 = gap(0.0)
    gap_near_one, eps = gap(0.5), 0.5
    while gap_near_one >= 0:
        eps /= 8
        if eps < 1e-12:
            return 1.0  # χ₁ within rounding of 1: c* and 1 cannot be told apart
        gap_near_one = gap(1 - eps)
    return _root(gap, 0.0, 1 - eps, g0, gap_near_one) if g0 > 0 else 0.0


def depth_scales(activation, sigma_w, sigma_b=0.0):
    r"""``(ξ_q, ξ_c)``: how many layers it takes for a deviation of ``q`` from ``q*``, and of ``c`` from
    ``c*``, to shrink by a factor ``e`` (Schoenholz et al. 2017, eqs. 6 and 9):

    .. math:: \xi_q = -1/\ln \mathcal L'(q^*), \qquad
              \xi_c = -1/\ln \chi_{c^*}, \quad \chi_{c^*} = \sigma_w^2\,\mathbb E[\phi'(u_1)\phi'(u_2)]
              \text{ at } c = c^*,

    where ``χ_{c*}`` is the slope of the correlation map at ``c*`` (``= χ₁`` in the ordered phase,
    where ``c* = 1``). A slope of 1 (the critical line for ``ξ_c``) gives ``math.inf``.
    """
    phi = _activations.get(activation)
    sigma_w = finite_number(sigma_w, "sigma_w", nonnegative=True)
    sigma_b = finite_number(sigma_b, "sigma_b", nonnegative=True)
    q = _finite_fixed_point(phi, sigma_w, sigma_b)
    c = correlation_fixed_point(phi, sigma_w, sigma_b)
    slope_q = length_map_slope(phi, q, sigma_w)
    slope_c = sigma_w ** 2 * expectation_pair(lambda a, b: phi.derivative(a) * phi.derivative(b), math.sqrt(q), c)

    def scale(slope):
        return -1.0 / math.log(slope) if 0.0 < slope < 1.0 - 1e-12 else (math.inf if slope > 0 else 0.0)

    return scale(slope_q), scale(slope_c)


def critical_sigma_w(activation, sigma_b=0.0):
    r"""The ``σ_w`` at which ``χ₁ = 1`` for this ``σ_b``: a point of the critical line (edge of chaos).

    Found as Poole et al. (2016) draw the line, parametrised by ``q``: ``χ₁ = 1`` at ``q* = q`` means
    ``σ_w² = 1/E[φ'(√q ξ)²]``, and ``q`` is then a fixed point when
    ``σ_b² = q − E[φ(√q ξ)²]/E[φ'(√q ξ)²]``; this is solved for ``q`` by root finding. For φ(0) = 0 at
    ``σ_b = 0`` the answer is the limit ``q → 0``, ``1/|φ'(0)|``. Raises ``ValueError`` when no ``q`` up
    to 1e12 fits (relu with ``σ_b > 0``: its ``χ₁ = σ_w²/2`` reaches 1 only where ``q*`` is infinite).
    """
    phi = _activations.get(activation)
    sigma_b = finite_number(sigma_b, "sigma_b", nonnegative=True)

    def slope2(q):
        return expectation(lambda z: phi.derivative(z) ** 2, math.sqrt(q))

    def gap(q):
        return q - expectation(lambda z: phi(z) ** 2, math.sqrt(q)) / slope2(q) - sigma_b ** 2

    tiny = 1e-12
    if sigma_b == 0.0 and float(phi(np.zeros(1))[0]) == 0.0:
        return 1.0 / math.sqrt(slope2(tiny))
    lo, g_lo = tiny, gap(tiny)
    hi, g_hi = lo, g_lo
    while g_hi < 0:
        lo, g_lo = hi, g_hi
        hi *= 4
        if hi > _Q_MAX:
            raise ValueError(f"{phi.name} has no critical sigma_w at sigma_b={sigma_b:g}: "
                             "χ₁ = 1 is not reached at any finite fixed point")
        g_hi = gap(hi)
    return 1.0 / math.sqrt(slope2(_root(gap, lo, hi, g_lo, g_hi)))


def critical_line(activation, sigma_bs):
    """The critical ``σ_w`` for each ``σ_b`` in ``sigma_bs`` (:func:`critical_sigma_w`), a float64 array:
    the line between the ordered and the chaotic phase on the (σ_w, σ_b) diagram."""
    return np.array([critical_sigma_w(activation, s) for s in sigma_bs])


def relu_backward_norms(output_norm, depth, scale):
    r"""Typical ``‖∂ℓ/∂h_k‖`` for ``k = 1 .. depth + 1`` in a relu MLP with weights N(0, scale²/fan_in).

    Going down one layer multiplies the norm by ``scale`` through the linear output layer, then by
    :math:`\sigma_w\sqrt{\overline{f'(z)^2}} = \sigma_w/\sqrt2` through each hidden relu layer (half of
    the units pass the gradient), from the measured output gradient ``output_norm`` (chapter 1).
    """
    below_output = depth - np.arange(1, depth + 1)  # hidden layers between h_k and h_depth
    hidden = output_norm * scale * (scale / math.sqrt(2)) ** below_output
    return np.append(hidden, output_norm)


def relu_kernel(h, variance=1.0):
    r"""The matrix :math:`K_{ij} = \mathbb E_w[\,\mathrm{relu}(h_i\cdot w)\,\mathrm{relu}(h_j\cdot w)\,]`,
    :math:`w \sim \mathcal N(0, \text{variance}\; I)`, over the rows :math:`h_i` of ``h`` (Cho & Saul, 2009):

    .. math:: K_{ij} = \frac{\text{variance}\,\lVert h_i\rVert\lVert h_j\rVert}{2\pi}\big(\sin\theta_{ij} + (\pi - \theta_{ij})\cos\theta_{ij}\big),

    with :math:`\theta_{ij}` the angle between :math:`h_i` and :math:`h_j`; on the diagonal,
    :math:`\text{variance}\,\lVert h_i\rVert^2/2`. Float64.
    """
    h = np.asarray(h, dtype=np.float64)
    if h.ndim != 2 or h.shape[0] == 0:
        raise ValueError(f"h must be a 2-D array (one example per row), got shape {h.shape}")
    variance = finite_number(variance, "variance", nonnegative=True)
    lengths = np.linalg.norm(h, axis=1)
    outer = np.outer(lengths, lengths)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.where(outer > 0, h @ h.T / np.where(outer > 0, outer, 1.0), 1.0)
    theta = np.arccos(np.clip(cos, -1.0, 1.0))
    return variance * outer / (2 * np.pi) * (np.sin(theta) + (np.pi - theta) * np.cos(theta))
