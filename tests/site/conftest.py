"""Fixtures for the browser tests of the built site (book/_build/html).

One Chromium for the whole session (Debian's `chromium` through Playwright's `executable_path`, or
Playwright's own build where there is none: see tools/find_chromium.py), and the site served by a
local http.server on 127.0.0.1. The helpers live in sitecheck.py, which tools/bench.py shares.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sitecheck


@pytest.fixture(scope="session")
def site() -> Path:
    if not (sitecheck.SITE / "index.html").is_file():
        pytest.fail(
            f"The site has not been built: {sitecheck.SITE}/index.html is missing. "
            "Build it first with `make book` (or `python -m tools.build_book`).",
            pytrace=False,
        )
    return sitecheck.SITE


@pytest.fixture(scope="session")
def pages(site: Path) -> list[str]:
    """Every page of the built site, discovered on disk."""
    found = sitecheck.pages(site)
    if not found:
        pytest.fail(f"no HTML pages found in {site}", pytrace=False)
    return found


@pytest.fixture(scope="session")
def server(site: Path):
    """Base URL (no trailing slash) of the built site served over http from 127.0.0.1."""
    with sitecheck.serve(site) as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import Error as PlaywrightError

    from tools.find_chromium import NotFound

    try:
        with sitecheck.browser() as instance:
            yield instance
    except NotFound as err:
        pytest.fail(str(err), pytrace=False)
    except PlaywrightError as err:
        pytest.fail(f"cannot launch Chromium: {err}", pytrace=False)


@pytest.fixture(scope="session")
def visitor(browser, server):
    """Loads each page at most once per session and returns what was recorded (sitecheck.PageReport)."""
    visitor = sitecheck.Visitor(browser, server)
    yield visitor
    visitor.close()
