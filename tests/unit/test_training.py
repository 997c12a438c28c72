"""initlab.train: it learns, clips, uses PyTorch's momentum, and stops cleanly when numbers blow up."""

import re
import warnings

import numpy as np
import pytest

from initlab import MLP, accuracy, diagnostics, init, losses, train
from initlab import training
from initlab.training import outcome

from spirals import two_spirals


def blobs(n=50, seed=0):
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.normal(-1.5, 0.5, (n, 2)), rng.normal(1.5, 0.5, (n, 2))]).astype(np.float32)
    return x, np.repeat([0, 1], n)


def copy_params(model):
    return [p.copy() for p in model.parameters()]


# --- it learns ------------------------------------------------------------------------------------

def test_loss_decreases_on_separable_blobs():
    x, y = blobs()
    model = MLP([2, 8, 2], activation="tanh", init="xavier_normal", rng=0)
    history = train(model, x, y, lr=0.5, steps=50)
    assert history.loss[-1] < 0.05 * history.loss[0]
    assert accuracy(model, x, y) == 1.0


def test_two_spirals_are_learned():
    x, y = two_spirals(100, rng=0)
    model = MLP([2, 32, 32, 2], activation="relu", rng=1)
    history = train(model, x, y, lr=0.1, momentum=0.9, steps=300)
    assert history.loss[-1] < 0.1 * history.loss[0]
    assert accuracy(model, x, y) > 0.95


def test_minibatches_are_deterministic_by_seed_and_accept_lists():
    x, y = blobs()
    runs = [train(MLP([2, 8, 2], rng=0), x, list(y), lr=0.1, steps=20, batch_size=16, rng=seed)
            for seed in (3, 3, 4)]
    np.testing.assert_array_equal(runs[0].loss, runs[1].loss)
    assert not np.array_equal(runs[0].loss, runs[2].loss)


# --- what is recorded ------------------------------------------------------------------------------

def test_history_shapes_and_values():
    x, y = blobs()
    model = MLP([2, 6, 5, 2], activation="tanh", rng=0, dtype=np.float64)
    w0 = [w.copy() for w in model.weights]
    g0 = diagnostics.gradient_norms(model, x, y)
    lr = 0.3
    h = train(model, x, y, lr=lr, steps=7)
    assert h.steps == 7 and not h.diverged and h.failure is None and h.failed_at is None
    assert h.loss.shape == h.total_grad_norm.shape == h.clipped.shape == (7,)
    assert h.grad_norm.shape == h.update_ratio.shape == h.distance_from_init.shape == (7, 3)
    assert h.clipped.dtype == bool and not h.clipped.any()
    np.testing.assert_allclose(h.grad_norm[0], g0, rtol=1e-12)
    # Step 0, no momentum: the update is lr * g, measured against the weights before it.
    np.testing.assert_allclose(h.update_ratio[0], lr * g0 / [np.linalg.norm(w) for w in w0], rtol=1e-12)
    final = [np.linalg.norm(w - v) / np.linalg.norm(v) for w, v in zip(model.weights, w0)]
    np.testing.assert_allclose(h.distance_from_init[-1], final, rtol=1e-12)
    assert h.settings["lr"] == lr and h.settings["steps"] == 7
    assert repr(h).startswith("History(7 steps, finished")


# --- clipping and momentum ---------------------------------------------------------------------------

@pytest.mark.parametrize("tau", [1e-3, 0.05])
def test_clipped_update_has_norm_lr_tau(tau):
    x, y = blobs()
    model = MLP([2, 6, 2], activation="tanh", rng=0, dtype=np.float64)
    before = copy_params(model)
    model.backward(losses.softmax_cross_entropy(model.forward(x), y)[1])
    grads = [g.copy() for g in model.gradients()]
    g_norm = np.sqrt(sum(np.sum(g**2) for g in grads))
    assert g_norm > tau  # so that clipping is active
    lr = 0.5
    h = train(model, x, y, lr=lr, steps=1, clip_norm=tau)
    deltas = [p0 - p for p0, p in zip(before, model.parameters())]
    assert np.sqrt(sum(np.sum(d**2) for d in deltas)) == pytest.approx(lr * tau, rel=1e-12)
    for d, g in zip(deltas, grads):  # same direction as the gradient: g tau / |g|
        np.testing.assert_allclose(d, lr * tau * g / g_norm, rtol=1e-10, atol=1e-15)
    assert h.clipped[0] and h.total_grad_norm[0] == pytest.approx(g_norm, rel=1e-12)


