r"""Losses, each returning ``(loss, gradient with respect to the network output)``."""

import numpy as np

__all__ = ["softmax_cross_entropy", "mean_squared_error", "get", "NAMES"]


def _logits(logits, name="logits"):
    logits = np.asarray(logits)
    if logits.ndim != 2 or not np.issubdtype(logits.dtype, np.floating):
        raise ValueError(f"{name} must be a 2-D float array (batch, classes), got shape {logits.shape}, "
                         f"dtype {logits.dtype}")
    return logits


def softmax_cross_entropy(logits, labels):
    r"""Mean cross-entropy of ``softmax(logits)`` against integer class ``labels``.

    :math:`\ell = -\frac{1}{B}\sum_i \log p_{i, y_i}` with :math:`p = \mathrm{softmax}(z)`, and
    :math:`\partial\ell/\partial z = (p - \mathrm{onehot}(y))/B`. Computed from
    :math:`z - \max z` so that large logits do not overflow.
    """
    logits = _logits(logits)
    labels = np.asarray(labels)
    batch, classes = logits.shape
    if labels.shape != (batch,) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be integer class indices of shape ({batch},), got shape {labels.shape}, "
                         f"dtype {labels.dtype}")
    if labels.min() < 0 or labels.max() >= classes:
        raise ValueError(f"labels must lie in [0, {classes - 1}], got values in [{labels.min()}, {labels.max()}]")
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    log_p = shifted - log_norm
    rows = np.arange(batch)
    loss = -log_p[rows, labels].mean()
    grad = np.exp(log_p)
    grad[rows, labels] -= 1
    return float(loss), grad / batch


def mean_squared_error(pred, target):
    r""":math:`\ell = \frac{1}{N}\sum (\hat y - y)^2` over all ``N`` entries (PyTorch's ``MSELoss``);
    :math:`\partial\ell/\partial\hat y = 2(\hat y - y)/N`."""
    pred = _logits(pred, "pred")
    target = np.asarray(target, dtype=pred.dtype)
    if target.shape != pred.shape:
        raise ValueError(f"target must have the prediction's shape {pred.shape}, got {target.shape}")
    diff = pred - target
    return float(np.mean(np.square(diff))), (2 / diff.size) * diff


_BY_NAME = {"cross_entropy": softmax_cross_entropy, "mse": mean_squared_error}
NAMES = tuple(_BY_NAME)


def get(loss):
    """The loss called ``loss`` (``'cross_entropy'`` or ``'mse'``), or ``loss`` itself if callable."""
    if callable(loss):
        return loss
    if loss not in _BY_NAME:
        raise ValueError(f"loss must be one of {', '.join(map(repr, NAMES))} or a callable; got {loss!r}")
    return _BY_NAME[loss]
