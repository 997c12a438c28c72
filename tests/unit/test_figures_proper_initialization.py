"""initlab.figures.proper_initialization: chapter 5's figures draw the measurements and mark underflow and overflow."""

import functools

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from initlab import MLP, init, propagation, seed_runs, train
from initlab.scale_sweep import scale_sweep
from initlab.figures import proper_initialization
from initlab.notebook import Dropdown, Slider, explore

from spirals import two_spirals
from static_page import static_frames

RED = to_rgba("red")
SCHEMES = {"He": "kaiming_normal", "tiny": functools.partial(init.normal, std=1e-4)}


def all_finite(line):
    return bool(np.all(np.isfinite(np.asarray(line.get_xdata(), float)))
                and np.all(np.isfinite(np.asarray(line.get_ydata(), float))))


@pytest.fixture(scope="module")
def spirals():
    return two_spirals(16, rng=0)


@pytest.fixture(scope="module")
def probe():
    return np.random.default_rng(0).normal(size=(32, 16)).astype(np.float32)


@pytest.fixture(scope="module")
def profile_fig(probe):
    return proper_initialization.StdProfileFigure(probe, SCHEMES, ["relu", "tanh"], depths=[5, 30], width=16)


@pytest.fixture(scope="module")
def sweep(spirals):
    x, y = spirals
    build = lambda s: MLP([2] + [8] * 30 + [2], activation="relu", init=init.scaled_normal(s), rng=0)  # noqa: E731
    return scale_sweep(build, [1.0, 1.5, 100.0], x, y, x, y, lr=0.01, steps=4)


# --- StdProfileFigure -----------------------------------------------------------------------------

def test_profile_figure_is_a_plain_figure_outside_pyplot(probe):
    before = plt.get_fignums()
    f = proper_initialization.StdProfileFigure(probe, {"He": "kaiming_normal"}, ["relu"], depths=[3], width=8)
    assert isinstance(f.figure, Figure)
    assert plt.get_fignums() == before


def test_profile_is_computed_once_and_a_depth_is_a_prefix(profile_fig, probe):
    assert set(profile_fig.profiles) == {(s, a) for s in SCHEMES for a in ["relu", "tanh"]}
    measured, predicted = profile_fig.profile("He", "relu", 5)
    direct = propagation.std_profile("relu", "kaiming_normal", probe, depth=5, width=16)
    np.testing.assert_array_equal(measured, direct[0])
    np.testing.assert_allclose(predicted, direct[1])


def test_update_draws_measured_and_predicted_per_layer(profile_fig):
    profile_fig.update("He", "tanh", 5)
    measured, predicted = profile_fig.profile("He", "tanh", 5)
    np.testing.assert_array_equal(profile_fig.measured.get_xdata(), np.arange(1, 6))
    np.testing.assert_allclose(profile_fig.measured.get_ydata(), measured)
    np.testing.assert_allclose(profile_fig.predicted.get_ydata(), predicted)
    assert len(profile_fig.underflow.get_xdata()) == 0 and len(profile_fig.overflow.get_xdata()) == 0
    assert "He" in profile_fig.describe("He", "tanh", 5) and "tanh" in profile_fig.describe("He", "tanh", 5)


def test_the_title_gives_the_real_width(profile_fig):
    profile_fig.update("He", "relu", 5)
    assert profile_fig.ax.get_title() == "He, relu, 5 hidden layers of width 16"


def test_underflow_to_zero_is_marked_not_plotted(profile_fig):
    measured, _ = profile_fig.profile("tiny", "relu", 30)
    zero = np.flatnonzero(measured == 0) + 1
    assert zero.size  # N(0, 1e-8) weights in 30 relu layers sink below float32's range
    profile_fig.update("tiny", "relu", 30)
    np.testing.assert_array_equal(profile_fig.underflow.get_xdata(), zero)
    assert np.all(np.asarray(profile_fig.measured.get_ydata()) > 0)
    for line in profile_fig.ax.get_lines():
        assert all_finite(line)
    assert "below float32 range" in profile_fig.describe("tiny", "relu", 30)
    profile_fig.figure.canvas.draw()


def test_overflow_is_marked_not_plotted(probe):
    f = proper_initialization.StdProfileFigure(probe, {"huge": init.scaled_normal(1e3)}, ["relu"], depths=[30], width=16)
    measured, _ = f.profile("huge", "relu", 30)
    assert not np.all(np.isfinite(measured))
    f.update("huge", "relu", 30)
    np.testing.assert_array_equal(f.overflow.get_xdata(), np.flatnonzero(~np.isfinite(measured)) + 1)
    assert to_rgba(f.overflow.get_color()) == RED
    for line in f.ax.get_lines():
        assert all_finite(line)
    assert "overflow" in f.describe("huge", "relu", 30)


