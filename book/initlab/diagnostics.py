"""Per-layer measurements of a network: the numbers behind the book's tables and figures."""

import math

import numpy as np

from . import init as _init
from . import layer_stats
from . import losses as _losses
from ._checks import finite_number, positive_int
from .mlp import MLP

__all__ = ["norm", "norms", "backprop_norms", "gradient_norms", "fresh_backprop_norms", "FLOAT_MAX",
           "layers_above", "backward_factors", "spectral_norms", "backward_bound"]

#: The largest finite numbers of the two floating-point formats the book trains in.
FLOAT_MAX = {"float16": float(np.finfo(np.float16).max), "float32": float(np.finfo(np.float32).max)}


def norm(a):
    """Frobenius norm of any array (a float), accumulated in float64; if the squares overflow (entries past 1e154) or
    underflow, it is recomputed scaled by the largest entry, so a finite array has a finite norm."""
    a = np.asarray(a)
    v = a.astype(np.float64, copy=False).ravel()  # copy=False: a float64 array is read as it is
    if a.dtype.itemsize < 8:  # squares of float32/float16 entries cannot overflow or underflow in float64
        squares = float(v.dot(v))  # BLAS's dot, as v @ v, with less overhead per call
    else:
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):  # handled just below
            squares = float(v.dot(v))
    if 0.0 < squares < math.inf:
        return math.sqrt(squares)
    top = float(np.max(np.abs(v))) if v.size else 0.0
    if top == 0.0 or not np.isfinite(top):
        return top
    return top * math.sqrt(float(np.sum(np.square(v / top))))


_SMALL = 1 << 14  # entries: up to this many, an array's norm costs more in calls than in memory


def norms(arrays):
    """``[norm(a) for a in arrays]``, the same floats, faster for many small arrays (a training step takes
    dozens of norms): runs of float32/float16 arrays are converted to float64 together, into one array, and
    each norm is BLAS's dot of its own stretch of it with itself, the sum :func:`norm` takes (a dot does not
    depend on where in memory its entries lie). Those entries' squares cannot overflow or underflow, so
    :func:`norm`'s rescaling is never needed. Float64 arrays and large ones (whose cost is memory, not
    calls) go through :func:`norm` one at a time, so that ``arrays`` may generate large temporaries."""
    result, run = [], []

    def flush():
        if run:
            v = np.concatenate(run, axis=None, dtype=np.float64)
            start = 0
            for a in run:
                part = v[start:start + a.size]
                result.append(math.sqrt(float(part.dot(part))))
                start += a.size
            run.clear()

    for a in arrays:
        a = np.asarray(a)
        if a.dtype.itemsize >= 8 or a.size > _SMALL:
            flush()
            result.append(norm(a))
        else:
            run.append(a)
    flush()
    return result


