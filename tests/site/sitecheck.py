"""What the browser tests check on a page, and how (helpers for test_site.py and conftest.py).

Each page is loaded once per session (``Visitor.visit``) and everything the tests check about it is
recorded in a ``PageReport``: console and page errors, every request, the state of the math, and
what happened when each control of each kernel-free explorer was moved.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import math
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"
# The built site under test: the book's own build, or another (e.g. `python -m tools.build_book --stored`
# builds into a temporary folder) named by $INITLAB_SITE.
SITE = Path(os.environ.get("INITLAB_SITE") or BOOK / "_build" / "html").resolve()
DECKS_FOLDER = "slides"  # the chapters' decks in the site (book/_ext/decks.py's FOLDER)
TOC = ROOT / "_toc.yml"
LOCAL_HOST = "127.0.0.1"

CHROMIUM_ARGS = [
    "--no-sandbox",  # CI containers and root: no user namespaces for the sandbox
    "--disable-gpu",
    "--disable-background-networking",  # no update checks, no safe-browsing lists, no field trials
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
]

# Console errors that are known third-party noise and accepted. Each entry: (regex, why it is fine).
# Empty on purpose: sphinx-thebe's duplicated inline config (`Identifier 'THEBE_JS_URL' has already
# been declared`) is removed at build time by book/_ext/site_assets.py rather than allowed here.
ALLOWED_CONSOLE_ERRORS: list[tuple[str, str]] = []

# Any URL that is not the local site nor inline data (kept in step with is_local below).
EXTERNAL_URL = re.compile(r"^(?!(?:https?|wss?)://127\.0\.0\.1(?:[:/]|$)|data:|blob:|about:)")

# Raw TeX in the visible text means MathJax did not typeset it (or never ran).
RAW_TEX = re.compile(r"\$\$|\\\(|\\\)|\\\[|\\\]|\\begin\{|\$[^$\n]*\\[A-Za-z]+[^$\n]*\$")


# --------------------------------------------------------------------------------------------- site


def pages(site: Path) -> list[str]:
    """Every HTML page of the built site (paths relative to it), found on disk, not listed by hand.

    Sphinx's own folders (_static, _sources, _images, ...) are not pages; neither is a page that
    only redirects (JB1 writes index.html as a redirect to the root page), nor a chapter's reveal.js
    deck (slides/, written by book/_ext/decks.py; test_slides.py tests the decks).
    """
    found = []
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site)
        if any(part.startswith("_") for part in rel.parts[:-1]) or rel.parts[0] == DECKS_FOLDER:
            continue
        if redirect_target(path) is not None:
            continue
        found.append(rel.as_posix())
    return found


def redirect_target(path: Path) -> str | None:
    match = re.search(
        r"""<meta\s+http-equiv=["']refresh["']\s+content=["'][^"']*url=([^"']+)["']""",
        path.read_text(encoding="utf-8", errors="replace"),
        re.IGNORECASE,
    )
    return match.group(1) if match else None


def toc_files(toc: Path = TOC) -> list[str]:
    """Every `file:` of _toc.yml (the root first), in order, without suffix."""
    found: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for key in ("root", "file"):
                if isinstance(node.get(key), str):
                    found.append(node[key])
            for value in node.values():
                if isinstance(value, (list, dict)):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(yaml.safe_load(toc.read_text(encoding="utf-8")))
    return [str(Path(f).with_suffix("")) if Path(f).suffix in (".ipynb", ".md") else f for f in found]


def notebook_pages() -> list[str]:
    """HTML pages (relative to the site) of every notebook listed in _toc.yml: the chapters, and pages such as
    the short answers and the checklist (launch buttons, code cells)."""
    return [f"{name}.html" for name in toc_files() if (BOOK / f"{name}.ipynb").is_file()]


def chapter_pages() -> list[str]:
    """HTML pages of the numbered chapters (01_..., the notebooks with explorers, exercises and a quiz)."""
    return [page for page in notebook_pages() if re.match(r"\d\d_", page)]


# ---------------------------------------------------------------------------- server and browser


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass


@contextlib.contextmanager
def serve(site: Path):
    """Serve `site` over http from 127.0.0.1 on a free port; yields the base URL (no trailing slash)."""
    httpd = http.server.ThreadingHTTPServer((LOCAL_HOST, 0), functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://{LOCAL_HOST}:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextlib.contextmanager
def browser():
    """One headless Chromium driven by Playwright: Debian's `chromium` through `executable_path`, or
    Playwright's own build where there is none (tools.find_chromium decides). Raises
    tools.find_chromium.NotFound, or Playwright's Error if it cannot start."""
    from playwright.sync_api import sync_playwright

    from tools.find_chromium import find

    chromium = find()  # before sync_playwright(): find() may start a Playwright of its own
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium.executable_path, args=CHROMIUM_ARGS, headless=True)
        try:
            yield instance
        finally:
            instance.close()


