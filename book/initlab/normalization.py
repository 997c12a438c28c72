r"""Normalization layers that use one example at a time: layer norm, RMS norm and group norm, as in PyTorch.

Batch normalization (:mod:`initlab.batchnorm`) standardises each feature over the *batch*. The layers here
standardise each *example* over some of its own entries, so an example's output never depends on the other
examples of the batch, and train and eval mode are the same computation (no running statistics).

**Standardising over a set of** :math:`D` **entries** (layer norm over the trailing dimensions, group norm over
one group of channels and every spatial position):

.. math::
    \mu = \frac1D\sum_j x_j, \quad \sigma^2 = \frac1D\sum_j (x_j - \mu)^2, \quad
    r = \frac{1}{\sqrt{\sigma^2 + \epsilon}}, \quad \hat x_j = (x_j - \mu)\,r,

with the *biased* variance and :math:`\epsilon` added to it, as ``torch.nn.LayerNorm`` and ``GroupNorm`` do.
Backward, with :math:`g_j = \partial\ell/\partial\hat x_j`: since :math:`\partial\mu/\partial x_k = 1/D` and
:math:`\partial r/\partial x_k = -r^3 (x_k - \mu)/D = -r^2\hat x_k/D`,

.. math::
    \frac{\partial\ell}{\partial x_k}
    = r\Big(g_k - \frac1D\sum_j g_j\Big) - \frac{r}{D}\,\hat x_k \sum_j g_j \hat x_j
    = r\,\big(g_k - \overline{g} - \hat x_k\,\overline{g\hat x}\big),

bars meaning means over the :math:`D` entries (the same formula as batch norm's, over other axes). It holds
exactly with :math:`\epsilon > 0`: :math:`\epsilon` only enters through :math:`r`.

**RMS norm** (Zhang & Sennrich, 2019) skips the mean:

.. math::
    r = \frac{1}{\sqrt{\frac1D\sum_j x_j^2 + \epsilon}}, \quad \hat x_j = x_j\,r, \qquad
    \frac{\partial\ell}{\partial x_k} = r\,\big(g_k - \hat x_k\,\overline{g\hat x}\big),

because :math:`\partial r/\partial x_k = -r^3 x_k/D`.

**The affine part**, :math:`y = \gamma\hat x + \beta`, gives :math:`g = \gamma\,\partial\ell/\partial y` and
:math:`\partial\ell/\partial\gamma`, :math:`\partial\ell/\partial\beta` as the sums of
:math:`\hat x\,\partial\ell/\partial y` and :math:`\partial\ell/\partial y` over every axis :math:`\gamma` is
shared along.
"""

import numbers

import numpy as np

from ._checks import finite_number, positive_int

__all__ = ["LayerNorm", "RMSNorm", "GroupNorm"]


def _standardize(x, axes, eps):
    """``(x̂, r)`` with ``x̂ = (x − mean) r`` and ``r = 1/sqrt(var + eps)`` over ``axes`` (biased variance)."""
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    inv_std = 1 / np.sqrt(var + eps)
    return (x - mean) * inv_std, inv_std


def _standardize_backward(g, x_hat, inv_std, axes):
    """``dx = r (g − mean(g) − x̂ mean(g x̂))`` over ``axes``: the backward of :func:`_standardize`."""
    return inv_std * (g - g.mean(axis=axes, keepdims=True)
                      - x_hat * (g * x_hat).mean(axis=axes, keepdims=True))


def _shape(normalized_shape):
    """``normalized_shape`` (an int or a sequence of positive ints, as in torch) as a tuple."""
    if isinstance(normalized_shape, numbers.Integral) and not isinstance(normalized_shape, bool):
        normalized_shape = (normalized_shape,)
    if not isinstance(normalized_shape, (tuple, list)) or not normalized_shape:
        raise TypeError("normalized_shape must be a positive integer or a non-empty tuple of them, "
                        f"got {normalized_shape!r}")
    return tuple(positive_int(n, "normalized_shape") for n in normalized_shape)


def _float_dtype(dtype):
    """``dtype`` as a numpy dtype, or raise if it is not a floating-point type."""
    dtype = np.dtype(dtype)
    if not np.issubdtype(dtype, np.floating):
        raise TypeError(f"dtype must be a floating-point type such as np.float32, got {dtype}")
    return dtype


