"""The book's figure style, and a large-font variant for projectors.

``style.use()`` at the top of a chapter sets the book style; an instructor runs
``style.use("projector")`` instead (or sets the environment variable ``INITLAB_STYLE=projector``)
and every figure after it, static or interactive, is drawn with large fonts and thick lines.
"""

import os

import matplotlib as mpl

from .._checks import one_of

__all__ = ["use", "STYLES", "COLOURS"]

# Colour-blind-safe palette (Okabe & Ito, 2008), in the order the book uses for series.
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]

_COMMON = {
    "axes.prop_cycle": mpl.cycler(color=COLOURS),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "legend.frameon": False,
    "figure.constrained_layout.use": True,
}

STYLES = {
    "book": {**_COMMON, "figure.figsize": (7.0, 3.6), "font.size": 10, "lines.linewidth": 1.8,
             "figure.dpi": 100},
    "projector": {**_COMMON, "figure.figsize": (9.0, 5.0), "font.size": 17, "axes.titlesize": 19,
                  "lines.linewidth": 3.0, "lines.markersize": 9, "figure.dpi": 100},
}


def use(name=None):
    """Apply the style ``name`` ('book' or 'projector'); default: $INITLAB_STYLE, else 'book'."""
    name = name or os.environ.get("INITLAB_STYLE", "book")
    mpl.rcParams.update(STYLES[one_of(name, "name", tuple(STYLES))])
    return name
