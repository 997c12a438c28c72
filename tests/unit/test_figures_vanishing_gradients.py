"""initlab.figures.vanishing_gradients: the chapters' figures show measurements, and mark overflow instead of plotting it."""

import re

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from initlab import MLP, diagnostics, init, train
from initlab.figures import vanishing_gradients
from initlab.notebook import Dropdown, Slider, explore

from spirals import two_spirals
from static_page import static_frames

RED = to_rgba("red")
SANE = (4, "tanh", 1.0)
# Weights N(0, 100²/fan_in) in 30 ReLU layers: activations grow ~70x per layer and overflow float32.
EXPLODING = (30, "relu", 100.0)


@pytest.fixture(scope="module")
def spirals():
    return two_spirals(16, rng=0)


@pytest.fixture(scope="module")
def grad_fig(spirals):
    return vanishing_gradients.GradientNormFigure(*spirals, width=8, max_depth=30)


@pytest.fixture(scope="module")
def histories(spirals):
    x, y = spirals
    return {
        "tanh + xavier": train(MLP([2, 8, 8, 2], activation="tanh", init="xavier_normal", rng=0), x, y,
                               lr=0.1, steps=30),
        "relu + he": train(MLP([2, 8, 8, 2], activation="relu", rng=1), x, y, lr=0.1, steps=30),
    }


@pytest.fixture(scope="module")
def diverged(spirals):
    """A float16 run whose weights overflow after a couple of steps at a huge learning rate."""
    x, y = spirals
    h = train(MLP([2, 8, 8, 2], activation="relu", rng=0, dtype=np.float16), x, y, lr=100.0, steps=30)
    assert h.diverged and 0 < h.steps < 30
    return h


@pytest.fixture(scope="module")
def failed_at_once(spirals):
    """A run that overflows in its very first forward pass, so it records no step at all."""
    x, y = spirals
    model = MLP([2] + [8] * 30 + [2], activation="relu", init=init.scaled_normal(100.0), rng=0)
    h = train(model, x, y, lr=0.1, steps=5)
    assert h.diverged and h.steps == 0
    return h


def all_finite(line):
    return bool(np.all(np.isfinite(np.asarray(line.get_xdata(), float)))
                and np.all(np.isfinite(np.asarray(line.get_ydata(), float))))


def is_red_cross(line):
    return line.get_marker() == "x" and to_rgba(line.get_color()) == RED


# --- GradientNormFigure -----------------------------------------------------------------------------

def test_gradient_norm_figure_is_a_plain_figure_outside_pyplot(spirals):
    before = plt.get_fignums()
    f = vanishing_gradients.GradientNormFigure(*spirals, width=8)
    assert isinstance(f.figure, Figure)
    assert plt.get_fignums() == before


@pytest.mark.parametrize("depth, activation, scale", [SANE, (10, "relu", 1.0), (6, "sigmoid", 2.0)])
def test_measure_gives_one_finite_norm_per_layer_for_a_sane_setting(grad_fig, depth, activation, scale):
    for g in grad_fig.measure(depth, activation, scale):  # the signal dl/dh_k, then dl/dW_k
        assert g.shape == (depth + 1,)
        assert np.all(np.isfinite(g)) and np.all(g > 0)


def test_measure_matches_a_direct_backward_pass(spirals, grad_fig):
    x, y = spirals
    model = MLP([2] + [8] * 4 + [2], activation="tanh", init=init.scaled_normal(1.0), rng=0)
    signal, weights = diagnostics.backprop_norms(model, x, y)
    np.testing.assert_allclose(signal, [np.linalg.norm(g) for g in model.grad_activations], rtol=1e-6)
    np.testing.assert_array_equal(grad_fig.measure(*SANE)[0], signal)
    np.testing.assert_array_equal(grad_fig.measure(*SANE)[1], weights)


def test_measure_is_cached(spirals, monkeypatch):
    calls = []
    real = diagnostics.backprop_norms

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(diagnostics, "backprop_norms", counting)
    f = vanishing_gradients.GradientNormFigure(*spirals, width=8)
    first = f.measure(*SANE)
    f.update(*SANE)
    f.describe(*SANE)
    again = f.measure(*SANE)
    assert len(calls) == 1
    np.testing.assert_array_equal(first[0], again[0])
    f.measure(5, "tanh", 1.0)
    assert len(calls) == 2


def test_measure_is_deterministic_across_figures(spirals, grad_fig):
    fresh = vanishing_gradients.GradientNormFigure(*spirals, width=8, max_depth=30)
    for setting in (SANE, (10, "relu", 1.5)):
        for a, b in zip(fresh.measure(*setting), grad_fig.measure(*setting)):
            np.testing.assert_array_equal(a, b)


