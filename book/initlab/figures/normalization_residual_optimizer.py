"""Chapter 10's figures: norm placement and residual scaling against depth, SGD against Adam, and the learning
rate against width under the standard and the maximal-update parameterization."""

import numpy as np
from matplotlib.ticker import MaxNLocator

from .drawing import by_layer, format_ratio, new_figure

__all__ = ["PLACEMENT_NAMES", "BlockGradientFigure", "LrWidthFigure", "stream_figure", "update_ratio_figure"]

PLACEMENT_NAMES = {"post": "post-norm", "pre": "pre-norm", "none": "no norm"}
_COLOURS = {"post": "C0", "pre": "C1", "none": "C2"}


def _positive(values):
    """The values as float64 with inf/NaN and non-positive entries replaced by NaN: a log axis shows a gap."""
    values = np.asarray(values, dtype=np.float64)
    return np.where(np.isfinite(values) & (values > 0), values, np.nan)


class BlockGradientFigure:
    """The weight-gradient norm ``‖(∂ℓ/∂W_1, ∂ℓ/∂W_2)‖`` of every block of a transformer-shaped residual stack
    at initialization, averaged over seeds, for one depth and one residual scaling, with the three norm
    placements as three curves and the chosen one highlighted.

    ``profiles`` maps ``(placement, depth, scaled)`` to a :class:`initlab.norm_residual.SeedAverage`
    (``scaled``: GPT-2's output scale ``1/√depth`` on every branch, or none). The axes are fixed over all
    settings, so curves can be compared between depths.
    """

    def __init__(self, profiles, ylim=(1e-1, 1e10)):
        self.profiles = profiles
        depths = sorted({d for _, d, _ in profiles})
        self.figure, ax = new_figure()
        self.lines = {}
        for placement, name in PLACEMENT_NAMES.items():
            (self.lines[placement],) = ax.plot([], [], marker="o", markersize=3, color=_COLOURS[placement],
                                               label=name)
        ax.set_yscale("log")
        ax.set_ylim(*ylim)
        ax.set_xlim(0, max(depths) + 1)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("block l")
        ax.set_ylabel(r"$\|\partial\ell/\partial W\|$ of block $l$")
        ax.legend(loc="upper right", fontsize="small")
        self.text = ax.text(0.02, 0.95, "", transform=ax.transAxes, va="top", fontsize="small")
        self.title = ax.set_title("")
        self.animated = [*self.lines.values(), self.text, self.title]

    def grads(self, placement, depth, scaled):
        """The seed-averaged weight-gradient norm of every block (block 1 first)."""
        return self.profiles[placement, depth, scaled].mean("weight_grad")

    def update(self, depth, scaled, placement):
        for p, line in self.lines.items():
            g = _positive(self.grads(p, depth, scaled))
            line.set_data(np.arange(1, depth + 1), g)
            line.set_linewidth(2.4 if p == placement else 0.9)
            line.set_alpha(1.0 if p == placement else 0.45)
        self.title.set_text(f"{depth} blocks, branch output scale "
                            f"{'1/√N' if scaled else '1'}; highlighted: {PLACEMENT_NAMES[placement]}")
        self.text.set_text(self._summary(depth, scaled, placement))

    def _summary(self, depth, scaled, placement):
        g = self.grads(placement, depth, scaled)
        return (f"{PLACEMENT_NAMES[placement]}: block 1 {format_ratio(g[0])}, "
                f"block {depth} {format_ratio(g[-1])}")

    def describe(self, depth, scaled, placement):
        parts = []
        for p, name in PLACEMENT_NAMES.items():
            g = self.grads(p, depth, scaled)
            parts.append(f"{name} from {format_ratio(g[0])} (block 1) to {format_ratio(g[-1])} (block {depth})")
        return (f"Weight-gradient norm per block, log scale, for residual stacks of {depth} blocks with branch "
                f"output scale {'1/√N' if scaled else '1'}, mean over seeds; {PLACEMENT_NAMES[placement]} "
                f"highlighted: " + "; ".join(parts) + ".")


