"""The built site in a real browser: clean pages, typeset math, working kernel-free explorers, and
not a single request to another host.

Needs a built site (`make book`) and a Chromium (`make chromium`); `make browser` does both checks.
Each page is loaded once per session (see sitecheck.Visitor); the tests read what was recorded.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import tinycss2

from sitecheck import (
    BOOK,
    PageReport,
    chapter_pages,
    exercise_explorers,
    label_contrast,
    redirect_target,
    toc_files,
    watch,
)

sys.path.insert(0, str(BOOK / "_ext"))
import unused_css  # noqa: E402

MIN_EXPLORERS_PER_CHAPTER = 2


def _fail_if(problems: list[str], headline: str) -> None:
    if problems:
        pytest.fail(f"{headline}:\n  " + "\n  ".join(problems), pytrace=False)


def _reports(visitor, pages) -> list[PageReport]:
    return [visitor.visit(page) for page in pages]


def test_every_toc_entry_is_a_built_page(site):
    """Each file of _toc.yml became a page, and index.html leads to a page that exists."""
    missing = [f"{name}.html" for name in toc_files() if not (site / f"{name}.html").is_file()]
    _fail_if(missing, "pages of _toc.yml missing from the built site")
    target = redirect_target(site / "index.html")
    if target is not None:
        assert (site / urlsplit(target).path).is_file(), f"index.html redirects to {target}, which does not exist"


def test_every_page_names_version_and_licences(site, pages):
    """The footer of every page gives the version of CITATION.cff and names both licences with their files."""
    import yaml

    version = yaml.safe_load((BOOK.parent / "CITATION.cff").read_text(encoding="utf-8"))["version"]
    wanted = (f"Version {version}.", "/LICENSE-CC-BY-4.0\">CC BY 4.0</a>", "/LICENSE\">MIT</a>")
    problems = []
    for page in pages:
        html = (site / page).read_text(encoding="utf-8")
        footer = html[html.find("<footer"):]
        problems += [f"{page}: footer lacks {text!r}" for text in wanted if text not in footer]
    _fail_if(problems, "pages whose footer does not name the version and the licences")


def test_lesson_plans_give_the_seconds_this_build_measured(site):
    """Each chapter's lesson plan states how long the chapter ran in this build and names its slowest cells."""
    import re

    problems = []
    for chapter in chapter_pages():
        page = site / "instructors" / chapter
        if not page.is_file():
            problems.append(f"instructors/{chapter}: no lesson plan")
            continue
        text = re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8"))
        if not re.search(r"the chapter ran in \d+ s, .*?the slowest cells: \d+\.\d s under", text, re.S):
            problems.append(f"instructors/{chapter}: no measured running time")
    _fail_if(problems, "lesson plans without the running time of this build")


def test_no_page_holds_a_placeholder(site, pages):
    """Nothing a reader would have to replace: no example.org service, no `git clone URL` or `cd FOLDER`."""
    placeholders = ("example.org", "git clone URL", "cd FOLDER", "OWNER/NAME@BRANCH")
    problems = [f"{page}: {text!r}" for page in pages for text in placeholders
                if text in (site / page).read_text(encoding="utf-8")]
    _fail_if(problems, "placeholders on the built pages")


def test_pages_load_without_errors(visitor, pages):
    problems = []
    for report in _reports(visitor, pages):
        problems += [f"{report.page}: console error: {text}" for text in report.console_errors]
        problems += [f"{report.page}: uncaught exception: {text}" for text in report.page_errors]
        problems += [f"{report.page}: failed request: {text}" for text in report.failed_local]
    _fail_if(problems, "errors while loading the site's pages")


def test_no_request_leaves_the_site(visitor, pages):
    problems = []
    for report in _reports(visitor, pages):
        assert report.requests, f"{report.page}: no request recorded at all (is the request listener broken?)"
        problems += [f"{report.page}: {url}" for url in report.external_requests]
    _fail_if(problems, "requests to hosts other than 127.0.0.1")


