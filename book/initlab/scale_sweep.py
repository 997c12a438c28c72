r"""One network at several init scales: its signal and gradient per layer before training, its loss after.

:func:`scale_sweep` measures, for each scale, the standard deviation of every layer's output and the norm of
every layer's weight gradient on a probe batch, then trains the network briefly (chapter 5's sweep from too
small to too large).
"""

from dataclasses import dataclass

import numpy as np

from . import diagnostics
from ._checks import finite_number
from .training import train

__all__ = ["SweepPoint", "scale_sweep"]


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
    output (``diagnostics.layer_std``) and ``‖∂ℓ/∂W_k‖`` (``diagnostics.gradient_norms``); values
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
        std = diagnostics.layer_std(model.activations)
        points.append(SweepPoint(scale, std, grad_norm, train(model, x, y, **train_options)))
    return points
