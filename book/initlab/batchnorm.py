r"""Batch normalization (Ioffe & Szegedy, 2015), with the statistics PyTorch's ``BatchNorm1d`` keeps.

Training mode, over a batch of :math:`B` rows:

.. math::
    \mu_B = \frac{1}{B}\sum_i x_i, \quad \sigma_B^2 = \frac{1}{B}\sum_i (x_i - \mu_B)^2, \quad
    \hat x_i = \frac{x_i - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}}, \quad y_i = \gamma \hat x_i + \beta.

The batch is normalised with the *biased* variance :math:`\sigma_B^2`; the running estimate used
in eval mode keeps the *unbiased* one,
:math:`\text{running\_var} \leftarrow (1 - m)\,\text{running\_var} + m\,\frac{B}{B - 1}\sigma_B^2`,
and likewise for the mean. The backward pass (derived in chapter 6) is

.. math::
    \frac{\partial \ell}{\partial x_i} = \frac{\gamma}{B\sqrt{\sigma_B^2 + \epsilon}}
    \Big(B\,g_i - \sum_j g_j - \hat x_i \sum_j g_j \hat x_j\Big), \qquad g_i = \frac{\partial \ell}{\partial y_i}.

The batch statistics are noisy: :func:`batch_statistics` samples them, :func:`batch_mean_std` and
:func:`expected_batch_var` predict their spread and their mean, :func:`batch_noise` puts the three together.
:func:`gradient_growth` predicts how much each layer of a deep batch-normalised network multiplies the
back-propagated gradient at initialization.
"""

import math
from dataclasses import dataclass

import numpy as np

from . import activations as _activations
from . import theory
from ._checks import finite_number, generator, matrix, positive_int

__all__ = ["BatchNorm", "batch_statistics", "batch_mean_std", "expected_batch_var", "BatchNoise", "batch_noise",
           "gradient_growth"]


class BatchNorm:
    """Normalises each of ``num_features`` columns over the batch, then scales by ``gamma`` and shifts by ``beta``."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, dtype=np.float32):
        self.num_features = positive_int(num_features, "num_features")
        self.eps = finite_number(eps, "eps", positive=True)
        self.momentum = finite_number(momentum, "momentum", nonnegative=True)
        if self.momentum > 1:
            raise ValueError(f"momentum must be in [0, 1], got {self.momentum}")
        self.dtype = np.dtype(dtype)
        self.gamma = np.ones(self.num_features, dtype=self.dtype)
        self.beta = np.zeros(self.num_features, dtype=self.dtype)
        self.running_mean = np.zeros(self.num_features, dtype=self.dtype)
        self.running_var = np.ones(self.num_features, dtype=self.dtype)
        self._cache = None

    def forward(self, x, train=True):
        """Normalise ``x`` (shape ``(batch, num_features)``) with batch statistics, or running ones if not ``train``."""
        x = matrix(x, "x", self.num_features, self.dtype)
        if train:
            batch = x.shape[0]
            if batch < 2:
                raise ValueError("BatchNorm in train mode needs a batch of at least 2 rows (the variance of one "
                                 f"row is 0), got x of shape {x.shape}; use train=False to normalise one example")
            mean = x.mean(axis=0)
            var = x.var(axis=0)
            m = self.momentum
            self.running_mean = ((1 - m) * self.running_mean + m * mean).astype(self.dtype)
            self.running_var = ((1 - m) * self.running_var + m * var * (batch / (batch - 1))).astype(self.dtype)
        else:
            mean, var = self.running_mean, self.running_var
        inv_std = 1 / np.sqrt(var + self.eps)
        x_hat = (x - mean) * inv_std
        self._cache = (x_hat, inv_std, train)
        return self.gamma * x_hat + self.beta

    def backward(self, dout):
        """Return ``(dx, dgamma, dbeta)`` for the last ``forward``."""
        if self._cache is None:
            raise RuntimeError("call forward(x) before backward(dout)")
        x_hat, inv_std, train = self._cache
        dout = matrix(dout, "dout", self.num_features, self.dtype)
        if dout.shape != x_hat.shape:
            raise ValueError(f"dout must have shape {x_hat.shape} like the last forward input, got {dout.shape}")
        dgamma = (dout * x_hat).sum(axis=0)
        dbeta = dout.sum(axis=0)
        if not train:
            return dout * (self.gamma * inv_std), dgamma, dbeta
        batch = dout.shape[0]
        dx = (self.gamma * inv_std / batch) * (batch * dout - dbeta - x_hat * dgamma)
        return dx, dgamma, dbeta

    def __repr__(self):
        return f"BatchNorm({self.num_features}, eps={self.eps}, momentum={self.momentum})"


def _population(values, batch_size):
    """``values`` as a float64 vector and ``batch_size`` checked against its length."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or values.size < 2:
        raise ValueError(f"values must be a 1-D array of at least 2 numbers (one unit over a data set), "
                         f"got shape {values.shape}")
    batch_size = positive_int(batch_size, "batch_size")
    if batch_size > values.size:
        raise ValueError(f"batch_size must be at most the number of values ({values.size}), got {batch_size}")
    return values, batch_size


