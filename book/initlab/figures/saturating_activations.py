"""Chapter 3's figures: activations and their slopes, saturation under a Gaussian input, the zig-zag of
updates fed by sigmoid outputs, and gradient norms per layer with each activation's own initialization."""

import numpy as np

from .. import activations as _activations
from .. import positive_inputs, saturation
from .drawing import new_figure
from .style import COLOURS
from .vanishing_gradients import GradientNormFigure

__all__ = ["activations_figure", "SaturationFigure", "zigzag_figure", "ActivationGradientFigure"]


def _colours(names):
    return dict(zip(names, COLOURS))


# Activations whose curves coincide (relu, leaky relu and elu for x > 0; relu, leaky relu and gelu at a mean slope
# of 1/2) get different dash patterns, so they stay distinguishable without colour.
LINESTYLES = {"relu": "-", "leaky_relu": (0, (5, 2)), "elu": (0, (1, 1.5)), "selu": (0, (6, 2, 1, 2)),
              "gelu": (0, (3, 1.5, 1, 1.5, 1, 1.5))}


def _style(name, colour):
    return dict(color=colour, linestyle=LINESTYLES.get(name, "-"))


def activations_figure(names, x_range=(-6.0, 6.0)):
    """Left: each activation ``f(x)``; right: its slope ``f'(x)``, on the same ``x_range``."""
    fig, (ax_f, ax_d) = new_figure(ncols=2)
    x = np.linspace(*x_range, 1201)  # contains 0, so relu's kink is drawn where it is
    for name, colour in _colours(names).items():
        f = _activations.get(name)
        ax_f.plot(x, f(x), label=name, **_style(name, colour))
        ax_d.plot(x, f.derivative(x), label=name, **_style(name, colour))
    ax_f.set_ylim(-2.0, 4.0)
    ax_f.set_xlabel("x")
    ax_f.set_ylabel("f(x)")
    fig.legend(*ax_f.get_legend_handles_labels(), loc="outside lower center", ncols=4, fontsize="small")
    ax_d.axhline(0.25, color="grey", linestyle=":", linewidth=1)
    # right of x = 2.5 every slope is far from 1/4 (tanh' < 0.03, sigmoid' < 0.08; the others near 1)
    ax_d.annotate("1/4, the\nsigmoid's peak", (2.5, 0.29), fontsize="small", color="grey")
    ax_d.set_xlabel("x")
    ax_d.set_ylabel("f'(x)")
    return fig


class SaturationFigure:
    """Pre-activations ``z ~ N(0, s²)``: the mean slope ``E[f'(z)]`` and the saturated fraction
    ``P(|f'(z)| < 1 % of its peak)`` of each activation against ``s`` (left, middle), and the density of
    ``z`` over the regions where tanh and the sigmoid saturate (right). ``update(scale)`` moves to
    ``s = scale``; every value comes from ``initlab.saturation`` and is computed once, in ``__init__``,
    for the ``scales`` the figure will be asked about and a fine grid between them.
    """

    def __init__(self, names, scales):
        self.names = list(names)
        scales = sorted(float(s) for s in scales)
        if not self.names or not scales:
            raise ValueError("SaturationFigure needs at least one activation name and one scale")
        grid = np.union1d(np.geomspace(scales[0], scales[-1], 41), scales)
        self.slope = {n: np.array([saturation.expected_derivative(n, s) for s in grid]) for n in self.names}
        self.saturated = {n: saturation.saturated_fraction(n, grid) for n in self.names}
        self._index = {s: int(np.searchsorted(grid, s)) for s in scales}
        self.thresholds = {n: saturation.saturated_intervals(n)[-1][0] for n in ("tanh", "sigmoid")}
        colours = _colours(self.names)

        self.figure, (ax_slope, ax_sat, ax_z) = new_figure(ncols=3, figsize=(9.0, 3.4))
        for n in self.names:
            ax_slope.plot(grid, self.slope[n], label=n, **_style(n, colours[n]))
            ax_sat.plot(grid, self.saturated[n], label=n, **_style(n, colours[n]))
        point_colours = [colours[n] for n in self.names]
        self.slope_points = ax_slope.scatter([], [], c=[], s=25, zorder=3, edgecolors="black", linewidths=0.5)
        self.sat_points = ax_sat.scatter([], [], c=[], s=25, zorder=3, edgecolors="black", linewidths=0.5)
        for points in (self.slope_points, self.sat_points):
            points.set_facecolors(point_colours)
        self.markers = [ax.axvline(scales[0], color="grey", linewidth=1) for ax in (ax_slope, ax_sat)]
        for ax, label in ((ax_slope, "E[f'(z)]"), (ax_sat, "saturated fraction")):
            ax.set_xscale("log")
            ax.set_xlim(grid[0], grid[-1])
            ax.set_xlabel("pre-activation std s")
            ax.set_ylabel(label)
        ax_slope.set_ylim(0, 1.45)  # selu's mean slope reaches λ(1/2 + α/2) ≈ 1.40 as s → 0
        ax_sat.set_ylim(-0.02, 1.0)

        # Right panel: z on a fixed axis; the shaded bands are where tanh (light) and sigmoid (dark) saturate.
        self.z = np.linspace(-15, 15, 601)
        for name, shade in (("tanh", 0.15), ("sigmoid", 0.3)):
            x_sat = self.thresholds[name]
            for side, (lo, hi) in enumerate(((-15, -x_sat), (x_sat, 15))):
                ax_z.axvspan(lo, hi, color=colours.get(name, "grey"), alpha=shade, linewidth=0,
                             label=None if side else f"{name} saturates (|z| > {x_sat:.2f})")
        # one legend for the three panels, below them, so that none covers a curve
        handles, labels = ax_slope.get_legend_handles_labels()
        band_handles, band_labels = ax_z.get_legend_handles_labels()
        self.figure.legend(handles + band_handles, labels + band_labels, loc="outside lower center", ncols=5,
                           fontsize="x-small")
        (self.density,) = ax_z.plot([], [], color="black")
        self.z_text = ax_z.text(0.03, 0.97, "", transform=ax_z.transAxes, va="top", fontsize="x-small")
        ax_z.set_xlim(-15, 15)
        ax_z.set_ylim(0, 1.35)
        ax_z.set_xlabel("z")
        ax_z.set_ylabel("density of z (peak = 1)")
        self._axes = (ax_slope, ax_sat, ax_z)
        self.animated = [self.slope_points, self.sat_points, *self.markers, self.density, self.z_text]

    def values(self, scale):
        """``({name: E[f'(z)]}, {name: saturated fraction})`` at ``s = scale`` (one of the figure's scales)."""
        if scale not in self._index:
            raise ValueError(f"scale must be one of the figure's scales {sorted(self._index)}, got {scale!r}")
        i = self._index[scale]
        return ({n: float(self.slope[n][i]) for n in self.names},
                {n: float(self.saturated[n][i]) for n in self.names})

    def update(self, scale):
        slope, saturated = self.values(scale)
        self.slope_points.set_offsets(np.column_stack([np.full(len(self.names), scale), list(slope.values())]))
        self.sat_points.set_offsets(np.column_stack([np.full(len(self.names), scale), list(saturated.values())]))
        for marker in self.markers:
            marker.set_xdata([scale, scale])
        self.density.set_data(self.z, np.exp(-0.5 * (self.z / scale) ** 2))
        self.z_text.set_text(f"s = {scale:g}\n"
                             + "\n".join(f"{n} saturated: {saturated[n]:.1%}"
                                         for n in ("tanh", "sigmoid") if n in saturated))

    def describe(self, scale):
        slope, saturated = self.values(scale)
        return (f"Pre-activations z ~ N(0, {scale:g}²). Mean slope E[f'(z)]: "
                + ", ".join(f"{n} {v:.3f}" for n, v in slope.items())
                + ". Saturated fraction (slope below 1% of its peak): "
                + ", ".join(f"{n} {v:.1%}" for n, v in saturated.items()) + ".")


