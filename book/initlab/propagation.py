r"""How the size of the signal changes from layer to layer of a plain network: predicted and measured.

A network of widths :math:`n_0, n_1, \dots, n_L` computes :math:`z_k = h_{k-1} W_k` and
:math:`h_k = \phi(z_k)` (the last layer is linear, :math:`h_L = z_L`), with independent zero-mean
weights of variance :math:`v_k` in layer :math:`k`. Writing :math:`g_k = \partial\ell/\partial h_k`,
the mean-field predictions (:mod:`initlab.theory`, derived in chapter 2) are, forward,

.. math:: \mathbb E[z_1^2] = n_0 v_1\,\mathbb E[x^2], \qquad
          \mathbb E[z_{k+1}^2] = n_k v_{k+1}\,\mathbb E\big[\phi(z_k)^2\big],

and backward, from :math:`g_{k-1} = (g_k \odot \phi'(z_k))\,W_k^\top`,

.. math:: \mathbb E[g_{L-1}^2] = n_L v_L\,\mathbb E[g_L^2], \qquad
          \mathbb E[g_{k-1}^2] = n_k v_k\,\mathbb E\big[\phi'(z_k)^2\big]\,\mathbb E[g_k^2].

For a linear activation they reduce to the products :math:`\prod n_{k-1} v_k` (forward) and
:math:`\prod n_k v_k` (backward) of Glorot & Bengio (2010).
"""

import functools
import math

import numpy as np

from . import activations as _activations
from . import init as _init
from . import layer_stats, theory
from . import losses as _losses
from ._checks import finite_number, one_of, positive_int
from .mlp import MLP

__all__ = ["predicted", "measured", "signal_mean_squares", "std_profile", "kaiming_mode_profile",
           "xavier_alternating"]


def _layers(sizes, weight_variances):
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__") or len(sizes) < 2:
        raise ValueError(f"sizes must be a sequence of at least two layer widths, got {sizes!r}")
    sizes = [positive_int(n, f"sizes[{i}]") for i, n in enumerate(sizes)]
    if isinstance(weight_variances, (str, bytes)) or not hasattr(weight_variances, "__len__"):
        raise TypeError(f"weight_variances must be a sequence of {len(sizes) - 1} numbers (one per layer), "
                        f"got {weight_variances!r}")
    if len(weight_variances) != len(sizes) - 1:
        raise ValueError(f"weight_variances must hold {len(sizes) - 1} numbers (one per layer), "
                         f"got {len(weight_variances)}")
    variances = [finite_number(v, f"weight_variances[{i}]", nonnegative=True) for i, v in enumerate(weight_variances)]
    return sizes, variances


def predicted(activation, sizes, weight_variances, input_second_moment=1.0, sigma_b=0.0):
    r"""The mean-field prediction for a network of widths ``sizes`` and weight variances ``weight_variances``.

    Returns ``(forward, backward)``, two float64 arrays over the layers ``k = 1 .. L``:
    ``forward[k-1]`` is :math:`\mathbb E[z_k^2]` and ``backward[k-1]`` is
    :math:`\mathbb E[g_k^2] / \mathbb E[g_L^2]`, the back-propagated gradient's mean square relative to the
    output's (so ``backward[-1] == 1``). ``input_second_moment`` is the mean of :math:`x^2` over the
    input's entries. ``activation="linear"`` gives the linear-regime products. ``sigma_b`` is the standard
    deviation of every layer's biases, which adds :math:`\sigma_b^2` to each :math:`\mathbb E[z_k^2]`.
    """
    phi = _activations.get(activation)
    sizes, variances = _layers(sizes, weight_variances)
    depth = len(variances)
    forward_scales = [math.sqrt(n * v) for n, v in zip(sizes[:-1], variances)]
    forward = theory.forward_variances(phi, forward_scales, depth, input_second_moment, sigma_b)
    backward = [1.0]
    for k in range(depth, 1, -1):  # from g_k to g_{k-1}, down to g_1
        n_out, v = sizes[k], variances[k - 1]
        factor = n_out * v if k == depth else theory.gradient_factor(phi, forward[k - 1], math.sqrt(n_out * v))
        backward.append(backward[-1] * factor)
    return forward, np.array(backward[::-1])


