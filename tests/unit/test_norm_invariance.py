"""initlab.norm_invariance: each probe changes what it says, and every layer's measured invariances are the
predicted ones."""

import numpy as np
import pytest

from initlab.norm_invariance import LAYERS, PREDICTED, PROBES, changed


@pytest.fixture(scope="module")
def batch():
    return np.random.default_rng(3).normal(1.0, 2.0, (6, 16))  # groups of 4 features


@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize("probe", PROBES)
def test_measured_invariance_is_the_predicted_one(batch, layer, probe):
    change = changed(layer, probe, batch)
    if PREDICTED[layer][probe]:
        assert change > 0.1
    else:
        assert change < 1e-4


def test_a_per_example_layer_ignores_the_batch_exactly(batch):
    for layer in ("layer norm", "RMS norm", "group norm"):
        assert changed(layer, "other examples", batch) == 0.0


def test_group_norm_with_one_group_is_layer_norm_also_in_its_invariances(batch):
    for probe in PROBES:
        assert (changed("group norm", probe, batch, groups=1) > 0.1) == PREDICTED["layer norm"][probe]


@pytest.mark.parametrize("args, error, message", [
    (("instance norm", "scale example"), ValueError, "layer must be one of"),
    (("layer norm", "rotate"), ValueError, "probe must be one of"),
])
def test_bad_names(batch, args, error, message):
    with pytest.raises(error, match=message):
        changed(*args, batch)


def test_a_single_example_is_refused():
    with pytest.raises(ValueError, match=r"x must be a batch of shape \(batch >= 2, features\)"):
        changed("layer norm", "scale example", np.ones((1, 4)))
