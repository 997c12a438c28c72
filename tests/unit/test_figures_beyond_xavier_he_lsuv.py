"""initlab.lsuv.build and initlab.figures.beyond_xavier_he.variance_figure: the three schemes built as named, their variances drawn."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from initlab import lsuv
from initlab.figures import beyond_xavier_he

X = np.random.default_rng(0).normal(size=(32, 8)).astype(np.float32)


def test_build_and_variance_figure():
    variances = {}
    for scheme in lsuv.SCHEMES:
        model, record = lsuv.build(scheme, "relu", X, depth=4, width=16, rng=0)
        assert (record is not None) == (scheme == "LSUV")
        variances[scheme] = lsuv.layer_variances(model, X)
    assert variances["LSUV"].shape == (4,) and np.all(np.abs(variances["LSUV"] - 1) < 0.1)
    fig = beyond_xavier_he.variance_figure({"relu": variances}, {"relu": "He"})
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    with pytest.raises(ValueError, match="scheme"):
        lsuv.build("xavier", "relu", X)
    with pytest.raises(ValueError, match="activation"):
        lsuv.build("LSUV", "swish", X)
