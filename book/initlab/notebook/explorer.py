"""One call, two kinds of interactive figure: live sliders in Jupyter, pre-rendered frames on the site.

``explore(fig, depth=Slider([...]), activation=Dropdown([...]))`` takes a *figure object*, anything
with

- ``figure``: a ``matplotlib.figure.Figure`` (made with ``Figure()``, not ``pyplot``, so that the
  inline backend does not print it a second time),
- ``update(**params)``: moves the figure's artists to a control setting (no new figure), and
- ``describe(**params)``: the alt text for that setting, in words and numbers,
- optionally ``animated``: the artists that ``update`` changes. The axes must then stay fixed
  (set their limits in ``__init__``): everything else is drawn once and each redraw only blits
  these artists onto it, several times faster than a full draw,

and returns an :class:`Explorer`. Displayed in a notebook it becomes ipywidgets controls above an
image that is redrawn in place on every change (each setting is drawn once and kept, and the settings one
step from the one shown are drawn while the reader looks at it, so that most moves need no drawing).
When the book is built (the environment variable ``INITLAB_STATIC`` is set by the book's Sphinx
extension) it instead renders one frame per control setting and emits plain HTML: real
``<input type="range">``/``<select>`` controls that ``_static/initlab-frames.js`` wires to the frames,
so the page needs no kernel and no network.
Both forms show the same text summary, so the notebook's stored output is the same either way.
"""

import asyncio
import base64
import html
import io
import itertools
import json
import os
import time
import weakref

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from ..figures import style

__all__ = ["Slider", "Dropdown", "Explorer", "explore", "explorers", "static_mode", "ENV_VAR"]

ENV_VAR = "INITLAB_STATIC"
LIVE_DPI = 90
FRAME_DPI = 100
FRAME_COLOURS = 96
# Drawing ahead of the reader (Explorer._draw_ahead) waits until no cell has run for IDLE_S (Run All, or a timed
# run of the notebook, is not slowed), and AHEAD_PAUSE_S after a move and between two settings: the browser (on the
# same cores, on a small machine) decodes and paints the image just sent meanwhile.
AHEAD_PAUSE_S = 0.03
IDLE_S = 1.0


def static_mode():
    """True while the book is being built for the static site."""
    return os.environ.get(ENV_VAR, "") not in ("", "0")


class _Control:
    kind = "control"

    def __init__(self, options, value, label):
        if isinstance(options, dict):
            options = list(options.items())
        else:
            options = [(self._label(v), v) for v in options]
        if not options:
            raise ValueError(f"a {self.kind} needs at least one option")
        self.labels = [str(label_) for label_, _ in options]
        self.values = [v for _, v in options]
        if value is None:
            value = self.values[0]
        if value not in self.values:
            raise ValueError(f"value {value!r} is not one of the {self.kind}'s options {self.values}")
        self.index = self.values.index(value)
        self.label = label

    @staticmethod
    def _label(value):
        return f"{value:g}" if isinstance(value, float) else str(value)


class Slider(_Control):
    """A slider over a fixed list of ``values`` (numbers), starting at ``value`` (default: the first).

    ``values`` may also be a dict ``{label: value}`` to choose how each setting is shown.
    """

    kind = "slider"

    def __init__(self, values, value=None, label=None):
        super().__init__(values, value, label)


class Dropdown(_Control):
    """A menu of ``options`` (a list, or a dict ``{label: value}``), starting at ``value``."""

    kind = "dropdown"

    def __init__(self, options, value=None, label=None):
        super().__init__(options, value, label)


def _png(canvas, colours=None):
    """The canvas as PNG bytes; with ``colours``, as a palette image (a fraction of the size)."""
    image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    image = image.convert("RGB")
    if colours:
        image = image.quantize(colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=bool(colours), compress_level=9 if colours else 1)
    return out.getvalue()


# Every explorer still in use, by the number it was made with. Weak, so that re-running a cell (which makes a new
# explorer) lets the old one and its figure go; numbered, so that page ids are unique and the same in every run.
_made = itertools.count(1)
_alive = weakref.WeakValueDictionary()


