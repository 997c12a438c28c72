"""Accessibility of the built site: axe-core on every page in the theme's light and dark modes,
meaningful alt text on every figure and every explorer frame, explorer controls that are labelled
and work from the keyboard, and figures that stay opaque and legible in dark mode.

Needs a built site (`make book`) and a Chromium, like test_site.py. axe-core is the copy bundled in
the PyPI package axe-playwright-python, injected into each page: nothing is fetched from the web.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import re
import warnings
from collections import defaultdict
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from sitecheck import EXTERNAL_URL

SCHEMES = ("light", "dark")
FAILING_IMPACTS = ("serious", "critical")
# Everything else axe checks is the same markup in both modes; only these rules depend on colours.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]
MIN_ALT_WORDS = 3
# An alt text that is only a file name or path, like myst-nb's default alt="_images/<hash>.png".
FILE_NAME_ALT = re.compile(r"^\S*\.(?:png|jpe?g|gif|svg|webp)$|^\S*_images/", re.IGNORECASE)
FILTER_FUNCTION = re.compile(r"([a-z-]+)\(([^)]*)\)")
# WCAG 2.1: 4.5:1 for text (1.4.3), 3:1 for a focus indicator against what surrounds it (1.4.11).
TEXT_CONTRAST = 4.5
FOCUS_CONTRAST = 3.0


def _fail_if(problems: list[str], headline: str) -> None:
    if problems:
        pytest.fail(f"{headline}:\n  " + "\n  ".join(problems), pytrace=False)


class AccessibilityNote(UserWarning):
    """Moderate and minor axe findings: reported in pytest's warnings summary, not failed."""


# ------------------------------------------------------------------------------------ page helpers


@pytest.fixture(scope="module")
def axe_script() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


@contextlib.contextmanager
def themed_context(browser, scheme: str):
    """A browser context whose pages show the theme in `scheme`: the reader's system preference
    (pydata-sphinx-theme's default mode is "auto") and the theme's own stored choice both say so."""
    # Reduced motion: no colour transitions half-way when the theme is switched on a loaded page.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme,
                                  reduced_motion="reduce")
    context.set_default_timeout(30_000)
    context.add_init_script(f"localStorage.setItem('mode', '{scheme}'); localStorage.setItem('theme', '{scheme}');")
    # Nothing may leave the machine (test_site.py checks that no page asks; this makes sure none waits).
    context.route(EXTERNAL_URL, lambda route: route.abort())
    try:
        yield context
    finally:
        context.close()


def open_page(context, url: str, scheme: str):
    """Load `url`, wait for MathJax to typeset, check that the page shows the theme in `scheme`."""
    page = context.new_page()
    page.goto(url, wait_until="load")
    page.evaluate("async () => { if (window.MathJax?.startup?.promise) await MathJax.startup.promise; }")
    theme = page.evaluate("document.documentElement.dataset.theme")
    if theme != scheme:
        page.close()
        raise AssertionError(f"{url}: asked for the {scheme} theme, the page shows {theme!r}")
    return page


# -------------------------------------------------------------------------------------------- axe

_RUN_AXE = """
async (rules) => {
  const options = {resultTypes: ['violations']};
  if (rules) options.runOnly = {type: 'rule', values: rules};
  const results = await axe.run(document, options);
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map((n) => n.target.join(' ')),
    summaries: v.nodes.map((n) => n.failureSummary || ''),
  }));
}
"""


_SWITCH_TO_DARK = """
async () => {
  document.documentElement.dataset.theme = 'dark';
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
}
"""


