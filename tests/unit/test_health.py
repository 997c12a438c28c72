"""initlab.health: the checklist's measurements against their definitions, its verdicts on the book's failures,
and clear errors for bad arguments."""

import math

import numpy as np
import pytest

from initlab import MLP, data, health, init, losses
from initlab.training import History

X, Y = data.digits()
X_PROBE, Y_PROBE = X[:256], Y[:256]
SGD = dict(lr=0.02, momentum=0.9, batch_size=64)


def digits_mlp(depth=8, **options):
    return MLP([64] + [64] * depth + [10], rng=0, **options)


# ------------------------------------------------------------------------------------------------ the loss at step 0


def test_chance_loss_is_the_cross_entropy_of_equal_logits():
    for classes in (2, 10, 1000):
        labels = np.arange(classes) % classes
        loss, _ = losses.softmax_cross_entropy(np.zeros((classes, classes)), labels)
        assert health.chance_loss(classes) == pytest.approx(loss, rel=1e-12)
        assert health.expected_initial_loss(classes, 0.0) == pytest.approx(loss, rel=1e-12)


@pytest.mark.parametrize("classes, std", [(10, 0.1), (10, 0.2), (3, 0.2)])
def test_expected_initial_loss_matches_sampled_logits_to_second_order(classes, std):
    rng = np.random.default_rng(0)
    n = 400_000
    logits = std * rng.standard_normal((n, classes))
    labels = rng.integers(0, classes, n)
    shifted = logits - logits.max(axis=1, keepdims=True)
    per_example = np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(n), labels]
    sem = per_example.std() / math.sqrt(n)
    # The expansion leaves out terms of order s⁴ (s³ terms have mean 0 by symmetry).
    assert abs(per_example.mean() - health.expected_initial_loss(classes, std)) < 4 * sem + std**4
    # and the second-order term is really there: without it the sampled mean is many errors away.
    assert per_example.mean() - health.chance_loss(classes) > 10 * sem


# ------------------------------------------------------------------------------------------- per-layer measurements


def test_profile_measures_what_its_docstring_says():
    model = digits_mlp(activation="relu", init="kaiming_normal")
    got = health.profile(model, X_PROBE, Y_PROBE)
    out = model.forward(X_PROBE)
    loss, dout = losses.softmax_cross_entropy(out, Y_PROBE)
    model.backward(dout)
    hidden = model.activations[:-1]
    assert got["classes"] == 10 and got["initial_loss"] == pytest.approx(loss, rel=1e-6)
    assert got["logit_std"] == pytest.approx(float(np.std(out.astype(np.float64))), rel=1e-6)
    assert got["activation_rms"] == pytest.approx([np.sqrt(np.mean(h.astype(np.float64) ** 2)) for h in hidden],
                                                  rel=1e-6)
    assert got["backward_rms"] == pytest.approx(
        [np.sqrt(np.mean(g.astype(np.float64) ** 2)) for g in model.grad_activations[:-1]], rel=1e-6)
    assert len(got["input_spread"]) == model.depth - 1


def test_first_update_ratio_is_lr_times_gradient_over_weights():
    model = digits_mlp(depth=3, activation="tanh", init="xavier_normal")
    ratios, history, trained = health.update_ratios(model, X_PROBE, Y_PROBE, lr=0.05, steps=1)
    _, dout = losses.softmax_cross_entropy(model.forward(X_PROBE), Y_PROBE)
    grads = model.backward(dout)
    expected = [0.05 * np.linalg.norm(dw) / np.linalg.norm(w) for (dw, _), w in zip(grads, model.weights)]
    assert ratios == pytest.approx(expected, rel=1e-5)
    assert history.steps == 1 and trained is not model


def test_inspect_leaves_the_model_as_it_was_and_repeats_itself():
    model = digits_mlp(activation="relu", init="kaiming_normal")
    before = [p.copy() for p in model.parameters()]
    first = health.inspect(model, X_PROBE, Y_PROBE, **SGD)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.parameters()))
    second = health.inspect(model, X_PROBE, Y_PROBE, **SGD)
    assert np.array_equal(first.update_ratio, second.update_ratio)
    assert first.steps == 20 and first.failure is None and first.settings["lr"] == 0.02
    assert first.chance == pytest.approx(math.log(10))


# ---------------------------------------------------------------------------- verdicts on the book's own failures


def _failed(model, **settings):
    return [f.item for f in health.findings(health.inspect(model, X_PROBE, Y_PROBE, **settings)) if not f.ok]


def test_a_he_initialised_relu_network_passes_every_item():
    assert _failed(digits_mlp(activation="relu", init="kaiming_normal"), **SGD) == []
    assert _failed(digits_mlp(activation="tanh", init="xavier_normal"), **SGD) == []


