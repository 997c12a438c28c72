"""Self-checks for chapter 2, how Xavier initialization addresses the vanishing gradient problem
(``02_xavier_initialization.ipynb``).

``from initlab.notebook.selfcheck import ch02 as check``, then ``check.uniform_bound(my_bound)`` and so on, one check
per exercise with a numeric or code answer. Each returns a :class:`~initlab.notebook.selfcheck.Verdict`.
"""

import math

from ... import propagation, theory
from . import combine, function, number

__all__ = ["uniform_bound", "mnist_layer", "sigmoid_gain", "pair_factors"]


def _xavier_variance(fan_in, fan_out, gain=1.0):
    return gain ** 2 * 2 / (fan_in + fan_out)  # proposition prop-xavier, times the gain squared


def _forward_factor(fan_in, variance):
    # n_in Var(W): the linear-regime forward factor of one layer, E[z²] for inputs with E[x²] = 1.
    forward, _ = propagation.predicted("linear", [fan_in, 1], [variance])
    return float(forward[0])


def uniform_bound(bound):
    """Exercise ``ex-xv-uniform-bound``: your function ``bound(fan_in, fan_out, gain)`` returning the ``a`` for
    which U(−a, a) has variance gain² · 2/(fan_in + fan_out)."""
    def reference(fan_in, fan_out, gain):
        return math.sqrt(3 * _xavier_variance(fan_in, fan_out, gain))  # Var U(−a, a) = a²/3

    cases = [(784, 300, 1.0), (256, 256, 5 / 3), (64, 512, 1.0), (10, 30, 0.5)]
    return function(bound, reference, cases, "bound", missing="your function of (fan_in, fan_out, gain)", slips=[
        (lambda i, o, g: math.sqrt(_xavier_variance(i, o, g)),
         "you returned the standard deviation; a uniform needs a = √3 times it, since its variance is a²/3"),
        (lambda i, o, g: math.sqrt(3 * _xavier_variance(i, o)), "you left out the gain"),
        (lambda i, o, g: g ** 2 * math.sqrt(6 / (i + o)),
         "you multiplied by gain²; the bound scales with the gain itself"),
        (lambda i, o, g: 3 * _xavier_variance(i, o, g), "you forgot the square root: a² = 3 Var(W)")])


def mnist_layer(variance, bound, std, old_variance, forward_xavier, forward_old):
    """Exercise ``ex-xv-layer``, n_in = 784 and n_out = 300: the Xavier ``variance``, the uniform ``bound``, the
    normal ``std``, the ``old_variance`` of U(±1/√784), and the forward factors n_in Var(W) of Xavier
    (``forward_xavier``) and of the older rule (``forward_old``)."""
    fan_in, fan_out = 784, 300
    xavier = _xavier_variance(fan_in, fan_out)
    old = (1 / math.sqrt(fan_in)) ** 2 / 3  # Var U(−a, a) = a²/3 with a = 1/√n_in
    return combine(
        number(variance, xavier, "the Xavier variance", slips=[
            (1 / fan_in, "you used LeCun's 1/n_in, the forward condition only"),
            (1 / fan_out, "you used 1/n_out, the backward condition only")]),
        number(bound, math.sqrt(3 * xavier), "the uniform bound", slips=[
            (math.sqrt(xavier), "you gave the normal standard deviation; the uniform bound is √3 times larger"),
            (3 * xavier, "you forgot the square root of a² = 6/(n_in + n_out)")]),
        number(std, math.sqrt(xavier), "the normal standard deviation", slips=[
            (xavier, "you gave the variance; the standard deviation is its square root"),
            (math.sqrt(3 * xavier), "you gave the uniform bound")]),
        number(old_variance, old, "the older rule's variance", slips=[
            (1 / fan_in, "you took a² = 1/784 as the variance; a uniform's variance is a²/3"),
            (1 / math.sqrt(fan_in), "you gave the bound 1/√784, not the variance")]),
        number(forward_xavier, _forward_factor(fan_in, xavier), "Xavier's forward factor", slips=[
            (fan_out * xavier, "you multiplied by n_out: that is the backward factor"),
            (1.0, "you assumed Xavier preserves the variance; it does only for equal fans")],
            why="The layer narrows from 784 to 300, so the forward signal grows."),
        number(forward_old, _forward_factor(fan_in, old), "the older rule's forward factor", slips=[
            (1.0, "you took the variance as 1/n_in; U(±1/√n) has 1/(3n)")],
            why="Every layer with the older rule divides the signal's variance by 3."),
    )


def sigmoid_gain(gain, q2):
    """Exercise ``ex-xv-slope``: the ``gain`` that Xavier's argument asks for the sigmoid (slope 1/4 at zero), and
    the pre-activation variance ``q2`` one layer after q₁ = 0.01 at σ_w = that gain (``theory.length_map``)."""
    slope = 1 / 4  # σ′(0)
    expected_gain = 1 / slope
    return combine(
        number(gain, expected_gain, "the gain", slips=[
            (slope, "you took the slope s itself; the gain undoes it, 1/s"),
            (expected_gain ** 2, "you gave gain², the factor on the variance")]),
        number(q2, theory.length_map("sigmoid", 0.01, expected_gain), "q₂", rtol=0.01, slips=[
            (expected_gain ** 2 * slope ** 2 * 0.01, "you used σ(z) ≈ z/4 and left out the sigmoid's mean 1/2")],
            why="E[h²] ≥ 1/4 whatever the input, so q₂ ≥ 16/4 = 4: the next layer saturates."),
    )


def pair_factors(harmonic, geometric):
    """Exercise ``ex-xv-harmonic``: two functions of the fans ``(a, b)``, each returning the product of the forward
    factors of two consecutive layers with fans (a, b) then (b, a), for the harmonic mean 2/(a + b)
    (``harmonic``) and for the geometric mean 1/√(ab) (``geometric``)."""
    def pair(rule):
        def product(a, b):  # the linear-regime forward factor through layers a → b → a
            forward, _ = propagation.predicted("linear", [a, b, a], [rule(a, b), rule(b, a)])
            return forward[1]
        return product

    harmonic_rule, geometric_rule = (lambda a, b: 2 / (a + b)), (lambda a, b: 1 / math.sqrt(a * b))
    cases = [(64, 256), (300, 784), (100, 100), (16, 1024)]
    return combine(
        function(harmonic, pair(harmonic_rule), cases, "harmonic", missing="your function harmonic(a, b)", slips=[
            (lambda a, b: 2 * a / (a + b), "you gave one layer's factor; multiply the two layers' factors")]),
        function(geometric, pair(geometric_rule), cases, "geometric", missing="your function geometric(a, b)", slips=[
            (lambda a, b: math.sqrt(a / b), "you gave one layer's factor; multiply the two layers' factors")]),
    )
