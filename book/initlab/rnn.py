r"""An Elman recurrent network with PyTorch's parameters, and its backward pass through time (BPTT).

``torch.nn.RNN`` (one layer) computes, for :math:`t = 1, \dots, T`,

.. math::
    z_t = W_{ih}\,x_t + b_{ih} + W_{hh}\,h_{t-1} + b_{hh}, \qquad h_t = f(z_t),

with :math:`f = \tanh` or relu, :math:`h_0` the initial state (zeros by default), ``weight_ih`` of shape
``(hidden_size, input_size)``, ``weight_hh`` ``(hidden_size, hidden_size)`` and two biases of length
``hidden_size``. The outputs are :math:`h_1, \dots, h_T`.

Backward, with :math:`g_t = \partial\ell/\partial h_t` given for every output (``doutputs``), the total
gradient reaching :math:`h_t` gathers what arrives from the output at ``t`` and from the next step:

.. math::
    \delta_t = \frac{\partial\ell}{\partial h_t} = g_t + W_{hh}^\top\big(f'(z_{t+1}) \odot \delta_{t+1}\big),
    \qquad \delta_T = g_T ,

so that from one output the gradient reaching :math:`h_{t}` is the product of the Jacobians
:math:`\partial h_s/\partial h_{s-1} = \operatorname{diag}(f'(z_s))\,W_{hh}` (as in ``initlab.recurrence``).
The parameters collect :math:`\partial\ell/\partial W_{hh} = \sum_t (f'(z_t)\odot\delta_t)\,h_{t-1}^\top`, and
likewise for the others.
"""

import math

import numpy as np

from . import init as _init
from ._checks import finite_number, generator, one_of, positive_int
from .recurrence import with_spectral_radius

__all__ = ["RNN", "INITS", "IDENTITY_INPUT_STD"]

#: The initializations :class:`RNN` knows.
INITS = ("default", "orthogonal", "identity")
#: The standard deviation of the input weights under ``init="identity"``: small, so that at first the
#: recurrence, not the input, dominates (Le et al. 2015 use small Gaussian input weights).
IDENTITY_INPUT_STD = 1e-3


def uniform_default(shape, hidden_size, rng):
    """PyTorch's recurrent default: every entry from U(−1/√hidden_size, 1/√hidden_size) (float64)."""
    bound = 1.0 / math.sqrt(hidden_size)
    return rng.uniform(-bound, bound, size=shape)


def sequence(x, input_size, dtype):
    """``x`` as an array ``(T, batch, input_size)`` of ``dtype``, or a ValueError naming what is wrong."""
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.number):
        raise TypeError(f"x must be numeric, got dtype {x.dtype}")
    if x.ndim != 3:
        raise ValueError(f"x must have 3 dimensions (T, batch, input_size={input_size}), got shape {x.shape}")
    if x.shape[0] == 0:
        raise ValueError(f"x must be a sequence of length T >= 1, got length 0 (shape {x.shape})")
    if x.shape[1] == 0 or x.shape[2] != input_size:
        raise ValueError(f"x must have shape (T, batch >= 1, {input_size}), got {x.shape}")
    return x.astype(dtype, copy=False)


def initial_state(h, name, batch, hidden_size, dtype):
    """An initial state ``(batch, hidden_size)``: zeros for None, else checked."""
    if h is None:
        return np.zeros((batch, hidden_size), dtype=dtype)
    h = np.asarray(h)
    if h.shape != (batch, hidden_size):
        raise ValueError(f"{name} must have shape (batch, hidden_size) = ({batch}, {hidden_size}), got {h.shape}")
    return h.astype(dtype, copy=False)


def _flat(a):
    """``(T, batch, n)`` as ``(T · batch, n)``: a sum over time and batch becomes one matrix product."""
    return a.reshape(-1, a.shape[-1])


def input_and_weight_grads(dz, x, hs, weight_ih):
    """The gradients of the affine map :math:`z_t = W_{ih}x_t + b_{ih} + W_{hh}h_{t-1} + b_{hh}` that an RNN and
    an LSTM share, from ``dz`` = ∂ℓ/∂z_t ``(T, batch, n)``, the inputs ``x`` and the states ``hs`` (h_0 … h_T):
    each weight's gradient sums ``dz_t`` times its input over every step and example."""
    bias = dz.sum(axis=(0, 1))
    return {
        "weight_ih": _flat(dz).T @ _flat(x),
        "weight_hh": _flat(dz).T @ _flat(hs[:-1]),
        "bias_ih": bias,
        "bias_hh": bias.copy(),
        "x": dz @ weight_ih,
    }


def check_dtype(dtype):
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    return dtype