def test_assets_are_loaded_once(visitor, pages):
    """Each script and stylesheet once per page (JB1 auto-adds everything in book/_static)."""
    problems = []
    for report in _reports(visitor, pages):
        for kind, urls in (("script", report.scripts), ("stylesheet", report.stylesheets)):
            counts = Counter(urlsplit(url).path for url in urls)
            problems += [f"{report.page}: {kind} {path} loaded {n} times" for path, n in counts.items() if n > 1]
        counts = Counter(report.inline_scripts)
        problems += [f"{report.page}: inline script repeated {n} times: {body[:80]!r}" for body, n in counts.items() if n > 1]
    _fail_if(problems, "assets included more than once")


def test_math_is_typeset(visitor, pages):
    problems = []
    for report in _reports(visitor, pages):
        if report.raw_tex:
            problems += [f"{report.page}: raw TeX in the text: ...{snippet}..." for snippet in report.raw_tex]
        problems += [f"{report.page}: MathJax error: {error}" for error in report.tex_errors]
        if report.math_elements:
            if not (report.mathjax_version or "").startswith("3."):
                problems.append(f"{report.page}: has math but MathJax 3 did not start (version {report.mathjax_version})")
            elif report.typeset < report.math_elements:
                problems.append(f"{report.page}: {report.math_elements} math elements, only {report.typeset} typeset")
    _fail_if(problems, "math not typeset")


def test_chapters_have_typeset_math(visitor):
    chapters = chapter_pages()
    assert chapters, "_toc.yml lists no chapter notebook"
    problems = [f"{r.page}: no typeset math" for r in _reports(visitor, chapters) if not r.typeset]
    _fail_if(problems, "chapters without math")


def test_chapters_have_explorers(visitor):
    chapters = chapter_pages()
    assert chapters, "_toc.yml lists no chapter notebook (an .ipynb under book/)"
    problems = [
        f"{report.page}: {report.explorers} kernel-free explorer(s), expected at least {MIN_EXPLORERS_PER_CHAPTER}"
        for report in _reports(visitor, chapters)
        if report.explorers < MIN_EXPLORERS_PER_CHAPTER
    ]
    _fail_if(problems, "chapters short of interactive figures")


def test_explorers_start_on_the_frame_their_controls_show(site, pages):
    """In the HTML as built (before any script runs): the image shown is the frame that the controls'
    initial settings select (row-major, last control fastest), and the controls match the data."""
    from bs4 import BeautifulSoup

    problems = []
    for page in pages:
        soup = BeautifulSoup((site / page).read_text(encoding="utf-8"), "html.parser")
        for root in soup.select("[data-initlab-explorer]"):
            where = f"{page}: {root.get('id', '?')}"
            try:
                data = json.loads(root.select_one("script.initlab-explorer-data").string)
                specs, frames, alts = data["controls"], data["frames"], data["alts"]
            except Exception as err:  # noqa: BLE001 - any malformed data is a finding
                problems.append(f"{where}: unreadable frame data ({err})")
                continue
            index = 0
            for spec in specs:
                labels = [str(label) for label in spec["labels"]]
                control = root.select_one(f'[data-initlab-control="{spec["name"]}"]')
                if control is None:
                    problems.append(f"{where}: no element for control {spec['name']!r}")
                    break
                if control.name == "select":
                    options = control.select("option")
                    if [o.get("value") for o in options] != [str(i) for i in range(len(labels))]:
                        problems.append(f"{where}: {spec['name']!r} option values are not 0..{len(labels) - 1}")
                    if [o.get_text() for o in options] != labels:
                        problems.append(f"{where}: {spec['name']!r} options {[o.get_text() for o in options]} != {labels}")
                    chosen = control.select_one("option[selected]") or (options[0] if options else None)
                    value = int(chosen.get("value", 0)) if chosen else 0
                else:
                    if (control.get("min"), control.get("max"), control.get("step")) != ("0", str(len(labels) - 1), "1"):
                        problems.append(f"{where}: {spec['name']!r} range is not 0..{len(labels) - 1} by 1")
                    value = int(control.get("value", -1))
                    if not 0 <= value < len(labels):
                        problems.append(f"{where}: {spec['name']!r} has no valid value attribute")
                        break
                    shown = root.select_one(f'output[for="{control.get("id")}"]')
                    if control.get("aria-valuetext") != labels[value] or (shown and shown.get_text() != labels[value]):
                        problems.append(f"{where}: {spec['name']!r} does not announce its label {labels[value]!r}")
                index = index * len(labels) + value
            else:
                img = root.select_one("img.initlab-frame")
                if img is None or index >= len(frames):
                    problems.append(f"{where}: no image, or frame {index} missing")
                elif img.get("src") != frames[index] or img.get("alt") != alts[index]:
                    problems.append(f"{where}: the image in the page is not frame {index}, which its controls select")
    _fail_if(problems, "explorers whose initial image and controls disagree")


