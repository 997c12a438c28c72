"""The whole book as one PDF, printed by the browser the tests already drive.

    python -m tools.book_pdf SITE [OUT]   # SITE: a built site (book/_build/html); OUT: where to write the PDF

The build calls :func:`write` when the site is written (book/_ext/book_pdf.py), so the PDF comes with every
`make book` as ``downloads/weight-initialization.pdf``.

Why the browser, not LaTeX: the pages are HTML that the build has already made, with their tables, quizzes,
pre-rendered explorers and MathJax; Chromium prints exactly what the reader sees, typesets the math with the
same MathJax and needs nothing beyond what the browser tests install (Debian's chromium, Playwright).
Sphinx's LaTeX route would need a TeX distribution (gigabytes from apt), re-render every notebook output
through LaTeX and drop the explorers, quizzes and styled tables.

How: the pages of the book, every part of ``_toc.yml`` but the instructors', are put in their order into one
HTML document next to the site's pages (so every image, stylesheet and script resolves as on the site),
after a title page and a table of contents. Ids that two pages share are made unique and every link
between included pages points inside the document; links to the rest of the site point at the published
site. Explorers keep the frame they start with and get a line saying where to move them online; check
cells, solutions and buttons stay online. Chromium loads the document from ``file://``, MathJax typesets
it, and it is printed on A4 with page numbers, tagged, with bookmarks. It is printed twice: the first
print tells on which page each part starts (Chromium keeps every internal link's target as a named
destination), the second puts those numbers into the table of contents, and is checked to start every
part on the same page (if not, it is printed again with the new numbers).
"""

from __future__ import annotations

import argparse
import datetime
import re
import sys
import time
from pathlib import Path

import yaml
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]
NAME = "weight-initialization.pdf"
INSTRUCTORS = "Teaching with this book"
PRINT_DOCUMENT = "_book-print.html"  # written next to the pages, removed once printed
PRINTS = 4
PART_PREFIX = "pdf-"
# How long a page may take to load, and then to typeset its math, on a busy machine (Playwright's default is 30 s).
LOAD_TIMEOUT_MS = 180_000
MARGIN = {"top": "16mm", "bottom": "18mm", "left": "16mm", "right": "16mm"}
FOOTER = ('<div style="width:100%;font-size:8px;color:#555;text-align:center;font-family:sans-serif">'
          '<span class="pageNumber"></span></div>')
# MathJax has started (or the page loads none): its startup promise resolves once the page is typeset.
TYPESET = ("!document.querySelector('script[src*=\"mathjax\"]') "
           "|| !!(window.MathJax && MathJax.startup && MathJax.startup.promise)")
# The pages' images load when the reader nears them (book/_ext/lazy_images.py); a page printed loads them all.
LOAD_IMAGES = """() => Promise.all([...document.images].map((img) => {
    img.loading = 'eager';
    return img.complete ? null : new Promise((done) => {
        img.addEventListener('load', done, {once: true});
        img.addEventListener('error', done, {once: true});
    });
}))"""
ID_REFERENCES = ("for", "aria-labelledby", "aria-describedby", "aria-controls")