def _array(x, name, dtype):
    """``x`` as an array of ``dtype``, or raise naming the argument if it is not numeric."""
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.number) or np.issubdtype(x.dtype, np.complexfloating):
        raise TypeError(f"{name} must hold real numbers, got dtype {x.dtype}")
    return x.astype(dtype, copy=False)


class _TrailingNorm:
    """What LayerNorm and RMSNorm share: ``gamma`` of ``normalized_shape``, inputs ``(*, *normalized_shape)``."""

    def __init__(self, normalized_shape, dtype):
        self.normalized_shape = _shape(normalized_shape)
        self.dtype = _float_dtype(dtype)
        self.gamma = np.ones(self.normalized_shape, dtype=self.dtype)
        self._axes = tuple(range(-len(self.normalized_shape), 0))
        self._cache = None

    def _input(self, x):
        x = _array(x, "x", self.dtype)
        k = len(self.normalized_shape)
        if x.ndim < k or x.shape[x.ndim - k:] != self.normalized_shape:
            raise ValueError(f"x's trailing dimensions must be normalized_shape {self.normalized_shape}, "
                             f"got x of shape {x.shape}")
        return x

    def _dout(self, dout):
        if self._cache is None:
            raise RuntimeError("call forward(x) before backward(dout)")
        x_hat = self._cache[0]
        dout = _array(dout, "dout", self.dtype)
        if dout.shape != x_hat.shape:
            raise ValueError(f"dout must have shape {x_hat.shape} like the last forward input, got {dout.shape}")
        return dout

    def _leading(self, a):
        """Sum over every axis but the normalised ones: how ``gamma`` and ``beta`` collect their gradients."""
        return a.sum(axis=tuple(range(a.ndim - len(self.normalized_shape))))


class LayerNorm(_TrailingNorm):
    r"""Layer normalization (Ba et al., 2016) as ``torch.nn.LayerNorm``: each example standardised over its
    trailing ``normalized_shape`` entries, :math:`y = \gamma\hat x + \beta` with ``gamma`` and ``beta`` of
    shape ``normalized_shape`` (ones and zeros at first). Backward (module docstring):
    :math:`\partial\ell/\partial x = r(g - \overline g - \hat x\,\overline{g\hat x})`,
    :math:`g = \gamma\,\partial\ell/\partial y`.
    """

    def __init__(self, normalized_shape, eps=1e-5, dtype=np.float32):
        super().__init__(normalized_shape, dtype)
        self.eps = finite_number(eps, "eps", positive=True)
        self.beta = np.zeros(self.normalized_shape, dtype=self.dtype)

    def forward(self, x):
        """Normalise ``x`` (shape ``(*, *normalized_shape)``) over its trailing dimensions."""
        x = self._input(x)
        x_hat, inv_std = _standardize(x, self._axes, self.eps)
        self._cache = (x_hat, inv_std)
        return self.gamma * x_hat + self.beta

    def backward(self, dout):
        """Return ``(dx, dgamma, dbeta)`` for the last ``forward``."""
        dout = self._dout(dout)
        x_hat, inv_std = self._cache
        dx = _standardize_backward(dout * self.gamma, x_hat, inv_std, self._axes)
        return dx, self._leading(dout * x_hat), self._leading(dout)

    def __repr__(self):
        return f"LayerNorm({self.normalized_shape}, eps={self.eps})"


