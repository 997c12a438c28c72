r"""How much a layer's signal still depends on the input: its spread across a batch, and the correlation
between examples (chapters 1 and 5; the checklist).

For a layer's outputs :math:`h_k` on a batch of inputs (rows):

- the root mean square :math:`\sqrt{\overline{h_k^2}}` (over units and rows): the size of the signal;
- the *spread* :math:`s_k = \sqrt{\tfrac1n\sum_i \operatorname{Var}_{\text{rows}}(h_{k,i})}`: how much the
  signal differs from input to input. :math:`s_k^2` is half the mean square difference
  :math:`\tfrac1n\lVert h_{k,a} - h_{k,b}\rVert^2` between two inputs of the batch, averaged over all pairs;
  :func:`relative_spread` divides it by the root mean square;
- the *correlation* of two inputs' vectors, the cosine
  :math:`c = \langle h_a, h_b\rangle / (\|h_a\|\,\|h_b\|)` (the :math:`c` of mean-field theory, chapter 7),
  averaged over pairs (:func:`mean_correlation`). :math:`c = 1` for every pair means every input reaches
  the layer as the same direction.

A network can keep its signal's size while losing its dependence on the input: every input then gives
nearly the same vector (the ordered phase of chapter 7, where :math:`1 - c` shrinks by about
:math:`\chi_1 = \sigma_w^2\,\mathbb E[\phi'(z)^2]` per layer near :math:`c = 1`).

For a relu network with weights and biases drawn symmetric about 0 (variances :math:`\sigma_w^2/n_{\text{in}}`
and :math:`\sigma_b^2`), the expected mean square follows from :math:`\mathbb E[\mathrm{relu}(z)^2] =
\tfrac12\mathbb E[z^2]` for a symmetric :math:`z`, exactly, at any width:

.. math:: m_0 = \overline{x^2}, \qquad m_k = \tfrac12\big(\sigma_w^2\, m_{k-1} + \sigma_b^2\big)
          \;\to\; m^* = \frac{\sigma_b^2/2}{1 - \sigma_w^2/2} \quad (\sigma_w^2 < 2)

(:func:`relu_mean_squares`). The bias cancels in the difference of two inputs, and each relu layer passes a
small difference where its unit is active (about half of them), so the spread shrinks by about
:math:`\sigma_w/\sqrt2` per layer (:func:`relu_spread_factor`), the typical factor of the back-propagated
gradient too.
"""

import math

import numpy as np

from ._checks import finite_number, positive_int

__all__ = ["spreads", "relative_spread", "relative_spreads", "mean_correlation", "mean_factor", "relu_mean_squares",
           "relu_spread_factor"]


def _batches(arrays):
    if isinstance(arrays, np.ndarray) or not hasattr(arrays, "__iter__"):
        raise TypeError(f"arrays must be a list of 2-D arrays (one per layer), got {type(arrays).__name__}")
    arrays = [np.asarray(a) for a in arrays]
    for i, a in enumerate(arrays):
        if a.ndim != 2 or a.shape[0] < 2 or a.shape[1] == 0 or not np.issubdtype(a.dtype, np.number):
            raise ValueError(f"arrays[{i}] must be a numeric (batch, units) array with at least 2 rows, "
                             f"got shape {a.shape}, dtype {a.dtype}")
    return arrays


def spreads(arrays):
    r"""The spread across the batch of each ``(batch, units)`` array, float64:
    :math:`\sqrt{\text{mean over units of the variance over rows}}`."""
    return np.array([math.sqrt(float(np.mean(np.var(a, axis=0, dtype=np.float64)))) for a in _batches(arrays)])


def relative_spread(h):
    r"""The spread across the batch of one ``(batch, units)`` array divided by its root mean square, float:
    between 0 (every example gives the same vector) and 1 (each unit has mean 0 over the batch). 0 for an
    all-zero array (a layer of dead units carries nothing of the input); NaN if ``h`` holds inf or NaN."""
    h = np.asarray(h)
    if h.ndim != 2 or h.shape[0] < 2 or h.shape[1] == 0 or not np.issubdtype(h.dtype, np.number):
        raise ValueError(f"h must be a numeric (batch, units) array with at least 2 rows, got shape {h.shape}")
    h = h.astype(np.float64)
    rms = math.sqrt(float(np.mean(np.square(h))))
    if rms == 0.0 or not math.isfinite(rms):
        return 0.0 if rms == 0.0 else math.nan
    return math.sqrt(float(np.mean(h.var(axis=0)))) / rms


def relative_spreads(arrays):
    """:func:`relative_spread` of each array of a list (one per layer), as a float64 array."""
    return np.array([relative_spread(a) for a in _batches(arrays)])


def mean_factor(values, first, last):
    r"""The geometric mean per-layer factor between layers ``first`` and ``last`` (1-based, ``first < last``)
    of a per-layer sequence ``values``: :math:`(v_{\text{last}}/v_{\text{first}})^{1/(\text{last} - \text{first})}`."""
    values = np.asarray(values, dtype=np.float64)
    first, last = positive_int(first, "first"), positive_int(last, "last")
    if not first < last <= values.size:
        raise ValueError(f"need 1 <= first < last <= {values.size} (the number of layers), "
                         f"got first={first}, last={last}")
    a, b = values[first - 1], values[last - 1]
    if not (a > 0 and b > 0 and math.isfinite(a) and math.isfinite(b)):
        raise ValueError(f"values at layers {first} and {last} must be positive and finite, got {a} and {b}")
    return (b / a) ** (1.0 / (last - first))


def relu_mean_squares(sigma_w, sigma_b, depth, input_second_moment):
    r"""The expected :math:`\overline{h_k^2}`, :math:`k = 1..` ``depth``, of a relu network with weights of
    variance :math:`\sigma_w^2/n_{\text{in}}` and biases of variance :math:`\sigma_b^2`, both symmetric about 0:
    :math:`m_k = \tfrac12(\sigma_w^2 m_{k-1} + \sigma_b^2)` from :math:`m_0` = ``input_second_moment``
    (float64 array)."""
    sigma_w = finite_number(sigma_w, "sigma_w", nonnegative=True)
    sigma_b = finite_number(sigma_b, "sigma_b", nonnegative=True)
    m = finite_number(input_second_moment, "input_second_moment", nonnegative=True)
    out = []
    for _ in range(positive_int(depth, "depth")):
        m = 0.5 * (sigma_w ** 2 * m + sigma_b ** 2)
        out.append(m)
    return np.array(out)


def relu_spread_factor(sigma_w):
    r""":math:`\sigma_w/\sqrt2`: the typical per-layer factor of a small input-dependent part of a relu network's
    signal (half of the units pass it), the same as the back-propagated gradient's
    :math:`\sigma_w\sqrt{\overline{f'(z)^2}}`."""
    return finite_number(sigma_w, "sigma_w", nonnegative=True) / math.sqrt(2.0)


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
