r"""Batch normalization measured: the experiments chapter 6 puts next to its derivations.

- :func:`backward_check`: :meth:`initlab.BatchNorm.backward` against central finite differences, for the loss
  :math:`\ell = \sum_{ij} G_{ij} y_{ij}` (so :math:`\partial\ell/\partial y = G`), in train or eval mode;
- :func:`running_statistics`: ``steps`` batches from :math:`\mathcal N(\mu, \sigma^2)` through a layer, whose
  running averages follow :math:`\mu_{\text{run}} \leftarrow (1-p)\mu_{\text{run}} + p\,\mu_B` and
  :math:`\sigma^2_{\text{run}} \leftarrow (1-p)\sigma^2_{\text{run}} + p\,\frac{m}{m-1}\sigma_B^2`;
- :func:`scaled_probe`: a batch-normalised relu network with its hidden weights multiplied by
  :math:`\kappa`, for the scale invariance :math:`\mathrm{BN}_\epsilon((\kappa W)x) = \mathrm{BN}_{\epsilon/\kappa^2}(Wx)`.
"""

import numpy as np

from . import diagnostics
from ._checks import finite_number, positive_int
from .batchnorm import BatchNorm
from .gradcheck import numerical_gradient, relative_error
from .mlp import MLP

__all__ = ["backward_check", "running_statistics", "scaled_probe"]


def backward_check(train, units=4, batch=16, rng=1):
    r"""Relative errors ``(∂ℓ/∂x, ∂ℓ/∂γ, ∂ℓ/∂β)`` of the analytic backward pass of a float64
    :class:`~initlab.BatchNorm` against central differences (:func:`initlab.gradcheck.numerical_gradient`),
    with random :math:`\gamma \in [0.5, 2]`, :math:`\beta`, inputs :math:`\mathcal N(1, 3^2)` and
    :math:`G = \partial\ell/\partial y` standard normal. In eval mode (``train=False``) the running statistics
    come from one earlier batch; the finite differences restore them after every evaluation."""
    units, batch = positive_int(units, "units"), positive_int(batch, "batch")
    if batch < 2:
        raise ValueError(f"batch must be at least 2 (train mode needs a variance), got {batch}")
    gen = np.random.default_rng(rng)
    bn = BatchNorm(units, dtype=np.float64)
    bn.gamma[:] = gen.uniform(0.5, 2.0, units)
    bn.beta[:] = gen.standard_normal(units)
    bn.forward(gen.normal(1.0, 3.0, (batch, units)))  # running statistics for eval mode
    z = gen.normal(1.0, 3.0, (batch, units))
    g = gen.standard_normal((batch, units))  # ∂ℓ/∂y
    train = bool(train)

    def loss():
        saved = bn.running_mean.copy(), bn.running_var.copy()
        value = np.sum(g * bn.forward(z, train=train))
        bn.running_mean, bn.running_var = saved  # the check must not move them
        return value

    loss()
    dx, dgamma, dbeta = bn.backward(g)
    return tuple(relative_error(a, numerical_gradient(loss, p))
                 for a, p in ((dx, z), (dgamma, bn.gamma), (dbeta, bn.beta)))


def running_statistics(batch_size, steps, units=64, momentum=0.1, mean=3.0, std=2.0, rng=0):
    r"""Feed ``steps`` batches of ``batch_size`` rows from :math:`\mathcal N(\text{mean}, \text{std}^2)` (``units``
    columns, float64) through a :class:`~initlab.BatchNorm` in train mode. Returns ``(bn, means, variances)``:
    the layer (its ``running_mean`` and ``running_var``) and each batch's mean and *biased* variance, arrays of
    shape ``(steps, units)``."""
    batch_size, steps = positive_int(batch_size, "batch_size"), positive_int(steps, "steps")
    if batch_size < 2:
        raise ValueError(f"batch_size must be at least 2 (train mode needs a variance), got {batch_size}")
    std = finite_number(std, "std", positive=True)
    mean = finite_number(mean, "mean")
    gen = np.random.default_rng(rng)
    bn = BatchNorm(positive_int(units, "units"), momentum=momentum, dtype=np.float64)
    means, variances = [], []
    for _ in range(steps):
        z = mean + std * gen.standard_normal((batch_size, units))
        bn.forward(z)
        means.append(z.mean(axis=0))
        variances.append(z.var(axis=0))
    return bn, np.array(means), np.array(variances)


def scaled_probe(x, y, kappa=1.0, eps=1e-5, sizes=(64, 64, 64, 64, 10), rng=0):
    r"""A float64 relu network ``MLP(sizes, batch_norm=True)`` (He init, seed ``rng``) with every *hidden* weight
    matrix multiplied by ``kappa`` and every batch-norm layer's :math:`\epsilon` set to ``eps``, after one
    forward and backward pass on ``(x, y)``. Returns ``(h, dW1, W1)``: the hidden activations side by side
    (one row per example), :math:`\partial\ell/\partial W_1` and :math:`W_1`. The output layer, with no batch
    norm after it, is not scaled."""
    kappa = finite_number(kappa, "kappa", positive=True)
    eps = finite_number(eps, "eps", nonnegative=True)
    model = MLP(list(sizes), rng=rng, batch_norm=True, dtype=np.float64)
    for w, bn in zip(model.weights[:-1], model.norms):
        w *= kappa
        bn.eps = eps
    diagnostics.backprop_norms(model, x, y)
    return np.concatenate(model.activations[:-1], axis=1), model.gradients()[0], model.weights[0]
