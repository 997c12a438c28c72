"""Chapter 4's figures: gradients that grow with depth, recurrent chains, unstable runs, clipping."""

import math

import numpy as np
from matplotlib.transforms import blended_transform_factory

from .. import diagnostics, theory
from ..training import outcome
from .drawing import format_ratio, new_figure, training_curves
from .vanishing_gradients import GradientNormFigure

__all__ = ["LIMITS", "FINAL_EDGES", "PEAK_EDGES", "ExplodingGradientFigure", "ClippingFigure", "final_band",
           "peak_band", "outcome_band", "clipped_words", "recurrent_chain_figure", "two_routes_figure"]

#: The largest finite numbers of the two floating-point formats the chapter trains in.
LIMITS = diagnostics.FLOAT_MAX


#: Where the bands of :func:`final_band` and :func:`peak_band` change. Chapter 4 trained its grid of runs under four
#: float arithmetics (OpenBLAS Haswell, Sandybridge, Prescott and SkylakeX kernels): the chaotic runs' final losses
#: moved by up to 0.7 (0.52 to 0.76 for one run) and their largest losses by a factor of 1.6, and no run crossed an
#: edge. The closest were a final loss of 0.957 (a run clipped at every step, the same to three decimals under every
#: arithmetic) and 1.07 to 1.76 (the unclipped run at learning rate 0.3), and a largest loss of 11.5 to 11.7.
FINAL_EDGES, PEAK_EDGES = (1.0, 2.0), (2.5, 10.0)


def final_band(history):
    """The final loss (mean of the last 20 steps) in words: "at ln 10" (within 0.05), "below 1", "1 to 2" or
    "2 or more"; for a run that overflowed, "overflow, step N"."""
    if history.diverged:
        return f"overflow, step {history.failed_at}"
    final = float(np.mean(history.loss[-20:]))
    low, high = FINAL_EDGES
    if abs(final - math.log(10)) < 0.05:
        return "at ln 10"
    return f"below {low:g}" if final < low else f"{low:g} to {high:g}" if final < high else f"{high:g} or more"


def peak_band(history):
    """The largest loss of a run in words: "below 2.5", "2.5 to 10", or "over 1e+NN" (its power of ten);
    for a run that overflowed, "overflow, step N"."""
    if history.diverged:
        return f"overflow, step {history.failed_at}"
    largest = float(np.max(history.loss))
    low, high = PEAK_EDGES
    if largest < low:
        return f"below {low:g}"
    if largest < high:
        return f"{low:g} to {high:g}"
    return f"over 1e{int(math.floor(math.log10(largest))):+03d}"


def outcome_band(history):
    """How a run ended, in bands that the float kernels do not move (see :data:`FINAL_EDGES`): an overflow by its
    step and layer, otherwise "final loss <:func:`final_band`>, largest <:func:`peak_band`>"."""
    if history.diverged:
        return outcome(history)
    return f"final loss {final_band(history)}, largest {peak_band(history)}"


def clipped_words(fraction):
    """The share of steps that were clipped, in words: never, on some steps, on most steps, on every step."""
    if fraction == 0:
        return "never"
    if fraction == 1:
        return "on every step"
    return "on most steps" if fraction > 0.5 else "on some steps"


