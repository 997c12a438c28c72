r"""Per-layer profiles of the forward signal and the back-propagated gradient, over seeded networks (ch. 2).

Chapter 2 puts Glorot & Bengio's (2010) conditions next to measurements. Every function here builds
plain networks (:class:`initlab.MLP`) from several seeds, measures them with
:func:`initlab.propagation.measured` and returns the mean and standard error over the seeds
(:class:`initlab.layer_stats.LayerStats`), in the layout of the prediction it is compared with.

- :func:`backward_ratios`: one layer's backward factor, as a ratio of norms and as a ratio of per-unit
  variances. In the book's column-vector notation :math:`g_{k-1} = W_k^\top g_k` (a linear layer,
  :math:`W_k` of shape :math:`n_k\times n_{k-1}`), and for a vector of :math:`n` entries
  :math:`\lVert g\rVert^2 = n\,\overline{g^2}`, so

  .. math:: \frac{\lVert g_{k-1}\rVert^2}{\lVert g_k\rVert^2}
            = \frac{n_{k-1}}{n_k}\cdot\frac{\overline{g_{k-1}^2}}{\overline{g_k^2}}, \qquad
            \mathbb E\Big[\frac{\lVert g_{k-1}\rVert^2}{\lVert g_k\rVert^2}\Big] = n_{k-1}\operatorname{Var}(W),
            \quad \frac{\mathbb E[g_{k-1}^2]}{\mathbb E[g_k^2]} = n_k\operatorname{Var}(W):

  the norm ratio carries the fan-in, the per-unit variance ratio the fan-out.
- :func:`linear_pair`: two linear layers of widths :math:`a \to b \to a`, whose forward and backward
  factors are both :math:`4ab/(a+b)^2` under Xavier's variance.
- :func:`classifier_profile` and :func:`predicted_profile`: a classifier's hidden layers at
  initialization, :math:`\overline{z_k^2}` and :math:`\overline{g_k^2}/\overline{g_H^2}` (``H`` the top
  hidden layer), measured and predicted.
- :func:`gain_profile`: a deep square network with ``xavier_uniform(gain=...)`` weights, fed inputs of
  unit mean square, measured and predicted layer by layer.
"""

import numpy as np

from . import init as _init
from . import layer_stats, losses, propagation
from ._checks import finite_number, one_of, positive_int
from .mlp import MLP

__all__ = ["backward_ratios", "linear_pair", "classifier_profile", "predicted_profile", "gain_profile"]


def backward_ratios(fan_in, fan_out, variance, seeds=range(8), batch=64):
    r"""One linear layer's backward factor, measured two ways, over networks from ``seeds``.

    For each seed: weights of shape ``(fan_in, fan_out)`` (the code's row layout, ``h @ W``) drawn
    :math:`\mathcal N(0, \text{variance})`, a batch of standard normal output gradients :math:`g_k`
    (``fan_out`` entries each) and :math:`g_{k-1} = g_k W^\top`. Returns ``(stats, predicted)``:
    ``stats`` (:class:`~initlab.layer_stats.LayerStats`) has two columns, the ratio of the squared norms summed
    over the batch, :math:`\sum\lVert g_{k-1}\rVert^2/\sum\lVert g_k\rVert^2`, and the per-unit ratio
    :math:`\overline{g_{k-1}^2}/\overline{g_k^2}`; ``predicted`` is
    ``(fan_in * variance, fan_out * variance)``.
    """
    fan_in, fan_out = positive_int(fan_in, "fan_in"), positive_int(fan_out, "fan_out")
    variance = finite_number(variance, "variance", positive=True)
    batch = positive_int(batch, "batch")

    def measure(seed):
        gen = np.random.default_rng(seed)
        w = gen.normal(0.0, np.sqrt(variance), size=(fan_in, fan_out))
        g = gen.standard_normal((batch, fan_out))
        g_below = g @ w.T
        return [np.sum(g_below ** 2) / np.sum(g ** 2), np.mean(g_below ** 2) / np.mean(g ** 2)]

    return layer_stats.over_seeds(measure, seeds), (fan_in * variance, fan_out * variance)


def linear_pair(fan_in, fan_out, seeds=range(16), batch=32):
    r"""Xavier-uniform linear networks of widths ``fan_in, fan_out, fan_in, fan_out``, one per seed.

    Per seed, a batch of standard normal inputs :math:`x` and output gradients; returns
    :class:`~initlab.layer_stats.LayerStats` with two columns: forward
    :math:`\overline{z_2^2}/\overline{x^2}` (through layers 1 and 2) and backward
    :math:`\overline{g_1^2}/\overline{g_3^2}` (through layers 3 and 2). Both have expectation
    :math:`4ab/(a+b)^2` with :math:`a, b` the fans.
    """
    fan_in, fan_out = positive_int(fan_in, "fan_in"), positive_int(fan_out, "fan_out")
    batch = positive_int(batch, "batch")

    def measure(seed):
        gen = np.random.default_rng(seed)
        x = gen.standard_normal((batch, fan_in)).astype(np.float32)
        dout = gen.standard_normal((batch, fan_out)).astype(np.float32)
        model = MLP([fan_in, fan_out, fan_in, fan_out], activation="linear", init="xavier_uniform", rng=gen)
        forward, backward = propagation.measured(model, x, dout)
        return [forward[1] / np.mean(np.square(x, dtype=np.float64)), backward[0] / backward[2]]

    return layer_stats.over_seeds(measure, seeds)


