"""initlab.batchnorm_probes: the backward pass against finite differences, the running statistics against their
recursion, and a batch-normalised network's invariance to the scale of its hidden weights."""

import numpy as np
import pytest

from initlab import batchnorm_probes


@pytest.mark.parametrize("train", [True, False])
def test_backward_check_finds_the_backward_pass_right_in_both_modes(train):
    errors = batchnorm_probes.backward_check(train)
    assert len(errors) == 3 and max(errors) < 1e-7


def test_running_statistics_follow_the_recursion_exactly():
    bn, means, variances = batchnorm_probes.running_statistics(8, 5, units=3, momentum=0.1, rng=1)
    assert means.shape == variances.shape == (5, 3)
    weights = 0.1 * 0.9 ** (4 - np.arange(5))
    assert np.allclose(bn.running_mean, weights @ means, rtol=0, atol=1e-13)
    assert np.allclose(bn.running_var, 0.9 ** 5 + weights @ (variances * 8 / 7), rtol=0, atol=1e-13)


def test_running_statistics_estimate_the_variance_without_bias():
    bn, _, _ = batchnorm_probes.running_statistics(4, 300, units=256, rng=0)
    assert abs(bn.running_var.mean() - 4.0) < 0.15  # the biased estimate would give 3


def test_scaled_probe_is_invariant_once_eps_is_rescaled():
    x = np.random.default_rng(0).normal(size=(32, 64))
    y = np.arange(32) % 10
    h, dw, w = batchnorm_probes.scaled_probe(x, y, kappa=10.0)
    h_eps, dw_eps, w_1 = batchnorm_probes.scaled_probe(x, y, kappa=1.0, eps=1e-5 / 100)
    assert np.abs(h - h_eps).max() < 1e-12
    assert np.allclose(10 * dw, dw_eps, rtol=1e-9, atol=1e-14) and np.allclose(w, 10 * w_1)
    assert abs(np.sum(w * dw)) < 1e-6 * np.linalg.norm(w) * np.linalg.norm(dw)


@pytest.mark.parametrize("call, match", [
    (lambda: batchnorm_probes.backward_check(True, batch=1), "batch"),
    (lambda: batchnorm_probes.running_statistics(1, 5), "batch_size"),
    (lambda: batchnorm_probes.running_statistics(4, 0), "steps"),
    (lambda: batchnorm_probes.running_statistics(4, 5, std=0.0), "std"),
    (lambda: batchnorm_probes.scaled_probe(np.zeros((4, 64)), np.zeros(4, int), kappa=0.0), "kappa"),
    (lambda: batchnorm_probes.scaled_probe(np.zeros((4, 64)), np.zeros(4, int), eps=-1.0), "eps")])
def test_bad_arguments_are_named(call, match):
    with pytest.raises((TypeError, ValueError), match=match):
        call()
