r"""Comparing initializations by measurement: the same network from several seeds, and a sweep of the scale.

Chapter 5 asks which initialization trains faster and better. One run answers nothing (a seed can be
lucky), so :func:`train_seeds` trains one network per seed and :class:`SeedRuns` summarises them:
final loss and test accuracy as mean ± standard deviation over seeds, and the number of steps each seed
needed to bring its loss, averaged over a few steps, below a target. :func:`scale_sweep` measures, for each init scale,
the signal and the gradient at every layer before training and the loss after a short training run.
:func:`unit_spread` measures how far a layer's units are from being identical copies of each other.
"""

import numbers
import statistics
from dataclasses import dataclass

import numpy as np

from . import diagnostics, theory
from ._checks import finite_number, one_of, positive_int
from .mlp import MLP
from .training import accuracy, train

__all__ = ["unit_spread", "SeedRuns", "train_seeds", "signal_mean_squares", "std_profile",
           "SweepPoint", "scale_sweep"]


def unit_spread(w):
    r"""The largest difference between two units' incoming weights: :math:`\max_{i,j,j'} |W_{ij} - W_{ij'}|`.

    ``w`` has shape ``(fan_in, fan_out)`` (one column per unit, as in :class:`initlab.MLP`); 0 means
    every unit of the layer has the same incoming weights, i.e. the units are copies of each other.
    """
    w = np.asarray(w, dtype=np.float64)
    if w.ndim != 2 or w.size == 0:
        raise ValueError(f"w must be a non-empty (fan_in, fan_out) matrix, got shape {w.shape}")
    return float(np.max(np.ptp(w, axis=1)))


def _seeds(seeds):
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    for i, s in enumerate(seeds):
        if isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 0:
            raise ValueError(f"seeds[{i}] must be a non-negative integer, got {s!r}")
    return [int(s) for s in seeds]


def _mean_std(values):
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


@dataclass
class SeedRuns:
    """One network trained from several seeds (see :func:`train_seeds`); lists are in seed order."""

    seeds: list
    histories: list
    accuracies: list
    target: float
    window: int

    @property
    def final_losses(self):
        """Each run's mean training loss over its last ``window`` steps (inf if it failed)."""
        return [float(np.mean(h.loss[-self.window:])) if h.steps and not h.diverged else float("inf")
                for h in self.histories]

    @property
    def steps(self):
        """Each run's first step with the loss, averaged over ``window`` steps, below the target
        (:meth:`initlab.History.steps_to_loss`; ``None``: never reached)."""
        return [h.steps_to_loss(self.target, self.window) for h in self.histories]

    def summary(self):
        """``(loss mean, loss std, accuracy mean, accuracy std, steps mean or None, runs that reached the target)``.

        Standard deviations are over seeds (``ddof = 1``); the mean number of steps is over the runs
        that reached the target, ``None`` if none did.
        """
        loss_mean, loss_std = _mean_std(self.final_losses)
        acc_mean, acc_std = _mean_std(self.accuracies)
        reached = [s for s in self.steps if s is not None]
        return loss_mean, loss_std, acc_mean, acc_std, (statistics.fmean(reached) if reached else None), len(reached)


def train_seeds(build, x, y, x_test, y_test, seeds, *, target, window=10, **train_options):
    """Train ``build(seed)`` on ``(x, y)`` for each seed and return :class:`SeedRuns`.

    ``build`` maps a seed to a fresh model; the same seed also drives the mini-batch order, so two
    schemes compared with the same seeds see the same batches. ``train_options`` go to
    :func:`initlab.train` (``lr``, ``steps``, ``batch_size``, ...).
    """
    seeds = _seeds(seeds)
    target, window = finite_number(target, "target"), positive_int(window, "window")
    histories, accuracies = [], []
    for seed in seeds:
        model = build(seed)
        histories.append(train(model, x, y, rng=seed, **train_options))
        accuracies.append(accuracy(model, x_test, y_test))
    return SeedRuns(seeds, histories, accuracies, target, window)


def signal_mean_squares(build, x, seeds, of="outputs"):
    r"""The mean square of every hidden layer's signal at initialization, one row per seed.

    ``build(seed)`` makes a fresh network; ``of`` is ``"outputs"`` (:math:`\overline{h_k^2}`) or
    ``"pre-activations"`` (:math:`\overline{z_k^2}`); the mean is over the examples of ``x`` and the
    units. Returns a float64 array of shape ``(len(seeds), hidden layers)``.
    """
    one_of(of, "of", ("outputs", "pre-activations"))
    rows = []
    for seed in _seeds(seeds):
        model = build(seed)
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            model.forward(x)
            signal = model.activations if of == "outputs" else model.pre_activations
            rows.append([np.mean(np.square(h, dtype=np.float64)) for h in signal[:-1]])
    return np.array(rows)


def std_profile(activation, init, x, depth, width=64, rng=0):
    r"""Measured and predicted standard deviation of :math:`h_1, \dots, h_{\text{depth}}` at initialization.

    Builds ``MLP([x.shape[1]] + [width] * depth + [1], activation, init, rng)`` and runs ``x`` forward.
    The prediction is mean-field theory's: :func:`initlab.theory.forward_variances` with each layer's
    :math:`\sigma_w^2 = n_{\text{in}}\,\overline{W^2}` read off the drawn weights and the input's mean square,
    then :func:`initlab.theory.activation_std` at every layer's predicted variance. Returns
    ``(measured, predicted)``, float64 arrays of length ``depth``; a measured 0 means the signal fell
    below float32's range, inf/NaN that it overflowed.
    """
    depth, width = positive_int(depth, "depth"), positive_int(width, "width")
    x = np.asarray(x)
    model = MLP([x.shape[1]] + [width] * depth + [1], activation=activation, init=init, rng=rng)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        model.forward(x)
    measured = diagnostics.layer_std(model.activations[:-1])
    sigma_w = [np.sqrt(w.shape[0] * np.mean(np.square(w, dtype=np.float64))) for w in model.weights[:-1]]
    q = theory.forward_variances(model.activation, sigma_w, depth,
                                 input_second_moment=float(np.mean(np.square(x, dtype=np.float64))))
    return measured, np.array([theory.activation_std(model.activation, qk) for qk in q])


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