def _hidden(sizes):
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__") or len(sizes) < 3:
        raise ValueError(f"sizes must list the input, at least one hidden layer and the output, got {sizes!r}")
    return len(sizes) - 2


def classifier_profile(sizes, activation, init, x, y, seeds=range(5), bias_init="zeros"):
    r"""A classifier's hidden layers at initialization, over one network per seed.

    For each seed, ``MLP(sizes, activation, init, rng=seed, bias_init=bias_init)`` does one forward and
    one backward pass of the softmax cross-entropy on ``(x, y)`` (no update). With ``H = len(sizes) - 2``
    hidden layers, each row holds :math:`\overline{z_k^2}` for ``k = 1 .. H`` and then
    :math:`\overline{g_k^2}/\overline{g_H^2}` for ``k = 1 .. H``. ``bias_init="zeros"`` is Glorot &
    Bengio's setup; ``"linear_default"`` draws ``nn.Linear``'s biases. Returns ``(stats, first_model)``,
    the network of the first seed left as probed (its activations and gradients are stored).
    """
    hidden = _hidden(sizes)
    bias_init = one_of(bias_init, "bias_init", ("zeros", "linear_default"))
    seeds = layer_stats.seed_list(seeds)
    models = {seed: MLP(sizes, activation=activation, init=init, rng=seed, bias_init=bias_init)
              for seed in seeds}

    def measure(seed):
        model = models[seed]
        _, dout = losses.softmax_cross_entropy(model.forward(x), y)
        forward, backward = propagation.measured(model, x, dout)
        return np.concatenate([forward[:hidden], backward[:hidden] / backward[hidden - 1]])

    return layer_stats.over_seeds(measure, seeds), models[seeds[0]]


def predicted_profile(activation, sizes, weight_variances, input_second_moment=1.0):
    r"""The predictions for :func:`classifier_profile`'s layout: ``(mean_field, linear)``.

    Each is a float64 array of length ``2 H``: :math:`\mathbb E[z_k^2]` for the ``H`` hidden layers, then
    :math:`\mathbb E[g_k^2]/\mathbb E[g_H^2]`; ``mean_field`` follows ``activation`` exactly
    (:func:`initlab.propagation.predicted`), ``linear`` is the linear-regime product of Glorot & Bengio.
    """
    hidden = _hidden(sizes)
    out = []
    for f in (activation, "linear"):
        forward, backward = propagation.predicted(f, sizes, weight_variances, input_second_moment)
        out.append(np.concatenate([forward[:hidden], backward[:hidden] / backward[hidden - 1]]))
    return tuple(out)


def gain_profile(activation, gain, depth, width, seeds=range(4), batch=128):
    r"""A square network of ``depth`` layers of ``width`` units with ``xavier_uniform(gain=gain)`` weights.

    Per seed: a batch of standard normal inputs, each example scaled to mean square 1, and a standard
    normal output gradient. Returns ``(predicted, stats)``, each of length ``2 depth``:
    :math:`\mathbb E[z_k^2]` for ``k = 1 .. depth``, then :math:`\mathbb E[g_k^2]/\mathbb E[g_L^2]`;
    ``predicted`` from :func:`initlab.propagation.predicted` with :math:`\operatorname{Var}(W) =
    \text{gain}^2/\text{width}`, ``stats`` a :class:`~initlab.layer_stats.LayerStats` over the seeds.
    """
    gain = finite_number(gain, "gain", positive=True)
    depth, width, batch = positive_int(depth, "depth"), positive_int(width, "width"), positive_int(batch, "batch")
    sizes = [width] * (depth + 1)

    def xavier_gain(fan_in, fan_out, rng=None):
        return _init.xavier_uniform(fan_in, fan_out, gain=gain, rng=rng)

    def measure(seed):
        gen = np.random.default_rng(seed)
        x = gen.standard_normal((batch, width)).astype(np.float32)
        x /= np.sqrt(np.mean(x ** 2, axis=1, keepdims=True))
        dout = gen.standard_normal((batch, width)).astype(np.float32)
        model = MLP(sizes, activation=activation, init=xavier_gain, rng=gen)
        forward, backward = propagation.measured(model, x, dout)
        return np.concatenate([forward, backward / backward[-1]])

    stats = layer_stats.over_seeds(measure, seeds)
    predicted = np.concatenate(propagation.predicted(activation, sizes, [gain ** 2 / width] * depth))
    return predicted, stats
