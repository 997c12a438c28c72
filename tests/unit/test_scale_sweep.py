"""initlab.scale_sweep: signal and gradient per layer before training, the loss after, per init scale."""

import numpy as np
import pytest

from initlab import MLP, init
from initlab.scale_sweep import scale_sweep

from spirals import two_spirals



@pytest.fixture(scope="module")
def spirals():
    return two_spirals(32, rng=0)


def test_scale_sweep_measures_before_training_and_reports_failures(spirals):
    x, y = spirals
    build = lambda s: MLP([2] + [8] * 30 + [2], activation="relu", init=init.scaled_normal(s), rng=0)  # noqa: E731
    points = scale_sweep(build, [1.0, 100.0], x, y, x, y, lr=0.01, steps=5)
    ok, bad = points
    assert ok.scale == 1.0 and bad.scale == 100.0
    assert ok.std.shape == ok.grad_norm.shape == (31,)
    assert np.all(np.isfinite(ok.std)) and not ok.history.diverged
    assert ok.outcome == f"{ok.history.loss[-1]:.3f}"
    assert not np.all(np.isfinite(bad.std)) and bad.history.diverged
    assert bad.outcome == f"failed at step {bad.history.failed_at}"
    fresh = build(1.0)
    fresh.forward(x)
    np.testing.assert_allclose(ok.std, [np.std(h, dtype=np.float64) for h in fresh.activations], rtol=1e-6)


@pytest.mark.parametrize("scales, error, match", [([], ValueError, "at least one scale"),
                                                  ([1.0, 0.0], ValueError, "scale must be > 0"),
                                                  (["1"], TypeError, "scale must be a real number")])
def test_scale_sweep_checks_the_scales(spirals, scales, error, match):
    x, y = spirals
    with pytest.raises(error, match=match):
        scale_sweep(lambda s: MLP([2, 4, 2], rng=0), scales, x, y, x, y, steps=1)
