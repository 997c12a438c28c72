"""The book's figure style, and a large-font variant for projectors.

``style.use()`` at the top of a chapter sets the book style; an instructor runs
``style.use("projector")`` instead (or sets the environment variable ``INITLAB_STYLE=projector``)
and every figure after it, static or interactive, is drawn with large fonts and thick lines.
"""

import os

import matplotlib as mpl
from matplotlib.text import Text

from .._checks import one_of

__all__ = ["use", "STYLES", "COLOURS", "COLUMN_PX", "DPI", "MIN_TEXT_PX", "displayed_px", "text_sizes",
           "smallest_text_px"]

# How big figure text is where readers are. A figure W inches wide is a W x DPI pixel image; the book's content
# column at a 1366 x 900 screen is COLUMN_PX wide (measured in Chromium on the built site, sphinx-book-theme
# 1.3.0: the article is 820.8 px, code cell outputs as wide), and a wider image is scaled down to fit. So a
# text of p points shows as  p x DPI/72 x min(1, COLUMN_PX / (W x DPI))  pixels: 13.9 px per 10 pt while
# W <= 8.2 in, and only 9.0 px per 10 pt for the widest figure the book had (12.7 in, three panels side by
# side). With a base of 11 pt, tick labels, legends and axis labels ("medium") show at 15.3 px in a figure of
# the default width (close to the 16 px body text) and at >= 9.9 px up to 12.7 in; "small" (x 0.833) stays
# >= 9 px up to 11.6 in, "x-small" (x 0.694) up to 9.6 in. Below that, text is under MIN_TEXT_PX: figure modules
# keep "medium" and do not shrink fonts locally (tests/unit/test_drawing.py checks the arithmetic).
COLUMN_PX = 820
DPI = 100
MIN_TEXT_PX = 9.0

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
    # Ticks and legends are "medium", i.e. font.size (matplotlib's defaults, set here so no style can shrink them).
    "book": {**_COMMON, "figure.figsize": (7.0, 3.6), "font.size": 11, "lines.linewidth": 1.8,
             "xtick.labelsize": "medium", "ytick.labelsize": "medium", "legend.fontsize": "medium",
             "legend.title_fontsize": "medium", "figure.dpi": DPI},
    "projector": {**_COMMON, "figure.figsize": (9.0, 5.0), "font.size": 17, "axes.titlesize": 19,
                  "lines.linewidth": 3.0, "lines.markersize": 9, "figure.dpi": 100},
}


def use(name=None):
    """Apply the style ``name`` ('book' or 'projector'); default: $INITLAB_STYLE, else 'book'."""
    name = name or os.environ.get("INITLAB_STYLE", "book")
    mpl.rcParams.update(STYLES[one_of(name, "name", tuple(STYLES))])
    return name


def displayed_px(points, width_in, *, column_px=COLUMN_PX, dpi=DPI):
    """How many CSS pixels a ``points`` text shows at, in a figure ``width_in`` inches wide drawn at ``dpi``,
    once the page scales the image down to fit a ``column_px`` wide column (never up)."""
    if width_in <= 0:
        raise ValueError(f"width_in must be positive, got {width_in!r}")
    return points * dpi / 72 * min(1.0, column_px / (width_in * dpi))


def text_sizes(fig, *, draw=True):
    """``(size in points, text)`` of every visible, non-empty text of ``fig`` (tick labels, legends, titles,
    annotations), after a draw so that tick labels exist (``draw=False``: the figure was just drawn)."""
    if draw:
        fig.canvas.draw()
    return [(t.get_fontsize(), t.get_text()) for t in fig.findobj(Text)
            if t.get_visible() and t.get_text().strip() and t.get_figure() is not None]


def smallest_text_px(fig, *, column_px=COLUMN_PX, dpi=DPI):
    """The smallest text of ``fig`` as displayed in the book's column (see :func:`displayed_px`), and that text."""
    sizes = text_sizes(fig)
    if not sizes:
        return float("inf"), ""
    points, text = min(sizes, key=lambda pair: pair[0])
    return displayed_px(points, fig.get_size_inches()[0], column_px=column_px, dpi=dpi), text
