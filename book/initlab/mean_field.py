r"""Mean-field theory against simulated networks: the measurements chapter 7 puts next to :mod:`initlab.theory`.

Each function draws fresh random :class:`initlab.MLP` networks with weights :math:`\mathcal N(0, \sigma_w^2/n)` and
biases :math:`\mathcal N(0, \sigma_b^2)`, and measures one thing the theory predicts, one row per network, so that
the caller can average over networks and give a standard error (:func:`initlab.layer_stats.standard_error`):

- :func:`pre_activation_mean_squares`: :math:`q_k`, the mean of :math:`z_{k,i}^2` per layer (the length map);
- :func:`pair_correlations`: the correlation :math:`c_k` of two inputs' pre-activations per layer, and
  :func:`predicted_correlations`, the correlation map iterated from the inputs' own correlation;
- :func:`gradient_factors`: the per-layer factor of the back-propagated gradient's mean square (:math:`\chi_1`);

and two checks of the theory against itself: :func:`fixed_point_check` (the fixed point, the slope of the length
map against a finite difference, and where iterating the map gets) and :func:`depth_scales_from_maps` (the decay
rate of a small deviation from :math:`q^*` and :math:`c^*`, to compare with :func:`initlab.theory.depth_scales`).
The networks of one call share one generator, drawn from in order, so a call is reproducible from its seed.
"""

import math

import numpy as np

from . import init as _init
from . import layer_stats, losses, propagation, theory
from ._checks import finite_number, generator, positive_int
from .mlp import MLP
from .training import accuracy, train

__all__ = ["fixed_point_check", "pre_activation_mean_squares", "predicted_correlations", "pair_correlations",
           "gradient_factors", "depth_scales_from_maps", "signal_and_gradient", "correlation_profile",
           "trainability_grid"]


def fixed_point_check(activation, sigma_w, sigma_b=0.0, depth=100):
    r"""``(q*, q_depth, slope, finite difference)``: the fixed point of the length map, its value after
    ``depth`` iterations from :math:`q_1 = \sigma_w^2 + \sigma_b^2`, the slope :math:`\mathcal L'(q^*)` of
    :func:`initlab.theory.length_map_slope`, and the same slope by a difference quotient of step
    :math:`10^{-6}\max(q^*, 1)` (one-sided at :math:`q^* = 0`, central otherwise)."""
    depth = positive_int(depth, "depth")
    q_star = theory.fixed_point(activation, sigma_w, sigma_b)
    h = 1e-6 * max(q_star, 1.0)
    lo = max(q_star - h, 0.0)
    numeric = (theory.length_map(activation, q_star + h, sigma_w, sigma_b)
               - theory.length_map(activation, lo, sigma_w, sigma_b)) / (q_star + h - lo)
    q_depth = theory.forward_variances(activation, sigma_w, depth, sigma_b=sigma_b)[-1]
    return q_star, q_depth, theory.length_map_slope(activation, q_star, sigma_w), numeric


def _networks(sizes, activation, sigma_w, sigma_b, nets, gen, dtype):
    """``nets`` MLPs with the given sizes, drawn one after the other from the generator ``gen``."""
    for _ in range(positive_int(nets, "nets")):
        yield MLP(sizes, activation=activation, init=_init.scaled_normal(sigma_w), rng=gen,
                  bias_std=sigma_b, dtype=dtype)


def pre_activation_mean_squares(x, sigma_w, sigma_b=0.0, depth=8, width=300, nets=8, activation="tanh", rng=0):
    r"""The mean of :math:`z_{k,i}^2` over units and rows of ``x``, per layer :math:`k = 1..` ``depth``, in each
    of ``nets`` float32 networks ``x.shape[1] -> width -> ... -> width``: an array of shape ``(nets, depth)``.

    Its mean over the rows is what the length map predicts (:func:`initlab.theory.forward_variances` with the
    input's mean square ``np.mean(x**2)``).
    """
    x = np.asarray(x)
    sizes = [x.shape[1]] + [positive_int(width, "width")] * positive_int(depth, "depth")
    runs = []
    for net in _networks(sizes, activation, sigma_w, sigma_b, nets, generator(rng), np.float32):
        net.forward(x)
        runs.append(layer_stats.mean_squares(net.pre_activations))
    return np.array(runs)