def test_sigmoid_with_the_default_init_fails_on_the_backward_signal_not_the_forward_size():
    failed = _failed(digits_mlp(activation="sigmoid", init="linear_default"), **SGD)
    assert "backward RMS, first/last" in failed and "update ratio, min to max" in failed
    assert "input spread, last hidden" in failed
    assert "initial loss" not in failed and "activation RMS, last/first" not in failed


def test_a_deep_default_relu_network_keeps_its_activations_but_loses_its_input():
    failed = _failed(digits_mlp(depth=20, activation="relu", init="linear_default"), **SGD)
    assert "input spread, last hidden" in failed
    assert "activation RMS, last/first" not in failed


def test_too_large_weights_fail_at_step_zero_and_the_run_fails():
    report = health.inspect(digits_mlp(activation="relu", init=init.scaled_normal(2.5)), X_PROBE, Y_PROBE, **SGD)
    failed = [f.item for f in health.findings(report) if not f.ok]
    assert report.failure is not None and report.steps < 20
    assert {"initial loss", "logit std", "activation RMS, last/first", "backward RMS, first/last",
            "update ratio, min to max"} <= set(failed)


def test_a_too_large_learning_rate_passes_at_initialization_and_fails_in_the_first_steps():
    failed = _failed(digits_mlp(activation="relu", init="kaiming_normal"), lr=3.0, batch_size=64)
    assert failed == ["update ratio, min to max", "dead units, worst layer"]


def test_compare_puts_models_side_by_side_and_marks_failures():
    healthy = health.findings(health.inspect(digits_mlp(activation="relu", init="kaiming_normal"),
                                             X_PROBE, Y_PROBE, **SGD))
    rows = health.compare({"a": healthy, "b": healthy})
    assert [r[0] for r in rows] == [f.item for f in healthy]
    assert all(len(r) == 3 and "✗" not in r[1] + r[2] for r in rows)
    broken = [health.Finding(f.item, f.value, f.healthy, False) for f in healthy]
    assert all(r[2].endswith(" ✗") for r in health.compare({"a": healthy, "b": broken}))


def _history(loss, failure=None):
    loss = np.asarray(loss, dtype=float)
    empty = np.zeros((len(loss), 1))
    return History(loss=loss, grad_norm=empty, update_ratio=empty, distance_from_init=empty,
                   total_grad_norm=np.zeros(len(loss)), clipped=np.zeros(len(loss), bool),
                   failure=failure, failed_at=len(loss) if failure else None)


def test_outcome_bands():
    chance = math.log(10)
    assert health.outcome(_history([chance + 0.05] * 30), 10) == "at ln 10: learned nothing"
    assert health.outcome(_history([0.3] * 30), 10) == "loss below 0.5"
    assert health.outcome(_history([1.2] * 30), 10) == "loss 0.5 to ln 10"
    assert health.outcome(_history([5.0] * 30), 10) == "loss above ln 10"
    assert health.outcome(_history([2.0] * 7, failure="boom"), 10) == "overflowed at step 7"


# ---------------------------------------------------------------------------------------------------- bad arguments


@pytest.mark.parametrize("call, error, message", [
    (lambda: health.chance_loss(0), ValueError, "classes must be a positive integer"),
    (lambda: health.expected_initial_loss(10, -1.0), ValueError, "logit_std must be >= 0"),
    (lambda: health.inspect("net", X_PROBE, Y_PROBE, lr=0.1), TypeError, "model must be an initlab.MLP"),
    (lambda: health.inspect(MLP([64, 10], rng=0), X_PROBE, Y_PROBE, lr=0.1), ValueError,
     "at least one hidden layer"),
    (lambda: health.inspect(digits_mlp(depth=2), X_PROBE, Y_PROBE, lr=0.0), ValueError, "lr must be > 0"),
    (lambda: health.inspect(digits_mlp(depth=2), X_PROBE[:1], Y_PROBE[:1], lr=0.1), ValueError,
     "x must hold at least 2 examples"),
    (lambda: health.inspect(digits_mlp(depth=2), np.full_like(X_PROBE, np.nan), Y_PROBE, lr=0.1), ValueError,
     "x must be finite"),
    (lambda: health.inspect(digits_mlp(depth=2), X_PROBE, Y_PROBE + 10, lr=0.1), ValueError,
     "y must be integer class labels"),
    (lambda: health.update_ratios(digits_mlp(depth=2), X_PROBE, Y_PROBE, lr=0.1, steps=0), ValueError,
     "steps must be a positive integer"),
    (lambda: health.findings({"initial_loss": 2.3}), TypeError, "report must be an initlab.health.Report"),
    (lambda: health.compare({}), ValueError, "findings_by_name must be a non-empty dict"),
    (lambda: health.outcome(_history([]), 10), ValueError, "history recorded no step"),
])
def test_bad_arguments_name_the_argument(call, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()