def test_every_explorer_responds_to_every_control(visitor, pages):
    reports = _reports(visitor, pages)
    problems = [f"{report.page}: {problem}" for report in reports for problem in report.explorer_problems]
    _fail_if(problems, "kernel-free explorers that do not work")
    explorers = sum(report.explorers for report in reports)
    moves = sum(report.explorer_moves for report in reports)
    if explorers:
        assert moves >= explorers, f"{explorers} explorers but only {moves} control moves were checked"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_explorer_labels_are_readable(browser, server, visitor, scheme):
    """The controls' labels keep WCAG AA contrast (4.5:1) in the theme's light and dark modes."""
    chapters = chapter_pages()
    assert chapters, "_toc.yml lists no chapter notebook"
    problems = []
    for page in chapters:
        if scheme == "light":  # the pages were visited in light mode already
            measured = visitor.visit(page).label_contrast
        else:
            measured = label_contrast(browser, f"{server}/{page}", scheme)
        for item in measured:
            if item["ratio"] < 4.5:
                problems.append(f"{page}: {item['text']!r} has contrast {item['ratio']:.1f}:1")
    _fail_if(problems, f"explorer labels hard to read in {scheme} mode")


def test_theme_icons_come_from_the_web_font_not_the_svg_script(browser, server, visitor, pages):
    """book/_ext/site_assets.py drops the theme's 1.5 MB fontawesome.js; its icons must still show."""
    loaded = [f"{r.page}: {url}" for r in _reports(visitor, pages) for url in r.scripts if "fontawesome" in url]
    _fail_if(loaded, "pages still loading the Font Awesome SVG script")
    # ... and its GitHub logo is an inline SVG, so that no page loads the brands font for that one glyph.
    brands = [f"{r.page}: {url}" for r in _reports(visitor, pages) for url in r.requests if "fa-brands" in url]
    _fail_if(brands, "pages loading Font Awesome's brands font")
    page = browser.new_page()
    try:
        page.goto(f"{server}/{pages[0]}", wait_until="load")
        faces = page.evaluate("""async () => (await document.fonts.load('900 1em "Font Awesome 6 Free"')).length""")
        logo = page.eval_on_selector(".btn-source-repository-button svg",
                                     "svg => svg.checkVisibility() ? svg.getBoundingClientRect().width : 0")
        # Icons whose box is shown (menus that are closed hide theirs); a missing glyph has no width.
        widths = page.eval_on_selector_all(
            "[class*='fa-']",
            "els => els.filter(e => e.checkVisibility() && getComputedStyle(e, '::before').content !== 'none')"
            "          .map(e => e.getBoundingClientRect().width)")
    finally:
        page.close()
    assert faces > 0, "the Font Awesome web font did not load"
    assert len(widths) >= 3, f"expected the theme's header icons to be shown, found {len(widths)}"
    assert all(w > 0 for w in widths), f"theme icons drawn with no width (glyph missing): {widths}"
    assert logo > 0, "the repository button's GitHub logo is not shown"


