"""initlab.figures.signal_propagation: chapter 7's figures draw what initlab.theory computes."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from initlab import theory
from initlab.figures import signal_propagation
from initlab.notebook import Slider, explore

from spirals import two_spirals
from static_page import static_frames

SIGMA_WS, SIGMA_BS = [0.5, 1.5, 3.0], [0.0, 0.5]


@pytest.fixture(scope="module")
def edge_fig():
    x, y = two_spirals(16, rng=0)
    return signal_propagation.EdgeOfChaosFigure(x, y, SIGMA_WS, SIGMA_BS, depth=6, width=32)


def test_length_map_figure_marks_the_fixed_points():
    before = plt.get_fignums()
    fig = signal_propagation.length_map_figure("tanh", [(1.5, 0.3), (0.8, 0.0)])
    assert plt.get_fignums() == before and isinstance(fig, Figure)
    markers = [line for line in fig.axes[0].get_lines() if line.get_marker() == "o"]
    assert markers[0].get_xdata()[0] == pytest.approx(theory.fixed_point("tanh", 1.5, 0.3))
    assert markers[1].get_xdata()[0] == 0.0


def test_correlation_map_figure_marks_c_star_and_names_chi1():
    fig = signal_propagation.correlation_map_figure("tanh", [(3.0, 0.3)], points=5)
    markers = [line for line in fig.axes[0].get_lines() if line.get_marker() == "o"]
    assert markers[0].get_xdata()[0] == pytest.approx(theory.correlation_fixed_point("tanh", 3.0, 0.3))
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert any(f"{theory.chi1('tanh', 3.0, 0.3):.2f}" in label for label in labels)


def test_critical_line_has_chi1_one():
    line = theory.critical_line("tanh", [0.0, 0.4])
    assert line[0] == pytest.approx(1.0, abs=1e-9)
    assert theory.chi1("tanh", line[1], 0.4) == pytest.approx(1.0, abs=1e-9)


def test_trainability_figure_checks_shapes_and_draws_the_grid():
    acc = np.array([[0.9, 0.1], [0.95, 0.8]])
    fig = signal_propagation.trainability_figure(acc, [1.0, 1.3], [4, 8], [3.0, math.inf], 0.2)
    assert len(fig.axes) == 2  # the heat map and its colour bar
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "0.90" in texts and "0.80" in texts
    with pytest.raises(ValueError, match="accuracy must have shape"):
        signal_propagation.trainability_figure(acc.T[:1], [1.0, 1.3], [4, 8], [3.0, 2.0], 0.2)


def test_trainability_figure_with_a_cut_shows_only_the_side_of_it():
    acc = np.array([[0.9, 0.1], [0.95, 0.55]])
    fig = signal_propagation.trainability_figure(acc, [1.0, 1.3], [4, 8], [3.0, math.inf], 0.2, cut=0.6)
    assert len(fig.axes) == 1  # no colour bar: two colours, explained in the cells
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts.count("above\n60 %") == 2 and texts.count("below\n60 %") == 2
    assert not any("0.9" in t or "0.55" in t for t in texts)  # no digits that move with rounding


def test_edge_figure_predictions_and_measurements(edge_fig):
    for (sigma_w, sigma_b), r in edge_fig.results.items():
        assert r["chi1"] == pytest.approx(theory.gradient_factor("tanh", r["q_pred"][-1], sigma_w))
        assert r["g_pred"][-1] == r["g"][-1]  # the prediction starts from the last hidden layer's value
        assert np.all(np.isfinite(r["q"])) and np.all(np.isfinite(r["g"]))
    # Deep in the chaotic phase the gradient grows towards the input, in the ordered phase it shrinks.
    assert edge_fig.results[(3.0, 0.0)]["g"][0] > edge_fig.results[(3.0, 0.0)]["g"][-1]
    assert edge_fig.results[(0.5, 0.5)]["g"][0] < edge_fig.results[(0.5, 0.5)]["g"][-1]
    edge_fig.update(3.0, 0.5)
    assert list(edge_fig.marker.get_xdata()) == [3.0] and list(edge_fig.marker.get_ydata()) == [0.5]
    assert "chaotic phase" in edge_fig.describe(3.0, 0.0) and "ordered phase" in edge_fig.describe(0.5, 0.5)
    with pytest.raises(ValueError, match="must be one of the figure's settings"):
        edge_fig.update(2.0, 0.0)


def test_edge_explorer_renders_one_frame_per_setting(edge_fig):
    e = explore(edge_fig, sigma_w=Slider(SIGMA_WS, value=1.5), sigma_b=Slider(SIGMA_BS))
    frames = static_frames(e)
    n = len(SIGMA_WS) * len(SIGMA_BS)
    assert len(frames["frames"]) == len(set(frames["frames"])) == n
    assert "sigma_w = 3, sigma_b = 0.5" in frames["alts"][-1]
