r"""How much a layer's signal differs from input to input: its spread across a batch, against its size (chapter 1).

For a layer's outputs :math:`h_k` on a batch of inputs (rows), two numbers per layer:

- the root mean square :math:`\sqrt{\overline{h_k^2}}` (over units and rows): the size of the signal;
- the *spread* :math:`s_k = \sqrt{\tfrac1n\sum_i \operatorname{Var}_{\text{rows}}(h_{k,i})}`: how much the
  signal differs from input to input. :math:`s_k^2` is half the mean square difference
  :math:`\tfrac1n\lVert h_{k,a} - h_{k,b}\rVert^2` between two inputs of the batch, averaged over all pairs.

A network can keep its signal's size while losing its spread: every input then gives nearly the same vector.

For a relu network with weights and biases drawn symmetric about 0 (variances :math:`\sigma_w^2/n_{\text{in}}`
and :math:`\sigma_b^2`), the expected mean square follows from :math:`\mathbb E[\mathrm{relu}(z)^2] =
\tfrac12\mathbb E[z^2]` for a symmetric :math:`z`, exactly, at any width:

.. math:: m_0 = \overline{x^2}, \qquad m_k = \tfrac12\big(\sigma_w^2\, m_{k-1} + \sigma_b^2\big)
          \;\to\; m^* = \frac{\sigma_b^2/2}{1 - \sigma_w^2/2} \quad (\sigma_w^2 < 2)

(:func:`relu_mean_squares`). The bias cancels in the difference of two inputs, and each relu layer passes a
small difference where its unit is active (about half of them), so the spread shrinks by about
:math:`\sigma_w/\sqrt2` per layer (:func:`relu_spread_factor`), the typical factor of the back-propagated
gradient too. (:mod:`initlab.input_dependence` measures the same loss of input dependence as a correlation.)
"""

import math

import numpy as np

from ._checks import finite_number, positive_int

__all__ = ["spreads", "relative_spreads", "mean_factor", "relu_mean_squares", "relu_spread_factor"]


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


def relative_spreads(arrays):
    r""":func:`spreads` divided by the root mean square of each array: of order 1 when the inputs give unrelated
    vectors, near 0 when every input gives nearly the same vector."""
    arrays = _batches(arrays)
    rms = np.array([math.sqrt(float(np.mean(np.square(a, dtype=np.float64)))) for a in arrays])
    if np.any(rms == 0):
        raise ValueError(f"arrays[{int(np.argmin(rms))}] is all zeros: its relative spread is undefined")
    return spreads(arrays) / rms


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
