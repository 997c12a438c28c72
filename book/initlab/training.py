r"""Mini-batch SGD that keeps per-layer histories and stops cleanly when numbers blow up.

One step: forward, loss, backward, optionally clip the gradient by its global norm
(:math:`g \leftarrow \tau g/\lVert g\rVert` when :math:`\lVert g\rVert > \tau`, Pascanu et al., 2013),
then the momentum update PyTorch's ``SGD`` uses, :math:`v \leftarrow \mu v + g`,
:math:`\theta \leftarrow \theta - \eta v`, or with ``optimizer="adam"`` the update of
:class:`initlab.adam.Adam` (PyTorch's ``Adam``) on the same, possibly clipped, gradient.

Per step and per layer it records the gradient norm :math:`\lVert \partial\ell/\partial W_k\rVert`,
the update ratio :math:`\lVert \Delta W_k\rVert/\lVert W_k\rVert`, and the distance travelled
from the initial weights :math:`\lVert W_k - W_k^{(0)}\rVert/\lVert W_k^{(0)}\rVert`. When any value
turns inf or NaN, training stops and :attr:`History.failure` says at which step and where.
"""

import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from . import losses as _losses
from .adam import Adam
from .diagnostics import norms
from ._checks import class_labels, finite_entries, finite_number, generator, one_of, positive_int

__all__ = ["History", "train", "accuracy", "outcome"]


@dataclass
class History:
    """What :func:`train` measured. Arrays are indexed ``[step, layer]``; layer 0 is the first."""

    loss: np.ndarray
    grad_norm: np.ndarray
    update_ratio: np.ndarray
    distance_from_init: np.ndarray
    total_grad_norm: np.ndarray
    clipped: np.ndarray
    failure: str | None = None
    failed_at: int | None = None
    settings: dict = field(default_factory=dict)
    #: The layer (1 = first) where the first inf/NaN was found, or None (no failure, or the loss itself).
    failed_layer: int | None = None

    @property
    def steps(self):
        """How many steps completed (fewer than asked when training failed)."""
        return len(self.loss)

    @property
    def diverged(self):
        return self.failure is not None

    def steps_to_loss(self, target, window=10):
        """The first step at which the mean loss of the last ``window`` steps is below ``target``, or None.

        Averaging over a window keeps one lucky mini-batch from counting as reaching the target.
        """
        target = finite_number(target, "target")
        window = positive_int(window, "window")
        if self.steps < window:
            return None
        running = np.convolve(self.loss, np.ones(window) / window, mode="valid")
        below = np.flatnonzero(running < target)
        return int(below[0]) + window - 1 if below.size else None

    def mean_update_ratio(self, step, window=10):
        """The update ratio ``‖ΔW_k‖/‖W_k‖`` of every layer, averaged over the ``window`` steps that end
        at ``step`` (fewer at the start; ``step`` past the end means the last recorded steps)."""
        if self.steps == 0:
            raise ValueError("this run recorded no step: it has no update ratio")
        window = positive_int(window, "window")
        if isinstance(step, bool) or not isinstance(step, numbers.Integral) or step < 0:
            raise ValueError(f"step must be a non-negative integer, got {step!r}")
        end = min(step, self.steps)
        lo = max(0, end - window)
        return self.update_ratio[lo:max(lo + 1, end)].mean(axis=0)

    def __repr__(self):
        status = f"failed at step {self.failed_at}: {self.failure}" if self.diverged else "finished"
        last = f", final loss {self.loss[-1]:.4g}" if self.steps else ""
        return f"History({self.steps} steps, {status}{last})"


def _nonfinite(arrays):
    """Index of the first array holding inf or NaN, and what it holds, or (None, None)."""
    for i, a in enumerate(arrays):
        if not np.all(np.isfinite(a)):
            return i, ("NaN" if np.isnan(a).any() else "inf")
    return None, None


def _finite(arrays):
    """Whether every entry of every array is finite, in one pass over them all (they are small)."""
    return not arrays or bool(np.isfinite(np.concatenate(arrays, axis=None)).all())


def _where_it_broke(model, grads):
    """``(message, layer)`` for the first place in forward order, then in backward order, where a value is
    not finite; ``(None, None)`` if every activation and gradient is finite."""
    dtype = model.dtype.name
    limit = float(np.finfo(model.dtype).max)
    k, kind = _nonfinite(model.pre_activations)
    if k is not None:
        return f"layer {k + 1} pre-activations became {kind} in the forward pass ({dtype} max {limit:.4g})", k + 1
    k, kind = _nonfinite([g for g, _ in grads] + [g for _, g in grads])
    if k is not None:
        layer = k % model.depth + 1
        return f"layer {layer} gradient became {kind} in the backward pass ({dtype} max {limit:.4g})", layer
    return None, None


