"""Chapter 6's figures: batch normalization against the init scale, the learning rate and the batch size."""

import math
import textwrap

import matplotlib as mpl
import numpy as np
from matplotlib.ticker import MaxNLocator

from ..batchnorm import batch_noise
from ..scale_sweep import he_scale_profile
from ..stable_learning_rate import is_stable
from .drawing import format_ratio, new_figure

__all__ = ["BatchNormScaleFigure", "LearningRateFigure", "BatchNoiseFigure", "gradient_growth_figure"]


def _finite(xs, ys):
    """The points of a curve that can be drawn on a log axis: finite and positive."""
    xs, ys = np.asarray(xs), np.asarray(ys, dtype=np.float64)
    ok = np.isfinite(ys) & (ys > 0)
    return xs[ok], ys[ok]


class BatchNormScaleFigure:
    """Chapter 6: a relu network at ``scale`` times He initialization, with or without batch norm.

    ``update(scale, batch_norm)`` draws :func:`initlab.scale_sweep.he_scale_profile` of
    ``MLP([n_in] + [width] * depth + [n_out])`` on ``(x, y)``: per layer, the root mean square of the
    activations ``h_k`` (the last point is the output, the logits) next to its prediction, and
    ``‖∂ℓ/∂W_k‖``. Results are cached, so a redraw only moves artists.
    """

    def __init__(self, x, y, depth=10, width=64, ylim=(1e-8, 1e8), rng=0):
        self.x, self.y, self.depth, self.width, self.rng = x, y, depth, width, rng
        self._cache = {}
        self.figure, (ax_h, ax_g) = new_figure(ncols=2)
        layers = depth + 1
        (self.rms_line,) = ax_h.plot([], [], marker="o", markersize=3, label="measured")
        (self.predicted_line,) = ax_h.plot([], [], "--", color="black", linewidth=1, label="predicted")
        (self.grad_line,) = ax_g.plot([], [], marker="s", markersize=3, color="C1")
        self.text = ax_h.text(0.03, 0.04, "", transform=ax_h.transAxes, fontsize="small")
        for ax in (ax_h, ax_g):
            ax.set_yscale("log")
            ax.set_ylim(*ylim)
            ax.set_xlim(0.5, layers + 0.5)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_xlabel(f"layer k ({layers} = output)")
        ax_h.set_ylabel(r"RMS of $h_k$")
        ax_h.legend(loc="upper left", fontsize="small")
        ax_g.set_ylabel(r"$\|\partial\ell/\partial W_k\|$")
        self.title = self.figure.suptitle("")
        self.animated = [self.rms_line, self.predicted_line, self.grad_line, self.text, self.title]

    def measure(self, scale, batch_norm):
        """The :class:`initlab.scale_sweep.ScaleProfile` of one setting (one value per layer, the last is
        the output), measured once."""
        key = (float(scale), bool(batch_norm))
        if key not in self._cache:
            self._cache[key] = he_scale_profile(self.x, self.y, scale, batch_norm, depth=self.depth,
                                                width=self.width, rng=self.rng)
        return self._cache[key]

    def update(self, scale, batch_norm):
        m = self.measure(scale, batch_norm)
        layers = np.arange(1, self.depth + 2)
        self.rms_line.set_data(*_finite(layers, m.rms))
        self.predicted_line.set_data(*_finite(layers, m.predicted))
        self.grad_line.set_data(*_finite(layers, m.grad_norm))
        self.title.set_text(rf"relu, {self.depth} hidden layers, $\kappa = {scale:g}$ × He "
                            rf"($\sigma_w = {scale:g}\sqrt{{2}}$), batch norm {'on' if batch_norm else 'off'}")
        self.text.set_text(self._summary(m))

    @staticmethod
    def _summary(m):
        rms = m.rms
        return (f"hidden RMS {format_ratio(rms[:-1].min())} to {format_ratio(rms[:-1].max())}, "
                f"logits RMS {format_ratio(rms[-1])}")

    def describe(self, scale, batch_norm):
        m = self.measure(scale, batch_norm)
        return (f"Per-layer activation RMS (left, with the prediction dashed) and weight-gradient norm (right), "
                f"log scale, for a relu network of {self.depth} hidden layers at {scale:g} times He init, batch "
                f"norm {'on' if batch_norm else 'off'}: {self._summary(m)}; ‖∂ℓ/∂W_k‖ from "
                f"{format_ratio(m.grad_norm[0])} (layer 1) to {format_ratio(m.grad_norm[-1])} (output).")


