"""initlab.seed_runs: one network trained from several seeds, summarised."""

import math

import numpy as np
import pytest

from initlab import MLP, init, seed_runs

from spirals import two_spirals



@pytest.fixture(scope="module")
def spirals():
    return two_spirals(32, rng=0)


def build_tanh(seed):
    return MLP([2, 8, 8, 2], activation="tanh", init="xavier_normal", rng=seed)


def test_train_seeds_summarises_final_loss_accuracy_and_steps(spirals):
    x, y = spirals
    runs = seed_runs.train_seeds(build_tanh, x, y, x, y, seeds=[0, 1, 2], target=0.69, window=5,
                               lr=0.1, momentum=0.9, steps=40, batch_size=16)
    assert runs.seeds == [0, 1, 2] and len(runs.histories) == 3 and len(runs.accuracies) == 3
    finals = [float(np.mean(h.loss[-5:])) for h in runs.histories]
    assert runs.final_losses == pytest.approx(finals)
    loss, loss_sd, acc, acc_sd, steps, reached = runs.summary()
    assert loss == pytest.approx(np.mean(finals)) and loss_sd == pytest.approx(np.std(finals, ddof=1))
    assert acc == pytest.approx(np.mean(runs.accuracies)) and acc_sd == pytest.approx(np.std(runs.accuracies, ddof=1))
    got_there = [s for s in runs.steps if s is not None]
    assert reached == len(got_there)
    assert steps == (pytest.approx(np.mean(got_there)) if got_there else None)


def test_train_seeds_is_deterministic_and_seeds_differ(spirals):
    x, y = spirals
    options = dict(target=0.5, lr=0.1, steps=10, batch_size=16)
    a = seed_runs.train_seeds(build_tanh, x, y, x, y, seeds=[0, 1], **options)
    b = seed_runs.train_seeds(build_tanh, x, y, x, y, seeds=[0, 1], **options)
    np.testing.assert_array_equal(a.histories[0].loss, b.histories[0].loss)
    assert not np.array_equal(a.histories[0].loss, a.histories[1].loss)


def test_a_run_that_never_reaches_the_target_counts_as_never(spirals):
    x, y = spirals
    runs = seed_runs.train_seeds(lambda s: MLP([2, 8, 2], init="zeros", rng=s), x, y, x, y, seeds=[0],
                               target=0.01, lr=0.1, steps=10)
    assert runs.steps == [None]
    assert runs.summary()[4:] == (None, 0)
    assert runs.summary()[1] == 0.0 and runs.summary()[3] == 0.0  # one seed: no spread


def test_a_diverged_run_has_an_infinite_final_loss(spirals):
    x, y = spirals
    runs = seed_runs.train_seeds(lambda s: MLP([2] + [8] * 30 + [2], init=init.scaled_normal(100.0), rng=s),
                               x, y, x, y, seeds=[0], target=0.5, lr=0.1, steps=3)
    assert runs.histories[0].diverged
    assert runs.final_losses == [math.inf]


@pytest.mark.parametrize("seeds, match", [([], "at least one seed"), ([0, -1], r"seeds\[1\] must be a non-negative"),
                                          ([0.5], r"seeds\[0\]"), ([True], r"seeds\[0\]")])
def test_train_seeds_checks_the_seeds_before_training(spirals, seeds, match):
    x, y = spirals
    with pytest.raises(ValueError, match=match):
        seed_runs.train_seeds(build_tanh, x, y, x, y, seeds=seeds, target=0.5)


@pytest.mark.parametrize("bad, match", [
    ("x_test", r"x_test must be finite, got 1 NaN among its \d+ entries, the first x_test\[0, 0\] = nan"),
    ("y_test", r"y_test must be integer class labels in \[0, 1\] \(the model has 2 outputs\)"),
    ("x", r"x must be finite, got 1 NaN"),
])
def test_train_seeds_checks_the_data_before_training(spirals, bad, match):
    # Bad test data used to surface only after the first seed's whole run.
    x, y = spirals
    data = {"x": x, "y": y, "x_test": x, "y_test": y}
    if bad.startswith("x"):
        data[bad] = x.copy()
        data[bad][0, 0] = np.nan
    else:
        data[bad] = y + 2
    models = []

    def build(seed):
        models.append(build_tanh(seed))
        return models[-1]

    with pytest.raises(ValueError, match=match):
        seed_runs.train_seeds(build, data["x"], data["y"], data["x_test"], data["y_test"], seeds=[0, 1], target=0.5)
    assert len(models) == 1
    assert all(np.array_equal(w, w0) for w, w0 in zip(models[0].weights, build_tanh(0).weights))


def test_train_seeds_checks_target_and_window_before_training(spirals):
    x, y = spirals
    calls = []

    def build(seed):
        calls.append(seed)
        return build_tanh(seed)

    with pytest.raises(ValueError, match="window must be a positive integer"):
        seed_runs.train_seeds(build, x, y, x, y, seeds=[0], target=0.5, window=0)
    with pytest.raises(ValueError, match="target must be finite"):
        seed_runs.train_seeds(build, x, y, x, y, seeds=[0], target=math.nan)
    assert calls == []


def test_loss_band_is_the_mean_lowest_and_highest_smoothed_loss(spirals):
    x, y = spirals
    runs = seed_runs.train_seeds(build_tanh, x, y, x, y, seeds=[0, 1, 2], target=0.1, lr=0.1, steps=12)
    steps, mean, lowest, highest = runs.loss_band(window=4)
    curves = np.array([np.convolve(h.loss, np.ones(4) / 4, mode="valid") for h in runs.histories])
    np.testing.assert_array_equal(steps, np.arange(3, 12))  # the last step of each window
    np.testing.assert_array_equal(mean, curves.mean(axis=0))
    np.testing.assert_array_equal(lowest, curves.min(axis=0))
    np.testing.assert_array_equal(highest, curves.max(axis=0))


def test_loss_band_leaves_failed_runs_out(spirals):
    x, y = spirals

    def build(seed):  # seed 1 overflows at once
        return MLP([2] + [8] * 30 + [2], activation="relu", init=init.scaled_normal(100.0 if seed else 1.0),
                   rng=seed)

    runs = seed_runs.train_seeds(build, x, y, x, y, seeds=[0, 1], target=0.1, steps=6)
    _, mean, lowest, highest = runs.loss_band(window=2)
    np.testing.assert_array_equal(mean, lowest)
    assert runs.histories[1].diverged
    all_failed = seed_runs.train_seeds(build, x, y, x, y, seeds=[1], target=0.1, steps=6)
    assert all_failed.loss_band() is None
    with pytest.raises(ValueError, match="window must be a positive integer"):
        runs.loss_band(window=0)
