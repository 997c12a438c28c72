"""initlab.init: the torch.nn.init formulas, checked on samples with tolerances from the sampling error."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from initlab import init

SHAPES = [(300, 100), (100, 300), (256, 256)]
Z = 5  # standard errors allowed: a false alarm for a fresh seed has probability below 1e-6
RANDOM = [name for name in init.NAMES if name != "zeros"]  # every named initializer that draws
ALL = ["zeros", "constant"] + RANDOM


def make(name, fan_in, fan_out, rng=0):
    if name == "constant":
        return init.constant(fan_in, fan_out, 0.5)
    return getattr(init, name)(fan_in, fan_out, rng=rng)


def check_moments(w, mean, var, kurtosis):
    """Sample mean and variance within Z standard errors; SE(s^2) = var * sqrt((kurtosis - 1) / n)."""
    w = w.astype(np.float64).ravel()
    n = w.size
    assert abs(w.mean() - mean) <= Z * math.sqrt(var / n)
    assert abs(w.var(ddof=1) - var) <= Z * var * math.sqrt((kurtosis - 1) / (n - 1))


def check_normal(w, std, mean=0.0):
    check_moments(w, mean, std**2, kurtosis=3.0)  # SE(s^2) = sigma^2 sqrt(2/(n-1))


def check_uniform(w, lo, hi):
    """Inside [lo, hi] (as rounded to float32), both ends nearly reached, and the moments of U(lo, hi)."""
    n = w.size
    assert w.min() >= np.float32(lo) and w.max() <= np.float32(hi)
    # P(no draw within eps * (hi - lo) of an end) = (1 - eps)^n = e^-20 for eps = 20/n.
    eps = 20 / n * (hi - lo)
    assert w.min() <= lo + eps and w.max() >= hi - eps
    check_moments(w, (lo + hi) / 2, (hi - lo) ** 2 / 12, kurtosis=1.8)


# --- shape, dtype, determinism ------------------------------------------------------------------

@settings(max_examples=15, deadline=None)
@given(fan_in=st.integers(1, 40), fan_out=st.integers(1, 40), name=st.sampled_from(ALL))
def test_float32_of_shape_fan_in_by_fan_out(fan_in, fan_out, name):
    w = make(name, fan_in, fan_out)
    assert w.dtype == np.float32 and w.shape == (fan_in, fan_out)


@pytest.mark.parametrize("name", RANDOM)
def test_same_seed_same_array_and_generator_accepted(name):
    a = make(name, 30, 20, rng=7)
    np.testing.assert_array_equal(a, make(name, 30, 20, rng=7))
    np.testing.assert_array_equal(a, make(name, 30, 20, rng=np.random.default_rng(7)))
    assert not np.array_equal(a, make(name, 30, 20, rng=8))


@pytest.mark.parametrize("name", RANDOM)
def test_generator_is_advanced_not_copied(name):
    gen = np.random.default_rng(3)
    assert not np.array_equal(make(name, 10, 10, rng=gen), make(name, 10, 10, rng=gen))


# --- the formulas --------------------------------------------------------------------------------

def test_zeros_and_constant():
    assert not init.zeros(3, 5).any()
    np.testing.assert_array_equal(init.constant(3, 5, -0.25), np.full((3, 5), -0.25, np.float32))


@pytest.mark.parametrize("fan_in, fan_out", SHAPES)
def test_normal(fan_in, fan_out):
    check_normal(init.normal(fan_in, fan_out, mean=0.3, std=0.05, rng=1), 0.05, mean=0.3)


@pytest.mark.parametrize("fan_in, fan_out", SHAPES)
def test_uniform(fan_in, fan_out):
    check_uniform(init.uniform(fan_in, fan_out, a=-0.2, b=0.7, rng=1), -0.2, 0.7)


@pytest.mark.parametrize("fan_in, fan_out", SHAPES)
@pytest.mark.parametrize("gain", [1.0, 5 / 3])
def test_xavier_uniform(fan_in, fan_out, gain):
    bound = gain * math.sqrt(6 / (fan_in + fan_out))
    check_uniform(init.xavier_uniform(fan_in, fan_out, gain=gain, rng=2), -bound, bound)


@pytest.mark.parametrize("fan_in, fan_out", SHAPES)
@pytest.mark.parametrize("gain", [1.0, 5 / 3])
def test_xavier_normal(fan_in, fan_out, gain):
    check_normal(init.xavier_normal(fan_in, fan_out, gain=gain, rng=3), gain * math.sqrt(2 / (fan_in + fan_out)))


# (kwargs, gain, which fan): the default is leaky_relu with slope 0, i.e. relu's sqrt(2).
KAIMING = [
    ({}, math.sqrt(2), 0),
    ({"mode": "fan_out"}, math.sqrt(2), 1),
    ({"a": 0.2}, math.sqrt(2 / 1.04), 0),
    ({"a": 0.2, "mode": "fan_out"}, math.sqrt(2 / 1.04), 1),
    ({"nonlinearity": "relu", "mode": "fan_out"}, math.sqrt(2), 1),
    ({"nonlinearity": "tanh"}, 5 / 3, 0),
    ({"nonlinearity": "linear"}, 1.0, 0),
    ({"nonlinearity": "selu", "mode": "fan_out"}, 0.75, 1),
]


@pytest.mark.parametrize("fan_in, fan_out", SHAPES)
@pytest.mark.parametrize("kwargs, gain, which", KAIMING)
def test_kaiming_normal(fan_in, fan_out, kwargs, gain, which):
    fan = (fan_in, fan_out)[which]
    check_normal(init.kaiming_normal(fan_in, fan_out, rng=4, **kwargs), gain / math.sqrt(fan))


@pytest.mark.parametrize("fan_in, fan_out", SHAPES)
@pytest.mark.parametrize("kwargs, gain, which", KAIMING)
def test_kaiming_uniform(fan_in, fan_out, kwargs, gain, which):
    bound = gain * math.sqrt(3 / (fan_in, fan_out)[which])
    check_uniform(init.kaiming_uniform(fan_in, fan_out, rng=5, **kwargs), -bound, bound)


@pytest.mark.parametrize("fan_in, fan_out", SHAPES)
def test_lecun_normal_uses_fan_in_only(fan_in, fan_out):
    check_normal(init.lecun_normal(fan_in, fan_out, rng=6), 1 / math.sqrt(fan_in))


@pytest.mark.parametrize("fan_in, fan_out", SHAPES)
def test_linear_default_is_torch_nn_linear(fan_in, fan_out):
    bound = 1 / math.sqrt(fan_in)
    w = init.linear_default(fan_in, fan_out, rng=9)
    check_uniform(w, -bound, bound)
    # nn.Linear's kaiming_uniform(a=sqrt(5)): the same bound, so the same draws up to rounding.
    np.testing.assert_allclose(w, init.kaiming_uniform(fan_in, fan_out, a=math.sqrt(5), rng=9), rtol=1e-6)


@pytest.mark.parametrize("fan_in, fan_out", SHAPES)
@pytest.mark.parametrize("scale", [0.5, math.sqrt(2)])
def test_scaled_normal(fan_in, fan_out, scale):
    initializer = init.scaled_normal(scale)
    check_normal(initializer(fan_in, fan_out, rng=10), scale / math.sqrt(fan_in))
    np.testing.assert_array_equal(init.scaled_normal(1.0)(fan_in, fan_out, rng=3), init.lecun_normal(fan_in, fan_out, rng=3))


def test_scaled_normal_checks_scale():
    assert not init.scaled_normal(0)(3, 4, rng=0).any()
    with pytest.raises(ValueError, match="scale must be >= 0"):
        init.scaled_normal(-1.0)
    with pytest.raises(TypeError, match="scale must be a real number"):
        init.scaled_normal("1")


@pytest.mark.parametrize("fan_in, fan_out", SHAPES + [(5, 1), (1, 5)])
@pytest.mark.parametrize("gain", [1.0, math.sqrt(2)])
def test_orthogonal_is_semi_orthogonal_times_gain(fan_in, fan_out, gain):
    w = init.orthogonal(fan_in, fan_out, gain=gain, rng=7).astype(np.float64)
    gram = w.T @ w if fan_in >= fan_out else w @ w.T  # columns orthonormal if tall, rows if wide
    np.testing.assert_allclose(gram, gain**2 * np.eye(min(fan_in, fan_out)), atol=1e-5 * gain**2)


@pytest.mark.parametrize("fan_in, fan_out", SHAPES)
def test_orthogonal_diagonal_is_unbiased(fan_in, fan_out):
    # Haar: entries have mean 0 and variance 1/max(fans), so the mean of the min(fans) diagonal
    # entries has SE 1/sqrt(fan_in fan_out). A raw QR without the sign fix gives about -0.04 here.
    diag = np.diag(init.orthogonal(fan_in, fan_out, rng=8)).astype(np.float64)
    assert abs(diag.mean()) <= Z / math.sqrt(fan_in * fan_out)


# --- calculate_gain: torch.nn.init.calculate_gain's values ---------------------------------------

@pytest.mark.parametrize("name", ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                                  "conv_transpose2d", "conv_transpose3d", "sigmoid"])
def test_gain_one(name):
    assert init.calculate_gain(name) == 1


@pytest.mark.parametrize("name, param, gain", [
    ("tanh", None, 5.0 / 3),
    ("relu", None, math.sqrt(2.0)),
    ("leaky_relu", None, math.sqrt(2.0 / (1 + 0.01**2))),
    ("leaky_relu", 0.2, math.sqrt(2.0 / (1 + 0.2**2))),
    ("leaky_relu", 0, math.sqrt(2.0)),
    ("selu", None, 3.0 / 4),
])
def test_gain_values(name, param, gain):
    assert init.calculate_gain(name, param) == gain


def test_unknown_nonlinearity_lists_allowed_values():
    with pytest.raises(ValueError, match="nonlinearity must be one of") as err:
        init.calculate_gain("gelu")
    assert all(repr(name) in str(err.value) for name in init.NONLINEARITIES)


def test_gain_param_must_be_a_number():
    with pytest.raises(TypeError, match="param"):
        init.calculate_gain("leaky_relu", "0.1")


# --- get ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", init.NAMES)
def test_get_by_name(name):
    assert init.get(name) is getattr(init, name)


def test_get_passes_callables_through():
    def custom(fan_in, fan_out, rng=None):
        return np.ones((fan_in, fan_out))
    assert init.get(custom) is custom


@pytest.mark.parametrize("bad", ["glorot", "constant", None, 3])
def test_get_unknown_name(bad):
    with pytest.raises(ValueError, match="init must be one of 'zeros'"):
        init.get(bad)


# --- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("bad, error", [(0, ValueError), (-3, ValueError), (2.5, TypeError),
                                        (True, TypeError), ("8", TypeError)])
def test_bad_fans(name, bad, error):
    with pytest.raises(error, match="fan_in must be a positive integer"):
        make(name, bad, 4)
    with pytest.raises(error, match="fan_out must be a positive integer"):
        make(name, 4, bad)


def test_numpy_integer_fans_accepted():
    assert init.xavier_normal(np.int64(3), np.int32(4), rng=0).shape == (3, 4)


@pytest.mark.parametrize("name", RANDOM)
@pytest.mark.parametrize("bad, error, message", [
    ("seed", TypeError, "rng must be None, an int seed or a numpy.random.Generator"),
    (1.5, TypeError, "rng must be None, an int seed or a numpy.random.Generator"),
    (True, TypeError, "rng must be None, an int seed or a numpy.random.Generator"),
    (np.random.RandomState(0), TypeError, "rng must be None, an int seed or a numpy.random.Generator"),
    (-1, ValueError, "rng seed must be >= 0"),
])
def test_bad_rng(name, bad, error, message):
    with pytest.raises(error, match=message):
        make(name, 3, 4, rng=bad)


@pytest.mark.parametrize("call, error, message", [
    (lambda: init.kaiming_normal(3, 4, mode="fan_avg"), ValueError, "mode must be one of 'fan_in', 'fan_out'"),
    (lambda: init.kaiming_uniform(3, 4, nonlinearity="gelu"), ValueError, "nonlinearity must be one of"),
    (lambda: init.normal(3, 4, std=-1.0), ValueError, "std must be >= 0"),
    (lambda: init.normal(3, 4, mean=float("nan")), ValueError, "mean must be finite"),
    (lambda: init.uniform(3, 4, a=1.0, b=0.0), ValueError, "uniform needs a < b"),
    (lambda: init.uniform(3, 4, b=float("inf")), ValueError, "b must be finite"),
    (lambda: init.constant(3, 4, "1"), TypeError, "val must be a real number"),
    (lambda: init.xavier_uniform(3, 4, gain=0), ValueError, "gain must be > 0"),
    (lambda: init.xavier_normal(3, 4, gain=-1), ValueError, "gain must be > 0"),
    (lambda: init.orthogonal(3, 4, gain=float("inf")), ValueError, "gain must be finite"),
])
def test_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_scaled_orthogonal_has_every_singular_value_equal_to_scale():
    make = init.scaled_orthogonal(1.5)
    assert make.__name__ == "scaled_orthogonal(1.5)"
    for shape in [(6, 6), (8, 5), (5, 8)]:
        w = make(*shape, rng=0)
        assert w.shape == shape and w.dtype == np.float32
        np.testing.assert_allclose(np.linalg.svd(w, compute_uv=False), 1.5, rtol=1e-5)
    np.testing.assert_array_equal(make(6, 6, rng=3), init.orthogonal(6, 6, gain=1.5, rng=3))
    with pytest.raises(ValueError, match="scale must be > 0"):
        init.scaled_orthogonal(0.0)


# --- torch's layout: fans of any shape, and in-place fillers ---------------------------------------

def torch_fans(shape):
    """torch.nn.init._calculate_fan_in_and_fan_out, written out: receptive field = product of shape[2:]."""
    receptive = 1
    for d in shape[2:]:
        receptive *= d
    return shape[1] * receptive, shape[0] * receptive


@pytest.mark.parametrize("shape", [(10, 3), (3, 10), (16, 8, 5), (64, 32, 3, 3), (8, 4, 3, 5), (4, 2, 3, 3, 3),
                                   (1, 1, 1, 1)])
def test_fans_follow_torch_rule(shape):
    assert init.calculate_fan_in_and_fan_out(shape) == torch_fans(shape)


def test_fans_of_a_conv_kernel_spelled_out():
    # (c_out, c_in, k_h, k_w) = (64, 32, 3, 5): fan_in = c_in k_h k_w, fan_out = c_out k_h k_w
    assert init.calculate_fan_in_and_fan_out((64, 32, 3, 5)) == (32 * 15, 64 * 15)


@pytest.mark.parametrize("bad, error, message", [
    ((5,), ValueError, "shape must have at least 2 dimensions"),
    ((), ValueError, "shape must have at least 2 dimensions"),
    ((4, 0, 3), ValueError, r"shape\[1\] must be a positive integer"),
    ((4, 2.5), TypeError, r"shape\[1\] must be a positive integer"),
    (7, TypeError, "shape must be a tuple of dimensions"),
    (np.zeros((3, 4)), TypeError, "shape must be a tuple of dimensions"),
])
def test_fans_bad_shape(bad, error, message):
    with pytest.raises(error, match=message):
        init.calculate_fan_in_and_fan_out(bad)


KERNEL_SHAPES = [(96, 48), (48, 96), (64, 16, 3, 3), (16, 64, 5, 5), (32, 8, 3, 3, 3)]


def filled(name, shape, rng=0, **kwargs):
    out = np.full(shape, np.nan, dtype=np.float32)
    result = getattr(init, name)(out, rng=rng, **kwargs)
    assert result is out and np.isfinite(out).all()  # filled in place, every entry, and returned
    return out


@pytest.mark.parametrize("shape", KERNEL_SHAPES)
@pytest.mark.parametrize("kwargs, gain, which", KAIMING)
def test_kaiming_fillers(shape, kwargs, gain, which):
    fan = torch_fans(shape)[which]
    check_normal(filled("kaiming_normal_", shape, **kwargs), gain / math.sqrt(fan))
    bound = gain * math.sqrt(3 / fan)
    check_uniform(filled("kaiming_uniform_", shape, **kwargs), -bound, bound)


@pytest.mark.parametrize("shape", KERNEL_SHAPES)
@pytest.mark.parametrize("gain", [1.0, 5 / 3])
def test_xavier_fillers(shape, gain):
    fan_in, fan_out = torch_fans(shape)
    check_normal(filled("xavier_normal_", shape, gain=gain), gain * math.sqrt(2 / (fan_in + fan_out)))
    bound = gain * math.sqrt(6 / (fan_in + fan_out))
    check_uniform(filled("xavier_uniform_", shape, gain=gain), -bound, bound)


@pytest.mark.parametrize("shape", KERNEL_SHAPES)
def test_lecun_and_default_fillers_use_fan_in(shape):
    fan_in = torch_fans(shape)[0]
    check_normal(filled("lecun_normal_", shape), 1 / math.sqrt(fan_in))
    check_uniform(filled("linear_default_", shape), -1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in))
    # nn.Conv2d's default is kaiming_uniform_(a=√5): the same bound, so the same draws up to rounding
    np.testing.assert_allclose(filled("linear_default_", shape, rng=4),
                               filled("kaiming_uniform_", shape, rng=4, a=math.sqrt(5)), rtol=1e-6)


@pytest.mark.parametrize("shape", [(7,), (5, 6), (2, 3, 4, 5)])
def test_plain_fillers_any_shape(shape):
    n = math.prod(shape)
    if n >= 30:
        check_normal(filled("normal_", shape, mean=0.3, std=0.5), 0.5, mean=0.3)
    w = filled("uniform_", shape, a=-1.0, b=2.0)
    assert w.min() >= -1 and w.max() <= 2
    a = np.ones(shape)
    assert init.zeros_(a) is a and not a.any()
    assert init.constant_(a, -0.25) is a and (a == -0.25).all()


@pytest.mark.parametrize("shape", [(8, 4, 3, 3), (40, 4, 3, 3), (6, 6), (3, 10)])
@pytest.mark.parametrize("gain", [1.0, math.sqrt(2)])
def test_orthogonal_filler_flattens_like_torch(shape, gain):
    w = filled("orthogonal_", shape, gain=gain).astype(np.float64)
    flat = w.reshape(shape[0], -1)  # torch: (shape[0], prod(rest))
    rows, cols = flat.shape
    gram = flat @ flat.T if rows <= cols else flat.T @ flat
    np.testing.assert_allclose(gram, gain**2 * np.eye(min(rows, cols)), atol=1e-5 * gain**2)


@pytest.mark.parametrize("name", [n for n in init.FILLER_NAMES if n not in ("zeros",)])
def test_fillers_seeded_and_float64_kept(name):
    a, b = np.empty((8, 4, 3, 3)), np.empty((8, 4, 3, 3))
    getattr(init, name + "_")(a, rng=3)
    getattr(init, name + "_")(b, rng=np.random.default_rng(3))
    assert a.dtype == np.float64
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", ["xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal",
                                  "lecun_normal", "linear_default", "orthogonal", "normal", "uniform", "zeros"])
@pytest.mark.parametrize("shape", [(64, 16, 3, 3), (16, 64, 5, 5)])
def test_variance_is_what_the_filler_draws(name, shape):
    w = filled(name + "_", shape, rng=11).astype(np.float64)
    predicted = init.variance(name, shape)
    if name == "orthogonal":  # deterministic mean square of a semi-orthogonal matrix
        assert math.isclose(np.mean(w**2), predicted, rel_tol=1e-5)
    elif name == "zeros":
        assert predicted == 0 and not w.any()
    else:
        kurtosis = 1.8 if "uniform" in name or name == "linear_default" else 3.0
        check_moments(w, 0.5 if name == "uniform" else 0.0, predicted, kurtosis)


def test_filler_by_name_and_callable():
    assert init.filler("kaiming_normal") is init.kaiming_normal_
    assert set(init.FILLER_NAMES) == set(init.NAMES)
    custom = lambda array, rng=None: init.constant_(array, 1.0)  # noqa: E731
    assert init.filler(custom) is custom
    with pytest.raises(ValueError, match="init must be one of 'zeros'"):
        init.filler("he")


@pytest.mark.parametrize("call, error, message", [
    (lambda: init.kaiming_normal_(np.zeros(5)), ValueError, r"array.shape must have at least 2 dimensions"),
    (lambda: init.xavier_uniform_(np.zeros(5)), ValueError, r"array.shape must have at least 2 dimensions"),
    (lambda: init.orthogonal_(np.zeros(5)), ValueError, "array must have at least 2 dimensions"),
    (lambda: init.kaiming_normal_([[0.0, 1.0]]), TypeError, "array must be a floating-point numpy array"),
    (lambda: init.normal_(np.zeros((2, 2), dtype=int)), TypeError, "array must be a floating-point numpy array"),
    (lambda: init.zeros_(_readonly()), ValueError, "array must be writeable"),
    (lambda: init.kaiming_uniform_(np.zeros((2, 2)), mode="fan_avg"), ValueError, "mode must be one of"),
    (lambda: init.xavier_normal_(np.zeros((2, 2)), gain=0), ValueError, "gain must be > 0"),
    (lambda: init.uniform_(np.zeros((2, 2)), a=1.0, b=1.0), ValueError, "uniform_ needs a < b"),
    (lambda: init.normal_(np.zeros((2, 2)), std=-1.0), ValueError, "std must be >= 0"),
    (lambda: init.constant_(np.zeros((2, 2)), float("nan")), ValueError, "val must be finite"),
    (lambda: init.variance("he", (3, 4)), ValueError, "init must be one of"),
    (lambda: init.variance("kaiming_normal", (3,)), ValueError, "shape must have at least 2 dimensions"),
])
def test_filler_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()


def _readonly():
    a = np.zeros((2, 2))
    a.setflags(write=False)
    return a
