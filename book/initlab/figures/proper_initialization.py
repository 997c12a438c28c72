"""Chapter 5's figures: the signal per layer under each scheme, the init-scale sweep, symmetry, He vs Xavier."""

import numpy as np

from .. import propagation
from .drawing import by_layer, format_ratio, new_figure

__all__ = ["StdProfileFigure", "StdGradientSweepFigure", "symmetry_figure", "he_replication_figure",
           "scheme_comparison_figure"]


def _finite_positive(values):
    values = np.asarray(values, dtype=np.float64)
    return np.isfinite(values) & (values > 0)


class StdProfileFigure:
    """Chapter 5: the standard deviation of every hidden layer's output at initialization, measured
    (markers) and predicted by mean-field theory (dashed), for an init scheme, an activation and a depth.

    ``schemes`` maps a label to an initializer (a name from ``initlab.init.NAMES`` or a callable).
    Everything is computed in ``__init__`` (:func:`initlab.propagation.std_profile`), once per scheme and
    activation at the largest depth: a network's first ``d`` hidden layers are drawn exactly as in the
    network of depth ``d`` (same seed, same widths, drawn in order), so smaller depths are its first
    layers. A measured 0 (the signal fell below float32's range) is marked on the bottom edge, an
    inf/NaN on the top edge; neither is drawn as data.
    """

    def __init__(self, x, schemes, activations, depths, width=64, rng=0, ylim=(1e-42, 1e12)):
        self.depths, self.width = sorted(depths), width
        top = self.depths[-1]
        self.profiles = {(label, a): propagation.std_profile(a, init, x, top, width=width, rng=rng)
                         for label, init in schemes.items() for a in activations}
        self.figure, ax = new_figure()
        self.ax = ax
        (self.predicted,) = ax.plot([], [], "--", color="0.35", label="mean-field prediction")
        (self.measured,) = ax.plot([], [], "o-", markersize=3, label="measured")
        (self.underflow,) = ax.plot([], [], "v", color="C1", markersize=8, clip_on=False,
                                    transform=ax.get_xaxis_transform(), label="below float32 range (0)")
        (self.overflow,) = ax.plot([], [], "x", color="red", markersize=9, clip_on=False,
                                   transform=ax.get_xaxis_transform(), label="inf/NaN")
        for marker in (self.underflow, self.overflow):
            marker.set_in_layout(False)  # an empty marker line outside the data limits upsets the layout
        self.text = ax.text(0.02, 0.04, "", transform=ax.transAxes, fontsize="small")
        self.animated = [self.predicted, self.measured, self.underflow, self.overflow, self.text, ax.title]
        ax.set_yscale("log")
        ax.set_ylim(*ylim)
        ax.set_xlim(0.5, top + 0.5)
        ax.set_xlabel("hidden layer k")
        ax.set_ylabel("std of $h_k$")
        ax.legend(loc="upper right", fontsize="small", ncols=2)

    def profile(self, scheme, activation, depth):
        """``(measured, predicted)`` std of ``h_1 .. h_depth``."""
        measured, predicted = self.profiles[(scheme, activation)]
        return measured[:depth], predicted[:depth]

    def update(self, scheme, activation, depth):
        measured, predicted = self.profile(scheme, activation, depth)
        layers = np.arange(1, depth + 1)
        ok = _finite_positive(measured)
        self.measured.set_data(layers[ok], measured[ok])
        shown = _finite_positive(predicted)
        self.predicted.set_data(layers[shown], predicted[shown])
        zero = layers[measured == 0]
        self.underflow.set_data(zero, np.zeros(zero.size))
        bad = layers[~np.isfinite(measured)]
        self.overflow.set_data(bad, np.ones(bad.size))
        self.ax.set_title(f"{scheme}, {activation}, {depth} hidden layers of width {self.width}")
        self.text.set_text(self._summary(measured, predicted))

    @staticmethod
    def _summary(measured, predicted):
        depth = len(measured)
        first, last = measured[0], measured[-1]
        if not np.isfinite(last):
            return f"overflow: inf/NaN from layer {int(np.argmax(~np.isfinite(measured))) + 1}"
        text = (f"std at layer 1: {format_ratio(first)}, at layer {depth}: {format_ratio(last)} "
                f"(predicted {format_ratio(predicted[-1])})")
        if last == 0:
            text += f"; 0 from layer {int(np.argmax(measured == 0)) + 1} (below float32 range)"
        return text

    def describe(self, scheme, activation, depth):
        measured, predicted = self.profile(scheme, activation, depth)
        return (f"Standard deviation of each hidden layer's output, log scale, for a {activation} network "
                f"with {depth} hidden layers initialised with {scheme}: {self._summary(measured, predicted)}.")


