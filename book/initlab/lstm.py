r"""A long short-term memory layer with PyTorch's parameters, and its backward pass through time.

``torch.nn.LSTM`` (one layer) stacks four gates in the order input, forget, cell, output
(:math:`i, f, g, o`) in ``weight_ih`` ``(4H, I)``, ``weight_hh`` ``(4H, H)``, ``bias_ih`` and ``bias_hh``
``(4H,)``, and computes, for :math:`t = 1, \dots, T`,

.. math::
    \begin{aligned}
    i_t &= \sigma(W_{ii} x_t + b_{ii} + W_{hi} h_{t-1} + b_{hi}), &
    f_t &= \sigma(W_{if} x_t + b_{if} + W_{hf} h_{t-1} + b_{hf}), \\
    g_t &= \tanh(W_{ig} x_t + b_{ig} + W_{hg} h_{t-1} + b_{hg}), &
    o_t &= \sigma(W_{io} x_t + b_{io} + W_{ho} h_{t-1} + b_{ho}), \\
    c_t &= f_t \odot c_{t-1} + i_t \odot g_t, &
    h_t &= o_t \odot \tanh(c_t).
    \end{aligned}

The cell state is updated *additively*: holding the gates fixed, :math:`\partial c_t/\partial c_{t-1} =
\operatorname{diag}(f_t)`, so the gradient that travels back along the cells is multiplied by the forget gate
at each step and by nothing else (Hochreiter & Schmidhuber 1997; Gers et al. 2000). Backward, with
:math:`\bar h_t, \bar c_t` the total gradients on :math:`h_t, c_t`:

.. math::
    \bar c_t = \bar c_{t+1} \odot f_{t+1} + \bar h_t \odot o_t \odot (1 - \tanh^2 c_t), \qquad
    \bar h_{t-1} = W_{hh}^\top \bar a_t + \partial\ell/\partial h_{t-1}\ (\text{direct}),

where :math:`\bar a_t` stacks the gates' pre-activation gradients
:math:`\bar c_t g_t\, i_t(1-i_t)`, :math:`\bar c_t c_{t-1} f_t(1-f_t)`, :math:`\bar c_t i_t (1-g_t^2)`,
:math:`\bar h_t \tanh(c_t)\, o_t(1-o_t)`.
"""

import numpy as np

from . import init as _init
from ._checks import finite_number, generator, one_of, positive_int
from .recurrence import with_spectral_radius
from .rnn import check_dtype, initial_state, input_and_weight_grads, sequence, uniform_default

__all__ = ["LSTM", "GATES"]

#: PyTorch's order of the gates in the stacked weights and biases.
GATES = ("i", "f", "g", "o")