class ExplodingGradientFigure(GradientNormFigure):
    """Chapter 4: chapter 1's gradient-by-layer figure for relu networks, with the float16/float32 limits.

    ``update(depth, scale)`` shows ``‖∂ℓ/∂h_k‖`` and ``‖∂ℓ/∂W_k‖`` of a fresh relu network with
    weights ``N(0, scale²/fan_in)`` (measured in float32), the prediction of
    :func:`initlab.theory.relu_backward_norms` (dotted), and the two formats' largest finite numbers as horizontal
    lines. A value above the float16 line would be inf in a float16 network; inf/NaN in float32 is
    marked with red crosses, not drawn. Every ``depths`` × ``scales`` setting is measured in ``__init__``.
    """

    def __init__(self, x, y, width=32, depths=(10, 20, 30, 50), scales=(1.0, 2.0, 3.0, 5.0, 10.0),
                 ylim=(1e-12, 1e52), rng=0):
        super().__init__(x, y, width=width, max_depth=max(depths), ylim=ylim, rng=rng)
        for depth in depths:  # measured up front, so that a first visit to a setting only redraws
            for scale in scales:
                self.norms(depth, scale)
        (self.predicted,) = self.ax.plot([], [], ":", color="black", linewidth=1.8, zorder=5,
                                         label=r"predicted, $\times\,\sigma_w/\sqrt{2}$ per layer")
        self.ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2)  # below the axes, off the data
        for (name, limit), style in zip(LIMITS.items(), ("--", "-.")):
            self.ax.axhline(limit, color="0.45", linestyle=style, linewidth=1, label=f"{name} max {limit:.3g}")
            self.ax.text(0.99, limit * 3, f"{name} max {limit:.3g}", transform=self.ax.get_yaxis_transform(),
                         ha="right", va="bottom", color="0.3")
        self.animated.append(self.predicted)

    def norms(self, depth, scale):
        """``(‖∂ℓ/∂h_k‖, ‖∂ℓ/∂W_k‖)`` for k = 1 .. depth + 1, measured once and cached."""
        return self.measure(depth, "relu", scale)

    def prediction(self, depth, scale):
        signal, _ = self.norms(depth, scale)
        return theory.relu_backward_norms(signal[-1], depth, scale)

    def update(self, depth, scale):
        super().update(depth, "relu", scale)
        layers = np.arange(1, depth + 2)
        predicted = self.prediction(depth, scale)
        ok = np.isfinite(predicted)
        self.predicted.set_data(layers[ok], predicted[ok])

    def above(self, depth, scale):
        """How many layers' ``‖∂ℓ/∂h_k‖`` and ``‖∂ℓ/∂W_k‖`` exceed each format's largest number
        (:func:`initlab.diagnostics.layers_above`)."""
        return diagnostics.layers_above(*self.norms(depth, scale), LIMITS)

    def describe(self, depth, scale):
        signal, weights = self.norms(depth, scale)
        counts = self.above(depth, scale)
        if not np.all(np.isfinite(signal) & np.isfinite(weights)):
            first = int(np.argmax(~(np.isfinite(signal) & np.isfinite(weights)))) + 1
            state = f"float32 overflows: inf/NaN from layer {first}, marked with red crosses"
        else:
            state = (f"‖∂ℓ/∂h_k‖ goes from {format_ratio(signal[-1])} at the output to {format_ratio(signal[0])} "
                     f"at layer 1 (predicted {format_ratio(self.prediction(depth, scale)[0])}); "
                     f"‖∂ℓ/∂W_k‖ spans {format_ratio(np.min(weights))} to {format_ratio(np.max(weights))}")
        return (f"Gradient norms per layer, log scale, for a relu network with {depth} hidden layers and "
                f"weights N(0, σ_w²/n_in), σ_w = {scale:g}: {state}. {counts['float16']} of {depth + 1} layers exceed "
                f"the float16 maximum, {counts['float32']} the float32 maximum.")


