r"""He et al.'s (2015) variance recursion for a convolutional network, with the borders and the stride counted.

Along one axis, output :math:`o` of a layer with kernel :math:`k`, stride :math:`s` and zero padding :math:`p`
reads the inputs :math:`i = s\,o - p + u`, :math:`u = 0, \dots, k - 1`; those with :math:`i < 0` or
:math:`i \ge \text{size}` are padding zeros. The *connection matrix* :math:`C` (outputs × inputs) has
:math:`C_{oi} = 1` when input :math:`i` is a real input of output :math:`o`. Its row sums count the real inputs each
output sees (:math:`k` away from the borders), its column sums the outputs each input feeds (:math:`k/s` on
average). A 2-D kernel connects position :math:`(o, o')` to :math:`(i, i')` when both axes do, so with independent
zero-mean weights of variance :math:`v_w`, biases of variance :math:`v_b`, and :math:`S(i, i') = \sum_c E[x_c(i,i')^2]`
the input's second moment summed over channels,

.. math::
    E[y(o, o')^2] = v_w \sum_{i, i'} C_{oi}\, S(i, i')\, C_{o'i'} + v_b = v_w\,(C S C^\top)(o, o') + v_b,

and for a relu layer :math:`E[h^2] = E[y^2]/2` (the weights' sign symmetry makes :math:`y` symmetric). Backward,
with :math:`P(o, o')` the mean square of :math:`\partial\ell/\partial y` per position (averaged over the
:math:`c_\text{out}` channels), each input position collects from every output it feeds:

.. math::
    E\Big[\Big(\frac{\partial\ell}{\partial x}\Big)^2\Big](i, i') = v_w\, c_\text{out}\,(C^\top P\, C)(i, i'),
    \qquad E\Big[\Big(\frac{\partial\ell}{\partial y_{l-1}}\Big)^2\Big] = \tfrac12\,
    E\Big[\Big(\frac{\partial\ell}{\partial h_{l-1}}\Big)^2\Big],

the last step assuming, with He et al., that :math:`\mathrm{relu}'(y)` is independent of the gradient. Away from the
borders and at stride 1 this is He et al.'s :math:`n_l\,\mathrm{Var}[w_l]` forward (:math:`n_l = k^2 c_\text{in}`,
the fan-in) and :math:`\hat n_l\,\mathrm{Var}[w_l]` backward (:math:`\hat n_l = k^2 c_\text{out}`, the fan-out).
"""

from dataclasses import dataclass

import numpy as np

from . import init as _init
from . import losses
from ._checks import positive_int
from .conv2d import Conv2d, output_size
from .plain_cnn import PlainCNN

__all__ = ["connection_matrix", "inputs_seen", "outputs_fed", "border_factor", "ConvProfile", "weight_variances",
           "predicted_forward", "predicted_backward", "variance_profile", "mean_profile", "counted_fans",
           "effective_fans", "predicted_effective_fans"]


def connection_matrix(size, kernel_size, stride=1, padding=0):
    """``C`` of shape ``(outputs, size)``: ``C[o, i] = 1`` when input ``i`` is a real (not padded) input of output
    ``o`` along one axis of a convolution (float64)."""
    outputs = output_size(size, kernel_size, stride, padding)
    first = stride * np.arange(outputs)[:, None] - padding  # the input under the kernel's first tap
    i = np.arange(size)[None, :]
    return ((i >= first) & (i < first + kernel_size)).astype(np.float64)


def inputs_seen(size, kernel_size, stride=1, padding=0):
    """How many real inputs each output sees along one axis: ``k`` away from the borders, fewer at a padded border."""
    return connection_matrix(size, kernel_size, stride, padding).sum(axis=1)


def outputs_fed(size, kernel_size, stride=1, padding=0):
    """How many outputs each input feeds along one axis: ``k/s`` on average away from the borders."""
    return connection_matrix(size, kernel_size, stride, padding).sum(axis=0)


