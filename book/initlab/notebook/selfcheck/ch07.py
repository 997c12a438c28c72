"""Self-checks for chapter 7, "Signal propagation: the edge of chaos and dynamical isometry"
(``07_signal_propagation``).

Every reference answer is computed by the module that the chapter's section names: ``theory`` for the mean-field
maps, ``jacobian`` and ``jacobian.measure_spectra`` for the spectra.
"""

import functools
import math

from ... import theory
from ...jacobian import gaussian_product_moments, measure_spectra, spread
from . import combine, no_answer, number, right, training_digits

__all__ = ["relu_fixed_point", "chi1_for_depth", "scaled_gaussian_moments", "off_critical_spread"]


def _pair(first, second, what):
    """The "no answer yet" verdict while both parts are None, else None (a Verdict without an answer is falsy)."""
    return no_answer(what) if first is None and second is None else None


def relu_fixed_point(q_star, chi1):
    r"""Exercise ``ex-ch7-relu-length-map``: pass :math:`q^*` and :math:`\chi_1` of a relu network at
    :math:`\sigma_w = 1`, :math:`\sigma_b = 0.3`, from your closed forms."""
    unanswered = _pair(q_star, chi1, "q* and χ₁ at σ_w = 1, σ_b = 0.3")
    if unanswered is not None:
        return unanswered
    sigma_w, sigma_b = 1.0, 0.3
    return combine(
        number(q_star, theory.fixed_point("relu", sigma_w, sigma_b), "q*", rtol=1e-4, slips=[
            (sigma_b / (1 - sigma_w ** 2 / 2), "you used σ_b instead of σ_b²"),
            (sigma_b ** 2, "you stopped after the bias: solve q = σ_w² q/2 + σ_b² for q")],
            why="q* = σ_b²/(1 − σ_w²/2), where the line σ_w² q/2 + σ_b² crosses the diagonal."),
        number(chi1, theory.chi1("relu", sigma_w, sigma_b), "χ₁", rtol=1e-4, slips=[
            (sigma_w ** 2, "you took E[relu'²] = 1; relu' is 1 only on the positive half, so E[relu'²] = 1/2")],
            why="χ₁ = σ_w² E[relu'²] = σ_w²/2, the same at every q: ordered, as σ_w < √2."),
    )


def chi1_for_depth(chi1):
    r"""Exercise ``ex-ch7-xi-divergence``: pass the value of :math:`\chi_1` below which a network of 100 layers is
    deeper than :math:`6 d_c` (from :math:`d_c \approx 1/(1 - \chi_1)` or from :math:`d_c = -1/\ln\chi_1`;
    both are accepted, they differ by 0.2 %)."""
    exact = math.exp(-6 / 100)  # 100 = 6 d_c = −6/ln χ₁
    return number(chi1, exact, "χ₁", rtol=0.003, slips=[
        (1 - 1 / 100, "you left out the factor 6: the limit is 6 d_c, not d_c"),
        (6 / 100, "you gave 1 − χ₁, the distance from the critical line; the question asks for χ₁"),
        (1 - exact, "you gave 1 − χ₁, the distance from the critical line; the question asks for χ₁"),
        (1 - 100 / 6, "you solved 6 = 100 d_c: the network depth is L = 100 = 6 d_c")],
        why="Even 6 % below the critical line, a 100-layer network is past 6 d_c.")


def scaled_gaussian_moments(mean_s2, mean_s4):
    r"""Exercise ``ex-ch7-isometry-scale``: pass your *predicted* means of :math:`s^2` and :math:`s^4` for
    :math:`\sigma_w = 1.1`, :math:`L = 8`, :math:`n = 64` (not the measured ones, which scatter by a few percent)."""
    sigma_w, depth, width = 1.1, 8, 64
    unanswered = _pair(mean_s2, mean_s4, "the predicted mean s² and mean s⁴")
    if unanswered is not None:
        return unanswered
    exact_s2, exact_s4 = gaussian_product_moments(depth, width, sigma_w=sigma_w)
    wide = (depth + 1) * sigma_w ** (4 * depth)  # the wide-limit E m₂' ≈ L + 1, scaled
    s2 = number(mean_s2, exact_s2, "mean s²", rtol=0.005, slips=[
        (sigma_w ** depth, "you scaled s by σ_w^L but forgot to square it"),
        (sigma_w ** 2, "you scaled by one layer only: every one of the L layers multiplies s by σ_w"),
        (1.0, "you kept the σ_w = 1 value: J = σ_w^L J′, so s² grows by σ_w^(2L)")],
        why="σ_w^(2L): every singular value is multiplied by σ_w^L.")
    if s2.right is not True or mean_s4 is None:
        return combine(s2, number(mean_s4, exact_s4, "mean s⁴"))
    if isinstance(mean_s4, (int, float)) and math.isclose(mean_s4, wide, rel_tol=0.005):
        return right(f"{s2.message} mean s⁴ = {mean_s4:.4g} = σ_w^(4L)(L + 1), the wide-limit value; the exact "
                     f"recursion at n = {width} (jacobian.gaussian_product_moments) adds the width correction: "
                     f"{exact_s4:.4g}.")
    return combine(s2, number(mean_s4, exact_s4, "mean s⁴", rtol=0.005, slips=[
        (sigma_w ** (2 * depth) * gaussian_product_moments(depth, width)[1],
         "you scaled s⁴ like s²: s⁴ = (s²)² picks up σ_w^(4L)")],
        why="σ_w^(4L) times the σ_w = 1 value: rescaling cannot change the spread Var(s²)/mean²."))


@functools.cache
def _off_critical():
    x_train, _ = training_digits()
    spreads = {}
    for sigma_w in (1.0, 2.0):
        spectra = measure_spectra(x_train[0], (8, 32), {"tanh": sigma_w}, width=64)
        for depth in (8, 32):
            spreads[sigma_w, depth] = spread(spectra[depth, "orthogonal", "tanh"])
    return spreads


def off_critical_spread(spread_8, spread_32):
    r"""Exercise ``ex-ch7-isometry-off-critical``: pass the spread :math:`\operatorname{Var}(s^2)/(\text{mean } s^2)^2`
    of the orthogonal tanh network at :math:`\sigma_w = 2`, depths 8 and 32, measured at the first training digit
    with ``measure_spectra``'s default seed (so the numbers are reproducible to rounding)."""
    unanswered = _pair(spread_8, spread_32, "the spread at depth 8 and at depth 32")
    if unanswered is not None:
        return unanswered
    spread = _off_critical()
    critical = "you measured at σ_w = 1, the critical point; scale the same orthogonal matrices by σ_w = 2"
    return combine(
        number(spread_8, spread[2.0, 8], "the spread at L = 8", rtol=0.01, slips=[(spread[1.0, 8], critical)]),
        number(spread_32, spread[2.0, 32], "the spread at L = 32", rtol=0.01, slips=[(spread[1.0, 32], critical)],
               why="Far above the critical network's: the D_k are far from multiples of the identity."),
    )
