"""initlab.stable_learning_rate: learning-rate sweeps and the definition of a stable run."""

import math

import numpy as np
import pytest

from initlab import MLP
from initlab.stable_learning_rate import is_stable, largest_stable_lr, lr_sweep


def blobs(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.normal(-1.5, 0.5, (n, 2)), rng.normal(1.5, 0.5, (n, 2))]).astype(np.float32)
    return x, np.repeat([0, 1], n)


@pytest.fixture(scope="module")
def runs():
    x, y = blobs()
    return lr_sweep(lambda: MLP([2, 16, 16, 2], activation="relu", rng=0), x, y, [0.1, 1e3, 1e6], steps=30)


def test_sweep_trains_a_fresh_model_per_learning_rate(runs):
    assert list(runs) == [0.1, 1e3, 1e6]
    assert [h.settings["lr"] for h in runs.values()] == [0.1, 1e3, 1e6]
    x, y = blobs()
    again = lr_sweep(lambda: MLP([2, 16, 16, 2], activation="relu", rng=0), x, y, [0.1], steps=30)
    np.testing.assert_array_equal(again[0.1].loss, runs[0.1].loss)  # same seed, same run


def test_stable_means_finite_and_below_the_threshold(runs):
    assert is_stable(runs[0.1], below=math.log(2) / 2)
    assert runs[1e6].diverged and not is_stable(runs[1e6], below=1e9)
    assert not is_stable(runs[0.1], below=1e-9)  # finite, but not below the threshold
    assert largest_stable_lr(runs, below=math.log(2) / 2) == 0.1
    assert largest_stable_lr(runs, below=-1.0) is None


def test_bad_input_is_named(runs):
    with pytest.raises(TypeError, match="make_model must be a function"):
        lr_sweep(MLP([2, 2]), *blobs(), [0.1])
    with pytest.raises(ValueError, match=r"lrs\[1\] must be > 0"):
        lr_sweep(lambda: MLP([2, 2]), *blobs(), [0.1, -1.0])
    with pytest.raises(ValueError, match="at least one learning rate"):
        lr_sweep(lambda: MLP([2, 2]), *blobs(), [])
    with pytest.raises(ValueError, match="window must be a positive integer"):
        is_stable(runs[0.1], below=1.0, window=0)
    with pytest.raises(ValueError, match="below must be finite"):
        is_stable(runs[0.1], below=math.nan)
