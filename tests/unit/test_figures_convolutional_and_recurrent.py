"""initlab.figures.convolutional_and_recurrent (convolutional half): the figures draw the measured and predicted
profiles they are given, never an inf/NaN, and the explorer's alt text names its setting."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from initlab.conv_variance import ConvProfile, mean_profile
from initlab.figures import convolutional_and_recurrent as figures
from initlab.notebook import Dropdown, Slider, explore

from static_page import static_frames


@pytest.fixture(scope="module")
def batch():
    rng = np.random.default_rng(0)
    return rng.random((6, 1, 8, 8)).astype(np.float32), np.arange(6)


@pytest.fixture(scope="module")
def explorer_figure(batch):
    return figures.ConvVarianceFigure(*batch, depth=3, seeds=1)


def test_static_figure_draws_measured_and_predicted_and_skips_overflow():
    good = ConvProfile(np.array([1.0, 0.5]), np.array([1.0, 0.4]), np.array([2.0, 3.0]), np.array([2.5, 3.0]))
    bad = ConvProfile(np.array([1.0, np.inf]), np.array([1.0, 2.0]), np.array([np.nan, 1.0]), np.array([1.0, 1.0]))
    before = plt.get_fignums()
    fig = figures.conv_variance_figure({"He": good, "broken": bad})
    assert isinstance(fig, Figure) and plt.get_fignums() == before
    ax_f, ax_b = fig.axes
    np.testing.assert_array_equal(ax_f.lines[0].get_ydata(), [1.0, 0.5])
    np.testing.assert_array_equal(ax_f.lines[1].get_ydata(), [1.0, 0.4])
    np.testing.assert_array_equal(ax_f.lines[2].get_ydata(), [1.0])  # the inf is left out
    np.testing.assert_array_equal(ax_b.lines[2].get_xdata(), [2])  # the NaN too
    assert ax_f.get_yscale() == "log"


def test_explorer_draws_mean_profile(batch, explorer_figure):
    explorer_figure.update(3, 4, "kaiming_normal")
    expected = mean_profile(*batch, depth=3, channels=4, kernel_size=3, scheme="kaiming_normal", seeds=1)
    np.testing.assert_allclose(explorer_figure.forward_line.get_ydata(), expected.forward)
    np.testing.assert_allclose(explorer_figure.forward_predicted.get_ydata(), expected.forward_predicted)
    np.testing.assert_allclose(explorer_figure.backward_line.get_ydata(), expected.backward)
    np.testing.assert_allclose(explorer_figure.backward_predicted.get_ydata(), expected.backward_predicted)
    assert "He" in explorer_figure.title.get_text()
    text = explorer_figure.describe(3, 4, "kaiming_normal")
    assert "3×3 kernels" in text and "4 channels" in text and "He initialization" in text


def test_explorer_caches(explorer_figure):
    assert explorer_figure.measure(1, 4, "default") is explorer_figure.measure(1, 4, "default")


def test_explorer_static_frames(explorer_figure, monkeypatch):
    monkeypatch.setenv("INITLAB_STATIC", "1")
    explorer = explore(explorer_figure, kernel_size=Slider([1, 3], value=3), channels=Slider([4], value=4),
                       scheme=Dropdown({v: k for k, v in figures.SCHEME_LABELS.items()}, value="kaiming_normal"))
    frames = static_frames(explorer)
    assert len(frames["frames"]) == 2 * 3 and len(set(frames["alts"])) == 6
