"""Drawing helpers shared by the chapters' figures. Non-finite values are never drawn as data."""

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

__all__ = ["new_figure", "loggable", "by_layer", "training_curves", "format_ratio"]


def new_figure(ncols=1, nrows=1, **kwargs):
    """A figure outside pyplot (so nothing is shown twice) and its axes, in the current style."""
    fig = Figure(**kwargs)
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes.ravel() if axes.size > 1 else axes[0, 0]


def loggable(x, values):
    """The points ``(x, values)`` a log axis can show: finite and positive (an overflow is never drawn as data)."""
    values = np.asarray(values, dtype=np.float64)
    ok = np.isfinite(values) & (values > 0)
    return np.asarray(x)[ok], values[ok]


def by_layer(ax, values, label=None, *, first_layer=1, **style):
    """Plot one value per layer on a log axis and return the layers whose value is not finite.

    Finite positive values are drawn as a line; inf/NaN layers are marked with a red cross on the
    top edge and named in the legend, so an overflow can never pass for a measurement.
    """
    values = np.asarray(values, dtype=np.float64)
    layers = np.arange(first_layer, first_layer + len(values))
    ax.plot(*loggable(layers, values), marker="o", markersize=3, label=label, **style)
    bad = layers[~np.isfinite(values)]
    if bad.size:
        ax.plot(bad, np.full(bad.size, 1.0), "x", color="red", markersize=9, clip_on=False,
                transform=ax.get_xaxis_transform(), label=f"{label}: inf/NaN at layer {bad[0]}" if label else None)
    ax.set_yscale("log")
    ax.set_xlabel("layer")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return bad


def training_curves(ax, histories, *, step_every=1):
    """Loss against step for each ``label: History``; a failed run ends in a labelled red cross."""
    for label, h in histories.items():
        steps = np.arange(h.steps) * step_every
        ax.plot(steps, h.loss, label=label)
        if h.diverged:
            ax.plot([h.steps * step_every], [h.loss[-1] if h.steps else 0], "x", color="red", markersize=10)
            ax.annotate(f"stopped: {h.failure}", (h.steps * step_every, h.loss[-1] if h.steps else 0),
                        fontsize="small", color="red")
    ax.set_xlabel("step")
    ax.set_ylabel("training loss")
    ax.legend()


def format_ratio(x):
    """A positive ratio in the book's short form: ``2.3e-07``; 'inf'/'nan' are spelled out."""
    return f"{x:.1e}" if np.isfinite(x) else str(x)