def predicted_correlations(pair, sigma_w, sigma_b=0.0, depth=6, input_second_moment=None, activation="tanh"):
    r"""The correlation map iterated for the two rows of ``pair``, layers :math:`1..` ``depth``.

    :math:`c_1 = (\sigma_w^2\,\overline{x_a x_b} + \sigma_b^2)/q_1`, then :math:`c_{k+1} = C(c_k)` at the
    variance :math:`q_k` of the length map started from ``input_second_moment`` (default: the mean of
    ``pair**2``; both rows should have that mean square).
    """
    pair = np.asarray(pair, dtype=np.float64)
    if pair.ndim != 2 or pair.shape[0] != 2:
        raise ValueError(f"pair must hold two inputs as rows, got shape {pair.shape}")
    m = float(np.mean(pair ** 2)) if input_second_moment is None else input_second_moment
    q = theory.forward_variances(activation, sigma_w, depth, input_second_moment=m, sigma_b=sigma_b)
    c = [(sigma_w ** 2 * np.mean(pair[0] * pair[1]) + sigma_b ** 2) / q[0]]
    for k in range(depth - 1):
        c.append(theory.correlation_map(activation, c[-1], q[k], sigma_w, sigma_b))
    return np.array(c)


def pair_correlations(pair, sigma_w, sigma_b=0.0, depth=6, width=400, nets=8, activation="tanh", rng=1):
    r"""The correlation :math:`\overline{z_a z_b}/\sqrt{\overline{z_a^2}\;\overline{z_b^2}}` (means over units) of
    the pre-activations of the two rows of ``pair``, per layer, in each of ``nets`` float64 networks of
    ``width`` units per layer: an array of shape ``(nets, depth)``."""
    pair = np.asarray(pair, dtype=np.float64)
    if pair.ndim != 2 or pair.shape[0] != 2:
        raise ValueError(f"pair must hold two inputs as rows, got shape {pair.shape}")
    sizes = [pair.shape[1]] + [positive_int(width, "width")] * positive_int(depth, "depth")
    runs = []
    for net in _networks(sizes, activation, sigma_w, sigma_b, nets, generator(rng), np.float64):
        net.forward(pair)
        runs.append([np.mean(z[0] * z[1]) / np.sqrt(np.mean(z[0] ** 2) * np.mean(z[1] ** 2))
                     for z in net.pre_activations])
    return np.array(runs)


def gradient_factors(sigma_w, sigma_b=0.0, depth=12, width=200, nets=6, batch=20, activation="tanh", rng=2):
    r"""The measured per-layer factor of the back-propagated gradient's mean square, one per network.

    Each of ``nets`` square networks (``depth`` layers of ``width``) is fed ``batch`` Gaussian inputs whose
    first-layer variance is the fixed point :math:`q^*` (so every layer starts at it) and one random output
    gradient; with :math:`g_k` the mean square of :math:`\partial\ell/\partial h_k` over the hidden layers, the
    factor is :math:`(g_1/g_{L-1})^{1/(L-2)}`, which the theory predicts to be :math:`\chi_1`.
    """
    width = positive_int(width, "width")
    q_star = theory.fixed_point(activation, sigma_w, sigma_b)
    gen = generator(rng)
    factors = []
    for net in _networks([width] * (positive_int(depth, "depth") + 1), activation, sigma_w, sigma_b, nets, gen,
                         np.float32):
        x = gen.normal(0.0, np.sqrt((q_star - sigma_b ** 2) / sigma_w ** 2), (batch, width))
        net.forward(x)
        net.backward(gen.standard_normal((batch, width)))
        g = layer_stats.mean_squares(net.grad_activations[:-1])
        factors.append((g[0] / g[-1]) ** (1 / (len(g) - 1)))
    return np.array(factors)


def depth_scales_from_maps(activation, sigma_w, sigma_b=0.0, layers=10, start=1e-3):
    r"""``(ξ_q, ξ_c)`` read off the maps: start a relative ``start`` above :math:`q^*` and ``start`` below
    :math:`c^*`, apply the length map and the correlation map (at :math:`q^*`) ``layers`` times, and return
    :math:`-\text{layers}/\ln(\epsilon_{\text{layers}}/\epsilon_0)` for each."""
    layers = positive_int(layers, "layers")
    start = finite_number(start, "start", positive=True)
    q_star = theory.fixed_point(activation, sigma_w, sigma_b)
    c_star = theory.correlation_fixed_point(activation, sigma_w, sigma_b)
    q, c = q_star * (1 + start), c_star - start
    for _ in range(layers):
        q = theory.length_map(activation, q, sigma_w, sigma_b)
        c = theory.correlation_map(activation, c, q_star, sigma_w, sigma_b)
    return (-layers / math.log(abs(q - q_star) / (start * q_star)),
            -layers / math.log(abs(c - c_star) / start))