class RNN:
    r"""One layer of ``torch.nn.RNN``: ``weight_ih`` ``(H, I)``, ``weight_hh`` ``(H, H)``, ``bias_ih``, ``bias_hh``.

    ``init``:

    - ``"default"``: PyTorch's, every parameter from :math:`U(-1/\sqrt H, 1/\sqrt H)`; the spectral radius
      of ``weight_hh`` is then close to :math:`1/\sqrt 3` (circular law: i.i.d. entries of variance
      :math:`1/(3H)`);
    - ``"orthogonal"``: ``weight_hh`` orthogonal (as ``torch.nn.init.orthogonal_``, Saxe et al. 2014), biases 0,
      ``weight_ih`` PyTorch's default;
    - ``"identity"`` (Le et al. 2015, for relu): ``weight_hh`` :math:`= I`, biases 0, ``weight_ih`` from
      :math:`\mathcal N(0, 0.001^2)` (:data:`IDENTITY_INPUT_STD`).

    ``spectral_radius`` (optional) then rescales ``weight_hh`` to that spectral radius
    (:func:`initlab.recurrence.with_spectral_radius`). Parameters are drawn in float64 and stored as ``dtype``.
    """

    def __init__(self, input_size, hidden_size, nonlinearity="tanh", init="default", spectral_radius=None,
                 rng=None, dtype=np.float32):
        self.input_size = positive_int(input_size, "input_size")
        self.hidden_size = positive_int(hidden_size, "hidden_size")
        self.nonlinearity = one_of(nonlinearity, "nonlinearity", ("tanh", "relu"))
        self.init = one_of(init, "init", INITS)
        self.dtype = check_dtype(dtype)
        rng = generator(rng)
        H, I = self.hidden_size, self.input_size
        if init == "default":
            w_ih, w_hh = uniform_default((H, I), H, rng), uniform_default((H, H), H, rng)
            b_ih, b_hh = uniform_default(H, H, rng), uniform_default(H, H, rng)
        elif init == "orthogonal":
            w_ih = uniform_default((H, I), H, rng)
            w_hh = _init.orthogonal(H, H, rng=rng).astype(np.float64)
            b_ih, b_hh = np.zeros(H), np.zeros(H)
        else:
            w_ih = rng.normal(0.0, IDENTITY_INPUT_STD, (H, I))
            w_hh = np.eye(H)
            b_ih, b_hh = np.zeros(H), np.zeros(H)
        if spectral_radius is not None:
            w_hh = with_spectral_radius(w_hh, finite_number(spectral_radius, "spectral_radius", positive=True))
        self.weight_ih, self.weight_hh = w_ih.astype(self.dtype), w_hh.astype(self.dtype)
        self.bias_ih, self.bias_hh = b_ih.astype(self.dtype), b_hh.astype(self.dtype)
        self._cache = None

    names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")

    def parameters(self):
        """``{name: array}`` of the four parameters (the arrays themselves: updating them updates the layer)."""
        return {name: getattr(self, name) for name in self.names}

    def forward(self, x, state=None):
        """Run the layer over ``x`` ``(T, batch, input_size)`` from ``state`` ``(batch, hidden_size)`` (zeros if
        None); return ``(outputs, h_T)``, the outputs ``(T, batch, hidden_size)`` being :math:`h_1, \\dots, h_T`.

        The states are torch's ``h_0`` and ``h_n`` without their leading ``num_layers`` axis (this is one layer):
        torch's ``h_n[0]`` is ``h_T`` here."""
        x = sequence(x, self.input_size, self.dtype)
        T, batch = x.shape[:2]
        hs = np.empty((T + 1, batch, self.hidden_size), dtype=self.dtype)  # h_0 … h_T, each written in place
        hs[0] = initial_state(state, "state", batch, self.hidden_size, self.dtype)
        inputs = x @ self.weight_ih.T + (self.bias_ih + self.bias_hh)  # every step's input term at once
        w_t = self.weight_hh.T
        relu = self.nonlinearity == "relu"
        with np.errstate(over="ignore", invalid="ignore"):  # an exploding run is reported by the caller
            for t in range(T):
                z = inputs[t] + hs[t] @ w_t
                if relu:
                    np.maximum(z, 0, out=hs[t + 1])
                else:
                    np.tanh(z, out=hs[t + 1])
        self._cache = (x, hs)
        return hs[1:], hs[-1].copy()

    def backward(self, doutputs, dstate=None):
        r"""Back-propagate ``doutputs`` = :math:`\partial\ell/\partial h_t` for ``t = 1..T`` (plus ``dstate``, a
        gradient on :math:`h_T` alone) through the last :meth:`forward`. Returns ``{name: gradient}`` for the
        four parameters, ``"x"`` and ``"state"`` (the initial state :math:`h_0`). Keeps
        ``self.hidden_grads`` ``(T + 1, batch, hidden_size)``: the total :math:`\partial\ell/\partial h_t`,
        ``t = 0..T``."""
        if self._cache is None:
            raise RuntimeError("backward needs a forward pass first")
        x, hs = self._cache
        T, B = x.shape[:2]
        g = np.asarray(doutputs)
        if g.shape != (T, B, self.hidden_size):
            raise ValueError(f"doutputs must have the outputs' shape {(T, B, self.hidden_size)}, got {g.shape}")
        delta = initial_state(dstate, "dstate", B, self.hidden_size, self.dtype) + g[-1]
        # f'(z_t) from h_t = f(z_t): tanh' = 1 − h², relu' = [h > 0] (0 at the kink, as PyTorch)
        slopes = (hs[1:] > 0).astype(hs.dtype) if self.nonlinearity == "relu" else 1 - hs[1:] ** 2
        dz = np.empty(slopes.shape, dtype=np.result_type(slopes, g))
        deltas = np.empty((T + 1,) + delta.shape, dtype=delta.dtype)  # ∂ℓ/∂h_0 … ∂ℓ/∂h_T, written in place
        deltas[T] = delta
        with np.errstate(over="ignore", invalid="ignore"):
            for t in range(T - 1, -1, -1):
                np.multiply(slopes[t], deltas[t + 1], out=dz[t])  # slopes[t] is f'(z_{t+1})
                np.add(dz[t] @ self.weight_hh, g[t - 1] if t > 0 else 0, out=deltas[t])
            self.hidden_grads = deltas
            grads = {**input_and_weight_grads(dz, x, hs, self.weight_ih), "state": deltas[0].copy()}
        return grads

    def __repr__(self):
        return (f"RNN({self.input_size}, {self.hidden_size}, nonlinearity={self.nonlinearity!r}, "
                f"init={self.init!r}, dtype={self.dtype.name})")
