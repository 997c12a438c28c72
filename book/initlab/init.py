"""Weight initializers with the names and meanings of ``torch.nn.init``.

Two families share every formula (each std or bound is computed in one private function):

- ``xavier_uniform(fan_in, fan_out, ..., rng=None)`` and its siblings return a new float32 array of
  shape ``(fan_in, fan_out)``, the layout :class:`initlab.MLP` stores and uses as ``x @ W``;
- the in-place fillers with torch's names and trailing underscore, ``xavier_uniform_(array, ...)``,
  fill an existing array of *torch's* layout, ``(out, in, *kernel)`` (``(out_features, in_features)``
  for a linear layer, ``(c_out, c_in, k_h, k_w)`` for a 2-D convolution), and return it; the fans come
  from :func:`calculate_fan_in_and_fan_out`, as in ``torch.nn.init``.

``rng`` is an int seed or a ``numpy.random.Generator``; ``None`` draws fresh entropy.
"""

import math

import numpy as np

from ._checks import finite_number, generator, one_of, positive_int

__all__ = [
    "calculate_gain", "zeros", "constant", "normal", "uniform", "linear_default", "linear_default_bias",
    "xavier_uniform", "xavier_normal",
    "kaiming_uniform", "kaiming_normal", "lecun_normal", "orthogonal", "scaled_normal", "scaled_orthogonal", "get",
    "NAMES", "calculate_fan_in_and_fan_out", "zeros_", "constant_", "normal_", "uniform_", "xavier_uniform_",
    "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "lecun_normal_", "linear_default_", "orthogonal_",
    "filler", "variance", "FILLER_NAMES",
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


def _default_bound(fan_in):
    # nn.Linear's and nn.Conv2d's default, for the weights and the bias alike
    return 1.0 / math.sqrt(fan_in)


def _xavier_bound(fan_in, fan_out, gain):
    return gain * math.sqrt(6.0 / (fan_in + fan_out))


def _xavier_std(fan_in, fan_out, gain):
    return gain * math.sqrt(2.0 / (fan_in + fan_out))


def _lecun_std(fan_in):
    return 1.0 / math.sqrt(fan_in)


def linear_default(fan_in, fan_out, rng=None):
    r""":math:`\mathcal{U}(-1/\sqrt{\text{fan\_in}},\ 1/\sqrt{\text{fan\_in}})`, variance :math:`1/(3\,\text{fan\_in})`.

    The "commonly used heuristic" of Glorot & Bengio (2010, eq. 1) and what PyTorch's
    ``nn.Linear`` does by default: ``kaiming_uniform(a=math.sqrt(5))``, since
    ``calculate_gain('leaky_relu', √5)`` is :math:`\sqrt{1/3}` and the bound is
    :math:`\sqrt{1/3}\sqrt{3/\text{fan\_in}} = 1/\sqrt{\text{fan\_in}}`. It is not He init.
    """
    shape = _fans(fan_in, fan_out)
    bound = _default_bound(shape[0])
    return generator(rng).uniform(-bound, bound, size=shape).astype(_DTYPE)


def linear_default_bias(fan_in, fan_out, rng=None):
    r"""The bias of PyTorch's ``nn.Linear``: :math:`\mathcal{U}(-1/\sqrt{\text{fan\_in}},\ 1/\sqrt{\text{fan\_in}})`.

    ``nn.Linear.reset_parameters`` draws the bias from the same bound as :func:`linear_default`'s
    weights, so a default PyTorch layer starts with biases of variance :math:`1/(3\,\text{fan\_in})`,
    not zero. Returns shape ``(fan_out,)``; ``MLP(init="linear_default")`` uses it.
    """
    fan_in, fan_out = _fans(fan_in, fan_out)
    bound = _default_bound(fan_in)
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
    bound = _xavier_bound(*shape, gain)
    return generator(rng).uniform(-bound, bound, size=shape).astype(_DTYPE)


def xavier_normal(fan_in, fan_out, gain=1.0, rng=None):
    r"""Glorot & Bengio (2010): :math:`\mathcal{N}(0, \sigma^2)` with
    :math:`\sigma = \text{gain}\sqrt{2/(\text{fan\_in} + \text{fan\_out})}`."""
    shape = _fans(fan_in, fan_out)
    gain = finite_number(gain, "gain", positive=True)
    std = _xavier_std(*shape, gain)
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
    return generator(rng).normal(0.0, _lecun_std(shape[0]), size=shape).astype(_DTYPE)


def orthogonal(fan_in, fan_out, gain=1.0, rng=None):
    r"""Saxe et al. (2014): a (semi-)orthogonal matrix times ``gain``, as ``torch.nn.init.orthogonal_``.

    The QR decomposition of a Gaussian matrix, with the signs of ``R``'s diagonal folded into
    ``Q`` so that the result is uniformly (Haar) distributed. Its columns are orthonormal when
    ``fan_in >= fan_out``, its rows when ``fan_in <= fan_out``: all singular values equal ``gain``.
    """
    rows, cols = _fans(fan_in, fan_out)
    gain = finite_number(gain, "gain", positive=True)
    return (gain * _semi_orthogonal(rows, cols, generator(rng))).astype(_DTYPE)


def _semi_orthogonal(rows, cols, gen):
    # QR of a Gaussian matrix, R's diagonal signs folded into Q: Haar-distributed, shape (rows, cols)
    flat = gen.normal(size=(max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    return q.T if rows < cols else q


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


# --- torch's layout: fill an existing (out, in, *kernel) array in place ---------------------------------------

def calculate_fan_in_and_fan_out(shape):
    r"""``(fan_in, fan_out)`` of a weight of torch's layout ``shape = (out, in, *kernel)``, as
    ``torch.nn.init._calculate_fan_in_and_fan_out``:

    .. math:: \text{fan\_in} = \text{in}\cdot\prod\text{kernel}, \qquad
              \text{fan\_out} = \text{out}\cdot\prod\text{kernel}

    (the product is 1 for a linear layer's ``(out_features, in_features)``). For a 2-D convolution,
    ``(c_out, c_in, k_h, k_w)``: each output sees ``c_in·k_h·k_w`` inputs, and each input (stride 1, away
    from the borders) feeds ``c_out·k_h·k_w`` outputs. Note the order: :class:`initlab.MLP` stores
    ``(in, out)``, so for its weights use the 2-D initializers, which take the fans directly.
    """
    return _fans_of_shape(shape, "shape")


def _fans_of_shape(shape, name):
    if isinstance(shape, (str, bytes, np.ndarray)) or not hasattr(shape, "__len__"):
        raise TypeError(f"{name} must be a tuple of dimensions (out, in, *kernel), got {type(shape).__name__}")
    if len(shape) < 2:
        raise ValueError(f"{name} must have at least 2 dimensions (out, in, *kernel) to have fans, got {tuple(shape)}")
    dims = [positive_int(d, f"{name}[{i}]") for i, d in enumerate(shape)]
    receptive = math.prod(dims[2:])
    return dims[1] * receptive, dims[0] * receptive


def _array(array, name="array"):
    if not isinstance(array, np.ndarray) or not np.issubdtype(array.dtype, np.floating):
        what = f"dtype {array.dtype}" if isinstance(array, np.ndarray) else type(array).__name__
        raise TypeError(f"{name} must be a floating-point numpy array (it is filled in place), got {what}")
    if not array.flags.writeable:
        raise ValueError(f"{name} must be writeable (it is filled in place)")
    return array


def _fill(array, values):
    array[...] = values
    return array


def zeros_(array, rng=None):
    """Fill ``array`` (any shape) with zeros, in place, as ``torch.nn.init.zeros_``; return it. (``rng`` is
    accepted, and unused, so that every named filler can be called alike.)"""
    return _fill(_array(array), 0.0)


def constant_(array, val):
    """Fill ``array`` (any shape) with ``val``, in place, as ``torch.nn.init.constant_``; return it."""
    return _fill(_array(array), finite_number(val, "val"))


def normal_(array, mean=0.0, std=1.0, rng=None):
    r"""Fill ``array`` (any shape) from :math:`\mathcal{N}(\text{mean}, \text{std}^2)`, in place; return it."""
    _array(array)
    mean, std = finite_number(mean, "mean"), finite_number(std, "std", nonnegative=True)
    return _fill(array, generator(rng).normal(mean, std, size=array.shape))


def uniform_(array, a=0.0, b=1.0, rng=None):
    r"""Fill ``array`` (any shape) from :math:`\mathcal{U}(a, b)`, in place; return it."""
    _array(array)
    a, b = finite_number(a, "a"), finite_number(b, "b")
    if not a < b:
        raise ValueError(f"uniform_ needs a < b, got a={a}, b={b}")
    return _fill(array, generator(rng).uniform(a, b, size=array.shape))


def _uniform_fill(array, bound, rng):
    return _fill(array, generator(rng).uniform(-bound, bound, size=array.shape))


def _normal_fill(array, std, rng):
    return _fill(array, generator(rng).normal(0.0, std, size=array.shape))


def xavier_uniform_(array, gain=1.0, rng=None):
    """:func:`xavier_uniform` for an array of torch's layout ``(out, in, *kernel)``, filled in place (the fans
    from :func:`calculate_fan_in_and_fan_out`, not from the array's first two axes as for ``MLP``'s ``(in, out)``)."""
    fans = _fans_of_shape(_array(array).shape, "array.shape")
    return _uniform_fill(array, _xavier_bound(*fans, finite_number(gain, "gain", positive=True)), rng)


def xavier_normal_(array, gain=1.0, rng=None):
    """:func:`xavier_normal` for an array of torch's layout ``(out, in, *kernel)``, filled in place."""
    fans = _fans_of_shape(_array(array).shape, "array.shape")
    return _normal_fill(array, _xavier_std(*fans, finite_number(gain, "gain", positive=True)), rng)


def kaiming_uniform_(array, a=0.0, mode="fan_in", nonlinearity="leaky_relu", rng=None):
    r""":func:`kaiming_uniform` for an array of torch's layout ``(out, in, *kernel)``, filled in place:
    bound :math:`\text{gain}\sqrt{3/\text{fan}}`, ``fan = c_in·k_h·k_w`` (``mode="fan_in"``) or
    ``c_out·k_h·k_w`` (``"fan_out"``) for a convolution kernel."""
    fans = _fans_of_shape(_array(array).shape, "array.shape")
    return _uniform_fill(array, math.sqrt(3.0) * _kaiming_std(fans, a, mode, nonlinearity), rng)


def kaiming_normal_(array, a=0.0, mode="fan_in", nonlinearity="leaky_relu", rng=None):
    r""":func:`kaiming_normal` (He et al., 2015) for an array of torch's layout ``(out, in, *kernel)``, filled in
    place: :math:`\mathcal{N}(0, \text{gain}^2/\text{fan})`; for a relu convolution with ``mode="fan_in"``,
    :math:`\operatorname{Var}(W) = 2/(c_\text{in} k_h k_w)`, He et al.'s :math:`n = k^2 c`."""
    fans = _fans_of_shape(_array(array).shape, "array.shape")
    return _normal_fill(array, _kaiming_std(fans, a, mode, nonlinearity), rng)


def lecun_normal_(array, rng=None):
    r""":func:`lecun_normal` for an array of torch's layout ``(out, in, *kernel)``, filled in place:
    :math:`\mathcal{N}(0, 1/\text{fan\_in})`. (``torch.nn.init`` has no such function.)"""
    fans = _fans_of_shape(_array(array).shape, "array.shape")
    return _normal_fill(array, _lecun_std(fans[0]), rng)


def linear_default_(array, rng=None):
    r"""What ``nn.Linear`` and ``nn.Conv2d`` do to their weight by default, ``kaiming_uniform_(a=√5)``, i.e.
    :math:`\mathcal{U}(\pm 1/\sqrt{\text{fan\_in}})` with ``fan_in = c_in·k_h·k_w`` for a kernel; torch's layout."""
    fans = _fans_of_shape(_array(array).shape, "array.shape")
    return _uniform_fill(array, _default_bound(fans[0]), rng)


def orthogonal_(array, gain=1.0, rng=None):
    """:func:`orthogonal` as ``torch.nn.init.orthogonal_``: the array of shape ``(out, *rest)`` is filled, in place,
    with a (semi-)orthogonal ``(out, prod(rest))`` matrix times ``gain``, reshaped. For a kernel this makes the
    ``c_out`` flattened filters orthonormal (or their transpose, when ``c_out > c_in·k_h·k_w``)."""
    _array(array)
    if array.ndim < 2:
        raise ValueError(f"array must have at least 2 dimensions to be made orthogonal, got shape {array.shape}")
    gain = finite_number(gain, "gain", positive=True)
    rows = array.shape[0]
    q = _semi_orthogonal(rows, array.size // rows, generator(rng))
    return _fill(array, (gain * q).reshape(array.shape))


_FILL_BY_NAME = {
    "zeros": zeros_,
    "normal": normal_,
    "uniform": uniform_,
    "linear_default": linear_default_,
    "xavier_uniform": xavier_uniform_,
    "xavier_normal": xavier_normal_,
    "kaiming_uniform": kaiming_uniform_,
    "kaiming_normal": kaiming_normal_,
    "lecun_normal": lecun_normal_,
    "orthogonal": orthogonal_,
}
#: The schemes that can fill an array of torch's layout by name (the same names as :data:`NAMES`).
FILLER_NAMES = tuple(_FILL_BY_NAME)


def filler(init):
    """The in-place filler of the scheme ``init`` (one of :data:`FILLER_NAMES`: ``"kaiming_normal"`` gives
    :func:`kaiming_normal_`), or ``init`` itself if callable (it must accept ``(array, rng=...)``)."""
    if callable(init):
        return init
    return _FILL_BY_NAME[one_of(init, "init", FILLER_NAMES)]


def variance(init, shape):
    r"""The variance of one weight that the scheme ``init`` (a name in :data:`FILLER_NAMES`, with its default
    arguments) draws for a weight of torch's layout ``shape``: the formula, from the same bound or std as the
    draw. A uniform :math:`\mathcal{U}(\pm b)` has variance :math:`b^2/3`; ``orthogonal`` (gain 1) has mean
    square :math:`1/\max(\text{out}, \text{fan\_in})` per entry; ``normal`` and ``uniform`` use ``N(0, 1)`` and
    ``U(0, 1)``."""
    fan_in, fan_out = _fans_of_shape(shape, "shape")
    init = one_of(init, "init", FILLER_NAMES)
    if init == "xavier_uniform":
        return _xavier_bound(fan_in, fan_out, 1.0) ** 2 / 3
    if init == "xavier_normal":
        return _xavier_std(fan_in, fan_out, 1.0) ** 2
    if init == "kaiming_uniform":
        return (math.sqrt(3.0) * _kaiming_std((fan_in, fan_out), 0.0, "fan_in", "leaky_relu")) ** 2 / 3
    if init == "kaiming_normal":
        return _kaiming_std((fan_in, fan_out), 0.0, "fan_in", "leaky_relu") ** 2
    if init == "lecun_normal":
        return _lecun_std(fan_in) ** 2
    if init == "linear_default":
        return _default_bound(fan_in) ** 2 / 3
    if init == "orthogonal":
        return 1.0 / max(shape[0], fan_in)
    return {"zeros": 0.0, "normal": 1.0, "uniform": 1.0 / 12}[init]