def signal_and_gradient(x, y, sigma_w, sigma_b=0.0, depth=30, width=100, activation="tanh", rng=0):
    r"""One network at a point :math:`(\sigma_w, \sigma_b)` of the phase diagram, measured and predicted per layer.

    Draws ``MLP([n_in] + [width] * depth + [n_classes])`` with weights :math:`\mathcal N(0, \sigma_w^2/n)` and
    biases :math:`\mathcal N(0, \sigma_b^2)` (``n_classes = max(y) + 1``), runs the batch ``(x, y)`` forward and
    the cross-entropy gradient back. Returns a dict of float64 arrays over the ``depth`` hidden layers:
    ``q`` and ``q_pred``, the measured mean square of the pre-activations and the length map's :math:`q_k`
    (:func:`initlab.propagation.predicted`); ``g``, the measured mean square of :math:`\partial\ell/\partial h_k`,
    and ``g_pred``, its prediction by the per-layer factors :math:`\sigma_w^2\,\mathbb E[\phi'(\sqrt{q_k}\,\xi)^2]`
    anchored at the last hidden layer's measured value; and ``chi1``, :math:`\chi_1` at the last hidden layer.
    """
    depth, width = positive_int(depth, "depth"), positive_int(width, "width")
    sigma_w = finite_number(sigma_w, "sigma_w", positive=True)
    sigma_b = finite_number(sigma_b, "sigma_b", nonnegative=True)
    sizes = [np.shape(x)[1]] + [width] * depth + [int(np.max(y)) + 1]
    model = MLP(sizes, activation=activation, init=_init.scaled_normal(sigma_w), rng=rng, bias_std=sigma_b)
    _, dout = losses.softmax_cross_entropy(model.forward(x), y)
    q, g = (m[:-1] for m in propagation.measured(model, x, dout))  # the hidden layers
    q_pred, g_rel = propagation.predicted(activation, sizes, [sigma_w ** 2 / n for n in sizes[:-1]],
                                          float(np.mean(np.square(x, dtype=np.float64))), sigma_b)
    return {"q": q, "g": g, "q_pred": q_pred[:-1], "g_pred": g[-1] * (g_rel[:-1] / g_rel[-2]),
            "chi1": theory.gradient_factor(activation, q_pred[-2], sigma_w)}


def correlation_profile(pair, sigma_w, sigma_b=0.0, depth=6, width=400, nets=8, input_second_moment=None,
                        activation="tanh", rng=1):
    r"""``(predicted, mean, se)``: the correlation map's :math:`c_k` (:func:`predicted_correlations`) next to the
    measured :math:`c_k` of :func:`pair_correlations`, averaged over the ``nets`` networks, and its standard
    error (:func:`initlab.layer_stats.standard_error`); three arrays of length ``depth``."""
    predicted = predicted_correlations(pair, sigma_w, sigma_b, depth, input_second_moment=input_second_moment,
                                       activation=activation)
    runs = pair_correlations(pair, sigma_w, sigma_b, depth, width=width, nets=nets, activation=activation, rng=rng)
    return predicted, runs.mean(axis=0), layer_stats.standard_error(runs)


def trainability_grid(x, y, sigma_ws, depths, sigma_b=0.0, width=64, steps=50, lr=0.01, momentum=0.9,
                      batch_size=64, activation="tanh", rng=0):
    r"""Training accuracy after a short run, for every weight scale and depth (Schoenholz et al. 2017 in miniature).

    For each ``sigma_w`` in ``sigma_ws`` and ``L`` in ``depths``: ``MLP([n_in] + [width] * L + [n_classes])``
    with weights :math:`\mathcal N(0, \sigma_w^2/n_{\text{in}})` and biases :math:`\mathcal N(0, \sigma_b^2)`
    (seed ``rng``), trained ``steps`` steps of SGD with momentum on ``(x, y)`` (batches drawn with seed ``rng``),
    scored by :func:`initlab.accuracy` on ``(x, y)``. Returns an array of shape ``(len(sigma_ws), len(depths))``.
    """
    sigma_b = finite_number(sigma_b, "sigma_b", nonnegative=True)
    width, steps = positive_int(width, "width"), positive_int(steps, "steps")
    sizes_in, n_classes = np.shape(x)[1], int(np.max(y)) + 1
    grid = np.empty((len(sigma_ws), len(depths)))
    for i, sigma_w in enumerate(sigma_ws):
        sigma_w = finite_number(sigma_w, "sigma_w", positive=True)
        for j, depth in enumerate(depths):
            sizes = [sizes_in] + [width] * positive_int(depth, "depth") + [n_classes]
            net = MLP(sizes, activation=activation, init=_init.scaled_normal(sigma_w), rng=rng, bias_std=sigma_b)
            train(net, x, y, lr=lr, momentum=momentum, steps=steps, batch_size=batch_size, rng=rng)
            grid[i, j] = accuracy(net, x, y)
    return grid
