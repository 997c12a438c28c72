"""Chapter 7.5's figures: per-layer variance at initialization, orthogonal vs the standard rule vs LSUV."""

import numpy as np

from .._checks import one_of, positive_int
from ..lsuv import lsuv
from ..mlp import MLP
from ..plots import by_layer, new_figure

__all__ = ["SCHEMES", "STANDARD", "build", "layer_variances", "variance_figure"]

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
    return np.array([np.var(z, dtype=np.float64) for z in model.pre_activations])


def variance_figure(variances, labels):
    """One panel per activation: ``variances[activation][scheme]`` per layer, on a log axis.

    ``labels[activation]`` names the standard rule for that activation (e.g. "He").
    """
    fig, axes = new_figure(ncols=len(variances), figsize=(4.2 * len(variances), 3.4), layout="constrained")
    axes = np.atleast_1d(axes)
    for ax, (activation, by_scheme) in zip(axes, variances.items()):
        for scheme, values in by_scheme.items():
            label = f"{labels[activation]} (standard)" if scheme == "standard" else scheme
            by_layer(ax, values, label=label)
        ax.axhline(1.0, color="0.5", lw=0.8, ls=":")
        ax.set(title=f"{activation}, {len(values)} layers", xlabel="layer k",
               ylabel=r"Var($z_k$) at initialization")
        ax.legend(fontsize="small")
    return fig
