"""Chapter 2's figures: Xavier's weight distribution and the per-layer variances it gives, and the
replication of Glorot & Bengio (2010)'s per-layer histograms."""

import itertools
import math

import matplotlib as mpl
import numpy as np

from .. import layer_stats, propagation
from .._checks import finite_number, positive_int
from .drawing import by_layer, format_ratio, new_figure

__all__ = ["XavierFigure", "LayerHistogramFigure", "layer_histograms_figure", "depth_profile_figure"]

FORWARD_COLOUR, BACKWARD_COLOUR = "#0072B2", "#D55E00"


def _log_magnitudes(a):
    """``log10 |a|`` of every finite non-zero entry, as a flat float64 array."""
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.log10(np.abs(np.asarray(a, dtype=np.float64))).ravel()
    return v[np.isfinite(v)]


class XavierFigure:
    r"""Chapter 2: what ``fan_in``, ``fan_out`` and ``gain`` do to Xavier's weights and to a deep network.

    Left: the histogram of the first layer's weights, ``xavier_uniform(fan_in, fan_out, gain)``, with the
    formula's density :math:`1/(2a)` on :math:`[-a, a]`, :math:`a = \text{gain}\sqrt{6/(n_{\text{in}} + n_{\text{out}})}`,
    and the normal form's density with the same variance. Right: a network of ``depth`` layers whose widths
    alternate ``fan_in, fan_out, fan_in, ...`` (so every layer has the same Xavier variance), with
    ``activation`` and a linear last layer, fed a batch of standard normal inputs and a standard normal
    gradient at the output: :math:`\mathbb E[z_k^2]/\mathbb E[x^2]` (forward) and
    :math:`\mathbb E[g_k^2]/\mathbb E[g_L^2]` (backward), measured (markers), predicted by mean-field theory
    (lines) and by the linear-regime products :math:`\prod n_{\text{in}}\operatorname{Var}(W)` (dotted), all
    from :func:`initlab.propagation.xavier_alternating`. Every setting is computed in ``__init__`` so that a
    redraw only moves artists.
    """

    def __init__(self, fans=(16, 64, 256), gains=(0.5, 1.0, 5 / 3), depth=8, batch=128, activation="tanh",
                 bins=30, rng=0):
        self.fans = tuple(positive_int(n, "fans") for n in fans)
        self.gains = tuple(finite_number(g, "gains", positive=True) for g in gains)
        self.depth, self.batch = positive_int(depth, "depth"), positive_int(batch, "batch")
        self.activation, self.bins, self.rng = activation, positive_int(bins, "bins"), rng
        self._data = {key: self._compute(*key) for key in itertools.product(self.fans, self.fans, self.gains)}
        self._build()

    def _compute(self, fan_in, fan_out, gain):
        d = propagation.xavier_alternating(self.activation, fan_in, fan_out, gain, self.depth, self.batch,
                                           rng=self.rng)
        edges = np.linspace(-d["bound"], d["bound"], self.bins + 1)
        density, _ = np.histogram(d["weights"], bins=edges, density=True)
        return dict(d, edges=edges, density=density)

    def measure(self, fan_in, fan_out, gain):
        """The precomputed numbers of one setting (a dict; see the class docstring)."""
        return self._data[(fan_in, fan_out, gain)]

    def _build(self):
        self.figure, (ax_w, ax_v) = new_figure(ncols=2)
        self.ax_w, self.ax_v = ax_w, ax_v
        first = next(iter(self._data.values()))
        self.hist = ax_w.stairs(first["density"], first["edges"], fill=True, alpha=0.45, color=FORWARD_COLOUR,
                                label="samples")
        (self.box,) = ax_w.plot([], [], color="black", linewidth=1.2, label=r"$\mathcal{U}(-a, a)$")
        (self.gauss,) = ax_w.plot([], [], "--", color=BACKWARD_COLOUR, linewidth=1.2,
                                  label="normal, same variance")
        self.w_text = ax_w.text(0.02, 0.97, "", transform=ax_w.transAxes, va="top", fontsize="x-small")
        top_bound = max(d["bound"] for d in self._data.values())
        top_density = max(max(d["density"].max(), 1 / (2 * d["bound"])) for d in self._data.values())
        ax_w.set_xlim(-1.15 * top_bound, 1.15 * top_bound)
        ax_w.set_ylim(0, 1.3 * top_density)
        ax_w.set_xlabel("weight value")
        ax_w.set_ylabel("density")
        ax_w.legend(loc="upper right", fontsize="x-small")

        layers = np.arange(1, self.depth + 1)
        self.curves = {}
        for name, colour in (("forward", FORWARD_COLOUR), ("backward", BACKWARD_COLOUR)):
            label = (r"forward $\mathbb{E}[z_k^2]/\mathbb{E}[x^2]$" if name == "forward"
                     else r"backward $\mathbb{E}[g_k^2]/\mathbb{E}[g_L^2]$")
            (theory,) = ax_v.plot(layers, np.ones(self.depth), color=colour, label=label)
            (linear,) = ax_v.plot(layers, np.ones(self.depth), ":", color=colour, linewidth=1.2)
            (points,) = ax_v.plot(layers, np.ones(self.depth), "o", color=colour, markersize=4)
            self.curves[name] = (theory, linear, points)
        values = np.concatenate([np.concatenate([d[k] for k in ("forward", "backward", "theory_forward",
                                                                  "theory_backward", "linear_forward",
                                                                  "linear_backward")])
                                 for d in self._data.values()])
        values = values[np.isfinite(values) & (values > 0)]
        ax_v.set_yscale("log")
        ax_v.set_ylim(values.min() / 3, values.max() * 3)
        ax_v.set_xlim(0.5, self.depth + 0.5)
        ax_v.set_xlabel("layer k")
        ax_v.set_ylabel("mean square, relative")
        ax_v.plot([], [], "k-", label="mean-field prediction")
        ax_v.plot([], [], "k:", label="linear regime")
        ax_v.plot([], [], "ko", markersize=4, label="measured")
        ax_v.legend(loc="lower left", fontsize="x-small", ncols=2)
        self.animated = [self.hist, self.box, self.gauss, self.w_text, ax_w.title, ax_v.title]
        self.animated += [artist for trio in self.curves.values() for artist in trio]

    def update(self, fan_in, fan_out, gain):
        d = self.measure(fan_in, fan_out, gain)
        a = d["bound"]
        self.hist.set_data(d["density"], d["edges"])
        self.box.set_data([-a, -a, a, a], [0, 1 / (2 * a), 1 / (2 * a), 0])
        w = np.linspace(-1.15 * a, 1.15 * a, 121)
        self.gauss.set_data(w, np.exp(-w ** 2 / (2 * d["variance"])) / math.sqrt(2 * math.pi * d["variance"]))
        self.w_text.set_text(f"a = {a:.3f}\nVar(W) = {d['variance']:.2e}\nsamples: {d['weight_variance']:.2e}")
        self.ax_w.set_title(f"layer 1 weights: {fan_in} × {fan_out}, gain {gain:.3g}", fontsize="small")
        for name in ("forward", "backward"):
            theory, linear, points = self.curves[name]
            theory.set_ydata(d[f"theory_{name}"])
            linear.set_ydata(d[f"linear_{name}"])
            points.set_ydata(np.where(np.isfinite(d[name]) & (d[name] > 0), d[name], np.nan))
        self.ax_v.set_title(f"{self.depth} {self.activation} layers, widths {fan_in}, {fan_out}, {fan_in}, …",
                            fontsize="small")

    def describe(self, fan_in, fan_out, gain):
        d = self.measure(fan_in, fan_out, gain)
        return (f"Left: histogram of {fan_in * fan_out} Xavier uniform weights with gain {gain:.3g}, flat between "
                f"±{d['bound']:.3f} (variance {d['variance']:.2e}, sample variance {d['weight_variance']:.2e}). "
                f"Right: in {self.depth} {self.activation} layers of alternating widths {fan_in} and {fan_out}, the "
                f"forward mean square at layer {self.depth} is {format_ratio(d['forward'][-1])} of the input's "
                f"(predicted {format_ratio(d['theory_forward'][-1])}, linear regime "
                f"{format_ratio(d['linear_forward'][-1])}); the gradient's at layer 1 is "
                f"{format_ratio(d['backward'][0])} of the output's (predicted {format_ratio(d['theory_backward'][0])}, "
                f"linear regime {format_ratio(d['linear_backward'][0])}).")


