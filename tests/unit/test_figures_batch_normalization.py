"""initlab.figures.batch_normalization: chapter 6's figures show measurements next to their predictions, and mark
runs that overflowed instead of plotting them."""

import math
import re

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from initlab import MLP
from initlab.batchnorm import batch_noise
from initlab.figures import batch_normalization
from initlab.scale_sweep import he_scale_profile
from initlab.notebook import Dropdown, Slider, explore
from initlab.stable_learning_rate import lr_sweep

from spirals import two_spirals
from static_page import static_frames


@pytest.fixture(scope="module")
def spirals():
    return two_spirals(32, rng=0)


@pytest.fixture(scope="module")
def scale_fig(spirals):
    return batch_normalization.BatchNormScaleFigure(*spirals, depth=4, width=32)


@pytest.fixture(scope="module")
def runs(spirals):
    x, y = spirals

    def sweep(batch_norm):
        return lr_sweep(lambda: MLP([2, 16, 16, 2], rng=0, batch_norm=batch_norm), x, y, [0.1, 1e6],
                        steps=20, batch_size=16, rng=0)

    return {False: sweep(False), True: sweep(True)}


def all_finite(line):
    return bool(np.all(np.isfinite(np.asarray(line.get_xdata(), float)))
                and np.all(np.isfinite(np.asarray(line.get_ydata(), float))))


# --- BatchNormScaleFigure ----------------------------------------------------------------------------

def test_scale_figure_is_a_plain_figure_outside_pyplot(spirals):
    before = plt.get_fignums()
    f = batch_normalization.BatchNormScaleFigure(*spirals, depth=2, width=8)
    assert isinstance(f.figure, Figure) and plt.get_fignums() == before


def test_scale_figure_draws_he_scale_profile(spirals, scale_fig):
    m = scale_fig.measure(0.5, True)
    expected = he_scale_profile(*spirals, 0.5, True, depth=4, width=32)
    for name in ("rms", "predicted", "grad_norm"):
        np.testing.assert_array_equal(getattr(m, name), getattr(expected, name))


def test_scale_update_draws_the_measurement_and_describe_names_the_setting(scale_fig):
    m = scale_fig.measure(0.5, True)
    scale_fig.update(0.5, True)
    np.testing.assert_allclose(scale_fig.rms_line.get_ydata(), m.rms)
    np.testing.assert_allclose(scale_fig.predicted_line.get_ydata(), m.predicted)
    np.testing.assert_allclose(scale_fig.grad_line.get_ydata(), m.grad_norm)
    text = scale_fig.describe(0.5, True)
    assert "0.5 times He init" in text and "batch norm on" in text


def test_scale_measure_is_cached(scale_fig):
    assert scale_fig.measure(2.0, True) is scale_fig.measure(2.0, True)


# --- LearningRateFigure ------------------------------------------------------------------------------

def test_an_overflowing_run_is_crossed_not_plotted(runs):
    bad = runs[False][1e6]
    assert bad.diverged
    f = batch_normalization.LearningRateFigure(runs, below=math.log(2))
    f.update(1e6, False)
    assert len(f.line.get_xdata()) == bad.steps
    assert list(f.cross.get_xdata()) == [bad.steps] and f.cross.get_marker() == "x"
    assert to_rgba(f.cross.get_color()) == to_rgba("red")
    for line in f.ax.get_lines():
        assert all_finite(line), line
    assert "stopped at step" in f.describe(1e6, False)
    f.figure.canvas.draw()


def test_a_finished_run_has_no_cross_and_says_whether_it_is_stable(runs):
    f = batch_normalization.LearningRateFigure(runs, below=math.log(2))
    f.update(0.1, True)
    assert len(f.cross.get_xdata()) == 0
    np.testing.assert_array_equal(f.line.get_ydata(), runs[True][0.1].loss)
    assert re.search(r": (not )?stable", f.describe(0.1, True))
    assert "batch norm on" in f.describe(0.1, True)


def test_learning_rate_figure_needs_both_settings(runs):
    with pytest.raises(ValueError, match="runs must map batch_norm False and True"):
        batch_normalization.LearningRateFigure({False: runs[False]}, below=1.0)


# --- BatchNoiseFigure ----------------------------------------------------------------------------------

def test_noise_figure_draws_batch_noise():
    values = np.random.default_rng(0).standard_normal(500)
    f = batch_normalization.BatchNoiseFigure(values, [2, 16], n_batches=2000, rng=0)
    for m in (2, 16):
        expected = batch_noise(values, m, n_batches=2000, rng=0)
        np.testing.assert_array_equal(f.noise[m].means, expected.means)
        assert f.noise[m].predicted_sd == expected.predicted_sd
    f.update(16)
    assert f"measured {f.noise[16].measured_sd:.3g}" in f.text.get_text()
    np.testing.assert_allclose(f.std_line.get_xdata(), math.sqrt(f.noise[16].predicted_var))
    stairs = f.mean_hist.get_data()
    heights, edges = stairs.values, stairs.edges
    assert np.sum(heights * np.diff(edges)) == pytest.approx(1.0, abs=0.01)  # a density over ±4 sd
    assert "batches of size 16" in f.describe(16)


def test_every_figure_renders_every_setting_as_a_frame(spirals, scale_fig, runs):
    explorers = [
        explore(scale_fig, scale=Slider([0.5, 2.0]), batch_norm=Dropdown({"off": False, "on": True})),
        explore(batch_normalization.LearningRateFigure(runs, below=1.0), lr=Slider([0.1, 1e6]),
                batch_norm=Dropdown({"off": False, "on": True})),
        explore(batch_normalization.BatchNoiseFigure(spirals[0][:, 0], [2, 8], n_batches=50), batch_size=Slider([2, 8])),
    ]
    for e in explorers:
        frames = static_frames(e)
        assert len(frames["frames"]) == len(set(frames["frames"])) == len(e.settings())


def test_gradient_growth_figure_draws_measured_and_predicted_curves():
    curves = {"relu": np.array([8.0, 4.0, 2.0, 1.0, 0.5])}
    fig = batch_normalization.gradient_growth_figure(curves, {"relu": 4.0})
    measured, predicted = [line for line in fig.axes[0].get_lines() if len(line.get_xdata())]
    np.testing.assert_allclose(measured.get_ydata(), [8.0, 4.0, 2.0, 1.0])  # the output's entry is dropped
    np.testing.assert_allclose(predicted.get_ydata(), [8.0, 4.0, 2.0, 1.0])  # λ^((K-k)/2) with λ = 4


def test_a_finished_run_is_described_by_its_verdict_not_its_loss(runs):
    # A finished run's final loss moves with float32 rounding; the verdict against the threshold does not.
    h = runs[True][0.1]
    final = h.loss[-10:].mean()
    above = batch_normalization.LearningRateFigure(runs, below=final + 0.5).describe(0.1, True)
    below = batch_normalization.LearningRateFigure(runs, below=final / 2).describe(0.1, True)
    assert above.endswith(f"below {final + 0.5:.2f}: stable.")
    assert below.endswith(f"not below {final / 2:.2f}: not stable.")
    assert f"{final:.3g}" not in above + below
