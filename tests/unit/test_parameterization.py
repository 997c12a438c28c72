"""initlab.parameterization: SP and μP agree at the base width and follow Yang et al.'s Table 3 (Adam) away from
it; one step of the output layer moves the logits in proportion to the width under SP and not under μP; the
sweep trains what it says, reports divergence as inf, and checks its arguments."""

import math

import numpy as np
import pytest

from initlab import MLP
from initlab.adam import Adam
from initlab.losses import softmax_cross_entropy
from initlab.parameterization import (PARAMETERIZATIONS, LrSweep, build, learning_rates, lr_sweep,
                                      output_change, train_final_loss)

from spirals import two_spirals


@pytest.fixture(scope="module")
def blobs():
    # Two Gaussian classes in 8 dimensions: learnable in a few steps.
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    x = (rng.standard_normal((200, 8)) + 1.5 * (2 * y[:, None] - 1)).astype(np.float32)
    return x, y


def test_sp_and_mup_are_the_same_network_at_the_base_width():
    sp, mup = build(32, "sp", 32, n_in=8, classes=3, rng=4), build(32, "mup", 32, n_in=8, classes=3, rng=4)
    for a, b in zip(sp.parameters(), mup.parameters()):
        np.testing.assert_array_equal(a, b)
    assert learning_rates(sp, "sp", 0.1, 32) == learning_rates(mup, "mup", 0.1, 32) == [0.1] * 6


def test_mup_scales_the_output_init_and_the_rates_of_every_layer_whose_fan_in_is_the_width():
    sp, mup = build(512, "sp", 32, rng=1), build(512, "mup", 32, rng=1)
    np.testing.assert_array_equal(sp.weights[0], mup.weights[0])
    np.testing.assert_array_equal(sp.weights[1], mup.weights[1])
    np.testing.assert_allclose(mup.weights[2], sp.weights[2] * 0.25, rtol=1e-6)  # √(32/512)
    # Table 3, Adam: input weights and all biases η, hidden and output weights η n₀/n.
    assert learning_rates(mup, "mup", 0.03, 32) == pytest.approx([0.03, 0.03, 0.001875, 0.03, 0.001875, 0.03])
    assert learning_rates(sp, "sp", 0.03, 32) == [0.03] * 6


def test_the_output_std_under_mup_falls_like_one_over_n():
    stds = [build(n, "mup", 16, rng=0).weights[2].std() for n in (64, 256, 1024)]
    # SP's std falls like 1/√n, μP's like 1/n: each fourfold widening quarters it (up to sampling).
    assert stds[0] / stds[1] == pytest.approx(4, rel=0.05) and stds[1] / stds[2] == pytest.approx(4, rel=0.05)


def test_train_final_loss_is_adam_with_one_rate_per_parameter(blobs):
    x, y = blobs
    model = build(16, "mup", 8, n_in=8, classes=2, rng=0)
    twin = build(16, "mup", 8, n_in=8, classes=2, rng=0)
    rates = learning_rates(model, "mup", 0.01, 8)
    final = train_final_loss(model, rates, x, y, steps=3, batch_size=50, rng=5)
    # The same three steps by hand: the batches from the same generator, one Adam per parameter.
    gen = np.random.default_rng(5)
    optimizers = [Adam([p], lr=r) for p, r in zip(twin.parameters(), rates)]
    for _ in range(3):
        idx = gen.choice(len(x), 50, replace=False)
        twin.backward(softmax_cross_entropy(twin.forward(x[idx]), y[idx])[1])
        for opt, g in zip(optimizers, twin.gradients()):
            opt.step([g])
    for a, b in zip(model.parameters(), twin.parameters()):
        np.testing.assert_array_equal(a, b)
    assert final == pytest.approx(softmax_cross_entropy(twin.forward(x), y)[0])


def test_training_learns_and_a_diverging_run_is_inf(blobs):
    x, y = blobs
    model = build(16, "sp", 16, n_in=8, classes=2, rng=0)
    start = softmax_cross_entropy(model.forward(x), y)[0]
    assert train_final_loss(model, learning_rates(model, "sp", 0.01, 16), x, y, 30, 50) < 0.5 * start
    model = build(16, "sp", 16, n_in=8, classes=2, rng=0)
    assert train_final_loss(model, [1e30] * 6, x, y, 5, 50) == math.inf


def test_output_change_grows_with_width_under_sp_and_not_under_mup():
    x, y = two_spirals(128, rng=0)
    for optimizer in ("sgd", "adam"):
        def mean_change(n, p):
            return np.mean([output_change(n, p, 0.01, x, y, 16, optimizer=optimizer, rng=s) for s in range(4)])
        sp = mean_change(256, "sp") / mean_change(16, "sp")
        mup = mean_change(256, "mup") / mean_change(16, "mup")
        assert sp > 6, (optimizer, sp)  # the derivation says 16: a sum of n same-signed terms
        assert mup < 2, (optimizer, mup)
        assert output_change(16, "sp", 0.01, x, y, 16, optimizer, rng=1) == \
            output_change(16, "mup", 0.01, x, y, 16, optimizer, rng=1)


def test_sweep_shapes_ties_and_the_shared_base_width(blobs):
    x, y = blobs
    sweep = lr_sweep(x, y, [8, 16], [1e-3, 1e-2], seeds=(0, 1), steps=3, batch_size=20)
    assert isinstance(sweep, LrSweep) and sweep.base_width == 8
    assert set(sweep.loss) == {(p, n) for p in PARAMETERIZATIONS for n in (8, 16)}
    assert sweep.loss["sp", 16].shape == (2, 2)
    assert sweep.loss["mup", 8] is sweep.loss["sp", 8]  # μP is SP at the base width
    assert sweep.best_lr("sp", 16) in sweep.lrs and len(sweep.best_lr_per_seed("sp", 16)) == 2
    fake = LrSweep((8,), (0.1, 0.3, 1.0), (0,), 8, {("sp", 8): np.array([[1.0], [1.03], [2.0]])})
    assert fake.best_lr("sp", 8) == 0.1 and fake.near_best("sp", 8) == [0.1, 0.3]
    assert fake.near_best("sp", 8, tolerance=0.01) == [0.1]


@pytest.mark.parametrize("call, error, message", [
    (lambda: build(32, "ntk", 32), ValueError, "parameterization must be one of 'sp', 'mup'"),
    (lambda: build(0, "sp", 32), ValueError, "width must be a positive integer"),
    (lambda: build(32, "sp", 2.5), TypeError, "base_width must be a positive integer"),
    (lambda: learning_rates(MLP([2, 3, 2]), "sp", -1.0, 3), ValueError, "lr must be > 0"),
    (lambda: train_final_loss(MLP([2, 3, 2]), [0.1] * 4, np.zeros((4, 2)), np.zeros(4, int), 1, 5),
     ValueError, "batch_size must be at most the number of examples"),
    (lambda: train_final_loss(MLP([2, 3, 2]), [0.1] * 3, np.zeros((4, 2)), np.zeros(4, int), 1, 2),
     ValueError, "rates must give one learning rate per parameter"),
    (lambda: output_change(8, "sp", 0.1, np.zeros((4, 64)), np.zeros(4, int), 8, optimizer="rmsprop"),
     ValueError, "optimizer must be one of"),
    (lambda: lr_sweep(np.zeros((4, 2)), np.zeros(4, int), [], [0.1]), ValueError, "at least one value"),
    (lambda: LrSweep((8,), (0.1,), (0,), 8, {("sp", 8): np.ones((1, 1))}).near_best("sp", 8, -1),
     ValueError, "tolerance must be >= 0"),
])
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()
