"""The built site in a real browser: clean pages, typeset math, working kernel-free explorers, and
not a single request to another host.

Needs a built site (`make book`) and a Chromium (`make chromium`); `make browser` does both checks.
Each page is loaded once per session (see conftest.Visitor); the tests read what was recorded.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from sitecheck import (
    BOOK,
    PageReport,
    chapter_pages,
    exercise_explorers,
    redirect_target,
    toc_files,
    watch,
)

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


def test_every_explorer_responds_to_every_control(visitor, pages):
    reports = _reports(visitor, pages)
    problems = [f"{report.page}: {problem}" for report in reports for problem in report.explorer_problems]
    _fail_if(problems, "kernel-free explorers that do not work")
    explorers = sum(report.explorers for report in reports)
    moves = sum(report.explorer_moves for report in reports)
    if explorers:
        assert moves >= explorers, f"{explorers} explorers but only {moves} control moves were checked"


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


def test_chapter_sources_exist():
    """The chapter list comes from _toc.yml; make sure it points at real notebooks in book/."""
    names = toc_files()
    assert names, "_toc.yml lists nothing"
    missing = [name for name in names if not any((BOOK / f"{name}{ext}").is_file() for ext in (".ipynb", ".md"))]
    assert not missing, f"_toc.yml entries without a source in book/: {missing}"
