"""The self-checks and the quiz of chapter 6: right answers pass, likely slips are named, anything else fails."""

import math

import numpy as np
import pytest

from initlab import BatchNorm, MLP, data, diagnostics, train
from initlab.notebook import quiz
from initlab.batchnorm import batch_mean_std, gradient_growth
from initlab.notebook.selfcheck import ch06 as check


@pytest.mark.parametrize("call", [lambda: check.projection_identity(None),
                                  lambda: check.weight_norms_after_step(None),
                                  lambda: check.growth_factors(None, None),
                                  lambda: check.fpc_batch_size(None, None)])
def test_no_answer_yet(call):
    assert call().right is None


def test_projection_identity_agrees_with_batchnorm():
    # The identity checked against BatchNorm itself (a different route), then the learner-side checks.
    rng = np.random.default_rng(0)
    bn = BatchNorm(1, dtype=np.float64)
    bn.gamma[:] = 1.7
    z = rng.normal(0.0, 0.005, (32, 1))
    x_hat = (bn.forward(z) - bn.beta) / bn.gamma
    dx, dgamma, _ = bn.backward(rng.standard_normal((32, 1)))

    def right(gamma, var_b, eps, sum_g_xhat):
        return gamma * eps * sum_g_xhat / ((var_b + eps) * math.sqrt(var_b + eps))

    assert np.isclose(np.sum(x_hat * dx), right(1.7, z.var(), bn.eps, dgamma[0]), rtol=1e-8)
    assert check.projection_identity(right).right is True
    no_eps = check.projection_identity(lambda gamma, var_b, eps, s: gamma * s / math.sqrt(var_b + eps))
    assert no_eps.right is False and "ε/(σ_B² + ε)" in repr(no_eps)
    assert "1/√(σ_B² + ε)" in repr(check.projection_identity(lambda gamma, var_b, eps, s: gamma * eps / (var_b + eps) * s))
    assert "exact only for ε = 0" in repr(check.projection_identity(lambda *args: 0.0))
    subtly_wrong = lambda gamma, var_b, eps, s: gamma * eps / (var_b + 2 * eps) ** 1.5 * s
    assert check.projection_identity(subtly_wrong).right is False
    assert check.projection_identity("γ ε / (σ² + ε)^1.5").right is False
    assert check.projection_identity(lambda a, b: 0.0).right is False  # wrong signature: reported, not raised
    assert check.projection_identity(lambda *args: None).right is None  # the template, not filled in yet


@pytest.fixture(scope="module")
def norm_step():
    # The exercise's solution, run here: the network of section 6.4 and one step at lr 0.5 on the probe batch.
    x, y = data.digits()
    x_train, y_train, _, _ = data.split(x, y, test_fraction=0.25, rng=0)
    model = MLP([64, 64, 64, 64, 10], rng=0, batch_norm=True, dtype=np.float64)
    before = [np.sum(w ** 2) for w in model.weights[:-1]]
    diagnostics.gradient_norms(model, x_train[:256], y_train[:256])
    grad_sq = [np.sum(dw ** 2) for dw in model.gradients()[0:6:2]]
    train(model, x_train[:256], y_train[:256], lr=0.5, steps=1)
    return before, grad_sq, [np.sum(w ** 2) for w in model.weights[:-1]]


def test_weight_norms_after_step(norm_step):
    before, grad_sq, after = norm_step
    assert check.weight_norms_after_step(after).right is True
    assert check.weight_norms_after_step(np.array(after)).right is True
    assert "before the step" in repr(check.weight_norms_after_step(before))
    assert "η‖∂ℓ/∂W‖²" in repr(check.weight_norms_after_step([b + 0.5 * g for b, g in zip(before, grad_sq)]))
    assert "not ‖W‖²" in repr(check.weight_norms_after_step(np.sqrt(after)))
    assert check.weight_norms_after_step([a * 1.01 for a in after]).right is False
    assert check.weight_norms_after_step(after[:2]).right is False
    assert check.weight_norms_after_step(127.6).right is False
    assert check.weight_norms_after_step(["a", "b", "c"]).right is False


def test_growth_factors():
    relu_like, gelu = math.sqrt(gradient_growth("leaky_relu")), math.sqrt(gradient_growth("gelu"))
    assert math.isclose(relu_like, math.sqrt(math.pi / (math.pi - 1)), rel_tol=0.01)  # slope 0.01 ≈ relu
    assert check.growth_factors(relu_like, gelu).right is True
    assert "gave λ" in repr(check.growth_factors(relu_like ** 2, gelu))
    assert "inverted" in repr(check.growth_factors(relu_like, 1 / gelu))
    # The second-moment slip for leaky relu: E[f'²]/E[f²] = 1 (f' ² = 1 or a², f² = z² or a² z², on the same halves).
    assert "second moment" in repr(check.growth_factors(1.0, gelu))
    assert "measured factor" in repr(check.growth_factors(relu_like * 1.01, gelu))
    assert check.growth_factors(2.0, gelu).right is False
    assert check.growth_factors("1.2", gelu).right is False


def test_fpc_batch_size():
    x, y = data.digits()
    n = len(data.split(x, y, test_fraction=0.25, rng=0)[0])
    # The smallest whole m whose correction is at most 0.9, by the chapter's batch_mean_std on a unit of variance 1.
    values = np.random.default_rng(0).standard_normal(n)
    m = next(m for m in range(1, n) if batch_mean_std(values, m) * math.sqrt(m) / values.std() <= 0.9)
    assert check.fpc_batch_size(m, 0.0).right is True
    assert check.fpc_batch_size(n - 0.81 * (n - 1), batch_mean_std(values, n)).right is True
    assert "square root" in repr(check.fpc_batch_size(n - 0.9 * (n - 1), 0.0))
    assert "N − m instead of m" in repr(check.fpc_batch_size(0.81 * (n - 1) + 1, 0.0))
    assert "without the correction" in repr(check.fpc_batch_size(m, 0.5242 / math.sqrt(n)))
    assert check.fpc_batch_size(100, 0.0).right is False
    assert check.fpc_batch_size([257], None).right is False


def test_quiz_numbers():
    questions = quiz.load("06_batch_normalization")
    assert 5 <= len(questions) <= 8 and any(q["type"] == "numeric" for q in questions)
    [growth] = [q for q in questions if "grow per layer" in q["question"]]
    [right] = [a for a in growth["answers"] if a.get("correct")]
    assert right["range"][0] <= math.sqrt(gradient_growth("relu")) < right["range"][1]
    [lag] = [q for q in questions if "running mean" in q["question"]]
    [right] = [a for a in lag["answers"] if a.get("correct")]
    bn = BatchNorm(1, dtype=np.float64)
    for _ in range(10):
        bn.forward(np.array([[1.0], [3.0]]))  # batch mean 2, so the running mean is 2 (1 − 0.9^10)
    assert right["range"][0] <= bn.running_mean[0] / 2 < right["range"][1]