# Every character a page may draw in Font Awesome's solid face (weight 900): the content of each ::before and
# ::after whose font is Font Awesome, shown or not (a menu that opens, a note that appears).
_SOLID_ICON_CHARACTERS = """
async () => {
  await Promise.all([...document.querySelectorAll('link[rel="stylesheet"]')].map((link) => link.sheet ? null :
    new Promise((done) => { link.addEventListener('load', done); link.addEventListener('error', done); })));
  const drawn = new Set();
  for (const element of document.querySelectorAll('*')) {
    for (const pseudo of ['::before', '::after']) {
      const style = getComputedStyle(element, pseudo);
      const text = /^"(.*)"$/s.exec(style.content);
      if (!text || !style.fontFamily.includes('Font Awesome') || Number(style.fontWeight) < 900) continue;
      for (const character of text[1]) drawn.add(character.codePointAt(0));
    }
  }
  return [...drawn];
}
"""


def test_every_icon_a_page_draws_is_in_the_cut_font(browser, server, site, pages):
    """book/_ext/icon_font.py cuts the solid Font Awesome font (156 KB) to the glyphs the site uses: every
    character any page can draw in it must still be there, or the reader sees an empty box."""
    from fontTools.ttLib import TTFont

    fonts = list(site.glob("_static/vendor/fontawesome/webfonts/fa-solid-900.woff2"))
    assert fonts, "the site has no Font Awesome solid font"
    present = set(TTFont(fonts[0]).getBestCmap())
    assert len(present) < 200, f"the solid font holds {len(present)} glyphs: it was not cut to the site's icons"
    # The book's own pages, and one of each kind of the instructors' (theirs repeat the same blocks).
    checked = [path for path in pages if "/" not in path]
    checked += [next(path for path in pages if path.startswith(folder))
                for folder in ("instructors/0", "instructors/handouts/0")]
    missing, drawn = [], set()
    page = browser.new_page()
    try:
        for path in checked:
            # Styles are all this needs: the page's stylesheets, not its math, figures or quizzes.
            page.goto(f"{server}/{path}", wait_until="domcontentloaded")
            characters = set(page.evaluate(_SOLID_ICON_CHARACTERS))
            drawn |= characters
            missing += [f"{path}: U+{c:04X}" for c in sorted(characters - present)]
    finally:
        page.close()
    assert len(drawn) >= 5, f"only {len(drawn)} icon characters found on the whole site: is the measurement right?"
    _fail_if(missing, "icons drawn from a glyph the cut Font Awesome font does not have")


# Every class on some element of the page.
_LIVE_CLASSES = """
() => {
  const classes = new Set();
  for (const element of document.querySelectorAll('*')) element.classList.forEach((c) => classes.add(c));
  return [...classes];
}
"""


def test_every_rule_an_element_of_the_site_can_use_is_served(browser, server, site, pages):
    """book/_ext/unused_css.py cuts the theme's, sphinx-design's and MyST-NB's stylesheets to the rules whose
    classes the site's pages and scripts name. Every rule of the packages' original stylesheets whose classes are
    all on elements of a shown page (scripts run, a tooltip and a menu open, search results listed; at 1366 px,
    and at 390 px for three of them) must be served: a rule cut wrongly changes how some element looks."""
    originals = _original_stylesheets(site)
    checked = [path for path in pages if "/" not in path]
    checked += [next(path for path in pages if path.startswith(folder))
                for folder in ("instructors/0", "instructors/handouts/0")]
    # At phone width the header and sidebars change: seen on a chapter, the front page and the search results.
    walk = [(1366, path) for path in checked + ["search.html?q=variance"]]
    walk += [(390, path) for path in (checked[0], chapter_pages()[0], "search.html?q=variance")]
    live = set()
    page = browser.new_page()
    try:
        for width, path in walk:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{server}/{path}", wait_until="domcontentloaded")
            if "?q=" in path:
                page.wait_for_selector("#search-results ul.search li", timeout=30_000)
            live |= set(page.evaluate(_LIVE_CLASSES))
            if path != walk[0][1]:
                continue
            # Bootstrap adds classes to a tooltip it shows and to a menu it opens: the header's, the same on every
            # page, at both widths.
            for kind, act, shown in (("dropdown", "click", ".dropdown-menu.show"),
                                     ("tooltip", "hover", ".tooltip.show")):
                control = page.locator(f'[data-bs-toggle="{kind}"]:visible')
                if control.count():
                    getattr(control.first, act)()
                    page.wait_for_selector(shown, timeout=10_000)
                    live |= set(page.evaluate(_LIVE_CLASSES))
                    page.keyboard.press("Escape")  # the menu closes: it would cover the next control
    finally:
        page.close()
    assert {"bd-article", "dropdown-menu", "show", "tooltip", "bs-tooltip-auto"} <= live, (
        "the walk did not see the theme's article, an open menu and a tooltip: is the measurement right?")
    missing = []
    for name, (original, served) in originals.items():
        kept = {_selector_text(rule.prelude) for rule in _style_rules(tinycss2.parse_stylesheet(served))}
        for rule in _style_rules(tinycss2.parse_stylesheet(original)):
            used = any(unused_css.required_classes(s) <= live for s in unused_css.selectors(rule.prelude))
            if used and _selector_text(rule.prelude) not in kept:
                missing.append(f"{name}: {_selector_text(rule.prelude)}")
    _fail_if(missing, "rules for classes on the site's elements that its stylesheets no longer serve")


