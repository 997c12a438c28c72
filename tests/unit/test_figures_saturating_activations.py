"""initlab.figures.saturating_activations: chapter 3's figures draw what initlab.saturation computes."""


import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from initlab import positive_inputs, saturation
from initlab.figures import saturating_activations
from initlab.figures.vanishing_gradients import GradientNormFigure
from initlab.notebook import Dropdown, Slider, explore

from spirals import two_spirals
from static_page import static_frames

NAMES = ["sigmoid", "tanh", "relu", "gelu"]
SCALES = [0.5, 1.0, 4.0]


@pytest.fixture(scope="module")
def sat_fig():
    return saturating_activations.SaturationFigure(NAMES, SCALES)


@pytest.fixture(scope="module")
def spirals():
    return two_spirals(16, rng=0)


def test_activations_figure_draws_each_function_and_its_slope():
    before = plt.get_fignums()
    fig = saturating_activations.activations_figure(NAMES)
    assert plt.get_fignums() == before and isinstance(fig, Figure)
    ax_f, ax_d = fig.axes
    assert len(ax_f.get_lines()) == len(NAMES)
    sig_slope = ax_d.get_lines()[0]
    assert np.max(sig_slope.get_ydata()) == pytest.approx(0.25)


def test_saturation_figure_marks_the_values_the_numerics_give(sat_fig):
    sat_fig.update(4.0)
    slopes = sat_fig.slope_points.get_offsets()
    fractions = sat_fig.sat_points.get_offsets()
    np.testing.assert_allclose(slopes[:, 0], 4.0)
    np.testing.assert_allclose(slopes[:, 1], [saturation.expected_derivative(n, 4.0) for n in NAMES], rtol=1e-12)
    np.testing.assert_allclose(fractions[:, 1], [saturation.saturated_fraction(n, 4.0) for n in NAMES], rtol=1e-12)
    assert list(sat_fig.markers[0].get_xdata()) == [4.0, 4.0]
    assert "tanh saturated" in sat_fig.z_text.get_text()


def test_saturation_figure_describe_gives_every_activations_numbers(sat_fig):
    text = sat_fig.describe(1.0)
    assert "N(0, 1²)" in text
    for name in NAMES:
        assert name in text
    assert "sigmoid 0.207" in text and "tanh 0.606" in text and "relu 50.0%" in text


def test_saturation_figure_refuses_a_scale_it_did_not_compute(sat_fig):
    with pytest.raises(ValueError, match="scale must be one of the figure's scales"):
        sat_fig.update(2.0)
    with pytest.raises(ValueError, match="at least one activation name and one scale"):
        saturating_activations.SaturationFigure([], SCALES)


def test_saturation_explorer_renders_one_frame_per_scale(sat_fig):
    e = explore(sat_fig, scale=Slider(SCALES, value=1.0))
    frames = static_frames(e)
    assert len(frames["frames"]) == len(set(frames["frames"])) == len(SCALES)
    assert "N(0, 4²)" in frames["alts"][-1]


def test_zigzag_figure_draws_each_path_and_the_target():
    rng = np.random.default_rng(0)
    x = rng.uniform(0.1, 0.9, size=(30, 2))
    path = positive_inputs.sgd_path(x, x @ [1.0, -1.0], [-1.0, 1.0], 1.0)
    fig = saturating_activations.zigzag_figure({"positive": (x, path), "again": (x, path)}, [1.0, -1.0])
    assert len(fig.axes) == 2
    drawn = fig.axes[0].get_lines()[0]
    np.testing.assert_array_equal(drawn.get_xdata(), path[:, 0])
    fig.canvas.draw()


def test_activation_gradient_figure_uses_each_activations_own_scale(spirals):
    scales = {"tanh": 1.5, "relu": 2 ** 0.5}
    f = saturating_activations.ActivationGradientFigure(*spirals, scales, width=8, max_depth=10)
    assert isinstance(f, GradientNormFigure)
    f.update(5, "relu")
    base = GradientNormFigure(*spirals, width=8, max_depth=10)
    np.testing.assert_array_equal(f.line.get_ydata(), base.measure(5, "relu", 2 ** 0.5)[0])
    assert "1.41421" in f.describe(5, "relu") and "tanh" in f.describe(5, "tanh")
    with pytest.raises(ValueError, match="activation must be one of 'tanh', 'relu'"):
        f.update(5, "sigmoid")
    with pytest.raises(ValueError, match="scales must map at least one"):
        saturating_activations.ActivationGradientFigure(*spirals, {})


def test_activation_gradient_explorer_has_depth_times_activation_frames(spirals):
    f = saturating_activations.ActivationGradientFigure(*spirals, {"tanh": 1.0, "relu": 1.414}, width=8, max_depth=10)
    e = explore(f, depth=Slider([3, 6]), activation=Dropdown(["tanh", "relu"]))
    assert len(e.settings()) == 4
    assert "Interactive figure, 4 settings" in e.summary()