class LrWidthFigure:
    """Final training loss against Adam's learning rate (log scale) for one parameterization, one curve per
    width, the chosen width highlighted, from a :class:`initlab.parameterization.LrSweep`; a dot marks the
    lowest seed-averaged loss of each width. A run that diverged is left out of its curve, never drawn."""

    def __init__(self, sweep, ylim=(0.02, 4.0)):
        self.sweep = sweep
        self.figure, ax = new_figure()
        lrs = np.array(sweep.lrs)
        self.lines, self.dots = {}, {}
        for i, n in enumerate(sweep.widths):
            (self.lines[n],) = ax.plot([], [], marker="o", markersize=3, color=f"C{i}", label=f"width {n}")
            (self.dots[n],) = ax.plot([], [], "*", markersize=12, color=f"C{i}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(lrs.min() / 1.5, lrs.max() * 1.5)
        ax.set_ylim(*ylim)
        ax.set_xlabel("learning rate η (Adam)")
        ax.set_ylabel("training loss after training")
        ax.legend(loc="upper left", fontsize="small")
        self.text = ax.text(0.98, 0.04, "", transform=ax.transAxes, ha="right", fontsize="small")
        self.title = ax.set_title("")
        self.animated = [*self.lines.values(), *self.dots.values(), self.text, self.title]

    def update(self, parameterization, width):
        lrs = np.array(self.sweep.lrs)
        for n in self.sweep.widths:
            loss = _positive(self.sweep.mean(parameterization, n))
            self.lines[n].set_data(lrs, loss)
            self.lines[n].set_linewidth(2.4 if n == width else 0.9)
            self.lines[n].set_alpha(1.0 if n == width else 0.45)
            best = self.sweep.best_lr(parameterization, n)
            self.dots[n].set_data([best], [loss[list(self.sweep.lrs).index(best)]])
        name = "standard (SP)" if parameterization == "sp" else "maximal update (μP)"
        self.title.set_text(f"{name} parameterization")
        self.text.set_text(self._summary(parameterization, width))

    def _summary(self, parameterization, width):
        best = self.sweep.best_lr(parameterization, width)
        loss = self.sweep.mean(parameterization, width).min()
        return f"width {width}: lowest loss {loss:.2f} at η = {best:g}"

    def describe(self, parameterization, width):
        bests = ", ".join(f"{self.sweep.best_lr(parameterization, n):g} at width {n}" for n in self.sweep.widths)
        name = "standard" if parameterization == "sp" else "maximal-update"
        return (f"Training loss against Adam's learning rate, log-log, under the {name} parameterization, one "
                f"curve per width, width {width} highlighted; {self._summary(parameterization, width)}. The "
                f"lowest loss lies at η = {bests}.")


def stream_figure(measured, predicted):
    """The mean square of the residual stream after the last block against the depth ``N``, log scale:
    ``measured[label]`` and ``predicted[label]`` are ``{N: value}``; the prediction dashed in the same colour."""
    fig, ax = new_figure()
    for i, (label, points) in enumerate(measured.items()):
        depths = sorted(points)
        ax.plot(depths, _positive([points[n] for n in depths]), marker="o", color=f"C{i}", label=label)
        ax.plot(depths, _positive([predicted[label][n] for n in depths]), "--", color=f"C{i}", linewidth=1)
    ax.plot([], [], "--", color="black", linewidth=1, label="predicted")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("number of blocks N")
    ax.set_ylabel(r"mean square of $h_N$")
    ax.legend(fontsize="small")
    return fig


def update_ratio_figure(sgd_ratio, adam_ratio, sign_ratio):
    """The update ratio ``‖ΔW_k‖/‖W_k‖`` of one SGD step and one Adam step per layer, log scale, with Adam's
    sign-step value ``η√N_k/‖W_k‖`` dotted."""
    fig, ax = new_figure()
    by_layer(ax, sgd_ratio, "SGD")
    by_layer(ax, adam_ratio, "Adam")
    layers = np.arange(1, len(sign_ratio) + 1)
    ax.plot(layers, _positive(sign_ratio), ":", color="black", linewidth=1.2, label=r"Adam, $\eta\sqrt{N_k}$")
    ax.set_ylabel(r"$\|\Delta W_k\| / \|W_k\|$, one step")
    ax.legend(fontsize="small")
    return fig