# ------------------------------------------------------------------------- what a page visit records


def _host(url: str) -> str | None:
    return urlsplit(url).hostname


def is_local(url: str) -> bool:
    """A request that does not leave the machine's site: 127.0.0.1, or inline/browser-internal data."""
    scheme = urlsplit(url).scheme
    if scheme in ("data", "blob", "about"):
        return True
    if scheme in ("http", "https", "ws", "wss"):
        return _host(url) == LOCAL_HOST
    return False


def allowed_console_error(text: str) -> bool:
    return any(re.search(pattern, text) for pattern, _why in ALLOWED_CONSOLE_ERRORS)


@dataclass
class PageReport:
    page: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    failed_local: list[str] = field(default_factory=list)  # local requests that failed or answered >= 400
    math_elements: int = 0  # Sphinx's .math spans/divs: math the page should show
    mathjax_version: str | None = None
    typeset: int = 0  # mjx-container elements
    tex_errors: list[str] = field(default_factory=list)  # mjx-merror: TeX MathJax could not parse
    raw_tex: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    stylesheets: list[str] = field(default_factory=list)
    inline_scripts: list[str] = field(default_factory=list)
    explorers: int = 0
    explorer_problems: list[str] = field(default_factory=list)
    explorer_moves: int = 0  # control changes that were checked
    label_contrast: list[dict] = field(default_factory=list)  # explorers' labels, light theme

    @property
    def external_requests(self) -> list[str]:
        return [url for url in self.requests if not is_local(url)]


_MATH_STATE = """
async () => {
  let version = null;
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
    version = MathJax.version || null;
  }
  const skip = 'pre, code, script, style, textarea, mjx-container, .highlight';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const texts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement && !node.parentElement.closest(skip)) texts.push(node.textContent);
  }
  return {
    version,
    math: document.querySelectorAll('.math').length,
    typeset: document.querySelectorAll('mjx-container').length,
    texErrors: [...document.querySelectorAll('mjx-merror')].map(e => e.getAttribute('data-mjx-error') || e.textContent),
    text: texts.join(' '),
    scripts: [...document.querySelectorAll('script[src]')].map(s => s.getAttribute('src')),
    inline: [...document.querySelectorAll('script:not([src])')]
      .filter(s => !s.type || s.type === 'text/javascript' || s.type === 'module')
      .map(s => s.textContent.trim()).filter(t => t),
    stylesheets: [...document.querySelectorAll('link[rel~="stylesheet"]')].map(l => l.getAttribute('href')),
  };
}
"""

_DECODE_ALL = """
async (frames) => Promise.all(frames.map(async (src) => {
  const image = new Image();
  image.src = src;
  try { await image.decode(); return image.naturalWidth; } catch (e) { return 0; }
}))
"""

_IMG_STATE = """
async (img) => {
  let width = 0;
  try { await img.decode(); width = img.naturalWidth; } catch (e) { width = 0; }
  return {src: img.getAttribute('src'), alt: img.getAttribute('alt'), width};
}
"""


