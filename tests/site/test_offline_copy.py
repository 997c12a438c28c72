"""The offline copy: the whole built site as one zip, linked from the how-to page, that works unpacked anywhere
(a USB stick) over file:// with no request leaving the machine."""

from __future__ import annotations

import sys
import zipfile
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from sitecheck import BOOK, PageReport, chapter_pages, exercise_explorers, watch

sys.path.insert(0, str(BOOK / "_ext"))
import offline_copy  # noqa: E402
import release  # noqa: E402

ZIP = f"{offline_copy.FOLDER}/{offline_copy.NAME}"


@pytest.fixture(scope="module")
def unpacked(site, tmp_path_factory):
    archive = site / ZIP
    assert archive.is_file(), f"{ZIP} is missing from the built site"
    target = tmp_path_factory.mktemp("usb-stick")
    with zipfile.ZipFile(archive) as z:
        names = z.namelist()
        z.extractall(target)
    return target / f"weight-initialization-{release.version()}", names


def test_the_how_to_page_links_the_zip(site):
    soup = BeautifulSoup((site / "how_to_use.html").read_text(encoding="utf-8"), "html.parser")
    assert soup.select_one(f'a[href="{ZIP}"]') is not None, f"how_to_use.html does not link {ZIP}"


def test_the_zip_holds_the_whole_site_but_not_itself(site, unpacked):
    top, names = unpacked
    prefix = f"weight-initialization-{release.version()}/"
    assert all(name.startswith(prefix) for name in names)
    packed = {name.removeprefix(prefix) for name in names}
    built = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file() and p != site / ZIP}
    assert packed == built, f"missing: {sorted(built - packed)[:5]}, extra: {sorted(packed - built)[:5]}"
    for chapter in chapter_pages():
        stem = chapter.removesuffix(".html")
        for needed in (chapter, f"slides/{stem}.slides.html", f"notebooks/{stem}.student.ipynb"):
            assert needed in packed, f"the zip lacks {needed}"
    assert any(name.startswith("_static/mathjax/") for name in packed), "the zip lacks MathJax"
    assert "downloads/weight-initialization.pdf" in packed, "the zip lacks the book's PDF"
    assert any(name.startswith("downloads/handouts/") and name.endswith(".pdf") for name in packed), \
        "the zip lacks the handouts' PDFs"


def test_the_unpacked_copy_works_from_file_url_with_no_network(browser, unpacked):
    top, _ = unpacked
    chapter = chapter_pages()[0]
    report = PageReport(f"{chapter} (unpacked zip, file://)")
    context = browser.new_context()
    page = context.new_page()
    watch(page, report)
    try:
        page.goto((top / "index.html").as_uri(), wait_until="load")
        page.wait_for_url(lambda url: not url.endswith("/index.html"), timeout=10_000)  # its redirect to the root page
        assert page.url.startswith((top / "").as_uri()), page.url
        page.goto((top / chapter).as_uri(), wait_until="load")
        exercise_explorers(page, report)
        typeset = page.evaluate("() => document.querySelectorAll('mjx-container').length")
    finally:
        context.close()
    assert typeset > 0, "no formula typeset from the unpacked copy"
    assert report.explorers, f"{chapter} has no explorer to try"
    assert not report.explorer_problems and not report.page_errors and not report.console_errors, (
        report.explorer_problems + report.page_errors + report.console_errors)
    leaving = [url for url in report.requests if urlsplit(url).scheme not in ("file", "data", "blob", "about")]
    assert not leaving, f"requests that are not file: or data: {leaving[:5]}"
