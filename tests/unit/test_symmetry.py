"""initlab.symmetry: how far a layer's units are from being copies of each other."""

import functools

import numpy as np
import pytest

from initlab import MLP, init, symmetry, train

from spirals import two_spirals



@pytest.fixture(scope="module")
def spirals():
    return two_spirals(32, rng=0)


def test_unit_spread_is_zero_for_identical_columns_and_the_largest_difference_otherwise():
    w = np.tile(np.array([[0.5], [-1.0], [2.0]]), (1, 4))
    assert symmetry.unit_spread(w) == 0.0
    w[1, 2] = 0.25  # unit 2 now differs from the others by 1.25 on input 1
    assert symmetry.unit_spread(w) == pytest.approx(1.25)


@pytest.mark.parametrize("bad", [np.zeros(3), np.zeros((0, 2)), np.zeros((2, 2, 2))])
def test_unit_spread_refuses_anything_but_a_matrix(bad):
    with pytest.raises(ValueError, match="w must be a non-empty"):
        symmetry.unit_spread(bad)


def test_constant_init_keeps_units_identical_through_training(spirals):
    x, y = spirals
    model = MLP([2, 8, 8, 2], activation="tanh", init=functools.partial(init.constant, val=0.3), rng=0)
    train(model, x, y, lr=0.1, momentum=0.9, steps=30, batch_size=16, rng=0)
    assert all(symmetry.unit_spread(w) <= 1e-6 for w in model.weights[:2])
    assert np.ptp(model.weights[0]) > 1e-3  # the weights did move
