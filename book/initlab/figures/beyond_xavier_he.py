"""Chapter 8's figures (beyond Xavier and He): per-layer variance under LSUV, the residual stream and its
gradient block by block, and SELU's mean/variance map pulling (μ, ν) to (0, 1) where relu and tanh do not."""

import numpy as np

from .. import self_normalization
from .._checks import positive_int
from ..activations import SELU_ALPHA, SELU_SCALE
from ..residual import measure, predicted_profile
from .drawing import by_layer, format_ratio, new_figure

__all__ = ["variance_figure", "RESIDUAL_LABELS", "profile_figure", "ProfileFigure", "trajectories_figure",
           "DistributionFigure"]

#: How the figures name the residual schemes of :data:`initlab.residual.SCHEMES`.
RESIDUAL_LABELS = {"plain": "plain (no skips), He", "residual": "residual, He", "batch norm": "residual + batch norm",
                   "scaled": "residual, branches × 1/√L", "fixup": "Fixup"}

# One marker and line style per curve, so that curves that lie on each other stay distinguishable.
_MARKERS = ["o", "s", "^", "D", "v", "P"]
_LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (1, 2))]


def _restyle(ax, label, i):
    """Give the curve ``label`` that :func:`by_layer` just drew the ``i``-th marker and line style."""
    for line in ax.get_lines():
        if line.get_label() == label:
            line.set_marker(_MARKERS[i % len(_MARKERS)])
            line.set_linestyle(_LINESTYLES[i % len(_LINESTYLES)])
            line.set_markersize(4)


def variance_figure(variances, labels):
    """One panel per activation: ``variances[activation][scheme]`` per layer, on a log axis.

    ``labels[activation]`` names the standard rule for that activation (e.g. "He").
    """
    fig, axes = new_figure(ncols=len(variances), figsize=(3.0 * len(variances) + 0.4, 3.6), layout="constrained")
    axes = np.atleast_1d(axes)
    for ax, (activation, by_scheme) in zip(axes, variances.items()):
        for i, (scheme, values) in enumerate(by_scheme.items()):
            if scheme == "standard":
                label = f"standard rule ({labels[activation]})"
            elif scheme == "orthogonal":
                label = r"orthogonal, $\sigma_w = 1$"
            else:
                label = scheme
            by_layer(ax, values, label=label, color=f"C{i}")
            _restyle(ax, label, i)
        ax.axhline(1.0, color="0.5", lw=0.8, ls=":")
        ax.set(title=f"{activation}, {len(values)} layers", xlabel="layer k")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False)
    axes[0].set_ylabel(r"Var($z_k$) at initialization")
    return fig


def profile_figure(profiles):
    """Left: RMS of the stream per block; right: ‖∂ℓ/∂h_l‖; one curve per ``label: (rms, grad)``, log scales."""
    fig, (ax_rms, ax_grad) = new_figure(ncols=2, figsize=(9, 4.6))
    for i, (label, (rms, grad)) in enumerate(profiles.items()):
        for ax, values in ((ax_rms, rms), (ax_grad, grad)):
            by_layer(ax, values, label, first_layer=0, color=f"C{i}")
            _restyle(ax, label, i)
    ax_rms.set_ylabel(r"RMS of the stream $h_l$")
    ax_grad.set_ylabel(r"$\|\partial\ell/\partial h_l\|$")
    for ax in (ax_rms, ax_grad):
        ax.set_xlabel("block l (0 = after the input layer)")
    fig.legend(*ax_rms.get_legend_handles_labels(), loc="outside lower center", ncols=3, frameon=False)
    return fig


