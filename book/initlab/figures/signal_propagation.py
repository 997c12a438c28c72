"""Chapter 7's figures (signal propagation): the length and correlation maps, the (σ_w, σ_b) phase diagram
with the signal and the gradient of a simulated network, where deep networks still train, and the singular
value spectra of the input–output Jacobian, Gaussian vs orthogonal weights."""

import math

import matplotlib as mpl
import numpy as np

from .. import jacobian, mean_field, theory
from ..jacobian import FLOOR, INITS
from .drawing import new_figure
from .style import COLOURS

__all__ = ["length_map_figure", "correlation_map_figure", "trainability_figure", "EdgeOfChaosFigure",
           "SpectrumFigure", "spectra_grid_figure"]

_ORDERED, _CHAOTIC = "#cfe3f3", "#f6dccb"  # light tints of the palette's blue and vermillion


def length_map_figure(activation, settings):
    """``ℒ(q)`` against ``q`` for each ``(σ_w, σ_b)`` in ``settings``, with the diagonal ``ℒ(q) = q``:
    where a curve crosses the diagonal is a fixed point ``q*`` (marked; the axes reach 1.25 times the
    largest finite one)."""
    fig, ax = new_figure()
    fixed = [theory.fixed_point(activation, w, b) for w, b in settings]
    q_max = 1.25 * max([1.0] + [v for v in fixed if np.isfinite(v)])
    q = np.linspace(0.0, q_max, 121)
    ax.plot(q, q, color="grey", linestyle=":", label=r"$\mathcal{L}(q) = q$")
    for colour, (sigma_w, sigma_b), q_star in zip(COLOURS, settings, fixed):
        ax.plot(q, [theory.length_map(activation, v, sigma_w, sigma_b) for v in q], color=colour,
                label=fr"$\sigma_w = {sigma_w:g}$, $\sigma_b = {sigma_b:g}$")
        ax.plot([q_star], [q_star], "o", color=colour)
    ax.set_xlim(0, q_max)
    ax.set_ylim(0, q_max)
    ax.set_xlabel(r"$q_k$ (variance of layer $k$'s pre-activations)")
    ax.set_ylabel(r"$q_{k+1} = \mathcal{L}(q_k)$")
    ax.legend(fontsize="small")
    return fig


def correlation_map_figure(activation, settings, points=41):
    """The correlation map ``c_{k+1} = C(c_k)`` at ``q = q*`` for each ``(σ_w, σ_b)``, its slope ``χ₁`` at
    ``c = 1`` and the stable fixed point ``c*`` (marked)."""
    fig, ax = new_figure()
    c = np.linspace(0.0, 1.0, points)
    ax.plot(c, c, color="grey", linestyle=":", label="$C(c) = c$")
    for colour, (sigma_w, sigma_b) in zip(COLOURS, settings):
        q = theory.fixed_point(activation, sigma_w, sigma_b)
        ax.plot(c, [theory.correlation_map(activation, v, q, sigma_w, sigma_b) for v in c], color=colour,
                label=fr"$\sigma_w = {sigma_w:g}$, $\sigma_b = {sigma_b:g}$: "
                      fr"$\chi_1 = {theory.gradient_factor(activation, q, sigma_w):.2f}$")
        c_star = theory.correlation_fixed_point(activation, sigma_w, sigma_b)
        ax.plot([c_star], [c_star], "o", color=colour)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("$c_k$ (correlation of two inputs' pre-activations at layer $k$)")
    ax.set_ylabel("$c_{k+1}$")
    ax.legend(fontsize="small", loc="lower right")
    return fig


def _phase_axes(ax, activation, sigma_w_max, sigma_b_max):
    """Shade the ordered and the chaotic phase and draw the critical line between them."""
    sigma_b = np.linspace(0.0, sigma_b_max, 25)
    line = theory.critical_line(activation, sigma_b)
    ax.fill_betweenx(sigma_b, 0, line, color=_ORDERED)
    ax.fill_betweenx(sigma_b, line, sigma_w_max, color=_CHAOTIC)
    ax.plot(line, sigma_b, color="black", label=r"critical line $\chi_1 = 1$")
    ax.text(0.45, 0.85 * sigma_b_max, "ordered\n" + r"$\chi_1 < 1$", ha="center", fontsize="small")
    ax.text(0.5 * (line[-1] + sigma_w_max), 0.3 * sigma_b_max, "chaotic\n" + r"$\chi_1 > 1$", ha="center",
            fontsize="small")
    ax.set_xlim(0, sigma_w_max)
    ax.set_ylim(0, sigma_b_max)
    ax.set_xlabel(r"$\sigma_w$")
    ax.set_ylabel(r"$\sigma_b$")
    ax.grid(False)


