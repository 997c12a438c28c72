r"""Width and the learning rate: the standard parameterization (SP) against the maximal-update
parameterization (μP, Yang & Hu, 2021; Yang et al., 2022), for Adam.

The network is :class:`initlab.MLP` ``[n_in, n, n, classes]`` with relu: an input layer (fan-in
:math:`n_{\text{in}}`, fixed), a hidden layer and an output layer (fan-in :math:`n`, the width). Both
parameterizations agree at the base width :math:`n_0`; away from it (Yang et al., 2022, Table 3, Adam):

.. list-table::
   :header-rows: 1

   * -
     - input weights, all biases
     - hidden weights
     - output weights
   * - init variance, SP
     - :math:`2/\text{fan\_in}`
     - :math:`2/n`
     - :math:`2/n`
   * - init variance, μP
     - :math:`2/\text{fan\_in}`
     - :math:`2/n`
     - :math:`2 n_0/n^2`
   * - Adam learning rate, SP
     - :math:`\eta`
     - :math:`\eta`
     - :math:`\eta`
   * - Adam learning rate, μP
     - :math:`\eta`
     - :math:`\eta\,n_0/n`
     - :math:`\eta\,n_0/n`

Why: Adam moves every entry of a weight matrix by about :math:`\eta` whatever its gradient's size, and
the entries of one step are correlated with the layer's input, so a layer of fan-in :math:`n` changes its
output by about :math:`\eta n` times the input's size (:func:`output_change`). μP divides the rate of every
layer whose fan-in grows by :math:`n/n_0`, and shrinks the output layer's initial weights so that the
logits start at :math:`O(1/\sqrt n)` instead of :math:`O(1)` and are moved by the updates, not by the draw.
"""

import math
from dataclasses import dataclass

import numpy as np

from ._checks import finite_number, generator, one_of, positive_int
from .adam import Adam
from .losses import softmax_cross_entropy
from .mlp import MLP

__all__ = ["PARAMETERIZATIONS", "build", "learning_rates", "train_final_loss", "output_change", "LrSweep",
           "lr_sweep"]

PARAMETERIZATIONS = ("sp", "mup")


def _widths(width, base_width):
    width = positive_int(width, "width")
    return width, positive_int(base_width, "base_width")


def build(width, parameterization, base_width, n_in=64, classes=10, rng=0):
    """The MLP ``[n_in, width, width, classes]`` (relu, He-normal weights, zero biases) drawn from ``rng``,
    with μP's output-layer scale :math:`\\sqrt{n_0/n}` on the standard deviation for ``"mup"``."""
    parameterization = one_of(parameterization, "parameterization", PARAMETERIZATIONS)
    width, base_width = _widths(width, base_width)
    model = MLP([positive_int(n_in, "n_in"), width, width, positive_int(classes, "classes")], rng=rng)
    if parameterization == "mup":
        model.weights[-1] *= np.float32(math.sqrt(base_width / width))
    return model


def learning_rates(model, parameterization, lr, base_width):
    """Adam's learning rate for every array of ``model.parameters()`` (``W_1, b_1, W_2, b_2, ...``):
    ``lr`` everywhere under SP; under μP ``lr * base_width / fan_in`` for every weight matrix after the
    first, ``lr`` for the first and for the biases."""
    parameterization = one_of(parameterization, "parameterization", PARAMETERIZATIONS)
    lr = finite_number(lr, "lr", positive=True)
    base_width = positive_int(base_width, "base_width")
    rates = []
    for k, w in enumerate(model.weights):
        fan_in = w.shape[0]
        scaled = parameterization == "mup" and k > 0
        rates += [lr * base_width / fan_in if scaled else lr, lr]
    return rates


def train_final_loss(model, rates, x, y, steps, batch_size, rng=0):
    """Train ``model`` in place with Adam (PyTorch's defaults), one learning rate per parameter from
    ``rates``, on mini-batches of ``(x, y)`` drawn from ``rng``; return the loss on all of ``(x, y)``
    after ``steps`` steps, or ``inf`` if a loss or a weight became inf or NaN on the way."""
    steps, batch_size = positive_int(steps, "steps"), positive_int(batch_size, "batch_size")
    if batch_size > len(x):
        raise ValueError(f"batch_size must be at most the number of examples ({len(x)}), got {batch_size}")
    params = model.parameters()
    if len(rates) != len(params):
        raise ValueError(f"rates must give one learning rate per parameter ({len(params)}), got {len(rates)}")
    optimizers = [Adam([p], lr=r) for p, r in zip(params, rates)]
    gen = generator(rng)
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            idx = gen.choice(len(x), batch_size, replace=False)
            value, dout = softmax_cross_entropy(model.forward(x[idx]), y[idx])
            model.backward(dout)
            grads = model.gradients()
            if not (math.isfinite(value) and all(np.isfinite(g).all() for g in grads)):
                return math.inf
            for opt, g in zip(optimizers, grads):
                opt.step([g])
        value, _ = softmax_cross_entropy(model.forward(x), y)
    return float(value) if math.isfinite(value) else math.inf


