r"""The adding problem (Hochreiter & Schmidhuber 1997; in the form of Le et al. 2015), and a short training loop.

Each example is a sequence of ``T`` pairs: a value drawn from :math:`U(0, 1)` and a marker, 1 at exactly two
steps (one in each half of the sequence) and 0 elsewhere. The target is the sum of the two marked values. A
model that ignores the input and predicts the mean, 1, has the mean squared error
:math:`\operatorname{Var}(u_1 + u_2) = 2/12 = 1/6` (:data:`BASELINE`); beating it means the gradient carried
information from the first marker, up to ``T`` steps back.

The model (:class:`Regressor`) is a recurrent layer with a linear read-out of the last hidden state,
:math:`\hat y = w^\top h_T + b` (initialised as ``torch.nn.Linear``, :math:`U(\pm 1/\sqrt H)`), trained on the
mean squared error by SGD with momentum (PyTorch's form, as in :func:`initlab.training.train`) and optional
clipping of the global gradient norm (Pascanu et al. 2013). Training stops when the loss or a gradient turns
inf or NaN, and says where.
"""

import math
from dataclasses import dataclass

import numpy as np

from ._checks import finite_number, generator, positive_int
from .lstm import LSTM
from .rnn import RNN, uniform_default

__all__ = ["BASELINE", "adding_problem", "Regressor", "Run", "train"]

#: The mean squared error of always predicting 1 (the variance of the sum of two U(0, 1) values).
BASELINE = 1.0 / 6.0


def adding_problem(steps, n, rng=None):
    """``(x, y)``: ``x`` of shape ``(steps, n, 2)`` (value, marker) and ``y`` of shape ``(n,)``, float64."""
    steps = positive_int(steps, "steps")
    n = positive_int(n, "n")
    if steps < 2:
        raise ValueError(f"steps must be at least 2 (one marker in each half), got {steps}")
    gen = generator(rng)
    values = gen.uniform(0.0, 1.0, (steps, n))
    half = steps // 2
    first = gen.integers(0, half, n)
    second = gen.integers(half, steps, n)
    markers = np.zeros((steps, n))
    markers[first, np.arange(n)] = 1.0
    markers[second, np.arange(n)] = 1.0
    y = values[first, np.arange(n)] + values[second, np.arange(n)]
    return np.stack([values, markers], axis=2), y


class Regressor:
    """A recurrent ``layer`` (:class:`~initlab.rnn.RNN` or :class:`~initlab.lstm.LSTM`) and a linear read-out of its
    last hidden state, :math:`\\hat y = w^\\top h_T + b`."""

    def __init__(self, layer, rng=None):
        if not isinstance(layer, (RNN, LSTM)):
            raise TypeError(f"layer must be an initlab RNN or LSTM, got {type(layer).__name__}")
        self.layer = layer
        gen = generator(rng)
        H = layer.hidden_size
        self.weight = uniform_default(H, H, gen).astype(layer.dtype)
        self.bias = uniform_default(1, H, gen).astype(layer.dtype)

    def parameters(self):
        """``{name: array}``: the layer's parameters and the read-out's ``weight`` and ``bias``."""
        return {**self.layer.parameters(), "weight": self.weight, "bias": self.bias}

    def forward(self, x):
        outputs, _ = self.layer.forward(x)
        self._outputs = outputs
        return outputs[-1] @ self.weight + self.bias[0]

    def loss_and_gradients(self, x, y):
        """``(mse, {name: gradient})`` on ``(x, y)``, with ``"x"`` left out."""
        with np.errstate(over="ignore", invalid="ignore"):
            pred = self.forward(x)
            err = pred - y
            loss = float(np.mean(err.astype(np.float64) ** 2))
            dpred = (2.0 / len(y)) * err
            douts = np.zeros_like(self._outputs)
            douts[-1] = np.outer(dpred, self.weight)
            grads = self.layer.backward(douts)
            grads = {name: grads[name] for name in self.layer.names}
            grads["weight"] = self._outputs[-1].T @ dpred
            grads["bias"] = np.array([dpred.sum()])
        return loss, grads


