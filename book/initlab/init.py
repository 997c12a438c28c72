"""Weight initializers with the names and meanings of ``torch.nn.init``.

Every initializer takes ``(fan_in, fan_out, ..., rng=None)`` and returns a float32 array of
shape ``(fan_in, fan_out)``, used as ``x @ W``. (PyTorch stores ``(fan_out, fan_in)`` and
computes ``x @ W.T``; the fans, and so the formulas, are the same.) ``rng`` is an int seed or a
``numpy.random.Generator``; ``None`` draws fresh entropy.
"""

import math

import numpy as np

from ._checks import finite_number, generator, one_of, positive_int

__all__ = [
    "calculate_gain", "zeros", "constant", "normal", "uniform", "linear_default", "linear_default_bias",
    "xavier_uniform", "xavier_normal",
    "kaiming_uniform", "kaiming_normal", "lecun_normal", "orthogonal", "scaled_normal", "scaled_orthogonal", "get",
    "NAMES",
]

_LINEAR_FNS = (
    "linear", "conv1d", "conv2d", "conv3d",
    "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
)
NONLINEARITIES = _LINEAR_FNS + ("sigmoid", "tanh", "relu", "leaky_relu", "selu")
_DTYPE = np.float32


def calculate_gain(nonlinearity, param=None):
    r"""Recommended gain for an activation, exactly as ``torch.nn.init.calculate_gain``.

    ======================  =============================================
    nonlinearity            gain
    ======================  =============================================
    linear / conv / sigmoid :math:`1`
    tanh                    :math:`5/3`
    relu                    :math:`\sqrt{2}`
    leaky_relu              :math:`\sqrt{2/(1 + \text{negative\_slope}^2)}` (slope ``param``, default 0.01)
    selu                    :math:`3/4`
    ======================  =============================================

    The relu and leaky_relu gains make :math:`\text{gain}^2\,E[f(z)^2] = \operatorname{Var}(z)`
    for symmetric ``z`` (He et al., 2015). ``5/3`` for tanh and ``3/4`` for selu are PyTorch's
    empirical choices (``3/4`` deliberately trades exact self-normalisation for stability).
    """
    one_of(nonlinearity, "nonlinearity", NONLINEARITIES)
    if nonlinearity in _LINEAR_FNS or nonlinearity == "sigmoid":
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else finite_number(param, "param")
        return math.sqrt(2.0 / (1 + slope**2))
    return 3.0 / 4


def _fans(fan_in, fan_out):
    return positive_int(fan_in, "fan_in"), positive_int(fan_out, "fan_out")


def zeros(fan_in, fan_out, rng=None):
    """All zeros. Every hidden unit then computes the same thing: see chapter 5 on symmetry."""
    return np.zeros(_fans(fan_in, fan_out), dtype=_DTYPE)


def constant(fan_in, fan_out, val, rng=None):
    """Every weight equal to ``val``; as symmetric as :func:`zeros`."""
    val = finite_number(val, "val")
    return np.full(_fans(fan_in, fan_out), val, dtype=_DTYPE)


def normal(fan_in, fan_out, mean=0.0, std=1.0, rng=None):
    r"""Weights drawn from :math:`\mathcal{N}(\text{mean}, \text{std}^2)`."""
    shape = _fans(fan_in, fan_out)
    mean = finite_number(mean, "mean")
    std = finite_number(std, "std", nonnegative=True)
    return generator(rng).normal(mean, std, size=shape).astype(_DTYPE)


def uniform(fan_in, fan_out, a=0.0, b=1.0, rng=None):
    r"""Weights drawn from :math:`\mathcal{U}(a, b)`."""
    shape = _fans(fan_in, fan_out)
    a, b = finite_number(a, "a"), finite_number(b, "b")
    if not a < b:
        raise ValueError(f"uniform needs a < b, got a={a}, b={b}")
    return generator(rng).uniform(a, b, size=shape).astype(_DTYPE)