def trainability_figure(accuracy, sigma_ws, depths, scales, sigma_b, activation="tanh", cut=None):
    """Training accuracy (colour) for each ``σ_w`` (column) and depth (row), with the depth scale ``d_c`` and
    ``6 d_c`` (``scales``: one ``d_c`` per ``σ_w``) drawn over it (Schoenholz et al. 2017, Fig. 5 in miniature).

    With ``cut`` (a fraction), each cell shows only its side of the cut, in two colours and in words: a short
    training run's accuracy moves with float32 rounding from one computer to another, its side of a cut that
    no run comes near does not. Without it, the colour is the accuracy and each cell prints it."""
    accuracy = np.asarray(accuracy, dtype=np.float64)
    if accuracy.shape != (len(sigma_ws), len(depths)) or len(scales) != len(sigma_ws):
        raise ValueError(f"accuracy must have shape (len(sigma_ws), len(depths)) = ({len(sigma_ws)}, "
                         f"{len(depths)}) and scales one value per sigma_w, got {accuracy.shape} and {len(scales)}")
    fig, ax = new_figure()
    cols, rows = np.arange(len(sigma_ws)), np.arange(len(depths))
    shown = accuracy if cut is None else np.where(accuracy > cut, 0.85, 0.15)
    image = ax.pcolormesh(np.arange(len(sigma_ws) + 1) - 0.5, np.arange(len(depths) + 1) - 0.5, shown.T,
                          cmap="viridis", vmin=0.0, vmax=1.0)
    for i, j in np.ndindex(accuracy.shape):
        if cut is None:
            label = f"{accuracy[i, j]:.2f}"
        else:
            label = f"{'above' if accuracy[i, j] > cut else 'below'}\n{100 * cut:g} %"
        ax.text(i, j, label, ha="center", va="center", fontsize="x-small",
                color="black" if shown[i, j] > 0.5 else "white")
    # Depth grows geometrically by row, so a depth L sits at row log(L / depths[0]) / log(ratio).
    log_depths = np.log(np.asarray(depths, dtype=np.float64))

    def row(value):
        return np.interp(np.log(value), log_depths, rows, left=-0.5, right=len(depths) - 0.5)

    scales = np.asarray(scales, dtype=np.float64)
    for factor, style, label in ((1, "--", r"$d_c$"), (6, "-", r"$6\,d_c$")):
        ax.plot(cols, [row(factor * s) if math.isfinite(s) else len(depths) - 0.5 for s in scales],
                style, color="white", linewidth=2, label=label)
    ax.set_xticks(cols, [f"{s:g}" for s in sigma_ws])
    ax.set_yticks(rows, [str(d) for d in depths])
    ax.set_xlim(-0.5, len(sigma_ws) - 0.5)
    ax.set_ylim(-0.5, len(depths) - 0.5)
    ax.set_xlabel(fr"$\sigma_w$ ({activation}, $\sigma_b^2 = {sigma_b ** 2:g}$)")
    ax.set_ylabel("hidden layers L")
    ax.grid(False)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, fontsize="small", labelcolor="white",
              frameon=True, facecolor="0.35", framealpha=1.0)
    if cut is None:
        fig.colorbar(image, ax=ax, label="training accuracy")
    return fig