def zigzag_figure(runs, w_star):
    """One panel per ``label: (x, path)``: the SGD path of a 2-weight linear unit fed the inputs ``x``,
    over the contours of its mean squared error (:func:`initlab.positive_inputs.mean_error`), whose shape is
    set by ``E[x xᵀ]``; ``w_star`` is the target."""
    fig, axes = new_figure(ncols=len(runs))
    axes = np.atleast_1d(axes)
    w_star = np.asarray(w_star, dtype=np.float64)
    for ax, (label, (x, path)) in zip(axes, runs.items()):
        lo, hi = np.min(path, axis=0), np.max(path, axis=0)
        pad = 0.15 * np.max(hi - lo)
        g1, g2 = np.meshgrid(np.linspace(lo[0] - pad, hi[0] + pad, 200), np.linspace(lo[1] - pad, hi[1] + pad, 200))
        error = positive_inputs.mean_error(x, np.stack([g1, g2], axis=-1), w_star)
        ax.contour(g1, g2, error, levels=12, colors="grey", linewidths=0.5, alpha=0.7)
        ax.plot(path[:, 0], path[:, 1], color=COLOURS[0], linewidth=1, marker=".", markersize=2)
        ax.plot(*path[0], "o", color="black", label="start")
        ax.plot(*w_star, "*", color=COLOURS[1], markersize=12, label="target $w^*$")
        ax.set_title(label, fontsize="medium")
        ax.set_xlabel("$w_1$")
        ax.set_ylabel("$w_2$")
        ax.set_aspect("equal", adjustable="datalim")
    axes[0].legend(fontsize="small", loc="lower left")
    return fig


class ActivationGradientFigure(GradientNormFigure):
    """Chapter 1's gradient-norm-per-layer figure with each activation at its own initialization.

    ``scales`` maps an activation name to its :math:`\\sigma_w` (weights ``N(0, σ_w²/fan_in)``);
    ``update(depth, activation)`` draws that activation's network at that scale.
    """

    def __init__(self, x, y, scales, width=64, max_depth=30, ylim=(1e-16, 1e4), rng=0):
        if not scales:
            raise ValueError("scales must map at least one activation name to its init scale")
        self.scales = {name: float(s) for name, s in scales.items()}
        super().__init__(x, y, width=width, max_depth=max_depth, ylim=ylim, rng=rng)

    def _scale(self, activation):
        if activation not in self.scales:
            raise ValueError(f"activation must be one of {', '.join(map(repr, self.scales))}; got {activation!r}")
        return self.scales[activation]

    def update(self, depth, activation):
        super().update(depth, activation, self._scale(activation))

    def describe(self, depth, activation):
        return super().describe(depth, activation, self._scale(activation))
