"""initlab.BatchNorm: PyTorch BatchNorm1d's forward, statistics and backward; the MLP and training through it;
the noise of batch statistics and the gradient growth of chapter 6."""

import numpy as np
import pytest

from initlab import MLP, BatchNorm, diagnostics, losses, train
from initlab.batchnorm import (batch_mean_std, batch_noise, batch_statistics, expected_batch_var,
                               gradient_growth)
from initlab.gradcheck import numerical_gradient


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


# --- audit for chapter 6: PyTorch's defaults, dtype, scale invariance, the MLP and training through it ------

def test_defaults_are_pytorchs():
    bn = BatchNorm(3)
    assert bn.eps == 1e-5 and bn.momentum == 0.1
    np.testing.assert_array_equal(bn.gamma, 1.0)
    np.testing.assert_array_equal(bn.beta, 0.0)
    np.testing.assert_array_equal(bn.running_mean, 0.0)
    np.testing.assert_array_equal(bn.running_var, 1.0)


def test_float32_stays_float32_in_both_modes():
    bn = BatchNorm(5)
    outputs = [bn.forward(batch(dtype=np.float32)), bn.forward(batch(rows=1), train=False)]
    grads = bn.backward(np.ones((1, 5)))
    arrays = outputs + list(grads) + [bn.gamma, bn.beta, bn.running_mean, bn.running_var]
    assert all(a.dtype == np.float32 for a in arrays)


