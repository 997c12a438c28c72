r"""Checking a hand-written backward pass against central finite differences.

For a scalar function :math:`f` of an array :math:`a`, entry :math:`i` of the gradient is approximated by

.. math:: \frac{\partial f}{\partial a_i} \approx \frac{f(a + h e_i) - f(a - h e_i)}{2h},

whose truncation error is :math:`O(h^2)` and rounding error about :math:`\epsilon_{\text{mach}}|f|/h`: in
float64, for :math:`|f| \sim 1`, :math:`h = 10^{-6}` leaves an error near :math:`10^{-10}`, mostly rounding (the
optimum, :math:`h \approx \epsilon_{\text{mach}}^{1/3} \approx 6 \cdot 10^{-6}`, is only a few times better).
"""

import numpy as np

from ._checks import finite_number
from .diagnostics import norm

__all__ = ["numerical_gradient", "relative_error"]


def numerical_gradient(f, array, h=1e-6):
    """The gradient of ``f()`` with respect to ``array`` by central differences.

    ``f`` takes no argument and reads ``array``, which is changed in place one entry at a time and
    restored; use float64 arrays (in float32 the rounding error swamps the derivative).
    """
    if not callable(f):
        raise TypeError(f"f must be a function of no argument returning a number, got {type(f).__name__}")
    if not isinstance(array, np.ndarray) or array.dtype != np.float64:
        raise TypeError("array must be a float64 numpy array (changed in place while f is evaluated), got "
                        + (f"dtype {array.dtype}" if isinstance(array, np.ndarray) else type(array).__name__))
    h = finite_number(h, "h", positive=True)
    grad = np.zeros_like(array)
    for i in np.ndindex(array.shape):
        old = array[i]
        array[i] = old + h
        up = float(f())
        array[i] = old - h
        down = float(f())
        array[i] = old
        grad[i] = (up - down) / (2 * h)
    return grad


def relative_error(analytic, numeric):
    """``‖analytic − numeric‖ / max(‖analytic‖, ‖numeric‖)`` (Frobenius norms), 0 when both are 0."""
    a, b = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"analytic and numeric must have the same shape, got {a.shape} and {b.shape}")
    scale = max(norm(a), norm(b))
    return norm(a - b) / scale if scale > 0 else 0.0
