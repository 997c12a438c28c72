"""initlab.figures.exploding_gradients: chapter 4's figures show measurements and mark overflow instead of plotting it."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from initlab import MLP, diagnostics, init, theory, train
from initlab.figures import exploding_gradients
from initlab.notebook import Slider, explore

from spirals import two_spirals
from static_page import static_frames

RED = to_rgba("red")
DEPTHS, SCALES = (4, 40), (1.0, 3.0, 30.0)


@pytest.fixture(scope="module")
def spirals():
    return two_spirals(16, rng=0)


@pytest.fixture(scope="module")
def grad_fig(spirals):
    return exploding_gradients.ExplodingGradientFigure(*spirals, width=8, depths=DEPTHS, scales=SCALES)


@pytest.fixture(scope="module")
def runs(spirals):
    """A 2 x 2 grid: at lr 30 the unclipped linear network overflows, clipping at 0.1 keeps it finite."""
    x, y = spirals
    grid = {}
    for lr in (0.1, 30.0):
        for tau in (math.inf, 0.1):
            model = MLP([2, 8, 8, 2], activation="linear", rng=0)
            grid[(lr, tau)] = train(model, x, y, lr=lr, steps=40, clip_norm=None if tau == math.inf else tau)
    assert grid[(30.0, math.inf)].diverged and not grid[(30.0, 0.1)].diverged
    return grid


def all_finite(line):
    return bool(np.all(np.isfinite(np.asarray(line.get_xdata(), float)))
                and np.all(np.isfinite(np.asarray(line.get_ydata(), float))))


def is_red_cross(line):
    return line.get_marker() == "x" and to_rgba(line.get_color()) == RED


# --- helpers ------------------------------------------------------------------------------------------

def test_limits_are_the_formats_largest_numbers():
    assert exploding_gradients.LIMITS == {"float16": 65504.0, "float32": pytest.approx(3.4028235e38)}


def test_relu_signal_prediction_formula():
    p = theory.relu_backward_norms(2.0, depth=3, scale=4.0)
    # h_3 is the output; h_2 is one linear layer below (x scale), h_1 one relu layer more (x scale/sqrt 2).
    np.testing.assert_allclose(p, [2.0 * 4 * (4 / math.sqrt(2)) ** 2, 2.0 * 4 * (4 / math.sqrt(2)), 2.0 * 4, 2.0])


def test_relu_signal_prediction_matches_the_measured_growth_rate():
    x, y = two_spirals(64, rng=0)
    depth, scale = 30, 3.0
    model = MLP([2] + [64] * depth + [2], init=init.scaled_normal(scale), rng=0)
    signal, _ = diagnostics.backprop_norms(model, x, y)
    measured_rate = (signal[0] / signal[-2]) ** (1 / (depth - 1))
    assert measured_rate == pytest.approx(scale / math.sqrt(2), rel=0.05)


# --- ExplodingGradientFigure -------------------------------------------------------------------------

def test_gradient_figure_is_a_plain_figure_with_both_limits_drawn(spirals, grad_fig):
    assert isinstance(grad_fig.figure, Figure) and grad_fig.figure not in map(plt.figure, plt.get_fignums())
    limits = [line for line in grad_fig.ax.get_lines() if line.get_label().startswith("float")]
    assert [line.get_label() for line in limits] == ["float16 max 6.55e+04", "float32 max 3.4e+38"]
    levels = sorted(line.get_ydata()[0] for line in limits)
    assert levels == [65504.0, pytest.approx(3.4028235e38)]
    low, high = grad_fig.ax.get_ylim()
    assert low < 1e-6 and high > 1e39  # both limits are on the plot


def test_every_setting_is_measured_up_front(spirals, monkeypatch):
    calls = []
    real = diagnostics.backprop_norms
    monkeypatch.setattr(diagnostics, "backprop_norms", lambda *a, **k: calls.append(a) or real(*a, **k))
    f = exploding_gradients.ExplodingGradientFigure(*spirals, width=8, depths=(3, 5), scales=(1.0, 2.0))
    assert len(calls) == 4
    f.update(5, 2.0)
    f.describe(3, 1.0)
    assert len(calls) == 4


def test_norms_are_chapter_one_measurements_of_a_relu_network(spirals, grad_fig):
    x, y = spirals
    model = MLP([2] + [8] * 4 + [2], activation="relu", init=init.scaled_normal(3.0), rng=0)
    for mine, direct in zip(grad_fig.norms(4, 3.0), diagnostics.backprop_norms(model, x, y)):
        np.testing.assert_array_equal(mine, direct)


def test_update_draws_measurement_and_prediction(grad_fig):
    signal, weights = grad_fig.norms(40, 3.0)
    grad_fig.update(40, 3.0)
    np.testing.assert_allclose(grad_fig.line.get_ydata(), signal)
    np.testing.assert_allclose(grad_fig.weights_line.get_ydata(), weights)
    np.testing.assert_allclose(grad_fig.predicted.get_ydata(), grad_fig.prediction(40, 3.0))
    assert grad_fig.predicted in grad_fig.animated
    text = grad_fig.describe(40, 3.0)
    counts = grad_fig.above(40, 3.0)
    assert counts["float16"] > 0 and counts["float32"] == 0
    assert f"{counts['float16']} of 41 layers exceed the float16 maximum" in text
    assert "40 hidden layers" in text and "N(0, σ_w²/n_in), σ_w = 3" in text


def test_overflow_is_marked_not_plotted(grad_fig):
    signal, weights = grad_fig.norms(40, 30.0)  # (30/sqrt 2)^40 ~ 1e53: past float32
    assert not np.all(np.isfinite(signal))
    grad_fig.update(40, 30.0)
    for line in grad_fig.ax.get_lines():
        assert all_finite(line), line
    assert is_red_cross(grad_fig.overflow) and len(grad_fig.overflow.get_xdata()) > 0
    assert "float32 overflows: inf/NaN from layer" in grad_fig.describe(40, 30.0)
    assert grad_fig.above(40, 30.0)["float32"] == 41
    grad_fig.figure.canvas.draw()


def test_gradient_explorer_renders_every_setting(grad_fig):
    e = explore(grad_fig, depth=Slider(list(DEPTHS)), scale=Slider(list(SCALES)))
    frames = static_frames(e)
    assert len(frames["frames"]) == len(set(frames["frames"])) == 6
    assert "float32 overflows" in frames["alts"][-1] and "float32 overflows" not in frames["alts"][0]


# --- ClippingFigure -------------------------------------------------------------------------------------

def test_clipping_figure_shows_the_run_and_its_unclipped_reference(runs):
    f = exploding_gradients.ClippingFigure(runs)
    run = runs[(30.0, 0.1)]
    f.update(30.0, 0.1)
    np.testing.assert_array_equal(f.loss.get_ydata(), run.loss)
    np.testing.assert_array_equal(f.grad.get_ydata(), run.total_grad_norm)
    assert list(f.threshold.get_ydata()) == [0.1, 0.1]
    reference = runs[(30.0, math.inf)]
    assert len(f.reference.get_xdata()) == reference.steps  # ends where it failed
    assert list(f.crosses[1].get_xdata()) == [reference.failed_at] and is_red_cross(f.crosses[1])
    assert len(f.crosses[0].get_xdata()) == 0
    text = f.describe(30.0, 0.1)
    assert "clipping τ = 0.1" in text and f"Without clipping at this learning rate: overflowed at step" in text
    assert f"was clipped {exploding_gradients.clipped_words(run.clipped.mean())}" in text


class _Run:
    def __init__(self, loss, failed_at=None):
        self.loss, self.failed_at, self.failed_layer = np.asarray(loss, dtype=float), failed_at, 2
        self.diverged, self.steps = failed_at is not None, len(loss)


def test_outcome_band_gives_bands_that_last_digits_cannot_move():
    band = exploding_gradients.outcome_band
    # chapter 4's runs: 0.46-0.48, 0.52-0.76 and 0.957 (below 1); 1.07-1.76 and 1.81 (1 to 2)
    assert band(_Run([2.4] + [0.481] * 30)) == band(_Run([2.36] + [0.957] * 30)) == \
        "final loss below 1, largest below 2.5"
    assert band(_Run([2.3] + [1.07] * 30)) == band(_Run([2.3] + [1.81] * 30)) == \
        "final loss 1 to 2, largest below 2.5"
    assert band(_Run([2.3, 3.99] + [2.305] * 30)) == "final loss at ln 10, largest 2.5 to 10"
    assert band(_Run([2.3, 4250.0] + [1.2] * 30)) == "final loss 1 to 2, largest over 1e+03"
    assert band(_Run([2.3, 5.0] + [2.2] * 30)) == "final loss 2 or more, largest 2.5 to 10"
    assert band(_Run([2.3, 5e15], failed_at=2)).startswith("overflowed at step 2")


def test_final_and_peak_bands_are_short_and_name_an_overflow_by_its_step():
    assert exploding_gradients.final_band(_Run([2.3] + [0.3] * 30)) == "below 1"
    assert exploding_gradients.peak_band(_Run([2.3, 11.7] + [0.3] * 30)) == "over 1e+01"
    failed = _Run([2.3, 5e15], failed_at=9)
    assert exploding_gradients.final_band(failed) == exploding_gradients.peak_band(failed) == "overflow, step 9"
    assert exploding_gradients.FINAL_EDGES == (1.0, 2.0) and exploding_gradients.PEAK_EDGES == (2.5, 10.0)


def test_clipped_words():
    words = exploding_gradients.clipped_words
    assert (words(0.0), words(0.2), words(0.74), words(1.0)) == \
        ("never", "on some steps", "on most steps", "on every step")


def test_a_failed_run_is_never_drawn_past_its_failure(runs):
    f = exploding_gradients.ClippingFigure(runs)
    f.update(30.0, math.inf)
    h = runs[(30.0, math.inf)]
    assert len(f.loss.get_xdata()) == h.steps and np.all(np.isfinite(f.loss.get_ydata()))
    assert list(f.crosses[0].get_xdata()) == [h.failed_at] and list(f.crosses[2].get_xdata()) == [h.failed_at]
    assert len(f.threshold.get_xdata()) == 0  # no threshold when clipping is off
    for ax in f.figure.axes:
        for line in ax.get_lines():
            assert all_finite(line), line
    assert f.describe(30.0, math.inf).startswith(f"Learning rate 30, clipping off: overflowed at step {h.failed_at}")
    f.figure.canvas.draw()


def test_clipping_explorer_renders_every_setting(runs):
    e = explore(exploding_gradients.ClippingFigure(runs), lr=Slider([0.1, 30.0]), tau=Slider({"off": math.inf, "0.1": 0.1}))
    frames = static_frames(e)
    assert len(frames["frames"]) == len(set(frames["frames"])) == 4


@pytest.mark.parametrize("grid, message", [
    ({}, "runs must map"),
    ({(0.1, 1.0): None}, r"unclipped run \(tau = math.inf\) for every lr; missing for \[0.1\]"),
])
def test_clipping_figure_bad_runs(grid, message):
    with pytest.raises(ValueError, match=message):
        exploding_gradients.ClippingFigure(grid)


# --- static figures -----------------------------------------------------------------------------------

def test_recurrent_chain_figure_skips_nonfinite_values():
    fig = exploding_gradients.recurrent_chain_figure({"a": [1.0, 2.0, np.inf], "b": [1.0, 0.5, 0.25]})
    lines = fig.axes[0].get_lines()
    assert [len(line.get_xdata()) for line in lines] == [2, 3]
    np.testing.assert_array_equal(lines[1].get_xdata(), [2, 1, 0])  # steps back: t = 0 is T steps back
    assert all(all_finite(line) for line in lines)


def test_two_routes_figure_marks_the_failed_run_and_keeps_legends_off_the_data(runs):
    fine, failed = runs[(0.1, math.inf)], runs[(30.0, math.inf)]
    fig = exploding_gradients.two_routes_figure({"fine": fine, "overflow": failed}, {"fine": fine},
                                                "Step too large", "Exploding gradients")
    left, right = fig.axes
    assert left.get_yscale() == right.get_yscale() == "log" and left.get_ylim() == right.get_ylim()
    assert (left.get_title(), right.get_title()) == ("Step too large", "Exploding gradients")
    crosses = [line for line in left.get_lines() if is_red_cross(line)]
    assert len(crosses) == 1 and list(crosses[0].get_xdata()) == [failed.steps]
    assert not any(is_red_cross(line) for line in right.get_lines())
    assert all(all_finite(line) for ax in fig.axes for line in ax.get_lines())
    fig.canvas.draw()
    for ax in fig.axes:  # each legend sits below its panel, not over the data
        assert ax.get_legend().get_window_extent().y1 < ax.get_window_extent().y0
