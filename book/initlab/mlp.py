r"""A fully connected network with a hand-written backward pass that records what the book plots.

Layer :math:`k` computes :math:`z_k = h_{k-1} W_k + b_k` and :math:`h_k = f(z_k)`, with
:math:`h_0 = x`; the last layer is linear, :math:`h_L = z_L`. Two options change a hidden layer:
``batch_norm=True`` normalises :math:`z_k` before :math:`f` (:class:`initlab.BatchNorm`), and
``residual=True`` adds a skip connection, :math:`h_k = h_{k-1} + f(z_k)`, wherever the layer's
input and output widths agree. Backward applies the chain rule one layer at a time,

.. math::
    \frac{\partial \ell}{\partial z_k} = \frac{\partial \ell}{\partial h_k} \odot f'(z_k), \qquad
    \frac{\partial \ell}{\partial W_k} = h_{k-1}^\top \frac{\partial \ell}{\partial z_k}, \qquad
    \frac{\partial \ell}{\partial h_{k-1}} = \frac{\partial \ell}{\partial z_k} W_k^\top,

which, written with Jacobians, is the product :math:`J_2^\top \cdots J_L^\top` of chapter 1
(a skip connection adds the identity to each :math:`J_k`).
"""

import numpy as np

from . import activations as _activations
from . import init as _init
from .batchnorm import BatchNorm
from ._checks import finite_number, generator, matrix, one_of, positive_int

__all__ = ["MLP"]