def linear_default(fan_in, fan_out, rng=None):
    r""":math:`\mathcal{U}(-1/\sqrt{\text{fan\_in}},\ 1/\sqrt{\text{fan\_in}})`, variance :math:`1/(3\,\text{fan\_in})`.

    The "commonly used heuristic" of Glorot & Bengio (2010, eq. 1) and what PyTorch's
    ``nn.Linear`` does by default: ``kaiming_uniform(a=math.sqrt(5))``, since
    ``calculate_gain('leaky_relu', √5)`` is :math:`\sqrt{1/3}` and the bound is
    :math:`\sqrt{1/3}\sqrt{3/\text{fan\_in}} = 1/\sqrt{\text{fan\_in}}`. It is not He init.
    """
    shape = _fans(fan_in, fan_out)
    bound = 1.0 / math.sqrt(shape[0])
    return generator(rng).uniform(-bound, bound, size=shape).astype(_DTYPE)


def linear_default_bias(fan_in, fan_out, rng=None):
    r"""The bias of PyTorch's ``nn.Linear``: :math:`\mathcal{U}(-1/\sqrt{\text{fan\_in}},\ 1/\sqrt{\text{fan\_in}})`.

    ``nn.Linear.reset_parameters`` draws the bias from the same bound as :func:`linear_default`'s
    weights, so a default PyTorch layer starts with biases of variance :math:`1/(3\,\text{fan\_in})`,
    not zero. Returns shape ``(fan_out,)``; ``MLP(init="linear_default")`` uses it.
    """
    fan_in, fan_out = _fans(fan_in, fan_out)
    bound = 1.0 / math.sqrt(fan_in)
    return generator(rng).uniform(-bound, bound, size=fan_out).astype(_DTYPE)


def xavier_uniform(fan_in, fan_out, gain=1.0, rng=None):
    r"""Glorot & Bengio (2010): :math:`\mathcal{U}(-a, a)` with
    :math:`a = \text{gain}\sqrt{6/(\text{fan\_in} + \text{fan\_out})}`.

    Its variance :math:`a^2/3 = \text{gain}^2\, 2/(\text{fan\_in} + \text{fan\_out})` is the
    compromise between the forward condition ``fan_in Var(W) = 1`` and the backward condition
    ``fan_out Var(W) = 1``.
    """
    shape = _fans(fan_in, fan_out)
    gain = finite_number(gain, "gain", positive=True)
    bound = gain * math.sqrt(6.0 / (shape[0] + shape[1]))
    return generator(rng).uniform(-bound, bound, size=shape).astype(_DTYPE)


def xavier_normal(fan_in, fan_out, gain=1.0, rng=None):
    r"""Glorot & Bengio (2010): :math:`\mathcal{N}(0, \sigma^2)` with
    :math:`\sigma = \text{gain}\sqrt{2/(\text{fan\_in} + \text{fan\_out})}`."""
    shape = _fans(fan_in, fan_out)
    gain = finite_number(gain, "gain", positive=True)
    std = gain * math.sqrt(2.0 / (shape[0] + shape[1]))
    return generator(rng).normal(0.0, std, size=shape).astype(_DTYPE)


def _kaiming_std(shape, a, mode, nonlinearity):
    one_of(mode, "mode", ("fan_in", "fan_out"))
    fan = shape[0] if mode == "fan_in" else shape[1]
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform(fan_in, fan_out, a=0.0, mode="fan_in", nonlinearity="leaky_relu", rng=None):
    r"""He et al. (2015), uniform form: :math:`\mathcal{U}(-b, b)` with
    :math:`b = \text{gain}\sqrt{3/\text{fan}}`, where ``fan`` is ``fan_in`` (keeps the forward
    variance) or ``fan_out`` (keeps the backward variance) by ``mode``, and
    ``gain = calculate_gain(nonlinearity, a)``. With the defaults (leaky_relu with slope 0,
    i.e. relu) the variance is :math:`2/\text{fan\_in}`.
    """
    shape = _fans(fan_in, fan_out)
    bound = math.sqrt(3.0) * _kaiming_std(shape, a, mode, nonlinearity)
    return generator(rng).uniform(-bound, bound, size=shape).astype(_DTYPE)


