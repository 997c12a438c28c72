r"""What each normalization layer is invariant to, measured on one example of a batch.

For a batch :math:`x` (examples in rows), each probe changes the input and reports whether the first
example's output changes:

- ``"other examples"``: every row but the first is redrawn. Batch norm's statistics are over the batch, so the
  first row's output moves; layer, RMS and group norm normalise each example on its own and do not.
- ``"scale example"``: the first row is multiplied by :math:`a > 0`. Layer, RMS and group norm divide by a
  statistic of that row that scales with it (:math:`\sigma`, the RMS), so the output stays (up to
  :math:`\epsilon`); batch norm's statistics change with one row.
- ``"shift example"``: a constant :math:`c` is added to every feature of the first row. Layer and group norm
  subtract the row's (group's) mean, so nothing changes; RMS norm has no mean to subtract.
- ``"scale feature"``: one feature (column) is multiplied by :math:`a` in every row. Batch norm normalises each
  column over the batch, so it does not care; the per-example layers see a different row.
"""

import numpy as np

from ._checks import generator, one_of
from .batchnorm import BatchNorm
from .normalization import GroupNorm, LayerNorm, RMSNorm

__all__ = ["LAYERS", "PROBES", "changed", "PREDICTED"]

LAYERS = ("batch norm", "layer norm", "RMS norm", "group norm")
PROBES = ("other examples", "scale example", "shift example", "scale feature")

#: Whether the first example's output changes, by the argument above: ``PREDICTED[layer][probe]``.
PREDICTED = {
    "batch norm": {"other examples": True, "scale example": True, "shift example": True, "scale feature": False},
    "layer norm": {"other examples": False, "scale example": False, "shift example": False, "scale feature": True},
    "RMS norm": {"other examples": False, "scale example": False, "shift example": True, "scale feature": True},
    "group norm": {"other examples": False, "scale example": False, "shift example": False,
                   "scale feature": True},
}


def _layer(name, features, groups):
    if name == "batch norm":
        return lambda x: BatchNorm(features).forward(x)
    if name == "layer norm":
        return LayerNorm(features).forward
    if name == "RMS norm":
        return RMSNorm(features).forward
    return GroupNorm(groups, features).forward


def changed(layer, probe, x, factor=3.0, shift=2.0, groups=4, rng=0):
    """The largest change of the first example's output under ``probe`` (see the module's docstring), for
    ``layer`` (one of :data:`LAYERS`, fresh, with :math:`\\gamma = 1`, :math:`\\beta = 0`) on the float32 batch
    ``x`` of shape ``(batch, features)``; group norm uses ``groups`` groups (of at least three features for
    ``"scale feature"`` to show: two values normalised together are always ±1, whatever their scale)."""
    layer = one_of(layer, "layer", LAYERS)
    probe = one_of(probe, "probe", PROBES)
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"x must be a batch of shape (batch >= 2, features), got shape {x.shape}")
    forward = _layer(layer, x.shape[1], groups)
    moved = x.copy()
    if probe == "other examples":
        moved[1:] = generator(rng).standard_normal(moved[1:].shape) * x.std() + x.mean()
    elif probe == "scale example":
        moved[0] *= np.float32(factor)
    elif probe == "shift example":
        moved[0] += np.float32(shift)
    else:
        moved[:, 0] *= np.float32(factor)
    return float(np.abs(forward(moved)[0].astype(np.float64) - forward(x)[0]).max())