class ClippingFigure:
    """Chapter 4: training runs over a grid of learning rates and clipping thresholds.

    ``runs`` maps ``(lr, tau)`` to an :class:`initlab.History`, with ``tau = math.inf`` for no
    clipping (that run must be in the grid for every ``lr``: it is drawn in grey for comparison).
    ``update(lr, tau)`` shows, left, the loss of that run and of the unclipped run at the same
    learning rate; right, the gradient norm before clipping, with the threshold. A run that
    overflowed ends where it failed, at a red cross on the top edge.
    """

    def __init__(self, runs, loss_ylim=(0.1, 1e3)):
        if not runs:
            raise ValueError("runs must map (lr, tau) to training histories; got none")
        missing = sorted({lr for lr, _ in runs} - {lr for lr, tau in runs if tau == math.inf})
        if missing:
            raise ValueError(f"runs must hold an unclipped run (tau = math.inf) for every lr; missing for {missing}")
        self.runs = runs
        steps = max(h.settings["steps"] for h in runs.values())
        norms = np.concatenate([h.total_grad_norm for h in runs.values()])
        norms = norms[np.isfinite(norms) & (norms > 0)]
        self.figure, (ax_loss, ax_grad) = new_figure(ncols=2)
        (self.reference,) = ax_loss.plot([], [], color="0.6", linewidth=1, label="no clipping")
        (self.loss,) = ax_loss.plot([], [], linewidth=1.2, label="this run")
        (self.grad,) = ax_grad.plot([], [], linewidth=1, label=r"$\|g\|$ before clipping")
        (self.threshold,) = ax_grad.plot([], [], "--", color="black", linewidth=1, label=r"threshold $\tau$")
        self.crosses = []
        for ax in (ax_loss, ax_loss, ax_grad):
            (cross,) = ax.plot([], [], "x", color="red", markersize=10, markeredgewidth=2, clip_on=False,
                               transform=blended_transform_factory(ax.transData, ax.transAxes))
            cross.set_in_layout(False)  # an empty line has no extent: it would collapse the layout
            self.crosses.append(cross)
        for ax in (ax_loss, ax_grad):
            ax.set_yscale("log")
            ax.set_xlim(0, steps)
            ax.set_xlabel("step")
        ax_loss.set_ylim(*loss_ylim)
        ax_loss.set_ylabel("training loss (mini-batch)")
        ax_grad.set_ylim(norms.min() / 3, norms.max() * 3)
        ax_grad.set_ylabel("global gradient norm")
        ax_loss.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=2)
        ax_grad.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=2)
        self.text = ax_grad.text(0.97, 0.95, "", transform=ax_grad.transAxes, ha="right", va="top")
        self.axes = (ax_loss, ax_grad)
        self.animated = [self.reference, self.loss, self.grad, self.threshold, *self.crosses, self.text,
                         ax_loss.title, ax_grad.title]

    @staticmethod
    def _label(tau):
        return "off" if tau == math.inf else f"τ = {tau:g}"

    def update(self, lr, tau):
        run, reference = self.runs[(lr, tau)], self.runs[(lr, math.inf)]
        for line, cross, h in ((self.loss, self.crosses[0], run), (self.reference, self.crosses[1], reference)):
            line.set_data(np.arange(h.steps), h.loss)
            cross.set_data([h.failed_at] if h.diverged else [], [1.0] if h.diverged else [])
        self.grad.set_data(np.arange(run.steps), run.total_grad_norm)
        self.crosses[2].set_data([run.failed_at] if run.diverged else [], [1.0] if run.diverged else [])
        steps = run.settings["steps"]
        self.threshold.set_data([0, steps] if tau != math.inf else [], [tau, tau] if tau != math.inf else [])
        self.axes[0].set_title(f"η = {lr:g}, clipping {self._label(tau)}")
        self.axes[1].set_title(outcome_band(run))
        self.text.set_text(f"clipped at {run.clipped.mean():.0%} of {run.steps} steps" if run.steps else "")

    def describe(self, lr, tau):
        run, reference = self.runs[(lr, tau)], self.runs[(lr, math.inf)]
        text = f"Learning rate {lr:g}, clipping {self._label(tau)}: {outcome_band(run)}"
        if run.steps:
            median = float(np.median(run.total_grad_norm))
            order = f"1e{int(math.floor(math.log10(median))):+03d}" if 0 < median < math.inf else f"{median:g}"
            words = clipped_words(run.clipped.mean())
            clipped = "was never clipped" if words == "never" else f"was clipped {words}"
            text += f"; the gradient norm {clipped} (median of order {order})"
        if tau != math.inf:
            text += f". Without clipping at this learning rate: {outcome_band(reference)}"
        return text + "."


def recurrent_chain_figure(curves):
    """``‖∂ℓ/∂h_t‖`` against the number of steps back, ``T - t``, for each ``label: norms`` (t = 0 .. T)."""
    fig, ax = new_figure()
    for label, norms in curves.items():
        norms = np.asarray(norms, dtype=np.float64)
        back = np.arange(len(norms))[::-1]
        ok = np.isfinite(norms) & (norms > 0)
        ax.plot(back[ok], norms[ok], label=label)
    ax.set_yscale("log")
    ax.set_xlabel("steps back in time, T − t")
    ax.set_ylabel(r"$\|\partial\ell/\partial h_t\|$")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return fig


def _loss_panel(ax, runs, title, ylim):
    markers = ["o", "s", "^", "D", "v"]
    for (label, h), marker in zip(runs.items(), markers):
        steps = np.arange(h.steps)
        ax.plot(steps, h.loss, marker=marker, markevery=max(1, h.steps // 8), markersize=5, linewidth=1.4,
                label=label)
        if h.diverged:
            ax.plot([h.steps], [1.0], "x", color="red", markersize=10, markeredgewidth=2, clip_on=False,
                    transform=blended_transform_factory(ax.transData, ax.transAxes))
    ax.set_yscale("log")
    ax.set_ylim(*ylim)
    ax.set_xlabel("step")
    ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=1)


def two_routes_figure(step_size_runs, depth_runs, step_size_title, depth_title, ylim=(0.1, 1e4)):
    """Two panels of training loss against step (log axis, both ``ylim``), each ``label: History``: left the
    runs that differ only in the learning rate, right those that differ only in the initial scale σ_w. A run
    that climbs past the top leaves the panel there, and one that overflowed ends at a red cross on the top
    edge. Legends sit below the panels, off the data."""
    fig, (left, right) = new_figure(ncols=2, figsize=(8.0, 4.6))
    _loss_panel(left, step_size_runs, step_size_title, ylim)
    _loss_panel(right, depth_runs, depth_title, ylim)
    left.set_ylabel("training loss (mini-batch)")
    return fig