def kaiming_normal(fan_in, fan_out, a=0.0, mode="fan_in", nonlinearity="leaky_relu", rng=None):
    r"""He et al. (2015): :math:`\mathcal{N}(0, \sigma^2)` with :math:`\sigma = \text{gain}/\sqrt{\text{fan}}`.

    For relu, :math:`E[\mathrm{relu}(z)^2] = \operatorname{Var}(z)/2` for symmetric ``z``, so
    keeping the variance of the pre-activations constant needs
    :math:`\text{fan\_in}\,\operatorname{Var}(W) = 2`. ``a``, ``mode`` and ``nonlinearity``
    mean what they mean in ``torch.nn.init.kaiming_normal_``.
    """
    shape = _fans(fan_in, fan_out)
    std = _kaiming_std(shape, a, mode, nonlinearity)
    return generator(rng).normal(0.0, std, size=shape).astype(_DTYPE)


def lecun_normal(fan_in, fan_out, rng=None):
    r"""LeCun et al. (1998): :math:`\mathcal{N}(0, 1/\text{fan\_in})`; the init SELU networks
    need (Klambauer et al., 2017). Not to be confused with Xavier, which also uses ``fan_out``.
    (JAX's ``lecun_normal`` truncates the normal; this one does not.)"""
    shape = _fans(fan_in, fan_out)
    return generator(rng).normal(0.0, 1.0 / math.sqrt(shape[0]), size=shape).astype(_DTYPE)


def orthogonal(fan_in, fan_out, gain=1.0, rng=None):
    r"""Saxe et al. (2014): a (semi-)orthogonal matrix times ``gain``, as ``torch.nn.init.orthogonal_``.

    The QR decomposition of a Gaussian matrix, with the signs of ``R``'s diagonal folded into
    ``Q`` so that the result is uniformly (Haar) distributed. Its columns are orthonormal when
    ``fan_in >= fan_out``, its rows when ``fan_in <= fan_out``: all singular values equal ``gain``.
    """
    rows, cols = _fans(fan_in, fan_out)
    gain = finite_number(gain, "gain", positive=True)
    flat = generator(rng).normal(size=(max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return (gain * q).astype(_DTYPE)


_BY_NAME = {
    "zeros": zeros,
    "normal": normal,
    "uniform": uniform,
    "linear_default": linear_default,
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "kaiming_uniform": kaiming_uniform,
    "kaiming_normal": kaiming_normal,
    "lecun_normal": lecun_normal,
    "orthogonal": orthogonal,
}
#: Initializers that need nothing but the fans and a seed, and so can be named in ``MLP(init=...)``.
NAMES = tuple(_BY_NAME)


def get(init):
    """Return the initializer called ``init`` (one of :data:`NAMES`), or ``init`` itself if callable.

    A callable must accept ``(fan_in, fan_out, rng)`` and return a ``(fan_in, fan_out)`` array.
    """
    if callable(init):
        return init
    return _BY_NAME[one_of(init, "init", NAMES)]


def scaled_normal(scale):
    r"""An initializer drawing :math:`\mathcal{N}(0, \text{scale}^2/\text{fan\_in})`, for sweeps of the init scale.

    ``scale`` is the :math:`\sigma_w` of mean-field theory: 1 is :func:`lecun_normal`,
    :math:`\sqrt 2` is :func:`kaiming_normal` for relu. Returns a function
    ``(fan_in, fan_out, rng=None)`` that ``MLP(init=...)`` accepts.
    """
    scale = finite_number(scale, "scale", nonnegative=True)

    def initializer(fan_in, fan_out, rng=None):
        return normal(fan_in, fan_out, std=scale / math.sqrt(positive_int(fan_in, "fan_in")), rng=rng)

    initializer.__name__ = f"scaled_normal({scale:g})"
    return initializer


def scaled_orthogonal(scale):
    r"""An initializer drawing :func:`orthogonal` with ``gain = scale``: every singular value equals ``scale``.

    The orthogonal counterpart of :func:`scaled_normal` (same :math:`\sigma_w`, the same mean square
    :math:`\text{scale}^2/\text{fan\_in}` per entry for a square layer), for comparing the two at one scale.
    """
    scale = finite_number(scale, "scale", positive=True)

    def initializer(fan_in, fan_out, rng=None):
        return orthogonal(fan_in, fan_out, gain=scale, rng=rng)

    initializer.__name__ = f"scaled_orthogonal({scale:g})"
    return initializer
