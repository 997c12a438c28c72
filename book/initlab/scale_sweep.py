r"""One network at several init scales: its signal and gradient per layer before training, its loss after.

:func:`scale_sweep` measures, for each scale, the standard deviation of every layer's output and the norm of
every layer's weight gradient on a probe batch, then trains the network briefly (chapter 5's sweep from too
small to too large). :func:`he_scale_profile` measures a relu network at a multiple of He initialization,
with or without batch norm, next to its prediction (chapter 6).
"""

import math
from dataclasses import dataclass

import numpy as np

from . import diagnostics, layer_stats, theory
from . import init as _init
from ._checks import finite_number, positive_int
from .mlp import MLP
from .training import train

__all__ = ["SweepPoint", "scale_sweep", "ScaleProfile", "he_scale_profile"]


@dataclass
class SweepPoint:
    """What :func:`scale_sweep` measured at one init scale (per-layer arrays: hidden layers, then output)."""

    scale: float
    std: np.ndarray
    grad_norm: np.ndarray
    history: object

    @property
    def outcome(self):
        """The loss at the end of training, or why training stopped."""
        h = self.history
        if h.diverged:
            return f"failed at step {h.failed_at}"
        return f"{h.loss[-1]:.3f}"


def scale_sweep(build, scales, x_probe, y_probe, x, y, **train_options):
    """For each scale: build ``build(scale)``, measure it on one batch, then train it briefly.

    Measured before training, on ``(x_probe, y_probe)``: the standard deviation of every layer's
    output (:func:`initlab.layer_stats.stds`) and ``‖∂ℓ/∂W_k‖`` (``diagnostics.gradient_norms``); values
    that overflowed are inf/NaN. Then :func:`initlab.train` on ``(x, y)`` with ``train_options``.
    Returns one :class:`SweepPoint` per scale.
    """
    scales = list(scales)
    if not scales:
        raise ValueError("scales must hold at least one scale")
    points = []
    for scale in scales:
        scale = finite_number(scale, "scale", positive=True)
        model = build(scale)
        grad_norm = diagnostics.gradient_norms(model, x_probe, y_probe)  # runs the forward pass too
        std = layer_stats.stds(model.activations)
        points.append(SweepPoint(scale, std, grad_norm, train(model, x, y, **train_options)))
    return points


@dataclass(frozen=True)
class ScaleProfile:
    """What :func:`he_scale_profile` measured, one float64 value per layer (the last is the output):
    ``rms`` of the activations, its ``predicted`` value, and ``grad_norm`` ``‖∂ℓ/∂W_k‖``."""

    rms: np.ndarray
    predicted: np.ndarray
    grad_norm: np.ndarray


def he_scale_profile(x, y, scale, batch_norm, depth=10, width=64, rng=0):
    r"""A relu network at ``scale`` times He initialization, with or without batch norm, on ``(x, y)``.

    Builds ``MLP([n_in] + [width] * depth + [n_classes], "relu", batch_norm=batch_norm)`` with weights
    :math:`\mathcal N(0, 2\,\text{scale}^2/n_{\text{in}})` in every layer (seed ``rng``), runs one forward and
    backward pass (:func:`initlab.diagnostics.backprop_norms`) and returns :class:`ScaleProfile`: the root
    mean square :math:`\sqrt{\overline{h_k^2}}` of every layer's output, and its prediction. Without batch
    norm the prediction is the length map (:func:`initlab.theory.forward_variances`, :math:`q_k` from the
    input's mean square): :math:`\sqrt{q_k/2}` for a hidden relu layer, :math:`\sqrt{q_L}` for the logits.
    With it, every hidden layer is normalised to unit variance before the relu, so :math:`\sqrt{1/2}`, and
    the logits get :math:`2\,\text{scale}^2 \cdot 1/2`, RMS ``scale``.
    """
    scale = finite_number(scale, "scale", positive=True)
    depth, width = positive_int(depth, "depth"), positive_int(width, "width")
    sigma_w = scale * math.sqrt(2)
    sizes = [np.shape(x)[1]] + [width] * depth + [int(np.max(y)) + 1]
    model = MLP(sizes, activation="relu", init=_init.scaled_normal(sigma_w), rng=rng, batch_norm=bool(batch_norm))
    _, grad_norm = diagnostics.backprop_norms(model, x, y)
    rms = np.sqrt(layer_stats.mean_squares(model.activations))
    if batch_norm:
        predicted = np.array([math.sqrt(0.5)] * depth + [scale])
    else:
        q = theory.forward_variances("relu", sigma_w, depth + 1,
                                     input_second_moment=float(np.mean(np.square(x, dtype=np.float64))))
        predicted = np.sqrt(np.append(q[:-1] / 2, q[-1]))
    return ScaleProfile(rms, predicted, grad_norm)
