"""initlab.figures.beyond_xavier_he: the per-block profiles show measurement and prediction, every explorer setting
renders as a frame, and overflowed values are never drawn."""


import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from initlab import data
from initlab.figures import beyond_xavier_he
from initlab.notebook import Dropdown, Slider, explore

from static_page import static_frames


@pytest.fixture(scope="module")
def digits():
    x, y = data.digits()
    return x[:64], y[:64]


@pytest.fixture(scope="module")
def profile_fig(digits):
    return beyond_xavier_he.ProfileFigure(*digits, ["residual", "fixup", "batch norm"], [2, 8], width=16)


def test_is_a_plain_figure_outside_pyplot(digits):
    before = plt.get_fignums()
    f = beyond_xavier_he.ProfileFigure(*digits, ["scaled"], [2], width=8)
    assert isinstance(f.figure, Figure) and plt.get_fignums() == before


def test_update_draws_measured_and_predicted_lines(profile_fig):
    profile_fig.update("residual", 8)
    measured, predicted = profile_fig.lines["rms"]
    assert list(measured.get_xdata()) == list(range(9))
    rms = profile_fig.data["residual", 8][0]
    np.testing.assert_allclose(predicted.get_ydata(), rms[0] * 2 ** (np.arange(9) / 2))
    profile_fig.update("batch norm", 8)
    assert len(profile_fig.lines["grad"][1].get_xdata()) == 0  # no gradient prediction with batch norm


def test_fixup_is_flat_after_one_step(profile_fig):
    rms, grad, _ = profile_fig.data["fixup", 8]
    assert np.all(rms == rms[0]) and np.allclose(grad, grad[0], rtol=1e-6) and grad[0] > 0
    assert "after one SGD step" in profile_fig.describe("fixup", 8)


def test_describe_gives_the_numbers(profile_fig):
    text = profile_fig.describe("residual", 2)
    assert "2 residual blocks" in text and "residual, He" in text and "RMS h_L / h_0" in text


def test_every_setting_renders_as_a_frame(profile_fig):
    e = explore(profile_fig, scheme=Dropdown(["residual", "fixup", "batch norm"]), blocks=Slider([2, 8]))
    frames = static_frames(e)
    assert len(frames["frames"]) == len(set(frames["frames"])) == 6


def test_overflow_is_not_drawn(digits):
    f = beyond_xavier_he.ProfileFigure(*digits, ["residual"], [2], width=8)
    rms, grad, pred = f.data["residual", 2]
    f.data["residual", 2] = (np.array([1.0, np.inf, np.nan]), grad, pred)
    f.update("residual", 2)
    assert list(f.lines["rms"][0].get_xdata()) == [0]


def test_profile_figure_has_a_curve_per_network():
    profiles = {"a": (np.array([1.0, 2.0, 4.0]), np.array([4.0, 2.0, 1.0])),
                "b": (np.array([1.0, np.inf, 1.0]), np.array([1.0, 1.0, 1.0]))}
    fig = beyond_xavier_he.profile_figure(profiles)
    ax_rms, ax_grad = fig.axes
    labels = [line.get_label() for line in ax_rms.get_lines()]
    assert "a" in labels and "b" in labels and any("inf/NaN" in label for label in labels)
    assert ax_rms.get_yscale() == ax_grad.get_yscale() == "log"
