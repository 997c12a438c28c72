"""initlab.scale_sweep: signal and gradient per layer before training, the loss after, per init scale."""

import math

import numpy as np
import pytest

from initlab import MLP, diagnostics, init, theory
from initlab.scale_sweep import he_scale_profile, scale_sweep

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


def test_he_scale_profile_measures_the_network_it_describes(spirals):
    x, y = spirals
    p = he_scale_profile(x, y, 1.5, False, depth=3, width=16, rng=2)
    model = MLP([2, 16, 16, 16, 2], activation="relu", init=init.scaled_normal(1.5 * math.sqrt(2)), rng=2)
    _, grad_norm = diagnostics.backprop_norms(model, x, y)
    np.testing.assert_array_equal(p.grad_norm, grad_norm)
    np.testing.assert_array_equal(p.rms, [math.sqrt(np.mean(np.square(h, dtype=np.float64)))
                                          for h in model.activations])
    input_second_moment = float(np.mean(np.square(x, dtype=np.float64)))
    q = theory.forward_variances("relu", 1.5 * math.sqrt(2), 4, input_second_moment=input_second_moment)
    np.testing.assert_allclose(p.predicted, np.sqrt([q[0] / 2, q[1] / 2, q[2] / 2, q[3]]), rtol=1e-12)


def test_with_batch_norm_the_hidden_activations_do_not_depend_on_the_scale(spirals):
    small, large = (he_scale_profile(*spirals, a, True, depth=4, width=32) for a in (0.25, 4.0))
    # to ε: at scale 0.25 a unit fed by the two spiral coordinates has a batch variance near 1e-3
    np.testing.assert_allclose(small.rms[:-1], large.rms[:-1], rtol=5e-3)
    np.testing.assert_allclose(small.predicted[:-1], math.sqrt(0.5))
    assert large.predicted[-1] == 4.0  # the logits are not normalised: RMS ≈ scale
    assert large.rms[-1] / small.rms[-1] == pytest.approx(16.0, rel=1e-3)


def test_without_batch_norm_the_activations_scale_like_a_to_the_k(spirals):
    base, doubled = (he_scale_profile(*spirals, a, False, depth=4, width=32) for a in (1.0, 2.0))
    np.testing.assert_allclose(doubled.rms / base.rms, 2.0 ** np.arange(1, 6), rtol=1e-4)
    np.testing.assert_allclose(doubled.predicted / base.predicted, 2.0 ** np.arange(1, 6), rtol=1e-9)


def test_he_scale_profile_names_bad_arguments(spirals):
    with pytest.raises(ValueError, match="scale must be > 0"):
        he_scale_profile(*spirals, 0.0, False)
    with pytest.raises(TypeError, match="depth must be a positive integer"):
        he_scale_profile(*spirals, 1.0, False, depth=2.5)


def test_a_late_overflow_is_reported_without_its_step():
    from types import SimpleNamespace

    from initlab.scale_sweep import SweepPoint

    def point(failed_at):
        history = SimpleNamespace(diverged=True, failed_at=failed_at, loss=np.array([2.3]))
        return SweepPoint(1.0, np.ones(3), np.ones(3), history)

    assert point(SweepPoint.STABLE_STEPS).outcome == f"failed at step {SweepPoint.STABLE_STEPS}"
    assert point(SweepPoint.STABLE_STEPS + 1).outcome == f"failed after step {SweepPoint.STABLE_STEPS}"


def test_layer_factor_is_the_geometric_mean_factor_per_layer():
    from initlab.scale_sweep import layer_factor

    assert layer_factor([1.0, 0.5, 0.25, 0.125]) == pytest.approx(0.5)
    assert layer_factor([2.0, 18.0]) == pytest.approx(9.0)
    assert not np.isfinite(layer_factor([1.0, np.inf]))
    with pytest.raises(ValueError, match="at least two layers"):
        layer_factor([1.0])
    with pytest.raises(ValueError, match="std\\[0\\] must be > 0"):
        layer_factor([0.0, 1.0])


def test_sweep_point_layer_factor_matches_the_relu_prediction_in_expectation(spirals):
    # a bias-free relu network is positively homogeneous: the measured factor scales exactly with σ_w
    x, y = spirals
    build = lambda s: MLP([2] + [64] * 6 + [2], activation="relu", init=init.scaled_normal(s), rng=0)  # noqa: E731
    small, large = scale_sweep(build, [1.0, 2.0], x, y, x, y, lr=1e-6, steps=1)
    assert large.layer_factor / small.layer_factor == pytest.approx(2.0, rel=1e-5)
