"""initlab.figures.normalization_residual_optimizer: the explorers draw what the numerics measured, leave
non-finite values out, fix their axes, and describe every setting in numbers; the static figures draw what
they are given."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from initlab.figures import normalization_residual_optimizer as figures
from initlab.norm_residual import PLACEMENTS, seed_average
from initlab.notebook import Dropdown, Slider, explore
from initlab.parameterization import LrSweep

DEPTHS = [2, 4]


@pytest.fixture(scope="module")
def profiles():
    return {(p, n, scaled): seed_average(p, n, seeds=(0, 1), width=8, batch=8,
                                         output_scale=1 / math.sqrt(n) if scaled else 1.0)
            for p in PLACEMENTS for n in DEPTHS for scaled in (False, True)}


@pytest.fixture(scope="module")
def sweep():
    loss = {("sp", 8): np.array([[1.0, 1.2], [0.5, 0.7], [2.0, math.inf]]),
            ("sp", 16): np.array([[0.8, 0.8], [0.6, 0.6], [2.3, 2.3]])}
    loss.update({("mup", n): loss["sp", n] * 0.9 for n in (8, 16)})
    return LrSweep((8, 16), (0.01, 0.1, 1.0), (0, 1), 8, loss)


def test_block_figure_draws_the_seed_means_and_highlights_one(profiles):
    before = plt.get_fignums()
    f = figures.BlockGradientFigure(profiles)
    assert isinstance(f.figure, Figure) and plt.get_fignums() == before
    limits = f.figure.axes[0].get_ylim()
    f.update(4, True, "post")
    for p in PLACEMENTS:
        np.testing.assert_allclose(f.lines[p].get_ydata(), profiles[p, 4, True].mean("weight_grad"))
        np.testing.assert_array_equal(f.lines[p].get_xdata(), [1, 2, 3, 4])
    assert f.lines["post"].get_linewidth() > f.lines["pre"].get_linewidth()
    assert f.figure.axes[0].get_ylim() == limits
    text = f.describe(4, True, "post")
    assert "4 blocks" in text and "1/√N" in text and "post-norm highlighted" in text
    g = profiles["none", 4, True].mean("weight_grad")
    assert f"{g[0]:.1e}" in text and f"{g[-1]:.1e}" in text
    f.figure.canvas.draw()


def test_block_figure_leaves_non_finite_values_out(profiles):
    f = figures.BlockGradientFigure(profiles)
    broken = dict(profiles)
    bad = profiles["none", 2, False]
    broken["none", 2, False] = type(bad)(bad.placement, bad.output_scale, bad.rezero,
                                          np.full_like(bad.weight_grad, np.inf), bad.alpha_grad, bad.stream_ms)
    f.profiles = broken
    f.update(2, False, "none")
    assert np.all(np.isnan(f.lines["none"].get_ydata()))
    f.figure.canvas.draw()


def test_lr_figure_marks_the_best_rate_and_skips_diverged_means(sweep):
    f = figures.LrWidthFigure(sweep)
    f.update("sp", 8)
    y8 = f.lines[8].get_ydata()
    assert y8[0] == pytest.approx(1.1) and np.isnan(y8[2])  # a seed diverged: the mean is not drawn
    assert list(f.dots[8].get_xdata()) == [0.1] and list(f.dots[8].get_ydata()) == [pytest.approx(0.6)]
    assert f.lines[8].get_linewidth() > f.lines[16].get_linewidth()
    text = f.describe("mup", 16)
    assert "maximal-update" in text and "width 16 highlighted" in text and "0.1 at width 8" in text
    f.update("mup", 16)
    assert f.lines[16].get_ydata()[1] == pytest.approx(0.54)
    f.figure.canvas.draw()


def test_explorers_have_at_most_24_settings_and_render(profiles, sweep):
    block = explore(figures.BlockGradientFigure(profiles), depth=Slider(DEPTHS),
                    scaled=Dropdown({"1": False, "1/√N": True}),
                    placement=Dropdown({figures.PLACEMENT_NAMES[p]: p for p in PLACEMENTS}))
    lr = explore(figures.LrWidthFigure(sweep), parameterization=Dropdown({"SP": "sp", "μP": "mup"}),
                 width=Slider([8, 16]))
    for e in (block, lr):
        assert len(e.settings()) <= 24
        assert e.render(e.params())[:8] == b"\x89PNG\r\n\x1a\n"


def test_static_figures():
    fig = figures.stream_figure({"pre-norm": {6: 7.1, 12: 13.2}}, {"pre-norm": {6: 7.0, 12: 13.0}})
    measured, predicted = fig.axes[0].get_lines()[:2]
    np.testing.assert_allclose(measured.get_ydata(), [7.1, 13.2])
    np.testing.assert_allclose(predicted.get_ydata(), [7.0, 13.0])
    fig = figures.update_ratio_figure([1e-9, np.inf, 1e-3], [1e-2] * 3, [1e-2] * 3)
    ys = [np.asarray(l.get_ydata(), float) for l in fig.axes[0].get_lines()]
    assert all(np.all(np.isfinite(y) | np.isnan(y)) for y in ys)
    assert not any(np.isinf(y).any() for y in ys)
    fig.canvas.draw()
