"""initlab.recurrence: the chain h_t = f(W h_{t-1}), its backward pass, and the spectral-radius dial."""

import numpy as np
import pytest

from initlab import init, recurrence

N = 6
RNG = np.random.default_rng(0)
W = RNG.normal(0, 1 / np.sqrt(N), (N, N))
H0 = RNG.normal(0, 1, N)


def loss(w, h0, steps, activation, u):
    hs, _ = recurrence.unroll(w, h0, steps, activation)
    return float(u @ hs[-1])


@pytest.mark.parametrize("activation", ["linear", "tanh", "sigmoid"])
def test_backprop_matches_finite_differences(activation):
    steps, u = 5, RNG.normal(size=N)
    hs, zs = recurrence.unroll(W, H0, steps, activation)
    grads = recurrence.backprop(W, zs, u, activation)
    assert grads.shape == (steps + 1, N)
    eps = 1e-6
    numeric = np.array([(loss(W, H0 + eps * e, steps, activation, u) - loss(W, H0 - eps * e, steps, activation, u))
                        / (2 * eps) for e in np.eye(N)])
    np.testing.assert_allclose(grads[0], numeric, rtol=1e-6, atol=1e-9)


def test_linear_chain_is_a_matrix_power():
    hs, zs = recurrence.unroll(W, H0, 7)
    np.testing.assert_allclose(hs[-1], np.linalg.matrix_power(W, 7) @ H0, rtol=1e-12)
    u = np.ones(N)
    np.testing.assert_allclose(recurrence.backprop(W, zs, u)[0], np.linalg.matrix_power(W.T, 7) @ u, rtol=1e-12)


def test_orthogonal_times_s_scales_both_norms_by_s_to_the_t():
    s, steps = 1.3, 20
    q = init.orthogonal(N, N, gain=s, rng=0).astype(np.float64)
    forward, backward = recurrence.chain_norms(q, H0, steps)
    t = np.arange(steps + 1)
    np.testing.assert_allclose(forward, np.linalg.norm(H0) * s**t, rtol=1e-5)  # float32 orthogonality
    np.testing.assert_allclose(backward, s ** (steps - t), rtol=1e-5)


def test_chain_norms_cover_every_chain_in_a_batch():
    h0 = np.stack([H0, 2 * H0])
    forward, backward = recurrence.chain_norms(W, h0, 4)
    single, single_back = recurrence.chain_norms(W, H0, 4)
    np.testing.assert_allclose(forward, np.sqrt(5) * single)
    np.testing.assert_allclose(backward, np.sqrt(2) * single_back)  # the same unit gradient per chain


def test_tanh_chain_obeys_the_pascanu_bound():
    for sigma in (0.5, 0.9, 1.5, 3.0):
        w = W / np.linalg.norm(W, 2) * sigma
        _, backward = recurrence.chain_norms(w, H0, 30, "tanh")
        assert backward[0] <= sigma**30 * backward[-1] * (1 + 1e-12)


def test_spectral_radius_dial():
    for radius in (0.5, 1.0, 2.0):
        w = recurrence.with_spectral_radius(W, radius)
        assert recurrence.spectral_radius(w) == pytest.approx(radius, rel=1e-12)
    assert recurrence.spectral_radius(np.diag([0.5, -3.0])) == 3.0


def test_an_exploding_chain_reports_nonfinite_norms_not_an_error():
    forward, backward = recurrence.chain_norms(10 * np.eye(N), H0, 400)
    assert not np.isfinite(forward[-1]) and not np.isfinite(backward[0]) and np.isfinite(forward[0])  # inf or NaN


@pytest.mark.parametrize("call, message", [
    (lambda: recurrence.unroll(np.ones((2, 3)), np.ones(2), 3), r"w must be a finite square matrix, got shape \(2, 3\)"),
    (lambda: recurrence.unroll(np.eye(3) * np.nan, np.ones(3), 3), "w must be a finite square matrix"),
    (lambda: recurrence.unroll(np.eye(3), np.ones(2), 3), r"h0 must have shape \(3,\) or \(chains, 3\)"),
    (lambda: recurrence.unroll(np.eye(3), np.ones(3), 0), "steps must be a positive integer"),
    (lambda: recurrence.unroll(np.eye(3), np.ones(3), 2, "swish"), "activation must be one of"),
    (lambda: recurrence.backprop(np.eye(3), np.ones((2, 3)), np.ones(2)), r"grad must have the shape of one state"),
    (lambda: recurrence.with_spectral_radius(np.eye(3), 0), "radius must be > 0"),
    (lambda: recurrence.with_spectral_radius(np.eye(3), float("inf")), "radius must be finite"),
    (lambda: recurrence.with_spectral_radius(np.triu(np.ones((3, 3)), 1), 1.0), "spectral radius 0"),
])
def test_bad_arguments(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()
