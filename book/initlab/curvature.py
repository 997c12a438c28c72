r"""The sharpest curvature of the loss, by power iteration on Gauss-Newton-vector products (ch. 4).

Gradient descent with learning rate :math:`\eta` on a quadratic :math:`\tfrac12 (\theta-\theta^*)^\top
H(\theta-\theta^*)` multiplies the component of :math:`\theta - \theta^*` along an eigenvector of :math:`H`
with eigenvalue :math:`\lambda` by :math:`1 - \eta\lambda` at every step, so it converges only if
:math:`\eta\lambda < 2` for every eigenvalue: :math:`\eta < 2/\lambda_{\max}` (LeCun et al., 1998,
"Efficient BackProp"). Near any point a smooth loss is such a quadratic, with :math:`H` its Hessian.

The Hessian of :math:`\ell(f(\theta))` is :math:`J^\top H_{\rm out} J + \sum_i (\partial\ell/\partial f_i)
\nabla^2 f_i`, with :math:`J` the Jacobian of the network outputs and :math:`H_{\rm out}` the loss's Hessian
with respect to them. The first term, the Gauss-Newton matrix :math:`G` (Schraudolph, 2002; Martens, 2020), is
positive semi-definite and carries the large outlying eigenvalues of the Hessian of a classifier (Sagun et
al., 2017; Papyan, 2019). For a relu network it is also the part that finite differences can measure: the
outputs are continuous where relu has a kink, its gradients are not, so a finite difference of gradients
across millions of (example, unit) kinks is mostly noise, while a finite difference of outputs is not.

:func:`gauss_newton_vector_product` takes :math:`Jv` as a central difference of the outputs and
:math:`J^\top(\cdot)` as one backward pass; :func:`top_curvature` runs power iteration
:math:`v \leftarrow Gv/\lVert Gv\rVert` on it, whose Rayleigh quotient :math:`v^\top G v` increases to
:math:`\lambda_{\max}(G)`.
"""

from dataclasses import dataclass

import numpy as np

from . import losses as _losses
from ._checks import finite_number, generator, positive_int

__all__ = ["TopEigenvalue", "gauss_newton_vector_product", "top_curvature"]


@dataclass
class TopEigenvalue:
    """What :func:`top_curvature` found: the eigenvalue, its unit eigenvector (flattened over all parameters),
    the iterations used and the relative residual :math:`\\lVert Gv - \\lambda v\\rVert/\\lambda`."""

    value: float
    vector: np.ndarray
    iterations: int
    residual: float


def _check_model(model):
    if not hasattr(model, "parameters") or not hasattr(model, "gradients"):
        raise TypeError(f"model must be an initlab.MLP, got {type(model).__name__}")
    if np.dtype(model.dtype) != np.float64:
        raise ValueError(f"model must compute in float64 (finite differences in float32 are mostly rounding); "
                         f"got dtype {np.dtype(model.dtype)}: build it with dtype=np.float64")


def _output_curvature(loss_fn, out, u):
    """The loss's Hessian with respect to the network output ``out``, applied to ``u`` (same shape)."""
    if loss_fn is _losses.softmax_cross_entropy:
        p = np.exp(out - out.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        return (p * u - p * np.sum(p * u, axis=1, keepdims=True)) / out.shape[0]
    if loss_fn is _losses.mean_squared_error:
        return 2 * u / u.size
    raise ValueError("loss must be 'cross_entropy' or 'mse', whose output Hessians this module knows")


def gauss_newton_vector_product(model, x, y, v, loss="cross_entropy", epsilon=1e-6):
    r""":math:`Gv = J^\top H_{\rm out} J v`: the Gauss-Newton matrix of the loss on ``(x, y)`` times ``v``.

    :math:`J` is the Jacobian of the network outputs (all examples) with respect to the parameters and
    :math:`H_{\rm out}` the loss's Hessian with respect to those outputs (softmax cross-entropy:
    :math:`(\operatorname{diag}(p) - pp^\top)/B` per example; mean squared error: :math:`2/N`).
    :math:`Jv \approx (f(\theta+\epsilon u) - f(\theta-\epsilon u))\lVert v\rVert/(2\epsilon)`,
    :math:`u = v/\lVert v\rVert`; :math:`J^\top` is one backward pass at :math:`\theta`. ``v`` is flat, ordered as
    ``model.parameters()``. The parameters and batch-norm running statistics are put back afterwards; the
    model must be float64.
    """
    _check_model(model)
    epsilon = finite_number(epsilon, "epsilon", positive=True)
    loss_fn = _losses.get(loss)
    params = model.parameters()
    size = sum(p.size for p in params)
    v = np.asarray(v, dtype=np.float64)
    if v.shape != (size,):
        raise ValueError(f"v must be a flat vector of the model's {size} parameters, got shape {v.shape}")
    length = float(np.linalg.norm(v))
    if not (np.isfinite(length) and length > 0):
        raise ValueError("v must be finite and nonzero")
    saved = [p.copy() for p in params]
    running = [(bn, bn.running_mean.copy(), bn.running_var.copy()) for bn in model.norms]

    def outputs_at(shift):
        start = 0
        for p, p0 in zip(params, saved):
            p[...] = p0 + shift * v[start:start + p0.size].reshape(p0.shape) / length
            start += p0.size
        return model.forward(x)

    try:
        jv = (outputs_at(epsilon) - outputs_at(-epsilon)) * (length / (2 * epsilon))
        out = outputs_at(0.0)
        model.backward(_output_curvature(loss_fn, out, jv))
        product = np.concatenate([g.ravel() for g in model.gradients()]).astype(np.float64)
    finally:
        for p, p0 in zip(params, saved):
            p[...] = p0
        for bn, mean, var in running:
            bn.running_mean, bn.running_var = mean, var
    return product


def top_curvature(model, x, y, loss="cross_entropy", iterations=300, tol=1e-6, epsilon=1e-6, rng=0):
    r""":math:`\lambda_{\max}` of the Gauss-Newton matrix of the loss on ``(x, y)`` at the model's parameters.

    Power iteration from a random unit vector (seeded by ``rng``) on :func:`gauss_newton_vector_product`. It
    stops when the Rayleigh quotient :math:`\lambda = v^\top G v` changes by less than ``tol`` (relative)
    between two iterations, or after ``iterations``. Returns a :class:`TopEigenvalue`; the model is unchanged.
    """
    _check_model(model)
    iterations = positive_int(iterations, "iterations")
    tol = finite_number(tol, "tol", positive=True)
    size = sum(p.size for p in model.parameters())
    v = generator(rng).normal(size=size)
    v /= np.linalg.norm(v)
    value = None
    for step in range(1, iterations + 1):
        gv = gauss_newton_vector_product(model, x, y, v, loss, epsilon)
        new = float(v @ gv)
        length = float(np.linalg.norm(gv))
        if not (np.isfinite(length) and length > 0):
            raise ValueError("the Gauss-Newton product is zero or not finite at these parameters")
        converged = value is not None and abs(new - value) <= tol * abs(new)
        value = new
        if converged:
            break
        v = gv / length
    residual = float(np.linalg.norm(gv - value * v) / abs(value))
    return TopEigenvalue(value=value, vector=v, iterations=step, residual=residual)