def border_factor(size, kernel_size, stride=1, padding=0):
    r"""The factor by which zero padding lowers the mean of :math:`E[y^2]` over a ``size × size`` output, for an
    input of the same second moment everywhere: the mean over outputs of (real inputs seen)/:math:`k^2`,
    :math:`(\overline{\text{seen}}/k)^2` (the two axes are independent)."""
    k = positive_int(kernel_size, "kernel_size")
    return float(inputs_seen(size, k, stride, padding).mean() / k) ** 2


def weight_variances(model):
    """``(v_w, v_b)`` per conv layer of a :class:`initlab.plain_cnn.PlainCNN`: the variance its scheme draws
    (:func:`initlab.init.variance`, PyTorch's default for ``"default"``, whose biases share the weights' bound)."""
    result = []
    for conv in model.convs:
        shape = conv.weight.shape
        if model.scheme == "default":
            v_w = _init.variance("linear_default", shape)
            result.append((v_w, v_w))
        else:
            result.append((_init.variance(model.scheme, shape), 0.0))
    return result


def _second_moment(x):
    # Σ over channels of the mean over the batch of x²: one value per position
    return np.mean(np.square(x, dtype=np.float64), axis=0).sum(axis=0)


def predicted_forward(model, x):
    """The predicted mean square of every conv layer's pre-activations :math:`y_l` (over examples, channels and
    positions) for images ``x``, from the input's per-position second moment and the recursion above."""
    s = _second_moment(x)
    predicted = []
    for conv, (v_w, v_b) in zip(model.convs, weight_variances(model)):
        c_rows = connection_matrix(s.shape[0], conv.kernel_size, conv.stride, conv.padding)
        c_cols = connection_matrix(s.shape[1], conv.kernel_size, conv.stride, conv.padding)
        q = v_w * (c_rows @ s @ c_cols.T) + v_b
        predicted.append(float(q.mean()))
        s = conv.out_channels * q / 2  # E[relu(y)²] = E[y²]/2, summed over the channels
    return np.array(predicted)


def predicted_backward(model, top):
    r"""The predicted mean square of :math:`\partial\ell/\partial y_l` for every conv layer, given ``top``, the
    measured :math:`\partial\ell/\partial h_L` of the last conv layer (``(N, c, H, W)``)."""
    t = np.mean(np.square(top, dtype=np.float64), axis=(0, 1))
    predicted = [None] * len(model.convs)
    variances = weight_variances(model)
    for l in reversed(range(len(model.convs))):
        p = t / 2  # through relu'
        predicted[l] = float(p.mean())
        conv, (v_w, _) = model.convs[l], variances[l]
        size_in = model.activations[l - 1].shape[2:] if l else model.inputs_shape[2:]
        c_rows = connection_matrix(size_in[0], conv.kernel_size, conv.stride, conv.padding)
        c_cols = connection_matrix(size_in[1], conv.kernel_size, conv.stride, conv.padding)
        t = v_w * conv.out_channels * (c_rows.T @ p @ c_cols)
    return np.array(predicted)


@dataclass
class ConvProfile:
    """Per conv layer ``l = 1..L``: the mean square of :math:`y_l` and of :math:`\\partial\\ell/\\partial y_l`,
    measured on one batch and predicted by the recursion."""

    forward: np.ndarray
    forward_predicted: np.ndarray
    backward: np.ndarray
    backward_predicted: np.ndarray


def variance_profile(model, x, y):
    """Run ``model`` forward and backward (mean cross-entropy against labels ``y``) on images ``x`` and return the
    :class:`ConvProfile`. Any inf/NaN in a measurement raises a ValueError naming the layer."""
    with np.errstate(over="ignore", invalid="ignore"):
        out = model.forward(x)
        _, dout = losses.softmax_cross_entropy(out, y)
        model.backward(dout)
    forward = np.array([np.mean(np.square(a, dtype=np.float64)) for a in model.pre_activations[:-1]])
    backward = np.array([np.mean(np.square(g, dtype=np.float64)) for g in model.grad_pre_activations])
    for name, values in (("pre-activations", forward), ("gradients", backward)):
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise ValueError(f"layer {bad[0] + 1} {name} are not finite ({values[bad[0]]}): the network overflowed")
    return ConvProfile(forward, predicted_forward(model, x), backward,
                       predicted_backward(model, model.grad_activations[-1]))


