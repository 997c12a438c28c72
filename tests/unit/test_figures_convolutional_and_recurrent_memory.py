"""initlab.figures.convolutional_and_recurrent, recurrent part: what was measured, next to the prediction;
and mark overflows instead of plotting them."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from initlab import adding_problem
from initlab.adding_problem import Regressor
from initlab.figures import convolutional_and_recurrent as figures
from initlab.memory import forget_rate, gradient_through_time, input_variance, predicted_rate
from initlab.notebook import Dropdown, Slider, explore
from initlab.rnn import RNN

from static_page import static_frames


@pytest.fixture(scope="module")
def memory_fig():
    return figures.GradientThroughTimeFigure(max_steps=20, hidden_size=16, batch=2)


def test_explorer_figure_is_a_plain_figure_outside_pyplot():
    before = plt.get_fignums()
    f = figures.GradientThroughTimeFigure(max_steps=10, hidden_size=8, batch=2)
    assert isinstance(f.figure, Figure) and plt.get_fignums() == before


def test_explorer_draws_gradient_through_time_and_the_predicted_rate(memory_fig):
    memory_fig.update(0.9, 20, "relu RNN")
    profile, rate = memory_fig.measure(0.9, 20, "relu RNN")
    expected = gradient_through_time(RNN(1, 16, "relu", spectral_radius=0.9, rng=0), 20, batch=2, rng=0)
    np.testing.assert_array_equal(profile.hidden, expected.hidden)
    np.testing.assert_allclose(memory_fig.line.get_ydata(), profile.hidden)
    assert rate == pytest.approx(0.9 / np.sqrt(2))
    np.testing.assert_allclose(memory_fig.predicted_line.get_ydata()[:5], rate ** np.arange(5))
    text = memory_fig.describe(0.9, 20, "relu RNN")
    assert "relu RNN with spectral radius 0.9 over T = 20" in text and f"{rate:.3f} per step" in text


def test_explorer_lstm_prediction_is_the_forget_gate(memory_fig):
    _, rate = memory_fig.measure(1.0, 20, "LSTM, b_f = 1")
    assert rate == forget_rate(1.0)
    _, tanh_rate = memory_fig.measure(1.0, 20, "tanh RNN")
    layer = RNN(1, 16, "tanh", spectral_radius=1.0, rng=0)
    assert tanh_rate == pytest.approx(predicted_rate("tanh", 1.0, input_variance(layer)))
    assert memory_fig.measure(1.0, 20, "tanh RNN")[0] is memory_fig.measure(1.0, 20, "tanh RNN")[0]  # cached


def test_an_overflow_is_crossed_not_plotted():
    f = figures.GradientThroughTimeFigure(max_steps=80, hidden_size=8, batch=2)
    f.update(40.0, 80, "relu RNN")  # the states overflow float32
    assert len(f.line.get_xdata()) == 0 and len(f.cross.get_xdata()) == 1
    assert "overflow" in f.describe(40.0, 80, "relu RNN")
    f.update(0.9, 80, "relu RNN")
    assert len(f.cross.get_xdata()) == 0


def test_every_setting_is_a_frame(memory_fig):
    e = explore(memory_fig, radius=Slider([0.6, 1.4]), steps=Slider([10, 20]),
                architecture=Dropdown(list(figures.ARCHITECTURES)))
    frames = static_frames(e)
    assert len(frames["frames"]) == len(set(frames["frames"])) == len(e.settings()) == 12


def test_gradient_through_time_figure_draws_measured_and_predicted():
    profiles = {("tanh", 0.9): 0.8 ** np.arange(6), ("relu", 0.9): np.array([1.0, 0.5, 0.2, 0.0, np.inf, 0.1])}
    rates = {("tanh", 0.9): 0.8, ("relu", 0.9): 0.6}
    fig = figures.gradient_through_time_figure(profiles, rates)
    tanh_ax, relu_ax = fig.axes
    np.testing.assert_allclose(tanh_ax.lines[0].get_ydata(), 0.8 ** np.arange(6))
    np.testing.assert_allclose(tanh_ax.lines[1].get_ydata(), 0.8 ** np.arange(6))
    assert list(relu_ax.lines[0].get_ydata()) == [1.0, 0.5, 0.2, 0.1]  # 0 and inf are not drawn


def test_forget_gate_figure_draws_three_curves_per_bias():
    cells = {0.0: 0.6 ** np.arange(5), 1.0: 0.9 ** np.arange(5)}
    alone = {0.0: 0.5 ** np.arange(5), 1.0: forget_rate(1.0) ** np.arange(5)}
    fig = figures.forget_gate_figure(cells, alone, [0.0, 1.0])
    lines = fig.axes[0].lines
    np.testing.assert_allclose(lines[2].get_ydata(), 0.5 ** np.arange(5))  # σ(0)^k
    np.testing.assert_allclose(lines[4].get_ydata(), alone[1.0])


def test_clipping_figure_marks_the_overflow():
    runs = {}
    for clip in (None, 1.0):
        rnn = RNN(2, 32, "relu", spectral_radius=2.0, rng=0)  # the chapter's exploding run, float32
        runs[f"clip {clip}"] = adding_problem.train(Regressor(rnn, rng=0), 10, steps=20, lr=0.03, clip_norm=clip,
                                                    test_size=8, rng=0)
    assert runs["clip None"].diverged and not runs["clip 1.0"].diverged
    fig = figures.clipping_figure(runs, 1.0)
    ax = fig.axes[0]
    crosses = [line for line in ax.lines if line.get_marker() == "x"]
    assert len(crosses) == 1 and crosses[0].get_xdata()[0] == runs["clip None"].failed_at
    assert all(np.all(np.isfinite(line.get_ydata())) for line in ax.lines)
