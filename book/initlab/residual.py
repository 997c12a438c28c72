r"""A residual MLP with two-layer branches, a hand-written backward pass, and the inits of chapter 8.

The network is an input layer to the width, :math:`L` residual blocks and a linear head,

.. math::
    h_0 = x W_{\text{in}} + b_{\text{in}}, \qquad
    h_l = h_{l-1} + \alpha\, B_l(h_{l-1}), \qquad
    B_l(h) = \phi(h W_{1,l} + b_{1,l})\, W_{2,l} + b_{2,l}, \qquad
    \text{out} = h_L W_{\text{out}} + b_{\text{out}},

a two-layer branch with nothing on the skip path and no activation after the addition, the "identity
mapping" form of He et al. (2016b). ``batch_norm=True`` puts a :class:`initlab.BatchNorm` between
:math:`h W_1 + b_1` and :math:`\phi`. The backward pass of a block is

.. math::
    \frac{\partial \ell}{\partial h_{l-1}} = \frac{\partial \ell}{\partial h_l}
    + \alpha\,\Big(\Big(\frac{\partial \ell}{\partial h_l} W_{2,l}^\top\Big) \odot \phi'(z_{1,l})\Big) W_{1,l}^\top,

the identity term plus the branch's Jacobian (through the BatchNorm's backward when there is one).

Inits (``init``), for relu: ``"he"`` applies He et al. (2015)'s rule to each layer's actual input,
:math:`n\operatorname{Var}(W) = 2` after a relu (:math:`W_2`) and 1 after a layer with no activation
(:math:`W_{\text{in}}, W_1, W_{\text{out}}`), so each branch keeps the mean square of its input.
``"fixup"`` is rules 1 and 2 of Zhang et al. (2019) for :math:`m = 2` layers per branch: :math:`W_{\text{out}}`
and every :math:`W_2` are zero, every :math:`W_1` is the ``"he"`` draw times :math:`L^{-1/(2m-2)} = L^{-1/2}`,
i.e. :math:`\sigma_w = L^{-1/2}`. Zhang et al. draw :math:`W_1` with He's :math:`\sigma_w = \sqrt 2` (their code:
std :math:`\sqrt{2/\text{fan}}\cdot L^{-1/2}`), right for their ResNets, where a relu follows every addition so
that a branch reads a rectified stream; here no relu follows the addition, so He's derivation gives
:math:`W_1` :math:`\sigma_w = 1`, and our :math:`W_1` is :math:`\sqrt 2` smaller than theirs (the depth scaling
:math:`L^{-1/2}` is the same).
Their rule 3 (a scalar multiplier per branch and scalar biases) is left out: every linear layer here
already has a zero-initialised bias vector, and ``branch_scale`` is a fixed, not a learned, multiplier.
All biases start at 0.
"""

import math

import numpy as np

from . import activations as _activations
from . import init as _init
from . import layer_stats
from .batchnorm import BatchNorm
from .diagnostics import backprop_norms, norm
from .gradcheck import numerical_gradient, relative_error
from .losses import softmax_cross_entropy
from .theory import relu_kernel
from .mlp import MLP
from ._checks import finite_number, generator, matrix, one_of, positive_int
from .training import train

__all__ = ["ResidualMLP", "INITS", "SCHEMES", "block_growth", "make_scheme", "block_profile", "predicted_profile",
           "measure", "FIXUP_LR", "gradient_check", "block_factors", "fixup_first_update"]

INITS = ("he", "fixup")


def block_growth(branch_scale=1.0, variance_gain1=1.0, variance_gain2=2.0):
    r"""Expected factor by which one relu block multiplies the mean square of the stream at init,

    .. math:: \frac{\mathbb E\lVert h_l\rVert^2}{\lVert h_{l-1}\rVert^2}
        = 1 + \alpha^2\,\frac{\sigma_{w,1}^2 \sigma_{w,2}^2}{2},

    with the *variance gains* :math:`\sigma_{w,i}^2 = n\operatorname{Var}(W_i)` (``variance_gain1``,
    ``variance_gain2``; 1 and 2 for ``init="he"``) and zero biases. Given :math:`h_{l-1}`, the cross term
    :math:`2\langle h_{l-1}, B\rangle` has mean 0 over the zero-mean :math:`W_2`, and the branch's mean square is
    :math:`\sigma_{w,2}^2 \cdot \frac12 \cdot \sigma_{w,1}^2` times that of its input (derived in chapter 8).
    """
    alpha = finite_number(branch_scale, "branch_scale", nonnegative=True)
    v1 = finite_number(variance_gain1, "variance_gain1", nonnegative=True)
    v2 = finite_number(variance_gain2, "variance_gain2", nonnegative=True)
    return 1.0 + alpha ** 2 * v1 * v2 / 2