class Explorer:
    """A figure object with its controls. See :func:`explore`."""

    def __init__(self, figure, controls):
        for attr in ("figure", "update", "describe"):
            if not hasattr(figure, attr):
                raise TypeError(f"figure must have a .{attr} (see initlab.notebook.explorer); "
                                f"{type(figure).__name__} has none")
        if not controls:
            raise ValueError("explore needs at least one control, e.g. depth=Slider([2, 4, 8])")
        for name, control in controls.items():
            if not isinstance(control, _Control):
                raise TypeError(f"control {name!r} must be a Slider or a Dropdown, got {type(control).__name__}")
            control.label = control.label or name.replace("_", " ").capitalize()
        if not isinstance(figure.figure.canvas, FigureCanvasAgg):
            FigureCanvasAgg(figure.figure)
        self.target = figure
        self.controls = dict(controls)
        # Lay the figure out once, at the starting setting, then freeze it: the axes stay put from
        # frame to frame (no jitter as titles change length) and each redraw skips the layout pass.
        figure.update(**self.params())
        figure.figure.canvas.draw()
        figure.figure.set_layout_engine("none")
        self._animated = list(getattr(figure, "animated", []))
        self._background = {}
        number = next(_made)
        _alive[number] = self
        self.key = f"{number}-{type(figure).__name__.lower()}"
        self._widgets = None
        self._frames = {}  # the live form's PNG of each setting seen, by option indices
        self._ahead = None  # the newest plan to draw ahead of the reader (a token: older plans stop)

    # The settings -------------------------------------------------------------------------
    def params(self, indices=None):
        """The parameter dict for one combination of option indices (default: the current one)."""
        indices = indices or [c.index for c in self.controls.values()]
        return {name: c.values[i] for (name, c), i in zip(self.controls.items(), indices)}

    def settings(self):
        """Every combination of option indices, the last control varying fastest."""
        return list(itertools.product(*(range(len(c.values)) for c in self.controls.values())))

    def render(self, params, colours=None, dpi=LIVE_DPI):
        """Move the figure to ``params`` and return it as PNG bytes."""
        self.target.update(**params)
        fig = self.target.figure
        canvas = fig.canvas
        if not self._animated:
            fig.set_dpi(dpi)
            canvas.draw()
            return _png(canvas, colours)
        if dpi not in self._background:
            fig.set_dpi(dpi)
            for artist in self._animated:
                artist.set_animated(True)
            canvas.draw()
            self._background[dpi] = canvas.copy_from_bbox(fig.bbox)
        elif fig.dpi != dpi:
            fig.set_dpi(dpi)
        canvas.restore_region(self._background[dpi])
        for artist in self._animated:
            fig.draw_artist(artist)
        return _png(canvas, colours)

    def summary(self):
        parts = []
        for c in self.controls.values():
            shown = ", ".join(c.labels) if len(c.labels) <= 6 else f"{c.labels[0]} … {c.labels[-1]}"
            parts.append(f"{c.label} ({len(c.labels)}: {shown})")
        return (f"Interactive figure, {len(self.settings())} settings of " + " × ".join(parts) + ".\n"
                f"Shown: {self.target.describe(**self.params())}")

    # The live form ----------------------------------------------------------------------------
    def _frame(self, indices):
        """The live PNG of one setting, drawn on its first visit and kept: figure objects draw the same image for
        the same setting (the static site relies on it too), so a setting seen before costs no drawing."""
        if indices not in self._frames:
            self._frames[indices] = self.render(self.params(indices))
        return self._frames[indices]

    def _on_change(self, change):
        before = [c.index for c in self.controls.values()]
        for control, widget in zip(self.controls.values(), self._widgets["controls"]):
            control.index = widget.index
        now = tuple(c.index for c in self.controls.values())
        self._widgets["image"].value = self._frame(now)
        self.target.update(**self.params())  # the figure object follows the controls, drawn or not
        moved = [(i, 1 if now[i] > b else -1) for i, b in enumerate(before) if now[i] != b]
        self._draw_ahead(now, moved[0] if moved else None)

    def _draw_ahead(self, now, moved=None):
        """Draw settings near ``now`` before the reader asks for them, so that the next move finds its image drawn:
        the last move (``moved``: a control's number and step) made again, at once; a step either way of each
        control once the reader has paused (no move, and no cell run, for ``IDLE_S``: drawing while the reader
        keeps moving one control would make a move wait for it, and Run All, or a timed run of the notebook, is not
        slowed). One setting per turn of the kernel's event loop, so that a move arriving meanwhile waits for one
        drawing at most; a new move drops the old plan. The figure object is moved back to the setting shown."""
        from IPython import get_ipython

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not in a kernel: no reader to draw ahead for
            return
        shell = get_ipython()
        sizes = [len(c.values) for c in self.controls.values()]

        def step(i, s):  # the setting control i's step s away from now; None past either end
            return now[:i] + (now[i] + s,) + now[i + 1:] if 0 <= now[i] + s < sizes[i] else None

        near = [n for n in (step(i, s) for i in range(len(now)) for s in (1, -1)) if n]
        again = step(*moved) if moved else None
        self._ahead = token = object()

        def cells_run():
            return shell.execution_count if shell else 0

        def draw(indices):
            self._frame(indices)
            self.target.update(**self.params())

        def draw_near(seen):
            if self._ahead is not token:
                return
            if cells_run() != seen:
                loop.call_later(IDLE_S, draw_near, cells_run())
                return
            missing = [indices for indices in near if indices not in self._frames]
            if missing:
                draw(missing[0])
                loop.call_later(AHEAD_PAUSE_S, draw_near, seen)

        def draw_again():
            if self._ahead is token and again not in self._frames:
                draw(again)

        if again:
            loop.call_later(AHEAD_PAUSE_S, draw_again)
        loop.call_later(IDLE_S, draw_near, cells_run())

    def widget(self):
        """The ipywidgets form: one control per parameter above an image redrawn on each change, or taken from
        the images already drawn (``_frame``, ``_draw_ahead``)."""
        if self._widgets is None:
            import ipywidgets as widgets

            made = []
            for name, c in self.controls.items():
                options = list(zip(c.labels, c.values))
                common = dict(options=options, value=c.values[c.index], description=c.label,
                              style={"description_width": "initial"})
                if isinstance(c, Slider):
                    made.append(widgets.SelectionSlider(continuous_update=True, **common))
                else:
                    made.append(widgets.Dropdown(**common))
            image = widgets.Image(value=self._frame(tuple(c.index for c in self.controls.values())), format="png")
            for w in made:
                w.observe(self._on_change, names="value")
            box = widgets.VBox([widgets.HBox(made, layout=widgets.Layout(flex_flow="row wrap")), image])
            self._widgets = {"controls": made, "image": image, "box": box}
            self._draw_ahead(tuple(c.index for c in self.controls.values()))
        return self._widgets["box"]

    # The static form --------------------------------------------------------------------------
    def to_html(self):
        """Every setting pre-rendered, with native HTML controls; see ``_static/initlab-frames.js``.

        The frames are inline ``data:`` URIs, so that the HTML works wherever it lands (a notebook, a deck); the
        book's site moves them into files once its pages are written (``book/_ext/static_frames.py``)."""
        start = [c.index for c in self.controls.values()]
        frames, alts = [], []
        for indices in self.settings():
            params = self.params(indices)
            frames.append("data:image/png;base64," + base64.b64encode(
                self.render(params, colours=FRAME_COLOURS, dpi=FRAME_DPI)).decode("ascii"))
            alts.append(self.target.describe(**params))
        self.target.update(**self.params(start))
        current = self.settings().index(tuple(start))
        width, height = (int(round(v * FRAME_DPI)) for v in self.target.figure.get_size_inches())
        legible = self.legible_width(width)
        esc = html.escape
        # Each control names the image it changes (aria-controls), for assistive technology.
        frame_id = f"initlab-{self.key}-frame"
        rows = []
        for name, c in self.controls.items():
            cid = f"initlab-{self.key}-{name}"
            label = f'<label for="{cid}">{esc(c.label)}</label>'
            if isinstance(c, Slider):
                value = esc(c.labels[c.index])
                rows.append(
                    f'<div class="initlab-control">{label}<input type="range" id="{cid}" min="0" '
                    f'max="{len(c.values) - 1}" step="1" value="{c.index}" data-initlab-control="{name}" '
                    f'aria-valuetext="{value}" aria-controls="{frame_id}"><output for="{cid}">{value}</output></div>')
            else:
                options = "".join(f'<option value="{i}"{" selected" if i == c.index else ""}>{esc(lab)}</option>'
                                  for i, lab in enumerate(c.labels))
                rows.append(f'<div class="initlab-control">{label}<select id="{cid}" '
                            f'data-initlab-control="{name}" aria-controls="{frame_id}">{options}</select></div>')
        data = {"controls": [{"name": n, "labels": c.labels} for n, c in self.controls.items()],
                "frames": frames, "alts": alts}
        # "<" only occurs inside JSON strings, where \u003c means the same: with no "<" at all the
        # payload holds neither "</script" nor "<!--" (which would let "<script" swallow the end tag).
        payload = json.dumps(data, separators=(",", ":")).replace("<", "\\u003c")
        return (f'<div class="initlab-explorer" id="initlab-{self.key}" data-initlab-explorer>'
                f'<div class="initlab-controls">{"".join(rows)}</div>'
                f'<div class="initlab-frame-box" style="--initlab-legible-width: {legible}px">'
                f'<img class="initlab-frame" id="{frame_id}" src="{frames[current]}" alt="{esc(alts[current])}" '
                f'width="{width}" height="{height}" loading="lazy"></div>'
                f'<script type="application/json" class="initlab-explorer-data">{payload}</script></div>')

    def legible_width(self, width):
        """The narrowest the ``width``-pixel frames may be shown with their smallest text still at
        ``style.MIN_TEXT_PX`` (9 CSS px).

        On a phone the column is about 350 px, half a frame: scaled to fit, an 11-point tick label would
        show at 7.6 px. A second, narrower set of frames would double the page's largest part (the frames
        are most of a chapter page's weight), so instead, on narrow screens, initlab-frames.css keeps the
        frame at least this wide and lets it scroll sideways inside its box (or the reader turns the phone).
        """
        smallest = min((points for points, _ in style.text_sizes(self.target.figure, draw=False)), default=None)
        if smallest is None:
            return width
        natural_px = smallest * FRAME_DPI / 72
        return int(min(width, np.ceil(width * style.MIN_TEXT_PX / natural_px)))

    # Display ----------------------------------------------------------------------------------
    def _repr_mimebundle_(self, include=None, exclude=None):
        text = self.summary()
        if static_mode():
            return {"text/plain": text, "text/html": self.to_html()}
        bundle = self.widget()._repr_mimebundle_()
        bundle["text/plain"] = text
        # Shown where widgets cannot be (GitHub, nbviewer); JupyterLab prefers the widget.
        bundle["image/png"] = base64.b64encode(self._widgets["image"].value).decode("ascii")
        return bundle

    def time_redraws(self):
        """Seconds to move to, redraw and encode each setting as the live form does (for the benchmark)."""
        times = []
        for indices in self.settings():
            start = time.perf_counter()
            self.render(self.params(indices))
            times.append(time.perf_counter() - start)
        return np.array(times)


def explore(figure, **controls):
    """Make ``figure`` interactive with the given controls; see the module docstring.

    >>> explore(GradientNormFigure(), depth=Slider([5, 10, 20]), activation=Dropdown(["tanh", "relu"]))
    """
    return Explorer(figure, controls)


def explorers():
    """Every explorer of this process still in use, oldest first (the benchmark times them all)."""
    return [explorer for _, explorer in sorted(_alive.items())]