@pytest.fixture(scope="module")
def axe_violations(browser, server, pages, axe_script) -> dict[str, dict[str, list[dict]]]:
    """axe-core's violations on every page: {scheme: {page: [violation, ...]}}.

    Each page is loaded once, in light mode, and checked with every rule axe runs by default; then
    it is switched to the theme's dark mode in place (as the theme's own switch does, through
    ``data-theme`` on <html>) and only the colour rules run again: the markup is the same.
    """
    found = {scheme: {} for scheme in SCHEMES}
    with themed_context(browser, "light") as context:
        for path in pages:
            page = open_page(context, f"{server}/{path}", "light")
            try:
                page.add_script_tag(content=axe_script)
                found["light"][path] = page.evaluate(_RUN_AXE, None)
                page.evaluate(_SWITCH_TO_DARK)
                found["dark"][path] = page.evaluate(_RUN_AXE, COLOUR_RULES)
            finally:
                page.close()
    return found


@pytest.mark.parametrize("scheme", SCHEMES)
def test_axe_finds_no_serious_or_critical_violations(axe_violations, scheme):
    """No serious or critical axe-core violation on any page; moderate and minor ones are reported
    in pytest's warnings summary."""
    failures, notes = [], defaultdict(list)
    for path, violations in axe_violations[scheme].items():
        for v in violations:
            if v["impact"] in FAILING_IMPACTS:
                nodes = "\n      ".join(
                    f"{target}  ({' '.join(summary.split())[:200]})"
                    for target, summary in zip(v["targets"][:8], v["summaries"][:8]))
                more = f"\n      ... and {len(v['targets']) - 8} more" if len(v["targets"]) > 8 else ""
                failures.append(f"{path}: {v['impact']} {v['id']}: {v['help']} ({len(v['targets'])} nodes)"
                                f"\n      {nodes}{more}")
            else:
                notes[(v["impact"], v["id"], v["help"])].append(f"{path} ({len(v['targets'])})")
    if notes:
        lines = [f"{impact} {rule}: {help_}, on {len(where)} page(s): {', '.join(where)}"
                 for (impact, rule, help_), where in sorted(notes.items())]
        warnings.warn(AccessibilityNote(f"axe, {scheme} mode, not failed:\n  " + "\n  ".join(lines)), stacklevel=1)
    _fail_if(failures, f"serious or critical axe violations in {scheme} mode")


# --------------------------------------------------------------------------------------- alt text


def _alt_problem(alt: str | None, figure: bool = True) -> str | None:
    """Why `alt` is not a meaningful text alternative (None if it is one). A `figure` (an image in the
    page's content) needs a description; the theme's icons (e.g. "Binder logo") need only a name."""
    if alt is None:
        return "no alt attribute"
    text = " ".join(alt.split())
    if not text:
        return "empty alt text"
    if FILE_NAME_ALT.search(text):
        return f"alt text is a file name: {text!r}"
    if figure and len(text.split()) < MIN_ALT_WORDS:
        return f"alt text too short to describe a figure: {text!r}"
    return None


def _decorative(img) -> bool:
    return img.get("role") in ("presentation", "none") or img.get("aria-hidden") == "true"


def _explorer_data(root) -> dict:
    return json.loads(root.select_one("script.initlab-explorer-data").string)