class ResidualMLP:
    """``n_in -> width -> L residual blocks of width -> n_out`` (see the module docstring).

    Parameters
    ----------
    n_in, width, n_out, blocks : int
        Input size, stream width, number of classes, number of residual blocks :math:`L`.
    activation : str
        The branches' nonlinearity (:data:`initlab.activations.NAMES`); the inits are derived for relu.
    init : ``"he"`` or ``"fixup"``
    branch_scale : float
        The fixed multiplier :math:`\\alpha` of every branch (1 = a plain residual network).
    batch_norm : bool
        A BatchNorm in every branch, between its first linear layer and the activation.
    rng, dtype
        As for :class:`initlab.MLP`.

    The weight layers, in forward order, are ``W_in, W_1 (block 1), W_2 (block 1), ..., W_out``
    (``weights``, ``biases``; ``depth = 2L + 2``), as :func:`initlab.train` expects. After ``forward(x)``,
    ``activations`` is ``[h_0, ..., h_L, out]`` (per block) and ``pre_activations`` has one entry per weight
    layer (what its activation, or the stream, receives). After ``backward(dout)``, ``grad_activations`` is
    ``[∂ℓ/∂h_0, ..., ∂ℓ/∂h_L, dout]``.
    """

    def __init__(self, n_in, width, n_out, blocks, activation="relu", init="he", branch_scale=1.0,
                 batch_norm=False, rng=None, dtype=np.float32):
        self.n_in, self.width = positive_int(n_in, "n_in"), positive_int(width, "width")
        self.n_out, self.blocks = positive_int(n_out, "n_out"), positive_int(blocks, "blocks")
        self.activation = _activations.get(activation)
        self.init = one_of(init, "init", INITS)
        self.branch_scale = finite_number(branch_scale, "branch_scale", nonnegative=True)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float16, np.float32, np.float64):
            raise ValueError(f"dtype must be float16, float32 or float64, got {self.dtype}")
        gen = generator(rng)

        def linear(fan_in, fan_out):  # n Var(W) = 1: He's rule for a layer whose input is not a relu's output
            return _init.lecun_normal(fan_in, fan_out, rng=gen)

        fixup = self.init == "fixup"
        self.weights = [linear(self.n_in, self.width)]
        for _ in range(self.blocks):
            w1 = linear(self.width, self.width)
            w2 = _init.kaiming_normal(self.width, self.width, rng=gen)  # n Var(W) = 2: its input is a relu's
            self.weights += [w1 * self.blocks ** -0.5, np.zeros_like(w2)] if fixup else [w1, w2]
        head = linear(self.width, self.n_out)
        self.weights.append(np.zeros_like(head) if fixup else head)
        self.weights = [w.astype(self.dtype) for w in self.weights]
        self.biases = [np.zeros(w.shape[1], dtype=self.dtype) for w in self.weights]
        self.norms = [BatchNorm(self.width, dtype=self.dtype) for _ in range(self.blocks)] if batch_norm else []
        self._clear()

    @property
    def depth(self):
        """The number of weight layers, 2L + 2."""
        return len(self.weights)

    def parameters(self):
        """``W_in, b_in, W_1, b_1, W_2, b_2, ..., W_out, b_out``, then each BatchNorm's ``gamma, beta``."""
        params = [p for pair in zip(self.weights, self.biases) for p in pair]
        return params + [p for bn in self.norms for p in (bn.gamma, bn.beta)]

    def _clear(self):
        self.inputs = None
        self.pre_activations, self.activations, self.grad_activations = [], [], []
        self._hidden, self.norm_grads, self._grads = [], [], None

    def forward(self, x, train=True):
        """Return the output for a batch ``x`` of shape ``(batch, n_in)``; ``train`` as for :class:`initlab.MLP`."""
        self._clear()
        self.inputs = matrix(x, "x", self.n_in, self.dtype)
        h = self.inputs @ self.weights[0] + self.biases[0]
        self.pre_activations.append(h)
        self.activations.append(h)
        for l in range(self.blocks):
            w1, w2 = self.weights[1 + 2 * l], self.weights[2 + 2 * l]
            z = h @ w1 + self.biases[1 + 2 * l]
            if self.norms:
                z = self.norms[l].forward(z, train=train)
            a = self.activation(z)
            branch = a @ w2 + self.biases[2 + 2 * l]
            h = h + self.branch_scale * branch
            self.pre_activations += [z, branch]
            self._hidden.append(a)  # the input of W_2, for its gradient
            self.activations.append(h)
        out = h @ self.weights[-1] + self.biases[-1]
        self.pre_activations.append(out)
        self.activations.append(out)
        return out

    def backward(self, dout, input_grad=True):
        """Back-propagate ``dout`` = ∂ℓ/∂output; return ``[(dW, db), ...]`` in the order of ``weights``.

        ``gradients()`` lists everything, BatchNorm's ``(dgamma, dbeta)`` included, in the order of ``parameters()``.
        ``grad_input`` is ∂ℓ/∂x, or None with ``input_grad=False`` (as :meth:`MLP.backward`).
        """
        if self.inputs is None:
            raise RuntimeError("call forward(x) before backward(dout)")
        dout = matrix(dout, "dout", self.n_out, self.dtype)
        if dout.shape[0] != self.inputs.shape[0]:
            raise ValueError(f"dout must have shape ({self.inputs.shape[0]}, {self.n_out}) like the last forward "
                             f"output, got {dout.shape}")
        grads = [None] * self.depth
        norm_grads = [None] * len(self.norms)
        stream = self.activations[:-1]
        grads[-1] = (stream[-1].T @ dout, dout.sum(axis=0))
        g = dout @ self.weights[-1].T
        grad_stream = [g]
        for l in reversed(range(self.blocks)):
            i1, i2 = 1 + 2 * l, 2 + 2 * l
            g_branch = self.branch_scale * g
            grads[i2] = (self._hidden[l].T @ g_branch, g_branch.sum(axis=0))
            g_z = (g_branch @ self.weights[i2].T) * self.activation.derivative(self.pre_activations[i1])
            if self.norms:
                g_z, dgamma, dbeta = self.norms[l].backward(g_z)
                norm_grads[l] = (dgamma, dbeta)
            grads[i1] = (stream[l].T @ g_z, g_z.sum(axis=0))
            g = g + g_z @ self.weights[i1].T  # the identity path, plus the branch
            grad_stream.append(g)
        grads[0] = (self.inputs.T @ g, g.sum(axis=0))
        self.grad_input = g @ self.weights[0].T if input_grad else None
        self.grad_activations = grad_stream[::-1] + [dout]
        self.norm_grads, self._grads = norm_grads, grads
        return grads

    gradients = MLP.gradients  # the same layout: (dW, db) per weight layer, then each BatchNorm's pair

    def __repr__(self):
        options = (f", branch_scale={self.branch_scale:g}" if self.branch_scale != 1 else "") + (
            ", batch_norm=True" if self.norms else "")
        return (f"ResidualMLP({self.n_in}, {self.width}, {self.n_out}, blocks={self.blocks}, "
                f"activation={self.activation.name!r}, init={self.init!r}{options}, dtype={self.dtype.name})")


