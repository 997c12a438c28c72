"""The data set the chapters train on, loaded offline: the 8x8 handwritten digits."""

import gzip
import importlib.util
from pathlib import Path

import numpy as np

from ._checks import finite_number, generator

__all__ = ["digits", "split"]


def digits():
    """The 8x8 handwritten digits: 1797 images of the digits 0-9, each 64 pixels in [0, 1].

    Source: the test part of the UCI "Optical Recognition of Handwritten Digits" data set
    (Alpaydin & Kaynak, 1998; licence CC BY 4.0), as shipped inside scikit-learn
    (``sklearn.datasets.load_digits``, BSD-3-Clause), so it loads with no network.
    Pixel counts 0-16 are divided by 16. Returns ``x`` (float32, (1797, 64)) and ``y`` (int64).
    """
    table = _digits_table()
    return (table[:, :-1] / 16.0).astype(np.float32), table[:, -1].astype(int).astype(np.int64)


def _digits_table():
    """scikit-learn's ``digits.csv.gz`` as ``load_digits`` reads it (``np.loadtxt``, one row per image: 64 pixel
    counts, then the label), read from the installed package without importing it: importing scikit-learn
    (and the SciPy it loads) costs about a second of CPU, more than the rest of a chapter's set-up."""
    spec = importlib.util.find_spec("sklearn")  # finds the package, does not import it
    path = Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz" if spec and spec.origin else None
    if path is None or not path.is_file():  # a layout we do not know: let scikit-learn find it
        from sklearn.datasets import load_digits

        bunch = load_digits()
        return np.column_stack([bunch.data, bunch.target])
    with gzip.open(path, mode="rt", encoding="utf-8") as text:
        return np.loadtxt(text, delimiter=",")


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