STYLE = """
@media print {
  .pdf-part { break-before: page; }
  .pdf-title { text-align: center; padding-top: 30vh; }
  .pdf-title h1 { font-size: 2.4em; margin-bottom: .5em; }
  .pdf-toc table { width: 100%; border: none; }
  .pdf-toc td { border: none !important; padding: .15em 0 !important; background: none !important; }
  .pdf-toc td.pdf-page { text-align: right; width: 3em; }
  .pdf-toc tr.pdf-numbered td:first-child { font-weight: 600; }
  .pdf-note { font-size: .85em; font-style: italic; color: #444; margin-top: -.5em; }
  /* The theme hides each page's first h1 for its own print title; here every part keeps its own. */
  .bd-main .bd-content .bd-article h1:first-of-type { display: block; }
  .bd-main .bd-content .bd-article h1 { text-align: left; font-size: 2em; margin-top: 0; }
  #jb-print-docs-body, #jb-print-toc, .bd-header, .bd-header-article, .bd-sidebar-primary,
  .bd-sidebar-secondary, .prev-next-area, .bd-footer-article, .bd-footer, .bd-footer-content,
  .initlab-controls, .tag_check, a.headerlink, .toggle-button, .pdf-hidden { display: none !important; }
  .bd-main .bd-content { margin-left: 0; }
  .bd-article-container, .bd-page-width { max-width: none !important; }
  div.highlight pre, .cell_output pre { white-space: pre-wrap; font-size: 7.5pt; line-height: 1.25; }
  div.solution > :not(.admonition-title) { display: none !important; }
  div.solution > .admonition-title::after { content: " (on the book's site)"; font-weight: normal; }
  figure, img, table, .cell_output { break-inside: avoid; }
  img { max-width: 100% !important; height: auto; }
}
"""


def pages(toc_file: Path = ROOT / "_toc.yml") -> list[str]:
    """The pages of the PDF, in the book's order: the root, then every part of _toc.yml but the instructors'."""
    toc = yaml.safe_load(toc_file.read_text(encoding="utf-8"))
    found = [toc["root"]]

    def walk(entries):
        for entry in entries:
            found.append(entry["file"])
            walk(entry.get("sections", []))

    for part in toc.get("parts", []):
        if part.get("caption") != INSTRUCTORS:
            walk(part.get("chapters", []))
    nested = [page for page in found if "/" in page]
    if nested:
        # Every page of the PDF sits at the site's top level, so relative links and images resolve the same.
        raise ValueError(f"pages of the PDF must be at the top level of book/, got {', '.join(nested)}")
    return found


def site_url(config_file: Path = ROOT / "_config.yml") -> str:
    """The published site, where readers move the explorers (``html.baseurl`` of _config.yml)."""
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    url = (config.get("html") or {}).get("baseurl", "")
    if not url:
        raise ValueError("_config.yml: html.baseurl (the published site) must be set for the PDF's links")
    return url if url.endswith("/") else url + "/"


def _article(site: Path, page: str):
    path = site / f"{page}.html"
    if not path.exists():
        raise FileNotFoundError(f"{path}: the site has no page {page!r}; build the book first")
    article = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").select_one("article.bd-article")
    if article is None:
        raise ValueError(f"{path}: no <article class='bd-article'>")
    return article


def _title(article) -> tuple[str, str]:
    """(number, title) of a page's first heading: ("3.", "Activations ...") or ("", "Glossary")."""
    heading = article.find("h1")
    number = heading.find("span", class_="section-number")
    texts = [t for t in heading.find_all(string=True) if not t.find_parent("a", class_="headerlink")]
    text = " ".join("".join(texts).split())
    shown_number = " ".join(number.get_text().split()) if number else ""
    return shown_number, text[len(shown_number):].strip() if shown_number else text


def _unique_ids(articles: dict) -> dict[str, set[str]]:
    """For each page, the ids of its article that another page also uses (they get the page as prefix)."""
    owners: dict[str, set[str]] = {}
    for page, article in articles.items():
        for element in article.select("[id]"):
            owners.setdefault(element["id"], set()).add(page)
    return {page: {i for i, where in owners.items() if page in where and len(where) > 1} for page in articles}


def _target(page: str, anchor: str, renamed: dict[str, set[str]]) -> str:
    if not anchor:
        return f"{PART_PREFIX}{page}"
    return f"{page}--{anchor}" if anchor in renamed[page] else anchor


