r"""How far back a recurrent layer's gradient reaches at initialization, measured and predicted.

Measured (:func:`gradient_through_time`): random inputs, a loss on the last step only,
:math:`\ell = \sum_b u_b \cdot s_{T,b}` with unit vectors :math:`u_b` and :math:`s_T` the last hidden state
(or the last cell state of an LSTM), and the root mean square over the batch of
:math:`\lVert\partial\ell/\partial h_{T-k}\rVert` for ``k = 0..T``.

Predicted (:func:`predicted_rate`), for an RNN whose ``weight_hh`` is i.i.d. or orthogonal with spectral radius
:math:`\rho`: one step back multiplies the mean square of the gradient by
:math:`\chi = \rho^2\,\mathbb E[f'(z)^2]`, :math:`z \sim \mathcal N(0, q^*)`, the gradient factor of chapter 7's
mean-field theory, with :math:`q^*` the fixed point of the length map
:math:`q = \rho^2\,\mathbb E[f(\sqrt q\,\xi)^2] + \sigma_{\text{in}}^2` and :math:`\sigma_{\text{in}}^2` the
variance the input and biases add to each pre-activation. For relu :math:`\mathbb E[f'^2] = 1/2` whatever
:math:`q`, so the rate is :math:`\rho/\sqrt 2`; for tanh it is at most :math:`\rho`. For an LSTM's cell path the
factor is the forget gate, :math:`\sigma(b_f)` when its weighted inputs are small (:func:`forget_rate`).
"""

import math
from dataclasses import dataclass

import numpy as np

from . import theory
from ._checks import finite_number, generator, one_of, positive_int
from .gradcheck import numerical_gradient, relative_error
from .lstm import LSTM
from .recurrence import spectral_radius
from .rnn import RNN

__all__ = ["backward_errors", "TimeProfile", "gradient_through_time", "input_variance", "predicted_rate", "forget_rate",
           "per_step_rate", "steps_to_fall"]


def backward_errors(layer, steps=5, batch=3, rng=0):
    r"""``{name: relative error}`` of ``layer.backward`` against central finite differences (float64 layers only),
    for every parameter, ``"x"`` and the initial state, on random inputs and initial states and the loss
    :math:`\ell = \sum_{t,b,j} G_{tbj}\,h_{tbj} + \sum U \odot s_T` with random :math:`G, U` (and :math:`s_T` the
    final state, ``(h_T, c_T)`` for an LSTM), so that every path of the backward pass is exercised."""
    if not isinstance(layer, (RNN, LSTM)) or layer.dtype != np.float64:
        raise TypeError("layer must be an initlab RNN or LSTM with dtype float64 (finite differences need it)")
    gen = generator(rng)
    steps, batch = positive_int(steps, "steps"), positive_int(batch, "batch")
    H = layer.hidden_size
    x = gen.standard_normal((steps, batch, layer.input_size))
    shape = (batch, H)
    state = gen.standard_normal(shape) if isinstance(layer, RNN) else (gen.standard_normal(shape),
                                                                       gen.standard_normal(shape))
    g = gen.standard_normal((steps, batch, H))
    u = gen.standard_normal(shape) if isinstance(layer, RNN) else (gen.standard_normal(shape),
                                                                   gen.standard_normal(shape))

    def loss():
        outputs, final = layer.forward(x, state)
        finals = (final,) if isinstance(layer, RNN) else final
        weights = (u,) if isinstance(layer, RNN) else u
        return np.sum(g * outputs) + sum(np.sum(w * f) for w, f in zip(weights, finals))

    loss()
    grads = layer.backward(g, u)
    inputs = {**layer.parameters(), "x": x}
    if isinstance(layer, RNN):
        inputs["state"] = state
    else:
        inputs["state h_0"], inputs["state c_0"] = state
    return {name: relative_error(grads[name], numerical_gradient(loss, a)) for name, a in inputs.items()}


@dataclass
class TimeProfile:
    """``hidden[k]`` is the RMS over the batch of ``‖∂ℓ/∂h_{T-k}‖``, ``k = 0..T``; ``cell[k]`` the same for an
    LSTM's ``c`` (None for an RNN). ``finite`` is False when something overflowed: the profile is then cut at
    the first non-finite gradient, or empty when the forward pass itself overflowed (inf/NaN are never returned
    as data)."""

    hidden: np.ndarray
    cell: np.ndarray | None
    finite: bool


def _rms_norms(grads):
    # grads (T + 1, batch, H), time running forward: RMS over the batch of each step's norm, then k = T - t.
    with np.errstate(over="ignore", invalid="ignore"):
        norms = np.sqrt(np.mean(np.sum(np.asarray(grads, dtype=np.float64) ** 2, axis=2), axis=1))
    return norms[::-1]


def _cut(values):
    bad = ~np.isfinite(values)
    return (values[:int(np.argmax(bad))], False) if bad.any() else (values, True)


