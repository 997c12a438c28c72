r"""A recurrent chain: the same matrix applied at every step, and the gradient sent back through it.

Forward, for :math:`t = 1, \dots, T`: :math:`z_t = W h_{t-1}`, :math:`h_t = f(z_t)`. For a loss
:math:`\ell(h_T)` with :math:`g_T = \partial\ell/\partial h_T`, the chain rule gives, one step at a time,

.. math::
    \frac{\partial\ell}{\partial h_{t-1}} = W^\top \Big(f'(z_t) \odot \frac{\partial\ell}{\partial h_t}\Big),
    \qquad\text{so}\qquad
    \frac{\partial\ell}{\partial h_0} = \prod_{t=1}^{T} \big(\operatorname{diag}(f'(z_t))\,W\big)^\top g_T ,

the product of Jacobians that Pascanu et al. (2013) analyse. Everything is computed in float64, one
column vector per chain (a 2-D ``h0`` holds one chain per row).
"""

import numpy as np

from . import activations as _activations
from ._checks import finite_number, positive_int

__all__ = ["unroll", "backprop", "chain_norms", "spectral_radius", "with_spectral_radius"]


def _square(w):
    w = np.asarray(w, dtype=np.float64)
    if w.ndim != 2 or w.shape[0] != w.shape[1] or not np.all(np.isfinite(w)):
        raise ValueError(f"w must be a finite square matrix, got shape {w.shape}")
    return w


def _states(h0, n):
    h0 = np.asarray(h0, dtype=np.float64)
    if h0.shape[-1:] != (n,) or h0.ndim > 2:
        raise ValueError(f"h0 must have shape ({n},) or (chains, {n}) to match w, got {h0.shape}")
    return h0


def unroll(w, h0, steps, activation="linear"):
    """Run the chain ``steps`` times; return ``(h, z)``: ``h[t]`` is :math:`h_t` (``h[0] = h0``) and
    ``z[t - 1]`` is :math:`z_t`, each of shape ``(steps + 1, ...)`` and ``(steps, ...)``."""
    w = _square(w)
    h = _states(h0, w.shape[0])
    steps = positive_int(steps, "steps")
    f = _activations.get(activation)
    hs, zs = [h], []
    with np.errstate(over="ignore", invalid="ignore"):  # an exploding chain is what we study
        for _ in range(steps):
            z = h @ w.T  # z_t = W h_{t-1} for each row
            h = f(z)
            zs.append(z)
            hs.append(h)
    return np.array(hs), np.array(zs)


def backprop(w, z, grad, activation="linear"):
    r"""Send ``grad`` = :math:`\partial\ell/\partial h_T` back through the chain whose pre-activations
    ``z`` came from :func:`unroll`; return :math:`\partial\ell/\partial h_t` for ``t = 0 .. T``."""
    w = _square(w)
    z = np.asarray(z, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    if g.shape != z.shape[1:]:
        raise ValueError(f"grad must have the shape of one state, {z.shape[1:]}, got {g.shape}")
    f = _activations.get(activation)
    grads = [g]
    with np.errstate(over="ignore", invalid="ignore"):
        for z_t in z[::-1]:
            g = (f.derivative(z_t) * g) @ w  # row form of W^T (f'(z_t) * g)
            grads.append(g)
    return np.array(grads[::-1])


def chain_norms(w, h0, steps, activation="linear", grad=None):
    r"""``(‖h_t‖, ‖∂ℓ/∂h_t‖)`` for ``t = 0 .. steps`` (norms over every chain in ``h0``).

    ``grad`` is :math:`\partial\ell/\partial h_T`; by default a unit vector, the same for every chain
    (all ones over :math:`\sqrt n`), so that ``‖∂ℓ/∂h_0‖`` measures the product of Jacobians alone.
    """
    hs, zs = unroll(w, h0, steps, activation)
    if grad is None:
        grad = np.broadcast_to(np.full(hs.shape[-1], 1 / np.sqrt(hs.shape[-1])), hs.shape[1:])
    grads = backprop(w, zs, grad, activation)
    axes = tuple(range(1, hs.ndim))
    with np.errstate(over="ignore", invalid="ignore"):  # past 1e154 the norm is inf: reported, not hidden
        return np.sqrt(np.sum(hs**2, axis=axes)), np.sqrt(np.sum(grads**2, axis=axes))


def spectral_radius(w):
    """The largest absolute eigenvalue of a square matrix ``w``."""
    return float(np.max(np.abs(np.linalg.eigvals(_square(w)))))


def with_spectral_radius(w, radius):
    """``w`` rescaled so that its spectral radius is ``radius`` (the dial of the linear chain)."""
    w = _square(w)
    radius = finite_number(radius, "radius", positive=True)
    current = spectral_radius(w)
    if current == 0:
        raise ValueError("w has spectral radius 0 (it is nilpotent) and cannot be rescaled to another one")
    return w * (radius / current)