def exercise_explorers(page, report: PageReport) -> None:
    """Move every control of every explorer on the page; record anything that does not respond."""
    roots = page.locator("[data-initlab-explorer]")
    report.explorers = roots.count()
    problems = report.explorer_problems
    for i in range(report.explorers):
        root = roots.nth(i)
        where = root.get_attribute("id") or f"explorer #{i + 1}"
        error = root.get_attribute("data-initlab-error")
        if error:
            problems.append(f"{where}: initlab-frames.js refused it: {error}")
            continue
        try:
            data = json.loads(root.locator("script.initlab-explorer-data").text_content())
            specs, frames, alts = data["controls"], data["frames"], data.get("alts", [])
        except Exception as err:  # noqa: BLE001 - any malformed data is a finding
            problems.append(f"{where}: unreadable frame data ({err})")
            continue
        expected = math.prod(len(spec["labels"]) for spec in specs)
        if len(frames) != expected or len(alts) != expected:
            problems.append(f"{where}: {len(frames)} frames and {len(alts)} alt texts, controls need {expected}")
            continue
        widths = page.evaluate(_DECODE_ALL, frames)
        broken = [k for k, w in enumerate(widths) if not w]
        if broken:
            problems.append(f"{where}: frames {broken} do not decode as images")
        empty_alts = [k for k, alt in enumerate(alts) if not str(alt).strip()]
        if empty_alts:
            problems.append(f"{where}: frames {empty_alts} have no alt text")
        img = root.locator("img.initlab-frame")
        # As a reader does before moving a control: its frame loads as the reader nears it (lazy), and decode()
        # waits for a load that has not started yet.
        img.scroll_into_view_if_needed()

        def current_index():
            index = 0
            for spec in specs:
                value = int(root.locator(f'[data-initlab-control="{spec["name"]}"]').input_value())
                index = index * len(spec["labels"]) + value
            return index

        for spec in specs:
            control = root.locator(f'[data-initlab-control="{spec["name"]}"]')
            what = f"{where}, control '{spec['name']}'"
            if control.count() != 1:
                problems.append(f"{what}: {control.count()} elements carry it, expected 1")
                continue
            control_id = control.get_attribute("id")
            if not control_id or root.locator(f'label[for="{control_id}"]').count() != 1:
                problems.append(f"{what}: no <label for> names it")
            labels = spec["labels"]
            if len(labels) < 2:
                problems.append(f"{what}: only {len(labels)} setting(s), nothing to move")
                continue
            before = img.evaluate(_IMG_STATE)
            tag = control.evaluate("e => e.tagName.toLowerCase() + (e.type ? ':' + e.type : '')")
            value = int(control.input_value())
            if tag == "input:range":
                high = int(control.get_attribute("max"))
                control.focus()
                if value < high:
                    page.keyboard.press("ArrowRight")
                    target = value + 1
                else:
                    page.keyboard.press("ArrowLeft")
                    target = value - 1
            elif tag.startswith("select"):
                options = control.locator("option").evaluate_all("os => os.map(o => o.value)")
                target = int(options[(options.index(str(value)) + 1) % len(options)])
                # by position: a string would also match an option whose label is that number (a scale of "1")
                control.select_option(index=options.index(str(target)))
            else:
                problems.append(f"{what}: unexpected element {tag}")
                continue
            report.explorer_moves += 1
            moved = int(control.input_value())
            after = img.evaluate(_IMG_STATE)
            if moved != target:
                problems.append(f"{what}: value {value} -> {moved}, expected {target}")
            if after["src"] == before["src"]:
                problems.append(f"{what}: moving it {value} -> {moved} left the image unchanged")
            if after["alt"] == before["alt"]:
                problems.append(f"{what}: moving it {value} -> {moved} left the alt text unchanged")
            if not after["width"]:
                problems.append(f"{what}: after moving it the image does not decode (naturalWidth 0)")
            index = current_index()
            if after["src"] != frames[index] or after["alt"] != alts[index]:
                problems.append(f"{what}: shows a frame other than frame {index} (row-major, last control fastest)")
            if tag == "input:range":
                shown = root.locator(f'output[for="{control_id}"]')
                if shown.count() and shown.text_content().strip() != str(labels[moved]):
                    problems.append(f"{what}: <output> says {shown.text_content()!r}, expected {labels[moved]!r}")
                if control.get_attribute("aria-valuetext") != str(labels[moved]):
                    problems.append(
                        f"{what}: aria-valuetext is {control.get_attribute('aria-valuetext')!r}, "
                        f"expected {labels[moved]!r}"
                    )