def test_running_statistics_with_momentum_zero_and_one():
    x = batch(rows=8, seed=7)
    frozen, latest = BatchNorm(5, momentum=0.0, dtype=np.float64), BatchNorm(5, momentum=1.0, dtype=np.float64)
    frozen.forward(x)
    latest.forward(x)
    np.testing.assert_array_equal(frozen.running_mean, 0.0)
    np.testing.assert_array_equal(frozen.running_var, 1.0)
    np.testing.assert_allclose(latest.running_mean, x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(latest.running_var, x.var(axis=0, ddof=1), rtol=1e-12)


@pytest.mark.parametrize("a", [1e-3, 0.1, 10.0, 1e3])
def test_scaling_the_input_by_a_is_replacing_eps_by_eps_over_a_squared(a):
    x, g = batch(seed=8), np.random.default_rng(9).standard_normal((32, 5))
    scaled, reference = BatchNorm(5, dtype=np.float64), BatchNorm(5, eps=1e-5 / a ** 2, dtype=np.float64)
    np.testing.assert_allclose(scaled.forward(a * x), reference.forward(x), rtol=1e-10, atol=1e-12)
    dx_scaled, dgamma, dbeta = scaled.backward(g)
    dx_ref, dgamma_ref, dbeta_ref = reference.backward(g)
    np.testing.assert_allclose(a * dx_scaled, dx_ref, rtol=1e-9, atol=1e-12)  # the 1/a law
    np.testing.assert_allclose(dgamma, dgamma_ref, rtol=1e-9)
    np.testing.assert_allclose(dbeta, dbeta_ref, rtol=1e-12)


def test_input_gradient_has_no_mean_and_nearly_no_component_along_x_hat():
    bn = BatchNorm(5, dtype=np.float64)
    bn.gamma[:] = 1.5
    x = batch(seed=10)
    y = bn.forward(x)
    g = np.random.default_rng(11).standard_normal(x.shape)
    dx, dgamma, _ = bn.backward(g)
    x_hat, var = y / 1.5, x.var(axis=0)
    np.testing.assert_allclose(dx.sum(axis=0), 0.0, atol=1e-12)
    expected = 1.5 * 1e-5 / (var + 1e-5) / np.sqrt(var + 1e-5) * dgamma
    np.testing.assert_allclose((x_hat * dx).sum(axis=0), expected, rtol=1e-6, atol=1e-14)


def test_mlp_eval_mode_normalises_every_layer_with_its_running_statistics():
    model = MLP([4, 6, 6, 3], activation="tanh", rng=0, dtype=np.float64, batch_norm=True)
    x = batch(rows=16, features=4, seed=12)
    model.forward(x)  # one train step moves the running statistics
    x_eval = batch(rows=3, features=4, seed=13)
    out = model.forward(x_eval, train=False)
    h = x_eval
    for k, (w, b) in enumerate(zip(model.weights, model.biases)):
        z = h @ w + b
        if k < model.depth - 1:
            bn = model.norms[k]
            z = bn.gamma * (z - bn.running_mean) / np.sqrt(bn.running_var + bn.eps) + bn.beta
            h = np.tanh(z)
        else:
            h = z
    np.testing.assert_allclose(out, h, rtol=1e-12)
    assert model.forward(x_eval[:1], train=False).shape == (1, 3)


def test_mlp_backward_in_eval_mode_matches_finite_differences():
    rng = np.random.default_rng(14)
    model = MLP([3, 5, 4, 2], activation="tanh", rng=14, dtype=np.float64, batch_norm=True)
    model.forward(rng.normal(size=(8, 3)))
    for p in model.parameters():
        p += rng.normal(0, 0.3, p.shape)
    x, target = rng.normal(size=(4, 3)), np.array([0, 1, 1, 0])

    def loss():
        return losses.get("cross_entropy")(model.forward(x, train=False), target)[0]

    _, dout = losses.get("cross_entropy")(model.forward(x, train=False), target)
    model.backward(dout)
    for p, g in zip(model.parameters(), model.gradients()):
        np.testing.assert_allclose(g, numerical_gradient(loss, p), rtol=1e-6, atol=1e-8)


def test_training_through_batch_norm_learns_and_moves_every_part():
    rng = np.random.default_rng(15)
    x = np.concatenate([rng.normal(-1.5, 0.5, (50, 2)), rng.normal(1.5, 0.5, (50, 2))]).astype(np.float32)
    y = np.repeat([0, 1], 50)
    model = MLP([2, 8, 8, 2], activation="relu", rng=0, batch_norm=True)
    history = train(model, x, y, lr=0.1, steps=60, batch_size=20, rng=0)
    assert not history.diverged and history.loss[-10:].mean() < 0.2 * history.loss[0]
    for bn in model.norms:
        assert np.abs(bn.gamma - 1).max() > 1e-3 and np.abs(bn.beta).max() > 1e-3
        assert np.abs(bn.running_mean).max() > 1e-2 and np.abs(bn.running_var - 1).max() > 1e-2
    assert np.mean(np.argmax(model.forward(x, train=False), axis=1) == y) == 1.0


def test_a_batch_of_one_in_train_mode_is_refused_by_the_mlp_and_by_train():
    model = MLP([2, 4, 2], rng=0, batch_norm=True)
    with pytest.raises(ValueError, match="at least 2 rows.*train=False"):
        model.forward(np.ones((1, 2)))
    with pytest.raises(ValueError, match="at least 2 rows"):
        train(model, np.ones((4, 2)), np.array([0, 1, 0, 1]), batch_size=1, steps=1)
    with pytest.raises(ValueError, match=r"x must have shape \(batch, 2\)"):
        model.forward(np.ones((4, 3)))


# --- the noise of batch statistics and the gradient growth -------------------------------------------------

def test_batch_statistics_are_those_of_batches_drawn_without_replacement():
    values = np.arange(10.0)
    means, variances = batch_statistics(values, 10, n_batches=3, rng=0)
    np.testing.assert_allclose(means, 4.5)  # every batch is the whole set
    np.testing.assert_allclose(variances, values.var())
    means, variances = batch_statistics(values, 4, n_batches=5, rng=1)
    assert means.shape == variances.shape == (5,)
    again = batch_statistics(values, 4, n_batches=5, rng=1)
    np.testing.assert_array_equal(means, again[0])


def test_batch_statistics_spread_and_mean_match_their_formulas():
    values = np.random.default_rng(16).standard_normal(200)
    means, variances = batch_statistics(values, 20, n_batches=4000, rng=2)
    # 4000 batches: the sample sd and mean have relative errors of about 1 %
    assert means.std(ddof=1) == pytest.approx(batch_mean_std(values, 20), rel=0.05)
    assert variances.mean() == pytest.approx(expected_batch_var(values, 20), rel=0.03)


def test_batch_mean_std_and_expected_batch_var_at_the_ends():
    values = np.arange(10.0)
    assert batch_mean_std(values, 10) == 0.0
    assert batch_mean_std(values, 1) == pytest.approx(values.std())
    assert expected_batch_var(values, 1) == 0.0
    assert expected_batch_var(values, 10) == pytest.approx(values.var())


def test_batch_noise_is_the_batch_statistics_next_to_their_predictions():
    values = np.random.default_rng(0).standard_normal(500)
    noise = batch_noise(values, 16, n_batches=2000, rng=0)
    means, variances = batch_statistics(values, 16, n_batches=2000, rng=0)
    np.testing.assert_array_equal(noise.means, means)
    assert noise.sigma == values.std()
    np.testing.assert_array_equal(noise.stds, np.sqrt(variances) / values.std())
    assert noise.predicted_sd == batch_mean_std(values, 16)
    assert noise.predicted_var == expected_batch_var(values, 16) / values.var()
    assert noise.measured_sd == means.std(ddof=1)
    assert noise.measured_sd == pytest.approx(noise.predicted_sd, rel=0.06)  # 2000 batches: ~1.6 % error


@pytest.mark.parametrize("fn", [batch_mean_std, expected_batch_var,
                                lambda v, m: batch_statistics(v, m, n_batches=2),
                                lambda v, m: batch_noise(v, m, n_batches=2)])
def test_batch_statistics_helpers_name_bad_input(fn):
    with pytest.raises(ValueError, match="values must be a 1-D array"):
        fn(np.ones((3, 2)), 2)
    with pytest.raises(ValueError, match="values must be a 1-D array"):
        fn(np.ones(1), 1)
    with pytest.raises(ValueError, match=r"batch_size must be at most the number of values \(3\)"):
        fn(np.ones(3), 4)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        fn(np.ones(3), 0)


def test_gradient_growth_for_relu_and_linear():
    assert gradient_growth("relu") == pytest.approx(np.pi / (np.pi - 1), rel=1e-9)
    assert gradient_growth("linear") == pytest.approx(1.0, rel=1e-9)
    assert 1.0 < gradient_growth("tanh") < gradient_growth("relu")
    with pytest.raises(ValueError, match="activation must be one of"):
        gradient_growth("swish")


def test_gradient_growth_predicts_a_wide_batch_normalised_network():
    rng = np.random.default_rng(17)
    x, y = rng.standard_normal((256, 32)), rng.integers(0, 4, 256)
    model = MLP([32] + [256] * 8 + [4], activation="relu", rng=0, batch_norm=True)
    signal, _ = diagnostics.backprop_norms(model, x, y)
    hidden = signal[:-1]
    measured = (hidden[0] / hidden[-1]) ** (1 / (len(hidden) - 1))
    assert measured == pytest.approx(np.sqrt(gradient_growth("relu")), rel=0.05)
