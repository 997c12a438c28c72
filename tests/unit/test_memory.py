"""initlab.memory: the gradient through time of a recurrent layer at initialization, and its predictions."""

import math

import numpy as np
import pytest

from initlab import theory
from initlab.lstm import LSTM
from initlab.memory import (backward_errors, forget_rate, gradient_through_time, input_variance, per_step_rate,
                            predicted_rate, steps_to_fall)
from initlab.recurrence import chain_norms
from initlab.rnn import RNN


def test_a_linear_regime_chain_matches_initlab_recurrence():
    # With no input and a tanh chain that stays near 0, the RNN's gradient is recurrence's linear chain.
    rnn = RNN(1, 16, rng=0, spectral_radius=0.9, dtype=np.float64)
    profile = gradient_through_time(rnn, 30, batch=1, input_std=0.0, rng=0)
    _, grads = chain_norms(rnn.weight_hh, np.zeros(16), 30, grad=np.full(16, 0.25))
    # zero inputs and zero state: h stays at tanh of the biases' fixed point, not 0; compare the rate loosely
    assert profile.finite and profile.hidden[0] == pytest.approx(1.0)
    assert per_step_rate(profile.hidden, 5, 30) <= 0.9 + 1e-9
    assert per_step_rate(grads[::-1], 5, 30) == pytest.approx(0.9, rel=0.05)


def test_profile_shapes_and_normalisation():
    profile = gradient_through_time(LSTM(2, 8, rng=0), 12, batch=4, rng=0, on="c")
    assert profile.hidden.shape == profile.cell.shape == (13,)
    assert profile.cell[0] == pytest.approx(1.0, rel=1e-6) and profile.hidden[0] == 0.0
    rnn_profile = gradient_through_time(RNN(2, 8, rng=0), 12, batch=4, rng=0)
    assert rnn_profile.cell is None and rnn_profile.hidden[0] == pytest.approx(1.0, rel=1e-6)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("radius", [0.6, 1.2])
def test_the_mean_field_rate_predicts_the_measured_one(nonlinearity, radius):
    rates = []
    for seed in range(3):
        rnn = RNN(2, 128, nonlinearity, spectral_radius=radius, rng=seed)
        rates.append(per_step_rate(gradient_through_time(rnn, 30, batch=16, rng=seed).hidden, 0, 30))
    predicted = predicted_rate(nonlinearity, radius, input_variance(rnn))
    assert abs(np.mean(rates) / predicted - 1) < 0.05


def test_predicted_rate_formulas():
    assert predicted_rate("relu", 1.0, 0.3) == pytest.approx(1 / math.sqrt(2))
    assert predicted_rate("linear", 0.8, 0.3) == 0.8
    q = theory.fixed_point("tanh", 1.5, math.sqrt(0.1))
    assert predicted_rate("tanh", 1.5, 0.1) == pytest.approx(math.sqrt(theory.gradient_factor("tanh", q, 1.5)))
    assert predicted_rate("tanh", 0.5, 0.0) == pytest.approx(0.5)  # q* = 0: tanh is linear there
    assert predicted_rate("tanh", 1.5, 0.1) < 1.5  # f' <= 1 can only shrink it


def test_input_variance_from_the_parameters():
    rnn = RNN(3, 4, rng=0, dtype=np.float64)
    b = rnn.bias_ih + rnn.bias_hh
    expected = np.mean([np.sum(rnn.weight_ih[j] ** 2) * 4.0 + b[j] ** 2 for j in range(4)])
    assert input_variance(rnn, input_std=2.0) == pytest.approx(expected)


def test_forget_rate_and_the_cell_path_without_recurrent_weights():
    assert forget_rate(0.0) == 0.5
    assert forget_rate(1.0) == pytest.approx(0.7310585786)
    lstm = LSTM(2, 64, forget_bias=1.0, rng=0, dtype=np.float64)
    lstm.weight_hh[:] = 0
    lstm.weight_ih[64:128] = 0  # forget gate = σ(1) exactly
    profile = gradient_through_time(lstm, 20, rng=0, on="c")
    np.testing.assert_allclose(profile.cell, forget_rate(1.0) ** np.arange(21), rtol=1e-9)


def test_overflow_is_cut_not_returned():
    forward = gradient_through_time(RNN(2, 16, "relu", spectral_radius=40.0, rng=0), 60, rng=0)
    assert not forward.finite and forward.hidden.size == 0  # relu's states overflow: nothing to report
    # 3 I on tiny inputs: the states stay finite, the gradient grows by 3 per step and overflows float32
    rnn = RNN(2, 8, "relu", init="identity", spectral_radius=3.0, rng=0)
    backward = gradient_through_time(rnn, 85, input_std=1e-20, rng=0)
    assert not backward.finite and np.all(np.isfinite(backward.hidden)) and len(backward.hidden) == 81
    np.testing.assert_allclose(backward.hidden[1:] / backward.hidden[:-1], 3.0, rtol=0.01)


def test_steps_to_fall_and_per_step_rate():
    assert steps_to_fall(0.9, 1e-3) == pytest.approx(math.log(1e-3) / math.log(0.9))
    assert per_step_rate(0.5 ** np.arange(10), 2, 7) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="rate and factor must both be in"):
        steps_to_fall(1.1, 1e-3)
    with pytest.raises(ValueError, match="need 0 <= start < stop"):
        per_step_rate(np.ones(5), 3, 5)


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="model must be an initlab RNN or LSTM"):
        gradient_through_time("rnn", 5)
    with pytest.raises(ValueError, match="on must be one of 'h'"):
        gradient_through_time(RNN(2, 3), 5, on="c")
    with pytest.raises(ValueError, match="nonlinearity must be one of"):
        predicted_rate("sigmoid", 1.0, 0.0)
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        gradient_through_time(RNN(2, 3), 0)


def test_input_variance_over_given_inputs():
    rnn = RNN(2, 4, rng=0, dtype=np.float64)
    x = np.random.default_rng(1).uniform(0, 1, (5, 3, 2))
    term = x @ rnn.weight_ih.T + rnn.bias_ih + rnn.bias_hh
    assert input_variance(rnn, x=x) == pytest.approx(np.mean(term ** 2))
    with pytest.raises(ValueError, match=r"x must have shape \(T, batch, 2\)"):
        input_variance(rnn, x=np.zeros((5, 2)))


@pytest.mark.parametrize("make", [lambda: RNN(2, 3, "relu", rng=0, dtype=np.float64),
                                  lambda: LSTM(2, 3, rng=0, dtype=np.float64)])
def test_backward_errors_cover_every_gradient_and_catch_a_wrong_one(make):
    layer = make()
    errors = backward_errors(layer, steps=4, batch=2)
    expected = set(layer.names) | {"x"} | ({"state"} if isinstance(layer, RNN) else {"state h_0", "state c_0"})
    assert set(errors) == expected and max(errors.values()) < 1e-7
    wrong = make()
    original = wrong.backward

    def doubled(*args):  # a backward pass with a factor 2 too many in one gradient
        grads = original(*args)
        grads["weight_hh"] = 2 * grads["weight_hh"]
        return grads

    wrong.backward = doubled
    assert backward_errors(wrong, steps=4, batch=2)["weight_hh"] > 0.3


def test_backward_errors_need_float64():
    with pytest.raises(TypeError, match="dtype float64"):
        backward_errors(RNN(2, 3))
