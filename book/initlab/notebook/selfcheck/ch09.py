"""Self-checks for chapter 9, "Initialization in convolutional and recurrent networks"
(``09_convolutional_and_recurrent``).

The reference answers come from ``initlab``: the fans from :func:`initlab.init.calculate_fan_in_and_fan_out`, He's
std from :func:`initlab.init.variance`, the border factor from :func:`initlab.conv_variance.border_factor`, and the
backward count from the stride's arithmetic, :math:`c_\\text{out} k^2/s^2`; for the recurrent exercises, from the
formulas the chapter derives, computed with ``initlab.memory``: the steps for a gradient shrinking by ρ per step to
fall by a factor, the forget-gate bias that keeps a fraction of the cell gradient, and the spectral radius at which a
relu RNN's mean-field gradient neither grows nor shrinks.
"""

import math

from ... import init
from ...conv_variance import border_factor
from ...memory import forget_rate, predicted_rate, steps_to_fall
from . import combine, no_answer, number

__all__ = ["conv_fans", "padding_factor", "stride_fan_out", "steps_to_vanish", "forget_bias_for", "neutral_relu_radius"]


def conv_fans(fan_in, fan_out, he_std):
    """Exercise ``ex-ch9-fans``: the fans of ``nn.Conv2d(32, 64, kernel_size=5)``'s weight, of shape
    ``(64, 32, 5, 5)``, and the std of ``kaiming_normal_`` (``mode="fan_in"``, relu) for it."""
    if fan_in is None and fan_out is None and he_std is None:
        return no_answer("the two fans and He's std")
    shape = (64, 32, 5, 5)
    right_in, right_out = init.calculate_fan_in_and_fan_out(shape)
    std = math.sqrt(init.variance("kaiming_normal", shape))
    return combine(
        number(fan_in, right_in, "fan_in", rtol=0, atol=0.5, slips=[
            (right_out, "you swapped them: torch's layout is (out, in, k, k), and fan_in counts the inputs"),
            (32, "you left out the kernel: each output sees c_in·k·k inputs")], why="c_in·k·k = 32·25."),
        number(fan_out, right_out, "fan_out", rtol=0, atol=0.5, slips=[
            (right_in, "you swapped them: fan_out counts the outputs each input feeds"),
            (64, "you left out the kernel: each input feeds c_out·k·k outputs")], why="c_out·k·k = 64·25."),
        number(he_std, std, "He's std", rtol=0.005, slips=[
            (std ** 2, "you gave the variance 2/fan_in; the std is its square root"),
            (math.sqrt(2 / right_out), "you used fan_out (or left out relu's gain √2, which gives the same "
                                       "number here, since fan_out = 2 fan_in)"),
            (math.sqrt(2 / 32), "you used c_in instead of c_in·k·k")],
            why="√(2/fan_in) = √(2/800): relu halves the second moment, the gain √2 restores it."),
    )


def padding_factor(factor):
    """Exercise ``ex-ch9-padding``: the factor by which zero padding lowers the mean of :math:`E[y^2]` over the
    output of a 5×5 kernel with padding 2 on an 8×8 input whose second moment is the same at every pixel."""
    right_factor = border_factor(8, 5, 1, 2)
    per_axis = math.sqrt(right_factor)
    return number(factor, right_factor, "the factor", rtol=0.002, slips=[
        (per_axis, "you counted one axis only: a 2-D output loses taps along both, so the factor is squared"),
        (1.0, "you ignored the borders: the padded zeros contribute nothing"),
        ((6 / 8) ** 2, "you counted only the interior outputs, which see all 25 inputs, as if the border outputs "
                      "saw none")],
        why="Per axis the outputs see 3, 4, 5, 5, 5, 5, 4, 3 real inputs: a mean of 34/8 of 5, so (34/40)².")


