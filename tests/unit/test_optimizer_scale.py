"""initlab.optimizer_scale: one SGD step and one Adam step measured without touching the model; Adam's first step
is η sign(g) per entry far above ε and η g/ε far below it."""

import numpy as np
import pytest

from initlab import MLP, Adam
from initlab.optimizer_scale import first_step, sign_step_norm

from spirals import two_spirals


@pytest.fixture(scope="module")
def spirals():
    return two_spirals(32, rng=0)


def test_sign_step_norm():
    assert sign_step_norm((64, 64), 1e-3) == pytest.approx(0.064)
    with pytest.raises(ValueError, match="lr must be > 0"):
        sign_step_norm((2, 2), 0)


def test_first_step_leaves_the_model_alone_and_matches_a_real_step(spirals):
    model = MLP([2, 16, 16, 2], activation="tanh", rng=0)
    before = [p.copy() for p in model.parameters()]
    step = first_step(model, *spirals, lr_sgd=0.1, lr_adam=1e-2)
    for a, b in zip(before, model.parameters()):
        np.testing.assert_array_equal(a, b)
    grads = model.gradients()[0::2]
    norms = np.array([np.linalg.norm(w) for w in model.weights])
    np.testing.assert_allclose(step.sgd_ratio, 0.1 * np.array([np.linalg.norm(g) for g in grads]) / norms,
                               rtol=1e-6)
    # An independent route to Adam's step: the optimizer itself on copies.
    copies = [w.copy() for w in model.weights]
    Adam(copies, lr=1e-2).step(grads)
    moved = np.array([np.linalg.norm(c - w) for c, w in zip(copies, model.weights)])
    np.testing.assert_allclose(step.adam_ratio, moved / norms, rtol=1e-4)
    np.testing.assert_allclose(step.grad_rms, [np.sqrt(np.mean(g.astype(np.float64) ** 2)) for g in grads],
                               rtol=1e-6)


def test_adam_is_the_sign_step_far_above_eps_and_g_over_eps_far_below(spirals):
    model = MLP([2, 16, 16, 2], activation="tanh", rng=0)
    big = first_step(model, *spirals, lr_sgd=0.1, lr_adam=1e-2, eps=1e-12)
    np.testing.assert_allclose(big.adam_ratio, big.sign_ratio, rtol=1e-3)
    assert np.all(big.adam_cosine < 1)  # a sign vector is not parallel to g
    tiny = first_step(model, *spirals, lr_sgd=0.1, lr_adam=1e-2, eps=1e3)
    # Far below ε the step is η g/ε: parallel to g, the size of an SGD step at η/ε.
    np.testing.assert_allclose(tiny.adam_cosine, 1, rtol=1e-6)
    np.testing.assert_allclose(tiny.adam_ratio, tiny.sgd_ratio * (1e-2 / 1e3) / 0.1, rtol=1e-3)


def test_bad_learning_rates_are_named(spirals):
    with pytest.raises(ValueError, match="lr_adam must be > 0"):
        first_step(MLP([2, 4, 2], rng=0), *spirals, lr_sgd=0.1, lr_adam=-1)
