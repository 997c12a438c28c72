r"""A deep plain convolutional network (no normalization, no skip connections) that records what chapter 9 plots.

Layer :math:`l = 1..L` is a :class:`initlab.conv2d.Conv2d` followed by relu, :math:`y_l = W_l \star h_{l-1} + b_l`,
:math:`h_l = \mathrm{relu}(y_l)`, with :math:`h_0 = x` the images, ``(N, c_0, H, W)``. The head flattens :math:`h_L` to
``c_L·H_L·W_L`` features and applies a linear layer, giving the logits (on 8×8 digits the position of a stroke
matters, which global average pooling would discard). The backward pass applies the chain rule layer by layer,
as :class:`initlab.MLP`'s:

.. math::
    \frac{\partial\ell}{\partial y_l} = \frac{\partial\ell}{\partial h_l}\odot\mathrm{relu}'(y_l), \qquad
    \frac{\partial\ell}{\partial h_{l-1}} = \text{Conv2d.backward}\Big(\frac{\partial\ell}{\partial y_l}\Big).

It has the attributes :func:`initlab.train` and :func:`initlab.accuracy` use (``weights``, ``biases``, ``depth``,
``parameters()``, ``forward``, ``backward``, ``gradients()``, ``pre_activations``, ``dtype``), so it trains and
reports an overflow exactly as an ``MLP`` does. The head's weight is stored ``(features, classes)``, as ``MLP`` stores
its weights; the convolution kernels use torch's ``(c_out, c_in, k, k)``.
"""

import numpy as np

from . import init as _init
from ._checks import generator, one_of, positive_int
from .activations import get as _activation
from .conv2d import Conv2d

__all__ = ["PlainCNN", "as_images", "SCHEMES"]

_RELU = _activation("relu")

#: The schemes a PlainCNN can start from: PyTorch's default, and every named filler of :mod:`initlab.init`.
SCHEMES = ("default",) + _init.FILLER_NAMES


def as_images(x, side=8):
    """The digits' rows of ``side²`` pixels as images of shape ``(N, 1, side, side)`` (a view, no copy)."""
    x = np.asarray(x)
    side = positive_int(side, "side")
    if x.ndim != 2 or x.shape[1] != side * side:
        raise ValueError(f"x must have shape (batch, {side * side}) to become {side}×{side} images, got {x.shape}")
    return x.reshape(len(x), 1, side, side)