def _check_data(model, x, y, loss_fn=_losses.softmax_cross_entropy, names=("x", "y")):
    """Raise naming the argument if the arrays ``x`` and ``y`` cannot be data for ``model``: ``x`` must be finite,
    and ``y`` integer class labels within the model's outputs (cross-entropy), or finite targets of the output's
    shape (mse). Both are only read, never copied or converted, so a run on valid data is unchanged."""
    x_name, y_name = names
    n = x.shape[0] if x.ndim else 0
    m = y.shape[0] if y.ndim else 0
    if m != n:
        raise ValueError(f"{x_name} and {y_name} must hold the same number of examples, got {n} and {m}")
    finite_entries(x, x_name)
    outputs = model.weights[-1].shape[1]
    if loss_fn is _losses.softmax_cross_entropy:
        class_labels(y, y_name, outputs)
    elif loss_fn is _losses.mean_squared_error:
        if y.shape != (n, outputs):
            raise ValueError(f"{y_name} must be targets of shape ({n}, {outputs}) for the mse loss, got shape {y.shape}")
        finite_entries(y, y_name)


def _adam_settings(optimizer, momentum, betas, eps):
    """Adam's ``betas`` and ``eps`` for :func:`train` (torch's defaults for ``None``), or ``{}`` for SGD;
    raise if an argument is given to the optimizer that does not use it."""
    if optimizer == "sgd":
        for name, value in (("betas", betas), ("eps", eps)):
            if value is not None:
                raise ValueError(f"{name} is an argument of Adam: pass optimizer='adam' with it, or leave it out")
        return {}
    if momentum != 0:
        raise ValueError("momentum is an argument of SGD: Adam's momentum is betas[0], leave momentum at 0")
    return {"betas": (0.9, 0.999) if betas is None else betas, "eps": 1e-8 if eps is None else eps}


def _sgd_step(params, grads, velocity, lr, momentum, scale, depth):
    """Update every parameter in place, :math:`v \\leftarrow \\mu v + s g`, :math:`p \\leftarrow p - \\eta v`, and
    yield each weight's update :math:`\\eta v` as it is made, so that its norm is taken before the next one is
    made (holding every layer's update at once costs more in memory traffic than the norms). Run it to the end,
    as :func:`norms` does: the parameters after the last weight are updated last. ``velocity`` is None when
    ``momentum`` is 0: then :math:`v = s g`, the same floats, with no buffer to keep."""
    for i, (p, g) in enumerate(zip(params, grads)):
        if velocity is None:  # in the dtype the buffer, zeros of p's dtype, would have given it
            v = (g if scale == 1.0 else scale * g).astype(np.result_type(p, g), copy=False)
        elif np.result_type(velocity[i], g) == velocity[i].dtype:
            v = velocity[i]
            # v <- momentum·v + scale·g in place: the same two roundings, no new arrays (and
            # scale·g is g exactly when scale is 1, so that product is skipped then)
            v *= momentum
            v += g if scale == 1.0 else scale * g
        else:  # a gradient wider than its parameter: v takes the gradient's dtype, as it did
            v = velocity[i] = momentum * velocity[i] + scale * g
        delta = lr * v
        p -= delta.astype(p.dtype, copy=False)
        if i < 2 * depth and i % 2 == 0:
            yield delta


