r"""Self-normalizing networks (Klambauer et al. 2017): the mean/variance map of a SELU layer.

A unit computes :math:`z = \sum_j w_j x_j` from inputs :math:`x_j` that are independent with mean
:math:`\mu` and variance :math:`\nu`. With :math:`\omega = \sum_j w_j` and :math:`\tau = \sum_j w_j^2`,
:math:`\mathbb E[z] = \mu\omega` and :math:`\operatorname{Var}(z) = \nu\tau`, and :math:`z` is close to
Gaussian for many inputs (central limit theorem). The unit's output :math:`\mathrm{selu}(z)` then has

.. math:: \tilde\mu = \mathbb E[\mathrm{selu}(z)], \qquad
          \tilde\nu = \mathbb E[\mathrm{selu}(z)^2] - \tilde\mu^2, \qquad z \sim \mathcal N(\mu\omega, \nu\tau),

the map :math:`\mathcal V: (\mu, \nu) \mapsto (\tilde\mu, \tilde\nu)` of their eqs. 3–5, computed here by quadrature
(:func:`initlab.gaussian.expectation`) rather than from the closed forms. At :math:`\omega = 0`,
:math:`\tau = 1` and :math:`\lambda \approx 1.0507`, :math:`\alpha \approx 1.6733` the point (0, 1) is a
stable fixed point.

The map is per unit, for weights with exactly :math:`\omega = 0`, :math:`\tau = 1`. Random LeCun-normal
weights have :math:`\omega_i \sim \mathcal N(0, 1)` per unit; pooled over units, :math:`z` is then
:math:`\mathcal N(0, \sigma_w^2(\nu + \mu^2))` instead (the mean-field length map of
:mod:`initlab.theory`): :func:`pooled_map`.
"""

import math

import numpy as np

from . import activations as _activations
from ._checks import finite_number, generator, one_of, positive_int
from .gaussian import moments

__all__ = ["selu_map", "pooled_map", "iterate", "map_jacobian", "centred_weights", "propagate", "simulate",
           "selu_density", "monte_carlo_map", "WEIGHTS"]

#: The weights :func:`simulate` draws: "centred" (every unit's ω = 0, τ = σ_w², the paper's setting) or
#: "gaussian" (N(0, σ_w²/n), LeCun normal at σ_w = 1).
WEIGHTS = ("centred", "gaussian")


def _selu(scale, alpha):
    elu = _activations.get("elu", alpha=alpha)
    return lambda z: scale * elu(z)


def _output_moments(f, mean, var):
    std = math.sqrt(var)
    m, m2 = moments(f, std, mean)
    return m, max(m2 - m * m, 0.0)


def selu_map(mu, nu, omega=0.0, tau=1.0, scale=_activations.SELU_SCALE, alpha=_activations.SELU_ALPHA):
    r"""``(μ̃, ν̃)``: the mean and variance of ``selu(z)`` for ``z ~ N(μω, ντ)`` (Klambauer et al. 2017, eqs. 3–5).

    ``scale`` and ``alpha`` are SELU's λ and α (default: the paper's values, those of
    :func:`initlab.activations.selu`).
    """
    mu, omega = finite_number(mu, "mu"), finite_number(omega, "omega")
    nu = finite_number(nu, "nu", positive=True)
    tau = finite_number(tau, "tau", positive=True)
    f = _selu(finite_number(scale, "scale", positive=True), finite_number(alpha, "alpha", positive=True))
    return _output_moments(f, mu * omega, nu * tau)


