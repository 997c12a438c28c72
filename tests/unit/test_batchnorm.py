"""initlab.BatchNorm: PyTorch BatchNorm1d's forward, statistics and backward."""

import numpy as np
import pytest

from initlab import BatchNorm


def batch(rows=32, features=5, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return (3.0 + 2.0 * rng.standard_normal((rows, features))).astype(dtype)


def test_train_mode_output_has_zero_mean_unit_variance_per_feature():
    bn = BatchNorm(5, dtype=np.float64)
    y = bn.forward(batch())
    np.testing.assert_allclose(y.mean(axis=0), 0.0, atol=1e-12)
    # var of x_hat is var / (var + eps), just below 1
    x = batch()
    np.testing.assert_allclose(y.var(axis=0), x.var(axis=0) / (x.var(axis=0) + 1e-5), rtol=1e-12)


def test_gamma_and_beta_scale_and_shift():
    bn = BatchNorm(5, dtype=np.float64)
    plain = bn.forward(batch())
    bn.gamma[:] = 2.0
    bn.beta[:] = -1.0
    np.testing.assert_allclose(bn.forward(batch()), 2.0 * plain - 1.0, rtol=1e-12)


def test_running_statistics_follow_pytorchs_update_with_the_unbiased_variance():
    bn = BatchNorm(5, momentum=0.1, dtype=np.float64)
    mean, var = np.zeros(5), np.ones(5)
    for seed in range(4):
        x = batch(rows=16, seed=seed)
        bn.forward(x)
        mean = 0.9 * mean + 0.1 * x.mean(axis=0)
        var = 0.9 * var + 0.1 * x.var(axis=0, ddof=1)
    np.testing.assert_allclose(bn.running_mean, mean, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, var, rtol=1e-12)


def test_eval_mode_uses_the_running_statistics_and_leaves_them_alone():
    bn = BatchNorm(5, dtype=np.float64)
    bn.forward(batch(seed=1))
    mean, var = bn.running_mean.copy(), bn.running_var.copy()
    x = batch(rows=3, seed=2)
    y = bn.forward(x, train=False)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-5), rtol=1e-12)
    np.testing.assert_array_equal(bn.running_mean, mean)
    np.testing.assert_array_equal(bn.running_var, var)
    assert bn.forward(x[:1], train=False).shape == (1, 5)  # one example is fine in eval mode


@pytest.mark.parametrize("train", [True, False])
def test_backward_matches_central_finite_differences(train):
    rng = np.random.default_rng(3)
    bn = BatchNorm(4, dtype=np.float64)
    bn.gamma[:] = rng.uniform(0.5, 2.0, 4)
    bn.beta[:] = rng.standard_normal(4)
    bn.forward(batch(rows=8, features=4, seed=4))  # gives eval mode non-trivial running statistics
    x = batch(rows=6, features=4, seed=5)
    weights = rng.standard_normal((6, 4))  # loss = sum(weights * y)

    def loss():
        saved = bn.running_mean.copy(), bn.running_var.copy()
        value = float(np.sum(weights * bn.forward(x, train=train)))
        bn.running_mean, bn.running_var = saved
        return value

    loss()
    dx, dgamma, dbeta = bn.backward(weights)
    for array, grad in ((x, dx), (bn.gamma, dgamma), (bn.beta, dbeta)):
        numeric = np.zeros_like(array)
        for i in np.ndindex(array.shape):
            old = array[i]
            array[i] = old + 1e-6
            up = loss()
            array[i] = old - 1e-6
            down = loss()
            array[i] = old
            numeric[i] = (up - down) / 2e-6
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


def test_bad_input_is_named():
    bn = BatchNorm(5)
    with pytest.raises(ValueError, match="at least 2 rows"):
        bn.forward(batch(rows=1))
    with pytest.raises(ValueError, match=r"x must have shape \(batch, 5\)"):
        bn.forward(batch(features=4))
    with pytest.raises(RuntimeError, match="forward"):
        BatchNorm(3).backward(np.ones((2, 3)))
    bn.forward(batch())
    with pytest.raises(ValueError, match="dout must have shape"):
        bn.backward(np.ones((31, 5)))
    with pytest.raises(ValueError, match="num_features"):
        BatchNorm(0)
    with pytest.raises(ValueError, match="momentum"):
        BatchNorm(3, momentum=1.5)
    with pytest.raises(ValueError, match="eps"):
        BatchNorm(3, eps=0)