class StdGradientSweepFigure:
    """Chapter 5: one init scale at a time, from :func:`initlab.scale_sweep.scale_sweep`'s points.

    Left: the standard deviation of every layer's output at initialization; right: ``‖∂ℓ/∂W_k‖``.
    The title gives the loss after the short training run, or where it failed (an overflow after step 10
    only as such: its exact step depends on float32 rounding). Overflowed layers are red crosses on the
    top edge, never data.
    """

    def __init__(self, points, ylim_std=(1e-30, 1e40), ylim_grad=(1e-30, 1e40)):
        self.points = {p.scale: p for p in points}
        if not self.points:
            raise ValueError("points must hold at least one SweepPoint")
        depth = max(len(p.std) for p in points)
        self.figure, axes = new_figure(ncols=2)
        self.axes = axes
        self.lines, self.crosses = [], []
        for ax, ylabel, ylim in zip(axes, ["std of $h_k$ (output: logits)", r"$\|\partial\ell/\partial W_k\|$"],
                                    [ylim_std, ylim_grad]):
            (line,) = ax.plot([], [], "o-", markersize=3)
            (cross,) = ax.plot([], [], "x", color="red", markersize=9, clip_on=False,
                               transform=ax.get_xaxis_transform())
            cross.set_in_layout(False)  # an empty marker line outside the data limits upsets the layout
            ax.set_yscale("log")
            ax.set_ylim(*ylim)
            ax.set_xlim(0.5, depth + 0.5)
            ax.axhline(float(np.finfo(np.float32).max), color="red", linestyle=":", linewidth=1,
                       label="float32 max")
            ax.set_xlabel("layer k")
            ax.set_ylabel(ylabel)
            self.lines.append(line)
            self.crosses.append(cross)
        axes[0].legend(loc="lower right", fontsize="small")
        self.title = self.figure.suptitle("")
        self.animated = self.lines + self.crosses + [self.title]

    def update(self, scale):
        p = self.points[scale]
        for line, cross, values in zip(self.lines, self.crosses, (p.std, p.grad_norm)):
            layers = np.arange(1, len(values) + 1)
            ok = _finite_positive(values)
            line.set_data(layers[ok], np.asarray(values)[ok])
            bad = layers[~np.isfinite(values)]
            cross.set_data(bad, np.ones(bad.size))
        self.title.set_text(rf"weights $\mathcal{{N}}(0,\ \sigma_w^2/n_{{\rm in}})$, $\sigma_w = {scale:.3g}$: "
                            f"{self._training(p, short=True)}")

    @staticmethod
    def _training(p, short=False):
        h = p.history
        if h.diverged and h.failed_at > 10:  # a late overflow's step moves with float32 rounding (chapter 5)
            return "training stopped after step 10" + (": overflow" if short else " (inf/NaN)")
        if h.diverged:
            return f"training stopped at step {h.failed_at}" + (": overflow" if short else f" ({h.failure})")
        return f"loss {h.loss[-1]:.3f} after {h.steps} steps"

    @staticmethod
    def _layers(values):
        values = np.asarray(values)
        if not np.all(np.isfinite(values)):
            return f"inf/NaN from layer {int(np.argmax(~np.isfinite(values))) + 1}"
        return f"{format_ratio(values[0])} at layer 1, {format_ratio(values[-1])} at layer {len(values)}"

    def describe(self, scale):
        p = self.points[scale]
        return (f"Init scale {scale:g}: output standard deviation {self._layers(p.std)}; "
                f"weight gradient norm {self._layers(p.grad_norm)}; {self._training(p)}.")


