"""initlab.figures.signal_propagation (spectra) and initlab.jacobian.measure_spectra: the spectra are measured once, drawn without recomputing, and described in numbers."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from initlab import jacobian
from initlab.figures import signal_propagation
from initlab.notebook import Dropdown, Slider, explore

from static_page import static_frames

DEPTHS, SIGMA_W = (2, 6), {"linear": 1.0, "relu": math.sqrt(2)}


@pytest.fixture(scope="module")
def spectra():
    return jacobian.measure_spectra(np.linspace(-1, 1, 8), DEPTHS, SIGMA_W, width=8)


def test_one_spectrum_per_setting_and_orthogonal_linear_is_flat(spectra):
    assert set(spectra) == {(d, i, a) for d in DEPTHS for i in jacobian.INITS for a in SIGMA_W}
    assert all(v.shape == (8,) for v in spectra.values())
    for depth in DEPTHS:
        np.testing.assert_allclose(spectra[depth, "orthogonal", "linear"], 1.0, rtol=1e-5)


def test_relu_has_exact_zeros(spectra):
    values = spectra[6, "orthogonal", "relu"]
    assert np.count_nonzero(values < jacobian.FLOOR * values[0]) > 0


def test_update_draws_the_values_and_describe_gives_the_numbers(spectra, monkeypatch):
    fig = signal_propagation.SpectrumFigure(spectra, SIGMA_W)
    assert isinstance(fig.figure, Figure)
    monkeypatch.setattr(jacobian, "singular_values", lambda *a, **k: pytest.fail("update must not measure"))
    fig.update(6, "gaussian", "relu")
    values = spectra[6, "gaussian", "relu"]
    shown = values[values >= fig.ax.get_ylim()[0]]
    np.testing.assert_array_equal(fig.line.get_ydata(), shown)
    assert len(fig.below.get_xdata()) == values.size - shown.size
    m2, _ = jacobian.spectrum_moments(values)
    text = fig.describe(6, "gaussian", "relu")
    assert "6-layer relu" in text and f"mean s² {m2:.3g}" in text and "\n" not in text


def test_the_explorer_renders_one_distinct_frame_per_setting(spectra):
    e = explore(signal_propagation.SpectrumFigure(spectra, SIGMA_W), depth=Slider(list(DEPTHS)),
                init=Dropdown(list(jacobian.INITS)), activation=Dropdown(list(SIGMA_W)))
    frames = static_frames(e)
    assert len(frames["frames"]) == len(set(frames["frames"])) == 8
    assert len(set(frames["alts"])) == 8


def test_grid_figure_one_panel_per_init_and_activation(spectra):
    before = plt.get_fignums()
    fig = signal_propagation.spectra_grid_figure(spectra, SIGMA_W)
    assert plt.get_fignums() == before
    assert len(fig.axes) == len(jacobian.INITS) * len(SIGMA_W)
    assert all(len(ax.lines) == 1 + 2 * len(DEPTHS) for ax in fig.axes)  # the line at 1, then line + markers


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="depths must be a non-empty sequence"):
        jacobian.measure_spectra(np.zeros(4), [], SIGMA_W, width=4)
    with pytest.raises(ValueError, match="depths must be a positive integer"):
        jacobian.measure_spectra(np.zeros(4), [0], SIGMA_W, width=4)
    with pytest.raises(ValueError, match=r"activations\['relu'\] must be > 0"):
        jacobian.measure_spectra(np.zeros(4), [2], {"relu": -1.0}, width=4)
    with pytest.raises(TypeError, match="activations must be a non-empty dict"):
        jacobian.measure_spectra(np.zeros(4), [2], ["relu"], width=4)
    with pytest.raises(ValueError, match="spectra must hold at least one setting"):
        signal_propagation.SpectrumFigure({}, SIGMA_W)