def measured(model, x, dout):
    r"""One forward pass of ``x`` and one backward pass of ``dout`` through ``model`` (no update).

    Returns ``(forward, backward)``, float64 arrays over the layers ``k = 1 .. L``, the measured
    counterparts of :func:`predicted`: :math:`\overline{z_k^2}` and :math:`\overline{g_k^2}` (means over
    examples and units; ``backward`` is not normalised). Plain networks only (no batch norm, no skips).
    """
    if model.norms or any(model.skips):
        raise ValueError("measured covers plain networks only: build the MLP without batch_norm/residual")
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        model.forward(x)
    return _measured_backward(model, dout)


def _measured_backward(model, dout):
    """:func:`measured` once ``model`` has run its forward pass of ``x``."""
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        model.backward(dout)
    return layer_stats.mean_squares(model.pre_activations), layer_stats.mean_squares(model.grad_activations)


def signal_mean_squares(build, x, seeds, of="outputs"):
    r"""The mean square of every hidden layer's signal at initialization, over networks from several seeds.

    ``build(seed)`` makes a fresh network; ``of`` is ``"outputs"`` (:math:`\overline{h_k^2}`) or
    ``"pre-activations"`` (:math:`\overline{z_k^2}`); the mean is over the examples of ``x`` and the
    units. Returns :class:`initlab.layer_stats.LayerStats` (one row per seed, one column per hidden layer).
    """
    one_of(of, "of", ("outputs", "pre-activations"))

    def measure(seed):
        model = build(seed)
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            model.forward(x)
        return layer_stats.mean_squares((model.activations if of == "outputs" else model.pre_activations)[:-1])

    return layer_stats.over_seeds(measure, seeds)


def std_profile(activation, init, x, depth, width=64, rng=0):
    r"""Measured and predicted standard deviation of :math:`h_1, \dots, h_{\text{depth}}` at initialization.

    Builds ``MLP([x.shape[1]] + [width] * depth + [1], activation, init, rng)`` and runs ``x`` forward.
    The prediction is mean-field theory's: :func:`initlab.theory.forward_variances` with each layer's
    :math:`\sigma_w^2 = n_{\text{in}}\,\overline{W^2}` read off the drawn weights and the input's mean square,
    then :func:`initlab.theory.activation_std` at every layer's predicted variance. Biases drawn at
    random (``init="linear_default"`` draws ``nn.Linear``'s, U(±1/√fan_in)) enter as one
    :math:`\sigma_b^2`, the mean square of the hidden layers' drawn biases; zero biases give
    :math:`\sigma_b = 0`. Returns ``(measured, predicted)``, float64 arrays of length ``depth``; a
    measured 0 means the signal fell below float32's range, inf/NaN that it overflowed.
    """
    depth, width = positive_int(depth, "depth"), positive_int(width, "width")
    x = np.asarray(x)
    model = MLP([x.shape[1]] + [width] * depth + [1], activation=activation, init=init, rng=rng)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        model.forward(x)
    measured = layer_stats.stds(model.activations[:-1])
    fan_ins = np.array([w.shape[0] for w in model.weights[:-1]])
    sigma_w = np.sqrt(fan_ins * layer_stats.mean_squares(model.weights[:-1]))
    hidden_biases = np.concatenate([np.ravel(b) for b in model.biases[:-1]]).astype(np.float64)
    sigma_b = math.sqrt(float(np.mean(np.square(hidden_biases))))
    q = theory.forward_variances(model.activation, sigma_w, depth,
                                 input_second_moment=float(np.mean(np.square(x, dtype=np.float64))),
                                 sigma_b=sigma_b)
    return measured, np.array([theory.activation_std(model.activation, qk) for qk in q])