def test_no_clipping_below_the_threshold():
    x, y = blobs()
    model = MLP([2, 6, 2], activation="tanh", rng=0, dtype=np.float64)
    reference = MLP([2, 6, 2], activation="tanh", rng=0, dtype=np.float64)
    h = train(model, x, y, lr=0.5, steps=3, clip_norm=1e6)
    train(reference, x, y, lr=0.5, steps=3)
    assert not h.clipped.any()
    assert all(np.array_equal(p, q) for p, q in zip(model.parameters(), reference.parameters()))


@pytest.mark.parametrize("momentum, w2, b2", [(0.9, 0.5, -0.5), (0.0, 0.68, -0.32)])
def test_momentum_matches_torch_sgd_by_hand(momentum, w2, b2):
    # out = w x + b with x = 1, target 0, MSE: g_w = g_b = 2 (w + b). From w = 1, b = 0, lr = 0.1:
    #   step 1: g = 2,   v = 2,                w = 0.8,  b = -0.2
    #   step 2: g = 1.2, v = mu * 2 + 1.2,     w = 0.8 - 0.1 v,  b = -0.2 - 0.1 v
    # torch.optim.SGD(momentum=mu): buf = g on the first step, then buf = mu buf + g; p -= lr buf.
    model = MLP([1, 1], init=lambda fan_in, fan_out, rng: np.ones((1, 1)), dtype=np.float64)
    train(model, [[1.0]], [[0.0]], loss="mse", lr=0.1, momentum=momentum, steps=2)
    assert model.weights[0][0, 0] == pytest.approx(w2, abs=1e-14)
    assert model.biases[0][0] == pytest.approx(b2, abs=1e-14)


@pytest.mark.parametrize("clip_norm", [None, 0.5])
def test_plain_sgd_is_exactly_lr_times_the_gradient(clip_norm):
    """Without momentum train keeps no velocity: each step is p -= lr (s g), the floats of the rule by hand."""
    x, y = SPIRALS
    model = MLP([2, 16, 16, 2], activation="tanh", rng=3)
    reference = MLP([2, 16, 16, 2], activation="tanh", rng=3)
    train(model, x, y, lr=0.3, steps=5, clip_norm=clip_norm)
    for _ in range(5):
        _, dout = losses.softmax_cross_entropy(reference.forward(x), y)
        reference.backward(dout)
        grads = reference.gradients()
        total = np.hypot.reduce([np.linalg.norm(g.astype(np.float64)) for g in grads])
        scale = clip_norm / total if clip_norm is not None and total > clip_norm else 1.0
        for p, g in zip(reference.parameters(), grads):
            p -= 0.3 * g if scale == 1.0 else 0.3 * (scale * g)
    assert all(np.array_equal(p, q) for p, q in zip(model.parameters(), reference.parameters()))


# --- divergence --------------------------------------------------------------------------------------

def huge_init(fan_in, fan_out, rng):
    return init.normal(fan_in, fan_out, std=30.0, rng=rng)


SPIRALS = two_spirals(100, rng=0)
ONE_HOT = np.eye(2)[SPIRALS[1]]

# (MLP arguments, train arguments, how the failure must read): each one breaks in a different place.
DIVERGING = {
    "float16 huge init": (dict(sizes=[2, 64, 64, 64, 2], init=huge_init, dtype=np.float16), dict(lr=0.1),
                          r"layer \d pre-activations became inf in the forward pass \(float16 max 6.55e\+04\)"),
    "float16 huge lr": (dict(sizes=[2, 16, 16, 2], activation="linear", dtype=np.float16),
                        dict(lr=1.0, loss="mse"), r"layer \d gradient became (inf|NaN) in the backward pass"),
    "float32 huge lr": (dict(sizes=[2, 16, 16, 2], activation="linear", dtype=np.float32),
                        dict(lr=10.0, loss="mse"), r"layer \d pre-activations became (inf|NaN) in the forward pass "
                                                   r"\(float32 max 3.403e\+38\)"),
    "float32 tanh huge lr": (dict(sizes=[2, 16, 16, 2], activation="tanh", dtype=np.float32),
                             dict(lr=10.0, loss="mse"), r"the loss became (inf|nan)"),
    # Gradients pass 1e154 here before anything overflows: their squares do not fit in float64.
    "float64 huge lr": (dict(sizes=[2, 16, 16, 2], activation="linear", dtype=np.float64, rng=1),
                        dict(lr=3.0, loss="mse"), r"layer \d pre-activations became inf in the forward pass"),
}