def _original_stylesheets(site):
    """{name: (the package's stylesheet, the site's)} for each stylesheet book/_ext/unused_css.py cuts."""
    import myst_nb
    import pydata_sphinx_theme
    import sphinx_book_theme
    import sphinx_design

    packages = {
        "_static/styles/pydata-sphinx-theme.css":
            Path(pydata_sphinx_theme.__file__).parent / "theme/pydata_sphinx_theme/static/styles/pydata-sphinx-theme.css",
        "_static/sphinx-design.min.css": Path(sphinx_design.__file__).parent / "static/sphinx-design.min.css",
        "_static/mystnb.*.css": Path(myst_nb.__file__).parent / "static/mystnb.css",
        "_static/styles/sphinx-book-theme.css":
            Path(sphinx_book_theme.__file__).parent / "theme/sphinx_book_theme/static/styles/sphinx-book-theme.css",
    }
    found = {}
    for pattern, original in packages.items():
        served = sorted(site.glob(pattern))
        assert served, f"the site has no {pattern}"
        found[served[0].name] = (original.read_text(encoding="utf-8"), served[0].read_text(encoding="utf-8"))
    return found


def _style_rules(rules):
    """The style rules of a parsed stylesheet, those inside @media and @supports blocks included."""
    for rule in rules:
        if rule.type == "qualified-rule":
            yield rule
        elif rule.type == "at-rule" and rule.content is not None and rule.lower_at_keyword in ("media", "supports"):
            yield from _style_rules(tinycss2.parse_rule_list(rule.content))


def _selector_text(prelude) -> str:
    return " ".join(tinycss2.serialize(prelude).split())


def test_a_chapters_figures_load_as_the_reader_nears_them(browser, server):
    """book/_ext/lazy_images.py: every figure of a chapter is lazy, so the page's first load fetches those near the
    top and not the rest; the last one loads once the reader scrolls to it."""
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    fetched = set()
    page.on("response", lambda response: fetched.add(response.url) if "/_images/" in response.url else None)
    try:
        page.goto(f"{server}/{chapter_pages()[6]}", wait_until="networkidle")
        figures = page.locator("article.bd-article img")
        sources = set(figures.evaluate_all("imgs => imgs.map((img) => img.src)"))
        eager = figures.evaluate_all("imgs => imgs.filter((img) => img.loading !== 'lazy').map((img) => img.src)")
        assert len(sources) >= 4, f"only {len(sources)} figures found on the chapter page: is the selector right?"
        assert not eager, f"figures without loading=lazy: {eager}"
        assert len(fetched & sources) < len(sources) / 2, (
            f"the first load fetched {len(fetched & sources)} of the page's {len(sources)} figures")
        last = figures.nth(figures.count() - 1)
        last.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=last.element_handle(),
                               timeout=10_000)
    finally:
        page.close()


