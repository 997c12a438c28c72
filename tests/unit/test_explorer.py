"""initlab.notebook.explorer: one explore() call, live ipywidgets in Jupyter and pre-rendered HTML on the site."""

import base64
import io
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from initlab.notebook import explorer
from initlab.notebook.explorer import ENV_VAR, Dropdown, Slider, explore

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DATA_URI = "data:image/png;base64,"


class Ramp:
    """A minimal figure object: the line ``y = a * x**p + shift`` on fixed axes.

    Every setting draws a different curve, and each call to ``update`` is recorded.
    """

    def __init__(self, animated=False):
        self.figure = Figure(figsize=(2.0, 1.5))
        ax = self.figure.subplots()
        (self.line,) = ax.plot([], [])
        ax.set_xlim(0, 1)
        ax.set_ylim(-3, 4)
        self.calls = []
        if animated:
            self.animated = [self.line]

    @staticmethod
    def curve(a, kind, shift=0.0):
        xs = np.linspace(0, 1, 25)
        return xs, a * (xs if kind == "lin" else xs**2) + shift

    def update(self, a, kind, shift=0.0):
        self.calls.append(dict(a=a, kind=kind, shift=shift))
        self.line.set_data(*self.curve(a, kind, shift))

    def describe(self, a, kind, shift=0.0):
        return f"A {kind} ramp with slope {a} shifted by {shift}."


def ramp_explorer(figure=None, **overrides):
    controls = dict(a=Slider([1.0, 2.0, -1.0], label="Slope a"), kind=Dropdown({"Linear": "lin", "Square": "sq"}))
    controls.update(overrides)
    return explore(figure or Ramp(), **controls)


def three_control_explorer(figure=None):
    return ramp_explorer(figure, shift=Slider({"none": 0.0, "up": 1.0}, value=1.0))


def png_size(data):
    assert data.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image.size


def decode_data_uri(uri):
    assert uri.startswith(DATA_URI), uri[:40]
    data = base64.b64decode(uri[len(DATA_URI):], validate=True)
    png_size(data)  # a PNG that PIL can decode
    return data