# WCAG contrast of each explorer's label text against the background it is actually drawn on.
_LABEL_CONTRAST = """
() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  return [...document.querySelectorAll('[data-initlab-explorer] label, [data-initlab-explorer] output')].map((el) => {
    const a = luminance(rgb(getComputedStyle(el).color).slice(0, 3)), b = luminance(background(el));
    return {text: el.textContent.trim(), ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)};
  });
}
"""


def label_contrast(browser, url: str, scheme: str) -> list[dict]:
    """Contrast ratios of the explorers' labels on `url` with the theme in `scheme` ("light"/"dark")."""
    context = browser.new_context(color_scheme=scheme)
    try:
        page = context.new_page()
        page.route(EXTERNAL_URL, lambda route: route.abort())
        page.goto(url, wait_until="load")
        theme = page.evaluate("document.documentElement.dataset.theme")
        if theme != scheme:
            raise AssertionError(f"{url}: asked for the {scheme} theme, the page shows {theme!r}")
        return page.evaluate(_LABEL_CONTRAST)
    finally:
        context.close()


class Visitor:
    """Loads pages (each at most once per session) and returns their PageReport."""

    def __init__(self, browser, base_url: str):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
        self.context.set_default_timeout(20_000)
        self.base_url = base_url
        self._reports: dict[str, PageReport] = {}

    def visit(self, page_path: str) -> PageReport:
        if page_path not in self._reports:
            self._reports[page_path] = self._visit(page_path)
        return self._reports[page_path]

    def _visit(self, page_path: str) -> PageReport:
        report = PageReport(page_path)
        page = self.context.new_page()
        watch(page, report)

        # Requests for other hosts are recorded by the request listener and stopped here, so that a
        # regression cannot reach the internet (or hang on a machine without it). Only those come back
        # to Python: the pattern is matched inside the browser driver.
        page.route(EXTERNAL_URL, lambda route: route.abort())
        try:
            page.goto(f"{self.base_url}/{page_path}", wait_until="load")
            state = page.evaluate(_MATH_STATE)
            report.mathjax_version = state["version"]
            report.math_elements = state["math"]
            report.typeset = state["typeset"]
            report.tex_errors = state["texErrors"]
            text = " ".join(state["text"].split())
            report.raw_tex = [text[max(0, m.start() - 40) : m.end() + 40] for m in RAW_TEX.finditer(text)]
            report.scripts = state["scripts"]
            report.inline_scripts = state["inline"]
            report.stylesheets = state["stylesheets"]
            report.label_contrast = page.evaluate(_LABEL_CONTRAST)
            exercise_explorers(page, report)
        finally:
            page.close()
        return report

    def close(self):
        self.context.close()


def watch(page, report: PageReport) -> None:
    """Record console errors, uncaught exceptions and every request of `page` into `report`."""

    def on_console(message):
        if message.type == "error" and not allowed_console_error(message.text):
            location = message.location or {}
            report.console_errors.append(f"{message.text} ({location.get('url', '?')}:{location.get('lineNumber', '?')})")

    def on_response(response):
        if response.status >= 400 and is_local(response.url):
            report.failed_local.append(f"{response.status} {response.url}")

    def on_failed(request):
        if is_local(request.url):
            report.failed_local.append(f"{request.failure} {request.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: report.page_errors.append(str(error)))
    page.on("request", lambda request: report.requests.append(request.url))
    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    page.on("websocket", lambda ws: report.requests.append(ws.url))