def test_update_draws_the_measured_curve(grad_fig):
    signal, weights = grad_fig.measure(*SANE)
    grad_fig.update(*SANE)
    np.testing.assert_array_equal(grad_fig.line.get_xdata(), np.arange(1, SANE[0] + 2))
    np.testing.assert_allclose(grad_fig.line.get_ydata(), signal)
    np.testing.assert_allclose(grad_fig.weights_line.get_ydata(), weights)
    assert len(grad_fig.overflow.get_xdata()) == 0
    assert "overflow" not in grad_fig.describe(*SANE)


def test_an_exploding_setting_is_marked_as_overflow_not_plotted(grad_fig):
    g, _ = grad_fig.measure(*EXPLODING)
    assert g.shape == (EXPLODING[0] + 1,)
    assert not np.all(np.isfinite(g))
    grad_fig.update(*EXPLODING)
    for line in grad_fig.ax.get_lines():
        assert all_finite(line), line
    bad_layers = np.flatnonzero(~np.isfinite(g)) + 1
    np.testing.assert_array_equal(grad_fig.overflow.get_xdata(), bad_layers)
    assert is_red_cross(grad_fig.overflow)
    assert "overflow" in grad_fig.describe(*EXPLODING)
    # The figure still renders with nothing non-finite in it.
    grad_fig.figure.canvas.draw()


class PartlyOverflowing(vanishing_gradients.GradientNormFigure):
    """Layers 2 and 4 overflowed, the rest are measurements (real runs overflow all layers at once)."""

    G = np.array([1e-3, np.inf, 2e-3, np.nan, 5e-3])

    def measure(self, depth, activation, scale):
        return self.G, self.G


def test_update_plots_only_the_finite_layers_and_crosses_the_others(spirals):
    f = PartlyOverflowing(*spirals, width=8)
    f.update(4, "relu", 3.0)
    np.testing.assert_array_equal(f.line.get_xdata(), [1, 3, 5])
    np.testing.assert_array_equal(f.line.get_ydata(), [1e-3, 2e-3, 5e-3])
    np.testing.assert_array_equal(f.overflow.get_xdata(), [2, 4])
    assert is_red_cross(f.overflow)
    for line in f.ax.get_lines():
        assert all_finite(line), line
    text = f.describe(4, "relu", 3.0)
    assert "overflow" in text and "layer 2" in text


@pytest.mark.parametrize("depth, activation, scale", [(7, "tanh", 1.5), (12, "relu", 0.5)])
def test_describe_names_activation_depth_and_scale(grad_fig, depth, activation, scale):
    text = grad_fig.describe(depth, activation, scale)
    assert activation in text
    assert re.search(rf"\b{depth} hidden layers\b", text)
    assert f"{scale:g}" in text


def test_gradient_norm_explorer_renders_every_setting_including_overflow(spirals):
    f = vanishing_gradients.GradientNormFigure(*spirals, width=8, max_depth=30)
    e = explore(f, depth=Slider([3, 30]), activation=Dropdown(["tanh", "relu"]), scale=Slider([1.0, 100.0]))
    frames = static_frames(e)
    assert len(frames["frames"]) == len(set(frames["frames"])) == 8
    alts = dict(zip(e.settings(), frames["alts"]))
    assert "overflow" in alts[(1, 1, 1)]  # 30 relu layers at scale 100
    assert "overflow" not in alts[(0, 0, 0)]


# --- UpdateRatioFigure ----------------------------------------------------------------------------

def test_update_moves_each_marker_to_that_steps_loss(histories):
    f = vanishing_gradients.UpdateRatioFigure(histories, window=5)
    assert isinstance(f.figure, Figure) and len(f.figure.axes) == 2
    for step in (0, 7, 29):
        f.update(step)
        for marker, h in zip(f.markers, histories.values()):
            assert list(marker.get_xdata()) == [step]
            assert list(marker.get_ydata()) == [h.loss[step]]


def test_update_draws_one_finite_ratio_per_layer_that_follows_the_step(histories):
    f = vanishing_gradients.UpdateRatioFigure(histories, window=5)
    f.update(5)
    early = [np.array(line.get_ydata()) for line in f.ratio_lines]
    f.update(29)
    late = [np.array(line.get_ydata()) for line in f.ratio_lines]
    for e, l, h in zip(early, late, histories.values()):
        assert e.shape == l.shape == (h.update_ratio.shape[1],)
        assert np.all(np.isfinite(e)) and np.all(e > 0)
        assert not np.array_equal(e, l)