@dataclass
class Run:
    """What :func:`train` measured: per step the loss, the global gradient norm before clipping and whether it was
    clipped; ``test_loss`` on a fixed test set at the end (None if training failed); ``failure`` says where an inf
    or NaN appeared and ``failed_at`` at which step."""

    loss: np.ndarray
    grad_norm: np.ndarray
    clipped: np.ndarray
    test_loss: float | None
    failure: str | None = None
    failed_at: int | None = None

    @property
    def diverged(self):
        return self.failure is not None

    @property
    def clipped_fraction(self):
        """The fraction of the completed steps at which the gradient was clipped."""
        return float(self.clipped.mean()) if len(self.clipped) else 0.0


def train(model, steps_in_sequence, *, steps=300, batch=32, lr=0.01, momentum=0.9, clip_norm=None,
          test_size=256, rng=0):
    r"""Train ``model`` (a :class:`Regressor`) in place on fresh adding-problem batches of length
    ``steps_in_sequence``, ``steps`` SGD steps; return its :class:`Run`. The clipped gradient is
    :math:`\min(1, \tau/\lVert g\rVert)\,g` with :math:`\tau` = ``clip_norm``; then :math:`v \leftarrow \mu v + g`,
    :math:`\theta \leftarrow \theta - \eta v`."""
    if not isinstance(model, Regressor):
        raise TypeError(f"model must be an initlab.adding_problem.Regressor, got {type(model).__name__}")
    steps, batch = positive_int(steps, "steps"), positive_int(batch, "batch")
    lr = finite_number(lr, "lr", positive=True)
    momentum = finite_number(momentum, "momentum", nonnegative=True)
    if momentum >= 1:
        raise ValueError(f"momentum must be in [0, 1), got {momentum}")
    if clip_norm is not None:
        clip_norm = finite_number(clip_norm, "clip_norm", positive=True)
    gen = generator(rng)
    x_test, y_test = adding_problem(steps_in_sequence, positive_int(test_size, "test_size"), gen)
    params = model.parameters()
    velocity = {name: np.zeros_like(p) for name, p in params.items()}
    losses, norms, clipped = [], [], []
    failure = failed_at = None
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(steps):
            x, y = adding_problem(steps_in_sequence, batch, gen)
            loss, grads = model.loss_and_gradients(x, y)
            # in float64, so that the norm of a float32 gradient cannot overflow before its entries do
            total = math.sqrt(sum(float(np.square(g, dtype=np.float64).sum()) for g in grads.values()))
            if not (math.isfinite(loss) and math.isfinite(total)):
                where = [name for name, g in grads.items() if not np.all(np.isfinite(g))]
                failure = (f"the gradient of {where[0]} became inf/NaN" if where
                           else f"the loss became {loss}")
                failed_at = step
                break
            scale = clip_norm / total if clip_norm is not None and total > clip_norm else 1.0
            for name, p in params.items():
                velocity[name] = momentum * velocity[name] + scale * grads[name]
                p -= (lr * velocity[name]).astype(p.dtype, copy=False)
            losses.append(loss)
            norms.append(total)
            clipped.append(scale < 1.0)
            # a sum is inf/NaN when an entry is (float64 sums of float32 entries cannot overflow)
            if not math.isfinite(sum(float(p.sum(dtype=np.float64)) for p in params.values())):
                failure, failed_at = "a parameter became inf/NaN after the update", step
                break
    test_loss = None
    if failure is None:
        with np.errstate(over="ignore", invalid="ignore"):
            test_loss = float(np.mean((model.forward(x_test) - y_test) ** 2))
        if not math.isfinite(test_loss):
            failure, failed_at, test_loss = f"the test loss became {test_loss}", steps, None
    return Run(np.array(losses), np.array(norms), np.array(clipped, dtype=bool), test_loss, failure, failed_at)
