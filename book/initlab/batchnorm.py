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
"""

import numpy as np

from ._checks import finite_number, matrix, positive_int

__all__ = ["BatchNorm"]


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
