r"""Why inputs that are all positive make gradient descent zig-zag (LeCun et al., 1998, section 4.3).

A linear unit :math:`y = w^\top x` trained on the squared error :math:`\ell = \tfrac12 (w^\top x - t)^2`
has the gradient :math:`\nabla_w \ell = \delta\,x` with :math:`\delta = w^\top x - t`. When every
:math:`x_i > 0` (the outputs of sigmoid units), every component of :math:`\delta x` has the sign of
:math:`\delta`: one example can only move :math:`w` into the all-plus or the all-minus orthant, and a
target that needs some weights up and others down is reached by zig-zagging.
"""

import numpy as np

from . import activations as _activations
from ._checks import finite_number, positive_int
from .gaussian import moments

__all__ = ["sgd_path", "same_sign_fraction", "mean_error", "zigzag_runs"]


def sgd_path(x, t, w0, lr, batch_size=1):
    r"""Weights of a linear unit after each step of SGD, ``batch_size`` examples per step, in order.

    Step :math:`i` does :math:`w \leftarrow w - \frac{\eta}{B}\sum_{j \in \text{batch } i}(w^\top x_j - t_j)\,x_j`
    over the next :math:`B` = ``batch_size`` rows (the default, 1, is one example per step). ``x`` has shape
    ``(n, d)`` with ``n`` a multiple of ``batch_size``, ``t`` shape ``(n,)``, ``w0`` shape ``(d,)``; returns
    the ``(n / B + 1, d)`` path in float64, starting at ``w0``.
    """
    x = np.asarray(x, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    w = np.array(w0, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError(f"x must have shape (n, d) with n >= 1, got shape {x.shape}")
    if t.shape != (x.shape[0],):
        raise ValueError(f"t must hold one target per row of x, shape ({x.shape[0]},), got shape {t.shape}")
    if w.shape != (x.shape[1],):
        raise ValueError(f"w0 must have shape ({x.shape[1]},) like a row of x, got shape {w.shape}")
    lr = finite_number(lr, "lr", positive=True)
    batch_size = positive_int(batch_size, "batch_size")
    if x.shape[0] % batch_size:
        raise ValueError(f"the number of rows of x ({x.shape[0]}) must be a multiple of batch_size ({batch_size})")
    path = [w.copy()]
    if batch_size == 1:
        for xi, ti in zip(x, t):
            w = w - lr * (w @ xi - ti) * xi
            path.append(w)
        return np.array(path)
    for xb, tb in zip(x.reshape(-1, batch_size, x.shape[1]), t.reshape(-1, batch_size)):
        w = w - lr * ((xb @ w - tb) @ xb) / batch_size
        path.append(w)
    return np.array(path)


def _steps(path):
    path = np.asarray(path, dtype=np.float64)
    if path.ndim != 2 or path.shape[0] < 2:
        raise ValueError(f"path must have shape (steps + 1, d) with at least one step, got shape {path.shape}")
    return path, np.diff(path, axis=0)


def same_sign_fraction(path):
    """Fraction of the steps of ``path`` whose components all have one sign (all > 0 or all < 0).

    A step with a zero component counts as not sharing a sign. Inputs that are all positive give 1.
    """
    _, steps = _steps(path)
    return float(np.mean(np.all(steps > 0, axis=1) | np.all(steps < 0, axis=1)))


def mean_error(x, w, w_star):
    r"""The squared error of the linear unit, averaged over the rows of ``x``, for the target
    :math:`t = {w^*}^\top x`:

    .. math:: \overline{\tfrac12 (w^\top x - t)^2} = \tfrac12\,(w - w^*)^\top\,\overline{x x^\top}\,(w - w^*),

    a quadratic bowl whose shape is set by the second-moment matrix :math:`\overline{x x^\top}`. ``x`` has
    shape ``(n, d)``; ``w`` holds one or many weight vectors, shape ``(..., d)``; returns shape ``(...)``,
    float64.
    """
    x = np.asarray(x, dtype=np.float64)
    w_star = np.asarray(w_star, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError(f"x must have shape (n, d) with n >= 1, got shape {x.shape}")
    if w_star.shape != (x.shape[1],) or w.shape[-1:] != (x.shape[1],):
        raise ValueError(f"w and w_star must end in the dimension of a row of x ({x.shape[1]}), "
                         f"got shapes {w.shape} and {w_star.shape}")
    second_moment = x.T @ x / len(x)
    d = w - w_star
    return 0.5 * np.einsum("...i,ij,...j->...", d, second_moment, d)


def zigzag_runs(activation, w_star, w0, seeds=range(200), steps=40, noise=0.05, batch_size=1):
    r"""Seeded SGD runs of a linear unit fed :math:`x = f(u)`, :math:`u \sim \mathcal N(0, I)`, one run per seed.

    Each run draws ``steps * batch_size`` inputs, the targets :math:`t = {w^*}^\top x + \varepsilon`
    (:math:`\varepsilon \sim \mathcal N(0, \text{noise}^2)`), and runs :func:`sgd_path` from ``w0`` at the
    learning rate :math:`\eta = 1/\mathbb E\lVert x\rVert^2 = 1/(d\,m_2)`, with :math:`m = \mathbb E[f(u)]` and
    :math:`m_2 = \mathbb E[f(u)^2]` by quadrature. Returns a dict: ``m``, ``m2``, ``lr``, ``inputs`` (a list of
    ``(steps * batch_size, d)`` arrays) and ``paths`` (an array ``(runs, steps + 1, d)``).
    """
    f = _activations.get(activation)
    w_star = np.asarray(w_star, dtype=np.float64)
    w0 = np.asarray(w0, dtype=np.float64)
    if w_star.ndim != 1 or w0.shape != w_star.shape:
        raise ValueError(f"w_star and w0 must be vectors of one length, got shapes {w_star.shape} and {w0.shape}")
    steps, batch_size = positive_int(steps, "steps"), positive_int(batch_size, "batch_size")
    noise = finite_number(noise, "noise", nonnegative=True)
    m, m2 = moments(f)
    lr = 1 / (len(w_star) * m2)
    inputs, paths = [], []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        x = f(rng.standard_normal((steps * batch_size, len(w_star))))
        targets = x @ w_star + noise * rng.standard_normal(steps * batch_size)
        inputs.append(x)
        paths.append(sgd_path(x, targets, w0, lr, batch_size))
    return dict(m=m, m2=m2, lr=lr, inputs=inputs, paths=np.array(paths))