class LSTM:
    r"""One layer of ``torch.nn.LSTM``; the gate ``k`` of :data:`GATES` owns rows ``k H`` to ``(k + 1) H``.

    ``init``: ``"default"`` is PyTorch's (every parameter from :math:`U(-1/\sqrt H, 1/\sqrt H)`);
    ``"orthogonal"`` makes each gate's ``H × H`` block of ``weight_hh`` orthogonal (as
    ``torch.nn.init.orthogonal_`` on that block), with biases 0 and ``weight_ih`` PyTorch's default.
    ``spectral_radius`` (optional) rescales each gate's block of ``weight_hh`` to that spectral radius.

    ``forget_bias`` (optional) sets the forget gate's total bias :math:`b_{if} + b_{hf}` for every unit: the whole
    value goes into ``bias_ih`` (rows ``H`` to ``2H``) and ``bias_hh``'s forget rows are set to 0, so that
    :math:`f = \sigma(\text{forget\_bias})` when the weighted inputs are 0 (Gers et al. 2000 and Jozefowicz et
    al. 2015 use 1). PyTorch has no such argument; the same is done by hand on its two bias vectors.
    """

    names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")

    def __init__(self, input_size, hidden_size, init="default", forget_bias=None, spectral_radius=None, rng=None,
                 dtype=np.float32):
        self.input_size = positive_int(input_size, "input_size")
        self.hidden_size = positive_int(hidden_size, "hidden_size")
        self.init = one_of(init, "init", ("default", "orthogonal"))
        self.dtype = check_dtype(dtype)
        rng = generator(rng)
        H, I = self.hidden_size, self.input_size
        w_ih = uniform_default((4 * H, I), H, rng)
        if init == "default":
            w_hh = uniform_default((4 * H, H), H, rng)
            b_ih, b_hh = uniform_default(4 * H, H, rng), uniform_default(4 * H, H, rng)
        else:
            w_hh = np.concatenate([_init.orthogonal(H, H, rng=rng).astype(np.float64) for _ in GATES])
            b_ih, b_hh = np.zeros(4 * H), np.zeros(4 * H)
        if spectral_radius is not None:
            radius = finite_number(spectral_radius, "spectral_radius", positive=True)
            w_hh = np.concatenate([with_spectral_radius(block, radius) for block in np.split(w_hh, 4)])
        if forget_bias is not None:
            b_ih[H:2 * H] = finite_number(forget_bias, "forget_bias")
            b_hh[H:2 * H] = 0.0
        self.weight_ih, self.weight_hh = w_ih.astype(self.dtype), w_hh.astype(self.dtype)
        self.bias_ih, self.bias_hh = b_ih.astype(self.dtype), b_hh.astype(self.dtype)
        self._cache = None

    def parameters(self):
        """``{name: array}`` of the four parameters (the arrays themselves: updating them updates the layer)."""
        return {name: getattr(self, name) for name in self.names}

    def gate(self, array, name):
        """The rows of a stacked ``array`` (a parameter or its gradient) that belong to gate ``name``."""
        k = GATES.index(one_of(name, "name", GATES))
        return array[k * self.hidden_size:(k + 1) * self.hidden_size]

    def forward(self, x, state=None):
        """Run the layer over ``x`` ``(T, batch, input_size)`` from ``state = (h_0, c_0)`` (zeros if None);
        return ``(outputs, (h_T, c_T))``, the outputs ``(T, batch, hidden_size)`` being :math:`h_1, \\dots, h_T`.

        Each state is ``(batch, hidden_size)``: torch's ``(h_0, c_0)`` and ``(h_n, c_n)`` without their leading
        ``num_layers`` axis (this is one layer)."""
        x = sequence(x, self.input_size, self.dtype)
        B, H = x.shape[1], self.hidden_size
        if state is None:
            h0 = c0 = None
        elif isinstance(state, (tuple, list)) and len(state) == 2:
            h0, c0 = state
        else:
            raise ValueError(f"state must be None or a pair (h_0, c_0), got {type(state).__name__}")
        h = initial_state(h0, "state h_0", B, H, self.dtype)
        c = initial_state(c0, "state c_0", B, H, self.dtype)
        hs, cs, gates = [h], [c], []
        inputs = x @ self.weight_ih.T + (self.bias_ih + self.bias_hh)
        w_t = self.weight_hh.T
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            for t in range(x.shape[0]):
                a = inputs[t] + h @ w_t
                s = 1 / (1 + np.exp(-a))  # σ of every block; the g block is replaced by tanh
                i, f, o = s[:, :H], s[:, H:2 * H], s[:, 3 * H:]
                g = np.tanh(a[:, 2 * H:3 * H])
                c = f * c + i * g
                h = o * np.tanh(c)
                hs.append(h)
                cs.append(c)
                gates.append((i, f, g, o))
        self._cache = (x, np.array(hs), np.array(cs), gates)
        return self._cache[1][1:], (h, c)

    def backward(self, doutputs, dstate=None):
        r"""Back-propagate ``doutputs`` = :math:`\partial\ell/\partial h_t` (``t = 1..T``) and ``dstate`` (a pair of
        gradients on :math:`h_T` and :math:`c_T`, or None) through the last :meth:`forward`. Returns
        ``{name: gradient}`` for the four parameters, ``"x"``, ``"state h_0"`` and ``"state c_0"``. Keeps the total
        :math:`\partial\ell/\partial h_t` and :math:`\partial\ell/\partial c_t`, ``t = 0..T``, in
        ``self.hidden_grads`` and ``self.cell_grads`` ``(T + 1, batch, hidden_size)``."""
        if self._cache is None:
            raise RuntimeError("backward needs a forward pass first")
        x, hs, cs, gates = self._cache
        T, B = x.shape[:2]
        H = self.hidden_size
        d = np.asarray(doutputs)
        if d.shape != (T, B, H):
            raise ValueError(f"doutputs must have the outputs' shape {(T, B, H)}, got {d.shape}")
        if dstate is None:
            dh_T = dc_T = None
        elif isinstance(dstate, (tuple, list)) and len(dstate) == 2:
            dh_T, dc_T = dstate
        else:
            raise ValueError(f"dstate must be None or a pair (dh_T, dc_T), got {type(dstate).__name__}")
        dh = initial_state(dh_T, "dstate dh_T", B, H, self.dtype) + d[-1]
        dc_carry = initial_state(dc_T, "dstate dc_T", B, H, self.dtype)
        da = np.empty((T, B, 4 * H), dtype=np.result_type(self.dtype, d.dtype))
        h_grads, c_grads = [dh], []
        with np.errstate(over="ignore", invalid="ignore"):
            for t in range(T - 1, -1, -1):  # step t + 1: gates[t], c_{t+1} = cs[t + 1]
                i, f, g, o = gates[t]
                tanh_c = np.tanh(cs[t + 1])
                dc = dc_carry + dh * o * (1 - tanh_c ** 2)
                c_grads.append(dc)
                da[t] = np.concatenate([dc * g * i * (1 - i), dc * cs[t] * f * (1 - f),
                                        dc * i * (1 - g ** 2), dh * tanh_c * o * (1 - o)], axis=1)
                dc_carry = dc * f
                dh = da[t] @ self.weight_hh + (d[t - 1] if t > 0 else 0)
                h_grads.append(dh)
            c_grads.append(dc_carry)
            self.hidden_grads, self.cell_grads = np.array(h_grads[::-1]), np.array(c_grads[::-1])
            return {**input_and_weight_grads(da, x, hs, self.weight_ih), "state h_0": dh, "state c_0": dc_carry}

    def __repr__(self):
        return f"LSTM({self.input_size}, {self.hidden_size}, init={self.init!r}, dtype={self.dtype.name})"