def mean_profile(x, y, depth, channels, kernel_size, scheme, seeds=4):
    """The :class:`ConvProfile` of ``PlainCNN(depth, channels, kernel_size, init=scheme, rng=seed)`` on ``(x, y)``,
    every entry averaged over the networks of ``seeds = 0, 1, ...``: the recursion predicts the mean over random
    weights, and one network's per-layer gain scatters around it (more so with fewer channels)."""
    seeds = positive_int(seeds, "seeds")
    profiles = [variance_profile(PlainCNN(depth, channels, kernel_size, init=scheme, rng=seed,
                                          image_size=x.shape[2]), x, y) for seed in range(seeds)]
    return ConvProfile(*(np.mean([getattr(p, name) for p in profiles], axis=0)
                         for name in ("forward", "forward_predicted", "backward", "backward_predicted")))


def counted_fans(in_channels, out_channels, kernel_size):
    """``(inputs, outputs)``: how many inputs one output in the middle of a ``Conv2d(in_channels, out_channels,
    kernel_size)`` depends on, and how many outputs one input in the middle feeds, counted by back-propagating a
    single 1 through a layer whose weights are all 1 (stride 1, an input of ``3k × 3k`` padded to keep its size)."""
    k = positive_int(kernel_size, "kernel_size")
    conv = Conv2d(in_channels, out_channels, k, padding=(k - 1) // 2 if k % 2 else 0,
                  init=lambda w, rng=None: _init.constant_(w, 1.0), dtype=np.float64)
    x = np.zeros((1, conv.in_channels, 3 * k, 3 * k))
    out = conv.forward(x)
    middle = out.shape[2] // 2
    dout = np.zeros_like(out)
    dout[0, 0, middle, middle] = 1.0
    inputs = np.count_nonzero(conv.backward(dout)[0])
    x[0, 0, 3 * k // 2, 3 * k // 2] = 1.0
    outputs = np.count_nonzero(conv.forward(x))
    return inputs, outputs


def effective_fans(conv, x, dout):
    r"""``(forward, backward)``: :math:`E[y^2]/(v_w E[x^2])` and :math:`E[(\partial\ell/\partial x)^2]/(v_w
    E[(\partial\ell/\partial y)^2])` measured on one layer (zero bias, a named scheme) for inputs ``x`` and output
    gradients ``dout`` of the same second moment everywhere: the number of inputs an output effectively sums, and of
    outputs an input effectively collects from. He et al.'s fan-in and fan-out, as the borders and the stride make
    them."""
    if not isinstance(conv.init, str) or conv.init not in _init.FILLER_NAMES:
        raise ValueError(f"conv must be initialised by a named scheme with zero biases, one of "
                         f"{', '.join(map(repr, _init.FILLER_NAMES))}; got init={conv.init!r}")
    v_w = _init.variance(conv.init, conv.weight.shape)
    y = conv.forward(x)
    dx = conv.backward(dout)[0]
    ms = {name: float(np.mean(np.square(a, dtype=np.float64))) for name, a in (("x", x), ("dout", dout),
                                                                                ("y", y), ("dx", dx))}
    for name in ("x", "dout"):
        if not ms[name] > 0:
            raise ValueError(f"{name} must have a positive mean square to divide by, got {ms[name]}")
    return ms["y"] / (v_w * ms["x"]), ms["dx"] / (v_w * ms["dout"])


def predicted_effective_fans(conv, size):
    """``(forward, backward)`` predicted for :func:`effective_fans` on a ``size × size`` input: ``c_in`` times the
    mean over outputs of the real inputs seen, and ``c_out`` times the mean over inputs of the outputs fed (each a
    product of the two axes' counts)."""
    k, s, p = conv.kernel_size, conv.stride, conv.padding
    return (conv.in_channels * inputs_seen(size, k, s, p).mean() ** 2,
            conv.out_channels * outputs_fed(size, k, s, p).mean() ** 2)