@pytest.mark.parametrize("case", DIVERGING)
def test_divergence_stops_cleanly(case):
    model_kwargs, train_kwargs, message = DIVERGING[case]
    model = MLP(**{"rng": 0, **model_kwargs})
    y = ONE_HOT if train_kwargs.get("loss") == "mse" else SPIRALS[1]
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        h = train(model, SPIRALS[0], y, steps=200, **train_kwargs)
    assert h.diverged and isinstance(h.failure, str)
    assert re.match(message, h.failure), h.failure
    named = re.search(r"layer (\d+)", h.failure)
    assert h.failed_layer == (int(named.group(1)) if named else None)
    assert h.failed_at == h.steps < 200
    assert f"failed at step {h.failed_at}: {h.failure}" in repr(h)
    for name in ("loss", "grad_norm", "update_ratio", "distance_from_init", "total_grad_norm"):
        values = getattr(h, name)
        assert values.shape[0] == h.steps and np.isfinite(values).all(), name
    assert h.grad_norm.shape == (h.steps, model.depth)
    if "pass" in h.failure:  # caught before the update: the weights are still the last good ones
        assert all(np.isfinite(p).all() for p in model.parameters())


def test_divergence_is_reported_after_some_good_steps():
    model = MLP([2, 16, 16, 2], activation="linear", rng=0)
    h = train(model, SPIRALS[0], ONE_HOT, loss="mse", lr=10.0, steps=200)
    assert 0 < h.failed_at == h.steps and h.loss.shape == (h.steps,)


def test_failed_layer_is_none_for_a_run_that_finishes():
    h = train(MLP([2, 8, 2], rng=0), *SPIRALS, lr=0.1, steps=5)
    assert not h.diverged and h.failed_layer is None and h.failed_at is None


def test_float16_overflow_names_its_step_and_layer():
    # Weights 30x too large: layer 1's pre-activations are finite (|z| < 1e3), float16 overflows deeper.
    model = MLP([2, 64, 64, 64, 2], init=huge_init, dtype=np.float16, rng=0)
    h = train(model, *SPIRALS, lr=0.1, steps=5)
    assert h.failed_at == 0 and 1 < h.failed_layer <= model.depth
    assert h.failure.startswith(f"layer {h.failed_layer} pre-activations became inf")
    with np.errstate(over="ignore", invalid="ignore"):
        model.forward(SPIRALS[0])  # the same forward pass, looked at directly
    finite = [bool(np.isfinite(z).all()) for z in model.pre_activations]
    assert finite.index(False) + 1 == h.failed_layer


# --- bad input ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, error, message", [
    ({"lr": float("nan")}, ValueError, "lr must be finite"),
    ({"lr": float("inf")}, ValueError, "lr must be finite"),
    ({"lr": 0}, ValueError, "lr must be > 0"),
    ({"lr": -1}, ValueError, "lr must be > 0"),
    ({"lr": "0.1"}, TypeError, "lr must be a real number"),
    ({"momentum": 1.0}, ValueError, r"momentum must be in \[0, 1\)"),
    ({"momentum": 1.5}, ValueError, r"momentum must be in \[0, 1\)"),
    ({"momentum": -0.1}, ValueError, "momentum must be >= 0"),
    ({"clip_norm": 0}, ValueError, "clip_norm must be > 0"),
    ({"clip_norm": -1.0}, ValueError, "clip_norm must be > 0"),
    ({"clip_norm": float("inf")}, ValueError, "clip_norm must be finite"),
    ({"steps": 0}, ValueError, "steps must be a positive integer"),
    ({"steps": 2.5}, TypeError, "steps must be a positive integer"),
    ({"batch_size": 11}, ValueError, r"batch_size must be at most the number of examples \(10\), got 11"),
    ({"batch_size": 0}, ValueError, "batch_size must be a positive integer"),
    ({"loss": "hinge"}, ValueError, "loss must be one of 'cross_entropy', 'mse'"),
    ({"rng": "seed"}, TypeError, "rng must be None, an int seed or a numpy.random.Generator"),
    ({"rng": 0.5}, TypeError, "rng must be None, an int seed or a numpy.random.Generator"),
])
def test_bad_arguments(kwargs, error, message):
    x, y = np.zeros((10, 2)), np.zeros(10, dtype=int)
    model = MLP([2, 3, 2], rng=0)
    before = copy_params(model)
    with pytest.raises(error, match=message):
        train(model, x, y, **kwargs)
    assert all(np.array_equal(p, q) for p, q in zip(before, model.parameters()))


