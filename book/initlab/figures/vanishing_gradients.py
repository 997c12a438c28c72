"""Chapter 1's figures: gradient norms by layer, update ratios, histograms, remedies."""

import matplotlib as mpl
import numpy as np

from .. import diagnostics
from .drawing import by_layer, format_ratio, new_figure, training_curves

__all__ = ["GradientNormFigure", "UpdateRatioFigure", "gradient_histograms_figure", "remedies_figure", "training_figure"]


class GradientNormFigure:
    """Chapter 1: the gradient at every layer of a freshly initialised network.

    ``update(depth, activation, scale)`` draws :func:`initlab.diagnostics.fresh_backprop_norms` of
    ``MLP([n_in] + [width] * depth + [n_out])`` with weights ``N(0, scale² / fan_in)`` (the weight scale
    σ_w = ``scale``) and zero biases on the batch
    ``(x, y)``: ``‖∂ℓ/∂h_k‖`` (the back-propagated signal, solid) and ``‖∂ℓ/∂W_k‖`` (what the update of
    layer k uses, dashed). Results are cached, so a redraw only moves artists.
    """

    def __init__(self, x, y, width=64, max_depth=30, ylim=(1e-32, 1e16), rng=0):
        self.x, self.y, self.width, self.rng = x, y, width, rng
        self._cache = {}
        self.figure, ax = new_figure()
        self.ax = ax
        (self.line,) = ax.plot([], [], marker="o", markersize=3, label=r"$\|\partial\ell/\partial h_k\|$")
        (self.weights_line,) = ax.plot([], [], "--", marker="s", markersize=2, linewidth=1, alpha=0.8,
                                       label=r"$\|\partial\ell/\partial W_k\|$")
        (self.overflow,) = ax.plot([], [], "x", color="red", markersize=9, clip_on=False,
                                   transform=ax.get_xaxis_transform())
        self.text = ax.text(0.02, 0.04, "", transform=ax.transAxes)
        self.animated = [self.line, self.weights_line, self.overflow, self.text, ax.title]
        ax.set_yscale("log")
        ax.set_ylim(*ylim)
        ax.set_xlim(0.5, max_depth + 1.5)
        ax.set_xlabel("layer k (1 = next to the input)")
        ax.set_ylabel("gradient norm")
        ax.legend(loc="upper left")

    def measure(self, depth, activation, scale):
        """``(‖∂ℓ/∂h_k‖, ‖∂ℓ/∂W_k‖)`` for the ``depth`` hidden layers and the output layer."""
        key = (depth, activation, scale)
        if key not in self._cache:
            self._cache[key] = diagnostics.fresh_backprop_norms(self.x, self.y, depth, activation, scale,
                                                                width=self.width, rng=self.rng)
        return self._cache[key]

    def update(self, depth, activation, scale):
        signal, weights = self.measure(depth, activation, scale)
        layers = np.arange(1, len(signal) + 1)
        for line, values in ((self.line, signal), (self.weights_line, weights)):
            ok = np.isfinite(values) & (values > 0)
            line.set_data(layers[ok], values[ok])
        bad = layers[~(np.isfinite(signal) & np.isfinite(weights))]
        self.overflow.set_data(bad, np.ones(bad.size))
        self.ax.set_title(rf"{activation}, {depth} hidden layers, $\sigma_w = {scale:g}$, zero biases")
        self.text.set_text(self._summary(signal))

    @staticmethod
    def _summary(g):
        if not np.all(np.isfinite(g)):
            return f"overflow: inf/NaN from layer {int(np.argmax(~np.isfinite(g))) + 1}"
        return (f"‖∂ℓ/∂h‖ at layer 1: {format_ratio(g[0])}, at the output: {format_ratio(g[-1])}, "
                f"ratio {format_ratio(g[0] / g[-1])}")

    def describe(self, depth, activation, scale):
        signal, _ = self.measure(depth, activation, scale)
        return (f"Gradient norms per layer, log scale, for a {activation} network with {depth} hidden layers "
                f"and weights of scale σ_w = {scale:g} (variance σ_w²/fan_in), zero biases. "
                f"{self._summary(signal)}.")


