"""Self-checks for chapter 10, "Normalization layers, residual scaling and the optimizer"
(``10_normalization_residual_optimizer``).

The reference answers come from ``initlab``: the stream's mean square from
:func:`initlab.norm_residual.predicted_stream_ms`, Adam's first step from :class:`initlab.Adam` itself, the
μP learning rates from :func:`initlab.parameterization.learning_rates`.
"""

import math

import numpy as np

from ...adam import Adam
from ...norm_residual import gpt2_output_scale, predicted_stream_ms
from ...parameterization import build, learning_rates
from . import combine, no_answer, not_yet, number, numbers

__all__ = ["gpt2_stream", "adam_first_step", "mup_rates"]


def gpt2_stream(with_scale, without_scale):
    r"""Exercise ``ex-ch10-gpt2-stream``: the mean square of a pre-norm stream (input mean square 1) after the
    24 residual branches of a 12-layer GPT-2, with the output scale :math:`1/\sqrt{24}` and without it."""
    if with_scale is None or without_scale is None:
        return no_answer("the two mean squares, with and without the output scale,")
    scaled = float(predicted_stream_ms("pre", 24, gpt2_output_scale(12))[-1])
    plain = float(predicted_stream_ms("pre", 24)[-1])
    first = number(with_scale, scaled, "with_scale", rtol=1e-3, slips=[
        (1.0, "you forgot the input's own mean square: the stream starts at 1 and the branches add to it"),
        (1 + 24 / math.sqrt(24), "you added s = 1/√24 per branch; mean squares add s², not s"),
        (1 + 1 / 12, "you used GPT-2's factor with 12 branches; each of its 12 layers has two")])
    second = number(without_scale, plain, "without_scale", rtol=1e-3, slips=[
        (24.0, "you forgot the input's mean square of 1"),
        (2.0 ** 24, "you multiplied: that is the stream without normalization, where every branch reads the "
                    "stream itself; pre-norm feeds every branch a normalised input of mean square 1")])
    return combine(first, second)


def _adam_step_norm(g, lr=1e-3):
    w = np.zeros_like(g)
    return float(np.linalg.norm(Adam([w], lr=lr).step([g])[0].astype(np.float64)))


def adam_first_step(large, tiny):
    r"""Exercise ``ex-ch10-adam-first-step``: ``‖ΔW‖`` of Adam's first step (lr ``1e-3``, PyTorch's defaults) on a
    64 × 64 matrix whose gradient entries are all :math:`\pm 10^{-2}` (``large``) or all :math:`\pm 10^{-10}`
    (``tiny``)."""
    if large is None or tiny is None:
        return no_answer("the two step norms")
    signs = np.where(np.random.default_rng(0).random((64, 64)) < 0.5, -1.0, 1.0)
    big_ref, tiny_ref = _adam_step_norm(1e-2 * signs), _adam_step_norm(1e-10 * signs)
    first = number(large, big_ref, "large", rtol=1e-3, slips=[
        (1e-3, "you gave one entry's step; the matrix has 4096 of them, so the norm is η√4096"),
        (1e-3 * 4096, "you added the entries' steps; a norm adds their squares: η√4096"),
        (1e-3 * 64 * 1e-2, "you used SGD's step η‖g‖; Adam divides each entry by its own |g|")])
    second = number(tiny, tiny_ref, "tiny", rtol=1e-3, slips=[
        (1e-3 * 64, "you treated 1e-10 as far above ε = 1e-8; here ε dominates |g| + ε"),
        (1e-3 * 64 * 1e-10 / 1e-8, "you dropped |g| from |g| + ε: it is 1 % of ε, so the step is 1 % smaller")])
    return combine(first, second)


def mup_rates(rates, std_factor):
    r"""Exercise ``ex-ch10-mup-rates``: Adam's μP learning rates ``[input, hidden, output]`` of the weight
    matrices at width 512 (base width 32, η = 0.03), and the factor on the output layer's initial standard
    deviation relative to SP."""
    if rates is None or std_factor is None:
        return no_answer("the three learning rates and the standard-deviation factor")
    model = build(512, "mup", 32)
    expected = learning_rates(model, "mup", 0.03, 32)[0::2]
    try:
        values = [float(r) for r in rates]
    except (TypeError, ValueError):
        return not_yet(f"rates should be a list of 3 numbers, got {rates!r}.")
    if len(values) == 3 and np.allclose(values, [0.03, 0.03 * 512 / 32, 0.03 * 512 / 32], rtol=1e-3):
        return not_yet("these rates grow with the width: μP divides the rates of layers whose fan-in grows, by "
                       "n/n₀ (Adam moves every entry by about η, and n entries add up).")
    if len(values) == 3 and np.allclose(values, [0.03 * 32 / 512] * 3, rtol=1e-3):
        return not_yet("the input layer keeps η: its fan-in is the 64 pixels, which does not grow with the width.")
    first = numbers(values, expected, "rates", rtol=1e-3)
    second = number(std_factor, math.sqrt(32 / 512), "std_factor", rtol=1e-3, slips=[
        (32 / 512, "you gave the factor on the variance; the standard deviation takes its square root")])
    return combine(first, second)
