r"""A health check for a classifier at initialization: the book's measurements as a checklist.

:func:`inspect` runs one batch forward and backward through a model (no update) and, on a copy of the
model, a few SGD steps; it returns a :class:`Report` of per-layer numbers. :func:`findings` turns the
report into one :class:`Finding` per item of the checklist, each with the measured value, the healthy
range and whether the model is inside it. The items, and why each is what it is:

- **initial loss** :math:`\ell_0` against :math:`\ln C` for :math:`C` classes. Softmax cross-entropy of
  logits :math:`z` is :math:`\ln\sum_j e^{z_j} - z_y`; with every logit 0 it is exactly :math:`\ln C`, and
  for small independent logits of variance :math:`s^2`, a second-order expansion gives
  :math:`\mathbb E[\ell_0] \approx \ln C + \tfrac12(1 - 1/C)\,s^2` (:func:`expected_initial_loss`).
  So a loss well above :math:`\ln C` means large logits: a confident guess before any learning.
- **logit scale**: the standard deviation of the output entries; small (here at most 1) so that the
  loss starts near :math:`\ln C`.
- **activations**: the root mean square of each hidden layer's output :math:`h_k`, over units and examples.
  Healthy is no geometric drift: the last hidden layer within a factor of 10 of the first.
- **input dependence**: per hidden layer, the spread of :math:`h_k` across the examples of the batch,
  :math:`\big(\overline{\operatorname{Var}_{\text{batch}}(h_{k,i})}\big)^{1/2}`, divided by its root mean square.
  Near 0, every input gives the same vector: the ordered phase of signal propagation, where the
  network's output no longer depends on its input even if the activations stay of order one.
- **backward signal**: the root mean square per entry of :math:`g_k = \partial\ell/\partial h_k` (per entry,
  not the norm: :math:`\lVert g_k\rVert^2 = n_k B\,\overline{g_k^2}` depends on the width);
  healthy is the first hidden layer within a factor of 10 of the last.
- **update ratio** :math:`\lVert\Delta W_k\rVert/\lVert W_k\rVert` of every layer, averaged over a few SGD steps
  taken on a copy of the model (:func:`update_ratios`); the rule of thumb is about :math:`10^{-3}` per step,
  healthy here within a factor of 30 of it, between :math:`3\times10^{-5}` and :math:`3\times10^{-2}`, in every layer.
- **dead units**: the fraction of each hidden layer's units whose slope :math:`f'(z)` is 0 on every example
  of the batch, at initialization and after the same few steps (a relu unit with :math:`z \le 0` everywhere
  gets no gradient and cannot come back); healthy is at most half of a layer.

The thresholds are rules of thumb for the networks of this book (wide enough MLPs, SGD); the module
constants name them so that a reader can change them.
"""

import copy
import math
from dataclasses import dataclass, field

import numpy as np

from . import losses as _losses
from .diagnostics import norm
from .input_dependence import relative_spread
from .mlp import MLP
from .saturation import dead_fraction
from .training import _check_data, train
from ._checks import finite_number, positive_int

__all__ = ["LOSS_TOLERANCE", "MAX_LOGIT_STD", "MAX_DRIFT", "MIN_INPUT_SPREAD", "UPDATE_RATIO_BAND",
           "MAX_DEAD_FRACTION", "chance_loss", "expected_initial_loss", "update_ratios",
           "profile", "Report", "Finding", "inspect", "findings", "compare", "CHANCE_BAND", "outcome"]

#: The initial loss may differ from ln C by at most this fraction of ln C.
LOSS_TOLERANCE = 0.2
#: The largest healthy standard deviation of the logits at initialization.
MAX_LOGIT_STD = 1.0
#: The largest healthy factor between the first and the last hidden layer (activations, backward signal).
MAX_DRIFT = 10.0
#: The smallest healthy input spread (spread across examples over RMS) of the last hidden layer.
MIN_INPUT_SPREAD = 0.1
#: The healthy band of the update ratio ‖ΔW_k‖/‖W_k‖ per step, in every layer.
UPDATE_RATIO_BAND = (3e-5, 3e-2)
#: The largest healthy fraction of dead units in a hidden layer.
MAX_DEAD_FRACTION = 0.5


def chance_loss(classes):
    r""":math:`\ln C`: the cross-entropy of a classifier that gives each of ``classes`` classes probability
    :math:`1/C`, whatever the label (all logits equal)."""
    return math.log(positive_int(classes, "classes"))


def expected_initial_loss(classes, logit_std):
    r"""The expected cross-entropy for independent logits :math:`\mathcal N(0, s^2)`, to second order in
    :math:`s`: :math:`\ln C + \tfrac12 (1 - 1/C)\,s^2`.

    From :math:`\ln\sum_j e^{z_j} = \ln C + \bar z + \tfrac12\overline{(z - \bar z)^2} + O(z^3)` with
    :math:`\bar z` the mean over the :math:`C` logits: the expectation of :math:`\bar z - z_y` is 0 and that of
    the mean squared deviation :math:`(1 - 1/C)\,s^2`.
    """
    classes = positive_int(classes, "classes")
    s = finite_number(logit_std, "logit_std", nonnegative=True)
    return math.log(classes) + 0.5 * (1 - 1 / classes) * s * s