def test_a_run_that_stopped_early_keeps_its_marker_at_its_last_step(histories, diverged):
    runs = {**histories, "diverged": diverged}
    f = vanishing_gradients.UpdateRatioFigure(runs, window=5)
    f.update(20)
    marker = f.markers[-1]
    assert list(marker.get_xdata()) == [diverged.steps - 1]
    assert list(marker.get_ydata()) == [diverged.loss[-1]]
    for line in f.figure.axes[0].get_lines() + f.ratio_lines:
        assert all_finite(line)


def test_update_ratio_describe_mentions_the_step_and_every_label(histories):
    f = vanishing_gradients.UpdateRatioFigure(histories, window=5)
    text = f.describe(12)
    assert "step 12" in text
    for label, h in histories.items():
        assert label in text
        assert vanishing_gradients._loss_band(float(np.mean(h.loss[7:12]))) in text


def test_update_ratio_describe_gives_bands_that_do_not_move_with_the_last_digits():
    assert vanishing_gradients._loss_band(np.log(10) + 0.01) == "loss at ln 10 (chance)"
    assert vanishing_gradients._loss_band(0.061) == vanishing_gradients._loss_band(0.0055) == "loss below 0.5"
    assert vanishing_gradients._loss_band(1.2) == "loss from 0.5 to 2"
    assert vanishing_gradients._spread_words(np.array([1e-3, 3e-3])) == \
        "update ratios of all layers within a factor of 10"
    words = vanishing_gradients._spread_words(np.array([3.3e-9, 1e-5, 1.0e-2]))
    assert words == "update ratio of layer 3 over 1e+06 times that of layer 1"


# --- static figures --------------------------------------------------------------------------------

def test_remedies_figure_draws_one_line_per_curve_and_crosses_overflow():
    curves = {"baseline": [1e-6, 1e-4, 1e-2, 1.0],
              "relu": [0.1, np.inf, np.nan, 0.3],
              "batch norm": [0.5, 0.4, 0.3, 0.2]}
    before = plt.get_fignums()
    fig = vanishing_gradients.remedies_figure(curves)
    assert plt.get_fignums() == before
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    lines = ax.get_lines()
    crosses = [line for line in lines if is_red_cross(line)]
    assert len(lines) == len(curves) + 1 and len(crosses) == 1
    np.testing.assert_array_equal(crosses[0].get_xdata(), [2, 3])
    for line in lines:
        assert all_finite(line)
    (legend,) = fig.legends  # below the axes, not over the curves
    assert [t.get_text() for t in legend.get_texts()] == ["baseline", "relu", "relu: inf/NaN at layer 2",
                                                          "batch norm"]
    styles = [line.get_linestyle() for line in lines if not is_red_cross(line)]
    assert len(set(styles)) == len(styles)  # overlapping curves stay distinguishable


def test_training_figure_has_a_loss_panel_and_a_distance_panel(histories):
    fig = vanishing_gradients.training_figure(histories)
    assert isinstance(fig, Figure)
    ax_loss, ax_move = fig.axes
    assert len(ax_loss.get_lines()) == len(histories)
    assert len(ax_move.get_lines()) == len(histories)
    for line, h in zip(ax_loss.get_lines(), histories.values()):
        np.testing.assert_array_equal(line.get_ydata(), h.loss)
    for line, h in zip(ax_move.get_lines(), histories.values()):
        np.testing.assert_allclose(line.get_ydata(), h.distance_from_init[-1])
    assert not ax_loss.texts


@pytest.mark.parametrize("which", ["diverged", "failed_at_once"])
def test_training_figure_marks_a_diverged_run_with_a_red_cross(histories, which, request):
    failed = request.getfixturevalue(which)
    fig = vanishing_gradients.training_figure({**histories, "too fast": failed})
    ax_loss, ax_move = fig.axes
    crosses = [line for line in ax_loss.get_lines() if is_red_cross(line)]
    assert len(crosses) == 1
    assert list(crosses[0].get_xdata()) == [failed.steps]
    notes = [t.get_text() for t in ax_loss.texts]
    assert len(notes) == 1 and "stopped" in notes[0] and failed.failure in notes[0]
    for ax in (ax_loss, ax_move):
        for line in ax.get_lines():
            assert all_finite(line), line
    fig.canvas.draw()


def test_update_ratio_figure_refuses_a_run_with_no_recorded_step(histories, failed_at_once):
    with pytest.raises(ValueError, match="recorded none"):
        vanishing_gradients.UpdateRatioFigure({**histories, "failed at once": failed_at_once})
    with pytest.raises(ValueError, match="got none"):
        vanishing_gradients.UpdateRatioFigure({})
