"""initlab.figures.drawing and initlab.figures.style: overflow is marked, never drawn as data; one call sets the style."""

import math

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from initlab.figures import drawing, style


@pytest.fixture(autouse=True)
def restore_rcparams(monkeypatch):
    """Every test starts without $INITLAB_STYLE and leaves matplotlib's settings as it found them."""
    monkeypatch.delenv("INITLAB_STYLE", raising=False)
    with mpl.rc_context():
        yield


def finite(line):
    return bool(np.all(np.isfinite(np.asarray(line.get_xdata(), float)))
                and np.all(np.isfinite(np.asarray(line.get_ydata(), float))))


# --- new_figure --------------------------------------------------------------------------------

def test_new_figure_is_not_registered_with_pyplot():
    before = plt.get_fignums()
    fig, ax = drawing.new_figure()
    assert isinstance(fig, Figure) and isinstance(ax, Axes)
    assert plt.get_fignums() == before
    fig.canvas.draw()  # it has a canvas of its own


def test_new_figure_returns_a_flat_array_of_axes_for_a_grid():
    before = plt.get_fignums()
    fig, axes = drawing.new_figure(ncols=3, nrows=2)
    assert len(axes) == 6 and all(isinstance(ax, Axes) for ax in axes)
    assert list(axes) == fig.axes
    assert plt.get_fignums() == before


# --- by_layer ------------------------------------------------------------------------------------

def test_by_layer_returns_the_non_finite_layers_and_draws_only_finite_values():
    fig, ax = drawing.new_figure()
    bad = drawing.by_layer(ax, [1e-3, np.inf, 2e-3, np.nan, 4e-3, -np.inf], "relu")
    np.testing.assert_array_equal(bad, [2, 4, 6])
    data, cross = ax.get_lines()
    np.testing.assert_array_equal(data.get_xdata(), [1, 3, 5])
    np.testing.assert_array_equal(data.get_ydata(), [1e-3, 2e-3, 4e-3])
    np.testing.assert_array_equal(cross.get_xdata(), [2, 4, 6])
    assert cross.get_marker() == "x" and to_rgba(cross.get_color()) == to_rgba("red")
    assert cross.get_label() == "relu: inf/NaN at layer 2"
    for line in ax.get_lines():
        assert finite(line)
    assert ax.get_yscale() == "log"
    fig.canvas.draw()


def test_by_layer_numbers_layers_from_first_layer():
    fig, ax = drawing.new_figure()
    bad = drawing.by_layer(ax, np.array([0.5, np.nan, 0.25], dtype=np.float32), first_layer=0)
    np.testing.assert_array_equal(bad, [1])
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [0, 2])


def test_by_layer_with_finite_values_draws_one_line_and_no_cross():
    fig, ax = drawing.new_figure()
    bad = drawing.by_layer(ax, [3.0, 2.0, 1.0], "tanh", color="green")
    assert bad.size == 0
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_ydata(), [3.0, 2.0, 1.0])
    assert line.get_label() == "tanh" and to_rgba(line.get_color()) == to_rgba("green")


def test_by_layer_with_only_overflow_draws_no_data_point():
    fig, ax = drawing.new_figure()
    bad = drawing.by_layer(ax, [np.nan] * 4)
    np.testing.assert_array_equal(bad, [1, 2, 3, 4])
    data, cross = ax.get_lines()
    assert len(data.get_xdata()) == 0
    assert cross.get_label().startswith("_")  # unlabelled curve: the cross stays out of the legend
    fig.canvas.draw()


# --- format_ratio ----------------------------------------------------------------------------------

@pytest.mark.parametrize("x, text", [
    (2.34e-7, "2.3e-07"), (1.0, "1.0e+00"), (np.float32(5e3), "5.0e+03"),
    (math.inf, "inf"), (np.inf, "inf"), (-np.inf, "-inf"), (math.nan, "nan"), (np.float64("nan"), "nan"),
])
def test_format_ratio_uses_short_scientific_form_and_spells_out_inf_and_nan(x, text):
    assert drawing.format_ratio(x) == text


# --- style ------------------------------------------------------------------------------------------

def spoil_rcparams():
    mpl.rcParams.update({"font.size": 3.0, "figure.figsize": (1.0, 1.0), "lines.linewidth": 0.1,
                         "axes.grid": False})