class ProfileFigure:
    """Stream RMS and gradient per block for a scheme and a depth, measured (markers) and predicted (dashed).

    Every ``(scheme, blocks)`` setting is measured once in ``__init__``, so ``update`` only moves lines.
    """

    def __init__(self, x, y, schemes, depths, width=64, rng=0):
        self.data = {}
        for scheme in schemes:
            for blocks in depths:
                rms, grad = measure(scheme, x, y, blocks, width, rng)
                self.data[scheme, blocks] = rms, grad, predicted_profile(scheme, blocks, rms[0], grad[-1])
        self.figure, (self.ax_rms, self.ax_grad) = new_figure(ncols=2, figsize=(9, 4))
        self.lines = {}
        for ax, key in ((self.ax_rms, "rms"), (self.ax_grad, "grad")):
            (measured,) = ax.plot([], [], "o-", markersize=3, label="measured")
            (predicted,) = ax.plot([], [], "--", color="black", linewidth=1, label="predicted")
            self.lines[key] = measured, predicted
            values = np.concatenate([v[0 if key == "rms" else 1] for v in self.data.values()])
            values = values[np.isfinite(values) & (values > 0)]
            ax.set_yscale("log")
            ax.set_ylim(values.min() / 3, values.max() * 3)
            ax.set_xlim(-0.5, max(depths) + 0.5)
            ax.set_xlabel("block l (0 = after the input layer)")
        self.ax_rms.set_ylabel(r"RMS of the stream $h_l$")
        self.ax_grad.set_ylabel(r"$\|\partial\ell/\partial h_l\|$")
        self.ax_rms.legend(loc="upper left")
        self.animated = [line for pair in self.lines.values() for line in pair] + [
            self.ax_rms.title, self.ax_grad.title]

    def update(self, scheme, blocks):
        rms, grad, (rms_pred, grad_pred) = self.data[scheme, blocks]
        l = np.arange(blocks + 1)
        for key, values, pred in (("rms", rms, rms_pred), ("grad", grad, grad_pred)):
            measured, predicted = self.lines[key]
            ok = np.isfinite(values) & (values > 0)
            measured.set_data(l[ok], values[ok])
            predicted.set_data(*((l, pred) if pred is not None else ([], [])))
        rms, grad, _ = self.data[scheme, blocks]
        self.ax_rms.set_title(f"{RESIDUAL_LABELS[scheme]}, {blocks} blocks\n"
                              f"RMS $h_L$ / $h_0$: {format_ratio(rms[-1] / rms[0])}")
        when = "after one SGD step" if scheme == "fixup" else "at initialization"
        self.ax_grad.set_title(f"gradient {when}\n"
                               rf"$\|\partial\ell/\partial h_0\|\,/\,\|\partial\ell/\partial h_L\|$: "
                               f"{format_ratio(grad[0] / grad[-1])}")

    def _summary(self, scheme, blocks):
        rms, grad, _ = self.data[scheme, blocks]
        return (f"RMS h_L / h_0: {format_ratio(rms[-1] / rms[0])}; "
                f"‖∂ℓ/∂h_0‖ / ‖∂ℓ/∂h_L‖: {format_ratio(grad[0] / grad[-1])}")

    def describe(self, scheme, blocks):
        when = "after one SGD step" if scheme == "fixup" else "at initialization"
        return (f"Two log-scale panels for a network with {blocks} residual blocks of width 64, scheme "
                f"{RESIDUAL_LABELS[scheme]}: the RMS of the stream per block (left) and the gradient norm per block "
                f"(right, {when}), measured with the prediction dashed. {self._summary(scheme, blocks)}.")


def trajectories_figure(predicted, measured, contrast):
    """Two panels. Left: the (μ, ν) plane, ``predicted[start] = (means, variances)`` as lines and
    ``measured[start]`` as open circles, for each start. Right: variance against depth, ``contrast[activation]
    [start] = (means, variances)`` (entry 0 is the start), one line style per activation, one colour per start."""
    fig, (plane, depth) = new_figure(ncols=2, figsize=(9, 4.6), layout="constrained")
    colours = {start: f"C{i}" for i, start in enumerate(predicted)}
    for start, (m, v) in predicted.items():
        plane.plot(m, v, "-", color=colours[start], lw=1, label=f"start {start}")
        mm, mv = measured[start]
        plane.plot(mm, mv, "o", mfc="none", color=colours[start], markersize=4)
    plane.plot([0], [1], "*", color="k", markersize=12, label="fixed point (0, 1)")
    plane.set(xlabel=r"mean $\mu$ of a layer's outputs", ylabel=r"variance $\nu$", yscale="log",
              title="SELU, centred weights:\nmap (lines), network (circles)")
    plane.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncols=2, frameon=False)
    styles = ["-", "--", ":"]
    for style_, (activation, by_start) in zip(styles, contrast.items()):
        for start, (_, v) in by_start.items():
            depth.plot(np.arange(len(v)), v, style_, color=colours[start])
        depth.plot([], [], style_, color="k", label=activation)  # the legend names the line style only
    depth.set(xlabel="layer k", ylabel=r"variance of layer outputs", yscale="log",
              title="Gaussian weights, pooled over units\n(map; colours: the starts on the left)")
    depth.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncols=3, frameon=False)
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
            self.predicted[start] = self_normalization.iterate(*start, depth)
            stats = []
            for k, x in enumerate(self_normalization.propagate(*start, depth, width, batch, rng=rng + i)):
                stats.append((x.mean(dtype=np.float64), x.var(dtype=np.float64)))
                if k in self.layers:
                    counts = np.histogram(x, edges, density=True)[0]
                    if k == 0:
                        curve = np.exp(-(grid - start[0]) ** 2 / (2 * start[1])) / np.sqrt(2 * np.pi * start[1])
                    else:
                        curve = self_normalization.selu_density(grid, 0.0, self.predicted[start][1][k - 1])
                    self._frames[start, k] = (np.append(counts, counts[-1]), curve)
            stats = np.array(stats)
            self.measured[start] = (stats[:, 0], stats[:, 1])
        self.edges, self.grid = edges, grid
        self.figure, ax = new_figure(figsize=(6.6, 3.6), layout="constrained")
        (self.hist,) = ax.plot([], [], drawstyle="steps-post", color="C0", label="network")
        (self.curve,) = ax.plot([], [], color="C3", lw=1.5, label="prediction")
        self.text = ax.text(0.98, 0.95, "", transform=ax.transAxes, ha="right", va="top")
        ax.axvline(-SELU_SCALE * SELU_ALPHA, color="0.6", ls=":", lw=0.8)
        ax.set(xlim=xlim, ylim=ylim, xlabel="value of a layer output", ylabel="density")
        ax.legend(loc="center right")  # empty in every frame: the densities are near 0 beyond 3
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
