"""Chapter 7.7's figures: SELU's mean/variance map pulls (μ, ν) to (0, 1); relu and tanh do not."""

import numpy as np

from .. import self_normalization as sn
from ..activations import SELU_ALPHA, SELU_SCALE
from .._checks import positive_int
from ..plots import new_figure

__all__ = ["trajectories_figure", "DistributionFigure"]


def trajectories_figure(predicted, measured, contrast):
    """Two panels. Left: the (μ, ν) plane, ``predicted[start] = (means, variances)`` as lines and
    ``measured[start]`` as open circles, for each start. Right: variance against depth, ``contrast[activation]
    [start] = (means, variances)`` (entry 0 is the start), one line style per activation, one colour per start."""
    fig, (plane, depth) = new_figure(ncols=2, figsize=(9, 3.6), layout="constrained")
    colours = {start: f"C{i}" for i, start in enumerate(predicted)}
    for start, (m, v) in predicted.items():
        plane.plot(m, v, "-", color=colours[start], lw=1, label=f"start {start}")
        mm, mv = measured[start]
        plane.plot(mm, mv, "o", mfc="none", color=colours[start], markersize=4)
    plane.plot([0], [1], "*", color="k", markersize=12, label="fixed point (0, 1)")
    plane.set(xlabel=r"mean $\mu$ of a layer's outputs", ylabel=r"variance $\nu$", yscale="log",
              title="SELU, centred weights: map (lines), network (circles)")
    plane.legend(fontsize="x-small")
    styles = ["-", "--", ":"]
    for style_, (activation, by_start) in zip(styles, contrast.items()):
        for start, (_, v) in by_start.items():
            depth.plot(np.arange(len(v)), v, style_, color=colours[start])
        depth.plot([], [], style_, color="k", label=activation)  # the legend names the line style only
    depth.set(xlabel="layer k", ylabel=r"variance of layer outputs", yscale="log",
              title="Gaussian weights, pooled over units (map)")
    depth.legend(fontsize="x-small")
    return fig


class DistributionFigure:
    """The distribution of a SELU network's layer outputs, measured (histogram) and predicted (curve).

    For each start ``(μ0, ν0)`` one network of ``depth`` layers, width ``width``, centred weights
    (:func:`initlab.self_normalization.propagate` with seed ``rng + i`` for the ``i``-th start) is run once in
    ``__init__``; ``measured[start]`` holds its ``(means, variances)`` per layer. The prediction at layer
    ``k ≥ 1`` is the density of ``selu(z)``, ``z ~ N(0, ν_{k-1})`` with ``ν_{k-1}`` from the map's iterates;
    at layer 0 it is the input's ``N(μ0, ν0)``. ``update(start, layer)`` only moves two lines and the text.
    """

    def __init__(self, starts, layers, depth, width=256, batch=256, rng=0, xlim=(-4.0, 6.0), ylim=(0.0, 1.4)):
        depth = positive_int(depth, "depth")
        self.layers = [positive_int(k + 1, "layers") - 1 for k in layers]  # 0 (the input) is allowed
        if not self.layers or max(self.layers) > depth:
            raise ValueError(f"layers must be a non-empty list of layers in 0..{depth}, got {list(layers)!r}")
        edges = np.linspace(*xlim, 81)
        grid = np.linspace(*xlim, 600)
        self.measured, self.predicted, self._frames = {}, {}, {}
        for i, start in enumerate(starts):
            self.predicted[start] = sn.iterate(*start, depth)
            stats = []
            for k, x in enumerate(sn.propagate(*start, depth, width, batch, rng=rng + i)):
                stats.append((x.mean(dtype=np.float64), x.var(dtype=np.float64)))
                if k in self.layers:
                    counts = np.histogram(x, edges, density=True)[0]
                    if k == 0:
                        curve = np.exp(-(grid - start[0]) ** 2 / (2 * start[1])) / np.sqrt(2 * np.pi * start[1])
                    else:
                        curve = sn.selu_density(grid, 0.0, self.predicted[start][1][k - 1])
                    self._frames[start, k] = (np.append(counts, counts[-1]), curve)
            stats = np.array(stats)
            self.measured[start] = (stats[:, 0], stats[:, 1])
        self.edges, self.grid = edges, grid
        self.figure, ax = new_figure(figsize=(6, 3.4), layout="constrained")
        (self.hist,) = ax.plot([], [], drawstyle="steps-post", color="C0", label="network (histogram)")
        (self.curve,) = ax.plot([], [], color="C3", lw=1.5, label="prediction")
        self.text = ax.text(0.98, 0.95, "", transform=ax.transAxes, ha="right", va="top", fontsize="small")
        ax.axvline(-SELU_SCALE * SELU_ALPHA, color="0.6", ls=":", lw=0.8)
        ax.set(xlim=xlim, ylim=ylim, xlabel="value of a layer output", ylabel="density")
        ax.legend(loc="upper left", fontsize="small")
        self.ax = ax
        self.animated = [self.hist, self.curve, self.text, ax.title]

    def _numbers(self, start, layer):
        (mm, mv), (pm, pv) = self.measured[start], self.predicted[start]
        return (f"measured mean {mm[layer]:+.3f}, variance {mv[layer]:.3f}; "
                f"map {pm[layer]:+.3f}, {pv[layer]:.3f}")

    def update(self, start, layer):
        counts, curve = self._frames[start, layer]
        self.hist.set_data(self.edges, counts)
        self.curve.set_data(self.grid, curve)
        self.ax.set_title(f"SELU network from (μ, ν) = {start}, layer {layer}" + (" (input)" if layer == 0 else ""))
        self.text.set_text(self._numbers(start, layer).replace("; ", "\n"))

    def describe(self, start, layer):
        where = "the input" if layer == 0 else f"layer {layer}"
        return (f"Histogram of {where}'s outputs of a width-256 SELU network with centred weights started at "
                f"(mu, nu) = {start}, with the predicted density on top: {self._numbers(start, layer)}.")
