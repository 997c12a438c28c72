"""initlab.figures.xavier_initialization: chapter 2's figures draw what they measured and predicted, and say it in their alt text."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from initlab import MLP, losses, propagation
from initlab.figures import xavier_initialization
from initlab.notebook import Dropdown, Slider, explore

from static_page import static_frames

FANS, GAINS = (4, 12), (1.0, 5 / 3)


@pytest.fixture(scope="module")
def fan_fig():
    return xavier_initialization.XavierFigure(fans=FANS, gains=GAINS, depth=4, batch=16, bins=10)


@pytest.fixture(scope="module")
def probed():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((32, 6)), rng.integers(0, 3, 32)
    models = {}
    for label, scheme in [("standard", "linear_default"), ("xavier", "xavier_uniform")]:
        model = MLP([6, 10, 10, 10, 3], activation="tanh", init=scheme, rng=0)
        _, dout = losses.softmax_cross_entropy(model.forward(x), y)
        model.backward(dout)
        models[label] = model
    return models


# --- XavierFigure ------------------------------------------------------------------------------------

def test_every_setting_is_computed_up_front_and_a_redraw_computes_nothing(fan_fig, monkeypatch):
    assert isinstance(fan_fig.figure, Figure)
    assert set(fan_fig._data) == {(a, b, g) for a in FANS for b in FANS for g in GAINS}

    def refuse(*args, **kwargs):
        raise AssertionError("update must not measure")

    monkeypatch.setattr(propagation, "measured", refuse)
    monkeypatch.setattr(propagation, "predicted", refuse)
    for key in fan_fig._data:
        fan_fig.update(*key)
        fan_fig.describe(*key)


def test_the_figure_lives_outside_pyplot():
    before = plt.get_fignums()
    xavier_initialization.XavierFigure(fans=(4,), gains=(1.0,), depth=2, batch=4)
    assert plt.get_fignums() == before


@pytest.mark.parametrize("fan_in, fan_out, gain", [(4, 12, 1.0), (12, 4, 5 / 3), (12, 12, 1.0)])
def test_the_weight_panel_draws_the_formula_and_the_samples(fan_fig, fan_in, fan_out, gain):
    d = fan_fig.measure(fan_in, fan_out, gain)
    bound = gain * math.sqrt(6 / (fan_in + fan_out))
    assert d["bound"] == pytest.approx(bound)
    assert d["variance"] == pytest.approx(bound ** 2 / 3)
    fan_fig.update(fan_in, fan_out, gain)
    np.testing.assert_allclose(fan_fig.box.get_xdata(), [-bound, -bound, bound, bound])
    np.testing.assert_allclose(fan_fig.box.get_ydata()[1], 1 / (2 * bound))
    values, edges = fan_fig.hist.get_data().values, fan_fig.hist.get_data().edges
    np.testing.assert_allclose(edges[[0, -1]], [-bound, bound])
    np.testing.assert_allclose(np.sum(values * np.diff(edges)), 1.0)  # a density
    x, y = fan_fig.gauss.get_data()
    peak = 1 / math.sqrt(2 * math.pi * d["variance"])
    assert y.max() == pytest.approx(peak, rel=1e-3)


def test_the_variance_panel_draws_measurement_and_both_predictions(fan_fig):
    key = (4, 12, 5 / 3)
    d = fan_fig.measure(*key)
    sizes = [4, 12, 4, 12, 4]  # widths alternate fan_in, fan_out
    linear_f, linear_b = propagation.predicted("linear", sizes, [d["variance"]] * 4)
    np.testing.assert_allclose(d["linear_forward"], linear_f, rtol=1e-9)  # relative to the input's mean square
    np.testing.assert_allclose(d["linear_backward"], linear_b)
    fan_fig.update(*key)
    theory, linear, points = fan_fig.curves["forward"]
    np.testing.assert_allclose(theory.get_ydata(), d["theory_forward"])
    np.testing.assert_allclose(points.get_ydata(), d["forward"])
    theory, linear, points = fan_fig.curves["backward"]
    np.testing.assert_allclose(linear.get_ydata(), d["linear_backward"])
    assert d["backward"][-1] == 1.0 and d["theory_backward"][-1] == 1.0
    assert np.all(np.isfinite(d["forward"])) and np.all(d["forward"] > 0)


def test_equal_fans_at_gain_one_are_level_in_the_linear_regime(fan_fig):
    d = fan_fig.measure(12, 12, 1.0)
    np.testing.assert_allclose(d["linear_backward"], 1.0)
    np.testing.assert_allclose(d["linear_forward"], d["linear_forward"][0])


def test_describe_gives_the_numbers_a_reader_sees(fan_fig):
    text = fan_fig.describe(4, 12, 5 / 3)
    d = fan_fig.measure(4, 12, 5 / 3)
    assert "4 and 12" in text and "gain 1.67" in text
    assert f"±{d['bound']:.3f}" in text
    assert f"{d['forward'][-1]:.1e}" in text and f"{d['theory_backward'][0]:.1e}" in text


def test_the_explorer_renders_one_distinct_frame_per_setting(fan_fig):
    e = explore(fan_fig, fan_in=Slider(list(FANS)), fan_out=Slider(list(FANS)), gain=Dropdown(list(GAINS)))
    frames = static_frames(e)
    assert len(frames["frames"]) == len(set(frames["frames"])) == 8
    assert len(set(frames["alts"])) == 8


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="fans must be a positive integer"):
        xavier_initialization.XavierFigure(fans=(0, 4))
    with pytest.raises(ValueError, match="gains must be > 0"):
        xavier_initialization.XavierFigure(gains=(1.0, -1.0))
    with pytest.raises(TypeError, match="depth must be a positive integer"):
        xavier_initialization.XavierFigure(depth=2.5)


# --- LayerHistogramFigure and the static histograms ------------------------------------------------------

def test_layer_histograms_show_the_selected_layer_over_the_others(probed):
    f = xavier_initialization.LayerHistogramFigure(probed, bins=20)
    assert f.depth == 3
    f.update(2, "xavier")
    model = probed["xavier"]
    for i, arrays in enumerate((model.activations, model.grad_activations)):
        values, edges = f.selected[i].get_data().values, f.selected[i].get_data().edges
        expected, _ = np.histogram(np.log10(np.abs(arrays[1].astype(np.float64))).ravel(), bins=edges,
                                   density=True)
        np.testing.assert_allclose(values, expected)
        assert len(f.others[i]) == 2
    h2, g2 = f.stats(2, "xavier")
    assert h2 == pytest.approx(np.mean(model.activations[1].astype(np.float64) ** 2))
    assert g2 == pytest.approx(np.mean(model.grad_activations[1].astype(np.float64) ** 2))
    text = f.describe(2, "xavier")
    assert "hidden layer 2 of 3" in text and "xavier" in text and f"{h2:.2e}" in text


def test_every_artist_a_redraw_changes_is_blitted(probed, fan_fig):
    # In blit mode only `animated` artists are redrawn: a title outside the list would freeze at its first text.
    f = xavier_initialization.LayerHistogramFigure(probed, bins=20)
    f.update(3, "standard")
    assert f.axes[0].title in f.animated and "standard: layer 3" in f.axes[0].get_title()
    fan_fig.update(12, 4, 1.0)
    assert fan_fig.ax_w.title in fan_fig.animated and "12 × 4" in fan_fig.ax_w.get_title()
    assert fan_fig.ax_v.title in fan_fig.animated and "widths 12, 4" in fan_fig.ax_v.get_title()


def test_the_histogram_axes_hold_every_layer_of_every_init(probed):
    f = xavier_initialization.LayerHistogramFigure(probed, bins=20)
    for init_label in probed:
        for layer in (1, 2, 3):
            for i, ax in enumerate(f.axes):
                values = f._hist[init_label, layer][i]
                lo, hi = ax.get_ylim()
                assert values.max() <= hi


def test_static_histograms_one_panel_per_init_and_quantity(probed):
    before = plt.get_fignums()
    fig = xavier_initialization.layer_histograms_figure(probed, bins=20)
    assert plt.get_fignums() == before
    assert len(fig.axes) == 4
    for ax in fig.axes:
        assert len(ax.patches) == 3  # one step histogram per hidden layer


def test_histograms_refuse_models_that_were_not_probed():
    fresh = MLP([3, 4, 4, 2], activation="tanh", rng=0)
    with pytest.raises(RuntimeError, match="forward.*backward"):
        xavier_initialization.LayerHistogramFigure({"fresh": fresh})
    with pytest.raises(ValueError, match="at least one"):
        xavier_initialization.LayerHistogramFigure({})
    with pytest.raises(ValueError, match="at least one"):
        xavier_initialization.layer_histograms_figure({})


def test_depth_profile_draws_predictions_and_crosses_non_finite_measurements():
    fig = xavier_initialization.depth_profile_figure({"a": ([1.0, 0.5, 0.25], [1.1, np.inf, 0.2]),
                                       "b": ([1.0, 2.0, 4.0], [0.9, 2.1, 3.9])}, ylabel="q")
    (ax,) = fig.axes
    lines = ax.get_lines()
    crosses = [ln for ln in lines if ln.get_marker() == "x" and to_rgba(ln.get_color()) == to_rgba("red")]
    assert len(crosses) == 1 and list(crosses[0].get_xdata()) == [2]
    for ln in lines:
        assert np.all(np.isfinite(np.asarray(ln.get_ydata(), float)))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