def symmetry_figure(weights):
    """The incoming weights of one hidden layer, one image per ``label: W`` (rows: inputs, columns: units).

    Identical columns, i.e. units that are copies of each other, make every row one colour: the
    image is made of horizontal stripes only.
    """
    fig, axes = new_figure(ncols=len(weights))
    axes = np.atleast_1d(axes)
    for ax, (label, w) in zip(axes, weights.items()):
        image = ax.imshow(np.asarray(w, dtype=np.float64), aspect="auto", cmap="RdBu_r", interpolation="nearest")
        ax.set_title(label, fontsize="small")
        ax.set_xlabel("hidden unit")
        ax.set_ylabel("input pixel")
        ax.grid(False)
        fig.colorbar(image, ax=ax, shrink=0.8)
    return fig


def he_replication_figure(rms, histories):
    """Left: the signal's size per layer, measured (markers) and predicted (dashed), for each
    ``label: (predicted, measured)`` in ``rms``. Right: the loss curves of ``histories``, ``label: History``;
    a label that starts with one of ``rms``'s labels gets its colour, and the line styles tell the
    runs of one scheme apart (solid, dashed, dotted in order); the loss axis ends at 1.5 times the largest
    initial loss, so the spikes of unstable steps leave the panel. Both legends sit below their panels."""
    fig, (ax_rms, ax_loss) = new_figure(ncols=2)
    colours = {}
    for i, (label, (predicted, measured)) in enumerate(rms.items()):
        colour = colours[label] = f"C{i}"
        by_layer(ax_rms, measured, f"{label}, measured", color=colour, linestyle="none")
        ax_rms.plot(np.arange(1, len(predicted) + 1), predicted, "--", color=colour, label=f"{label}, predicted")
    ax_rms.set_ylabel(r"rms of $h_k$ / rms of $x$")
    styles, seen = ["-", "--", ":", "-."], {}
    for i, (label, h) in enumerate(histories.items()):
        scheme = next((s for s in rms if label.startswith(s)), label)
        colour = colours.get(scheme, f"C{len(rms) + i}")
        style = styles[seen.get(scheme, 0) % len(styles)]
        seen[scheme] = seen.get(scheme, 0) + 1
        ax_loss.plot(np.arange(h.steps), h.loss, style, color=colour, label=label, linewidth=1.2)
        if h.diverged:
            ax_loss.plot([h.steps], [h.loss[-1] if h.steps else 0], "x", color="red", markersize=10)
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("training loss")
    starts = [h.loss[0] for h in histories.values() if h.steps and np.isfinite(h.loss[0])]
    if starts:  # isolated spikes of an unstable step would squash the curves: they leave the panel
        ax_loss.set_ylim(0, 1.5 * max(starts))
    for ax in (ax_rms, ax_loss):
        ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2)
    return fig


def scheme_comparison_figure(runs, window=10):
    """Training loss per scheme, ``label: SeedRuns``: the mean over seeds (smoothed over ``window``
    steps), with a band from the lowest to the highest seed (:meth:`initlab.seed_runs.SeedRuns.loss_band`).
    Failed runs are left out of the band."""
    fig, ax = new_figure()
    for label, r in runs.items():
        band = r.loss_band(window)  # None: every seed failed
        if band is None:
            continue
        steps, mean, lowest, highest = band
        (line,) = ax.plot(steps, mean, label=label)
        ax.fill_between(steps, lowest, highest, color=line.get_color(), alpha=0.2)
    ax.set_xlabel("step")
    ax.set_ylabel(f"training loss (mean of {window} steps)")
    ax.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.0, 0.5))
    return fig
