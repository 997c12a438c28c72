r"""A residual stack in the transformer's shape, to see where layer norm goes and what that does to the
gradients at initialization.

The stream starts at the input, :math:`h_0 = x`, and passes :math:`N` blocks, each with one sublayer
:math:`F_l(u) = \operatorname{relu}(u W_{1,l} + b_{1,l})\, W_{2,l} + b_{2,l}` (the transformer's MLP, standing in
for attention too) and a layer norm :math:`\operatorname{LN}_l` (:class:`initlab.LayerNorm`, :math:`\gamma = 1`,
:math:`\beta = 0`) placed one of three ways:

.. math::
    \text{post-norm:}\quad & h_l = \operatorname{LN}_l\big(h_{l-1} + \alpha_l F_l(h_{l-1})\big),\\
    \text{pre-norm:}\quad & h_l = h_{l-1} + \alpha_l F_l\big(\operatorname{LN}_l(h_{l-1})\big),\\
    \text{none:}\quad & h_l = h_{l-1} + \alpha_l F_l(h_{l-1}),

post-norm as in the original transformer (Vaswani et al., 2017), pre-norm as in GPT-2 (Radford et al.,
2019). A linear head :math:`h_N W_{\text{out}}` follows the last block (after a final layer norm for pre-norm,
as in GPT-2), and the loss is softmax cross-entropy on random labels. :math:`\alpha_l = 1` except with
``rezero=True``, where it is a learned scalar that starts at 0 (ReZero, Bachlechner et al., 2021; SkipInit,
De & Smith, 2020): every block is then the identity at initialization, and only the :math:`\alpha_l` receive a
gradient at step one.

Weights are drawn as He et al. (2015) for each layer's actual input: :math:`\operatorname{Var} W_1 = 1/n`,
:math:`\operatorname{Var} W_2 = 2/(4n)` after the relu, so a branch keeps the mean square of its input;
``output_scale`` multiplies :math:`W_2`, the branch's output projection. GPT-2 (Radford et al., 2019) scales
it by :math:`1/\sqrt{\text{number of residual branches}}`, :math:`1/\sqrt{2N}` for :math:`N` transformer layers
of two branches each: :func:`gpt2_output_scale`. Biases start at 0, the head has :math:`\operatorname{Var} = 1/n`.

Backward through a block, with :math:`\delta_l = \partial\ell/\partial h_l`:

.. math::
    \text{post:}\quad & u = \operatorname{LN}_l^{\top}(\delta_l), \quad \delta_{l-1} = u + \alpha_l J_{F_l}^\top u,\\
    \text{pre:}\quad & \delta_{l-1} = \delta_l + \operatorname{LN}_l^{\top}\big(\alpha_l J_{F_l}^\top \delta_l\big),

with :math:`\operatorname{LN}^\top` the layer norm's backward (:mod:`initlab.normalization`) and
:math:`J_F^\top` the sublayer's. Pre-norm keeps an identity path from the head to every block; post-norm sends
every gradient through :math:`N` layer norms.
"""

import math
from dataclasses import dataclass

import numpy as np

from ._checks import finite_number, generator, one_of, positive_int
from .losses import softmax_cross_entropy
from .normalization import LayerNorm

__all__ = ["PLACEMENTS", "gpt2_output_scale", "NormResidualStack", "BlockGradients", "block_gradients",
           "predicted_stream_ms", "SeedAverage", "seed_average"]

PLACEMENTS = ("post", "pre", "none")


def gpt2_output_scale(n_layer, branches_per_layer=2):
    r"""GPT-2's factor on the output projections: :math:`1/\sqrt{\text{branches\_per\_layer}\cdot n_{\text{layer}}}`
    (two residual branches, attention and MLP, per transformer layer; 1 for this module's one-branch blocks)."""
    n_layer = positive_int(n_layer, "n_layer")
    return 1 / math.sqrt(positive_int(branches_per_layer, "branches_per_layer") * n_layer)