SCHEMES = ("plain", "residual", "batch norm", "scaled", "fixup")


def make_scheme(scheme, n_in, width, n_out, blocks, rng=None, dtype=np.float32):
    r"""The networks chapter 8 compares, all with :math:`2L + 2` weight layers and relu:

    ``"plain"``: an :class:`initlab.MLP` with :math:`2L + 1` hidden layers, He init, no skips;
    ``"residual"``: ``ResidualMLP`` with ``init="he"``; ``"batch norm"``: the same with a BatchNorm in every
    branch; ``"scaled"``: ``init="he"`` and ``branch_scale`` :math:`1/\sqrt L`; ``"fixup"``: ``init="fixup"``.
    """
    one_of(scheme, "scheme", SCHEMES)
    blocks = positive_int(blocks, "blocks")
    if scheme == "plain":
        return MLP([n_in] + [width] * (2 * blocks + 1) + [n_out], rng=rng, dtype=dtype)
    options = {"residual": {}, "batch norm": {"batch_norm": True},
               "scaled": {"branch_scale": blocks ** -0.5}, "fixup": {"init": "fixup"}}[scheme]
    return ResidualMLP(n_in, width, n_out, blocks, rng=rng, dtype=dtype, **options)


def block_profile(model):
    r"""``(rms, grad)`` per block :math:`l = 0..L` from the last ``forward`` and ``backward``:
    :math:`\sqrt{\overline{h_l^2}}` (mean over examples and units) and :math:`\lVert\partial\ell/\partial h_l\rVert`.

    For a plain :class:`initlab.MLP` with :math:`2L + 1` hidden layers, "block" :math:`l` is hidden layer
    :math:`2l + 1`, the place of :math:`h_l` in a residual network of the same depth.
    """
    if not model.grad_activations:
        raise RuntimeError("call forward(x) and backward(dout) before block_profile(model)")
    step = 1 if isinstance(model, ResidualMLP) else 2
    hs, gs = model.activations[:-1:step], model.grad_activations[:-1:step]
    with np.errstate(over="ignore", invalid="ignore"):
        rms = np.sqrt(layer_stats.mean_squares(hs))
    grad = np.array([norm(g) for g in gs])
    return rms, grad