def update_ratios(model, x, y, *, lr, momentum=0.0, steps=20, batch_size=None, rng=0):
    r"""The mean update ratio :math:`\lVert\Delta W_k\rVert/\lVert W_k\rVert` of every layer over ``steps`` SGD
    steps, and the :class:`~initlab.training.History` of that run, trained on a *copy* of ``model``
    (the model itself is left as it was). With momentum :math:`\mu` the step grows towards
    :math:`\eta/(1-\mu)` times the gradient, so a few steps measure more than the first one does.
    Returns ``(ratios, history, trained_copy)``; ``ratios`` is NaN-free only if the run did not fail."""
    if not isinstance(model, MLP):
        raise TypeError(f"model must be an initlab.MLP, got {type(model).__name__}")
    trained = copy.deepcopy(model)
    history = train(trained, x, y, lr=lr, momentum=momentum, steps=positive_int(steps, "steps"),
                    batch_size=batch_size, rng=rng)
    if history.steps == 0:
        return np.full(model.depth, np.nan), history, trained
    return history.update_ratio.mean(axis=0), history, trained


@dataclass
class Report:
    """What :func:`inspect` measured. Per-layer arrays are indexed by hidden layer (0 = the first), except
    ``update_ratio``, which has one entry per weight layer (the output layer last)."""

    classes: int
    initial_loss: float
    logit_std: float
    activation_rms: np.ndarray
    input_spread: np.ndarray
    backward_rms: np.ndarray
    update_ratio: np.ndarray
    dead_at_init: np.ndarray
    dead_after: np.ndarray
    steps: int
    failure: str | None = None
    settings: dict = field(default_factory=dict)

    @property
    def chance(self):
        """ln C, the loss of a classifier that has learned nothing."""
        return math.log(self.classes)


@dataclass
class Finding:
    """One item of the checklist: its name, the measured value as text, the healthy range, the verdict."""

    item: str
    value: str
    healthy: str
    ok: bool


def _model_and_data(model, x, y):
    if not isinstance(model, MLP):
        raise TypeError(f"model must be an initlab.MLP, got {type(model).__name__}")
    if model.depth < 2:
        raise ValueError(f"model must have at least one hidden layer, got sizes {model.sizes}")
    x, y = np.asarray(x), np.asarray(y)
    _check_data(model, x, y)
    if x.shape[0] < 2:
        raise ValueError(f"x must hold at least 2 examples, got {x.shape[0]}")
    return x, y


def profile(model, x, y):
    r"""One forward and backward pass of ``model`` on ``(x, y)`` with softmax cross-entropy, no update.

    Returns a dict: ``classes``, ``initial_loss``, ``logit_std`` (standard deviation of the output
    entries) and, per hidden layer, ``activation_rms`` (of :math:`h_k`), ``input_spread``
    (:func:`~initlab.input_dependence.relative_spread` of :math:`h_k`) and ``backward_rms`` (root mean square per entry of
    :math:`\partial\ell/\partial h_k`).
    """
    x, y = _model_and_data(model, x, y)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        out = model.forward(x)
        loss, dout = _losses.softmax_cross_entropy(out, y)
        model.backward(dout)
        hidden = model.activations[:-1]
        return dict(
            classes=model.sizes[-1],
            initial_loss=loss,
            logit_std=float(np.std(out.astype(np.float64))),
            activation_rms=np.array([math.sqrt(float(np.mean(np.square(h.astype(np.float64)))))
                                     for h in hidden]),
            input_spread=np.array([relative_spread(h) for h in hidden]),
            backward_rms=np.array([norm(g) / math.sqrt(g.size) for g in model.grad_activations[:-1]]),
        )


def inspect(model, x, y, *, lr, momentum=0.0, steps=20, batch_size=None, rng=0):
    r"""Measure a classifier (softmax cross-entropy) for the checklist; return a :class:`Report`.

    One forward and backward pass on the whole of ``(x, y)`` (no update; use a batch of a few hundred
    examples) gives the initial loss, the logits' scale, and per hidden layer the activations' RMS, their
    spread across examples (:func:`~initlab.input_dependence.relative_spread`), the back-propagated signal's RMS per entry and the
    dead units. Then ``steps`` SGD steps with ``lr``, ``momentum`` and ``batch_size`` on a copy of
    ``model`` (:func:`update_ratios`) give the update ratios and the dead units after those steps.
    ``model`` must be an :class:`initlab.MLP` with at least one hidden layer.
    """
    lr = finite_number(lr, "lr", positive=True)
    x, y = _model_and_data(model, x, y)
    report = profile(model, x, y)
    dead_at_init = dead_fraction(model, x)
    ratios, history, trained = update_ratios(model, x, y, lr=lr, momentum=momentum, steps=steps,
                                             batch_size=batch_size, rng=rng)
    dead_after = dead_fraction(trained, x) if not history.diverged else np.full(model.depth - 1, np.nan)
    return Report(**report, update_ratio=ratios, dead_at_init=dead_at_init, dead_after=dead_after,
                  steps=history.steps, failure=history.failure,
                  settings={"lr": lr, "momentum": momentum, "steps": steps, "batch_size": batch_size})