class LearningRateFigure:
    """Chapter 6: training loss curves of one network trained at several learning rates, with and without BN.

    ``runs`` maps ``batch_norm`` (False/True) to ``{lr: History}`` (from :func:`initlab.stable_learning_rate.lr_sweep`);
    ``update(lr, batch_norm)`` draws the chosen run in colour over the other learning rates in grey. A run
    that stopped on inf/NaN ends where it stopped, with a red cross on the top edge: the overflow is
    reported, not drawn. ``below`` is the stability threshold of :func:`initlab.stable_learning_rate.is_stable`,
    drawn as a horizontal line.
    """

    def __init__(self, runs, below, window=10, ylim=(1e-2, 1e2)):
        if set(runs) != {False, True} or any(not r for r in runs.values()):
            raise ValueError("runs must map batch_norm False and True to non-empty {lr: History} dicts")
        self.runs, self.below, self.window = runs, below, window
        steps = max(h.settings["steps"] for r in runs.values() for h in r.values())
        self.figure, ax = new_figure()
        self.ax = ax
        n = max(len(r) for r in runs.values())
        self.others = [ax.plot([], [], color="0.75", linewidth=1)[0] for _ in range(n)]
        (self.line,) = ax.plot([], [], color="C0", linewidth=2.2)
        (self.cross,) = ax.plot([], [], "x", color="red", markersize=11, markeredgewidth=2.5, clip_on=False,
                                transform=ax.get_xaxis_transform())
        ax.axhline(below, color="black", linestyle=":", linewidth=1)
        ax.text(steps, below * 1.12, "stability threshold", ha="right", va="bottom", fontsize="small")
        self.text = ax.text(0.02, 0.04, "", transform=ax.transAxes, fontsize="small")
        ax.set_yscale("log")
        ax.set_ylim(*ylim)
        ax.set_xlim(0, steps)
        ax.set_xlabel("step")
        ax.set_ylabel("training loss (one batch)")
        self.animated = [*self.others, self.line, self.cross, self.text, ax.title]

    def status(self, lr, batch_norm):
        """The run's outcome in words."""
        h = self.runs[batch_norm][lr]
        if h.diverged:
            return f"stopped at step {h.failed_at}: {h.failure}"
        # The verdict, not the loss: a finished run's final loss moves with float32 rounding (chapter 6).
        if is_stable(h, self.below, self.window):
            return f"mean loss of the last {self.window} steps below {self.below:.2f}: stable"
        return f"mean loss of the last {self.window} steps not below {self.below:.2f}: not stable"

    def update(self, lr, batch_norm):
        runs = self.runs[batch_norm]
        for line, h in zip(self.others, list(runs.values()) + [None] * len(self.others)):
            line.set_data(*((np.arange(h.steps), h.loss) if h is not None else ([], [])))
        h = runs[lr]
        self.line.set_data(np.arange(h.steps), h.loss)
        self.line.set_color("C1" if batch_norm else "C0")
        self.cross.set_data(([h.steps], [1.0]) if h.diverged else ([], []))
        self.ax.set_title(f"learning rate {lr:g}, batch norm {'on' if batch_norm else 'off'}")
        self.text.set_text(textwrap.fill(self.status(lr, batch_norm), 80))

    def describe(self, lr, batch_norm):
        return (f"Training loss against step, log scale, at learning rate {lr:g} with batch norm "
                f"{'on' if batch_norm else 'off'} (the other learning rates in grey): {self.status(lr, batch_norm)}.")


