r"""Per-layer statistics, and the same statistic over several seeds with its standard error.

Most of the book's tables put one number per layer next to a prediction: the mean square of the signal,
its standard deviation, the norm of the gradient. One network is one draw of the weights, so a measured
profile is averaged over networks drawn from several seeds, and reported with its standard error
:math:`s/\sqrt{n}` (:math:`s` the sample standard deviation over the :math:`n` seeds, ``ddof = 1``).

- :func:`mean_squares`, :func:`variances`, :func:`stds`: one statistic per array of a list (e.g.
  ``model.pre_activations``), accumulated in float64 so the float32 rounding of a sum cannot move it;
- :func:`over_seeds`: call a per-layer measurement once per seed and return :class:`LayerStats`;
- :func:`standard_error`: :math:`s/\sqrt{n}` along an axis.
"""

import math
import numbers
from dataclasses import dataclass

import numpy as np

__all__ = ["mean_squares", "variances", "stds", "standard_error", "LayerStats", "over_seeds", "seed_list"]


def _arrays(arrays, name="arrays"):
    if isinstance(arrays, np.ndarray) or not hasattr(arrays, "__iter__"):
        raise TypeError(f"{name} must be a list of arrays (one per layer), got {type(arrays).__name__}")
    arrays = [np.asarray(a) for a in arrays]
    for i, a in enumerate(arrays):
        if a.size == 0 or not np.issubdtype(a.dtype, np.number):
            raise ValueError(f"{name}[{i}] must be a non-empty numeric array, got shape {a.shape}, dtype {a.dtype}")
    return arrays


def mean_squares(arrays):
    r"""The mean of :math:`a^2` over all entries of each array, float64: e.g. :math:`\overline{z_k^2}` per layer.

    An entry that overflowed gives inf (or NaN): check with ``np.isfinite`` before plotting.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        return np.array([float(np.mean(np.square(a, dtype=np.float64))) for a in _arrays(arrays)])


def variances(arrays):
    """The variance of all entries of each array, float64 (the mean is subtracted, unlike :func:`mean_squares`)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.array([float(np.var(a, dtype=np.float64)) for a in _arrays(arrays)])


def stds(arrays):
    """The standard deviation of all entries of each array, float64 (e.g. ``stds(model.activations)``)."""
    return np.sqrt(variances(arrays))


def standard_error(samples, axis=0):
    r"""The standard error of the mean along ``axis``: :math:`s/\sqrt{n}` with the sample std ``s`` (``ddof = 1``).

    Needs at least two samples along ``axis``: one sample has no spread to estimate.
    """
    samples = np.asarray(samples, dtype=np.float64)
    if samples.ndim == 0:
        raise ValueError("samples must be an array with at least one axis, got a scalar")
    n = samples.shape[axis]
    if n < 2:
        raise ValueError(f"samples needs at least 2 entries along axis {axis} for a standard error, got {n}")
    with np.errstate(invalid="ignore"):  # an inf sample gives a NaN error: the blow-up stays visible
        return np.std(samples, axis=axis, ddof=1) / math.sqrt(n)


def seed_list(seeds):
    """``seeds`` as a non-empty list of non-negative ints, or raise naming the bad entry."""
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    for i, s in enumerate(seeds):
        if isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 0:
            raise ValueError(f"seeds[{i}] must be a non-negative integer, got {s!r}")
    return [int(s) for s in seeds]


@dataclass(frozen=True)
class LayerStats:
    """A per-layer measurement over seeds: ``samples`` has one row per seed and one column per layer."""

    seeds: tuple
    samples: np.ndarray

    @property
    def mean(self):
        """The mean over seeds, one value per layer (float64)."""
        return self.samples.mean(axis=0)

    @property
    def sem(self):
        """The standard error of :attr:`mean`, one value per layer (:func:`standard_error`)."""
        return standard_error(self.samples, axis=0)

    @property
    def relative_sem(self):
        """:attr:`sem` over :attr:`mean`: the relative uncertainty of each layer's mean."""
        return self.sem / self.mean


def over_seeds(measure, seeds):
    """Call ``measure(seed)`` (one value per layer) for every seed; return :class:`LayerStats`.

    Every call must give the same number of layers; non-finite values are kept (they mean an overflow) and
    make that layer's mean non-finite, so a blow-up is never averaged away.
    """
    seeds = seed_list(seeds)
    rows = [np.asarray(measure(seed), dtype=np.float64) for seed in seeds]
    for seed, row in zip(seeds, rows):
        if row.ndim != 1 or row.shape != rows[0].shape:
            raise ValueError(f"measure(seed) must return one value per layer, the same number for every seed; "
                             f"seed {seed} gave shape {row.shape}, seed {seeds[0]} gave {rows[0].shape}")
    return LayerStats(tuple(seeds), np.stack(rows))