class NormResidualStack:
    """``depth`` residual blocks of ``width`` units (MLP sublayers of ``4 * width``), layer norm placed as
    ``placement``, and a linear head to ``classes`` outputs; forward and a hand-written backward."""

    def __init__(self, width, depth, placement="pre", output_scale=1.0, rezero=False, classes=10, rng=0,
                 dtype=np.float32):
        self.width = positive_int(width, "width")
        self.depth = positive_int(depth, "depth")
        self.placement = one_of(placement, "placement", PLACEMENTS)
        self.output_scale = finite_number(output_scale, "output_scale", positive=True)
        if not isinstance(rezero, bool):
            raise TypeError(f"rezero must be True or False, got {rezero!r}")
        self.rezero = rezero
        classes = positive_int(classes, "classes")
        self.dtype = np.dtype(dtype)
        gen = generator(rng)
        hidden = 4 * self.width

        def draw(fan_in, fan_out, variance):
            return (math.sqrt(variance) * gen.standard_normal((fan_in, fan_out))).astype(self.dtype)

        self.w1 = [draw(self.width, hidden, 1 / self.width) for _ in range(self.depth)]
        self.w2 = [self.output_scale * draw(hidden, self.width, 2 / hidden) for _ in range(self.depth)]
        self.b1 = [np.zeros(hidden, dtype=self.dtype) for _ in range(self.depth)]
        self.b2 = [np.zeros(self.width, dtype=self.dtype) for _ in range(self.depth)]
        self.alpha = np.full(self.depth, 0.0 if rezero else 1.0, dtype=self.dtype)
        self.w_out = draw(self.width, classes, 1 / self.width)
        self.norms = [LayerNorm(self.width, dtype=self.dtype) for _ in range(self.depth)] if placement != "none" else []
        self.final_norm = LayerNorm(self.width, dtype=self.dtype) if placement == "pre" else None
        self._cache = None

    def parameters(self):
        """``W_1, b_1, W_2, b_2`` of every block in order, then ``alpha`` and ``W_out``."""
        blocks = [p for l in range(self.depth) for p in (self.w1[l], self.b1[l], self.w2[l], self.b2[l])]
        return blocks + [self.alpha, self.w_out]

    def _branch(self, l, u):
        z = u @ self.w1[l] + self.b1[l]
        a = np.maximum(z, 0)
        return a @ self.w2[l] + self.b2[l], (u, z, a)

    def _branch_backward(self, l, dout, cache):
        """``(du, dW_1, db_1, dW_2, db_2)`` for the branch output's gradient ``dout``."""
        u, z, a = cache
        dz = (dout @ self.w2[l].T) * (z > 0)
        return dz @ self.w1[l].T, u.T @ dz, dz.sum(axis=0), a.T @ dout, dout.sum(axis=0)

    def forward(self, x):
        """Logits for ``x`` (shape ``(batch, width)``); the stream after every block is kept in ``streams``."""
        h = np.asarray(x, dtype=self.dtype)
        if h.ndim != 2 or h.shape[1] != self.width:
            raise ValueError(f"x must have shape (batch, {self.width}), got shape {h.shape}")
        caches, self.streams = [], []
        for l in range(self.depth):
            if self.placement == "pre":
                f, cache = self._branch(l, self.norms[l].forward(h))
                h = h + self.alpha[l] * f
            else:
                f, cache = self._branch(l, h)
                h = h + self.alpha[l] * f
                if self.placement == "post":
                    h = self.norms[l].forward(h)
            caches.append((cache, f))
            self.streams.append(h)
        top = self.final_norm.forward(h) if self.final_norm is not None else h
        self._cache = (caches, top)
        return top @ self.w_out

    def backward(self, dlogits):
        """Gradients of every parameter, in the order of :meth:`parameters`, for the last ``forward``; the
        gradient with respect to the stream after every block is kept in ``stream_grads``."""
        if self._cache is None:
            raise RuntimeError("call forward(x) before backward(dlogits)")
        caches, top = self._cache
        dw_out = top.T @ dlogits
        dh = dlogits @ self.w_out.T
        if self.final_norm is not None:
            dh = self.final_norm.backward(dh)[0]
        grads = [None] * (4 * self.depth)
        dalpha = np.zeros_like(self.alpha)
        self.stream_grads = [None] * self.depth
        for l in reversed(range(self.depth)):
            self.stream_grads[l] = dh
            cache, f = caches[l]
            if self.placement == "post":
                dh = self.norms[l].backward(dh)[0]
            dalpha[l] = np.sum(dh * f)
            du, *block = self._branch_backward(l, self.alpha[l] * dh, cache)
            if self.placement == "pre":
                du = self.norms[l].backward(du)[0]
            grads[4 * l:4 * l + 4] = [block[0], block[1], block[2], block[3]]
            dh = dh + du
        return grads + [dalpha, dw_out]