def output_change(width, parameterization, lr, x, y, base_width, optimizer="sgd", rng=0):
    r"""The root mean square change of the logits on ``x`` after one step of the output layer alone, at
    initialization, with the output layer's rate of :func:`learning_rates` (the same for SGD and Adam in
    Table 3: :math:`\eta` under SP, :math:`\eta n_0/n` under μP).

    SGD: with :math:`\delta_b = \partial\ell/\partial f(x_b)` on the batch, the step
    :math:`\Delta W = -\eta_{\text{out}}\sum_b h(x_b)\,\delta_b^\top` changes the logits of :math:`x` by
    :math:`-\eta_{\text{out}}\sum_b \langle h(x), h(x_b)\rangle\,\delta_b`, and the inner product of two
    width-:math:`n` feature vectors is a sum of :math:`n` terms of the same sign (relu features are
    non-negative): it grows like :math:`n`. Adam's first step :math:`\eta_{\text{out}}\operatorname{sign}(g)`
    gives a sum of :math:`n` terms too."""
    optimizer = one_of(optimizer, "optimizer", ("sgd", "adam"))
    model = build(width, parameterization, base_width, n_in=x.shape[1], rng=rng)
    lr_out = learning_rates(model, parameterization, lr, base_width)[-2]
    before = model.forward(x).astype(np.float64)
    _, dout = softmax_cross_entropy(before, y)
    model.backward(dout)
    g_out = model.gradients()[-2]
    if optimizer == "adam":
        Adam([model.weights[-1]], lr=lr_out).step([g_out])
    else:
        model.weights[-1] -= np.float32(lr_out) * g_out
    after = model.forward(x).astype(np.float64)
    return float(np.sqrt(np.mean((after - before) ** 2)))


@dataclass(frozen=True)
class LrSweep:
    """Final training losses of :func:`lr_sweep`, indexed ``[parameterization, width, lr, seed]``."""

    widths: tuple
    lrs: tuple
    seeds: tuple
    base_width: int
    loss: dict  # {(parameterization, width): array of shape (len(lrs), len(seeds))}

    def mean(self, parameterization, width):
        """The loss at every learning rate, averaged over the seeds (inf if any seed diverged)."""
        return self.loss[parameterization, width].mean(axis=1)

    def best_lr(self, parameterization, width):
        """The learning rate of the grid with the lowest seed-averaged loss."""
        return self.lrs[int(np.argmin(self.mean(parameterization, width)))]

    def near_best(self, parameterization, width, tolerance=0.05):
        """The learning rates whose seed-averaged loss is within ``tolerance`` (relative) of the lowest: when
        two neighbours of the grid tie this closely, which one wins is decided by rounding, not by width."""
        tolerance = finite_number(tolerance, "tolerance", nonnegative=True)
        mean = self.mean(parameterization, width)
        return [lr for lr, v in zip(self.lrs, mean) if v <= (1 + tolerance) * mean.min()]

    def best_lr_per_seed(self, parameterization, width):
        """The best learning rate of each seed on its own: the spread of the optimum."""
        return [self.lrs[i] for i in np.argmin(self.loss[parameterization, width], axis=0)]


def lr_sweep(x, y, widths, lrs, seeds=(0, 1), base_width=None, steps=60, batch_size=64):
    """Train :func:`build` at every width, parameterization, learning rate and seed (the seed draws both
    the weights and the batches) and return the :class:`LrSweep`; ``base_width`` defaults to the
    smallest width."""
    widths = tuple(positive_int(w, "widths[...]") for w in widths)
    lrs = tuple(finite_number(r, "lrs[...]", positive=True) for r in lrs)
    seeds = tuple(seeds)
    if not widths or not lrs or not seeds:
        raise ValueError("widths, lrs and seeds must each hold at least one value")
    base_width = min(widths) if base_width is None else positive_int(base_width, "base_width")
    loss = {}
    for p in PARAMETERIZATIONS:
        for n in widths:
            if p == "mup" and n == base_width:  # μP is SP at the base width: the same runs
                loss[p, n] = loss["sp", n]
                continue
            table = np.empty((len(lrs), len(seeds)))
            for i, lr in enumerate(lrs):
                for j, seed in enumerate(seeds):
                    model = build(n, p, base_width, n_in=x.shape[1], rng=seed)
                    rates = learning_rates(model, p, lr, base_width)
                    table[i, j] = train_final_loss(model, rates, x, y, steps, batch_size, rng=seed)
            loss[p, n] = table
    return LrSweep(widths, lrs, seeds, base_width, loss)