def train(model, x, y, *, loss="cross_entropy", lr=0.1, steps=100, batch_size=None,
          momentum=0.0, clip_norm=None, rng=None, optimizer="sgd", betas=None, eps=None):
    """Train ``model`` in place on ``(x, y)`` and return its :class:`History`.

    ``batch_size=None`` uses the whole set every step (deterministic); otherwise each step
    draws a batch without replacement from ``rng``. ``clip_norm`` (``None`` = off) is the
    threshold :math:`\\tau` on the global gradient norm over all weights and biases.
    ``optimizer`` is ``"sgd"`` (with ``momentum``) or ``"adam"`` (with ``betas`` and ``eps``,
    ``None`` meaning PyTorch's defaults ``(0.9, 0.999)`` and ``1e-8``; ``lr`` is Adam's too).
    """
    optimizer = one_of(optimizer, "optimizer", ("sgd", "adam"))
    lr = finite_number(lr, "lr", positive=True)
    momentum = finite_number(momentum, "momentum", nonnegative=True)
    if momentum >= 1:
        raise ValueError(f"momentum must be in [0, 1), got {momentum}")
    adam_settings = _adam_settings(optimizer, momentum, betas, eps)
    if clip_norm is not None:
        clip_norm = finite_number(clip_norm, "clip_norm", positive=True)
    steps = positive_int(steps, "steps")
    loss_fn = _losses.get(loss)
    x, y = np.asarray(x), np.asarray(y)  # y as an array: a list cannot be indexed by a batch
    _check_data(model, x, y, loss_fn)  # before any step: NaN in the data is not an overflow
    n = x.shape[0] if x.ndim else 0
    batch_size = n if batch_size is None else positive_int(batch_size, "batch_size")
    if batch_size > n:
        raise ValueError(f"batch_size must be at most the number of examples ({n}), got {batch_size}")
    gen = generator(rng)

    params = model.parameters()
    depth = model.depth
    adam = Adam(params, lr=lr, **adam_settings) if optimizer == "adam" else None
    velocity = [np.zeros(p.shape, p.dtype) for p in params] if adam is None and momentum else None
    initial = [w.copy() for w in model.weights]
    init_norms = [max(s, 1e-30) for s in norms(initial)]
    others = params[1:2 * depth:2] + params[2 * depth:]  # the biases and batch-norm parameters
    record = {key: [] for key in ("loss", "grad_norm", "update_ratio", "distance", "total", "clipped")}
    failure = failed_at = failed_layer = None

    # Overflow is expected in the experiments of chapter 4: it is detected below, not warned about.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for step in range(steps):
            idx = slice(None) if batch_size == n else gen.choice(n, batch_size, replace=False)
            out = model.forward(x[idx])
            value, dout = loss_fn(out, y[idx])
            grads = model.backward(dout, input_grad=False)
            flat = model.gradients()
            grad_norms = norms(flat)
            total = math.hypot(*grad_norms)  # inf or NaN exactly when some gradient entry is
            if not (math.isfinite(value) and math.isfinite(total)):
                failure, failed_layer = _where_it_broke(model, grads)
                failure = failure or f"the loss became {value}"
                failed_at = step
                break
            scale = clip_norm / total if clip_norm is not None and total > clip_norm else 1.0
            # ‖W_k‖ before the update: at the first step the initial weights' norms, already at hand
            before = init_norms if step == 0 else [max(s, 1e-30) for s in norms(model.weights)]
            if adam is not None:
                taken = adam.step([scale * g for g in flat])[0:2 * depth:2]
            else:
                taken = _sgd_step(params, flat, velocity, lr, momentum, scale, depth)
            ratios = [s / w for s, w in zip(norms(taken), before)]
            distances = norms(w - w0 for w, w0 in zip(model.weights, initial))
            # A weight holding inf or NaN makes its distance from the start inf or NaN: the distances check
            # the weights, and one check over all the small arrays does the rest.
            if not (all(map(math.isfinite, distances)) and _finite(others)):
                k, kind = _nonfinite(params)
                if k is not None:
                    failed_layer = k // 2 + 1 if k < 2 * depth else None
                    where = f"layer {failed_layer} weights" if failed_layer else "a batch-norm parameter"
                    failure, failed_at = f"{where} became {kind} after the update", step
                    break
            record["loss"].append(value)
            record["grad_norm"].append(grad_norms[0:2 * depth:2])
            record["update_ratio"].append(ratios)
            record["distance"].append([d / s for d, s in zip(distances, init_norms)])
            record["total"].append(total)
            record["clipped"].append(scale < 1.0)

    def table(key):
        return np.array(record[key], dtype=np.float64).reshape(-1, depth)

    return History(
        loss=np.array(record["loss"]),
        grad_norm=table("grad_norm"),
        update_ratio=table("update_ratio"),
        distance_from_init=table("distance"),
        total_grad_norm=np.array(record["total"]),
        clipped=np.array(record["clipped"], dtype=bool),
        failure=failure,
        failed_at=failed_at,
        failed_layer=failed_layer,
        settings={"lr": lr, "momentum": momentum, "clip_norm": clip_norm, "batch_size": batch_size,
                  "steps": steps, "loss": getattr(loss_fn, "__name__", str(loss)), "optimizer": optimizer,
                  **({"betas": adam.betas, "eps": adam.eps} if adam is not None else {})},
    )


def outcome(history):
    """One line on how a run ended: where it overflowed (step, and layer if known), or its final loss
    (the mean of the last 20 steps, so one mini-batch cannot decide it) and its largest loss."""
    if history.diverged:
        where = f" in layer {history.failed_layer}" if history.failed_layer else ""
        return f"overflowed at step {history.failed_at}{where}"
    return f"final loss {history.loss[-20:].mean():.3f}, largest {history.loss.max():.3g}"


def accuracy(model, x, y):
    """Fraction of examples whose largest output is the true class, in evaluation mode (batch norm uses its
    running statistics, as it would on one example at a time, and leaves them unchanged)."""
    x, y = np.asarray(x), np.asarray(y)
    _check_data(model, x, y)
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.mean(np.argmax(model.forward(x, train=False), axis=1) == y))
