"""Argument checks shared by the package, so every bad input gets the same kind of clear message."""

import math
import numbers

import numpy as np


def positive_int(value, name):
    """Return ``value`` as an int, or raise naming the argument if it is not a positive integer."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer, got {value!r} ({type(value).__name__})")
    if value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return int(value)


def finite_number(value, name, *, positive=False, nonnegative=False):
    """Return ``value`` as a float, or raise naming the argument if it is not a finite real number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    if nonnegative and value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def one_of(value, name, allowed):
    """Return ``value`` if it is one of ``allowed``, else raise listing the allowed values."""
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return value


def generator(rng, name="rng"):
    """Turn ``rng`` (None, an int seed or a numpy Generator) into a numpy Generator."""
    if rng is None or isinstance(rng, np.random.Generator):
        return rng if rng is not None else np.random.default_rng()
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"{name} seed must be >= 0, got {rng}")
        return np.random.default_rng(int(rng))
    raise TypeError(f"{name} must be None, an int seed or a numpy.random.Generator, got {type(rng).__name__}")


def matrix(x, name, columns, dtype):
    """Return ``x`` as a 2-D array of ``dtype`` with ``columns`` columns, or raise naming the argument."""
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] != columns:
        raise ValueError(f"{name} must have shape (batch, {columns}), got shape {x.shape}")
    if x.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one row, got shape {x.shape}")
    if not np.issubdtype(x.dtype, np.number):
        raise TypeError(f"{name} must be numeric, got dtype {x.dtype}")
    return x.astype(dtype, copy=False)


def finite_entries(a, name):
    """Raise naming the argument if the numeric array ``a`` holds NaN or inf: how many of each, and where the
    first is. ``a`` is only read (no copy, no conversion); a non-numeric array is left to the caller's checks."""
    if not np.issubdtype(a.dtype, np.number):
        return
    bad = ~np.isfinite(a)
    if not bad.any():
        return
    nans = int(np.count_nonzero(np.isnan(a)))
    infs = int(np.count_nonzero(bad)) - nans
    first = np.unravel_index(int(np.argmax(bad)), a.shape)
    counts = " and ".join(f"{count} {kind}" for count, kind in ((nans, "NaN"), (infs, "inf")) if count)
    raise ValueError(f"{name} must be finite, got {counts} among its {a.size} entries, the first "
                     f"{name}[{', '.join(map(str, first))}] = {a[first]}")


def class_labels(y, name, classes):
    """Raise naming the argument unless ``y`` is a 1-D array of integer class labels in ``[0, classes - 1]``.

    ``y`` is only read (no copy, no conversion)."""
    allowed = f"integer class labels in [0, {classes - 1}]"
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of {allowed}, got shape {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"{name} must be {allowed}, got dtype {y.dtype}")
    outside = (y < 0) | (y >= classes)
    if outside.any():
        first = int(np.argmax(outside))
        raise ValueError(f"{name} must be {allowed} (the model has {classes} outputs), got "
                         f"{int(np.count_nonzero(outside))} outside that range, the first {name}[{first}] = {y[first]}")