def pooled_map(mu, nu, activation="selu", sigma_w=1.0):
    r"""``(μ̃, ν̃)`` pooled over the units of a layer with weights ``N(0, σ_w²/n)``: mean and variance of
    ``f(z)``, ``z ~ N(0, σ_w²(ν + μ²))``.

    Each unit's :math:`\omega_i` is :math:`\mathcal N(0, \sigma_w^2)`, so over units the means
    :math:`\mu\omega_i` spread with variance :math:`\sigma_w^2\mu^2` around 0, on top of each unit's
    :math:`\nu\tau_i \approx \sigma_w^2\nu`: the input's mean turns into variance. This is the length map
    :math:`q \mapsto \sigma_w^2 \mathbb E[f(\sqrt q\,\xi)^2]` with :math:`q = \sigma_w^2\,\mathbb E[x^2]`.
    """
    f = _activations.get(activation)
    mu = finite_number(mu, "mu")
    nu = finite_number(nu, "nu", nonnegative=True)
    sigma_w = finite_number(sigma_w, "sigma_w", positive=True)
    q = sigma_w ** 2 * (nu + mu ** 2)
    if q == 0:
        return float(f(np.zeros(1))[0]), 0.0
    return _output_moments(lambda z: f(z).astype(np.float64), 0.0, q)


def iterate(mu, nu, depth, step=None):
    """``(means, variances)``, float64 arrays of ``depth + 1`` entries: the start, then ``depth`` applications
    of ``step`` (a function ``(μ, ν) -> (μ̃, ν̃)``; default :func:`selu_map` at ω = 0, τ = 1)."""
    depth = positive_int(depth, "depth")
    step = selu_map if step is None else step
    if not callable(step):
        raise TypeError(f"step must be a function (mu, nu) -> (mu, nu), got {type(step).__name__}")
    means, variances = [finite_number(mu, "mu")], [finite_number(nu, "nu", nonnegative=True)]
    for _ in range(depth):
        m, v = step(means[-1], variances[-1])
        means.append(m)
        variances.append(v)
    return np.array(means), np.array(variances)


def map_jacobian(mu=0.0, nu=1.0, omega=0.0, tau=1.0, h=1e-5):
    r"""The Jacobian :math:`\partial(\tilde\mu, \tilde\nu)/\partial(\mu, \nu)` of :func:`selu_map` at ``(μ, ν)``,
    by central differences of step ``h`` (error :math:`O(h^2)` plus quadrature error/``h``, about 1e-5)."""
    h = finite_number(h, "h", positive=True)
    nu = finite_number(nu, "nu", positive=True)
    if h >= nu:
        raise ValueError(f"h must be smaller than nu ({nu}), got {h}")
    jac = np.empty((2, 2))
    for j, (dmu, dnu) in enumerate([(h, 0.0), (0.0, h)]):
        plus = selu_map(mu + dmu, nu + dnu, omega, tau)
        minus = selu_map(mu - dmu, nu - dnu, omega, tau)
        jac[:, j] = (np.array(plus) - np.array(minus)) / (2 * h)
    return jac


def centred_weights(fan_in, fan_out, sigma_w=1.0, rng=None):
    """A ``(fan_in, fan_out)`` float32 matrix whose every column (one unit's weights) has sum exactly 0 and
    sum of squares exactly ``σ_w²`` (up to float32 rounding): ω = 0, τ = σ_w² for every unit."""
    fan_in, fan_out = positive_int(fan_in, "fan_in"), positive_int(fan_out, "fan_out")
    if fan_in < 2:
        raise ValueError(f"fan_in must be at least 2 for a column with sum 0 and sum of squares > 0, got {fan_in}")
    sigma_w = finite_number(sigma_w, "sigma_w", positive=True)
    w = generator(rng).normal(size=(fan_in, fan_out))
    w -= w.mean(axis=0)
    w *= sigma_w / np.linalg.norm(w, axis=0)
    return w.astype(np.float32)


