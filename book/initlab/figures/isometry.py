"""Chapter 7.4's figures: singular value spectra of the input–output Jacobian, Gaussian vs orthogonal weights."""

import matplotlib as mpl
import numpy as np

from .. import init, jacobian
from .._checks import finite_number, positive_int
from ..mlp import MLP
from ..plots import new_figure

__all__ = ["INITS", "FLOOR", "measure_spectra", "SpectrumFigure", "spectra_grid_figure"]

#: The two initializers compared, by the name the figures show: weights of mean square σ_w²/n either way.
INITS = {"gaussian": init.scaled_normal, "orthogonal": init.scaled_orthogonal}
#: Singular values below ``FLOOR`` times the largest are numerically zero: float64 rounding in the products
#: leaves errors near 1e-16 times the largest, so their computed values are noise.
FLOOR = 1e-10


def measure_spectra(x, depths, activations, width=64, rng=0):
    """``{(depth, init, activation): singular values}`` for a ``width``-wide float64 MLP at the input ``x``.

    ``activations`` maps an activation name to its σ_w; ``init`` runs over :data:`INITS`. One network of
    ``max(depths)`` layers per (init, activation): the network of depth ``k`` is its first ``k`` layers (the
    same seed draws the same first ``k`` matrices), and all depths come from one forward pass.
    """
    if isinstance(depths, (str, bytes)) or not hasattr(depths, "__len__") or len(depths) == 0:
        raise ValueError(f"depths must be a non-empty sequence of positive integers, got {depths!r}")
    depths = [positive_int(d, "depths") for d in depths]
    if not isinstance(activations, dict) or not activations:
        raise TypeError(f"activations must be a non-empty dict {{name: sigma_w}}, got {activations!r}")
    activations = {a: finite_number(s, f"activations[{a!r}]", positive=True) for a, s in activations.items()}
    spectra = {}
    for name, make in INITS.items():
        for activation, sigma_w in activations.items():
            model = MLP([width] * (max(depths) + 1), activation=activation, init=make(sigma_w), rng=rng,
                        dtype=np.float64)
            for depth, values in jacobian.singular_values(model, x, layers=depths).items():
                spectra[depth, name, activation] = values
    return spectra


def _draw(ax, line, below, values):
    """Values on the axis as a line; those under its bottom edge as markers just inside it (values are sorted)."""
    bottom = ax.get_ylim()[0]
    shown = int(np.count_nonzero(values >= bottom))
    line.set_data(np.arange(1, shown + 1), values[:shown])
    # 1.6 x bottom: the marker sits on the edge without being clipped (clip_on=False would let an empty
    # line break constrained layout).
    below.set_data(np.arange(shown + 1, values.size + 1), np.full(values.size - shown, 1.6 * bottom))


def _summary(values, bottom):
    m2, m4 = jacobian.spectrum_moments(values)
    zero = int(np.count_nonzero(values < FLOOR * values[0]))
    under = int(np.count_nonzero(values < bottom))
    return (f"mean s² {m2:.3g}, var(s²)/mean² {m4 / m2**2 - 1:.3g}, largest s {values[0]:.3g};\n"
            f"{under} of {values.size} below {bottom:.0e} ({zero} numerically zero)")


class SpectrumFigure:
    """The sorted singular values of the input–output Jacobian, one setting of (depth, init, activation).

    ``spectra`` comes from :func:`measure_spectra`, so a redraw only moves a line. Dynamical isometry is a
    flat line at 1; values under the bottom of the axis are marked on its edge (``describe`` counts them).
    """

    def __init__(self, spectra, sigma_w, ylim=(1e-6, 1e4)):
        if not spectra:
            raise ValueError("spectra must hold at least one setting (see measure_spectra)")
        self.spectra, self.sigma_w = spectra, sigma_w
        width = max(v.size for v in spectra.values())
        self.figure, ax = new_figure()
        self.ax = ax
        ax.set_yscale("log")
        ax.set_ylim(*ylim)
        ax.set_xlim(0, width + 1)
        ax.axhline(1.0, color="grey", linewidth=0.8, linestyle=":")
        (self.line,) = ax.plot([], [], marker="o", markersize=2.5, label="singular value $s_i$")
        (self.below,) = ax.plot([], [], "v", color="red", markersize=4,
                                label=f"below {ylim[0]:.0e} (drawn on the edge)")
        self.text = ax.text(0.02, 0.96, "", transform=ax.transAxes, fontsize="small", va="top")
        ax.set_xlabel("index i (largest first)")
        ax.set_ylabel(r"singular value of $\partial h_L / \partial x$")
        ax.legend(loc="upper right", fontsize="small")
        self.animated = [self.line, self.below, self.text, ax.title]

    def update(self, depth, init, activation):
        values = self.spectra[depth, init, activation]
        _draw(self.ax, self.line, self.below, values)
        self.ax.set_title(f"{activation}, {init} weights (σ_w = {self.sigma_w[activation]:.3g}), {depth} layers")
        self.text.set_text(_summary(values, self.ax.get_ylim()[0]))

    def describe(self, depth, init, activation):
        values = self.spectra[depth, init, activation]
        summary = _summary(values, self.ax.get_ylim()[0]).replace(";\n", "; ")
        return (f"Sorted singular values of the input-output Jacobian, log scale, for a {depth}-layer {activation} "
                f"network of width {values.size} with {init} weights: {summary}.")


def spectra_grid_figure(spectra, sigma_w, ylim=(1e-6, 1e2)):
    """All spectra at once: rows are the initializers, columns the activations, one colour per depth."""
    depths = sorted({d for d, _, _ in spectra})
    activations = list(sigma_w)
    fig, axes = new_figure(ncols=len(activations), nrows=len(INITS), figsize=(9, 5.5))
    axes = np.asarray(axes).reshape(len(INITS), len(activations))
    colours = mpl.colormaps["viridis"](np.linspace(0, 0.85, len(depths)))
    for row, name in enumerate(INITS):
        for col, activation in enumerate(activations):
            ax = axes[row, col]
            ax.set_yscale("log")
            ax.set_ylim(*ylim)
            ax.set_xlim(0, max(v.size for v in spectra.values()) + 1)
            ax.axhline(1.0, color="grey", linewidth=0.8, linestyle=":")
            for depth, colour in zip(depths, colours):
                (line,) = ax.plot([], [], color=colour, label=f"L = {depth}")
                (below,) = ax.plot([], [], "v", color=colour, markersize=3)
                _draw(ax, line, below, spectra[depth, name, activation])
            ax.set_title(f"{activation}, {name}", fontsize="medium")
            if row == len(INITS) - 1:
                ax.set_xlabel("index i")
            if col == 0:
                ax.set_ylabel("singular value")
    axes[0, -1].legend(fontsize="small", loc="upper right")
    return fig