def _hidden(model):
    """The hidden layers' activations ``h_k`` and back-propagated gradients ``∂ℓ/∂h_k`` of a probed model."""
    if not model.grad_activations:
        raise RuntimeError("run model.forward(x) and model.backward(dout) before drawing its histograms")
    return model.activations[:-1], model.grad_activations[:-1]


def _edges(arrays, bins):
    values = np.concatenate([_log_magnitudes(a) for a in arrays])
    lo, hi = np.percentile(values, [0.1, 100])
    return np.linspace(math.floor(lo * 2) / 2, math.ceil(hi * 2) / 2, bins + 1)


class LayerHistogramFigure:
    r"""Chapter 2: the distribution of :math:`\log_{10}|h_{k,i}|` (left) and of
    :math:`\log_{10}|\partial\ell/\partial h_{k,i}|` (right) over units and examples, one hidden layer at a time.

    ``models`` maps an init's label to a model after one ``forward`` and ``backward``;
    ``update(layer, init)`` shows that layer (filled) over the init's other layers (thin grey lines).
    """

    def __init__(self, models, bins=60):
        if not models:
            raise ValueError("models must map at least one init label to a probed MLP, got none")
        self.models = dict(models)
        hidden = {label: _hidden(m) for label, m in self.models.items()}
        self.depth = min(len(h) for h, _ in hidden.values())
        edges = [_edges([a for pair in hidden.values() for a in pair[i]], bins) for i in (0, 1)]
        self._hist, self._stats = {}, {}
        for label, pair in hidden.items():
            squares = [layer_stats.mean_squares(arrays) for arrays in pair]
            for k in range(self.depth):
                self._hist[label, k + 1] = [np.histogram(_log_magnitudes(arrays[k]), bins=e, density=True)[0]
                                            for arrays, e in zip(pair, edges)]
                self._stats[label, k + 1] = [float(ms[k]) for ms in squares]
        self.figure, axes = new_figure(ncols=2)
        self.axes = axes
        self.others, self.selected, self.texts = [], [], []
        titles = (r"activations $\log_{10}|h_{k,i}|$", r"gradients $\log_{10}|\partial\ell/\partial h_{k,i}|$")
        for i, (ax, e, colour) in enumerate(zip(axes, edges, (FORWARD_COLOUR, BACKWARD_COLOUR))):
            zeros = np.zeros(len(e) - 1)
            self.others.append([ax.stairs(zeros, e, color="0.6", linewidth=0.8) for _ in range(self.depth - 1)])
            self.selected.append(ax.stairs(zeros, e, fill=True, alpha=0.55, color=colour))
            self.texts.append(ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top", fontsize="small"))
            top = max(self._hist[key][i].max() for key in self._hist)
            ax.set_xlim(e[0], e[-1])
            ax.set_ylim(0, 1.15 * top)
            ax.set_xlabel(titles[i])
            ax.set_ylabel("density")
        self.animated = [a for group in self.others for a in group] + self.selected + self.texts + [axes[0].title]

    def stats(self, layer, init):
        """The mean squares ``(E[h_k²], E[(∂ℓ/∂h_k)²])`` of one hidden layer under one init."""
        return tuple(self._stats[init, layer])

    def update(self, layer, init):
        others = [k for k in range(1, self.depth + 1) if k != layer]
        for i in (0, 1):
            self.selected[i].set_data(self._hist[init, layer][i])
            for stairs, k in zip(self.others[i], others):
                stairs.set_data(self._hist[init, k][i])
            value = self._stats[init, layer][i]
            self.texts[i].set_text(f"layer {layer}\nE[{'h²' if i == 0 else 'g²'}] = {value:.2e}")
        self.axes[0].set_title(f"{init}: layer {layer} (filled), the other layers (grey)", fontsize="small")

    def describe(self, layer, init):
        h2, g2 = self.stats(layer, init)
        first, last = self.stats(1, init), self.stats(self.depth, init)
        return (f"Histograms of log10 |value| over units and examples for hidden layer {layer} of {self.depth} "
                f"under {init} init: activations with mean square {h2:.2e} (layer 1: {first[0]:.2e}, layer "
                f"{self.depth}: {last[0]:.2e}); back-propagated gradients with mean square {g2:.2e} (layer 1: "
                f"{first[1]:.2e}, layer {self.depth}: {last[1]:.2e}).")


def layer_histograms_figure(models, bins=60):
    """Glorot & Bengio (2010), Fig. 6 and 7: for each probed model (columns), the distribution of
    ``log10 |h_k|`` (top) and ``log10 |∂ℓ/∂h_k|`` (bottom), one curve per hidden layer."""
    if not models:
        raise ValueError("models must map at least one init label to a probed MLP, got none")
    hidden = {label: _hidden(m) for label, m in models.items()}
    fig, axes = new_figure(ncols=len(models), nrows=2, figsize=(7.0, 5.0))
    axes = np.asarray(axes).reshape(2, len(models))
    for row in (0, 1):
        edges = _edges([a for pair in hidden.values() for a in pair[row]], bins)
        for col, (label, pair) in enumerate(hidden.items()):
            ax = axes[row, col]
            colours = mpl.colormaps["viridis"](np.linspace(0, 0.9, len(pair[row])))
            for k, (a, colour) in enumerate(zip(pair[row], colours), start=1):
                ax.hist(_log_magnitudes(a), bins=edges, histtype="step", density=True, color=colour, label=f"{k}")
            ax.set_xlabel(r"$\log_{10}|h_{k,i}|$" if row == 0 else r"$\log_{10}|\partial\ell/\partial h_{k,i}|$")
            if row == 0:
                ax.set_title(label, fontsize="medium")
            if col == 0:
                ax.set_ylabel("activations: density" if row == 0 else "gradients: density")
    axes[0, -1].legend(fontsize="x-small", title="layer", title_fontsize="x-small")
    return fig


def depth_profile_figure(curves, ylabel):
    """Per-layer values on a log axis: ``curves`` maps a label to ``(predicted, measured)``; the prediction
    is a line, the measurement markers of the same colour (non-finite ones are crossed, never drawn). A label
    containing "backward" gets a dashed line and square markers, so that crossing curves stay distinguishable
    without colour."""
    fig, ax = new_figure()
    for label, (predicted, measured) in curves.items():
        predicted = np.asarray(predicted, dtype=np.float64)
        backward = "backward" in label
        (line,) = ax.plot(np.arange(1, len(predicted) + 1), predicted, label=label,
                          linestyle="--" if backward else "-")
        bad = by_layer(ax, measured, None, linestyle="none", color=line.get_color())
        ax.lines[-2 if bad.size else -1].set_marker("s" if backward else "o")
    ax.set_xlabel("layer k")
    ax.set_ylabel(ylabel)
    ax.set_title("lines: predicted, markers: measured", fontsize="small", loc="left")
    ax.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig
