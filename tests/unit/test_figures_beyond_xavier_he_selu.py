"""initlab.figures.beyond_xavier_he (SELU): trajectories and the distribution explorer, measured once, drawn after."""


import numpy as np
import pytest
from matplotlib.figure import Figure

from initlab import self_normalization
from initlab.figures import beyond_xavier_he
from initlab.notebook import Dropdown, Slider, explore

from static_page import static_frames


def test_trajectories_figure():
    starts = [(0.0, 0.5), (1.0, 2.0)]
    predicted = {s: self_normalization.iterate(*s, 3) for s in starts}
    fig = beyond_xavier_he.trajectories_figure(predicted, predicted, {"selu": predicted})
    assert isinstance(fig, Figure) and len(fig.axes) == 2


STARTS = [(0.0, 0.5), (1.0, 2.0)]


@pytest.fixture(scope="module")
def distributions():
    return beyond_xavier_he.DistributionFigure(STARTS, layers=[0, 1, 3], depth=3, width=32, batch=32)


def test_distribution_figure_measures_once_and_matches_simulate(distributions, monkeypatch):
    mm, mv = self_normalization.simulate(1.0, 2.0, 3, width=32, batch=32, rng=1)
    np.testing.assert_allclose(distributions.measured[1.0, 2.0][0], mm)
    np.testing.assert_allclose(distributions.measured[1.0, 2.0][1], mv)
    monkeypatch.setattr(self_normalization, "propagate", lambda *a, **k: pytest.fail("update must not simulate"))
    distributions.update((1.0, 2.0), 3)
    assert len(distributions.hist.get_xdata()) == 81
    text = distributions.describe((1.0, 2.0), 3)
    assert f"variance {mv[3]:.3f}" in text and "layer 3" in text


def test_distribution_explorer_renders_one_distinct_frame_per_setting(distributions):
    e = explore(distributions, start=Dropdown({str(s): s for s in STARTS}), layer=Slider([0, 1, 3]))
    frames = static_frames(e)
    assert len(frames["frames"]) == len(set(frames["frames"])) == 6
    assert len(set(frames["alts"])) == 6


def test_distribution_figure_bad_layers():
    with pytest.raises(ValueError, match="layers"):
        beyond_xavier_he.DistributionFigure(STARTS, layers=[5], depth=3, width=8, batch=8)