def predicted_profile(scheme, blocks, rms0, grad_top):
    r"""The mean-field prediction of :func:`block_profile` at init, from the measured :math:`h_0` and top gradient.

    Mean square of the stream: :math:`q_l = q_0 r^l` with :math:`r` = :func:`block_growth` (``"residual"``:
    :math:`r = 2`; ``"scaled"``: :math:`1 + 1/L`), :math:`q_0` for ``"plain"`` (He keeps it) and ``"fixup"``
    (zero branches), :math:`q_0 + l` for ``"batch norm"`` (each normalised branch adds :math:`\sigma_{w,2}^2/2 = 1`).
    Gradient: :math:`\lVert\partial\ell/\partial h_l\rVert^2 = \lVert\partial\ell/\partial h_L\rVert^2 r^{L - l}`, flat for
    ``"plain"`` and ``"fixup"``; ``None`` for ``"batch norm"`` (no closed form here). Derived in chapter 8.
    """
    one_of(scheme, "scheme", SCHEMES)
    blocks = positive_int(blocks, "blocks")
    l = np.arange(blocks + 1)
    r = {"residual": block_growth(1.0), "scaled": block_growth(blocks ** -0.5)}.get(scheme, 1.0)
    q = rms0 ** 2 + l if scheme == "batch norm" else rms0 ** 2 * r ** l
    grad = None if scheme == "batch norm" else grad_top * r ** ((blocks - l) / 2)
    return np.sqrt(q), grad


#: The learning rate of the one SGD step after which Fixup's gradients are measured.
FIXUP_LR = 0.1


def measure(scheme, x, y, blocks, width=64, rng=0):
    """``block_profile`` of a fresh ``scheme`` network on ``(x, y)``. Fixup's gradient into the stream is exactly 0
    at init (its head is zero), so for Fixup it is measured after one full-batch SGD step of ``FIXUP_LR``."""
    model = make_scheme(scheme, x.shape[1], width, int(np.max(y)) + 1, blocks, rng=rng)
    if scheme == "fixup":
        train(model, x, y, lr=FIXUP_LR, steps=1)
    backprop_norms(model, x, y)
    return block_profile(model)


def gradient_check(n_in=5, width=4, n_out=3, blocks=2, batch=8, **options):
    """``(parameter arrays, largest relative error)`` of a small float64 ``ResidualMLP(..., **options)``'s
    backward pass against central finite differences of the cross-entropy loss on random data.

    A parameter whose gradient is 0 both ways (a bias before a BatchNorm) counts as error 0. With
    ``init="fixup"`` the weights are first moved off the zero init, where most gradients vanish.
    """
    model = ResidualMLP(n_in, width, n_out, blocks=blocks, rng=1, dtype=np.float64, **options)
    gen = np.random.default_rng(0)
    if options.get("init") == "fixup":
        for w in model.weights:
            w += 0.3 * gen.standard_normal(w.shape)
    x, y = gen.standard_normal((batch, n_in)), gen.integers(0, n_out, batch)
    model.backward(softmax_cross_entropy(model.forward(x), y)[1])
    errors = []
    for analytic, p in zip(model.gradients(), model.parameters()):
        numeric = numerical_gradient(lambda: softmax_cross_entropy(model.forward(x), y)[0], p)
        both_zero = np.abs(analytic).max() < 1e-12 and np.abs(numeric).max() < 1e-8
        errors.append(0.0 if both_zero else relative_error(analytic, numeric))
    return len(errors), max(errors)


