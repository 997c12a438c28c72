r"""A 2-D convolution layer with PyTorch's parameter names, shapes and arithmetic, and a hand-written backward.

``Conv2d(c_in, c_out, k, stride=s, padding=p)`` holds ``weight`` of shape ``(c_out, c_in, k, k)`` and ``bias``
of shape ``(c_out,)``. On ``x`` of shape ``(N, c_in, H, W)`` it computes, like ``torch.nn.functional.conv2d``
(a cross-correlation: the kernel is not flipped), with :math:`x` zero-padded by :math:`p` on every side,

.. math::
    y[n, o, i, j] = b[o] + \sum_{c=0}^{c_\text{in}-1}\sum_{u=0}^{k-1}\sum_{v=0}^{k-1}
                    W[o, c, u, v]\; x_\text{pad}[n, c,\ s i + u,\ s j + v],

of shape ``(N, c_out, H_out, W_out)`` with :math:`H_\text{out} = \lfloor (H + 2p - k)/s \rfloor + 1`. Each output
is a linear unit with ``c_in·k·k`` inputs: the layer is an ``MLP`` layer whose weights are shared across positions.
That is how it is computed, too ("im2col"): every receptive field becomes a row of a matrix ``cols`` of shape
``(N·H_out·W_out, k·k·c_in)``, and the layer is one matrix product of ``cols`` with the kernel as a
``(c_out, k·k·c_in)`` matrix. The backward
pass is the MLP's, on those rows: ``∂ℓ/∂W = (∂ℓ/∂y)ᵀ cols``, ``∂ℓ/∂b = Σ ∂ℓ/∂y``, and
``∂ℓ/∂cols = (∂ℓ/∂y) W``, whose entries are added back to the input positions they were copied from.
"""

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import init as _init
from ._checks import generator, positive_int

__all__ = ["Conv2d", "output_size"]


def output_size(size, kernel_size, stride=1, padding=0):
    r""":math:`\lfloor (\text{size} + 2p - k)/s \rfloor + 1`, the output length along one axis (PyTorch's formula)."""
    size, kernel_size = positive_int(size, "size"), positive_int(kernel_size, "kernel_size")
    stride, padding = positive_int(stride, "stride"), _padding(padding)
    if kernel_size > size + 2 * padding:
        raise ValueError(f"kernel_size {kernel_size} is larger than the padded input, {size} + 2·{padding} = "
                         f"{size + 2 * padding}")
    return (size + 2 * padding - kernel_size) // stride + 1


def _padding(padding):
    if isinstance(padding, bool) or not isinstance(padding, (int, np.integer)) or padding < 0:
        raise ValueError(f"padding must be a non-negative integer, got {padding!r}")
    return int(padding)