def test_search_index_loads_only_on_the_search_page_and_search_finds(browser, server, visitor, pages):
    """book/_ext/site_assets.py keeps the search index (searchindex.js) to search.html; searching still works,
    from the search page and from the search box of any page."""
    loaded = [f"{r.page}: {url}" for r in _reports(visitor, pages) if r.page != "search.html"
              for url in r.scripts if url.endswith("searchindex.js")]
    _fail_if(loaded, "pages other than search.html loading the search index")
    page = browser.new_page()
    try:
        page.goto(f"{server}/{chapter_pages()[0]}", wait_until="load")
        page.keyboard.press("Control+k")  # the theme's search dialog, as a reader opens it
        box = page.locator("#pst-search-dialog input[name=q]")
        box.fill("dynamical isometry")
        box.press("Enter")
        page.wait_for_url("**/search.html?q=*")
        page.wait_for_selector("#search-results ul.search li", timeout=30_000)
        found = page.locator("#search-results ul.search li a").all_inner_texts()
    finally:
        page.close()
    assert any("Signal propagation" in text for text in found), f"search found no chapter 7 page: {found[:5]}"


def test_explorer_works_from_file_url(browser, site):
    """The site works opened straight from disk (a USB stick in a lecture room): file://, no server."""
    chapters = [page for page in chapter_pages() if (site / page).is_file()]
    assert chapters, "no built chapter page to open"
    report = PageReport(chapters[0] + " (file://)")
    context = browser.new_context()
    page = context.new_page()
    watch(page, report)
    try:
        page.goto((site / chapters[0]).resolve().as_uri(), wait_until="load")
        exercise_explorers(page, report)
    finally:
        context.close()
    assert report.explorers, f"{chapters[0]} has no explorer to try"
    _fail_if(report.explorer_problems, f"explorer on {report.page}")
    _fail_if(report.page_errors, f"uncaught exceptions on {report.page}")
    _fail_if(report.console_errors, f"console errors on {report.page}")
    leaving = [url for url in report.requests if urlsplit(url).scheme not in ("file", "data", "blob", "about")]
    _fail_if(leaving, f"requests from {report.page} that are not file: or data:")


MAX_CHAPTER_HTML = 400_000  # bytes of a chapter page's own HTML (issue 19): its explorers' frames are files
FRAME_FILE = re.compile(r"^(?:\.\./)*_images/frames/[0-9a-f]{16}\.png$")


def _explorer_data(html: str) -> list[dict]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    return [dict(json.loads(root.select_one("script.initlab-explorer-data").string),
                 id=root.get("id", "?"), src=root.select_one("img.initlab-frame").get("src"))
            for root in soup.select("[data-initlab-explorer]")]


def test_chapter_pages_are_light_and_hold_no_frame(site):
    """A chapter's HTML stays under its budget, and none of it is a frame: those are files the browser caches."""
    problems = []
    for chapter in chapter_pages():
        path = site / chapter
        if not path.is_file():
            continue
        html = path.read_text(encoding="utf-8")
        if path.stat().st_size > MAX_CHAPTER_HTML:
            problems.append(f"{chapter}: {path.stat().st_size:,} bytes of HTML, budget {MAX_CHAPTER_HTML:,}")
        if "data:image/png" in html:
            problems.append(f"{chapter}: holds an inline PNG (data:image/png)")
    _fail_if(problems, "chapter pages too heavy")


def test_every_frame_of_every_explorer_is_a_file(site, pages):
    """Each frame URL (and each first image) is a content-named file in _images/frames that exists."""
    problems = []
    for page in pages:
        for data in _explorer_data((site / page).read_text(encoding="utf-8")):
            where = f"{page}: {data['id']}"
            for url in [data["src"], *data["frames"]]:
                if not FRAME_FILE.match(url):
                    problems.append(f"{where}: frame {url[:60]!r} is not a file of _images/frames")
                elif not (site / page).parent.joinpath(url).resolve().is_file():
                    problems.append(f"{where}: {url} does not exist")
    _fail_if(problems, "explorer frames that are not files of the site")


# When a control moves, the new frame must be on the image within this many milliseconds of the input event.
SWAP_MS = 50