def block_factors(x, y, blocks, width=64, w1_variance_gain=1.0, increments=False, rng=0, **options):
    r"""``[forward, backward]`` of one fresh ``ResidualMLP(..., rng=rng, **options)`` on ``(x, y)``, averaged
    over its blocks: the forward factor :math:`q_l/q_{l-1}` of the stream's mean square (with ``increments``,
    the increment :math:`q_l - q_{l-1}` instead) and the backward factor
    :math:`\lVert\partial\ell/\partial h_{l-1}\rVert^2/\lVert\partial\ell/\partial h_l\rVert^2`.

    ``w1_variance_gain`` multiplies every :math:`W_1`'s variance (1: He layer by layer; 2: a blanket He call).
    Each is an
    unbiased estimate of :func:`block_growth`'s :math:`r`: average it over seeds with
    :func:`initlab.layer_stats.over_seeds`.
    """
    model = ResidualMLP(x.shape[1], width, int(np.max(y)) + 1, blocks, rng=rng, **options)
    gain = finite_number(w1_variance_gain, "w1_variance_gain", nonnegative=True)
    for w1 in model.weights[1:-1:2]:
        w1 *= math.sqrt(gain)
    backprop_norms(model, x, y)
    rms, grad = block_profile(model)
    q, g2 = rms ** 2, grad ** 2
    forward = np.mean(np.diff(q)) if increments else np.mean(q[1:] / q[:-1])
    return np.array([forward, np.mean(g2[:-1] / g2[1:])])


def fixup_first_update(x, y, blocks, width=64, lr=0.1, variance_gain=None, rng=0):
    r"""Follow a float64 Fixup network through two full-batch SGD steps on ``(x, y)``; return
    ``(predicted, measured, bias change)``.

    Step 1 moves only the head; step 2 the branches' :math:`W_2 = -\eta A^\top G` (row-vector batches, as in
    the code). ``measured`` is :math:`D = \sum_l A_l W_{2,l}`, the change of the stream at the inputs made by the
    branches' weights, ``predicted`` its expectation :math:`-\eta L \sigma_w^2 K G`
    (:func:`initlab.theory.relu_kernel` for :math:`K`), and the bias change is :math:`\sum_l b_{2,l}`.

    ``variance_gain`` is :math:`\sigma_w^2 = n\operatorname{Var}(W_1)` of every branch's first layer: ``None``
    for this module's Fixup, :math:`1/L`; :math:`2/L` for Zhang et al.'s (He's :math:`\sigma_w = \sqrt 2`
    times :math:`L^{-1/2}`); 1 for the He draw layer by layer without Fixup's scale.
    """
    model = ResidualMLP(x.shape[1], width, int(np.max(y)) + 1, blocks, init="fixup", rng=rng, dtype=np.float64)
    gain = 1 / model.blocks if variance_gain is None else finite_number(variance_gain, "variance_gain",
                                                                          nonnegative=True)
    for w1 in model.weights[1:-1:2]:
        w1 *= math.sqrt(gain * model.blocks)  # the Fixup draw has σ_w² = 1/L
    x = np.asarray(x, dtype=np.float64)
    model.forward(x)
    h0 = model.activations[0].copy()
    train(model, x, y, lr=lr, steps=1)
    backprop_norms(model, x, y)  # the gradient G that step 2 will use
    G = model.grad_activations[-2]
    predicted = -lr * blocks * gain * relu_kernel(h0) @ G
    train(model, x, y, lr=lr, steps=1)
    measured = sum(np.maximum(h0 @ w1 + b1, 0) @ w2 for w1, b1, w2 in
                   zip(model.weights[1:-1:2], model.biases[1:-1:2], model.weights[2:-1:2]))
    return predicted, measured, sum(model.biases[2:-1:2])
