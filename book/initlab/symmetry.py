r"""Symmetry between the units of a layer: are they copies of each other?

Two hidden units with the same incoming and outgoing weights receive the same gradient, so gradient
descent keeps them the same forever (chapter 5): a constant initialization never breaks the tie.
"""

import numpy as np

__all__ = ["unit_spread"]


def unit_spread(w):
    r"""The largest difference between two units' incoming weights: :math:`\max_{i,j,j'} |W_{ij} - W_{ij'}|`.

    ``w`` has shape ``(fan_in, fan_out)`` (one column per unit, as in :class:`initlab.MLP`); 0 means
    every unit of the layer has the same incoming weights, i.e. the units are copies of each other.
    """
    w = np.asarray(w, dtype=np.float64)
    if w.ndim != 2 or w.size == 0:
        raise ValueError(f"w must be a non-empty (fan_in, fan_out) matrix, got shape {w.shape}")
    return float(np.max(np.ptp(w, axis=1)))