def stride_fan_out(count):
    """Exercise ``ex-ch9-stride``: the average number of outputs each input feeds, away from the borders, for a
    layer with ``c_out = 16``, 3×3 kernels and stride 2."""
    right_count = 16 * 9 / 4
    return number(count, right_count, "the count", rtol=0.001, slips=[
        (16 * 9, "you left out the stride: each axis feeds k/s outputs on average, not k"),
        (16 * 9 / 2, "you divided by s once; both axes are strided, so by s²"),
        (9 / 4, "you left out c_out: each input feeds every output channel")],
        why="c_out·k²/s² = 16·9/4: each input sits under k/s = 1.5 outputs per axis on average.")

def steps_to_vanish(linear_steps, relu_steps):
    r"""Exercise ``ex-rnn-steps``: pass the number of steps ``k`` after which the gradient of a linear chain with
    :math:`\rho = 0.9` has fallen by :math:`10^{-3}` (the exact :math:`k` or the next whole step), and the same for
    a relu RNN with :math:`\rho = 0.9` in the mean-field picture (rate :math:`\rho/\sqrt 2`)."""
    if linear_steps is None and relu_steps is None:
        return no_answer("the two numbers of steps")
    linear = steps_to_fall(0.9, 1e-3)
    relu = steps_to_fall(predicted_rate("relu", 0.9, 0.0), 1e-3)
    return combine(
        number(linear_steps, linear, "k for the linear chain", rtol=0, atol=1.0, slips=[
            (math.log(1e-3) / math.log(0.1), "you used ln(0.1); the rate per step is 0.9"),
            (0.9 * 1e3, "you multiplied; the gradient falls geometrically, k = ln(10⁻³)/ln(0.9)")],
            why=f"0.9^k = 10⁻³ at k = ln(10⁻³)/ln(0.9) = {linear:.1f}."),
        number(relu_steps, relu, "k for the relu RNN", rtol=0, atol=1.0, slips=[
            (linear, "you used ρ = 0.9 as the rate; relu passes half the units, so the rate is ρ/√2"),
            (steps_to_fall(0.45, 1e-3), "you used ρ/2; the mean square halves, so the norm falls by √2")],
            why=f"the rate is 0.9/√2 = {0.9 / math.sqrt(2):.3f}, so k = {relu:.1f}: "
                f"four times fewer steps."),
    )


def forget_bias_for(forget_bias):
    r"""Exercise ``ex-rnn-forget-bias``: pass the forget-gate bias :math:`b_f` for which the cell path alone keeps
    half the gradient over :math:`T = 50` steps, :math:`\sigma(b_f)^{50} = 1/2`."""
    target = 0.5 ** (1 / 50)
    reference = math.log(target / (1 - target))
    return number(forget_bias, reference, "b_f", rtol=0.005, slips=[
        (0.0, "you solved σ(b_f) = 1/2; the half is kept over 50 steps, σ(b_f)^50 = 1/2"),
        (1.0, "you gave the usual choice b_f = 1: it keeps σ(1)^50 ≈ 1.6e-7, far less than half"),
        (target, "you gave σ(b_f), the forget gate's value; invert the sigmoid, b_f = ln(f/(1 − f))"),
        (math.log(100), "you linearised σ(b_f)^50 ≈ 1 − 50 e^(−b_f), too crude at a half; solve "
                        "σ(b_f) = 0.5^(1/50) exactly")],
        why=f"σ(b_f) = 0.5^(1/50) = {target:.5f}, and b_f = ln(f/(1 − f)) = {reference:.2f}; "
            f"check: {forget_rate(reference) ** 50:.3f}.")


def neutral_relu_radius(radius):
    r"""Exercise ``ex-rnn-neutral``: pass the spectral radius at which a relu RNN's mean-field gradient keeps its
    norm from step to step (:math:`\rho/\sqrt 2 = 1`)."""
    return number(radius, math.sqrt(2), "ρ", rtol=0.002, slips=[
        (1.0, "you took the linear chain's ρ = 1; relu's derivative is 0 on half the units"),
        (2.0, "you set ρ/2 = 1; the mean square halves, so ρ²/2 = 1")],
        why="ρ²·E[relu'(z)²] = ρ²/2 = 1: He's factor 2, now over time instead of depth.")
