"""Small data sets that load offline: two spirals (synthetic) and the 8x8 handwritten digits."""

import math

import numpy as np

from ._checks import finite_number, generator, positive_int

__all__ = ["two_spirals", "digits", "split"]


def two_spirals(n_per_class=200, noise=0.2, turns=1.5, rng=0):
    """Two interleaved spirals in the plane, a classic task a linear model cannot solve.

    Point ``i`` of class ``c`` sits at angle ``t = turns * 2π * r`` and radius ``r`` (``r`` evenly
    spaced in (0, 1]), rotated by ``π * c``, plus Gaussian noise of std ``noise * 0.1``.
    Returns ``x`` (float32, shape ``(2 n_per_class, 2)``, roughly in [-1, 1]) and ``y`` (int64 labels 0/1).
    """
    n = positive_int(n_per_class, "n_per_class")
    noise = finite_number(noise, "noise", nonnegative=True)
    turns = finite_number(turns, "turns", positive=True)
    gen = generator(rng)
    r = np.linspace(1 / n, 1, n)
    t = turns * 2 * math.pi * r
    xs, ys = [], []
    for c in (0, 1):
        angle = t + math.pi * c
        points = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1)
        xs.append(points + 0.1 * noise * gen.standard_normal(points.shape))
        ys.append(np.full(n, c))
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.int64)


def digits():
    """The 8x8 handwritten digits: 1797 images of the digits 0-9, each 64 pixels in [0, 1].

    Source: the test part of the UCI "Optical Recognition of Handwritten Digits" data set
    (Alpaydin & Kaynak, 1998; licence CC BY 4.0), as shipped inside scikit-learn
    (``sklearn.datasets.load_digits``, BSD-3-Clause), so it loads with no network.
    Pixel counts 0-16 are divided by 16. Returns ``x`` (float32, (1797, 64)) and ``y`` (int64).
    """
    from sklearn.datasets import load_digits  # imported here: only this data set needs scikit-learn

    bunch = load_digits()
    return (bunch.data / 16.0).astype(np.float32), bunch.target.astype(np.int64)


def split(x, y, test_fraction=0.25, rng=0):
    """Shuffle and split into ``(x_train, y_train, x_test, y_test)``; ``rng`` fixes the shuffle."""
    test_fraction = finite_number(test_fraction, "test_fraction")
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"x and y must hold the same number of examples, got {len(x)} and {len(y)}")
    if len(x) < 2:
        raise ValueError(f"x must hold at least 2 examples to split, got {len(x)}")
    order = generator(rng).permutation(len(x))
    n_test = min(max(1, round(test_fraction * len(x))), len(x) - 1)  # neither part empty
    test, train = order[:n_test], order[n_test:]
    return x[train], y[train], x[test], y[test]