def kaiming_mode_profile(sizes, mode, x, y, seeds):
    r"""He initialization of a relu network in one ``mode``: the per-layer forward and backward mean squares,
    predicted and averaged over networks (chapter 5's fan_in/fan_out table).

    Every layer of ``MLP(sizes, "relu")`` gets ``init.kaiming_normal(mode=mode)``, i.e.
    :math:`\operatorname{Var}(W_k) = 2/n_{k-1}` (``"fan_in"``) or :math:`2/n_k` (``"fan_out"``). Over the
    ``K = len(sizes) - 2`` hidden layers it returns ``(predicted, mean, sem)``, float64 arrays of length
    ``2K``: first :math:`\mathbb E[z_k^2]`, then :math:`\mathbb E[g_k^2]/\mathbb E[g_K^2]` (the gradient
    relative to the last hidden layer, so that entry is 1 in every network and its standard error 0).
    The prediction is :func:`predicted`; the measurement :func:`measured` on one batch ``x`` with the
    cross-entropy gradient for the labels ``y``, one network per seed (mean and standard error over them,
    :func:`initlab.layer_stats.over_seeds`).
    """
    mode = one_of(mode, "mode", ("fan_in", "fan_out"))
    hidden = len(sizes) - 2
    if hidden < 1:
        raise ValueError(f"sizes must describe at least one hidden layer, got {sizes!r}")
    fans = sizes[:-1] if mode == "fan_in" else sizes[1:]
    x = np.asarray(x)
    input_ms = float(np.mean(np.square(x, dtype=np.float64)))
    forward, backward = predicted("relu", sizes, [2 / n for n in fans], input_ms)
    top = hidden - 1
    loss = _losses.get("cross_entropy")
    scheme = functools.partial(_init.kaiming_normal, mode=mode)

    def measure(seed):
        model = MLP(sizes, activation="relu", init=scheme, rng=seed)
        _, dout = loss(model.forward(x), y)
        # measured(model, x, dout) without its forward pass: the one above, of the same x, is measured
        measured_forward, measured_backward = _measured_backward(model, dout)
        return np.concatenate([measured_forward[:hidden],
                               measured_backward[:hidden] / measured_backward[top]])

    stats = layer_stats.over_seeds(measure, seeds)
    prediction = np.concatenate([forward[:hidden], backward[:hidden] / backward[top]])
    return prediction, stats.mean, stats.sem


def xavier_alternating(activation, fan_in, fan_out, gain, depth, batch=128, rng=0):
    r"""A Xavier network whose widths alternate ``fan_in, fan_out, fan_in, ...``: measured against predicted.

    The ``depth`` layers (``activation``, linear last layer) all get
    ``init.xavier_uniform(gain=gain)``: :math:`W \sim \mathcal U(-a, a)`,
    :math:`a = \text{gain}\sqrt{6/(n_{\text{in}} + n_{\text{out}})}`, variance
    :math:`\text{gain}^2\cdot 2/(n_{\text{in}} + n_{\text{out}})`, the same in every layer. From the seed
    ``rng``: a batch ``x`` of ``batch`` standard normal inputs, a standard normal output gradient, and the
    weights. Returns a dict of float64 values: ``bound`` :math:`a`, ``variance``, ``weights`` (the first
    layer's) and their ``weight_variance``; over the layers ``k = 1 .. depth``, ``forward``
    :math:`\overline{z_k^2}/\overline{x^2}` and ``backward`` :math:`\overline{g_k^2}/\overline{g_L^2}`
    (:func:`measured`), and the same two from :func:`predicted` (``theory_forward``, ``theory_backward``) and
    from its linear regime (``linear_forward``, ``linear_backward``).
    """
    fan_in, fan_out = positive_int(fan_in, "fan_in"), positive_int(fan_out, "fan_out")
    gain = finite_number(gain, "gain", positive=True)
    depth, batch = positive_int(depth, "depth"), positive_int(batch, "batch")
    sizes = [fan_in if k % 2 == 0 else fan_out for k in range(depth + 1)]
    gen = np.random.default_rng(rng)
    x = gen.standard_normal((batch, fan_in)).astype(np.float32)
    dout = gen.standard_normal((batch, sizes[-1])).astype(np.float32)

    def xavier(n_in, n_out, rng=None):
        return _init.xavier_uniform(n_in, n_out, gain=gain, rng=rng)

    model = MLP(sizes, activation=activation, init=xavier, rng=rng)
    forward, backward = measured(model, x, dout)
    second_moment = float(np.mean(np.square(x, dtype=np.float64)))
    variance = gain ** 2 * 2.0 / (fan_in + fan_out)
    variances = [variance] * depth
    theory_f, theory_b = predicted(activation, sizes, variances, second_moment)
    linear_f, linear_b = predicted("linear", sizes, variances, second_moment)
    return dict(bound=gain * math.sqrt(6.0 / (fan_in + fan_out)), variance=variance, weights=model.weights[0],
                weight_variance=float(np.var(model.weights[0], dtype=np.float64)),
                forward=forward / second_moment, backward=backward / backward[-1],
                theory_forward=theory_f / second_moment, theory_backward=theory_b,
                linear_forward=linear_f / second_moment, linear_backward=linear_b)