@pytest.mark.parametrize("y", [np.zeros(9, dtype=int), np.zeros(11, dtype=int), 0])
def test_mismatched_lengths(y):
    with pytest.raises(ValueError, match="x and y must hold the same number of examples, got 10 and"):
        train(MLP([2, 3, 2], rng=0), np.zeros((10, 2)), y)


def _with_bad_entries():
    x = np.zeros((10, 2), dtype=np.float32)
    x[3, 1], x[5, 0], x[6, 0] = np.nan, np.inf, np.nan
    return x


@pytest.mark.parametrize("x, message", [
    (_with_bad_entries(), r"x must be finite, got 2 NaN and 1 inf among its 20 entries, the first x\[3, 1\] = nan"),
    (np.full((10, 2), -np.inf), r"x must be finite, got 20 inf among its 20 entries, the first x\[0, 0\] = -inf"),
    ([[0.0, float("nan")]] + [[0.0, 0.0]] * 9, r"x must be finite, got 1 NaN among its 20 entries, the first x\[0, 1\]"),
])
def test_non_finite_data_is_rejected_before_training(x, message):
    # Today's symptom was "layer 1 pre-activations became NaN ... (float32 max 3.403e+38)" at step 0.
    model = MLP([2, 3, 4], rng=0)
    before = copy_params(model)
    with pytest.raises(ValueError, match=message):
        train(model, x, np.zeros(10, dtype=int))
    with pytest.raises(ValueError, match=message):
        accuracy(model, x, np.zeros(10, dtype=int))
    assert all(np.array_equal(p, q) for p, q in zip(before, model.parameters()))


@pytest.mark.parametrize("y, error, message", [
    (np.arange(10), ValueError, r"y must be integer class labels in \[0, 3\] \(the model has 4 outputs\), "
                                r"got 6 outside that range, the first y\[4\] = 4"),
    (-np.ones(10, dtype=int), ValueError, r"y must be integer class labels in \[0, 3\] .* the first y\[0\] = -1"),
    (np.zeros(10), TypeError, r"y must be integer class labels in \[0, 3\], got dtype float64"),
    (np.zeros(10, dtype=bool), TypeError, r"y must be integer class labels in \[0, 3\], got dtype bool"),
    (np.zeros((10, 1), dtype=int), ValueError, r"y must be a 1-D array of integer class labels in \[0, 3\], "
                                               r"got shape \(10, 1\)"),
])
def test_labels_must_be_classes_of_the_model(y, error, message):
    model = MLP([2, 3, 4], rng=0)
    before = copy_params(model)
    with pytest.raises(error, match=message):
        train(model, np.zeros((10, 2)), y)
    with pytest.raises(error, match=message):
        accuracy(model, np.zeros((10, 2)), y)
    assert all(np.array_equal(p, q) for p, q in zip(before, model.parameters()))


def test_mse_targets_must_be_finite_and_of_the_output_shape():
    model = MLP([2, 3, 4], rng=0)
    targets = np.zeros((10, 4))
    targets[2, 3] = np.nan
    with pytest.raises(ValueError, match=r"y must be finite, got 1 NaN among its 40 entries, the first y\[2, 3\] = nan"):
        train(model, np.zeros((10, 2)), targets, loss="mse")
    with pytest.raises(ValueError, match=r"y must be targets of shape \(10, 4\) for the mse loss, got shape \(10, 3\)"):
        train(model, np.zeros((10, 2)), np.zeros((10, 3)), loss="mse")


def test_accuracy_names_mismatched_lengths():
    with pytest.raises(ValueError, match="x and y must hold the same number of examples, got 10 and 3"):
        accuracy(MLP([2, 3, 2], rng=0), np.zeros((10, 2)), np.zeros(3, dtype=int))


@pytest.mark.parametrize("options", [dict(lr=0.5, steps=20), dict(lr=0.1, steps=20, batch_size=16, momentum=0.9, rng=3),
                                     dict(lr=0.1, steps=10, loss="mse")])
def test_the_data_check_leaves_a_valid_run_unchanged(monkeypatch, options):
    # The check only reads x and y: a run with it is bit for bit the run without it, and the data is untouched.
    x, y = blobs()
    if options.get("loss") == "mse":
        y = np.eye(2)[y]
    x.flags.writeable = y.flags.writeable = False  # any write to the data would raise
    x0, y0 = x.copy(), y.copy()

    def run():
        model = MLP([2, 8, 2], activation="tanh", rng=0)
        h = train(model, x, y, **options)
        return h, model.parameters()

    checked, checked_params = run()
    monkeypatch.setattr(training, "_check_data", lambda *args, **kwargs: None)
    unchecked, unchecked_params = run()
    for name in ("loss", "grad_norm", "update_ratio", "distance_from_init", "total_grad_norm", "clipped"):
        np.testing.assert_array_equal(getattr(checked, name), getattr(unchecked, name))
    assert all(np.array_equal(p, q) for p, q in zip(checked_params, unchecked_params))
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, y0)