@dataclass(frozen=True)
class BlockGradients:
    """What :func:`block_gradients` measured at initialization, one entry per block (block 1 first)."""

    placement: str
    #: ``‖(∂ℓ/∂W_1, ∂ℓ/∂W_2)‖`` of each block (0 for every block with ``rezero``).
    weight_grad: np.ndarray
    #: ``|∂ℓ/∂α_l|``: the only gradient a ReZero block has at initialization.
    alpha_grad: np.ndarray
    #: ``‖∂ℓ/∂h_l‖``, the gradient of the stream after block ``l``.
    stream_grad: np.ndarray
    #: the mean square of the stream after block ``l``.
    stream_ms: np.ndarray


def block_gradients(placement, depth, width=64, batch=64, output_scale=1.0, rezero=False, rng=0,
                    dtype=np.float32):
    """Build a :class:`NormResidualStack` from ``rng``, run one batch of Gaussian inputs and random labels
    through it, and return the :class:`BlockGradients` at initialization."""
    model = NormResidualStack(width, depth, placement, output_scale=output_scale, rezero=rezero, rng=rng,
                              dtype=dtype)
    batch = positive_int(batch, "batch")
    gen = generator(rng)
    x = gen.standard_normal((batch, model.width)).astype(model.dtype)
    labels = gen.integers(0, model.w_out.shape[1], batch)
    _, dlogits = softmax_cross_entropy(model.forward(x), labels)
    grads = model.backward(dlogits)
    weight = [math.hypot(np.linalg.norm(grads[4 * l]), np.linalg.norm(grads[4 * l + 2])) for l in range(depth)]
    return BlockGradients(model.placement, np.array(weight), np.abs(grads[-2]).astype(np.float64),
                          np.array([np.linalg.norm(d) for d in model.stream_grads]),
                          np.array([float(np.mean(h.astype(np.float64) ** 2)) for h in model.streams]))


def predicted_stream_ms(placement, depth, output_scale=1.0):
    r"""The mean square of the stream after each block at initialization, for an input of mean square 1 and
    :math:`\alpha = 1`, with :math:`s` = ``output_scale``.

    A branch fed mean square :math:`q` returns mean square :math:`s^2 q`: :math:`W_1` keeps :math:`q`, the relu
    halves it, :math:`W_2` (variance :math:`2s^2/(4n)` over :math:`4n` inputs) doubles it and multiplies by
    :math:`s^2`; and its output is uncorrelated with the stream (:math:`W_2` has mean zero), so mean squares add.
    Pre-norm feeds every branch :math:`q = 1` (the layer norm's output):
    :math:`q_l = q_{l-1} + s^2 = 1 + l s^2`. With no normalization the branch reads the stream itself:
    :math:`q_l = (1 + s^2)\,q_{l-1} = (1 + s^2)^l`, which GPT-2's :math:`s^2 = 1/N` keeps below
    :math:`e`. Post-norm ends every block with a layer norm: :math:`q_l = 1`
    (exactly :math:`\sigma^2/(\sigma^2 + \epsilon)`, below 1 by about :math:`10^{-5}`).
    """
    placement = one_of(placement, "placement", PLACEMENTS)
    blocks = np.arange(1, positive_int(depth, "depth") + 1)
    s2 = finite_number(output_scale, "output_scale", positive=True) ** 2
    if placement == "pre":
        return 1 + blocks * s2
    if placement == "none":
        return (1 + s2) ** blocks.astype(np.float64)
    return np.ones(blocks.size)


@dataclass(frozen=True)
class SeedAverage:
    """:func:`block_gradients` over several seeds: each array is indexed ``[seed, block]``."""

    placement: str
    output_scale: float
    rezero: bool
    weight_grad: np.ndarray
    alpha_grad: np.ndarray
    stream_ms: np.ndarray

    @property
    def depth(self):
        return self.weight_grad.shape[1]

    def mean(self, field):
        """The mean over the seeds of ``field`` (``"weight_grad"``, ``"alpha_grad"`` or ``"stream_ms"``),
        one value per block: a single draw scatters by tens of percent at these widths."""
        return getattr(self, one_of(field, "field", ("weight_grad", "alpha_grad", "stream_ms"))).mean(axis=0)


def seed_average(placement, depth, seeds=(0, 1, 2, 3, 4), width=64, batch=64, output_scale=1.0, rezero=False):
    """Run :func:`block_gradients` once per seed in ``seeds`` (which draws the weights, the inputs and the
    labels) and return the :class:`SeedAverage`."""
    seeds = tuple(seeds)
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    runs = [block_gradients(placement, depth, width, batch, output_scale, rezero, rng=s) for s in seeds]
    return SeedAverage(runs[0].placement, float(output_scale), rezero,
                       np.array([r.weight_grad for r in runs]), np.array([r.alpha_grad for r in runs]),
                       np.array([r.stream_ms for r in runs]))
