"""What a reader downloads from a chapter page: the full notebook and a student version without solutions,
both made by the build; the student version runs top to bottom in a fresh kernel (read from the built site:
no browser needed)."""

from __future__ import annotations

import json
import re

import nbformat
import pytest
import sitecheck
from bs4 import BeautifulSoup
from nbclient import NotebookClient

from sitecheck import BOOK


def download_links(site, page):
    """{entry text: href} of the page's download menu."""
    soup = BeautifulSoup((site / page).read_text(encoding="utf-8"), "html.parser")
    menu = soup.select_one(".dropdown-download-buttons")
    assert menu is not None, f"{page}: no download menu"
    return {a.get_text(strip=True): a["href"] for a in menu.select("a[href]")}


@pytest.fixture(scope="module", params=sitecheck.notebook_pages(), ids=lambda page: page.removesuffix(".html"))
def downloads(request, site):
    page = request.param
    return page, BOOK / f"{page.removesuffix('.html')}.ipynb", download_links(site, page)


def test_the_full_notebook_is_the_books(downloads, site):
    page, source, links = downloads
    assert "notebook" in links, f"{page}: {links}"
    served = site / links["notebook"]
    assert served.is_file(), f"{page}: {links['notebook']} missing"
    assert json.loads(served.read_text(encoding="utf-8")) == json.loads(source.read_text(encoding="utf-8"))


def test_the_student_notebook_has_the_exercises_and_self_checks_but_no_solution(downloads, site):
    page, source, links = downloads
    assert "student notebook" in links, f"{page}: {links}"
    served = site / links["student notebook"]
    assert served.is_file(), f"{page}: {links['student notebook']} missing"
    student = nbformat.read(served, as_version=4)
    nbformat.validate(student)
    full = nbformat.read(source, as_version=4)
    text = "\n".join(cell.source for cell in student.cells)
    assert not re.search(r"\{solution", text), f"{page}: a solution is left"
    assert text.count("{exercise}") == "\n".join(c.source for c in full.cells).count("{exercise}")

    def self_checks(nb):
        return [c.source for c in nb.cells if "self-check" in c.metadata.get("tags", [])]

    assert self_checks(student) == self_checks(full)


def test_the_student_notebook_runs_top_to_bottom(downloads, site):
    page, _, links = downloads
    student = nbformat.read(site / links["student notebook"], as_version=4)
    # Where a reader runs it: next to initlab, as in a clone or on Binder.
    NotebookClient(student, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(BOOK)}}).execute()
    errors = [o for c in student.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{page}: {errors[0]['ename']}: {errors[0]['evalue']}"