def test_profile_explorer_renders_every_setting(probe):
    f = proper_initialization.StdProfileFigure(probe, SCHEMES, ["relu"], depths=[5, 30], width=8)
    e = explore(f, scheme=Dropdown(list(SCHEMES)), activation=Dropdown(["relu"]), depth=Slider([5, 30]))
    frames = static_frames(e)
    assert len(frames["frames"]) == len(set(frames["frames"])) == 4


# --- StdGradientSweepFigure -----------------------------------------------------------------------

def test_sweep_figure_draws_each_scales_measurements(sweep):
    f = proper_initialization.StdGradientSweepFigure(sweep)
    assert isinstance(f.figure, Figure) and len(f.figure.axes) == 2
    p = sweep[0]
    f.update(1.0)
    np.testing.assert_allclose(f.lines[0].get_ydata(), p.std)
    np.testing.assert_allclose(f.lines[1].get_ydata(), p.grad_norm)
    assert "loss" in f.title.get_text()
    text = f.describe(1.0)
    assert "Init scale 1" in text and f"{p.history.loss[-1]:.3f}" in text


def test_sweep_figure_marks_overflow_and_a_failed_run(sweep):
    f = proper_initialization.StdGradientSweepFigure(sweep)
    bad = sweep[-1]
    assert bad.history.diverged and not np.all(np.isfinite(bad.std))
    f.update(100.0)
    for line, cross, values in zip(f.lines, f.crosses, (bad.std, bad.grad_norm)):
        assert all_finite(line)
        np.testing.assert_array_equal(cross.get_xdata(), np.flatnonzero(~np.isfinite(values)) + 1)
    assert "stopped" in f.title.get_text()
    assert "inf/NaN" in f.describe(100.0)
    f.figure.canvas.draw()


def test_sweep_explorer_lays_out_without_warnings(sweep):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        explore(proper_initialization.StdGradientSweepFigure(sweep), scale=Slider([p.scale for p in sweep], value=1.5))


def test_sweep_figure_needs_points():
    with pytest.raises(ValueError, match="at least one SweepPoint"):
        proper_initialization.StdGradientSweepFigure([])


# --- static figures --------------------------------------------------------------------------------

def test_symmetry_figure_shows_each_weight_matrix():
    weights = {"constant": np.full((4, 3), 0.5), "random": np.random.default_rng(0).normal(size=(4, 3))}
    fig = proper_initialization.symmetry_figure(weights)
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 2
    np.testing.assert_array_equal(images[0].get_array(), weights["constant"])


def test_he_replication_figure_has_signal_and_loss_panels(spirals):
    x, y = spirals
    histories = {"He": train(MLP([2, 8, 8, 2], rng=0), x, y, lr=0.1, steps=5)}
    rms = {"He": (np.ones(3), np.array([1.1, np.inf, 0.9]))}
    fig = proper_initialization.he_replication_figure(rms, histories)
    ax_rms, ax_loss = fig.axes
    for line in ax_rms.get_lines():
        assert all_finite(line)
    assert any(to_rgba(line.get_color()) == RED for line in ax_rms.get_lines())
    np.testing.assert_array_equal(ax_loss.get_lines()[0].get_ydata(), histories["He"].loss)


def test_scheme_comparison_figure_averages_seeds_and_skips_failed_runs(spirals):
    x, y = spirals
    runs = seed_runs.train_seeds(lambda s: MLP([2, 8, 2], activation="tanh", rng=s), x, y, x, y, seeds=[0, 1],
                               target=0.5, lr=0.1, steps=12)
    failed = seed_runs.train_seeds(lambda s: MLP([2] + [8] * 30 + [2], init=init.scaled_normal(100.0), rng=s),
                                 x, y, x, y, seeds=[0], target=0.5, steps=3)
    fig = proper_initialization.scheme_comparison_figure({"tanh": runs, "failed": failed}, window=4)
    (ax,) = fig.axes
    (line,) = ax.get_lines()
    kernel = np.ones(4) / 4
    expected = np.mean([np.convolve(h.loss, kernel, mode="valid") for h in runs.histories], axis=0)
    np.testing.assert_allclose(line.get_ydata(), expected)
    np.testing.assert_array_equal(line.get_xdata(), np.arange(len(expected)) + 3)


def test_sweep_figure_gives_no_step_for_a_late_overflow(sweep):
    # A late overflow's step depends on float32 rounding (another CPU's kernels): "after step 10" only.
    class LateOverflow:
        diverged, failed_at, steps = True, 15, 15
        failure = "layer 3 pre-activations became inf in the forward pass"
        loss = np.full(15, 2.3)

    p = sweep[0]
    late = type(p)(p.scale, p.std, p.grad_norm, LateOverflow())
    f = proper_initialization.StdGradientSweepFigure([late])
    f.update(late.scale)
    assert f.title.get_text().endswith("training stopped after step 10: overflow")
    text = f.describe(late.scale)
    assert "after step 10 (inf/NaN)" in text and "15" not in text
