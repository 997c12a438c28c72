"""initlab.data: the two spirals, the digits, and the train/test split."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from initlab import data

from spirals import two_spirals


@settings(max_examples=10, deadline=None)
@given(n=st.integers(1, 300), seed=st.integers(0, 2**32 - 1))
def test_two_spirals_shapes_dtypes_balance(n, seed):
    x, y = two_spirals(n, rng=seed)
    assert x.shape == (2 * n, 2) and x.dtype == np.float32
    assert y.shape == (2 * n,) and y.dtype == np.int64
    assert np.bincount(y, minlength=2).tolist() == [n, n]


def test_two_spirals_deterministic_by_seed():
    a, b, c = two_spirals(50, rng=1), two_spirals(50, rng=np.random.default_rng(1)), two_spirals(50, rng=2)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])
    np.testing.assert_array_equal(two_spirals(50)[0], two_spirals(50)[0])  # rng=0 by default


def test_two_spirals_geometry_without_noise():
    n = 40
    x, y = two_spirals(n, noise=0.0, turns=1.0)
    radius = np.linspace(1 / n, 1, n)
    np.testing.assert_allclose(np.linalg.norm(x[y == 0], axis=1), radius, rtol=1e-6)
    np.testing.assert_allclose(x[y == 1], -x[y == 0], atol=1e-6)  # the second spiral is the first rotated by pi
    assert np.abs(x).max() <= 1 + 1e-6


def test_two_spirals_noise_std():
    n = 2000
    clean, _ = two_spirals(n, noise=0.0)
    noisy, _ = two_spirals(n, noise=0.5, rng=3)
    residual = (noisy - clean).astype(np.float64).ravel()
    # std 0.1 * noise = 0.05; SE of the sample variance of 4n normals is var sqrt(2 / (4n - 1)).
    assert abs(residual.var() - 0.05**2) <= 5 * 0.05**2 * np.sqrt(2 / (residual.size - 1))


@pytest.mark.parametrize("kwargs, error, message", [
    ({"n_per_class": 0}, ValueError, "n_per_class must be a positive integer"),
    ({"n_per_class": 2.5}, TypeError, "n_per_class must be a positive integer"),
    ({"noise": -0.1}, ValueError, "noise must be >= 0"),
    ({"noise": float("nan")}, ValueError, "noise must be finite"),
    ({"turns": 0}, ValueError, "turns must be > 0"),
    ({"rng": "seed"}, TypeError, "rng must be None, an int seed or a numpy.random.Generator"),
])
def test_two_spirals_bad_input(kwargs, error, message):
    with pytest.raises(error, match=message):
        two_spirals(**kwargs)


def test_digits():
    x, y = data.digits()
    assert x.shape == (1797, 64) and x.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0
    assert sorted(np.unique(y).tolist()) == list(range(10))
    assert np.bincount(y).min() >= 170  # about 180 of each digit
    assert np.allclose(x * 16, np.round(x * 16))  # pixel counts 0-16, divided by 16


def test_digits_are_scikit_learns_without_importing_it():
    # read from scikit-learn's file directly (importing it costs a second); the same arrays as load_digits gives
    import os
    import subprocess
    import sys

    code = "import sys; from initlab import data; data.digits(); print('sklearn' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}  # initlab where this test found it
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          check=True).stdout.strip() == "False"
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x, y = data.digits()
    assert np.array_equal(x, (bunch.data / 16.0).astype(np.float32))
    assert np.array_equal(y, bunch.target.astype(np.int64))


# Rounded, but neither part is ever empty.
@pytest.mark.parametrize("n, fraction, n_test", [(100, 0.25, 25), (10, 0.3, 3), (7, 0.01, 1), (4, 0.9, 3), (2, 0.5, 1)])
def test_split_sizes_disjoint_and_aligned(n, fraction, n_test):
    x = np.arange(n * 2).reshape(n, 2)
    y = np.arange(n) * 10
    x_train, y_train, x_test, y_test = data.split(x, y, test_fraction=fraction, rng=0)
    assert len(x_test) == len(y_test) == n_test and len(x_train) == len(y_train) == n - n_test
    rows = np.concatenate([x_train[:, 0], x_test[:, 0]]) // 2
    assert sorted(rows.tolist()) == list(range(n))  # disjoint, and together everything
    np.testing.assert_array_equal(np.concatenate([y_train, y_test]), rows * 10)  # x and y stay paired


def test_split_shuffles_deterministically():
    x, y = np.arange(50), np.arange(50)
    first = data.split(x, y, rng=4)
    np.testing.assert_array_equal(first[2], data.split(x, y, rng=4)[2])
    assert not np.array_equal(first[2], data.split(x, y, rng=5)[2])
    assert not np.array_equal(first[2], np.arange(len(first[2])))  # shuffled, not the first rows


@pytest.mark.parametrize("kwargs, error, message", [
    ({"test_fraction": 0}, ValueError, r"test_fraction must be in \(0, 1\)"),
    ({"test_fraction": 1}, ValueError, r"test_fraction must be in \(0, 1\)"),
    ({"test_fraction": float("nan")}, ValueError, "test_fraction must be finite"),
    ({"test_fraction": "0.2"}, TypeError, "test_fraction must be a real number"),
    ({"y": np.arange(9)}, ValueError, "x and y must hold the same number of examples, got 10 and 9"),
    ({"rng": 1.5}, TypeError, "rng must be None, an int seed or a numpy.random.Generator"),
    ({"x": np.arange(1), "y": np.arange(1)}, ValueError, "x must hold at least 2 examples to split, got 1"),
])
def test_split_bad_input(kwargs, error, message):
    arguments = {"x": np.arange(10), "y": np.arange(10), **kwargs}
    with pytest.raises(error, match=message):
        data.split(**arguments)
