r"""How much of a layer's signal still depends on the input: the mean correlation between examples.

For two inputs :math:`a \ne b` the correlation of a layer's vectors is the cosine
:math:`c = \langle z_a, z_b\rangle / (\|z_a\|\,\|z_b\|)` (the :math:`c` of mean-field theory, chapter 7,
averaged over units). :math:`c = 1` for every pair means every input reaches the layer as the same direction:
the layer no longer tells the inputs apart. In the ordered phase of a deep network, :math:`1 - c` shrinks by
about :math:`\chi_1 = \sigma_w^2\,\mathbb E[\phi'(z)^2]` per layer near :math:`c = 1` (chapter 5 shows it for
PyTorch's default ``nn.Linear`` initialization with its biases, chapter 7 derives it).
"""

import numpy as np

__all__ = ["mean_correlation"]


def mean_correlation(z):
    r"""The mean over all pairs of distinct rows (examples) of ``z`` of their cosine,
    :math:`\frac{1}{m(m-1)} \sum_{a \ne b} \frac{\langle z_a, z_b\rangle}{\|z_a\|\,\|z_b\|}`, in float64.

    ``z`` has shape ``(examples, units)`` with at least two examples and no all-zero row (a zero vector has
    no direction).
    """
    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 2 or z.shape[0] < 2 or z.shape[1] < 1:
        raise ValueError(f"z must be an (examples, units) matrix with at least two examples, got shape {z.shape}")
    if not np.all(np.isfinite(z)):
        raise ValueError("z must be finite (it holds inf or NaN)")
    norms = np.linalg.norm(z, axis=1)
    if np.any(norms == 0):
        raise ValueError(f"z must have no all-zero row (row {int(np.argmin(norms))} is zero: it has no direction)")
    unit = z / norms[:, None]
    total = unit.sum(axis=0)
    m = z.shape[0]
    # Σ_{a≠b} ⟨u_a, u_b⟩ = ‖Σ_a u_a‖² − Σ_a ‖u_a‖² = ‖Σ_a u_a‖² − m
    return float((total @ total - m) / (m * (m - 1)))