class Page(HTMLParser):
    """Every start tag with its attributes, the text of each <script> and <option>, in order."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.scripts, self.options = [], [], []
        self._in = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        self._in = (tag, attrs)
        if tag == "script":
            self.scripts.append([attrs, ""])
        elif tag == "option":
            self.options.append([attrs, ""])

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in and self._in[0] == "script":
            self.scripts[-1][1] += data
        elif self._in and self._in[0] == "option":
            self.options[-1][1] += data

    def find(self, tag, **attrs):
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]


def explorer_data(page):
    scripts = [text for attrs, text in page.scripts
               if attrs.get("type") == "application/json" and attrs.get("class") == "initlab-explorer-data"]
    assert len(scripts) == 1
    return json.loads(scripts[0])


@pytest.fixture
def live(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)


@pytest.fixture
def static(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "1")


# --- controls ------------------------------------------------------------------------------------

def test_slider_takes_a_list_and_starts_at_the_first_value():
    s = Slider([5, 10, 20])
    assert s.values == [5, 10, 20]
    assert s.labels == ["5", "10", "20"]
    assert s.values[s.index] == 5


def test_dropdown_takes_a_label_to_value_dict_and_starts_at_the_first_value():
    d = Dropdown({"Sigmoid": "sigmoid", "ReLU": "relu"})
    assert d.values == ["sigmoid", "relu"]
    assert d.labels == ["Sigmoid", "ReLU"]
    assert d.values[d.index] == "sigmoid"


def test_slider_dict_and_dropdown_list_and_an_explicit_start():
    s = Slider({"small": 0.5, "large": 2.0}, value=2.0)
    assert (s.labels, s.values, s.values[s.index]) == (["small", "large"], [0.5, 2.0], 2.0)
    d = Dropdown(["tanh", "relu"], value="relu")
    assert (d.labels, d.values[d.index]) == (["tanh", "relu"], "relu")


@pytest.mark.parametrize("make, bad", [
    (lambda: Slider([1, 2, 3], value=7), 7),
    (lambda: Dropdown(["tanh", "relu"], value="gelu"), "gelu"),
    (lambda: Dropdown({"ReLU": "relu"}, value="ReLU"), "ReLU"),  # a label is not a value
])
def test_a_start_value_not_among_the_options_is_a_value_error_naming_it(make, bad):
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        make()


@pytest.mark.parametrize("control", [Slider, Dropdown])
def test_a_control_without_options_is_refused(control):
    with pytest.raises(ValueError):
        control([])


# --- explore() checks its arguments ----------------------------------------------------------------

@pytest.mark.parametrize("missing", ["figure", "update", "describe"])
def test_explore_names_the_missing_attribute_of_the_figure_object(missing):
    ramp = Ramp()
    parts = {"figure": ramp.figure, "update": ramp.update, "describe": ramp.describe}
    del parts[missing]
    incomplete = type("Incomplete", (), {})()
    for name, value in parts.items():
        setattr(incomplete, name, value)
    with pytest.raises(TypeError, match=rf"\b{missing}\b"):
        explore(incomplete, a=Slider([1.0]), kind=Dropdown(["lin"]))


@pytest.mark.parametrize("bad", [[1.0, 2.0], range(3), "lin"])
def test_explore_refuses_a_control_that_is_not_a_slider_or_dropdown(bad):
    with pytest.raises(TypeError, match=r"'kind'.*Slider or a Dropdown"):
        explore(Ramp(), a=Slider([1.0, 2.0]), kind=bad)


def test_explore_needs_at_least_one_control():
    with pytest.raises(ValueError, match="at least one control"):
        explore(Ramp())


# --- settings, params, summary ----------------------------------------------------------------------

def test_settings_are_the_row_major_product_last_control_fastest():
    e = three_control_explorer()
    assert e.settings() == [(i, j, k) for i in range(3) for j in range(2) for k in range(2)]


def test_params_maps_option_indices_to_values():
    e = three_control_explorer()
    assert e.params((2, 1, 0)) == {"a": -1.0, "kind": "sq", "shift": 0.0}
    assert e.params((0, 0, 1)) == {"a": 1.0, "kind": "lin", "shift": 1.0}
    # Without indices: the current setting, here each control's start value.
    assert e.params() == {"a": 1.0, "kind": "lin", "shift": 1.0}


def test_summary_is_deterministic_and_names_every_control_and_the_number_of_settings():
    first, second = three_control_explorer().summary(), three_control_explorer().summary()
    assert first == second
    # Custom labels are shown as given; without one, the keyword's name is used.
    for label in ("Slope a", "Kind", "Shift"):
        assert label in first
    assert "12 settings" in first
    assert Ramp().describe(a=1.0, kind="lin", shift=1.0) in first


# --- live form -----------------------------------------------------------------------------------------

def widget_tree(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from widget_tree(child)


def test_live_bundle_has_the_widget_a_png_fallback_and_the_summary(live):
    e = ramp_explorer()
    bundle = e._repr_mimebundle_()
    view = bundle["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"]
    png = base64.b64decode(bundle["image/png"], validate=True)
    assert png_size(png) == (round(2.0 * explorer.LIVE_DPI), round(1.5 * explorer.LIVE_DPI))  # figsize (2, 1.5)
    assert bundle["text/plain"] == e.summary()
    assert "text/html" not in bundle


def test_changing_a_live_control_redraws_the_image_with_the_new_setting(live):
    import ipywidgets

    ramp = Ramp()
    e = ramp_explorer(ramp)
    e._repr_mimebundle_()
    widgets = list(widget_tree(e.widget()))
    slider = next(w for w in widgets if isinstance(w, ipywidgets.SelectionSlider))
    menu = next(w for w in widgets if isinstance(w, ipywidgets.Dropdown))
    image = next(w for w in widgets if isinstance(w, ipywidgets.Image))
    assert slider.description == "Slope a"
    assert menu.description == "Kind"
    before = bytes(image.value)

    slider.value = 2.0
    assert ramp.calls[-1] == {"a": 2.0, "kind": "lin", "shift": 0.0}
    np.testing.assert_array_equal(ramp.line.get_ydata(), Ramp.curve(2.0, "lin")[1])
    after_slider = bytes(image.value)
    assert after_slider != before
    png_size(after_slider)

    menu.value = "sq"
    assert ramp.calls[-1] == {"a": 2.0, "kind": "sq", "shift": 0.0}
    assert bytes(image.value) not in (before, after_slider)
    assert e.params() == {"a": 2.0, "kind": "sq"}


def test_a_live_setting_seen_before_shows_its_kept_image_and_the_figure_follows(live):
    import ipywidgets

    ramp = Ramp()
    e = ramp_explorer(ramp)
    widgets = list(widget_tree(e.widget()))
    slider = next(w for w in widgets if isinstance(w, ipywidgets.SelectionSlider))
    image = next(w for w in widgets if isinstance(w, ipywidgets.Image))
    start = bytes(image.value)
    slider.value = 2.0
    slider.value = 1.0  # back to the start: its image is the one kept, the same as drawing it again
    assert bytes(image.value) == start == e.render(e.params())
    # The figure object is at the setting shown, whether the image was drawn or kept.
    assert ramp.calls[-1] == {"a": 1.0, "kind": "lin", "shift": 0.0}
    np.testing.assert_array_equal(ramp.line.get_ydata(), Ramp.curve(1.0, "lin")[1])


# --- static form -------------------------------------------------------------------------------------

def test_static_bundle_is_html_and_text_only(static):
    e = ramp_explorer()
    bundle = e._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain"}
    assert bundle["text/plain"] == e.summary()


def test_static_html_has_native_controls_the_start_frame_and_every_frame(static):
    ramp = Ramp()
    e = three_control_explorer(ramp)
    page = Page(e._repr_mimebundle_()["text/html"])

    labels_for = {a.get("for") for a in page.find("label")}
    ranges = page.find("input", type="range")
    assert len(ranges) == 2  # one per Slider
    for attrs, n in zip(ranges, (3, 2)):
        assert (attrs["min"], attrs["max"]) == ("0", str(n - 1))
        assert attrs["id"] in labels_for
    assert [a["value"] for a in ranges] == ["0", "1"]  # the start settings

    selects = page.find("select")
    assert len(selects) == 1
    assert selects[0]["id"] in labels_for
    assert [text for _, text in page.options] == ["Linear", "Square"]
    ids = [a["id"] for a in ranges + selects]
    assert len(set(ids)) == len(ids)

    data = explorer_data(page)
    assert [c["name"] for c in data["controls"]] == ["a", "kind", "shift"]
    assert [c["labels"] for c in data["controls"]] == [["1", "2", "-1"], ["Linear", "Square"], ["none", "up"]]
    settings = e.settings()
    assert len(data["frames"]) == len(settings) == 12
    pngs = [decode_data_uri(uri) for uri in data["frames"]]
    assert len(set(pngs)) == len(pngs)  # every setting draws a different curve
    assert data["alts"] == [ramp.describe(**e.params(s)) for s in settings]

    (img,) = page.find("img")
    start = settings.index((0, 0, 1))
    assert img["src"] == data["frames"][start]
    assert img["alt"] == data["alts"][start]
    assert img["loading"] == "lazy"  # fetched as the reader nears it (book/_ext/lazy_images.py)
    decode_data_uri(img["src"])


def normalise_ids(text):
    return re.sub(r"initlab-\d+-", "initlab-N-", text)


def test_static_html_is_identical_for_two_fresh_explorers_up_to_the_explorer_counter():
    first, second = three_control_explorer().to_html(), three_control_explorer().to_html()
    # The element ids carry a per-process counter (so two explorers on a page never clash);
    # apart from that counter the HTML is byte-identical.
    assert first != second
    assert normalise_ids(first) == normalise_ids(second)
    ids = lambda text: {a["id"] for t, a in Page(text).tags if "id" in a}
    assert ids(first).isdisjoint(ids(second))


def test_static_html_is_identical_in_a_fresh_process():
    here = Path(__file__).parent
    script = (f"import sys; sys.path.insert(0, {str(here)!r}); "
              "import test_explorer as t; sys.stdout.write(t.three_control_explorer().to_html())")
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                         check=True, timeout=60).stdout
    assert normalise_ids(out) == normalise_ids(three_control_explorer().to_html())


class Hostile(Ramp):
    def describe(self, a, kind, shift=0.0):
        return f'</script><script>alert("{kind}")</script> <!--<script> & "{a}" <\\/ </SCRIPT >'


def test_alt_text_cannot_break_out_of_the_json_script_tag():
    ramp = Hostile()
    e = ramp_explorer(ramp)
    text = e.to_html()
    page = Page(text)
    assert len(page.scripts) == 1  # no injected <script> element
    data = explorer_data(page)
    assert data["alts"] == [ramp.describe(**e.params(s)) for s in e.settings()]
    (img,) = page.find("img")
    assert img["alt"] == data["alts"][0]
    # The HTML standard's rule for script contents: no "<!--" and no "</script" (any case).
    payload = text[text.index('class="initlab-explorer-data">'):text.rindex("</script>")]
    assert "<!--" not in payload
    assert "</script" not in payload.lower()


def test_after_to_html_the_figure_is_back_at_the_starting_setting():
    ramp = Ramp()
    e = ramp_explorer(ramp, a=Slider([1.0, 2.0, -1.0], value=2.0))
    e.to_html()
    assert len(ramp.calls) > len(e.settings())
    assert ramp.calls[-1] == {"a": 2.0, "kind": "lin", "shift": 0.0}
    np.testing.assert_array_equal(ramp.line.get_ydata(), Ramp.curve(2.0, "lin")[1])
    assert e.params() == {"a": 2.0, "kind": "lin"}


def test_render_gives_the_same_image_size_with_and_without_animated_artists():
    full, blitted = ramp_explorer(Ramp()), ramp_explorer(Ramp(animated=True))
    for params in ({"a": 2.0, "kind": "sq"}, {"a": 1.0, "kind": "lin"}):
        a, b = full.render(params), blitted.render(params)
        assert png_size(a) == png_size(b) == (round(2.0 * explorer.LIVE_DPI), round(1.5 * explorer.LIVE_DPI))
        # Same picture, up to the order in which the line and the axes' spines are drawn.
        pixels_a = np.asarray(Image.open(io.BytesIO(a)).convert("RGB"), dtype=int)
        pixels_b = np.asarray(Image.open(io.BytesIO(b)).convert("RGB"), dtype=int)
        assert np.mean(np.any(pixels_a != pixels_b, axis=-1)) < 0.01


def test_blitted_frames_follow_the_setting():
    e = ramp_explorer(Ramp(animated=True))
    frames = [e.render(e.params(s)) for s in e.settings()]
    assert len(set(frames)) == len(frames)
    assert e.render(e.params((0, 0))) == frames[0]


def test_time_redraws_gives_one_positive_time_per_setting():
    e = three_control_explorer()
    times = e.time_redraws()
    assert len(times) == len(e.settings())
    assert np.all(np.asarray(times) > 0)


def test_explorers_lists_those_in_use_oldest_first_and_forgets_the_rest():
    import gc

    first, second = three_control_explorer(), three_control_explorer()
    assert [e for e in explorer.explorers() if e in (first, second)] == [first, second]
    keys = {first.key, second.key}
    del first  # as when a reader re-runs the cell: the old explorer is not kept alive by the registry
    gc.collect()
    assert second in explorer.explorers() and len(keys) == 2
    assert all(e.key != min(keys, key=lambda k: int(k.split("-")[0])) for e in explorer.explorers())


def test_on_a_narrow_screen_the_frame_keeps_the_width_at_which_its_text_is_9_px():
    """The frame box carries the narrowest width at which the figure's smallest text still shows at 9 CSS px
    (initlab-frames.css keeps a phone's frame at least that wide and lets it scroll sideways)."""
    from initlab.figures import style

    ramp = Ramp()
    ramp.figure.axes[0].set_title("small", fontsize=8)  # the smallest text: 8 pt = 11.1 px at 100 dpi
    e = ramp_explorer(ramp)
    text = e.to_html()
    width = round(2.0 * explorer.FRAME_DPI)
    legible = int(re.search(r"--initlab-legible-width: (\d+)px", text).group(1))
    assert legible == int(np.ceil(width * style.MIN_TEXT_PX / (8 * explorer.FRAME_DPI / 72)))
    assert 0 < legible <= width
    assert '<div class="initlab-frame-box"' in text and text.index("initlab-frame-box") < text.index("<img")