def _relink(page: str, article, renamed: dict[str, set[str]], url: str) -> None:
    for element in article.select("[id]"):
        if element["id"] in renamed[page]:
            element["id"] = f"{page}--{element['id']}"
    for attribute in ID_REFERENCES:
        for element in article.select(f"[{attribute}]"):
            value = element[attribute]  # a list where HTML makes it one (<output for="a b">), else a string
            ids = [_target(page, i, renamed) if i in renamed[page] else i
                   for i in (value if isinstance(value, list) else value.split())]
            element[attribute] = ids if isinstance(value, list) else " ".join(ids)
    for link in article.select("a[href]"):
        href = link["href"]
        if re.match(r"^[a-z]+:", href):
            continue
        file, _, anchor = href.partition("#")
        other = file[:-len(".html")] if file.endswith(".html") else (page if not file else None)
        if other in renamed:
            link["href"] = "#" + _target(other, anchor, renamed)
        else:  # a page, deck or notebook the PDF leaves out: on the published site
            link["href"] = url + href


def _note_explorers(page: str, article, url: str) -> None:
    for explorer in article.select(".initlab-explorer"):
        section = explorer.find_parent("section", id=True)
        where = f"{url}{page}.html" + (f"#{section['id']}" if section else "")
        note = BeautifulSoup(
            f'<p class="pdf-note">An interactive figure, shown at its starting setting: move its controls on the '
            f'book\'s site, <a href="{where}">{where}</a>, or in the chapter\'s notebook.</p>', "html.parser")
        explorer.insert_after(note)


def document(site: Path, page_list: list[str], url: str, page_numbers: dict[str, int] | None = None,
             version: str = "", date: str = "") -> str:
    """The print document: title page, contents (with page numbers when known), then every page's article."""
    articles = {page: _article(site, page) for page in page_list}
    titles = {page: _title(article) for page, article in articles.items()}
    renamed = _unique_ids(articles)
    shell = BeautifulSoup((site / f"{page_list[0]}.html").read_text(encoding="utf-8"), "html.parser")
    style = shell.new_tag("style")
    style.string = STYLE
    shell.head.append(style)
    book_title = shell.title.get_text().split("—")[-1].strip() if shell.title else "The book"

    rows = []
    for page in page_list:
        number, title = titles[page]
        shown = (page_numbers or {}).get(page)
        rows.append(f'<tr class="{"pdf-numbered" if number else ""}"><td><a href="#{PART_PREFIX}{page}">'
                    f'{number} {title}</a></td><td class="pdf-page">{shown if shown else "000"}</td></tr>')
    front = BeautifulSoup(
        f'<section class="pdf-title"><h1>{book_title}</h1><p>The Weight Initialization course authors</p>'
        f'<p>Version {version}{", printed " + date if date else ""}</p>'
        f'<p>Online, with live figures, slides and notebooks: <a href="{url}">{url}</a></p>'
        '<p>Text and figures under CC BY 4.0, code under the MIT licence.</p></section>'
        f'<section class="pdf-part pdf-toc"><h2>Contents</h2><table>{"".join(rows)}</table>'
        '<p class="pdf-note">Checks, solutions and live controls stay on the site; each interactive figure '
        'is shown at its starting setting.</p></section>', "html.parser")

    body = shell.select_one("article.bd-article")
    body.clear()
    body.append(front)
    for page, article in articles.items():
        _note_explorers(page, article, url)  # first: it links the site's own ids
        _relink(page, article, renamed, url)
        part = shell.new_tag("section", attrs={"class": "pdf-part", "id": f"{PART_PREFIX}{page}"})
        part.extend(list(article.children))
        body.append(part)
    return str(shell)


def settle(page) -> None:
    """Wait until the page is drawn for good: its math typeset, its images and fonts loaded, and its height unchanged
    for a second (the quizzes draw themselves, and typeset their math, after the page's own MathJax run)."""
    page.wait_for_function(TYPESET, timeout=LOAD_TIMEOUT_MS)
    page.evaluate("window.MathJax && MathJax.startup ? MathJax.startup.promise.then(() => true) : true")
    page.evaluate(LOAD_IMAGES)
    page.evaluate("document.fonts.ready.then(() => true)")
    page.emulate_media(media="print")
    page.wait_for_function("""() => {
        const h = document.documentElement.scrollHeight, w = window;
        if (w.__height !== h) { w.__height = h; w.__since = performance.now(); return false; }
        return performance.now() - w.__since > 1000;
    }""", polling=250, timeout=120_000)


