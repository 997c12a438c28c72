"""The self-checks of chapter 9 (convolutional half): right answers pass, likely slips are named, anything else
fails."""

import math

import numpy as np
import pytest

from initlab import init
from initlab.conv2d import Conv2d
from initlab.notebook.selfcheck import ch09 as check


@pytest.mark.parametrize("call", [lambda: check.conv_fans(None, None, None), lambda: check.padding_factor(None),
                                  lambda: check.stride_fan_out(None)])
def test_no_answer_yet(call):
    assert call().right is None


def test_conv_fans():
    conv = Conv2d(32, 64, 5, rng=0)  # nn.Conv2d(32, 64, kernel_size=5)
    assert conv.weight.shape == (64, 32, 5, 5)
    assert check.conv_fans(conv.fan_in, conv.fan_out, math.sqrt(2 / conv.fan_in)).right is True
    assert check.conv_fans(800, 1600, 0.05).right is True
    assert "swapped" in repr(check.conv_fans(1600, 800, 0.05))
    assert "left out the kernel" in repr(check.conv_fans(32, 1600, 0.05))
    assert "variance" in repr(check.conv_fans(800, 1600, 0.0025))
    assert "fan_out" in repr(check.conv_fans(800, 1600, math.sqrt(2 / 1600)))
    assert "c_in instead" in repr(check.conv_fans(800, 1600, 0.25))
    assert check.conv_fans(800, 1600, 0.06).right is False
    assert check.conv_fans(800, None, 0.05).right is None
    assert check.conv_fans("800", 1600, 0.05).right is False


def test_padding_factor():
    # the same number measured: one 5×5 layer on a uniform-variance input, padded over unpadded interior count
    counts = np.array([3, 4, 5, 5, 5, 5, 4, 3])
    assert check.padding_factor(np.mean(np.outer(counts, counts)) / 25).right is True
    assert "one axis" in repr(check.padding_factor(0.85))
    assert "ignored the borders" in repr(check.padding_factor(1.0))
    assert "interior" in repr(check.padding_factor(0.5625))
    assert check.padding_factor(0.8).right is False


def test_stride_fan_out():
    assert check.stride_fan_out(36).right is True
    assert "left out the stride" in repr(check.stride_fan_out(144))
    assert "divided by s once" in repr(check.stride_fan_out(72))
    assert "c_out" in repr(check.stride_fan_out(2.25))
    assert check.stride_fan_out(30).right is False


def test_he_std_is_the_filler_std():
    w = init.kaiming_normal_(np.empty((64, 32, 5, 5)), rng=0)
    assert abs(w.std() / 0.05 - 1) < 0.01