def gradient_through_time(model, steps, batch=16, input_std=1.0, on="h", rng=0):
    r"""The :class:`TimeProfile` of ``model`` (an :class:`~initlab.rnn.RNN` or :class:`~initlab.lstm.LSTM`) over
    ``steps`` steps of inputs from :math:`\mathcal N(0, \text{input\_std}^2)`, from a zero state, with the
    loss on the last hidden state (``on="h"``) or, for an LSTM, on the last cell state (``on="c"``)."""
    if not isinstance(model, (RNN, LSTM)):
        raise TypeError(f"model must be an initlab RNN or LSTM, got {type(model).__name__}")
    steps, batch = positive_int(steps, "steps"), positive_int(batch, "batch")
    input_std = finite_number(input_std, "input_std", nonnegative=True)
    on = one_of(on, "on", ("h", "c") if isinstance(model, LSTM) else ("h",))
    gen = generator(rng)
    x = input_std * gen.standard_normal((steps, batch, model.input_size))
    u = gen.standard_normal((batch, model.hidden_size))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    outputs, _ = model.forward(x)
    zeros = np.zeros_like(outputs)
    if isinstance(model, RNN):
        model.backward(zeros, u)
    else:
        model.backward(zeros, (u, None) if on == "h" else (None, u))
    if not np.all(np.isfinite(outputs)):  # past an overflow in the forward pass no gradient means anything
        return TimeProfile(np.array([]), np.array([]) if isinstance(model, LSTM) else None, False)
    hidden, ok_h = _cut(_rms_norms(model.hidden_grads))
    cell, ok_c = (_cut(_rms_norms(model.cell_grads)) if isinstance(model, LSTM) else (None, True))
    return TimeProfile(hidden, cell, ok_h and ok_c)


def input_variance(model, input_std=1.0, x=None):
    r""":math:`\sigma_{\text{in}}^2`: the mean square of the input term :math:`W_{ih}x_t + b_{ih} + b_{hh}` of a
    pre-activation, averaged over the units: from the parameters for inputs from
    :math:`\mathcal N(0, \text{input\_std}^2)`, or over the inputs ``x`` ``(T, batch, input_size)`` when given."""
    w = np.asarray(model.weight_ih, dtype=np.float64)
    b = np.asarray(model.bias_ih, dtype=np.float64) + np.asarray(model.bias_hh, dtype=np.float64)
    if x is not None:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 3 or x.shape[2] != model.input_size:
            raise ValueError(f"x must have shape (T, batch, {model.input_size}), got {x.shape}")
        return float(np.mean((x @ w.T + b) ** 2))
    input_std = finite_number(input_std, "input_std", nonnegative=True)
    return float(np.mean(np.sum(w ** 2, axis=1) * input_std ** 2 + b ** 2))


def predicted_rate(nonlinearity, radius, sigma_in2):
    r"""The mean-field per-step factor of ``‖∂ℓ/∂h_t‖`` for an RNN with spectral radius ``radius`` and input
    variance ``sigma_in2``: :math:`\rho/\sqrt 2` for relu, :math:`\rho\sqrt{\mathbb E[\tanh'(z)^2]}`,
    :math:`z \sim \mathcal N(0, q^*)`, for tanh, and :math:`\rho` for a linear chain."""
    one_of(nonlinearity, "nonlinearity", ("tanh", "relu", "linear"))
    radius = finite_number(radius, "radius", positive=True)
    sigma_in2 = finite_number(sigma_in2, "sigma_in2", nonnegative=True)
    if nonlinearity == "linear":
        return radius
    if nonlinearity == "relu":
        return radius / math.sqrt(2)
    q = theory.fixed_point("tanh", radius, math.sqrt(sigma_in2))
    return math.sqrt(theory.gradient_factor("tanh", q, radius))


def forget_rate(forget_bias):
    r""":math:`\sigma(b_f)`: the per-step factor of the LSTM's cell gradient when the forget gate's weighted inputs
    are small, so that :math:`f_t \approx \sigma(b_f)` (the gates' input terms add a spread around it)."""
    forget_bias = finite_number(forget_bias, "forget_bias")
    return 1.0 / (1.0 + math.exp(-forget_bias))


def per_step_rate(profile, start, stop):
    r"""The geometric mean of the per-step factor between ``k = start`` and ``k = stop`` of a profile
    (``hidden`` or ``cell``): :math:`(v_{\text{stop}}/v_{\text{start}})^{1/(\text{stop} - \text{start})}`."""
    values = np.asarray(profile, dtype=np.float64)
    if not (0 <= start < stop < len(values)):
        raise ValueError(f"need 0 <= start < stop < {len(values)} (the profile's length), got {start}, {stop}")
    return float((values[stop] / values[start]) ** (1.0 / (stop - start)))


def steps_to_fall(rate, factor):
    r"""How many steps a gradient shrinking by ``rate`` per step takes to fall by ``factor``:
    :math:`k = \ln(\text{factor})/\ln(\text{rate})`, e.g. ``steps_to_fall(0.9, 1e-3)`` ≈ 65.6."""
    rate = finite_number(rate, "rate", positive=True)
    factor = finite_number(factor, "factor", positive=True)
    if rate >= 1 or factor >= 1:
        raise ValueError(f"rate and factor must both be in (0, 1), got rate={rate}, factor={factor}")
    return math.log(factor) / math.log(rate)