def _print(browser, html: Path, target: Path, numbered: bool = True) -> bytes:
    """Print one page of the site, once it is drawn for good, to ``target`` (A4, tagged, with bookmarks)."""
    page = browser.new_page()
    try:
        # The whole book is one document of some 340 pages: on a machine busy with the tests (`make test` builds
        # alongside them) loading it has taken more than 30 s.
        page.goto(html.as_uri(), wait_until="load", timeout=LOAD_TIMEOUT_MS)
        settle(page)
        numbers = {"display_header_footer": True, "header_template": "<span></span>", "footer_template": FOOTER}
        return page.pdf(path=str(target), format="A4", margin=MARGIN, print_background=True, outline=True,
                        tagged=True, **(numbers if numbered else {}))
    finally:
        page.close()


def print_pages(pages: list[tuple[Path, Path]], executable_path: str | None = None) -> list[int]:
    """Print each ``(html, pdf)`` of ``pages`` as the reader's browser would (print stylesheet, A4); return the
    number of pages of each PDF."""
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader

    counts = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable_path)
        try:
            for html, target in pages:
                target.parent.mkdir(parents=True, exist_ok=True)
                _print(browser, html, target, numbered=False)
                counts.append(len(PdfReader(str(target)).pages))
        finally:
            browser.close()
    return counts


def start_pages(reader, page_list: list[str]) -> dict[str, int]:
    """The page (from 1) on which each part starts in a PDF (a pypdf ``PdfReader``), from its named destinations."""
    found = {}
    for name, destination in reader.named_destinations.items():
        name = name.lstrip("/")  # a PDF name object, /pdf-intro
        if name.startswith(PART_PREFIX) and name[len(PART_PREFIX):] in page_list:
            found[name[len(PART_PREFIX):]] = reader.get_destination_page_number(destination) + 1
    missing = [page for page in page_list if page not in found]
    if missing:
        raise RuntimeError(f"the PDF has no named destination for {', '.join(missing)}")
    return found


def write(site: Path, target: Path, version: str = "", executable_path: str | None = None) -> dict:
    """Print the book in ``site`` to ``target``; return what was printed (pages, parts' start pages, seconds)."""
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader

    start = time.perf_counter()
    page_list = pages()
    url = site_url()
    date = datetime.date.today().isoformat()
    html = site / PRINT_DOCUMENT
    target.parent.mkdir(parents=True, exist_ok=True)
    numbers = None
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable_path)
            try:
                # Contents without page numbers first, then with those of the last print, until they agree
                # (the second print, unless the numbers moved a line).
                for prints in range(1, PRINTS + 1):
                    html.write_text(document(site, page_list, url, numbers, version, date), encoding="utf-8")
                    _print(browser, html, target)
                    printed = start_pages(PdfReader(str(target)), page_list)
                    if printed == numbers:
                        break
                    numbers = printed
                else:
                    raise RuntimeError(f"{target}: the parts' pages kept moving over {PRINTS} prints: {numbers}")
            finally:
                browser.close()
    finally:
        html.unlink(missing_ok=True)
    reader = PdfReader(str(target))
    return {"pages": len(reader.pages), "starts": numbers, "bytes": target.stat().st_size, "prints": prints,
            "seconds": time.perf_counter() - start}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("out", type=Path, nargs="?")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    from release import version
    from tools.find_chromium import find

    out = args.out or args.site / "downloads" / NAME
    report = write(args.site, out, version=version(), executable_path=find().executable_path)
    print(f"{out}: {report['pages']} pages, {report['bytes'] / 1e6:.1f} MB, {report['prints']} prints, "
          f"{report['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
