"""Chapter 7's residual-network figures: the stream's size and the gradient per block, by scheme."""

import numpy as np

from .. import diagnostics
from ..plots import by_layer, format_ratio, new_figure
from ..residual import block_profile, make_scheme, predicted_profile
from ..training import train

__all__ = ["LABELS", "measure", "profile_figure", "ProfileFigure"]

LABELS = {"plain": "plain (no skips), He", "residual": "residual, He", "batch norm": "residual + batch norm",
          "scaled": "residual, branches × 1/√L", "fixup": "Fixup"}
FIXUP_LR = 0.1


def measure(scheme, x, y, blocks, width=64, rng=0):
    """``block_profile`` of a fresh ``scheme`` network on ``(x, y)``. Fixup's gradient into the stream is exactly 0
    at init (its head is zero), so for Fixup it is measured after one full-batch SGD step of ``FIXUP_LR``."""
    model = make_scheme(scheme, x.shape[1], width, int(np.max(y)) + 1, blocks, rng=rng)
    if scheme == "fixup":
        train(model, x, y, lr=FIXUP_LR, steps=1)
    diagnostics.backprop_norms(model, x, y)
    return block_profile(model)


def profile_figure(profiles):
    """Left: RMS of the stream per block; right: ‖∂ℓ/∂h_l‖; one curve per ``label: (rms, grad)``, log scales."""
    fig, (ax_rms, ax_grad) = new_figure(ncols=2, figsize=(10, 4))
    for label, (rms, grad) in profiles.items():
        by_layer(ax_rms, rms, label, first_layer=0)
        by_layer(ax_grad, grad, label, first_layer=0)
    ax_rms.set_ylabel(r"RMS of the stream $h_l$")
    ax_grad.set_ylabel(r"$\|\partial\ell/\partial h_l\|$")
    for ax in (ax_rms, ax_grad):
        ax.set_xlabel("block l (0 = after the input layer)")
    ax_rms.legend(fontsize="small")
    return fig


class ProfileFigure:
    """Stream RMS and gradient per block for a scheme and a depth, measured (markers) and predicted (dashed).

    Every ``(scheme, blocks)`` setting is measured once in ``__init__``, so ``update`` only moves lines.
    """

    def __init__(self, x, y, schemes, depths, width=64, rng=0):
        self.data = {}
        for scheme in schemes:
            for blocks in depths:
                rms, grad = measure(scheme, x, y, blocks, width, rng)
                self.data[scheme, blocks] = rms, grad, predicted_profile(scheme, blocks, rms[0], grad[-1])
        self.figure, (self.ax_rms, self.ax_grad) = new_figure(ncols=2, figsize=(10, 4))
        self.lines = {}
        for ax, key in ((self.ax_rms, "rms"), (self.ax_grad, "grad")):
            (measured,) = ax.plot([], [], "o-", markersize=3, label="measured")
            (predicted,) = ax.plot([], [], "--", color="black", linewidth=1, label="predicted")
            self.lines[key] = measured, predicted
            values = np.concatenate([v[0 if key == "rms" else 1] for v in self.data.values()])
            values = values[np.isfinite(values) & (values > 0)]
            ax.set_yscale("log")
            ax.set_ylim(values.min() / 3, values.max() * 3)
            ax.set_xlim(-0.5, max(depths) + 0.5)
            ax.set_xlabel("block l (0 = after the input layer)")
        self.ax_rms.set_ylabel(r"RMS of the stream $h_l$")
        self.ax_grad.set_ylabel(r"$\|\partial\ell/\partial h_l\|$")
        self.ax_rms.legend(loc="upper left", fontsize="small")
        self.text = self.ax_grad.text(0.02, 0.04, "", transform=self.ax_grad.transAxes, fontsize="small")
        self.animated = [line for pair in self.lines.values() for line in pair] + [
            self.text, self.ax_rms.title, self.ax_grad.title]

    def update(self, scheme, blocks):
        rms, grad, (rms_pred, grad_pred) = self.data[scheme, blocks]
        l = np.arange(blocks + 1)
        for key, values, pred in (("rms", rms, rms_pred), ("grad", grad, grad_pred)):
            measured, predicted = self.lines[key]
            ok = np.isfinite(values) & (values > 0)
            measured.set_data(l[ok], values[ok])
            predicted.set_data(*((l, pred) if pred is not None else ([], [])))
        self.ax_rms.set_title(f"{LABELS[scheme]}, {blocks} blocks")
        self.ax_grad.set_title("after one SGD step" if scheme == "fixup" else "at initialization")
        self.text.set_text(self._summary(scheme, blocks))

    def _summary(self, scheme, blocks):
        rms, grad, _ = self.data[scheme, blocks]
        return (f"RMS h_L / h_0: {format_ratio(rms[-1] / rms[0])}; "
                f"‖∂ℓ/∂h_0‖ / ‖∂ℓ/∂h_L‖: {format_ratio(grad[0] / grad[-1])}")

    def describe(self, scheme, blocks):
        when = "after one SGD step" if scheme == "fixup" else "at initialization"
        return (f"Two log-scale panels for a network with {blocks} residual blocks of width 64, scheme "
                f"{LABELS[scheme]}: the RMS of the stream per block (left) and the gradient norm per block "
                f"(right, {when}), measured with the prediction dashed. {self._summary(scheme, blocks)}.")