class EdgeOfChaosFigure:
    """Chapter 7: a point on the (σ_w, σ_b) phase diagram, and what a network there does to the signal.

    ``update(sigma_w, sigma_b)`` moves the marker on the phase diagram (left) and shows, for a network of
    ``depth`` hidden tanh layers of ``width`` units with weights ``N(0, σ_w²/n)`` and biases
    ``N(0, σ_b²)``, fed the batch ``x``: the variance ``q_k`` of each layer's pre-activations, predicted by
    the length map and measured (middle), and the mean square of the back-propagated gradient
    ``∂ℓ/∂h_k``, predicted from the last hidden layer's measured value by the per-layer factors
    ``σ_w² E[φ'(√q_k ξ)²]`` and measured (right). Every setting is measured in ``__init__``
    (:func:`initlab.mean_field.signal_and_gradient`).
    """

    def __init__(self, x, y, sigma_ws, sigma_bs, depth=30, width=100, activation="tanh", rng=0):
        self.activation, self.depth = activation, depth
        self.results = {(w, b): mean_field.signal_and_gradient(x, y, w, b, depth, width, activation, rng)
                        for w in sigma_ws for b in sigma_bs}
        self.figure, (ax_phase, ax_q, ax_g) = new_figure(ncols=3, figsize=(10.5, 3.6))
        _phase_axes(ax_phase, activation, 1.1 * max(sigma_ws), 1.1 * max(sigma_bs))
        (self.marker,) = ax_phase.plot([], [], "o", color="black", markersize=8, markerfacecolor="white",
                                       markeredgewidth=2, clip_on=False)
        layers = np.arange(1, depth + 1)
        self.layers = layers
        (self.q_pred,) = ax_q.plot([], [], color=COLOURS[0], label="predicted")
        (self.q_meas,) = ax_q.plot([], [], "o", color=COLOURS[1], markersize=3, label="measured")
        (self.g_pred,) = ax_g.plot([], [], color=COLOURS[0], label="predicted")
        (self.g_meas,) = ax_g.plot([], [], "o", color=COLOURS[1], markersize=3, label="measured")
        qs = np.concatenate([r["q"] for r in self.results.values()] + [r["q_pred"] for r in self.results.values()])
        gs = np.concatenate([r["g"] for r in self.results.values()] + [r["g_pred"] for r in self.results.values()])
        for ax, values, label in ((ax_q, qs, r"$q_k$, variance of $z_k$"),
                                  (ax_g, gs, r"mean square of $\partial\ell/\partial h_k$")):
            ax.set_yscale("log")
            ax.set_ylim(values.min() / 3, values.max() * 1e4)  # headroom for the legend
            ax.set_xlim(0.5, depth + 0.5)
            ax.set_xlabel("layer k")
            ax.set_ylabel(label)
            ax.legend(fontsize="small", loc="upper right", ncols=2)
        self.ax_phase, self.ax_q = ax_phase, ax_q
        self.animated = [self.marker, self.q_pred, self.q_meas, self.g_pred, self.g_meas, ax_phase.title]

    def _result(self, sigma_w, sigma_b):
        if (sigma_w, sigma_b) not in self.results:
            raise ValueError(f"(sigma_w, sigma_b) must be one of the figure's settings "
                             f"{sorted(self.results)}, got ({sigma_w!r}, {sigma_b!r})")
        return self.results[(sigma_w, sigma_b)]

    def update(self, sigma_w, sigma_b):
        r = self._result(sigma_w, sigma_b)
        self.marker.set_data([sigma_w], [sigma_b])
        for line, values in ((self.q_pred, r["q_pred"]), (self.q_meas, r["q"]),
                             (self.g_pred, r["g_pred"]), (self.g_meas, r["g"])):
            ok = np.isfinite(values) & (values > 0)
            line.set_data(self.layers[ok], values[ok])
        self.ax_phase.set_title(fr"$\sigma_w = {sigma_w:g}$, $\sigma_b = {sigma_b:g}$: "
                                fr"$\chi_1 \approx {r['chi1']:.2f}$", fontsize="medium")

    def describe(self, sigma_w, sigma_b):
        r = self._result(sigma_w, sigma_b)
        phase = "ordered" if r["chi1"] < 1 else "chaotic"
        span = r["g"][0] / r["g"][-1]
        return (f"Phase diagram of a {self.activation} network with the point sigma_w = {sigma_w:g}, "
                f"sigma_b = {sigma_b:g} in the {phase} phase (chi_1 about {r['chi1']:.2f} at layer {self.depth}). "
                f"Pre-activation variance: predicted {r['q_pred'][-1]:.3g}, measured {r['q'][-1]:.3g} at layer "
                f"{self.depth}. Gradient mean square at layer 1 is {span:.1e} times its value at layer "
                f"{self.depth} (predicted {r['g_pred'][0] / r['g_pred'][-1]:.1e}).")



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
            values = [spectra[depth, name, activation] for depth in depths]
            if all(np.allclose(v, values[0], rtol=1e-6, atol=0) for v in values[1:]):
                # the curves coincide: say so, or only the last one would show
                ax.text(0.5, 0.6, f"all depths: the same curve\n(L = {', '.join(map(str, depths))})",
                        transform=ax.transAxes, ha="center", va="bottom", fontsize="small")
            if row == len(INITS) - 1:
                ax.set_xlabel("index i")
            if col == 0:
                ax.set_ylabel("singular value")
    axes[0, -1].legend(fontsize="small", loc="upper right")
    return fig