def _soup(site: Path, path: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup((site / path).read_text(encoding="utf-8"), "html.parser")


def test_every_image_has_meaningful_alt_text(site, pages):
    """Every <img> of every page has a text alternative: not missing, not empty (unless marked
    decorative), not a file name (myst-nb's default); and every figure of the content (article.bd-article)
    describes itself in words, at least three of them."""
    problems = []
    for path in pages:
        for img in _soup(site, path).find_all("img"):
            if _decorative(img):
                continue
            problem = _alt_problem(img.get("alt"), figure=img.find_parent("article", class_="bd-article") is not None)
            if problem:
                src = img.get("src", "")
                shown = src if not src.startswith("data:") else src[:30] + "..."
                parent = img.find_parent(attrs={"id": True})
                problems.append(f"{path}: <img src={shown!r}> near #{parent.get('id') if parent else '?'}: {problem}")
    _fail_if(problems, "images without meaningful alt text")


def test_every_explorer_frame_has_its_own_alt_text(site, pages):
    """Each pre-rendered frame of each kernel-free explorer has a meaningful alt text (from the figure's
    describe()), and no two frames of an explorer share one: the alt text changes with the frame."""
    problems, explorers = [], 0
    for path in pages:
        for root in _soup(site, path).select("[data-initlab-explorer]"):
            explorers += 1
            where = f"{path}: {root.get('id', '?')}"
            try:
                alts = _explorer_data(root)["alts"]
            except Exception as err:  # noqa: BLE001 - any malformed data is a finding
                problems.append(f"{where}: unreadable frame data ({err})")
                continue
            problems += [f"{where}: frame {k}: {p}" for k, p in enumerate(map(_alt_problem, alts)) if p]
            repeated = sorted({alt for alt in alts if alts.count(alt) > 1})
            problems += [f"{where}: {alts.count(alt)} frames share the alt text {alt!r}" for alt in repeated]
    _fail_if(problems, "explorer frames without their own alt text")
    if not explorers:
        pytest.skip("no kernel-free explorer on the site")


# ------------------------------------------------------------------------------ explorer controls

# An explorer's controls in document (= Tab) order: their <label>s and whether aria-controls names the image.
_CONTROLS = """
(root) => [...root.querySelectorAll('[data-initlab-control]')].map((el) => ({
  name: el.dataset.initlabControl,
  tag: el.tagName.toLowerCase(),
  tabIndex: el.tabIndex,
  labels: el.labels ? [...el.labels].map((l) => l.textContent.trim()) : [],
  controlsFrame: !!el.getAttribute('aria-controls') &&
    root.querySelector('img.initlab-frame')?.id === el.getAttribute('aria-controls'),
}))
"""

_FOCUS_STATE = """
(el) => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a, b) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  const background = (e) => {
    for (; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const style = getComputedStyle(el);
  const behind = luminance(background(el.parentElement));
  return {
    active: document.activeElement === el,
    focusVisible: el.matches(':focus-visible'),
    outlineStyle: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth) || 0,
    outlineContrast: ratio(luminance(rgb(style.outlineColor).slice(0, 3)), behind),
    textContrast: ratio(luminance(rgb(style.color).slice(0, 3)), luminance(background(el))),
  };
}
"""


def _first_explorer_page(site: Path, pages: list[str]) -> str:
    for path in pages:
        if "data-initlab-explorer" in (site / path).read_text(encoding="utf-8"):
            return path
    pytest.fail("no page of the site has a kernel-free explorer to try with the keyboard", pytrace=False)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_explorer_controls_are_labelled_and_work_from_the_keyboard(browser, server, site, pages, scheme):
    """On the first page with an explorer: each control has a programmatic label and names the image
    it changes (aria-controls); Tab reaches the controls in order; ArrowRight (slider) or ArrowDown
    (menu) moves to the next setting and changes the frame and its alt text; the focused control
    shows a visible focus ring with enough contrast, and a menu's text is readable."""
    path = _first_explorer_page(site, pages)
    problems = []
    with themed_context(browser, scheme) as context:
        page = open_page(context, f"{server}/{path}", scheme)
        try:
            root = page.locator("[data-initlab-explorer]").first
            root.scroll_into_view_if_needed()
            where = f"{path}: {root.get_attribute('id')}"
            controls = root.evaluate(_CONTROLS)
            assert controls, f"{where}: no controls"
            roles = {"input": "slider", "select": "combobox"}
            for c in controls:
                what = f"{where}, control {c['name']!r}"
                if len(c["labels"]) != 1 or not c["labels"][0]:
                    problems.append(f"{what}: labelled by {c['labels']}, expected one <label> with text")
                    continue
                found = root.get_by_role(roles.get(c["tag"], c["tag"]), name=c["labels"][0], exact=True)
                if found.count() != 1:
                    problems.append(f"{what}: no {roles.get(c['tag'])} named {c['labels'][0]!r} for assistive technology")
                if not c["controlsFrame"]:
                    problems.append(f"{what}: its aria-controls does not name the explorer's image")
                if c["tabIndex"] < 0:
                    problems.append(f"{what}: tabIndex {c['tabIndex']} takes it out of the Tab order")
            # Start from a focusable element placed just before the explorer, then Tab through it.
            root.evaluate("(r) => { const b = document.createElement('button'); b.id = 'a11y-start';"
                          " b.textContent = 'start'; r.before(b); b.focus(); }")
            for c in controls:
                what = f"{where}, control {c['name']!r}"
                page.keyboard.press("Tab")
                element = root.locator(f'[data-initlab-control="{c["name"]}"]')
                focus = element.evaluate(_FOCUS_STATE)
                if not focus["active"]:
                    problems.append(f"{what}: Tab did not reach it (focus is on "
                                    f"{page.evaluate('document.activeElement.outerHTML.slice(0, 80)')})")
                    continue
                if not focus["focusVisible"] or focus["outlineStyle"] == "none" or focus["outlineWidth"] < 2:
                    problems.append(f"{what}: no visible focus ring (outline {focus['outlineStyle']} "
                                    f"{focus['outlineWidth']}px, :focus-visible {focus['focusVisible']})")
                elif focus["outlineContrast"] < FOCUS_CONTRAST:
                    problems.append(f"{what}: focus ring contrast {focus['outlineContrast']:.1f}:1 "
                                    f"< {FOCUS_CONTRAST}:1 against the panel")
                if c["tag"] == "select" and focus["textContrast"] < TEXT_CONTRAST:
                    problems.append(f"{what}: its text has contrast {focus['textContrast']:.1f}:1 < {TEXT_CONTRAST}:1")
                img = root.locator("img.initlab-frame")
                before = (element.input_value(), img.get_attribute("src"), img.get_attribute("alt"))
                # The next setting, or the previous one from the last.
                if c["tag"] == "input":
                    at_end = int(before[0]) == int(element.get_attribute("max"))
                    key = "ArrowLeft" if at_end else "ArrowRight"
                else:
                    at_end = element.evaluate("(e) => e.selectedIndex === e.options.length - 1")
                    key = "ArrowUp" if at_end else "ArrowDown"
                page.keyboard.press(key)
                after = (element.input_value(), img.get_attribute("src"), img.get_attribute("alt"))
                if after[0] == before[0]:
                    problems.append(f"{what}: {key} left its value at {before[0]}")
                elif after[1] == before[1] or after[2] == before[2]:
                    problems.append(f"{what}: {key} changed the value {before[0]} -> {after[0]} "
                                    "but not the frame and its alt text")
                if not element.evaluate("(e) => document.activeElement === e"):
                    problems.append(f"{what}: {key} moved the focus away")
        finally:
            page.close()
    _fail_if(problems, f"explorer controls in {scheme} mode")


# --------------------------------------------------------------------------- formulas that scroll

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
_CHAPTER = re.compile(r"^\d\d_[\w-]+\.html$")

# Each display formula once MathJax has typeset the page (initlab-math.js acts on the same promise, first):
# does it scroll sideways, is it a tab stop?
_FORMULAS = """
async () => {
  await MathJax.startup.promise;
  await new Promise((done) => setTimeout(done, 0));
  return [...document.querySelectorAll('div.math mjx-container')].map((f) => ({
    scrolls: f.scrollWidth > f.clientWidth, focusable: f.getAttribute('tabindex') === '0',
    text: (f.querySelector('mjx-assistive-mml') || f).textContent.slice(0, 60)}));
}
"""


def _mismatched(formulas: list[dict], where: str) -> list[str]:
    return [f"{where}: formula {f['text']!r} " + ("scrolls but is no tab stop" if f["scrolls"] else
                                                  "is a tab stop but does not scroll")
            for f in formulas if f["scrolls"] != f["focusable"]]


def test_formulas_that_scroll_sideways_take_the_keyboard_focus(browser, server, pages):
    """On a phone many display formulas are wider than the column and scroll sideways: each one that scrolls
    is a tab stop, so that the arrow keys scroll it (book/_static/initlab-math.js; axe's
    scrollable-region-focusable), and no other formula is. Widened to 1366 px, they are measured again."""
    chapters = [path for path in pages if _CHAPTER.match(path)]
    assert chapters, "no chapter page in the site"
    problems, scrolling = [], 0
    context = browser.new_context(viewport=PHONE)
    context.route(EXTERNAL_URL, lambda route: route.abort())
    try:
        page = context.new_page()
        for path in chapters:
            page.goto(f"{server}/{path}", wait_until="load")
            formulas = page.evaluate(_FORMULAS)
            scrolling += sum(f["scrolls"] for f in formulas)
            problems += _mismatched(formulas, f"{path} at {PHONE['width']} px")
        page.set_viewport_size(DESKTOP)
        page.wait_for_timeout(500)  # initlab-math.js measures 100 ms after the last resize event
        problems += _mismatched(page.evaluate(_FORMULAS), f"{chapters[-1]} widened to {DESKTOP['width']} px")
    finally:
        context.close()
    assert scrolling, f"no display formula scrolls at {PHONE['width']} px: nothing was tested"
    _fail_if(problems, "display formulas and the keyboard")


# ------------------------------------------------------------------------------ figures in dark mode


def _image_bytes(site: Path, page: str, src: str) -> bytes | None:
    """The bytes of an <img src> of `page`: inline data, or a file of the site (None: elsewhere)."""
    if src.startswith("data:"):
        header, _, data = src.partition(",")
        return base64.b64decode(data) if header.endswith(";base64") else unquote(data).encode()
    parts = urlsplit(src)
    if parts.scheme or parts.netloc:
        return None
    return (site / page).parent.joinpath(unquote(parts.path)).resolve().read_bytes()


def _transparent_pixels(data: bytes) -> tuple[int, int]:
    """How many of the image's pixels are not fully opaque, and how many pixels it has."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.load()
        total = image.width * image.height
        if image.mode in ("RGB", "L") and "transparency" not in image.info:
            return 0, total
        return total - image.convert("RGBA").getchannel("A").histogram()[255], total


def test_figures_are_opaque(site, pages):
    """Every figure, static or explorer frame, is an opaque raster (the book's matplotlib style draws
    on white): a transparent figure would show black axes on the dark theme's dark page."""
    problems, checked = [], 0
    for path in pages:
        soup = _soup(site, path)
        sources = [img.get("src", "") for img in soup.select("article img") if not _decorative(img)]
        for root in soup.select("[data-initlab-explorer]"):
            sources += _explorer_data(root)["frames"]
        for src in dict.fromkeys(sources):
            shown = src if not src.startswith("data:") else src[:30] + "..."
            try:
                data = _image_bytes(site, path, src)
                if data is None:
                    problems.append(f"{path}: {shown}: an image from outside the site")
                    continue
                transparent, total = _transparent_pixels(data)
            except Exception as err:  # noqa: BLE001 - an image that cannot be read is a finding
                problems.append(f"{path}: {shown}: cannot decode it as a raster image ({err})")
                continue
            checked += 1
            if transparent:
                problems.append(f"{path}: {shown}: {transparent} of its {total} pixels are not opaque")
    _fail_if(problems, "figures that are not opaque")
    if not checked:
        pytest.skip("no figure on the site")


def _filtered(value: float, chain: list[tuple[str, float]]) -> float:
    """One sRGB channel (0..1) through CSS brightness()/contrast() filters, as the browser applies them."""
    for name, amount in chain:
        value = value * amount if name == "brightness" else (value - 0.5) * amount + 0.5
        value = min(max(value, 0.0), 1.0)
    return value


def _relative_luminance(channel: float) -> float:
    linear = channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4
    return linear  # a grey: the three channels are equal, their weights sum to 1


def _filter_problem(css_filter: str) -> str | None:
    """Why the computed CSS `filter` of a figure makes it illegible, or changes its colours (None: fine)."""
    if css_filter in ("", "none"):
        return None
    chain = []
    for name, argument in FILTER_FUNCTION.findall(css_filter):
        if name not in ("brightness", "contrast"):
            return f"filter {css_filter!r}: {name}() changes the figure's colours"
        amount = float(argument[:-1]) / 100 if argument.endswith("%") else float(argument or 1)
        chain.append((name, amount))
    black, white = (_relative_luminance(_filtered(v, chain)) for v in (0.0, 1.0))
    ratio = (white + 0.05) / (black + 0.05)
    if ratio < 7:
        return f"filter {css_filter!r}: black text on the figure's white is left at {ratio:.1f}:1 (< 7:1)"
    return None


_DARK_FIGURES = """
() => [...document.querySelectorAll('article img')].map((img) => {
  let opacity = 1;
  for (let e = img; e; e = e.parentElement) opacity *= parseFloat(getComputedStyle(e).opacity);
  return {src: img.getAttribute('src').slice(0, 60), filter: getComputedStyle(img).filter, opacity,
          explorer: !!img.closest('[data-initlab-explorer]'), visible: img.checkVisibility()};
})
"""


def test_figures_stay_legible_in_dark_mode(browser, server, site, pages):
    """In the theme's dark mode figures are neither inverted nor recoloured nor faded: the only CSS
    filters allowed are brightness()/contrast() that keep black on the figure's white at 7:1 or more
    (pydata-sphinx-theme dims images with brightness(.8) contrast(1.2): about 15:1), fully opaque.
    Measured on the rendered page too: a screenshot of a static figure and of an explorer frame."""
    with_figures = [p for p in pages if "<img" in (site / p).read_text(encoding="utf-8")]
    if not with_figures:
        pytest.skip("no page with a figure")
    problems, seen = [], {"static": None, "explorer": None}
    with themed_context(browser, "dark") as context:
        for path in with_figures:
            page = open_page(context, f"{server}/{path}", "dark")
            try:
                for k, figure in enumerate(page.evaluate(_DARK_FIGURES)):
                    where = f"{path}: image {k + 1} ({figure['src']}...)"
                    problem = _filter_problem(figure["filter"])
                    if problem:
                        problems.append(f"{where}: {problem}")
                    if figure["opacity"] < 1:
                        problems.append(f"{where}: drawn at opacity {figure['opacity']:.2f}")
                    kind = "explorer" if figure["explorer"] else "static"
                    if figure["visible"] and seen[kind] is None:
                        seen[kind] = (path, k)
                        problems += _screenshot_problems(page, k, f"{where} [{kind}]")
            finally:
                page.close()
    _fail_if(problems, "figures hard to read in dark mode")


def _screenshot_problems(page, index: int, where: str) -> list[str]:
    """The figure as the reader sees it in dark mode: a light background and dark ink, at 7:1 or more."""
    from PIL import Image

    img = page.locator("article img").nth(index)
    img.scroll_into_view_if_needed()
    # Figures load as the reader nears them (book/_ext/lazy_images.py).
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle(), timeout=10_000)
    with Image.open(io.BytesIO(img.screenshot())) as shot:
        grey = shot.convert("L")
    histogram = grey.histogram()
    total = sum(histogram)
    background = max(range(256), key=lambda v: histogram[v])  # the commonest shade: the figure's paper
    # The darkest shade with at least 0.2 % of the pixels: the ink of lines and text, not a stray pixel.
    count, ink = 0, 0
    for v, n in enumerate(histogram):
        count += n
        if count >= 0.002 * total:
            ink = v
            break
    paper, text = _relative_luminance(background / 255), _relative_luminance(ink / 255)
    ratio = (paper + 0.05) / (text + 0.05)
    problems = []
    if background < 128:
        problems.append(f"{where}: its background is drawn dark (grey level {background}): inverted?")
    if ratio < 7:
        problems.append(f"{where}: its ink on its paper measures {ratio:.1f}:1 on screen (< 7:1)")
    return problems