class PlainCNN:
    """``PlainCNN(depth, channels, kernel_size=3, init="kaiming_normal", ...)``: ``depth`` conv + relu layers.

    Parameters
    ----------
    depth : int
        The number of convolution layers, ``L``.
    channels : int
        ``c_l`` for every conv layer (the first one maps ``in_channels`` to it).
    kernel_size : int
        ``k`` of every layer.
    init : str
        ``"default"`` (PyTorch's ``nn.Conv2d``/``nn.Linear`` default, weights and biases ``U(±1/√fan_in)``) or a
        name in :data:`initlab.init.FILLER_NAMES` (zero biases), for every layer, head included.
    padding : int or None
        Zeros around each layer's input; ``None`` keeps the size (``(k − 1)/2``, odd ``k``).
    stride : int
        Of every conv layer.
    in_channels, classes, image_size : int
        1, 10 and 8 for the digits (square images of ``image_size²`` pixels).
    rng, dtype
        As for :class:`initlab.MLP`.

    After ``forward(x)``: ``pre_activations[l]`` is :math:`y_{l+1}` (the last entry is the logits) and
    ``activations[l]`` is :math:`h_{l+1}`. After ``backward(dout)``: ``grad_pre_activations[l]`` is
    :math:`\\partial\\ell/\\partial y_{l+1}` and ``grad_activations[l]`` is :math:`\\partial\\ell/\\partial h_{l+1}`.
    """

    def __init__(self, depth, channels, kernel_size=3, init="kaiming_normal", padding=None, stride=1,
                 in_channels=1, classes=10, image_size=8, rng=None, dtype=np.float32):
        depth, channels = positive_int(depth, "depth"), positive_int(channels, "channels")
        kernel_size = positive_int(kernel_size, "kernel_size")
        if padding is None:
            if kernel_size % 2 == 0:
                raise ValueError(f"padding=None keeps the size only for an odd kernel_size, got {kernel_size}; "
                                 "pass padding explicitly")
            padding = (kernel_size - 1) // 2
        self.scheme = one_of(init, "init", SCHEMES)
        self.dtype = np.dtype(dtype)
        gen = generator(rng)
        self.convs = [Conv2d(in_channels if l == 0 else channels, channels, kernel_size, stride=stride,
                             padding=padding, init=init, rng=gen, dtype=self.dtype) for l in range(depth)]
        classes = positive_int(classes, "classes")
        size = positive_int(image_size, "image_size")
        for conv in self.convs:
            size = conv.output_shape(size, size)[0]
        features = channels * size * size
        if init == "default":
            head_w = _init.linear_default(features, classes, rng=gen)
            head_b = _init.linear_default_bias(features, classes, rng=gen)
        else:
            head_w, head_b = _init.get(init)(features, classes, rng=gen), np.zeros(classes)
        self.head_weight, self.head_bias = head_w.astype(self.dtype), head_b.astype(self.dtype)
        self._clear()

    @property
    def weights(self):
        return [c.weight for c in self.convs] + [self.head_weight]

    @property
    def biases(self):
        return [c.bias for c in self.convs] + [self.head_bias]

    @property
    def depth(self):
        """The number of weight layers: the convolutions and the head."""
        return len(self.convs) + 1

    def parameters(self):
        """``W_1, b_1, ..., W_L, b_L, W_head, b_head``: the arrays SGD updates in place."""
        return [p for pair in zip(self.weights, self.biases) for p in pair]

    def _clear(self):
        self.pre_activations, self.activations = [], []
        self.grad_pre_activations, self.grad_activations = [], []
        self._grads = None

    def forward(self, x, train=True):
        """The logits ``(N, classes)`` for images ``x`` of shape ``(N, in_channels, H, W)``. (``train`` is
        accepted for :func:`initlab.accuracy`; the network behaves the same in both modes.)"""
        self._clear()
        h = x
        self.inputs_shape = np.shape(x)
        for conv in self.convs:
            y = conv.forward(h)
            h = _RELU(y)
            self.pre_activations.append(y)
            self.activations.append(h)
        self._features = h.reshape(len(h), -1)
        logits = self._features @ self.head_weight + self.head_bias
        self.pre_activations.append(logits)
        self.activations.append(logits)
        return logits

    def backward(self, dout, input_grad=False):
        """Back-propagate ``dout = ∂ℓ/∂logits``; return ``[(dW, db), ...]`` in layer order, the head last.

        ``input_grad=True`` also computes ∂ℓ/∂images as ``grad_input`` (None otherwise): no chapter needs it, so
        unlike :meth:`MLP.backward` it is off unless asked for.
        """
        if not self.pre_activations:
            raise RuntimeError("call forward(x) before backward(dout)")
        logits = self.pre_activations[-1]
        dout = np.asarray(dout)
        if dout.shape != logits.shape:
            raise ValueError(f"dout must have shape {logits.shape} like the last forward output, got {dout.shape}")
        dout = dout.astype(self.dtype, copy=False)
        grads = [None] * self.depth
        grads[-1] = (self._features.T @ dout, dout.sum(axis=0))
        grad_h = (dout @ self.head_weight.T).reshape(self.activations[-2].shape)
        grad_hs, grad_ys = [None] * len(self.convs), [None] * len(self.convs)
        for l in reversed(range(len(self.convs))):
            grad_hs[l] = grad_h
            grad_y = grad_h * _RELU.derivative(self.pre_activations[l])
            grad_ys[l] = grad_y
            grad_h, dweight, dbias = self.convs[l].backward(grad_y, input_grad=l > 0 or input_grad)
            grads[l] = (dweight, dbias)
        self.grad_input = grad_h
        self.grad_activations, self.grad_pre_activations = grad_hs, grad_ys
        self._grads = grads
        return grads

    def gradients(self):
        """The gradients of the last ``backward``, in the order of ``parameters()``."""
        if self._grads is None:
            raise RuntimeError("call backward(dout) before gradients()")
        return [g for pair in self._grads for g in pair]

    def __repr__(self):
        c = self.convs[0]
        return (f"PlainCNN(depth={len(self.convs)}, channels={c.out_channels}, kernel_size={c.kernel_size}, "
                f"init={self.scheme!r}, padding={c.padding}, stride={c.stride}, dtype={self.dtype.name})")
