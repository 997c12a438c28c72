"""initlab.adding_problem: the data, the regressor's gradients, and training that clips and stops cleanly on inf/NaN."""

import math

import numpy as np
import pytest

from initlab.adding_problem import BASELINE, Regressor, adding_problem, train
from initlab.gradcheck import numerical_gradient, relative_error
from initlab.lstm import LSTM
from initlab.rnn import RNN


def test_the_data_has_two_markers_one_per_half_and_the_sum_as_target():
    x, y = adding_problem(11, 500, rng=0)
    assert x.shape == (11, 500, 2) and y.shape == (500,)
    markers = x[:, :, 1]
    assert np.all(markers.sum(axis=0) == 2)
    assert np.all(markers[:5].sum(axis=0) == 1) and np.all(markers[5:].sum(axis=0) == 1)
    np.testing.assert_allclose(y, np.sum(x[:, :, 0] * markers, axis=0))
    assert np.all((x[:, :, 0] >= 0) & (x[:, :, 0] < 1))


def test_the_baseline_is_the_variance_of_the_target():
    _, y = adding_problem(20, 200_000, rng=1)
    assert BASELINE == pytest.approx(1 / 6)
    assert np.mean((y - 1) ** 2) == pytest.approx(BASELINE, rel=0.01)


@pytest.mark.parametrize("make", [lambda: RNN(2, 5, "relu", rng=0, dtype=np.float64),
                                  lambda: LSTM(2, 5, rng=0, dtype=np.float64)])
def test_regressor_gradients_match_finite_differences(make):
    model = Regressor(make(), rng=1)
    x, y = adding_problem(6, 4, rng=2)

    def loss():
        return np.mean((model.forward(x) - y) ** 2)

    _, grads = model.loss_and_gradients(x, y)
    assert set(grads) == {"weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight", "bias"}
    for name, p in model.parameters().items():
        assert relative_error(grads[name], numerical_gradient(loss, p)) < 1e-7, name


def test_clipping_caps_every_step_and_is_recorded():
    model = Regressor(RNN(2, 8, rng=0, dtype=np.float64), rng=0)
    before = {name: p.copy() for name, p in model.parameters().items()}
    run = train(model, 6, steps=1, lr=0.1, momentum=0.0, clip_norm=1e-3, test_size=4, rng=0)
    step = math.sqrt(sum(np.sum((p - before[name]) ** 2) for name, p in model.parameters().items()))
    assert run.clipped[0] and run.grad_norm[0] > 1e-3
    assert step == pytest.approx(0.1 * 1e-3, rel=1e-9)  # the step is lr · τ
    assert run.clipped_fraction == 1.0


def test_training_on_the_short_task_beats_the_baseline():
    model = Regressor(RNN(2, 16, "relu", init="orthogonal", rng=0, dtype=np.float64), rng=0)
    run = train(model, 5, steps=300, lr=0.03, clip_norm=1.0, test_size=500, rng=0)
    assert not run.diverged and run.test_loss < 0.5 * BASELINE
    assert run.loss.shape == run.grad_norm.shape == run.clipped.shape == (300,)


def test_an_overflow_stops_training_and_says_where():
    model = Regressor(RNN(2, 32, "relu", spectral_radius=2.0, rng=0), rng=0)  # float32, exploding
    run = train(model, 10, steps=50, lr=0.03, test_size=8, rng=0)
    assert run.diverged and run.failed_at < 10 and run.test_loss is None
    assert "inf/NaN" in run.failure
    assert len(run.loss) == run.failed_at and np.all(np.isfinite(run.loss))


@pytest.mark.parametrize("call, error, message", [
    (lambda: adding_problem(1, 4), ValueError, "steps must be at least 2"),
    (lambda: adding_problem(5, 0), ValueError, "n must be a positive integer"),
    (lambda: Regressor("rnn"), TypeError, "layer must be an initlab RNN or LSTM"),
    (lambda: train("model", 5), TypeError, "model must be an initlab.adding_problem.Regressor"),
    (lambda: train(Regressor(RNN(2, 3)), 5, momentum=1.0), ValueError, r"momentum must be in \[0, 1\)"),
    (lambda: train(Regressor(RNN(2, 3)), 5, clip_norm=0.0), ValueError, "clip_norm must be > 0"),
    (lambda: train(Regressor(RNN(2, 3)), 5, lr=-1.0), ValueError, "lr must be > 0"),
])
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()
