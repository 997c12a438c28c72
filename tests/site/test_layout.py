"""Nothing on a chapter page is wider than its column at 1366 x 900, and every local link leads somewhere.

* At 1366 x 900 (a common laptop screen), on every page of _toc.yml, with every dropdown and collapsed cell
  opened (a reader opens them), no code cell's input, no cell output (printed tables) and no display formula is wider than the
  box it sits in: a wider code line scrolls sideways, and a formula wider than the column is cut off at
  the right edge with no sign that it scrolls. Each offender is named by page, kind and a snippet.
* Every link of every page of the built site to a page of the site, or to an anchor, exists: the file is
  there and the #id is an element of it (read from the HTML the build wrote).
"""

from __future__ import annotations

import html.parser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from sitecheck import EXTERNAL_URL, toc_files

# Every page of _toc.yml: the chapters' code and tables, and the display formulas of every page (notation too).
CHAPTERS = [f"{name}.html" for name in toc_files()]
VIEWPORT = {"width": 1366, "height": 900}
TOLERANCE_PX = 1  # sub-pixel rounding

# Open everything a reader can open, wait for MathJax, then measure. A box "overflows" when its content is
# wider than the box shows; a display formula when its typeset width is wider than its container.
_MEASURE = """
async () => {
  document.querySelectorAll('details').forEach((d) => { d.open = true; });
  document.querySelectorAll('.toggle-hidden').forEach((e) => e.classList.remove('toggle-hidden'));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  const found = [];
  const shown = (el) => el.getClientRects().length > 0 && el.clientWidth > 0;
  const snippet = (text) => text.replace(/\\s+/g, ' ').trim().slice(0, 70);
  const add = (kind, el, text, content, box) => found.push({kind, text: snippet(text), content: Math.round(content),
                                                           box: Math.round(box)});
  for (const pre of document.querySelectorAll('.bd-content div.cell_input pre')) {
    if (!shown(pre)) continue;
    if (pre.scrollWidth > pre.clientWidth + %(tol)d) {
      const longest = pre.textContent.split('\\n').reduce((a, b) => (b.length > a.length ? b : a), '');
      add('code cell input', pre, longest, pre.scrollWidth, pre.clientWidth);
    }
  }
  for (const output of document.querySelectorAll('.bd-content div.cell_output > div.output, .bd-content div.cell_output > .output')) {
    if (!shown(output)) continue;
    const boxes = [output, ...output.querySelectorAll('pre, table, .highlight')];
    for (const box of boxes) {
      if (!shown(box)) continue;
      if (box.scrollWidth > box.clientWidth + %(tol)d) {
        const longest = box.textContent.split('\\n').reduce((a, b) => (b.length > a.length ? b : a), '');
        add('cell output', box, longest, box.scrollWidth, box.clientWidth);
        break;
      }
    }
  }
  const items = (window.MathJax && MathJax.startup && MathJax.startup.document) ?
    Array.from(MathJax.startup.document.math) : [];
  for (const container of document.querySelectorAll('.bd-content mjx-container[display="true"]')) {
    if (!shown(container)) continue;
    const math = container.querySelector('mjx-math') || container;
    const width = math.getBoundingClientRect().width;
    const box = container.parentElement.clientWidth;
    if (width > box + %(tol)d) {
      const item = items.find((i) => i.typesetRoot === container);
      add('display formula', container, item ? item.math : container.textContent, width, box);
    }
  }
  return found;
}
""" % {"tol": TOLERANCE_PX}


@pytest.fixture(scope="module")
def wide_things(browser, server, site):
    """Everything too wide, per chapter page, at 1366 x 900."""
    context = browser.new_context(viewport=VIEWPORT)
    found = {}
    try:
        page = context.new_page()
        page.route(EXTERNAL_URL, lambda route: route.abort())
        for page_path in CHAPTERS:
            if not (site / page_path).is_file():
                continue  # test_site.py's test_every_toc_entry_is_a_built_page names it
            page.goto(f"{server}/{page_path}", wait_until="load")
            found[page_path] = page.evaluate(_MEASURE)
    finally:
        context.close()
    return found


@pytest.mark.parametrize("kind", ["code cell input", "cell output", "display formula"])
def test_nothing_is_wider_than_its_column_at_1366(wide_things, kind):
    offenders = [f"{page}: {kind} {w['content']} px in {w['box']} px: {w['text']!r}"
                 for page, items in wide_things.items() for w in items if w["kind"] == kind]
    assert not offenders, (f"{len(offenders)} {kind}(s) wider than their column at 1366 px (they scroll "
                           "sideways or are cut off):\n  " + "\n  ".join(offenders))


def test_the_measurement_sees_the_chapters(wide_things):
    """Guard against a vacuous pass: every chapter page was measured."""
    chapters = {f"{name}.html" for name in toc_files() if name[:2].isdigit()}
    assert chapters and chapters <= set(wide_things)


# ------------------------------------------------------------------------------------------ local links


class _Anchors(html.parser.HTMLParser):
    """The ids (and old-style <a name>) of a page, and the href of every link on it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.links = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        if tag in ("a", "area") and attrs.get("href") is not None:
            self.links.append(attrs["href"])


def _parse(path: Path) -> _Anchors:
    parser = _Anchors()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser


def test_every_local_link_leads_to_a_page_and_anchor_that_exist(site, pages):
    parsed: dict[Path, _Anchors] = {}

    def anchors(path: Path) -> _Anchors:
        if path not in parsed:
            parsed[path] = _parse(path)
        return parsed[path]

    broken, checked = [], 0
    # Sphinx's own pages (search, genindex, prf index) have links too: check every HTML file the build wrote.
    every_page = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                        if not any(part.startswith("_") for part in p.relative_to(site).parts[:-1]))
    for page_path in every_page:
        here = site / page_path
        for href in anchors(here).links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("mailto:", "javascript:", "data:")):
                continue  # not a page of this site
            checked += 1
            target = here if not parts.path else (here.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page_path}: {href!r} -> no file {target}")
                continue
            fragment = unquote(parts.fragment)
            if fragment and target.suffix == ".html" and fragment not in anchors(target).ids:
                broken.append(f"{page_path}: {href!r} -> {target.name} has no id {fragment!r}")
    assert checked > 100, f"only {checked} local links found: is the site complete?"
    assert not broken, f"{len(broken)} local links lead nowhere:\n  " + "\n  ".join(broken)
