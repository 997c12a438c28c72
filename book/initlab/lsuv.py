r"""Layer-sequential unit-variance (LSUV) initialization, Mishkin & Matas (2016), Algorithm 1.

1. Pre-initialize every weight matrix with an orthonormal matrix (:func:`initlab.init.orthogonal`,
   Saxe et al. 2014).
2. For each layer :math:`k = 1, \dots, L` in order: forward a mini-batch, compute the variance
   :math:`v` of that layer's output :math:`B_k`, and set :math:`W_k \leftarrow W_k/\sqrt{v}`;
   repeat until :math:`|v - 1| < \text{tol}` or ``max_iter`` rescalings.

The output normalised is that of the fully connected layer, :math:`z_k = h_{k-1} W_k + b_k` (the
pre-activation, ``model.pre_activations[k]``), and its variance is taken over every entry of the
batch, all units together, as the paper's Caffe code does. Earlier layers are already normalised
when layer ``k`` is treated, which is what makes the procedure sequential.

Biases are left as they are (zero in a freshly built :class:`initlab.MLP`). With zero biases
:math:`z_k` is linear in :math:`W_k`, so one rescaling reaches variance 1 up to rounding; with non-zero
biases the bias part does not scale and the loop may need more steps, or never get there (``max_iter``
then stops it and the record says ``converged=False``). Models with batch normalization are refused:
batch norm fixes each unit's variance itself, so rescaling the weights before it has no effect on its output.
"""

import math

import numpy as np

from . import init as _init
from . import layer_stats
from ._checks import finite_number, generator, one_of, positive_int
from .mlp import MLP

__all__ = ["lsuv", "SCHEMES", "STANDARD", "build", "layer_variances"]


def lsuv(model, x, tol=0.1, max_iter=10, orthonormal=True, rng=None):
    """Initialize ``model`` (an :class:`initlab.MLP`) in place by LSUV on the batch ``x``; return what it did.

    ``orthonormal=True`` is step 1 of the algorithm (weights redrawn by :func:`initlab.init.orthogonal`
    from ``rng``); ``False`` keeps the model's current weights and only rescales them. Returns one dict per
    layer, in order: ``layer`` (1 = first), ``iterations`` (rescalings done, at most ``max_iter``),
    ``var_before`` and ``var_after`` (the output variance before the first and after the last rescaling)
    and ``converged`` (``|var_after - 1| < tol``).
    """
    if not hasattr(model, "weights") or not hasattr(model, "pre_activations"):
        raise TypeError(f"model must be an initlab.MLP, got {type(model).__name__}")
    if model.norms:
        raise ValueError("lsuv does not apply to a model with batch_norm=True: batch norm sets each unit's "
                         "variance itself, so rescaling the weights before it changes nothing")
    tol = finite_number(tol, "tol", positive=True)
    max_iter = positive_int(max_iter, "max_iter")
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"x must be a batch of at least 2 examples, shape (batch, {model.sizes[0]}), "
                         f"got shape {x.shape}")
    if orthonormal:
        gen = generator(rng)
        for w in model.weights:
            w[...] = _init.orthogonal(*w.shape, rng=gen)

    def output_variance(k):
        model.forward(x)
        v = float(np.var(model.pre_activations[k], dtype=np.float64))
        if not (math.isfinite(v) and v > 0):
            raise ValueError(f"layer {k + 1}'s output variance is {v} on this batch: it cannot be scaled to 1")
        return v

    record = []
    for k, w in enumerate(model.weights):
        v = before = output_variance(k)
        steps = 0
        while abs(v - 1) >= tol and steps < max_iter:
            w /= np.sqrt(v).astype(w.dtype)
            steps += 1
            v = output_variance(k)
        record.append({"layer": k + 1, "iterations": steps, "var_before": before, "var_after": v,
                       "converged": abs(v - 1) < tol})
    return record


SCHEMES = ("orthogonal", "standard", "LSUV")
#: The usual rule per activation, by name and initializer: He for the relu family (gelu has no entry in
#: ``calculate_gain``, and He is what it usually gets), Xavier for tanh and sigmoid.
STANDARD = {"relu": ("He", "kaiming_normal"), "gelu": ("He", "kaiming_normal"), "elu": ("He", "kaiming_normal"),
            "tanh": ("Xavier", "xavier_normal"), "sigmoid": ("Xavier", "xavier_normal")}


def build(scheme, activation, x, depth=20, width=64, classes=10, rng=0):
    """``(model, record)``: a ``depth``-layer MLP of hidden width ``width`` initialized by ``scheme`` (one of
    :data:`SCHEMES`); ``record`` is :func:`initlab.lsuv.lsuv`'s, on the batch ``x``, for LSUV, else None.

    "orthogonal" is :func:`initlab.init.orthogonal` at gain 1, the starting point of LSUV before any scaling.
    """
    one_of(scheme, "scheme", SCHEMES)
    one_of(activation, "activation", tuple(STANDARD))
    depth, width = positive_int(depth, "depth"), positive_int(width, "width")
    sizes = [np.shape(x)[1]] + [width] * (depth - 1) + [positive_int(classes, "classes")]
    name = STANDARD[activation][1] if scheme == "standard" else "orthogonal"
    model = MLP(sizes, activation=activation, init=name, rng=rng)
    record = lsuv(model, x, orthonormal=False) if scheme == "LSUV" else None
    return model, record


def layer_variances(model, x):
    """The variance of each layer's pre-activations ``z_k`` on the batch ``x`` (all entries pooled), float64."""
    model.forward(x)
    return layer_stats.variances(model.pre_activations)
