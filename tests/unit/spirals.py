"""Two interleaved spirals: a small synthetic task for the unit tests (the chapters train on the digits)."""

import math

import numpy as np

from initlab._checks import finite_number, generator, positive_int


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
