r"""One network trained from several seeds, summarised: one run answers nothing, since a seed can be lucky.

:func:`train_seeds` trains one network per seed and :class:`SeedRuns` summarises them: final loss and test
accuracy as mean ± standard deviation over seeds, and the number of steps each seed needed to bring its loss,
averaged over a few steps, below a target (chapter 5 compares initialization schemes this way).
"""

import numbers
import statistics
from dataclasses import dataclass

import numpy as np

from ._checks import finite_number, positive_int
from .layer_stats import seed_list
from .training import _check_data, accuracy, train

__all__ = ["SeedRuns", "train_seeds"]


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

    def loss_band(self, window=10):
        """The training loss over seeds, each run's curve smoothed by a mean over ``window`` steps.

        Returns ``(steps, mean, lowest, highest)``: the step at the end of each window, and the mean, the
        minimum and the maximum over the runs that neither failed nor recorded no step (cut to the
        shortest), or ``None`` if there is no such run.
        """
        window = positive_int(window, "window")
        kernel = np.ones(window) / window
        curves = [np.convolve(h.loss, kernel, mode="valid") for h in self.histories if not h.diverged and h.steps]
        if not curves:
            return None
        length = min(len(c) for c in curves)
        curves = np.array([c[:length] for c in curves])
        return np.arange(length) + window - 1, curves.mean(axis=0), curves.min(axis=0), curves.max(axis=0)



def train_seeds(build, x, y, x_test, y_test, seeds, *, target, window=10, **train_options):
    """Train ``build(seed)`` on ``(x, y)`` for each seed and return :class:`SeedRuns`.

    ``build`` maps a seed to a fresh model; the same seed also drives the mini-batch order, so two
    schemes compared with the same seeds see the same batches. ``train_options`` go to
    :func:`initlab.train` (``lr``, ``steps``, ``batch_size``, ...).
    """
    seeds = seed_list(seeds)
    target, window = finite_number(target, "target"), positive_int(window, "window")
    histories, accuracies = [], []
    for seed in seeds:
        model = build(seed)
        # The test data is checked before training, not after a whole run.
        _check_data(model, np.asarray(x_test), np.asarray(y_test), names=("x_test", "y_test"))
        histories.append(train(model, x, y, rng=seed, **train_options))
        accuracies.append(accuracy(model, x_test, y_test))
    return SeedRuns(seeds, histories, accuracies, target, window)
