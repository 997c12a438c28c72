r"""Activation functions and their derivatives, numerically stable at the extremes.

``get(name)`` returns an :class:`Activation`: call it on an array for :math:`f(x)`, call
``.derivative(x)`` for :math:`f'(x)`. Floating inputs keep their dtype (float32 stays float32,
float64 stays float64, so derivatives can be checked by finite differences in float64);
anything else is converted to float32. ``x = ±1000`` gives finite values and no numpy warnings.
"""

import inspect
import math

import numpy as np

from ._checks import finite_number, one_of

__all__ = ["Activation", "get", "NAMES", "SELU_ALPHA", "SELU_SCALE"]

#: The constants of Klambauer et al. (2017) that make (mean 0, variance 1) a fixed point.
SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


def _float(x):
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float32)


def _sigmoid(x):
    # exp(-|x|) never overflows; the two branches are the same function rearranged.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def _elu(x, alpha):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))).astype(x.dtype, copy=False)


def _elu_derivative(x, alpha):
    return np.where(x > 0, 1, alpha * np.exp(np.minimum(x, 0))).astype(x.dtype, copy=False)


# Abramowitz & Stegun 7.1.26: |error| < 1.5e-7 on the whole line, below float32 resolution.
_AS_P = 0.3275911
_AS_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def _std_normal_cdf(x):
    t64 = np.abs(x.astype(np.float64)) / math.sqrt(2.0)
    t = 1.0 / (1.0 + _AS_P * t64)
    poly = t * (_AS_A[0] + t * (_AS_A[1] + t * (_AS_A[2] + t * (_AS_A[3] + t * _AS_A[4]))))
    erf_abs = 1.0 - poly * np.exp(-t64 * t64)
    return (0.5 * (1.0 + np.sign(x) * erf_abs)).astype(x.dtype, copy=False)


def _std_normal_pdf(x):
    return (np.exp(-0.5 * np.square(x.astype(np.float64))) / math.sqrt(2 * math.pi)).astype(x.dtype)


def _ignoring_underflow(fn):
    # exp(-1000) = 0 is the right answer: its underflow is expected, not an error, even
    # when the caller runs under np.errstate(all="raise") to catch overflow.
    def quiet(x):
        with np.errstate(under="ignore"):
            return fn(x)
    return quiet


class Activation:
    """A named elementwise function ``f`` with its derivative ``f'``. ``underflows=False`` says that neither
    can underflow (no product, no exp), so they run without the cost of silencing it."""

    def __init__(self, name, fn, derivative, params=None, underflows=True):
        self.name = name
        self.params = dict(params or {})
        self._fn = _ignoring_underflow(fn) if underflows else fn
        self._derivative = _ignoring_underflow(derivative) if underflows else derivative

    def __call__(self, x):
        return self._fn(_float(x))

    def derivative(self, x):
        """:math:`f'(x)`, elementwise. At a kink (relu at 0) this is the value PyTorch uses, 0."""
        return self._derivative(_float(x))

    def __repr__(self):
        params = "".join(f", {k}={v}" for k, v in self.params.items())
        return f"Activation({self.name!r}{params})"


def sigmoid():
    r""":math:`\sigma(x) = 1/(1 + e^{-x})`, :math:`\sigma'(x) = \sigma(x)(1 - \sigma(x)) \le 1/4`."""
    def derivative(x):
        s = _sigmoid(x)
        return s * (1 - s)
    return Activation("sigmoid", _sigmoid, derivative)


def tanh():
    r""":math:`\tanh(x) = (e^x - e^{-x})/(e^x + e^{-x})`, :math:`\tanh'(x) = 1 - \tanh^2(x) \le 1`."""
    return Activation("tanh", np.tanh, lambda x: 1 - np.square(np.tanh(x)))


def relu():
    r""":math:`\max(0, x)`; derivative 1 for :math:`x > 0`, else 0."""
    # The max with an array of zeros: the same values as with the scalar 0, and numpy's loop for two arrays
    # is several times faster on large ones.
    return Activation("relu", lambda x: np.maximum(x, np.zeros_like(x)), lambda x: (x > 0).astype(x.dtype),
                      underflows=False)


def leaky_relu(negative_slope=0.01):
    r""":math:`x` for :math:`x > 0`, else ``negative_slope`` :math:`\cdot x` (PyTorch's default slope 0.01)."""
    slope = finite_number(negative_slope, "negative_slope", nonnegative=True)
    return Activation(
        "leaky_relu",
        lambda x: np.where(x > 0, x, slope * x).astype(x.dtype, copy=False),
        lambda x: np.where(x > 0, 1, slope).astype(x.dtype),
        {"negative_slope": slope},
    )


def elu(alpha=1.0):
    r"""Clevert et al. (2016): :math:`x` for :math:`x > 0`, else :math:`\alpha(e^x - 1)`."""
    alpha = finite_number(alpha, "alpha", positive=True)
    return Activation("elu", lambda x: _elu(x, alpha), lambda x: _elu_derivative(x, alpha), {"alpha": alpha})


def selu():
    r"""Klambauer et al. (2017): :math:`\lambda\,\mathrm{elu}_\alpha(x)` with
    :math:`\alpha \approx 1.6733`, :math:`\lambda \approx 1.0507`."""
    return Activation(
        "selu",
        lambda x: (SELU_SCALE * _elu(x, SELU_ALPHA)).astype(x.dtype, copy=False),
        lambda x: (SELU_SCALE * _elu_derivative(x, SELU_ALPHA)).astype(x.dtype, copy=False),
    )


def gelu():
    r"""Hendrycks & Gimpel (2016), exact form: :math:`x\,\Phi(x)`, derivative
    :math:`\Phi(x) + x\,\varphi(x)`, with :math:`\Phi` the standard normal CDF (PyTorch's
    ``approximate='none'``). :math:`\Phi` uses Abramowitz & Stegun 7.1.26 (error < 1.5e-7)."""
    return Activation(
        "gelu",
        lambda x: x * _std_normal_cdf(x),
        lambda x: _std_normal_cdf(x) + x * _std_normal_pdf(x),
    )


def linear():
    """The identity, :math:`f(x) = x`, :math:`f'(x) = 1`."""
    return Activation("linear", lambda x: x.copy(), np.ones_like, underflows=False)


_BY_NAME = {
    "sigmoid": sigmoid, "tanh": tanh, "relu": relu, "leaky_relu": leaky_relu,
    "elu": elu, "selu": selu, "gelu": gelu, "linear": linear,
}
NAMES = tuple(_BY_NAME)


def get(name, **params):
    """The activation called ``name`` (one of :data:`NAMES`); an :class:`Activation` passes through.

    ``params`` go to the activations that take them: ``leaky_relu(negative_slope=0.01)``,
    ``elu(alpha=1.0)``.
    """
    if isinstance(name, Activation):
        if params:
            raise TypeError("params cannot be given with an Activation instance")
        return name
    factory = _BY_NAME[one_of(name, "activation", NAMES)]
    try:
        inspect.signature(factory).bind(**params)
    except TypeError:
        raise TypeError(f"activation {name!r} takes no parameters {sorted(params)}") from None
    return factory(**params)  # a bad value raises its own message, naming the parameter
