r"""SGD against Adam on a network whose gradient vanishes: what Adam's per-parameter normalization does with
a gradient that is small in some layers.

Adam's first step (:mod:`initlab.adam`, bias corrections included) moves every entry by

.. math::
    \Delta\theta = \eta\,\frac{g}{|g| + \epsilon},

which is :math:`\eta\operatorname{sign}(g)` when :math:`|g| \gg \epsilon` and :math:`\eta g/\epsilon` when
:math:`|g| \ll \epsilon`. So for a layer of :math:`N_k` weights whose gradient entries are all far above
:math:`\epsilon`, :math:`\lVert\Delta W_k\rVert = \eta\sqrt{N_k}`, whatever the gradient's size: the scale is
gone, only the signs (the direction, coarsened) are kept. SGD's step is :math:`\eta\,g`: its size is the
gradient's, so a layer whose gradient vanishes does not move.
"""

from dataclasses import dataclass

import numpy as np

from ._checks import finite_number
from .adam import Adam
from .diagnostics import gradient_norms, norm

__all__ = ["FirstStep", "first_step", "sign_step_norm"]


def sign_step_norm(shape, lr):
    r""":math:`\eta\sqrt{N}`: the norm of Adam's first step on an array of ``shape`` (:math:`N` entries) when
    every gradient entry is far above :math:`\epsilon`."""
    return finite_number(lr, "lr", positive=True) * float(np.sqrt(np.prod(shape)))


@dataclass(frozen=True)
class FirstStep:
    """Per weight matrix (layer 1 first) of one step from the same initialization."""

    #: ``‖∂ℓ/∂W_k‖``.
    grad_norm: np.ndarray
    #: the root mean square of the entries of ``∂ℓ/∂W_k``, to compare with Adam's ``eps``.
    grad_rms: np.ndarray
    #: ``‖ΔW_k‖/‖W_k‖`` of one SGD step.
    sgd_ratio: np.ndarray
    #: ``‖ΔW_k‖/‖W_k‖`` of one Adam step.
    adam_ratio: np.ndarray
    #: ``η√N_k/‖W_k‖``: Adam's ratio when every gradient entry is far above ``eps``.
    sign_ratio: np.ndarray
    #: the cosine between Adam's step and the gradient.
    adam_cosine: np.ndarray


def first_step(model, x, y, lr_sgd, lr_adam, eps=1e-8):
    """Measure one SGD step and one Adam step (PyTorch's defaults but ``eps``) of every weight matrix of
    ``model`` on the batch ``(x, y)``, without changing the model."""
    lr_sgd = finite_number(lr_sgd, "lr_sgd", positive=True)
    lr_adam = finite_number(lr_adam, "lr_adam", positive=True)
    gradient_norms(model, x, y)
    grads = model.gradients()[0:2 * model.depth:2]
    weight_norms = np.array([norm(w) for w in model.weights])
    adam_steps = Adam([w.copy() for w in model.weights], lr=lr_adam, eps=eps).step(grads)
    cosine = [float(np.sum(d.astype(np.float64) * g) / (norm(d) * norm(g))) for d, g in zip(adam_steps, grads)]
    return FirstStep(
        grad_norm=np.array([norm(g) for g in grads]),
        grad_rms=np.array([norm(g) / np.sqrt(g.size) for g in grads]),
        sgd_ratio=lr_sgd * np.array([norm(g) for g in grads]) / weight_norms,
        adam_ratio=np.array([norm(d) for d in adam_steps]) / weight_norms,
        sign_ratio=np.array([sign_step_norm(w.shape, lr_adam) for w in model.weights]) / weight_norms,
        adam_cosine=np.array(cosine),
    )
