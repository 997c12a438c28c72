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

__all__ = ["SweepPoint", "layer_factor", "scale_sweep", "ScaleProfile", "he_scale_profile"]


@dataclass
class SweepPoint:
    """What :func:`scale_sweep` measured at one init scale (per-layer arrays: hidden layers, then output)."""

    scale: float
    std: np.ndarray
    grad_norm: np.ndarray
    history: object

    #: A run that overflows later than this step is reported only as "failed after step 10": how many steps
    #: it survives depends on the CPU's float32 rounding (chapter 5), while an overflow within the first
    #: steps does not.
    STABLE_STEPS = 10

    @property
    def outcome(self):
        """The loss at the end of training, or why training stopped (a late overflow without its step)."""
        h = self.history
        if h.diverged and h.failed_at > self.STABLE_STEPS:
            return f"failed after step {self.STABLE_STEPS}"
        if h.diverged:
            return f"failed at step {h.failed_at}"
        return f"{h.loss[-1]:.3f}"

    @property
    def layer_factor(self):
        r"""The geometric mean of the per-layer factor of the output's standard deviation over the hidden
        layers, :math:`(\operatorname{std} h_{L-1} / \operatorname{std} h_1)^{1/(L-2)}` (the logits excluded):
        the measured counterpart of :math:`\rho = \sigma_w/\sqrt 2` in a relu network."""
        return layer_factor(self.std[:-1])


def layer_factor(std):
    r"""The geometric mean of the factor by which the signal changes per layer:
    :math:`(s_K / s_1)^{1/(K-1)}` for per-layer sizes ``std`` :math:`= (s_1, \dots, s_K)`, ``K >= 2``.

    For a relu network with weights :math:`\mathcal N(0, \sigma_w^2/n_{\text{in}})` and no biases the
    prediction is :math:`\rho = \sigma_w/\sqrt 2` (chapter 5). Returns inf or NaN if a size overflowed.
    """
    std = np.asarray(std, dtype=np.float64)
    if std.ndim != 1 or std.size < 2:
        raise ValueError(f"std must hold one size per layer for at least two layers, got shape {std.shape}")
    if std[0] <= 0:
        raise ValueError(f"std[0] must be > 0 (the first layer's size), got {std[0]}")
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return float((std[-1] / std[0]) ** (1.0 / (std.size - 1)))


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