# Times each change of the explorer's image: from the input event (its timeStamp) to the moment the <img> has its
# new src and is complete (the picture decoded and ready to paint), and to the next animation frame after that.
_TIME_SWAPS = """
(root) => {
  const img = root.querySelector('img.initlab-frame');
  window.__swaps = [];
  let started = null;
  root.addEventListener('input', (e) => { started = e.timeStamp; }, true);
  root.addEventListener('change', (e) => { if (started === null) started = e.timeStamp; }, true);
  const done = () => {
    const at = performance.now(), since = started;
    started = null;
    requestAnimationFrame(() => window.__swaps.push({ready: at - since, frame: performance.now() - since,
                                                     width: img.naturalWidth}));
  };
  new MutationObserver(() => {
    if (started === null) return;
    if (img.complete) done(); else img.addEventListener('load', done, {once: true});
  }).observe(img, {attributes: true, attributeFilter: ['src']});
}
"""


@pytest.mark.timed  # run alone (see the Makefile): a busy second core would time the machine, not the page
@pytest.mark.parametrize("scheme", ["http", "file"])
def test_frames_are_fetched_when_the_reader_comes_near_and_swap_at_once(browser, site, server, scheme):
    """An explorer far below the fold fetches nothing but its first frame until the reader scrolls to it; then it
    fetches all its frames, and moving a control puts the new frame on the image within SWAP_MS."""
    viewport = {"width": 1280, "height": 900}
    chosen = None
    for chapter in chapter_pages():
        if (site / chapter).is_file():
            explorers = _explorer_data((site / chapter).read_text(encoding="utf-8"))
            if explorers:
                chosen = chapter, explorers
                break
    assert chosen, "no built chapter page has an explorer"
    chapter, explorers = chosen
    report = PageReport(f"{chapter} ({scheme})")
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    watch(page, report)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    url = f"{server}/{chapter}" if scheme == "http" else (site / chapter).resolve().as_uri()
    try:
        page.goto(url, wait_until="load")
        if scheme == "http":  # file:// never reports the network idle
            page.wait_for_load_state("networkidle")
        page.wait_for_timeout(1000)
        roots = page.locator("[data-initlab-explorer]")
        tops = roots.evaluate_all("rs => rs.map(r => r.getBoundingClientRect().top + window.scrollY)")
        # Far: more than three screens down, beyond the screen ahead of the viewport that initlab-frames.js fetches.
        far = [i for i, top in enumerate(tops) if top > 3 * viewport["height"]]
        assert far, f"{chapter}: no explorer more than three screens down (tops {tops})"
        index = far[0]
        data = explorers[index]
        others = {u for k, e in enumerate(explorers) if k != index for u in e["frames"]}
        own = [urljoin(page.url, u) for u in data["frames"] if u not in others and u != data["src"]]
        assert own, f"{chapter}: {data['id']} has no frame of its own"
        early = [u for u in own if u in requested]
        assert not early, f"{data['id']}: {len(early)} of its frames fetched before the reader scrolled to it"
        root = roots.nth(index)
        assert root.get_attribute("data-initlab-preloaded") is None

        root.scroll_into_view_if_needed()
        page.wait_for_function("r => r.getAttribute('data-initlab-preloaded') === 'all'", arg=root.element_handle(),
                               timeout=20_000)
        missing = [u for u in own if u not in requested]
        assert not missing, f"{data['id']}: {len(missing)} of its {len(own)} frames not fetched after scrolling to it"

        root.evaluate(_TIME_SWAPS)
        moves = 0
        for spec in data["controls"]:
            control = root.locator(f'[data-initlab-control="{spec["name"]}"]')
            for _ in range(min(3, len(spec["labels"]) - 1)):
                if control.evaluate("e => e.tagName") == "SELECT":
                    options = len(spec["labels"])
                    control.select_option(index=(int(control.input_value()) + 1) % options)
                else:
                    control.focus()
                    at_end = int(control.input_value()) == len(spec["labels"]) - 1
                    page.keyboard.press("ArrowLeft" if at_end else "ArrowRight")
                moves += 1
                page.wait_for_function("n => window.__swaps.length >= n", arg=moves, timeout=5_000)
        swaps = page.evaluate("window.__swaps")
    finally:
        context.close()
    # The browser asks for /favicon.ico by itself when a page stays open a while; the site has none, like every page.
    errors = [e for e in report.console_errors + report.page_errors + report.failed_local if "/favicon.ico" not in e]
    _fail_if(errors, f"errors on {report.page}")
    assert all(s["width"] for s in swaps), f"a frame did not decode: {swaps}"
    slow = [f"{s['ready']:.1f} ms (on screen at {s['frame']:.1f} ms)" for s in swaps if s["ready"] > SWAP_MS]
    assert not slow, f"{data['id']}: moves whose frame took longer than {SWAP_MS} ms: {slow}; all: {swaps}"
    print(f"{report.page}, {data['id']}: {len(swaps)} moves, frame ready after "
          f"{max(s['ready'] for s in swaps):.1f} ms at most, on screen after {max(s['frame'] for s in swaps):.1f} ms")