def test_steps_to_loss_uses_a_running_mean():
    h = train(MLP([2, 8, 2], rng=0), *SPIRALS, lr=0.1, steps=3)
    h.loss = np.array([3.0, 0.1, 3.0, 2.0, 1.0, 0.5, 0.5])
    assert h.steps_to_loss(1.0, window=1) == 1
    assert h.steps_to_loss(1.0, window=3) == 6  # the mean of steps 4-6 is the first below 1
    assert h.steps_to_loss(0.1, window=2) is None
    assert h.steps_to_loss(10.0, window=8) is None  # fewer steps than the window


@pytest.mark.parametrize("kwargs, error, message", [
    ({"target": float("nan")}, ValueError, "target must be finite"),
    ({"target": 1.0, "window": 0}, ValueError, "window must be a positive integer"),
])
def test_steps_to_loss_bad_arguments(kwargs, error, message):
    h = train(MLP([2, 8, 2], rng=0), *SPIRALS, lr=0.1, steps=3)
    with pytest.raises(error, match=message):
        h.steps_to_loss(**kwargs)


def test_accuracy_uses_running_statistics_and_leaves_them_alone():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((64, 5)).astype(np.float32), rng.integers(0, 3, 64)
    model = MLP([5, 8, 3], activation="relu", rng=0, batch_norm=True)
    train(model, x, y, lr=0.1, steps=20, batch_size=16, rng=0)
    before = [(bn.running_mean.copy(), bn.running_var.copy()) for bn in model.norms]
    a = accuracy(model, x[:1], y[:1])  # one example: train mode would refuse a batch of one
    assert a in (0.0, 1.0)
    expected = np.mean(np.argmax(model.forward(x, train=False), axis=1) == y)
    assert accuracy(model, x, y) == expected
    for (mean, var), bn in zip(before, model.norms):
        np.testing.assert_array_equal(bn.running_mean, mean)
        np.testing.assert_array_equal(bn.running_var, var)


# --- the update ratio over a window ------------------------------------------------------------------------

def test_mean_update_ratio_averages_the_window_ending_at_step():
    x, y = blobs()
    h = train(MLP([2, 8, 8, 2], activation="tanh", rng=0), x, y, lr=0.1, steps=20)
    np.testing.assert_array_equal(h.mean_update_ratio(12, window=5), h.update_ratio[7:12].mean(axis=0))
    np.testing.assert_array_equal(h.mean_update_ratio(3, window=10), h.update_ratio[0:3].mean(axis=0))
    np.testing.assert_array_equal(h.mean_update_ratio(0, window=10), h.update_ratio[0])  # at least one step
    np.testing.assert_array_equal(h.mean_update_ratio(500, window=4), h.update_ratio[16:].mean(axis=0))


def test_mean_update_ratio_names_bad_arguments():
    x, y = blobs()
    h = train(MLP([2, 4, 2], rng=0), x, y, steps=3)
    with pytest.raises(ValueError, match="step must be a non-negative integer"):
        h.mean_update_ratio(-1)
    with pytest.raises(ValueError, match="window must be a positive integer"):
        h.mean_update_ratio(2, window=0)
    failed = train(MLP([2] + [8] * 30 + [2], activation="relu", init=init.scaled_normal(100.0), rng=0),
                   x, y, steps=3)
    with pytest.raises(ValueError, match="recorded no step"):
        failed.mean_update_ratio(0)


def test_outcome_of_finished_and_failed_runs():
    x, y = blobs()
    fine = train(MLP([2, 8, 2], rng=0), x, y, lr=0.1, steps=30)
    assert outcome(fine) == f"final loss {fine.loss[-20:].mean():.3f}, largest {fine.loss.max():.3g}"
    failed = train(MLP([2] + [8] * 30 + [2], activation="relu", init=init.scaled_normal(100.0), rng=0),
                   x, y, steps=3)
    assert failed.diverged
    where = f" in layer {failed.failed_layer}" if failed.failed_layer else ""
    assert outcome(failed) == f"overflowed at step {failed.failed_at}{where}"
