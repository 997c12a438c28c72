"""tools/book_pdf.py: which pages go into the book's PDF, and the one document they are printed from.

The printing itself (Chromium) is tested on the built site, in tests/site/test_pdf.py."""

from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from tools import book_pdf

ROOT = Path(__file__).resolve().parents[2]

PAGE = """<html><head><title>{title} — The Book</title></head><body>
<div class="bd-sidebar-primary">navigation</div>
<article class="bd-article">{body}</article></body></html>"""

ONE = """<section id="first"><h1><span class="section-number">1. </span>First chapter<a class="headerlink" href="#first">#</a></h1>
<section id="exercises"><h2>Exercises</h2><p><a href="#exercises">here</a>, <a href="two.html#exercises">there</a>,
<a href="two.html">the next page</a>, <a href="instructors/one.html">the lesson plan</a>,
<a href="https://example.com/x">elsewhere</a></p>
<div class="initlab-explorer"><label for="depth">depth</label><input id="depth"><output for="depth exercises">3</output>
<img src="_images/a.png"></div>
</section></section>"""

TWO = """<section id="second"><h1>Glossary<a class="headerlink" href="#second">#</a></h1>
<section id="exercises"><h2>Exercises</h2><p><a href="one.html#first">back</a></p></section></section>"""


@pytest.fixture
def site(tmp_path):
    (tmp_path / "one.html").write_text(PAGE.format(title="1. First chapter", body=ONE), encoding="utf-8")
    (tmp_path / "two.html").write_text(PAGE.format(title="Glossary", body=TWO), encoding="utf-8")
    return tmp_path


def test_the_pdf_holds_every_page_of_the_toc_but_the_instructors_in_order():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    pages = book_pdf.pages()
    assert pages[0] == toc["root"]
    chapters = [entry["file"] for part in toc["parts"] if part.get("numbered") for entry in part["chapters"]]
    assert chapters and [p for p in pages if p in chapters] == chapters
    assert "glossary" in pages and "references" in pages
    assert not [p for p in pages if p.startswith("instructors")]
    assert len(pages) == len(set(pages))


def test_pages_below_the_top_level_are_refused(tmp_path):
    toc = tmp_path / "_toc.yml"
    toc.write_text("root: intro\nparts:\n  - caption: Chapters\n    chapters:\n      - file: part/one\n")
    with pytest.raises(ValueError, match="top level.*part/one"):
        book_pdf.pages(toc)


def test_the_site_url_comes_from_the_config_and_must_be_set(tmp_path):
    assert book_pdf.site_url().startswith("https://") and book_pdf.site_url().endswith("/")
    config = tmp_path / "_config.yml"
    config.write_text("html:\n  use_repository_button: true\n")
    with pytest.raises(ValueError, match="html.baseurl"):
        book_pdf.site_url(config)


def test_a_missing_page_says_which(site):
    with pytest.raises(FileNotFoundError, match="no page 'three'"):
        book_pdf.document(site, ["one", "three"], "https://book.example/")


def test_the_document_has_a_title_page_contents_and_every_page_once(site):
    html = book_pdf.document(site, ["one", "two"], "https://book.example/", {"one": 3, "two": 7}, "1.2.3", "2026-12-07")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.select_one(".bd-sidebar-primary") is not None  # the page's frame stays; print CSS hides it
    title = soup.select_one(".pdf-title").get_text(" ")
    assert "Version 1.2.3" in title and "2026-12-07" in title and "https://book.example/" in title
    rows = [[td.get_text(" ", strip=True) for td in row.select("td")] for row in soup.select(".pdf-toc tr")]
    assert rows == [["1. First chapter", "3"], ["Glossary", "7"]]
    assert [a["href"] for a in soup.select(".pdf-toc a")] == ["#pdf-one", "#pdf-two"]
    parts = soup.select("section.pdf-part[id^=pdf-]")
    assert [p["id"] for p in parts] == ["pdf-one", "pdf-two"]


def test_contents_without_page_numbers_keep_room_for_them(site):
    soup = BeautifulSoup(book_pdf.document(site, ["one", "two"], "https://book.example/"), "html.parser")
    assert [td.get_text() for td in soup.select(".pdf-toc td.pdf-page")] == ["000", "000"]


def test_ids_two_pages_share_are_made_unique_and_links_follow(site):
    soup = BeautifulSoup(book_pdf.document(site, ["one", "two"], "https://book.example/"), "html.parser")
    ids = [element["id"] for element in soup.select("article [id]")]
    assert len(ids) == len(set(ids))
    assert {"one--exercises", "two--exercises", "first", "second", "depth"} <= set(ids)
    hrefs = [a["href"] for a in soup.select("#pdf-one a[href]") if "headerlink" not in a.get("class", [])]
    assert hrefs[:5] == ["#one--exercises", "#two--exercises", "#pdf-two",
                         "https://book.example/instructors/one.html", "https://example.com/x"]
    assert soup.select_one("#pdf-two a")["href"] != "one.html#first"
    assert [a["href"] for a in soup.select("#pdf-two p a")] == ["#first"]
    assert soup.select_one("label")["for"] == "depth"
    assert soup.select_one("output")["for"] == ["depth", "one--exercises"]  # a list attribute (bs4), renamed too


def test_an_explorer_gets_a_line_saying_where_to_move_it(site):
    soup = BeautifulSoup(book_pdf.document(site, ["one", "two"], "https://book.example/"), "html.parser")
    note = soup.select_one(".initlab-explorer + p.pdf-note")
    assert note is not None and "starting setting" in note.get_text()
    assert note.a["href"] == "https://book.example/one.html#exercises"