class UpdateRatioFigure:
    """Chapter 1: scrub through training runs; loss so far and the per-layer update ratio at a step.

    ``histories`` maps a label to an :class:`initlab.History`; ``update(step)`` moves to ``step``.
    The update ratio ``‖ΔW_k‖/‖W_k‖`` is averaged over the ``window`` steps ending at ``step``
    (:meth:`initlab.History.mean_update_ratio`).
    """

    def __init__(self, histories, window=10):
        empty = [label for label, h in histories.items() if h.steps == 0]
        if not histories or empty:
            raise ValueError("histories must map labels to runs with at least one recorded step; "
                             + (f"{empty} recorded none" if empty else "got none"))
        self.histories, self.window = histories, window
        self.figure, (ax_loss, ax_ratio) = new_figure(ncols=2)
        self.markers, self.ratio_lines = [], []
        for label, h in histories.items():
            (line,) = ax_loss.plot(np.arange(h.steps), h.loss, label=label)
            (marker,) = ax_loss.plot([], [], "o", color=line.get_color())
            (ratio,) = ax_ratio.plot([], [], marker="o", markersize=3, color=line.get_color(), label=label)
            self.markers.append(marker)
            self.ratio_lines.append(ratio)
        ax_loss.set_xlabel("step")
        ax_loss.set_ylabel("training loss")
        ax_loss.legend(loc="center right")  # the loss curves leave this corner empty
        ratios = np.concatenate([h.update_ratio.ravel() for h in histories.values()])
        ratios = ratios[np.isfinite(ratios) & (ratios > 0)]
        ax_ratio.set_yscale("log")
        ax_ratio.set_ylim(ratios.min() / 2, ratios.max() * 2)
        depth = max(h.update_ratio.shape[1] for h in histories.values())
        ax_ratio.set_xlim(0.5, depth + 0.5)
        ax_ratio.set_xlabel("layer k")
        ax_ratio.set_ylabel(r"update ratio $\|\Delta W_k\| / \|W_k\|$")
        self.ax_ratio = ax_ratio
        self.animated = self.markers + self.ratio_lines + [ax_ratio.title]

    def update(self, step):
        for (label, h), marker, line in zip(self.histories.items(), self.markers, self.ratio_lines):
            s = min(step, h.steps - 1)
            marker.set_data([s], [h.loss[s]])
            r = h.mean_update_ratio(step, self.window)
            line.set_data(np.arange(1, len(r) + 1), r)
        self.ax_ratio.set_title(f"step {step}: update ratio per layer")

    def describe(self, step):
        # Bands rather than digits: a healthy run's loss and update ratios after a few hundred steps move
        # with the float kernels (chapter 1 measured a factor of up to 3 between arithmetics), the bands do not.
        parts = []
        for label, h in self.histories.items():
            end = min(step, h.steps)
            loss = float(np.mean(h.loss[max(0, end - self.window):max(1, end)]))
            r = h.mean_update_ratio(step, self.window)
            parts.append(f"{label}: {_loss_band(loss)}, {_spread_words(r)}")
        return (f"At step {step} (means over the {self.window} steps before it): "
                + "; ".join(parts) + ".")


def _loss_band(loss):
    """A cross-entropy loss on ten classes as a band: at chance (ln 10), above 2, 0.5 to 2, or below 0.5."""
    if abs(loss - np.log(10)) < 0.05:
        return "loss at ln 10 (chance)"
    if loss < 0.5:
        return "loss below 0.5"
    return "loss from 0.5 to 2" if loss < 2 else "loss above 2"


def _spread_words(ratios):
    """How far apart the layers' update ratios are, in powers of ten."""
    if not np.all(np.isfinite(ratios)) or np.min(ratios) <= 0:
        return "some layer's update ratio is zero or not finite"
    spread = float(np.max(ratios) / np.min(ratios))
    if spread < 10:
        return "update ratios of all layers within a factor of 10"
    decade = int(np.floor(np.log10(spread)))
    return (f"update ratio of layer {int(np.argmax(ratios)) + 1} over 1e{decade:+03d} times "
            f"that of layer {int(np.argmin(ratios)) + 1}")


def gradient_histograms_figure(model, bins=80):
    """Distribution of ``log10 |∂ℓ/∂h_k|`` over units and examples, one curve per layer, after ``backward``.

    On a log axis a gradient that shrinks by a constant factor per layer shows up as the same
    histogram shifted left by a constant step.
    """
    fig, ax = new_figure()
    grads = model.grad_activations[:-1]  # the hidden layers; the last entry is the output's
    colours = mpl.colormaps["viridis"](np.linspace(0, 0.9, len(grads)))
    with np.errstate(divide="ignore"):
        logs = [np.log10(np.abs(g.astype(np.float64))).ravel() for g in grads]
    logs = [v[np.isfinite(v)] for v in logs]
    edges = np.linspace(min(v.min() for v in logs), max(v.max() for v in logs), bins + 1)
    for k, (v, colour) in enumerate(zip(logs, colours), start=1):
        ax.hist(v, bins=edges, histtype="step", density=True, color=colour, label=f"h{k}")
    ax.set_xlabel(r"$\log_{10} |\partial \ell / \partial h_{k,i}|$ (units and examples)")
    ax.set_ylabel("density")
    fig.legend(loc="outside right upper", title="layer")  # beside the axes, never over a histogram
    return fig


def remedies_figure(curves):
    """Weight-gradient norm per layer for each ``label: norms`` (the five remedies of chapter 1).

    Curves that lie on top of each other are told apart by their line styles; the legend sits below the axes.
    """
    fig, ax = new_figure(figsize=(7.0, 4.6))
    styles = ["-", "--", ":", "-."]
    for i, (label, g) in enumerate(curves.items()):
        by_layer(ax, g, label, linestyle=styles[i % len(styles)])
    ax.set_ylabel(r"$\|\partial \ell / \partial W_k\|$")
    fig.legend(loc="outside lower center", ncols=3)
    return fig


def training_figure(histories):
    """Left: loss curves. Right: how far each layer's weights moved from their initial values."""
    fig, (ax_loss, ax_move) = new_figure(ncols=2)
    training_curves(ax_loss, histories)
    ax_loss.legend(loc="center right")  # the loss curves leave this corner empty
    for label, h in histories.items():
        # A run that failed at step 0 recorded no distances: an empty curve keeps its colour and label.
        by_layer(ax_move, h.distance_from_init[-1] if h.steps else [], label)
    ax_move.set_ylabel(r"$\|W_k - W_k^{(0)}\| / \|W_k^{(0)}\|$ at the end")
    return fig