class RMSNorm(_TrailingNorm):
    r"""RMS normalization (Zhang & Sennrich, 2019) as ``torch.nn.RMSNorm``: each example divided by the root
    mean square of its trailing ``normalized_shape`` entries, :math:`y = \gamma\,x/\sqrt{\overline{x^2} + \epsilon}`,
    with ``gamma`` of shape ``normalized_shape`` and no ``beta``. ``eps=None`` means the machine epsilon of the
    layer's dtype (``np.finfo(dtype).eps``, as torch uses ``torch.finfo(x.dtype).eps``). Backward (module
    docstring): :math:`\partial\ell/\partial x = r(g - \hat x\,\overline{g\hat x})`,
    :math:`g = \gamma\,\partial\ell/\partial y`.
    """

    def __init__(self, normalized_shape, eps=None, dtype=np.float32):
        super().__init__(normalized_shape, dtype)
        self.eps = None if eps is None else finite_number(eps, "eps", positive=True)

    @property
    def effective_eps(self):
        """The :math:`\\epsilon` used: ``eps``, or the dtype's machine epsilon when ``eps`` is None."""
        return float(np.finfo(self.dtype).eps) if self.eps is None else self.eps

    def forward(self, x):
        """Divide ``x`` (shape ``(*, *normalized_shape)``) by its root mean square over the trailing dimensions."""
        x = self._input(x)
        inv_rms = 1 / np.sqrt(np.mean(x * x, axis=self._axes, keepdims=True) + self.effective_eps)
        x_hat = x * inv_rms
        self._cache = (x_hat, inv_rms)
        return self.gamma * x_hat

    def backward(self, dout):
        """Return ``(dx, dgamma)`` for the last ``forward``."""
        dout = self._dout(dout)
        x_hat, inv_rms = self._cache
        g = dout * self.gamma
        dx = inv_rms * (g - x_hat * (g * x_hat).mean(axis=self._axes, keepdims=True))
        return dx, self._leading(dout * x_hat)

    def __repr__(self):
        return f"RMSNorm({self.normalized_shape}, eps={self.eps})"


class GroupNorm:
    r"""Group normalization (Wu & He, 2018) as ``torch.nn.GroupNorm``: the ``num_channels`` channels of an input
    ``(N, C, *)`` split into ``num_groups`` groups of :math:`C/G` consecutive channels; each example's group is
    standardised over its :math:`C/G` channels and every spatial position, then
    :math:`y = \gamma_c\hat x + \beta_c` with ``gamma`` and ``beta`` per channel (shape ``(C,)``).
    ``num_groups=1`` is layer norm over ``(C, *)`` (with per-channel affine), ``num_groups=C`` instance norm.
    Backward (module docstring) over each group's entries.
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, dtype=np.float32):
        self.num_groups = positive_int(num_groups, "num_groups")
        self.num_channels = positive_int(num_channels, "num_channels")
        if self.num_channels % self.num_groups:
            raise ValueError(f"num_groups must divide num_channels ({self.num_channels}), got {self.num_groups}")
        self.eps = finite_number(eps, "eps", positive=True)
        self.dtype = _float_dtype(dtype)
        self.gamma = np.ones(self.num_channels, dtype=self.dtype)
        self.beta = np.zeros(self.num_channels, dtype=self.dtype)
        self._cache = None

    def _input(self, x, name):
        x = _array(x, name, self.dtype)
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ValueError(f"{name} must have shape (N, {self.num_channels}, *) with num_channels = "
                             f"{self.num_channels} in axis 1, got shape {x.shape}")
        return x

    def _channel(self, p, ndim):
        """``p`` (shape ``(C,)``) shaped to broadcast along axis 1 of an ``ndim``-dimensional input."""
        return p.reshape((self.num_channels,) + (1,) * (ndim - 2))

    def forward(self, x):
        """Normalise ``x`` (shape ``(N, num_channels, *)``) per example and group."""
        x = self._input(x, "x")
        grouped = x.reshape(x.shape[0], self.num_groups, -1)
        x_hat, inv_std = _standardize(grouped, 2, self.eps)
        x_hat = x_hat.reshape(x.shape)
        self._cache = (x_hat, inv_std)
        return self._channel(self.gamma, x.ndim) * x_hat + self._channel(self.beta, x.ndim)

    def backward(self, dout):
        """Return ``(dx, dgamma, dbeta)`` for the last ``forward``."""
        if self._cache is None:
            raise RuntimeError("call forward(x) before backward(dout)")
        x_hat, inv_std = self._cache
        dout = self._input(dout, "dout")
        if dout.shape != x_hat.shape:
            raise ValueError(f"dout must have shape {x_hat.shape} like the last forward input, got {dout.shape}")
        shared = (0,) + tuple(range(2, dout.ndim))  # gamma_c is used at every example and position
        g = (dout * self._channel(self.gamma, dout.ndim)).reshape(dout.shape[0], self.num_groups, -1)
        dx = _standardize_backward(g, x_hat.reshape(g.shape), inv_std, 2).reshape(dout.shape)
        return dx, (dout * x_hat).sum(axis=shared), dout.sum(axis=shared)

    def __repr__(self):
        return f"GroupNorm({self.num_groups}, {self.num_channels}, eps={self.eps})"