def test_a_frame_not_loaded_yet_shows_when_it_arrives(browser, site, server):
    """A control moved before its frame has arrived (a slow network): the image keeps showing the picture it had, with
    no error and no broken image, and shows the new frame once it is there."""
    chapter = next((c for c in chapter_pages() if (site / c).is_file()
                    and _explorer_data((site / c).read_text(encoding="utf-8"))), None)
    assert chapter, "no built chapter page has an explorer"
    report = PageReport(f"{chapter} (slow frames)")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watch(page, report)
    held: list = []
    try:
        page.goto(f"{server}/{chapter}", wait_until="load")
        page.wait_for_load_state("networkidle")
        # From now on every frame but the first of the last explorer is held back until released. That explorer,
        # far down, has fetched no frame yet (test_frames_are_fetched_when_the_reader_comes_near_and_swap_at_once);
        # its first loads as the reader nears it (book/_ext/lazy_images.py).
        root = page.locator("[data-initlab-explorer]").last
        control = root.locator("[data-initlab-control]").first
        img = root.locator("img.initlab-frame")
        first = "/" + img.get_attribute("src").lstrip("./")
        page.route("**/_images/frames/*.png",
                   lambda route: route.continue_() if route.request.url.endswith(first) else held.append(route))
        img.scroll_into_view_if_needed()
        page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=img.element_handle(), timeout=10_000)
        page.wait_for_timeout(300)
        before = img.evaluate("i => i.getAttribute('src')"), img.screenshot()
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(index=(int(control.input_value()) + 1) % control.locator("option").count())
        else:
            control.focus()
            page.keyboard.press("ArrowRight" if control.input_value() != control.get_attribute("max") else "ArrowLeft")
        page.wait_for_timeout(300)
        waiting = img.evaluate("i => ({src: i.getAttribute('src'), complete: i.complete})"), img.screenshot()
        assert held, "no frame was requested"
        for route in held:
            route.continue_()
        page.unroute("**/_images/frames/*.png")
        page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=img.element_handle(), timeout=10_000)
        page.wait_for_timeout(100)
        arrived = img.evaluate("i => i.currentSrc"), img.screenshot()
    finally:
        context.close()
    assert waiting[0]["src"] != before[0] and not waiting[0]["complete"], f"the frame was not on its way: {waiting[0]}"
    assert waiting[1] == before[1], "while the new frame was on its way the image did not keep showing the old one"
    assert arrived[0] == urljoin(f"{server}/{chapter}", waiting[0]["src"]) and arrived[1] != before[1], \
        "the new frame was not shown once it arrived"
    errors = [e for e in report.console_errors + report.page_errors + report.failed_local if "/favicon.ico" not in e]
    _fail_if(errors, f"errors on {report.page}")


def test_chapter_sources_exist():
    """The chapter list comes from _toc.yml; make sure it points at real notebooks in book/."""
    names = toc_files()
    assert names, "_toc.yml lists nothing"
    missing = [name for name in names if not any((BOOK / f"{name}{ext}").is_file() for ext in (".ipynb", ".md"))]
    assert not missing, f"_toc.yml entries without a source in book/: {missing}"
