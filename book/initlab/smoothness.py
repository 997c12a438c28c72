r"""The loss landscape along the gradient: how far one step in the steepest direction can be trusted.

From parameters :math:`\theta` with gradient :math:`g = \nabla\ell(\theta)`, a step of size :math:`\eta` lands at
:math:`\theta - \eta g`. :func:`along_gradient` measures, for several :math:`\eta`, the loss there and

.. math:: \beta_\eta = \frac{\lVert \nabla\ell(\theta - \eta g) - \nabla\ell(\theta)\rVert}{\eta\,\lVert g\rVert},

how fast the gradient changes along the step. For a loss whose gradient is :math:`\beta`-Lipschitz
(":math:`\beta`-smooth"), :math:`\beta_\eta \le \beta` for every :math:`\eta`; the largest :math:`\beta_\eta` over the
steps is the "effective :math:`\beta`-smoothness" of Santurkar et al. (2018), who found it smaller with batch norm.
"""

from dataclasses import dataclass

import numpy as np

from . import losses as _losses
from ._checks import finite_number
from .diagnostics import norm

__all__ = ["Probe", "along_gradient"]


@dataclass
class Probe:
    """What :func:`along_gradient` measured: arrays indexed like ``step_sizes``."""

    step_sizes: np.ndarray
    loss: float
    grad_norm: float
    loss_after: np.ndarray
    gradient_change: np.ndarray

    @property
    def effective_smoothness(self):
        """The largest :math:`\\beta_\\eta` over the step sizes."""
        return float(np.max(self.gradient_change))


def _loss_and_gradient(model, x, y, loss_fn):
    value, dout = loss_fn(model.forward(x), y)
    model.backward(dout)
    return float(value), [g.astype(np.float64) for g in model.gradients()]


def along_gradient(model, x, y, step_sizes, loss="cross_entropy"):
    """Step from the model's parameters along minus the gradient of the loss on ``(x, y)`` by each of
    ``step_sizes``, measure there, and put everything back (parameters and batch-norm running statistics).

    Returns a :class:`Probe`. Uses train-mode batch statistics, as the training step would.
    """
    step_sizes = np.array([finite_number(s, f"step_sizes[{i}]", positive=True) for i, s in enumerate(step_sizes)])
    if step_sizes.size == 0:
        raise ValueError("step_sizes must hold at least one step size")
    loss_fn = _losses.get(loss)
    params = model.parameters()
    saved = [p.copy() for p in params]
    running = [(bn, bn.running_mean.copy(), bn.running_var.copy()) for bn in model.norms]
    try:
        value, grad = _loss_and_gradient(model, x, y, loss_fn)
        grad_norm = norm(np.concatenate([g.ravel() for g in grad]))
        if not grad_norm > 0:
            raise ValueError("the gradient is zero (or not finite) at these parameters: there is no direction to probe")
        after, change = [], []
        for eta in step_sizes:
            for p, p0, g in zip(params, saved, grad):
                p[...] = p0 - eta * g
            value_eta, grad_eta = _loss_and_gradient(model, x, y, loss_fn)
            after.append(value_eta)
            change.append(norm(np.concatenate([(a - b).ravel() for a, b in zip(grad_eta, grad)])) / (eta * grad_norm))
    finally:
        for p, p0 in zip(params, saved):
            p[...] = p0
        for bn, mean, var in running:
            bn.running_mean, bn.running_var = mean, var
    return Probe(step_sizes=step_sizes, loss=value, grad_norm=grad_norm, loss_after=np.array(after),
                 gradient_change=np.array(change))