def backprop_norms(model, x, y, loss="cross_entropy"):
    """One forward and backward pass, no update; return two arrays over layers k = 1..L (float64):
    ``‖∂ℓ/∂h_k‖``, the back-propagated signal (``h_L`` is the output), and ``‖∂ℓ/∂W_k‖``, what the
    update of layer k uses. The second also carries the forward signal, since ``∂ℓ/∂W_k = h_{k-1}ᵀ δ_k``.

    Values that overflowed come back as inf or NaN: check with ``np.isfinite`` before plotting
    (``initlab.figures.drawing`` does).
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        _, dout = _losses.get(loss)(model.forward(x), y)
        grads = model.backward(dout)
        return (np.array([norm(g) for g in model.grad_activations]),
                np.array([norm(dw) for dw, _ in grads]))


def gradient_norms(model, x, y, loss="cross_entropy"):
    """``‖∂ℓ/∂W_k‖`` for every layer k after one forward and backward pass (see :func:`backprop_norms`)."""
    return backprop_norms(model, x, y, loss)[1]


def fresh_backprop_norms(x, y, depth, activation, scale, width=64, rng=0):
    r""":func:`backprop_norms` of a freshly initialised network, on the batch ``(x, y)``.

    The network is ``MLP([n_in] + [width] * depth + [n_classes])``, ``n_classes = max(y) + 1``, with
    ``activation`` and weights :math:`W_k \sim \mathcal N(0, \text{scale}^2/n_{k-1})` drawn from the seed
    ``rng``, so a setting always gives the same numbers. Returns ``(‖∂ℓ/∂h_k‖, ‖∂ℓ/∂W_k‖)`` for the
    ``depth`` hidden layers and the output layer (inf/NaN where they overflowed).
    """
    depth, width = positive_int(depth, "depth"), positive_int(width, "width")
    scale = finite_number(scale, "scale", positive=True)
    sizes = [np.shape(x)[1]] + [width] * depth + [int(np.max(y)) + 1]
    model = MLP(sizes, activation=activation, init=_init.scaled_normal(scale), rng=rng)
    return backprop_norms(model, x, y)


def layers_above(signal, weights, limits=None):
    """For each format of ``limits`` (name: largest finite number; default :data:`FLOAT_MAX`), how many
    layers have ``‖∂ℓ/∂h_k‖`` or ``‖∂ℓ/∂W_k‖`` (as from :func:`backprop_norms`) above it. A NaN counts as
    above: it is what an overflow leaves behind."""
    limits = FLOAT_MAX if limits is None else limits
    signal, weights = np.asarray(signal, dtype=np.float64), np.asarray(weights, dtype=np.float64)
    if signal.shape != weights.shape or signal.ndim != 1:
        raise ValueError(f"signal and weights must be 1-D with one norm per layer each, "
                         f"got shapes {signal.shape} and {weights.shape}")
    top = np.fmax(signal, weights)  # NaN only where both are NaN
    return {name: int(np.sum(~(top <= limit))) for name, limit in limits.items()}


def backward_factors(model):
    r"""How much each hidden layer scales the back-propagated gradient: ``(predicted, measured)``.

    For the layers ``k = 2 .. L-1`` (input and output both hidden), from the last ``backward``:
    measured is :math:`\lVert\partial\ell/\partial h_{k-1}\rVert / \lVert\partial\ell/\partial h_k\rVert`;
    predicted is :math:`\sigma_w\sqrt{\overline{f'(z_k)^2}}`, with
    :math:`\sigma_w^2 = n_{k-1}\,\overline{W_k^2}` read off the weights (``scale²`` for
    ``init.scaled_normal(scale)``) and the mean of :math:`f'(z_k)^2` over units and examples.
    Derived in chapter 1: for independent zero-mean weights,
    :math:`\mathbb E\lVert W_k^\top\delta\rVert^2 = \sigma_w^2\lVert\delta\rVert^2`.
    Plain feed-forward networks only (no batch norm, no skips).
    """
    if model.norms or any(model.skips):
        raise ValueError("backward_factors covers plain networks only: build the MLP without batch_norm/residual")
    if not model.grad_activations:
        raise RuntimeError("call forward(x) and backward(dout) before backward_factors(model)")
    signal = [norm(g) for g in model.grad_activations]
    hidden = range(1, model.depth - 1)
    measured = np.array([signal[k - 1] / signal[k] for k in hidden])
    weights = [model.weights[k] for k in hidden]
    slopes = [model.activation.derivative(model.pre_activations[k]) for k in hidden]
    fan_ins = np.array([w.shape[0] for w in weights])
    predicted = np.sqrt(fan_ins * layer_stats.mean_squares(weights) * layer_stats.mean_squares(slopes))
    return predicted, measured


def spectral_norms(model):
    """The largest singular value ``‖W_k‖₂`` of every weight matrix (float64)."""
    return np.array([np.linalg.norm(w.astype(np.float64), 2) for w in model.weights])


def backward_bound(model):
    r"""Upper bounds on :math:`\lVert\partial\ell/\partial h_k\rVert_F` from the last ``backward``, top down.

    Over a batch (one row per example), :math:`G_{k-1} = (G_k \odot f'(Z_k))\,W_k^\top`, and
    :math:`\lVert G_{k-1}\rVert_F \le \max|f'(Z_k)|\;\lVert W_k\rVert_2\;\lVert G_k\rVert_F`
    (each row: a diagonal matrix's norm is its largest entry, and norms are sub-multiplicative).
    Chaining from the output, where the bound is the measured :math:`\lVert G_L\rVert_F`, gives
    entry ``k - 1`` for layer ``k``. Plain feed-forward networks only (no batch norm, no skips).
    """
    if model.norms or any(model.skips):
        raise ValueError("backward_bound covers plain networks only: build the MLP without batch_norm/residual")
    if not model.grad_activations:
        raise RuntimeError("call forward(x) and backward(dout) before backward_bound(model)")
    norms = spectral_norms(model)
    top = model.depth - 1
    bounds = [float(np.linalg.norm(model.grad_activations[top].astype(np.float64)))]
    for k in range(top, 0, -1):
        slope = 1.0 if k == top else float(np.max(np.abs(model.activation.derivative(model.pre_activations[k]))))
        bounds.append(bounds[-1] * slope * norms[k])
    return np.array(bounds[::-1])
