"""Which learning rates a network tolerates: a sweep over a grid, with "stable" defined precisely.

A run is *stable* when it completes every step with finite numbers (:attr:`initlab.History.failure`
is None) and the mean training loss over its last ``window`` steps is below a threshold ``below``
(in the book: :math:`\\ln C` for :math:`C` classes, the loss of a classifier that has learned nothing).
A run that overflows is not a data point: it is reported by its ``failure``, never plotted.
"""

import math

from ._checks import finite_number, positive_int
from .training import train

__all__ = ["lr_sweep", "is_stable", "largest_stable_lr"]


def lr_sweep(make_model, x, y, lrs, **train_options):
    """Train ``make_model()`` (a fresh, identically seeded network each call) once per learning rate.

    Returns ``{lr: History}`` in the order of ``lrs``; ``train_options`` go to :func:`initlab.train`.
    """
    if not callable(make_model):
        raise TypeError(f"make_model must be a function of no argument returning an MLP, got {type(make_model).__name__}")
    lrs = [finite_number(lr, f"lrs[{i}]", positive=True) for i, lr in enumerate(lrs)]
    if not lrs:
        raise ValueError("lrs must hold at least one learning rate")
    return {lr: train(make_model(), x, y, lr=lr, **train_options) for lr in lrs}


def is_stable(history, below, window=10):
    """True if ``history`` finished with finite numbers and its last ``window`` losses average below ``below``."""
    below = finite_number(below, "below")
    window = positive_int(window, "window")
    if history.diverged or history.steps < window:
        return False
    final = float(history.loss[-window:].mean())
    return math.isfinite(final) and final < below


def largest_stable_lr(runs, below, window=10):
    """The largest learning rate of ``runs`` (``{lr: History}``) whose run is stable, or None if none is."""
    stable = [lr for lr, h in runs.items() if is_stable(h, below, window)]
    return max(stable) if stable else None