def batch_statistics(values, batch_size, n_batches=1000, rng=0):
    r"""Mean and biased variance of ``n_batches`` batches of ``batch_size`` values drawn without replacement
    (as :func:`initlab.train` draws its batches) from ``values``, one unit's value on every example.

    Returns two float64 arrays of length ``n_batches``: the :math:`\mu_B` and :math:`\sigma_B^2` a
    BatchNorm layer would normalise that unit with.
    """
    values, batch_size = _population(values, batch_size)
    n_batches = positive_int(n_batches, "n_batches")
    gen = generator(rng)
    batches = np.stack([values[gen.choice(values.size, batch_size, replace=False)] for _ in range(n_batches)])
    return batches.mean(axis=1), batches.var(axis=1)


def batch_mean_std(values, batch_size):
    r"""Standard deviation of the batch mean over batches of :math:`m` drawn without replacement from :math:`N` values,

    .. math:: \operatorname{sd}(\mu_B) = \frac{\sigma}{\sqrt m}\sqrt{\frac{N - m}{N - 1}},

    with :math:`\sigma^2` the variance of ``values`` (divisor :math:`N`); the square root is the finite-population
    correction, close to 1 when :math:`m \ll N` (derived in chapter 6).
    """
    values, m = _population(values, batch_size)
    n = values.size
    return float(values.std() / math.sqrt(m) * math.sqrt((n - m) / (n - 1)))


def expected_batch_var(values, batch_size):
    r"""Mean of the biased batch variance :math:`\sigma_B^2` over batches of :math:`m` drawn without replacement,

    .. math:: \mathbb E[\sigma_B^2] = \sigma^2\,\frac{m - 1}{m}\,\frac{N}{N - 1},

    below :math:`\sigma^2` by the factor :math:`(m - 1)/m` that the running estimate's :math:`m/(m - 1)` undoes
    (derived in chapter 6).
    """
    values, m = _population(values, batch_size)
    n = values.size
    return float(values.var() * (m - 1) / m * n / (n - 1))


@dataclass(frozen=True)
class BatchNoise:
    r"""The batch statistics of one unit at one batch size (:func:`batch_noise`), with their predictions.

    ``means`` and ``stds`` hold one entry per sampled batch: :math:`\mu_B`, and :math:`\sigma_B/\sigma`
    relative to the unit's standard deviation ``sigma``. ``predicted_sd`` is :func:`batch_mean_std`,
    ``predicted_var`` is :func:`expected_batch_var` over :math:`\sigma^2`.
    """

    sigma: float
    means: np.ndarray
    stds: np.ndarray
    predicted_sd: float
    predicted_var: float

    @property
    def measured_sd(self):
        """The standard deviation of :attr:`means` over the batches (``ddof = 1``): ``predicted_sd`` measured."""
        return float(self.means.std(ddof=1))


def batch_noise(values, batch_size, n_batches=1000, rng=0):
    """Sample ``n_batches`` batches of ``batch_size`` from ``values`` (:func:`batch_statistics`; float64) and
    return :class:`BatchNoise`: their means and relative standard deviations next to the predictions."""
    values, batch_size = _population(values, batch_size)
    sigma = float(values.std())
    means, variances = batch_statistics(values, batch_size, n_batches, rng=rng)
    return BatchNoise(sigma, means, np.sqrt(variances) / sigma, batch_mean_std(values, batch_size),
                      expected_batch_var(values, batch_size) / sigma ** 2)


def gradient_growth(activation):
    r"""Per-layer factor of the back-propagated gradient's mean square in a wide, deep network whose hidden
    layers are linear → BatchNorm → ``activation``, at initialization (weights zero-mean, independent):

    .. math:: \lambda = \frac{\mathbb E[f'(\xi)^2]}{\operatorname{Var} f(\xi)}, \qquad \xi \sim \mathcal N(0, 1).

    Backward through one layer, :math:`f'` multiplies the mean square by :math:`\mathbb E[f'^2]`, the weights by
    :math:`\sigma_w^2`, and the normalisation divides it by the batch variance of the pre-activation,
    :math:`\sigma_w^2 \operatorname{Var} f`; :math:`\sigma_w^2` cancels (derived in chapter 6). For relu
    :math:`\lambda = \pi/(\pi - 1)`; for a linear activation 1. The growth itself is the gradient explosion
    of Yang et al. (2019).
    """
    f = _activations.get(activation)
    variance = theory.activation_std(f, 1.0) ** 2
    if not variance > 0:
        raise ValueError(f"activation {f.name!r} has zero variance on N(0, 1): the factor is undefined")
    return theory.gradient_factor(f, 1.0, 1.0) / variance