class Conv2d:
    """``Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, init="default", rng=None)``.

    Parameters
    ----------
    in_channels, out_channels, kernel_size : int
        ``c_in``, ``c_out`` and ``k``: the kernel is square, ``weight`` has shape ``(c_out, c_in, k, k)``.
    stride : int
        Step between receptive fields (positive).
    padding : int
        Zeros added on every side of the input (non-negative).
    init : str or callable
        ``"default"``: PyTorch's ``nn.Conv2d`` default (``Conv2d.reset_parameters``: ``kaiming_uniform_`` with
        ``a=√5`` for the weight and ``U(±1/√fan_in)`` for the bias, so both are ``U(±1/√fan_in)`` with
        ``fan_in = c_in·k·k``). Or a name in :data:`initlab.init.FILLER_NAMES` (``"kaiming_normal"``,
        ``"xavier_uniform"``, ...), drawn with the filler's defaults and zero biases, as after
        ``torch.nn.init.kaiming_normal_(conv.weight); zeros_(conv.bias)``. Or a callable
        ``(weight, rng=...)`` that fills the ``(c_out, c_in, k, k)`` array in place (biases zero).
    rng : None, int or numpy.random.Generator
        Seeds the weights (then the biases, for ``"default"``).
    dtype : numpy float dtype
        float32 by default; float64 to check gradients.

    After ``forward(x)``, ``backward(dout)`` returns ``(dx, dweight, dbias)``.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, init="default", rng=None,
                 dtype=np.float32):
        self.in_channels = positive_int(in_channels, "in_channels")
        self.out_channels = positive_int(out_channels, "out_channels")
        self.kernel_size = positive_int(kernel_size, "kernel_size")
        if isinstance(stride, bool) or not isinstance(stride, (int, np.integer)) or stride <= 0:
            raise ValueError(f"stride must be a positive integer, got {stride!r}")
        self.stride = int(stride)
        self.padding = _padding(padding)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float16, np.float32, np.float64):
            raise ValueError(f"dtype must be float16, float32 or float64, got {self.dtype}")
        k = self.kernel_size
        gen = generator(rng)
        weight = np.empty((self.out_channels, self.in_channels, k, k), dtype=np.float64)
        bias = np.zeros(self.out_channels, dtype=np.float64)
        if isinstance(init, str) and init == "default":
            _init.linear_default_(weight, rng=gen)
            bound = 1.0 / math.sqrt(self.fan_in)  # Conv2d.reset_parameters: the bias from the same bound
            _init.uniform_(bias, -bound, bound, rng=gen)
        else:
            fill = _init.filler(_one_init(init))
            returned = fill(weight, rng=gen)
            if returned is not None and np.shape(returned) != weight.shape:
                raise ValueError(f"init returned shape {np.shape(returned)} for a {weight.shape} kernel")
            if returned is not None:
                weight = np.asarray(returned, dtype=np.float64)
        self.init = init
        self.weight, self.bias = weight.astype(self.dtype), bias.astype(self.dtype)
        self._cols = None

    @property
    def fan_in(self):
        """``c_in·k·k``: the inputs each output sees (what ``calculate_fan_in_and_fan_out`` computes)."""
        return _init.calculate_fan_in_and_fan_out(self.weight_shape)[0]

    @property
    def fan_out(self):
        """``c_out·k·k``: the outputs each input feeds, at stride 1 and away from the borders."""
        return _init.calculate_fan_in_and_fan_out(self.weight_shape)[1]

    @property
    def weight_shape(self):
        return (self.out_channels, self.in_channels, self.kernel_size, self.kernel_size)

    def output_shape(self, height, width):
        """``(H_out, W_out)`` for an input of ``height × width``."""
        k, s, p = self.kernel_size, self.stride, self.padding
        try:
            return output_size(height, k, s, p), output_size(width, k, s, p)
        except ValueError as err:
            raise ValueError(f"{err} (kernel_size {k} does not fit the input of {height}×{width} with padding "
                             f"{p})") from None

    def _input(self, x):
        x = np.asarray(x)
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"x must have shape (batch, {self.in_channels}, height, width), got shape {x.shape}")
        if x.shape[0] == 0:
            raise ValueError(f"x must hold at least one example, got shape {x.shape}")
        if not np.issubdtype(x.dtype, np.number):
            raise TypeError(f"x must be numeric, got dtype {x.dtype}")
        return x.astype(self.dtype, copy=False)

    def forward(self, x):
        """``(N, c_in, H, W) -> (N, c_out, H_out, W_out)``, equal to ``torch.nn.functional.conv2d``."""
        x = self._input(x)
        n, _, height, width = x.shape
        h_out, w_out = self.output_shape(height, width)
        k, s, p = self.kernel_size, self.stride, self.padding
        # Channels last inside the layer, so that each receptive field is one contiguous row of cols.
        padded = np.zeros((n, height + 2 * p, width + 2 * p, self.in_channels), dtype=self.dtype)
        padded[:, p:p + height, p:p + width] = x.transpose(0, 2, 3, 1)
        # Every receptive field as a view into padded, axes (n, i, j, u, v, c), copied in one go: a row of
        # cols holds the field's k rows of k·c_in contiguous inputs.
        fields = sliding_window_view(padded, (k, k), axis=(1, 2))[:, ::s, ::s].transpose(0, 1, 2, 4, 5, 3)
        self._cols = np.ascontiguousarray(fields).reshape(n * h_out * w_out, -1)
        self._shape = (x.shape, padded.shape, h_out, w_out)
        out = self._cols @ self._kernel_matrix().T + self.bias
        return out.reshape(n, h_out, w_out, self.out_channels).transpose(0, 3, 1, 2)

    def _kernel_matrix(self):
        # weight[o, c, u, v] as row o, column (u, v, c): the order of a row of cols
        return self.weight.transpose(0, 2, 3, 1).reshape(self.out_channels, -1)

    def backward(self, dout, input_grad=True):
        """Back-propagate ``dout = ∂ℓ/∂y`` of the last forward output's shape; return ``(dx, dweight, dbias)``.
        With ``input_grad=False`` ``dx`` is None, not computed: a network's first layer has no use for it."""
        if self._cols is None:
            raise RuntimeError("call forward(x) before backward(dout)")
        x_shape, padded_shape, h_out, w_out = self._shape
        n = x_shape[0]
        expected = (n, self.out_channels, h_out, w_out)
        dout = np.asarray(dout)
        if dout.shape != expected:
            raise ValueError(f"dout must have shape {expected} like the last forward output, got {dout.shape}")
        rows = dout.astype(self.dtype, copy=False).transpose(0, 2, 3, 1).reshape(-1, self.out_channels)
        k, s, p = self.kernel_size, self.stride, self.padding
        dweight = (rows.T @ self._cols).reshape(self.out_channels, k, k, -1).transpose(0, 3, 1, 2)
        dbias = rows.sum(axis=0)
        if not input_grad:
            return None, np.ascontiguousarray(dweight), dbias
        dcols = (rows @ self._kernel_matrix()).reshape(n, h_out, w_out, k, k, -1)
        # offsets first, so that each offset's gradients are one contiguous block: the additions below then
        # run along whole rows of the image instead of c_in entries at a time
        dcols = np.ascontiguousarray(dcols.transpose(3, 4, 0, 1, 2, 5))
        dpadded = np.zeros(padded_shape, dtype=self.dtype)
        # Each offset (u, v) copied padded[:, s i + u, s j + v] into the rows: add the gradients back there.
        for u in range(k):
            for v in range(k):
                dpadded[:, u:u + s * h_out:s, v:v + s * w_out:s] += dcols[u, v]
        height, width = x_shape[2:]
        dx = dpadded[:, p:p + height, p:p + width].transpose(0, 3, 1, 2)
        return dx, np.ascontiguousarray(dweight), dbias

    def parameters(self):
        """``[weight, bias]``, the arrays an optimizer updates in place."""
        return [self.weight, self.bias]

    def __repr__(self):
        return (f"Conv2d({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, dtype={self.dtype.name})")


def _one_init(init):
    if callable(init):
        return init
    allowed = ("default",) + _init.FILLER_NAMES
    if not isinstance(init, str) or init not in allowed:
        raise ValueError(f"init must be one of {', '.join(map(repr, allowed))} or a callable; got {init!r}")
    return init