def test_use_applies_the_book_style_by_default():
    spoil_rcparams()
    assert style.use() == "book"
    assert mpl.rcParams["font.size"] == 11
    assert list(mpl.rcParams["figure.figsize"]) == [7.0, 3.6]
    assert mpl.rcParams["lines.linewidth"] == 1.8
    assert mpl.rcParams["axes.grid"] is True
    colours = [c["color"] for c in mpl.rcParams["axes.prop_cycle"]]
    assert [to_rgba(c) for c in colours] == [to_rgba(c) for c in style.COLOURS]


def test_projector_style_has_larger_fonts_lines_and_figures():
    style.use("book")
    book = {k: mpl.rcParams[k] for k in ("font.size", "lines.linewidth", "figure.figsize")}
    assert style.use("projector") == "projector"
    assert mpl.rcParams["font.size"] > book["font.size"]
    assert mpl.rcParams["lines.linewidth"] > book["lines.linewidth"]
    assert mpl.rcParams["figure.figsize"][0] > book["figure.figsize"][0]


def test_figures_made_after_use_follow_the_style():
    style.use("projector")
    fig, ax = drawing.new_figure()
    assert tuple(fig.get_size_inches()) == tuple(style.STYLES["projector"]["figure.figsize"])
    assert ax.title.get_fontsize() == style.STYLES["projector"]["axes.titlesize"]


def test_the_environment_variable_selects_the_style(monkeypatch):
    spoil_rcparams()
    monkeypatch.setenv("INITLAB_STYLE", "projector")
    assert style.use() == "projector"
    assert mpl.rcParams["font.size"] == style.STYLES["projector"]["font.size"]
    # An explicit name wins over the environment.
    assert style.use("book") == "book"
    assert mpl.rcParams["font.size"] == style.STYLES["book"]["font.size"]


@pytest.mark.parametrize("name", ["poster", "Book", 3])
def test_an_unknown_style_is_a_value_error_listing_the_allowed_names(name):
    with pytest.raises(ValueError) as caught:
        style.use(name)
    message = str(caught.value)
    assert "'book'" in message and "'projector'" in message and repr(name) in message


def test_an_unknown_style_in_the_environment_is_refused_too(monkeypatch):
    monkeypatch.setenv("INITLAB_STYLE", "huge")
    before = mpl.rcParams["font.size"]
    with pytest.raises(ValueError, match="'huge'"):
        style.use()
    assert mpl.rcParams["font.size"] == before


def test_displayed_size_follows_the_column_scale():
    # 10 pt at 100 dpi is 13.9 px while the image fits the 820 px column; a wider image is scaled down.
    assert style.displayed_px(10, 7.0) == pytest.approx(13.89, abs=0.01)
    assert style.displayed_px(10, 8.2) == pytest.approx(13.89, abs=0.01)
    assert style.displayed_px(10, 16.4) == pytest.approx(13.89 / 2, abs=0.01)
    with pytest.raises(ValueError, match="width_in"):
        style.displayed_px(10, 0)


@pytest.mark.parametrize("width", [7.0, 9.0, 10.0, 12.7])  # the default width, up to the widest the book used
def test_book_style_tick_and_legend_text_is_at_least_9_px_at_1366(width):
    style.use("book")
    fig, ax = drawing.new_figure(figsize=(width, 3.4))
    ax.plot([1, 10, 100], [0.1, 1, 10], label="measured")
    ax.plot([1, 10, 100], [0.2, 2, 20], label="predicted")
    ax.set_xscale("log")
    ax.set_xlabel("layer")
    ax.legend()
    px, text = style.smallest_text_px(fig)
    assert px >= style.MIN_TEXT_PX, f"{text!r} shows at {px:.1f} px in a {width} in wide figure"
    sizes = dict((t, p) for p, t in style.text_sizes(fig))
    assert sizes["measured"] >= mpl.rcParams["font.size"], "legend text smaller than the base size"


def test_smaller_local_fonts_are_measured_too():
    style.use("book")
    fig, ax = drawing.new_figure(figsize=(12.7, 3.4))
    ax.plot([0, 1], [0, 1], label="line")
    ax.legend(fontsize="x-small")
    px, text = style.smallest_text_px(fig)
    assert text == "line" and px < style.MIN_TEXT_PX
