"""initlab.MLP: shapes, what forward records, and backward against finite differences in float64."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from initlab import MLP, activations, init, losses
from initlab.gradcheck import numerical_gradient

H = 1e-6
# Central differences of a float64 loss of size ~1: truncation ~H^2, rounding ~1e-16 / H = 1e-10.
FD_TOL = dict(rtol=1e-6, atol=1e-8)
# gelu's derivative is the exact Phi + x phi but its value uses the Abramowitz-Stegun Phi, whose
# slope is off by up to 5e-7: that, not the differencing, sets its tolerance.
FD_TOL_GELU = dict(rtol=1e-6, atol=2e-6)
SIZES = [3, 5, 4, 3]
BATCH = 4


def model_and_data(activation, seed):
    rng = np.random.default_rng(seed)
    model = MLP(SIZES, activation=activation, init="xavier_normal", rng=seed, dtype=np.float64)
    for b in model.biases:  # non-zero biases, so that db is tested on something
        b[:] = rng.normal(0, 0.3, b.shape)
    x = rng.normal(size=(BATCH, SIZES[0]))
    return model, x


def loss_and_dout(model, x, loss_name, seed=0):
    rng = np.random.default_rng(seed + 100)
    if loss_name == "cross_entropy":
        target = rng.integers(0, SIZES[-1], BATCH)
    else:
        target = rng.normal(size=(BATCH, SIZES[-1]))
    loss_fn = losses.get(loss_name)
    return (lambda: loss_fn(model.forward(x), target)[0]), (lambda: loss_fn(model.forward(x), target)[1])


# --- shapes and records ---------------------------------------------------------------------------

def test_weight_and_bias_shapes():
    model = MLP([4, 7, 5, 3], rng=0)
    assert model.depth == 3
    assert [w.shape for w in model.weights] == [(4, 7), (7, 5), (5, 3)]
    assert [b.shape for b in model.biases] == [(7,), (5,), (3,)]
    assert all(not b.any() for b in model.biases)
    assert all(p.dtype == np.float32 for p in model.weights + model.biases)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_dtype_everywhere(dtype):
    model = MLP([3, 4, 2], rng=0, dtype=dtype)
    out = model.forward(np.arange(6).reshape(2, 3))  # integers are cast to the model's dtype
    grads = model.backward(np.ones((2, 2)))
    arrays = model.weights + model.biases + model.pre_activations + model.activations + [out]
    arrays += [g for pair in grads for g in pair] + model.grad_activations + model.grad_pre_activations
    assert all(a.dtype == dtype for a in arrays)


@settings(max_examples=20, deadline=None)
@given(sizes=st.lists(st.integers(1, 12), min_size=2, max_size=5), batch=st.integers(1, 6))
def test_shapes_for_any_sizes(sizes, batch):
    model = MLP(sizes, activation="tanh", rng=0)
    out = model.forward(np.ones((batch, sizes[0])))
    assert out.shape == (batch, sizes[-1])
    assert [z.shape for z in model.pre_activations] == [(batch, n) for n in sizes[1:]]
    assert [h.shape for h in model.activations] == [(batch, n) for n in sizes[1:]]
    grads = model.backward(np.ones((batch, sizes[-1])))
    assert [(dw.shape, db.shape) for dw, db in grads] == [(w.shape, b.shape) for w, b in zip(model.weights, model.biases)]
    assert model.grad_input.shape == (batch, sizes[0])


def test_forward_records_every_layer_and_last_is_linear():
    model, x = model_and_data("sigmoid", seed=1)
    for w in model.weights:
        w *= 5  # large enough that a sigmoid on the output would be visible
    out = model.forward(x)
    f = activations.get("sigmoid")
    h = x
    for k, (w, b) in enumerate(zip(model.weights, model.biases)):
        z = h @ w + b
        np.testing.assert_allclose(model.pre_activations[k], z, rtol=1e-14)
        h = z if k == model.depth - 1 else f(z)
        np.testing.assert_allclose(model.activations[k], h, rtol=1e-14)
    assert out is model.activations[-1]
    np.testing.assert_array_equal(out, model.pre_activations[-1])
    assert out.min() < 0 or out.max() > 1  # not squashed


def test_forward_clears_previous_records():
    model, x = model_and_data("tanh", seed=2)
    model.forward(x)
    model.backward(np.ones((BATCH, SIZES[-1])))
    model.forward(x[:2])
    assert len(model.pre_activations) == model.depth and model.grad_activations == []
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 3\)"):
        model.backward(np.ones((BATCH, SIZES[-1])))


# --- backward ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("loss_name", ["cross_entropy", "mse"])
@pytest.mark.parametrize("activation", activations.NAMES)
def test_backward_matches_finite_differences(activation, loss_name):
    model, x = model_and_data(activation, seed=3)
    loss, dout = loss_and_dout(model, x, loss_name)
    grads = model.backward(dout())
    # Stay away from the kinks at 0 (relu, leaky_relu, selu): a step of H moves z by ~H |h| < 1e-5.
    assert min(np.abs(z).min() for z in model.pre_activations[:-1]) > 1e-4
    tol = FD_TOL_GELU if activation == "gelu" else FD_TOL
    for k, (dw, db) in enumerate(grads):
        np.testing.assert_allclose(dw, numerical_gradient(loss, model.weights[k], h=H), **tol)
        np.testing.assert_allclose(db, numerical_gradient(loss, model.biases[k], h=H), **tol)
    assert max(np.abs(dw).max() for dw, _ in grads) > 1e-2  # the comparison was not of zeros


@pytest.mark.parametrize("options", [{"batch_norm": True}, {"residual": True}, {"batch_norm": True, "residual": True}])
def test_backward_with_batch_norm_and_skips_matches_finite_differences(options):
    rng = np.random.default_rng(6)
    model = MLP([3, 5, 5, 3], activation="tanh", rng=6, dtype=np.float64, **options)
    assert model.skips == [False, "residual" in options]
    for p in model.parameters():  # move gamma, beta and the biases off their initial 1 and 0
        p += rng.normal(0, 0.3, p.shape)
    x = rng.normal(size=(BATCH, 3))
    loss, dout = loss_and_dout(model, x, "cross_entropy")
    model.backward(dout())
    for p, g in zip(model.parameters(), model.gradients()):
        np.testing.assert_allclose(g, numerical_gradient(loss, p, h=H), **FD_TOL)


def test_grad_input_matches_finite_differences():
    model, x = model_and_data("tanh", seed=4)
    loss, dout = loss_and_dout(model, x, "mse")
    model.backward(dout())
    np.testing.assert_allclose(model.grad_input, numerical_gradient(loss, x, h=H), **FD_TOL)


def test_skipping_the_input_gradient_changes_no_other_gradient():
    model, x = model_and_data("relu", seed=4)
    loss, dout = loss_and_dout(model, x, "mse")
    model.backward(dout())
    full = [g.copy() for g in model.gradients()]
    recorded = [a.copy() for a in model.grad_pre_activations + model.grad_activations]
    model.backward(dout(), input_grad=False)
    assert model.grad_input is None
    for a, b in zip(full, model.gradients()):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(recorded, model.grad_pre_activations + model.grad_activations):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("activation", ["tanh", "relu", "selu"])
def test_recorded_gradients_follow_the_chain_rule(activation):
    model, x = model_and_data(activation, seed=5)
    model.forward(x)
    dout = np.random.default_rng(0).normal(size=(BATCH, SIZES[-1]))
    grads = model.backward(dout)
    f = model.activation
    L = model.depth
    np.testing.assert_array_equal(model.grad_activations[-1], dout)
    np.testing.assert_array_equal(model.grad_pre_activations[-1], dout)  # last layer linear
    for k in range(L):
        if k < L - 1:
            np.testing.assert_allclose(model.grad_pre_activations[k],
                                       model.grad_activations[k] * f.derivative(model.pre_activations[k]))
            np.testing.assert_allclose(model.grad_activations[k], model.grad_pre_activations[k + 1] @ model.weights[k + 1].T)
        h_prev = x if k == 0 else model.activations[k - 1]
        np.testing.assert_allclose(grads[k][0], h_prev.T @ model.grad_pre_activations[k])
        np.testing.assert_allclose(grads[k][1], model.grad_pre_activations[k].sum(axis=0))
    np.testing.assert_allclose(model.grad_input, model.grad_pre_activations[0] @ model.weights[0].T)


# --- init and rng -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", init.NAMES)
def test_named_init_draws_layers_in_order_from_one_generator(name):
    model = MLP([6, 4, 5], init=name, rng=9)
    gen = np.random.default_rng(9)
    for w, (fan_in, fan_out) in zip(model.weights, [(6, 4), (4, 5)]):
        np.testing.assert_array_equal(w, getattr(init, name)(fan_in, fan_out, rng=gen))


def test_callable_init_receives_fans_and_a_generator():
    calls = []

    def custom(fan_in, fan_out, rng):
        calls.append((fan_in, fan_out, type(rng)))
        return np.full((fan_in, fan_out), 0.5)

    model = MLP([2, 3, 1], init=custom, rng=0, dtype=np.float64)
    assert calls == [(2, 3, np.random.Generator), (3, 1, np.random.Generator)]
    assert model.weights[1].dtype == np.float64 and (model.weights[1] == 0.5).all()


def test_same_seed_same_model():
    a, b, c = MLP([3, 8, 2], rng=1), MLP([3, 8, 2], rng=np.random.default_rng(1)), MLP([3, 8, 2], rng=2)
    assert all(np.array_equal(u, v) for u, v in zip(a.weights, b.weights))
    assert not np.array_equal(a.weights[0], c.weights[0])


# --- bad input --------------------------------------------------------------------------------------

@pytest.mark.parametrize("sizes", [[5], [], 5, "35", None])
def test_sizes_needs_two_entries(sizes):
    with pytest.raises(ValueError, match="sizes must be a sequence of at least two layer widths"):
        MLP(sizes)


@pytest.mark.parametrize("bad, error", [(0, ValueError), (-3, ValueError), (2.5, TypeError), (True, TypeError),
                                        ("8", TypeError)])
def test_sizes_entries_positive_integers(bad, error):
    with pytest.raises(error, match=r"sizes\[1\] must be a positive integer"):
        MLP([3, bad, 2])


@pytest.mark.parametrize("kwargs, error, message", [
    ({"activation": "softplus"}, ValueError, "activation must be one of"),
    ({"init": "glorot"}, ValueError, "init must be one of"),
    ({"init": "constant"}, ValueError, "init must be one of"),
    ({"dtype": np.int32}, ValueError, "dtype must be float16, float32 or float64"),
    ({"rng": "seed"}, TypeError, "rng must be None, an int seed or a numpy.random.Generator"),
    ({"rng": np.random.RandomState(0)}, TypeError, "rng must be None, an int seed"),
    ({"init": lambda fan_in, fan_out, rng: np.zeros((fan_out, fan_in))}, ValueError,
     r"init returned shape \(2, 3\) for a \(3, 2\) layer"),
    ({"init": lambda fan_in, fan_out, rng: np.zeros(fan_in * fan_out)}, ValueError, r"init returned shape \(6,\)"),
])
def test_bad_constructor_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        MLP([3, 2], **kwargs)


@pytest.mark.parametrize("x, error, message", [
    (np.ones((4, 2)), ValueError, r"x must have shape \(batch, 3\), got shape \(4, 2\)"),
    (np.ones(3), ValueError, r"x must have shape \(batch, 3\), got shape \(3,\)"),
    (np.ones((2, 3, 1)), ValueError, r"x must have shape \(batch, 3\)"),
    (np.ones((0, 3)), ValueError, "x must hold at least one row"),
    (np.array([["a", "b", "c"]]), TypeError, "x must be numeric"),
])
def test_forward_rejects_wrong_x(x, error, message):
    with pytest.raises(error, match=message):
        MLP([3, 4, 2], rng=0).forward(x)


def test_backward_before_forward():
    with pytest.raises(RuntimeError, match=r"call forward\(x\) before backward\(dout\)"):
        MLP([3, 4, 2], rng=0).backward(np.ones((1, 2)))


@pytest.mark.parametrize("dout, message", [
    (np.ones((5, 3)), r"dout must have shape \(batch, 2\), got shape \(5, 3\)"),
    (np.ones(2), r"dout must have shape \(batch, 2\), got shape \(2,\)"),
    (np.ones((4, 2)), r"dout must have shape \(5, 2\) like the last forward output, got \(4, 2\)"),
])
def test_backward_rejects_wrong_dout(dout, message):
    model = MLP([3, 4, 2], rng=0)
    model.forward(np.ones((5, 3)))
    with pytest.raises(ValueError, match=message):
        model.backward(dout)


def test_bias_std_draws_biases_after_the_weights():
    plain = MLP([6, 50, 40, 3], activation="tanh", rng=3)
    biased = MLP([6, 50, 40, 3], activation="tanh", rng=3, bias_std=0.5)
    for w, v in zip(plain.weights, biased.weights):  # same seed, same weights
        np.testing.assert_array_equal(w, v)
    assert all(not b.any() for b in plain.biases)
    draws = np.concatenate(biased.biases)
    assert draws.dtype == np.float32 and draws.size == 93
    # 93 draws of N(0, 0.25): the sample std is within 20 % of 0.5 (about 3 standard errors).
    assert np.std(draws) == pytest.approx(0.5, rel=0.2)


def test_bias_std_is_checked():
    with pytest.raises(ValueError, match="bias_std must be >= 0"):
        MLP([3, 4, 2], bias_std=-0.1)
    with pytest.raises(TypeError, match="bias_std must be a real number"):
        MLP([3, 4, 2], bias_std="0.1")


def test_linear_default_draws_torch_biases():
    # nn.Linear.reset_parameters: weight and bias both U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    sizes = [400, 300, 200, 10]
    model = MLP(sizes, activation="sigmoid", init="linear_default", rng=0)
    for fan_in, w, b in zip(sizes[:-1], model.weights, model.biases):
        bound = 1 / np.sqrt(fan_in)
        assert b.dtype == np.float32 and b.shape == (w.shape[1],)
        assert np.all(np.abs(b) <= bound) and np.all(np.abs(w) <= bound)
        # Uniform on (-c, c): mean 0, variance c^2/3; tolerance 4 standard errors of each moment.
        n = b.size
        assert abs(b.mean()) < 4 * bound / np.sqrt(3 * n)
        assert b.var() == pytest.approx(bound**2 / 3, abs=4 * bound**2 * np.sqrt(4 / 45 / n))
    # Uniform, not Gaussian: the biases fill their interval (max |b| close to the bound).
    assert np.abs(model.biases[0]).max() > 0.98 / np.sqrt(sizes[0])


def test_linear_default_biases_come_after_the_weights_and_can_be_zeroed():
    torch_like = MLP([6, 50, 40, 3], init="linear_default", rng=3)
    glorot = MLP([6, 50, 40, 3], init="linear_default", rng=3, bias_init="zeros")
    from_callable = MLP([6, 50, 40, 3], init=init.linear_default, rng=3)
    for w, v, u in zip(torch_like.weights, glorot.weights, from_callable.weights):
        np.testing.assert_array_equal(w, v)
        np.testing.assert_array_equal(w, u)
    assert all(not b.any() for b in glorot.biases)
    assert all(b.any() for b in torch_like.biases)
    for b, c in zip(torch_like.biases, from_callable.biases):
        np.testing.assert_array_equal(b, c)
    # Every other scheme keeps PyTorch's zeros_ convention for the bias.
    assert all(not b.any() for b in MLP([6, 5, 3], init="xavier_uniform", rng=0).biases)
    forced = MLP([6, 5, 3], init="xavier_uniform", rng=0, bias_init="linear_default")
    assert all(np.all(np.abs(b) <= 1 / np.sqrt(n)) and b.any() for b, n in zip(forced.biases, [6, 5]))


def test_bias_init_is_checked():
    with pytest.raises(ValueError, match="bias_init .*'zeros', 'linear_default'; got 'normal'"):
        MLP([3, 4, 2], bias_init="normal")
    with pytest.raises(ValueError, match="bias_std=0.5 draws Gaussian biases.*bias_init='zeros'"):
        MLP([3, 4, 2], init="linear_default", bias_std=0.5)
    assert MLP([3, 4, 2], init="linear_default", bias_init="zeros", bias_std=0.5, rng=0).biases[0].any()