class BatchNoiseFigure:
    """Chapter 6: how much the batch statistics of one unit vary from batch to batch, against the batch size.

    ``values`` is the unit's value on every training example. ``update(batch_size)`` shows, from
    :func:`initlab.batchnorm.batch_noise`, the histogram of the batch mean over ``n_batches`` batches (left,
    with the predicted normal density of standard deviation :func:`initlab.batchnorm.batch_mean_std`) and of
    the batch standard deviation ``σ_B`` relative to the unit's ``σ`` (right, with ``√E[σ_B²]/σ`` from
    :func:`initlab.batchnorm.expected_batch_var`). The bins
    follow each distribution's spread; the axes are fixed, so a narrower distribution shows as a taller one.
    """

    def __init__(self, values, batch_sizes, n_batches=1000, bins=40, rng=0):
        self.values = np.asarray(values, dtype=np.float64)
        self.mu = float(self.values.mean())
        self.noise, self.stats = {}, {}
        for m in batch_sizes:
            noise = self.noise[m] = batch_noise(self.values, m, n_batches, rng=rng)
            sd = noise.predicted_sd
            mean_edges = np.linspace(self.mu - 4 * sd, self.mu + 4 * sd, bins + 1)
            std_edges = np.linspace(noise.stds.min(), noise.stds.max(), bins + 1)
            self.stats[m] = dict(mean_hist=(self._density(noise.means, mean_edges), mean_edges),
                                 std_hist=(self._density(noise.stds, std_edges), std_edges))
        widest = self.stats[min(batch_sizes)]
        self.figure, (ax_m, ax_s) = new_figure(ncols=2)
        self.mean_hist = ax_m.stairs(*widest["mean_hist"], fill=True, alpha=0.5, label="measured")
        (self.density,) = ax_m.plot([], [], color="black", linewidth=1.2, label=r"$\mathcal{N}(\mu,\ \mathrm{sd}^2)$")
        self.std_hist = ax_s.stairs(*widest["std_hist"], fill=True, alpha=0.5, color="C1")
        (self.std_line,) = ax_s.plot([], [], color="black", linewidth=1.2, label=r"$\sqrt{E[\sigma_B^2]}/\sigma$")
        ax_s.axvline(1.0, color="0.5", linestyle=":", linewidth=1)
        ax_m.set_xlim(widest["mean_hist"][1][0], widest["mean_hist"][1][-1])
        ax_m.set_ylim(0, 1.1 * max(s["mean_hist"][0].max() for s in self.stats.values()))
        ax_s.set_xlim(0, max(2.0, widest["std_hist"][1][-1]))
        self.std_top = 1.1 * max(s["std_hist"][0].max() for s in self.stats.values())
        ax_s.set_ylim(0, self.std_top)
        ax_m.set_xlabel(r"batch mean $\mu_B$")
        ax_s.set_xlabel(r"batch std $\sigma_B/\sigma$")
        ax_m.set_ylabel("density over batches")
        ax_m.legend(loc="upper left", fontsize="small")
        ax_s.legend(loc="upper right", fontsize="small")
        self.text = ax_m.text(0.98, 0.96, "", transform=ax_m.transAxes, ha="right", va="top", fontsize="small")
        self.title = self.figure.suptitle("")
        self.animated = [self.mean_hist, self.density, self.std_hist, self.std_line, self.text, self.title]

    @staticmethod
    def _density(samples, edges):
        counts, _ = np.histogram(samples, bins=edges)
        return counts / (len(samples) * np.diff(edges))

    def update(self, batch_size):
        s, noise = self.stats[batch_size], self.noise[batch_size]
        self.mean_hist.set_data(*s["mean_hist"])
        self.std_hist.set_data(*s["std_hist"])
        sd = noise.predicted_sd
        grid = np.linspace(self.mu - 4 * sd, self.mu + 4 * sd, 200)
        self.density.set_data(grid, np.exp(-0.5 * ((grid - self.mu) / sd) ** 2) / (sd * math.sqrt(2 * math.pi)))
        root = math.sqrt(noise.predicted_var)
        self.std_line.set_data([root, root], [0, self.std_top])
        self.text.set_text(f"sd of $\\mu_B$: measured {noise.measured_sd:.3g}\npredicted {sd:.3g}")
        self.title.set_text(f"batch size m = {batch_size}: {len(noise.means)} batches of one unit")

    def describe(self, batch_size):
        noise = self.noise[batch_size]
        measured, predicted = noise.measured_sd, noise.predicted_sd
        lo, hi = np.percentile(noise.stds, [5, 95])
        return (f"Histograms over batches of size {batch_size}: the batch mean has standard deviation {measured:.3g} "
                f"(predicted {predicted:.3g}); the batch standard deviation ranges from {lo:.2f} to {hi:.2f} times "
                f"the unit's σ (5th to 95th percentile).")


def gradient_growth_figure(curves, predicted):
    """``‖∂ℓ/∂h_k‖`` relative to the last hidden layer, per layer, for each ``label: norms`` of a batch-normalised
    network, with the predicted growth ``λ^((K - k)/2)`` dashed in the same colour (``predicted[label] = λ``)."""
    fig, ax = new_figure()
    colours = mpl.rcParams["axes.prop_cycle"].by_key()["color"]
    markers = ["o", "s", "^", "D", "v", "P"]  # overlapping curves stay distinguishable
    for (label, norms), colour, marker in zip(curves.items(), colours, markers * len(curves)):
        hidden = np.asarray(norms[:-1], dtype=np.float64)  # the last entry is the output's
        k = np.arange(1, len(hidden) + 1)
        ax.plot(*_finite(k, hidden / hidden[-1]), marker=marker, markersize=4, color=colour, label=label)
        ax.plot(k, predicted[label] ** ((len(hidden) - k) / 2), "--", color=colour, linewidth=1)
    ax.plot([], [], "--", color="black", linewidth=1, label=r"predicted $\lambda^{(K-k)/2}$")
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("hidden layer k")
    ax.set_ylabel(r"$\|\partial\ell/\partial h_k\| \,/\, \|\partial\ell/\partial h_K\|$")
    ax.legend(fontsize="small")
    return fig