class MLP:
    """A multilayer perceptron ``sizes[0] -> sizes[1] -> ... -> sizes[-1]``.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths, input first; at least two entries.
    activation : str or Activation
        The hidden layers' nonlinearity, a name from :data:`initlab.activations.NAMES`.
    init : str or callable
        A name from :data:`initlab.init.NAMES`, or a callable ``(fan_in, fan_out, rng) -> array``.
    rng : None, int or numpy.random.Generator
        Seeds the weights.
    dtype : numpy float dtype
        float32 by default; float16 and float64 are there to study overflow and to check gradients.
    batch_norm : bool
        Put a :class:`BatchNorm` (in ``norms``) between each hidden linear layer and its activation.
    residual : bool
        Add a skip connection around each hidden layer whose input and output widths agree.
    bias_init : None, "zeros" or "linear_default"
        How the biases start. ``None`` (the default) does what PyTorch does for the weights'
        scheme: with ``init="linear_default"``, ``nn.Linear``'s default, the biases are drawn
        U(±1/√fan_in) (:func:`initlab.init.linear_default_bias`);
        with every other scheme they are zero, as after ``torch.nn.init.zeros_(bias)``.
        ``"zeros"`` forces zero biases (Glorot & Bengio's 2010 setup).
    bias_std : float
        Biases are drawn ``N(0, bias_std²)`` (the σ_b of mean-field theory); 0 (the default) leaves
        them to ``bias_init``. Cannot be combined with a non-zero ``bias_init``.

    Drawn biases come from the same generator after all the weights, so a seed gives the same
    weights whatever the biases are.

    After ``forward(x)``: ``pre_activations[k]`` is what layer ``k + 1``'s activation receives
    (:math:`z_{k+1}`, batch-normalised when ``batch_norm``) and ``activations[k]`` is
    :math:`h_{k+1}` (the last one is the output). After ``backward(dout)``:
    ``grad_activations[k]`` is :math:`\\partial\\ell/\\partial h_{k+1}` and ``grad_pre_activations[k]``
    is :math:`\\partial\\ell/\\partial z_{k+1}`, the gradient reaching layer ``k + 1``.
    """

    def __init__(self, sizes, activation="relu", init="kaiming_normal", rng=None, dtype=np.float32,
                 batch_norm=False, residual=False, bias_init=None, bias_std=0.0):
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__") or len(sizes) < 2:
            raise ValueError(f"sizes must be a sequence of at least two layer widths, got {sizes!r}")
        self.sizes = [positive_int(n, f"sizes[{i}]") for i, n in enumerate(sizes)]
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float16, np.float32, np.float64):
            raise ValueError(f"dtype must be float16, float32 or float64, got {self.dtype}")
        self.activation = _activations.get(activation)
        init_fn = _init.get(init)
        gen = generator(rng)
        self.weights, self.biases = [], []
        for fan_in, fan_out in zip(self.sizes[:-1], self.sizes[1:]):
            w = np.asarray(init_fn(fan_in, fan_out, rng=gen))
            if w.shape != (fan_in, fan_out):
                raise ValueError(f"init returned shape {w.shape} for a ({fan_in}, {fan_out}) layer")
            self.weights.append(w.astype(self.dtype))
            self.biases.append(np.zeros(fan_out, dtype=self.dtype))
        bias_std = finite_number(bias_std, "bias_std", nonnegative=True)
        if bias_init is None:
            bias_init = "linear_default" if init_fn is _init.linear_default else "zeros"
        bias_init = one_of(bias_init, "bias_init (or None)", ("zeros", "linear_default"))
        if bias_std > 0:
            if bias_init != "zeros":
                raise ValueError(f"bias_std={bias_std} draws Gaussian biases, but the biases are already "
                                 f"{bias_init!r} (init={init!r}); pass bias_init='zeros' to use bias_std")
            self.biases = [gen.normal(0.0, bias_std, b.shape).astype(self.dtype) for b in self.biases]
        elif bias_init == "linear_default":
            self.biases = [_init.linear_default_bias(fan_in, fan_out, rng=gen).astype(self.dtype)
                           for fan_in, fan_out in zip(self.sizes[:-1], self.sizes[1:])]
        hidden = self.sizes[1:-1]
        self.norms = [BatchNorm(n, dtype=self.dtype) for n in hidden] if batch_norm else []
        self.skips = [bool(residual) and self.sizes[k] == self.sizes[k + 1] for k in range(len(hidden))]
        self._clear()

    def parameters(self):
        """Every trainable array: ``W_1, b_1, ..., W_L, b_L``, then each BatchNorm's ``gamma, beta``."""
        params = [p for pair in zip(self.weights, self.biases) for p in pair]
        return params + [p for bn in self.norms for p in (bn.gamma, bn.beta)]

    @property
    def depth(self):
        """The number of weight layers, L."""
        return len(self.weights)

    def _clear(self):
        self.inputs = None
        self.pre_activations, self.activations = [], []
        self.grad_pre_activations, self.grad_activations = [], []
        self.norm_grads, self._grads = [], None

    def forward(self, x, train=True):
        """Return the output for a batch ``x`` of shape ``(batch, sizes[0])``.

        ``train`` only matters with ``batch_norm``: batch statistics (True) or running ones (False).
        """
        self._clear()
        h = self.inputs = matrix(x, "x", self.sizes[0], self.dtype)
        last = self.depth - 1
        for k, (w, b) in enumerate(zip(self.weights, self.biases)):
            z = h @ w
            if z.dtype == b.dtype:
                z += b  # in place: the same additions as h @ w + b, one array fewer
            else:
                z = z + b
            if k < last:
                if self.norms:
                    z = self.norms[k].forward(z, train=train)
                h = h + self.activation(z) if self.skips[k] else self.activation(z)
            else:
                h = z
            self.pre_activations.append(z)
            self.activations.append(h)
        return h

    def backward(self, dout, input_grad=True):
        """Back-propagate ``dout`` = ∂ℓ/∂output; return ``[(dW, db), ...]`` in layer order.

        With ``batch_norm``, the ``(dgamma, dbeta)`` of each BatchNorm land in ``norm_grads``;
        ``gradients()`` lists everything in the order of ``parameters()``. ``grad_input`` is ∂ℓ/∂x, or None
        with ``input_grad=False``, which skips its matrix product (training never reads it: PyTorch skips it
        too, for an input that does not require a gradient).
        """
        if self.inputs is None:
            raise RuntimeError("call forward(x) before backward(dout)")
        batch = self.inputs.shape[0]
        dout = matrix(dout, "dout", self.sizes[-1], self.dtype)
        if dout.shape[0] != batch:
            raise ValueError(f"dout must have shape ({batch}, {self.sizes[-1]}) like the last forward output, "
                             f"got {dout.shape}")
        grads = [None] * self.depth
        norm_grads = [None] * len(self.norms)
        grad_h = dout
        grad_hs, grad_zs = [None] * self.depth, [None] * self.depth
        for k in reversed(range(self.depth)):
            grad_hs[k] = grad_h
            last = k == self.depth - 1
            grad_z = grad_h if last else grad_h * self.activation.derivative(self.pre_activations[k])
            grad_zs[k] = grad_z
            if self.norms and not last:
                grad_z, dgamma, dbeta = self.norms[k].backward(grad_z)
                norm_grads[k] = (dgamma, dbeta)
            h_prev = self.inputs if k == 0 else self.activations[k - 1]
            grads[k] = (h_prev.T @ grad_z, grad_z.sum(axis=0))
            if k == 0 and not input_grad:
                grad_h = None
                break
            skip = grad_h if not last and self.skips[k] else 0
            grad_h = grad_z @ self.weights[k].T
            if np.result_type(grad_h, skip) == grad_h.dtype:
                grad_h += skip  # in place: the same additions as grad_z @ W_k^T + skip, one array fewer
            else:
                grad_h = grad_h + skip
        self.grad_activations, self.grad_pre_activations = grad_hs, grad_zs
        self.grad_input = grad_h
        self.norm_grads = norm_grads
        self._grads = grads
        return grads

    def gradients(self):
        """The gradients of the last ``backward``, in the order of ``parameters()``."""
        if self._grads is None:
            raise RuntimeError("call backward(dout) before gradients()")
        return [g for pair in self._grads for g in pair] + [g for pair in self.norm_grads for g in pair]

    def __repr__(self):
        options = (", batch_norm=True" if self.norms else "") + (", residual=True" if any(self.skips) else "")
        return f"MLP({self.sizes}, activation={self.activation.name!r}{options}, dtype={self.dtype.name})"
