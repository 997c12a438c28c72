"""The book as a PDF and the handouts, as the build printed them (book/_ext/book_pdf.py, handouts.py).

The book's PDF is parsed: every part of it starts on the page its table of contents gives, under its title (and
its chapter number), with a bookmark; the math is typeset; each explorer carries its line saying where to move
it. Every page in it offers it in the download menu. Each handout is linked from its lesson plan, has a PDF of
one or two pages, and prints on one or two A4 and Letter pages from the browser with no sidebar or button.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from sitecheck import chapter_pages

from tools import book_pdf

PDF = f"downloads/{book_pdf.NAME}"
NOTE = "An interactive figure, shown at its starting setting"
CHAPTERS = [page.removesuffix(".html") for page in chapter_pages()]


def _flat(text: str) -> str:
    """Text with its whitespace made single spaces and its ligatures (the PDF's "ﬁ") as letters."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _squeezed(text: str) -> str:
    """Text without any whitespace: PDF text extraction and bookmarks break lines and drop spaces at will."""
    return re.sub(r"\s+", "", text)


def _title(site, page):
    """The page's first heading as the site shows it (with its chapter number), without the pilcrow."""
    heading = BeautifulSoup((site / f"{page}.html").read_text(encoding="utf-8"), "html.parser").select_one(
        "article.bd-article h1")
    for link in heading.select("a.headerlink"):
        link.decompose()
    return _flat(heading.get_text(" "))


@pytest.fixture(scope="module")
def reader(site):
    path = site / PDF
    assert path.is_file(), f"{PDF} is missing from the built site"
    return PdfReader(str(path))


@pytest.fixture(scope="module")
def texts(reader):
    return [_flat(page.extract_text() or "") for page in reader.pages]


@pytest.fixture(scope="module")
def starts(reader):
    return book_pdf.start_pages(reader, book_pdf.pages())


def test_every_part_starts_where_the_contents_say_under_its_title(site, reader, texts, starts):
    assert len(reader.pages) > 10 * len(CHAPTERS), f"{len(reader.pages)} pages for {len(CHAPTERS)} chapters"
    order = [starts[page] for page in book_pdf.pages()]
    assert order == sorted(order) and len(set(order)) == len(order), "parts out of order or on one page"
    contents = " ".join(texts[:order[0] - 1])
    for page in book_pdf.pages():
        title = _title(site, page)
        assert _squeezed(title) in _squeezed(texts[starts[page] - 1]), f"{page}: {title!r} not on page {starts[page]}"
        entry = r"\s*".join(map(re.escape, _squeezed(title))) + rf"\s+{starts[page]}(?!\d)"  # lines break anywhere
        assert re.search(entry, contents), f"{page}: the contents do not give page {starts[page]} for {title!r}"
    for page in CHAPTERS:
        assert re.match(r"\d+\. ", _title(site, page)), f"{page}: the chapter's title has no number"


def test_every_part_has_a_bookmark(site, reader):
    top = [_squeezed(_flat(item.title)) for item in reader.outline if not isinstance(item, list)]
    for page in book_pdf.pages():
        # Chromium's bookmarks leave out the section number and may repeat a line of a wrapped heading
        title = _squeezed(_title(site, page).split(". ", 1)[-1] if page in CHAPTERS else _title(site, page))
        assert any(title[:20] in entry for entry in top), f"no bookmark for {page}"


def test_the_math_is_typeset_and_every_explorer_says_where_to_move_it(site, texts):
    whole = " ".join(texts)
    assert "$$" not in whole and "\\frac" not in whole and "\\begin{" not in whole, "raw TeX in the PDF"
    explorers = sum(len(BeautifulSoup((site / f"{page}.html").read_text(encoding="utf-8"), "html.parser")
                        .select("article .initlab-explorer")) for page in book_pdf.pages())
    assert whole.count(NOTE) == explorers, f"{whole.count(NOTE)} notes for {explorers} explorers"


@pytest.mark.parametrize("page", book_pdf.pages())
def test_the_download_menu_opens_the_pdf_at_the_page(site, page):
    soup = BeautifulSoup((site / f"{page}.html").read_text(encoding="utf-8"), "html.parser")
    menu = soup.select_one(".dropdown-download-buttons")
    links = {a.get_text(strip=True): a["href"] for a in menu.select("a[href]")}
    assert links.get("book (PDF)") == f"{PDF}#{book_pdf.PART_PREFIX}{page}", links
    assert not menu.select('[onclick*="print"]'), f"{page}: the menu still prints the browser page"


def test_pages_outside_the_pdf_call_the_print_entry_what_it_does(site):
    soup = BeautifulSoup((site / "instructors" / "index.html").read_text(encoding="utf-8"), "html.parser")
    entries = [e.get_text(strip=True) for e in soup.select(".dropdown-download-buttons .btn")]
    assert "print" in entries and ".pdf" not in entries, entries


def test_the_how_to_page_links_the_pdf(site):
    soup = BeautifulSoup((site / "how_to_use.html").read_text(encoding="utf-8"), "html.parser")
    assert soup.select_one(f'article a[href="{PDF}"]') is not None


# ------------------------------------------------------------------------------------------------ handouts


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_lesson_plan_links_the_handout_and_its_pdf(site, chapter):
    plan = site / "instructors" / f"{chapter}.html"
    soup = BeautifulSoup(plan.read_text(encoding="utf-8"), "html.parser")
    page, pdf = soup.select_one("a.initlab-handout"), soup.select_one("a.initlab-handout-pdf")
    assert page is not None and pdf is not None, f"{plan.name}: no link to the handout"
    assert (plan.parent / page["href"]).resolve() == (site / "instructors" / "handouts" / f"{chapter}.html")
    target = (plan.parent / pdf["href"]).resolve()
    assert target == site / "downloads" / "handouts" / f"{chapter}.pdf" and target.is_file()
    assert 1 <= len(PdfReader(str(target)).pages) <= 2


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_handout_prints_on_one_or_two_pages_with_its_figure_and_no_chrome(site, browser, chapter):
    page = browser.new_page()
    try:
        page.goto((site / "instructors" / "handouts" / f"{chapter}.html").as_uri(), wait_until="load")
        book_pdf.settle(page)  # as the build prints it: typeset, fonts loaded, print media
        figure = page.locator("figure.initlab-handout-figure img")
        assert figure.count() == 1
        assert page.evaluate("img => img.complete && img.naturalWidth > 0", figure.element_handle())
        assert page.locator("figure.initlab-handout-figure figcaption").inner_text().startswith("Figure ")
        shown = page.evaluate("""() => [...document.querySelectorAll(
              '.bd-sidebar-primary, .bd-sidebar-secondary, .bd-header, .bd-header-article, .bd-footer-article,'
            + ' .prev-next-area, button, .dropdown')]
            .filter(e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden')
            .map(e => e.className || e.tagName)""")
        assert shown == [], f"printed with: {shown}"
        for paper in ("A4", "Letter"):
            printed = page.pdf(format=paper)
            pages = len(re.findall(rb"/Type\s*/Page[^s]", printed))
            assert 1 <= pages <= 2, f"{chapter}: {pages} {paper} pages"
    finally:
        page.close()