def _factor(top, bottom):
    """``top / bottom`` for two measured sizes (inf if only the bottom is 0, NaN if either is not finite)."""
    top, bottom = float(top), float(bottom)
    if not (math.isfinite(top) and math.isfinite(bottom)):
        return math.nan
    if bottom == 0.0:
        return 1.0 if top == 0.0 else math.inf
    return top / bottom


def _within(factor, limit):
    return math.isfinite(factor) and 1 / limit <= factor <= limit


def findings(report):
    """The checklist's verdicts on a :class:`Report`: a list of :class:`Finding`, in the order a reader should
    look at them when a network does not train."""
    if not isinstance(report, Report):
        raise TypeError(f"report must be an initlab.health.Report, got {type(report).__name__}")
    chance = report.chance
    low_ratio, high_ratio = UPDATE_RATIO_BAND
    act = _factor(report.activation_rms[-1], report.activation_rms[0])
    back = _factor(report.backward_rms[0], report.backward_rms[-1])
    spread = float(report.input_spread[-1])
    ratios = report.update_ratio
    trained = report.failure is None and bool(np.all(np.isfinite(ratios)))
    dead = float(np.max(report.dead_at_init))
    dead_after = float(np.max(report.dead_after)) if trained else math.nan
    return [
        Finding("initial loss", f"{report.initial_loss:.3g}",
                f"ln {report.classes} = {chance:.3f} ± {LOSS_TOLERANCE:.0%}",
                math.isfinite(report.initial_loss)
                and abs(report.initial_loss - chance) <= LOSS_TOLERANCE * chance),
        Finding("logit std", f"{report.logit_std:.3g}", f"≤ {MAX_LOGIT_STD:g}",
                math.isfinite(report.logit_std) and report.logit_std <= MAX_LOGIT_STD),
        Finding("activation RMS, last/first", f"{act:.2g}", f"within ×{MAX_DRIFT:g}", _within(act, MAX_DRIFT)),
        Finding("input spread, last hidden", f"{spread:.2g}" if spread >= 1e-3 else "< 0.001", f"≥ {MIN_INPUT_SPREAD:g}",
                math.isfinite(spread) and spread >= MIN_INPUT_SPREAD),
        Finding("backward RMS, first/last", f"{back:.2g}", f"within ×{MAX_DRIFT:g}", _within(back, MAX_DRIFT)),
        Finding("update ratio, min to max",
                f"{np.min(ratios):.0e} to {np.max(ratios):.0e}" if trained else "run failed",
                f"{low_ratio:.0e} to {high_ratio:.0e}",
                trained and low_ratio <= float(np.min(ratios)) and float(np.max(ratios)) <= high_ratio),
        Finding("dead units, worst layer", f"{dead:.0%} → " + (f"{dead_after:.0%}" if trained else "failed"),
                f"≤ {MAX_DEAD_FRACTION:.0%}", trained and max(dead, dead_after) <= MAX_DEAD_FRACTION),
    ]


def compare(findings_by_name):
    """Rows for a table of several models' findings side by side: ``[item, value of model 1, ...]``, each value
    followed by ``" ✗"`` where it is outside the healthy range. ``findings_by_name`` maps a model's name to the
    list :func:`findings` returned for it; all lists must name the same items."""
    if not isinstance(findings_by_name, dict) or not findings_by_name:
        raise ValueError("findings_by_name must be a non-empty dict {name: findings(report)}")
    lists = list(findings_by_name.values())
    items = [f.item for f in lists[0]]
    for name, found in findings_by_name.items():
        if [f.item for f in found] != items:
            raise ValueError(f"findings_by_name[{name!r}] does not list the same items as the first model")
    return [[item] + [found[i].value + ("" if found[i].ok else " ✗") for found in lists]
            for i, item in enumerate(items)]


#: How close to ln C a final loss must be to count as "at chance".
CHANCE_BAND = 0.1


def outcome(history, classes):
    """How a training run ended, in a band that survives the float rounding of different computers: where it
    overflowed, "at ln C" (the mean loss of the last 20 steps within ``CHANCE_BAND`` of ln C: nothing learned),
    "below 0.5", or "between 0.5 and ln C" (or "above ln C")."""
    chance = chance_loss(classes)
    if history.diverged:
        return f"overflowed at step {history.failed_at}"
    if history.steps == 0:
        raise ValueError("history recorded no step")
    final = float(np.mean(history.loss[-20:]))
    if abs(final - chance) < CHANCE_BAND:
        return f"at ln {classes}: learned nothing"
    if final < 0.5:
        return "loss below 0.5"
    return f"loss 0.5 to ln {classes}" if final < chance else f"loss above ln {classes}"
