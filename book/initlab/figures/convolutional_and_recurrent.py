"""Chapter 9's figures: the per-layer variance of a deep plain CNN, predicted and measured; the gradient through
time of RNNs and LSTMs, clipping in BPTT, the forget gate.

Drawn from what :mod:`initlab.conv_variance`, :mod:`initlab.memory` and :mod:`initlab.adding_problem` measured;
the explorers measure each setting once (through those modules) and cache it. Non-finite values are never drawn:
a profile that overflowed ends in a red cross.
"""

import numpy as np
from matplotlib.ticker import MaxNLocator

from ..conv_variance import mean_profile
from ..lstm import LSTM
from ..memory import forget_rate, gradient_through_time, input_variance, predicted_rate
from ..rnn import RNN
from .drawing import format_ratio, loggable, new_figure

__all__ = ["SCHEME_LABELS", "conv_variance_figure", "ConvVarianceFigure", "ARCHITECTURES",
           "GradientThroughTimeFigure", "gradient_through_time_figure", "forget_gate_figure", "clipping_figure"]

#: How the chapter names the three schemes it compares.
SCHEME_LABELS = {"default": "PyTorch default", "xavier_normal": "Xavier", "kaiming_normal": "He"}


def _axes_labels(ax_f, ax_b, depth):
    for ax in (ax_f, ax_b):
        ax.set_yscale("log")
        ax.set_xlim(0.5, depth + 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("conv layer l")
    ax_f.set_ylabel(r"mean square of $y_l$")
    ax_b.set_ylabel(r"mean square of $\partial\ell/\partial y_l$")


def conv_variance_figure(profiles):
    """Two log-scale panels against the layer: the mean square of the pre-activations (left) and of their
    gradients (right), measured (solid, markers) and predicted (dashed), one colour per ``label: ConvProfile``."""
    fig, (ax_f, ax_b) = new_figure(ncols=2)
    depth = max(len(p.forward) for p in profiles.values())
    for i, (label, p) in enumerate(profiles.items()):
        layers = np.arange(1, len(p.forward) + 1)
        colour = f"C{i}"
        ax_f.plot(*loggable(layers, p.forward), marker="o", markersize=4, color=colour, label=label)
        ax_f.plot(*loggable(layers, p.forward_predicted), "--", color=colour, linewidth=1)
        ax_b.plot(*loggable(layers, p.backward), marker="o", markersize=4, color=colour)
        ax_b.plot(*loggable(layers, p.backward_predicted), "--", color=colour, linewidth=1)
    ax_f.plot([], [], "--", color="black", linewidth=1, label="predicted")
    _axes_labels(ax_f, ax_b, depth)
    ax_f.legend(fontsize="small")
    return fig


class ConvVarianceFigure:
    """Chapter 9's explorer: kernel size × channels × scheme → the per-layer mean square of the pre-activations and
    of their gradients in ``PlainCNN(depth, channels, kernel_size, init=scheme)`` on ``(x, y)``, measured (averaged
    over ``seeds`` networks, :func:`initlab.conv_variance.mean_profile`) and predicted. Results are cached."""

    def __init__(self, x, y, depth=10, seeds=2, ylim=(1e-22, 1e2)):
        self.x, self.y, self.depth, self.seeds = x, y, depth, seeds
        self._cache = {}
        self.figure, (ax_f, ax_b) = new_figure(ncols=2)
        (self.forward_line,) = ax_f.plot([], [], marker="o", markersize=4, label="measured")
        (self.forward_predicted,) = ax_f.plot([], [], "--", color="black", linewidth=1, label="predicted")
        (self.backward_line,) = ax_b.plot([], [], marker="o", markersize=4, color="C1")
        (self.backward_predicted,) = ax_b.plot([], [], "--", color="black", linewidth=1)
        for ax in (ax_f, ax_b):
            ax.set_ylim(*ylim)
        _axes_labels(ax_f, ax_b, depth)
        ax_f.legend(loc="lower left", fontsize="small")
        self.title = self.figure.suptitle("")
        self.animated = [self.forward_line, self.forward_predicted, self.backward_line, self.backward_predicted,
                         self.title]

    def measure(self, kernel_size, channels, scheme):
        """The averaged :class:`initlab.conv_variance.ConvProfile` of one setting, computed once."""
        key = (int(kernel_size), int(channels), scheme)
        if key not in self._cache:
            self._cache[key] = mean_profile(self.x, self.y, self.depth, channels, kernel_size, scheme, self.seeds)
        return self._cache[key]

    def update(self, kernel_size, channels, scheme):
        p = self.measure(kernel_size, channels, scheme)
        layers = np.arange(1, self.depth + 1)
        self.forward_line.set_data(*loggable(layers, p.forward))
        self.forward_predicted.set_data(*loggable(layers, p.forward_predicted))
        self.backward_line.set_data(*loggable(layers, p.backward))
        self.backward_predicted.set_data(*loggable(layers, p.backward_predicted))
        self.title.set_text(f"{SCHEME_LABELS.get(scheme, scheme)}, {kernel_size}×{kernel_size} kernels, "
                            f"{channels} channels, {self.depth} layers")

    def describe(self, kernel_size, channels, scheme):
        p = self.measure(kernel_size, channels, scheme)
        return (f"Per-layer mean square, log scale, of a plain relu CNN of {self.depth} layers with "
                f"{kernel_size}×{kernel_size} kernels and {channels} channels under the "
                f"{SCHEME_LABELS.get(scheme, scheme)} initialization: pre-activations from "
                f"{format_ratio(p.forward[0])} at layer 1 to {format_ratio(p.forward[-1])} at layer {self.depth} "
                f"(predicted {format_ratio(p.forward_predicted[-1])}); gradients from "
                f"{format_ratio(p.backward[-1])} at layer {self.depth} to {format_ratio(p.backward[0])} at layer 1 "
                f"(predicted {format_ratio(p.backward_predicted[0])}).")

#: The explorer's architectures: label -> (kind, nonlinearity).
ARCHITECTURES = {"tanh RNN": ("rnn", "tanh"), "relu RNN": ("rnn", "relu"), "LSTM, b_f = 1": ("lstm", None)}



def gradient_through_time_figure(profiles, predicted):
    """Two panels (tanh, relu): ``‖∂ℓ/∂h_{T-k}‖`` against ``k``, measured (solid) and ``rate^k`` (dashed).

    ``profiles[(nonlinearity, radius)]`` is a measured profile (``hidden`` of a
    :class:`initlab.memory.TimeProfile`), ``predicted[(nonlinearity, radius)]`` the per-step rate."""
    fig, axes = new_figure(ncols=2)
    axes[1].sharey(axes[0])
    for ax, nonlinearity in zip(axes, ("tanh", "relu")):
        keys = [key for key in profiles if key[0] == nonlinearity]
        for colour, key in zip([f"C{i}" for i in range(len(keys))], keys):
            values = np.asarray(profiles[key])
            k = np.arange(len(values))
            ax.plot(*loggable(k, values), color=colour, label=rf"$\rho = {key[1]:g}$")
            ax.plot(k, predicted[key] ** k, "--", color=colour, linewidth=1)
        ax.set_yscale("log")
        ax.set_title(f"{nonlinearity} RNN")
        ax.set_xlabel("steps back in time k")
    axes[0].set_ylabel(r"$\|\partial\ell/\partial h_{T-k}\|$")
    axes[0].plot([], [], "--", color="black", linewidth=1, label="predicted")
    axes[0].legend(fontsize="small", loc="lower left")
    return fig


def forget_gate_figure(cells, cells_no_recurrence, forget_biases):
    """``‖∂ℓ/∂c_{T-k}‖`` of an LSTM for each forget bias: with PyTorch's ``W_hh`` (solid), with ``W_hh = 0``
    (dotted: the cell path alone) and the prediction ``σ(b_f)^k`` (dashed)."""
    fig, ax = new_figure()
    for i, b in enumerate(forget_biases):
        colour = f"C{i}"
        k = np.arange(len(cells[b]))
        ax.plot(*loggable(k, cells[b]), color=colour, label=rf"$b_f = {b:g}$")
        ax.plot(*loggable(k, cells_no_recurrence[b]), ":", color=colour, linewidth=2.2)
        ax.plot(k, forget_rate(b) ** k, "--", color=colour, linewidth=1)
    ax.plot([], [], ":", color="black", linewidth=2.2, label=r"$W_{hh} = 0$")
    ax.plot([], [], "--", color="black", linewidth=1, label=r"predicted $\sigma(b_f)^k$")
    ax.set_yscale("log")
    ax.set_xlabel("steps back in time k")
    ax.set_ylabel(r"$\|\partial\ell/\partial c_{T-k}\|$")
    ax.legend(fontsize="small", loc="lower left", ncols=2)
    return fig


def clipping_figure(runs, clip_norm):
    """The global gradient norm per step (log scale) of each ``label: Run``; the clipping threshold dotted; a run
    that stopped on inf/NaN ends in a red cross on the top edge."""
    fig, ax = new_figure()
    for label, run in runs.items():
        steps = np.arange(len(run.grad_norm))
        line, = ax.plot(*loggable(steps, run.grad_norm), linewidth=1.2, label=label)
        if run.diverged:
            ax.plot([run.failed_at], [1.0], "x", color="red", markersize=11, markeredgewidth=2.5, clip_on=False,
                    transform=ax.get_xaxis_transform())
    ax.axhline(clip_norm, color="black", linestyle=":", linewidth=1)
    ax.text(0.99, clip_norm, rf" threshold $\tau = {clip_norm:g}$", transform=ax.get_yaxis_transform(),
            ha="right", va="bottom", fontsize="small")
    ax.set_yscale("log")
    ax.set_xlabel("training step")
    ax.set_ylabel(r"$\|g\|$ before clipping")
    ax.legend(fontsize="small", loc="upper left")
    return fig


class GradientThroughTimeFigure:
    """The explorer: spectral radius × sequence length × architecture → ``‖∂ℓ/∂h_{T-k}‖`` against ``k``.

    Each setting builds the layer (``hidden_size`` units, PyTorch's default init rescaled to spectral radius
    ``radius``; for the LSTM each gate's block of ``W_hh``, with forget bias 1) and measures
    :func:`initlab.memory.gradient_through_time` once (cached). The dashed line is the prediction: the mean-field
    rate of :func:`initlab.memory.predicted_rate` for an RNN, :math:`\\sigma(1)^k` for the LSTM's cell path.
    """

    def __init__(self, max_steps, hidden_size=64, batch=8, ylim=(1e-12, 1e6), rng=0):
        self.hidden_size, self.batch, self.rng = hidden_size, batch, rng
        self.ylim = ylim
        self._cache = {}
        self.figure, ax = new_figure()
        self.ax = ax
        (self.line,) = ax.plot([], [], color="C0", linewidth=2)
        (self.predicted_line,) = ax.plot([], [], "--", color="black", linewidth=1, label="predicted")
        (self.cross,) = ax.plot([], [], "x", color="red", markersize=11, markeredgewidth=2.5, clip_on=False,
                                transform=ax.get_xaxis_transform())
        ax.axhline(1.0, color="0.6", linewidth=0.8)
        self.text = ax.text(0.98, 0.96, "", transform=ax.transAxes, ha="right", va="top", fontsize="small")
        ax.set_yscale("log")
        ax.set_ylim(*ylim)
        ax.set_xlim(0, max_steps)
        ax.set_xlabel("steps back in time k")
        ax.set_ylabel(r"$\|\partial\ell/\partial h_{T-k}\|$")
        ax.legend(loc="lower left", fontsize="small")
        self.title = ax.set_title("")
        self.animated = [self.line, self.predicted_line, self.cross, self.text, self.title]

    def measure(self, radius, steps, architecture):
        """``(profile, rate)``: the measured :class:`initlab.memory.TimeProfile` and the predicted per-step rate."""
        key = (float(radius), int(steps), architecture)
        if key not in self._cache:
            kind, nonlinearity = ARCHITECTURES[architecture]
            if kind == "rnn":
                layer = RNN(1, self.hidden_size, nonlinearity, spectral_radius=radius, rng=self.rng)
                rate = predicted_rate(nonlinearity, radius, input_variance(layer))
            else:
                layer = LSTM(1, self.hidden_size, forget_bias=1.0, spectral_radius=radius, rng=self.rng)
                rate = forget_rate(1.0)
            profile = gradient_through_time(layer, steps, batch=self.batch, rng=self.rng)
            self._cache[key] = (profile, rate)
        return self._cache[key]

    def _summary(self, radius, steps, architecture):
        profile, rate = self.measure(radius, steps, architecture)
        if not profile.finite:
            return f"overflow: the measurement stops at k = {max(len(profile.hidden) - 1, 0)}"
        return (f"reaches k = {steps}: {format_ratio(profile.hidden[-1])} "
                f"(predicted {format_ratio(rate ** steps)})")

    def update(self, radius, steps, architecture):
        profile, rate = self.measure(radius, steps, architecture)
        k = np.arange(len(profile.hidden))
        self.line.set_data(*loggable(k, profile.hidden))
        self.line.set_color({"tanh RNN": "C0", "relu RNN": "C1"}.get(architecture, "C2"))
        grid = np.arange(steps + 1)
        self.predicted_line.set_data(grid, np.clip(rate ** grid.astype(float), self.ylim[0] / 10, self.ylim[1] * 10))
        self.cross.set_data(([len(profile.hidden)], [1.0]) if not profile.finite else ([], []))
        self.title.set_text(rf"{architecture}, $\rho(W_{{hh}}) = {radius:g}$, T = {steps}")
        self.text.set_text(self._summary(radius, steps, architecture))

    def describe(self, radius, steps, architecture):
        profile, rate = self.measure(radius, steps, architecture)
        return (f"Gradient norm ‖∂ℓ/∂h_(T−k)‖ against the number of steps back k, log scale, for a {architecture} "
                f"with spectral radius {radius:g} over T = {steps} steps: the measured curve "
                f"{self._summary(radius, steps, architecture)}; the dashed prediction falls or grows by "
                f"{rate:.3f} per step.")