def propagate(mu, nu, depth, width=256, batch=512, weights="centred", activation="selu", sigma_w=1.0, rng=0):
    """Yield a wide network's input, then each of its ``depth`` layers' outputs, as ``(batch, width)`` float32 arrays.

    The input is ``batch`` rows of ``width`` independent ``N(μ, ν)`` entries; each layer computes
    ``x ← f(x W)`` with a fresh ``W`` from :data:`WEIGHTS` (no biases).
    """
    mu = finite_number(mu, "mu")
    nu = finite_number(nu, "nu", nonnegative=True)
    depth, width, batch = positive_int(depth, "depth"), positive_int(width, "width"), positive_int(batch, "batch")
    one_of(weights, "weights", WEIGHTS)
    f = _activations.get(activation)
    sigma_w = finite_number(sigma_w, "sigma_w", positive=True)
    gen = generator(rng)
    x = (mu + math.sqrt(nu) * gen.standard_normal((batch, width))).astype(np.float32)
    yield x
    for _ in range(depth):
        if weights == "centred":
            w = centred_weights(width, width, sigma_w, rng=gen)
        else:
            w = (gen.standard_normal((width, width)) * (sigma_w / math.sqrt(width))).astype(np.float32)
        x = f(x @ w)
        yield x


def simulate(mu, nu, depth, width=256, batch=512, weights="centred", activation="selu", sigma_w=1.0, rng=0):
    """Measured ``(means, variances)`` of the layer outputs of :func:`propagate`'s network (same arguments),
    pooled over units and examples: entry 0 is the input, entry ``k`` layer ``k``."""
    stats = np.array([(x.mean(dtype=np.float64), x.var(dtype=np.float64))
                      for x in propagate(mu, nu, depth, width, batch, weights, activation, sigma_w, rng)])
    return stats[:, 0], stats[:, 1]


def selu_density(y, mean, var, scale=_activations.SELU_SCALE, alpha=_activations.SELU_ALPHA):
    r"""The probability density of ``selu(z)`` at ``y``, for ``z ~ N(mean, var)``.

    ``selu`` is increasing, so the density is :math:`p_z(z)/\mathrm{selu}'(z)` at :math:`z = \mathrm{selu}^{-1}(y)`:
    :math:`z = y/\lambda` for :math:`y > 0`, :math:`z = \ln(1 + y/(\lambda\alpha))` with
    :math:`\mathrm{selu}'(z) = \lambda\alpha e^z = \lambda\alpha + y` for :math:`-\lambda\alpha < y \le 0`, and 0 below
    :math:`-\lambda\alpha`, which ``selu`` never reaches.
    """
    mean = finite_number(mean, "mean")
    var = finite_number(var, "var", positive=True)
    y = np.asarray(y, dtype=np.float64)
    floor = scale * alpha
    inside = y > -floor
    safe = np.where(inside, y, 0.0)
    z = np.where(safe > 0, safe / scale, np.log1p(np.minimum(safe, 0.0) / floor))
    slope = np.where(safe > 0, scale, floor + np.minimum(safe, 0.0))
    pdf = np.exp(-(z - mean) ** 2 / (2 * var)) / math.sqrt(2 * math.pi * var)
    return np.where(inside, pdf / slope, 0.0)


def monte_carlo_map(mu, nu, omega=0.0, tau=1.0, samples=400_000, rng=0):
    r""":func:`selu_map` next to a Monte Carlo estimate from ``samples`` draws of :math:`z \sim
    \mathcal N(\mu\omega, \nu\tau)`: ``(mean: quadrature, sample mean, variance: quadrature, sample variance,
    |difference of the means| / standard error, |difference of the variances| / standard error)``.

    The standard error of the sample variance is :math:`\sqrt{(m_4 - s^4)/n}`, with :math:`m_4` the fourth central
    sample moment. ``rng`` may be a Generator shared by several calls.
    """
    samples = positive_int(samples, "samples")
    out = _activations.get("selu")(mu * omega + math.sqrt(nu * tau) * generator(rng).standard_normal(samples))
    quad = selu_map(mu, nu, omega, tau)
    se_mean = out.std() / math.sqrt(samples)
    se_var = np.sqrt(np.mean((out - out.mean()) ** 4) - out.var() ** 2) / math.sqrt(samples)
    return (quad[0], out.mean(), quad[1], out.var(), abs(quad[0] - out.mean()) / se_mean,
            abs(quad[1] - out.var()) / se_var)
