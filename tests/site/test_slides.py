"""The exported reveal.js decks (`python -m tools.slides export`) in a real browser, offline.

Every chapter in _toc.yml must have a deck that starts (reveal.js adds the class `ready`), has more
than one slide, moves to the next slide, typesets its math with the bundled MathJax 2, logs no
console error, asks nothing of any host but 127.0.0.1 (and works from file:// too), and whose
kernel-free sliders switch their figure; every slide of it, horizontal and vertical, fits the 1280 x 800
slide with no text under 20 px (tools/slides/fit.py measures them). The built site carries every deck and
links it from the chapter's page and its lesson plan.

The decks of `make slides` (book/_build/slides, or $INITLAB_SLIDES), else those of the built site
(book/_build/html/slides), are used when they are newer than every chapter and than the exporter; otherwise
every chapter is exported here into a temporary folder (a few minutes: each chapter is executed). Either way
the npm assets must be installed (`make slides` does it).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from sitecheck import RAW_TEX, SITE, PageReport, is_local, serve, watch

from tools import slides
from tools.slides import fit

# The decks of `make slides`, else the site's; INITLAB_SLIDES=DIR tests another export (it must be fresh too).
CANDIDATES = [Path(os.environ["INITLAB_SLIDES"])] if os.environ.get("INITLAB_SLIDES") else [
    slides.DEFAULT_OUT, SITE / "slides"]
MIN_EXPLORERS_PER_DECK = 2
MAX_ASSETS_BYTES = 4_000_000  # reveal.js + MathJax 2 subset + require.js + jQuery; a USB stick, not a CDN


def _inputs() -> list[Path]:
    """What a deck is made from: if any of these is newer than a deck, the deck is stale."""
    return [slides.PACKAGE / "package-lock.json", Path(slides.__file__), *sorted(slides.TEMPLATES.rglob("*")),
            slides.FRAMES_JS, slides.FRAMES_CSS]


def _fresh(folder: Path) -> bool:
    newest_tool = max(p.stat().st_mtime for p in _inputs() if p.is_file())
    for chapter in slides.chapters():
        deck = folder / f"{chapter.stem}.slides.html"
        if not deck.is_file() or deck.stat().st_mtime < max(newest_tool, chapter.stat().st_mtime):
            return False
    return (folder / slides.ASSETS / "reveal.js" / "dist" / "reveal.js").is_file()


@pytest.fixture(scope="session")
def decks(tmp_path_factory) -> Path:
    for folder in CANDIDATES:
        if _fresh(folder):
            print(f"\nusing the decks in {folder}")
            return folder
    out = tmp_path_factory.mktemp("slides")
    print(f"\nexporting every chapter into {out} ({' and '.join(map(str, CANDIDATES))}: missing or stale)")
    slides.export(slides.chapters(), out)
    return out


@pytest.fixture(scope="session")
def deck_server(decks):
    with serve(decks) as base:
        yield base


CHAPTERS = [p.stem for p in slides.chapters()]

# Resolves once MathJax 2 has typeset the page (its startup and anything queued after it). The hook
# must not return the queue's callback: MathJax would wait for it before ending startup (a deadlock).
_MATH = """
() => new Promise((resolve) => MathJax.Hub.Register.StartupHook("End", () => { MathJax.Hub.Queue(() => {
  const skip = 'pre, code, script, style, .MathJax_CHTML, .mjx-chtml, .MathJax_Preview, .highlight';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const texts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement && !node.parentElement.closest(skip)) texts.push(node.textContent);
  }
  resolve({
    typeset: document.querySelectorAll('.mjx-chtml').length,
    errors: [...document.querySelectorAll('.mjx-merror, .MathJax_Error, .noError')].map((e) => e.textContent),
    text: texts.join(' '),
  });
}); }))
"""

_SLIDES = """
() => ({
  horizontal: document.querySelectorAll('.reveal .slides > section').length,
  all: document.querySelectorAll('.reveal .slides section:not(.stack)').length,
  hash: location.hash,
})
"""

# The hash (#/h/v) of the slide that holds element number `index` of `selector`.
_SLIDE_OF = """
([selector, index]) => {
  const element = document.querySelectorAll(selector)[index];
  const slide = element.closest('.slides > section > section') || element.closest('.slides > section');
  const top = slide.parentElement.matches('.slides') ? slide : slide.parentElement;
  const h = [...top.parentElement.children].indexOf(top);
  const v = top === slide ? 0 : [...top.children].indexOf(slide);
  return `#/${h}/${v}`;
}
"""


def _open(browser, url: str, report: PageReport):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.set_default_timeout(30_000)
    watch(page, report)
    page.route(r"re:^(?!(?:https?|wss?)://127\.0\.0\.1(?:[:/]|$)|data:|blob:|about:|file:)", lambda r: r.abort())
    page.goto(url, wait_until="load")
    page.wait_for_selector(".reveal.ready", state="attached")
    return page


def _external(report: PageReport) -> list[str]:
    return [url for url in report.requests if urlsplit(url).scheme != "file" and not is_local(url)]


def _check_deck(page, report: PageReport) -> list[str]:
    """Everything a deck must do once open; returns the problems found."""
    problems = []
    shown = page.evaluate(_SLIDES)
    if shown["all"] < 2:
        problems.append(f"only {shown['all']} slide(s)")
    page.locator("body").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => location.hash.startsWith('#/1')", timeout=5_000)
    math = page.evaluate(_MATH)
    if not math["typeset"]:
        problems.append("no MathJax 2 output (.mjx-chtml): math not typeset")
    problems += [f"TeX error: {text[:80]}" for text in math["errors"]]
    text = " ".join(math["text"].split())
    problems += [f"raw TeX: …{text[max(0, m.start() - 30):m.end() + 30]}…" for m in RAW_TEX.finditer(text)][:5]
    problems += [f"console error: {text}" for text in report.console_errors]
    problems += [f"uncaught exception: {text}" for text in report.page_errors]
    problems += [f"failed request: {text}" for text in report.failed_local]
    problems += [f"request leaving the machine: {url}" for url in _external(report)]
    return problems


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_deck_opens_moves_and_typesets_offline(browser, decks, deck_server, chapter):
    report = PageReport(chapter)
    page = _open(browser, f"{deck_server}/{chapter}.slides.html", report)
    try:
        problems = _check_deck(page, report)
    finally:
        page.close()
    assert report.requests, "no request recorded at all (is the request listener broken?)"
    assert not problems, f"{chapter}.slides.html:\n  " + "\n  ".join(problems)


def test_a_deck_works_from_file(browser, decks):
    """A teacher's USB stick: the first chapter's deck opened straight from disk."""
    chapter = CHAPTERS[0]
    report = PageReport(chapter)
    page = _open(browser, (decks / f"{chapter}.slides.html").resolve().as_uri(), report)
    try:
        problems = _check_deck(page, report)
    finally:
        page.close()
    assert not problems, f"{chapter}.slides.html from file://:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_deck_sliders_switch_their_figure(browser, decks, deck_server, chapter):
    report = PageReport(chapter)
    page = _open(browser, f"{deck_server}/{chapter}.slides.html", report)
    problems = []
    try:
        explorers = page.locator("[data-initlab-explorer]")
        assert explorers.count() >= MIN_EXPLORERS_PER_DECK, (
            f"{chapter}: {explorers.count()} kernel-free explorers in the deck, expected at least "
            f"{MIN_EXPLORERS_PER_DECK} (was it exported with --stored?)")
        for i in range(explorers.count()):
            root = explorers.nth(i)
            page.evaluate("hash => { location.hash = hash; }", page.evaluate(_SLIDE_OF, ["[data-initlab-explorer]", i]))
            root.wait_for(state="visible")
            image = root.locator("img.initlab-frame")
            before = image.get_attribute("src")
            slider = root.locator("input[type=range]")
            if slider.count():
                slider.first.focus()
                at_end = slider.first.input_value() == slider.first.get_attribute("max")
                page.keyboard.press("ArrowLeft" if at_end else "ArrowRight")
            else:
                select = root.locator("select").first
                options = select.locator("option").count()
                select.select_option(index=(select.evaluate("s => s.selectedIndex") + 1) % options)
            if image.get_attribute("src") == before:
                problems.append(f"explorer {i + 1} ({root.get_attribute('id')}): its control moved, its image did not")
        hash_after = page.evaluate("location.hash")
    finally:
        page.close()
    assert not problems, f"{chapter}: " + "; ".join(problems)
    assert hash_after != "#/", "the keyboard moved the slides instead of the slider"
    assert not report.console_errors and not report.page_errors, report.console_errors + report.page_errors


def test_assets_stay_small(decks):
    total = sum(p.stat().st_size for p in (decks / slides.ASSETS).rglob("*") if p.is_file())
    assert total < MAX_ASSETS_BYTES, f"assets/ holds {total / 1e6:.1f} MB (limit {MAX_ASSETS_BYTES / 1e6:.0f} MB)"


# ------------------------------------------------------------------------------ every slide fits its slide


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_slide_fits_its_slide(browser, decks, deck_server, chapter):
    """Each slide, horizontal and vertical, as a projector shows it: nothing below the bottom edge or past the
    right one, and no text under fit.MIN_FONT_PX."""
    page = browser.new_page()
    page.set_default_timeout(60_000)
    try:
        measured = fit.measure(page, f"{deck_server}/{chapter}.slides.html", slides.DECK_SIZE)
    finally:
        page.close()
    assert len(measured) > 10, f"{chapter}: only {len(measured)} slides measured"
    bad = fit.problems(measured)
    assert not bad, (f"{chapter}.slides.html: {len(bad)} of {len(measured)} slides do not fit 1280 x 800:\n  "
                     + "\n  ".join(slide.describe() for slide in bad))


# Once MathJax's startup and first typesetting are over, shows the slide of the deck's last formula, and counts
# the layouts MathJax has redone ("End Rerender") by the time what is queued after the slide change runs.
_REDONE_BEFORE_QUEUED = """
async () => {
  await new Promise((r) => MathJax.Hub.Register.StartupHook("End", () => { MathJax.Hub.Queue(() => { r(); }); }));
  const formulas = document.querySelectorAll('.mjx-chtml');
  const last = formulas[formulas.length - 1];
  let redone = 0;
  MathJax.Hub.Register.MessageHook("End Rerender", () => { redone += 1; });
  const slide = last.closest('.slides > section > section') || last.closest('.slides > section');
  const top = slide.parentElement.matches('.slides') ? slide : slide.parentElement;
  const h = [...top.parentElement.children].indexOf(top), v = top === slide ? 0 : [...top.children].indexOf(slide);
  location.hash = `#/${h}/${v}`;
  while (!slide.classList.contains('present')) await new Promise((r) => requestAnimationFrame(r));
  await new Promise((r) => MathJax.Hub.Queue(r));
  return [h, redone];
}
"""


def test_a_shown_slide_is_laid_out_before_it_is_measured(browser, decks, deck_server):
    """MathJax typesets hidden slides with no width to measure; the deck lays a slide's formulas out again when
    reveal.js shows it, through MathJax's queue, so that fit.measure (queued after it) measures what the room
    sees. Done outside the queue, the walk measured the layout of the hidden slide, or one half redone."""
    page = browser.new_page(viewport={"width": slides.DECK_SIZE[0], "height": slides.DECK_SIZE[1]})
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{deck_server}/{CHAPTERS[0]}.slides.html", wait_until="load")
        page.wait_for_selector(".reveal.ready", state="attached")
        h, redone = page.evaluate(_REDONE_BEFORE_QUEUED)
    finally:
        page.close()
    assert h > 0, "the deck's last formula is on its first slide: no slide change to test"
    assert redone >= 1, "the shown slide's formulas were laid out again only after what was queued behind it"


def test_the_fit_measurement_sees_overflow_and_small_text(browser, decks, tmp_path):
    """The measurement itself: a deck with a slide made too tall and too small to read is caught, by slide."""
    chapter = CHAPTERS[0]
    html = (decks / f"{chapter}.slides.html").read_text(encoding="utf-8")
    cell = '<div class="jp-Cell'
    assert cell in html
    spoiled = html.replace(cell, '<div style="height: 1500px">tall</div><p style="font-size: 12px">tiny</p>' + cell, 1)
    (tmp_path / "spoiled.slides.html").write_text(spoiled, encoding="utf-8")
    (tmp_path / slides.ASSETS).symlink_to((decks / slides.ASSETS).resolve())
    page = browser.new_page()
    page.set_default_timeout(60_000)
    try:
        measured = fit.measure(page, (tmp_path / "spoiled.slides.html").as_uri(), slides.DECK_SIZE)
    finally:
        page.close()
    bad = fit.problems(measured)
    assert len(bad) == 1 and bad[0].index == 1, [slide.describe() for slide in bad]
    assert bad[0].down >= 1500 - 800 and bad[0].small_font == 12


# ------------------------------------------------------------------------------------ decks in the site


def test_the_site_has_every_deck_and_links_it(site):
    """Each chapter's deck is in the built site, offered by its page and linked by its lesson plan."""
    problems = []
    for chapter in CHAPTERS:
        deck = f"slides/{chapter}.slides.html"
        if not (site / deck).is_file():
            problems.append(f"{deck} is not in the site")
        menu = BeautifulSoup((site / f"{chapter}.html").read_text(encoding="utf-8"), "html.parser").select_one(
            ".dropdown-download-buttons")
        offered = {a.get_text(strip=True): a["href"] for a in menu.select("a[href]")} if menu else {}
        if offered.get("slides") != deck:
            problems.append(f"{chapter}.html: the download menu offers {offered}, not slides: {deck}")
        plan = site / "instructors" / f"{chapter}.html"
        if plan.is_file() and f'href="../{deck}"' not in plan.read_text(encoding="utf-8"):
            problems.append(f"instructors/{chapter}.html does not link ../{deck}")
    if not (site / "slides" / slides.ASSETS / "reveal.js" / "dist" / "reveal.js").is_file():
        problems.append("slides/assets/ is not in the site")
    assert not problems, "\n".join(problems)
