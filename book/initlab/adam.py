r"""Adam (Kingma & Ba, 2015) with PyTorch's defaults and update rule (``torch.optim.Adam``, ``amsgrad=False``,
``maximize=False``).

At step :math:`t = 1, 2, \dots`, for each parameter :math:`\theta` with gradient :math:`g`:

.. math::
    g &\leftarrow g + \lambda\,\theta \quad \text{(weight decay as an L2 term, not decoupled as in AdamW)},\\
    m &\leftarrow \beta_1 m + (1 - \beta_1)\,g, \qquad v \leftarrow \beta_2 v + (1 - \beta_2)\,g^2,\\
    \hat m &= \frac{m}{1 - \beta_1^t}, \qquad \hat v = \frac{v}{1 - \beta_2^t}, \qquad
    \theta \leftarrow \theta - \eta\,\frac{\hat m}{\sqrt{\hat v} + \epsilon},

with :math:`m = v = 0` before the first step. The bias corrections undo the pull towards the zero start: at
:math:`t = 1`, :math:`\hat m = g` and :math:`\hat v = g^2`, so every entry moves by
:math:`\eta\,g/(|g| + \epsilon)`, which is :math:`\eta\,\operatorname{sign}(g)` up to :math:`\epsilon`, whatever
the gradient's scale. The arithmetic follows torch's: :math:`\sqrt{\hat v}` as
:math:`\sqrt v/\sqrt{1 - \beta_2^t}`, the step as :math:`(\eta/(1 - \beta_1^t))\,m/(\sqrt{\hat v} + \epsilon)`,
the state in each parameter's dtype.
"""

import math

import numpy as np

from ._checks import finite_entries, finite_number

__all__ = ["Adam"]


def _betas(betas):
    """``betas`` as two floats in [0, 1), or raise naming the argument."""
    if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__") or len(betas) != 2:
        raise TypeError(f"betas must be a pair (beta1, beta2) of numbers in [0, 1), got {betas!r}")
    pair = tuple(finite_number(b, f"betas[{i}]") for i, b in enumerate(betas))
    for i, b in enumerate(pair):
        if not 0 <= b < 1:
            raise ValueError(f"betas[{i}] must be in [0, 1), got {b}")
    return pair


class Adam:
    """Adam over the numpy arrays ``params``, updated in place by :meth:`step`.

    The state is inspectable: ``t`` (steps taken), ``exp_avg`` and ``exp_avg_sq`` (the :math:`m` and
    :math:`v` of each parameter, named as in torch's ``optimizer.state``).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        if isinstance(params, np.ndarray) or not isinstance(params, (list, tuple)) or not params:
            raise TypeError("params must be a non-empty list of numpy arrays (the parameters to update), "
                            f"got {type(params).__name__}")
        for i, p in enumerate(params):
            if not isinstance(p, np.ndarray) or not np.issubdtype(p.dtype, np.floating):
                what = f"dtype {p.dtype}" if isinstance(p, np.ndarray) else type(p).__name__
                raise TypeError(f"params[{i}] must be a floating-point numpy array (updated in place), got {what}")
        self.params = list(params)
        self.lr = finite_number(lr, "lr", positive=True)
        self.betas = _betas(betas)
        self.eps = finite_number(eps, "eps", positive=True)
        self.weight_decay = finite_number(weight_decay, "weight_decay", nonnegative=True)
        self.t = 0
        self.exp_avg = [np.zeros_like(p) for p in self.params]
        self.exp_avg_sq = [np.zeros_like(p) for p in self.params]

    def _grads(self, grads):
        if not isinstance(grads, (list, tuple)) or len(grads) != len(self.params):
            raise ValueError(f"grads must be a list of {len(self.params)} arrays, one per parameter, got "
                             + (f"{len(grads)}" if isinstance(grads, (list, tuple)) else type(grads).__name__))
        checked = []
        for i, (p, g) in enumerate(zip(self.params, grads)):
            g = np.asarray(g)
            if g.shape != p.shape:
                raise ValueError(f"grads[{i}] must have the shape of params[{i}], {p.shape}, got {g.shape}")
            finite_entries(g, f"grads[{i}]")  # one NaN would poison m and v for every later step
            checked.append(g.astype(p.dtype, copy=False))
        return checked

    def step(self, grads):
        """Update every parameter in place from its gradient in ``grads``; return the updates
        :math:`\\Delta\\theta` that were subtracted (``params[i] -= updates[i]``)."""
        grads = self._grads(grads)
        self.t += 1
        beta1, beta2 = self.betas
        bias_correction1 = 1 - beta1 ** self.t
        sqrt_bias_correction2 = math.sqrt(1 - beta2 ** self.t)
        step_size = self.lr / bias_correction1
        updates = []
        for p, g, m, v in zip(self.params, grads, self.exp_avg, self.exp_avg_sq):
            if self.weight_decay:
                g = g + self.weight_decay * p
            m += (1 - beta1) * (g - m)  # torch's lerp: beta1 m + (1 - beta1) g
            v *= beta2
            v += (1 - beta2) * (g * g)
            delta = step_size * (m / (np.sqrt(v) / sqrt_bias_correction2 + self.eps))
            p -= delta
            updates.append(delta)
        return updates

    def __repr__(self):
        return (f"Adam(lr={self.lr}, betas={self.betas}, eps={self.eps}, weight_decay={self.weight_decay}, "
                f"t={self.t})")

