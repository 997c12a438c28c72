"""Fixtures for the browser tests of the built site (book/_build/html).

One Chromium for the whole session (Debian's `chromium` through Playwright's `executable_path`, or
Playwright's own build where there is none: see tools/find_chromium.py), and the site served by a
local http.server on 127.0.0.1.
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest
from sitecheck import CHROMIUM_ARGS, LOCAL_HOST, ROOT, SITE, Visitor, site_pages


@pytest.fixture(scope="session")
def site() -> Path:
    if not (SITE / "index.html").is_file():
        pytest.fail(
            f"The site has not been built: {SITE.relative_to(ROOT)}/index.html is missing. "
            "Build it first with `make book` (or `python -m tools.build_book`).",
            pytrace=False,
        )
    return SITE


@pytest.fixture(scope="session")
def pages(site: Path) -> list[str]:
    """Every page of the built site, discovered on disk."""
    found = site_pages(site)
    if not found:
        pytest.fail(f"no HTML pages found in {SITE.relative_to(ROOT)}", pytrace=False)
    return found


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass


@pytest.fixture(scope="session")
def server(site: Path):
    """Base URL of the built site served over http from 127.0.0.1 (a free port)."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer((LOCAL_HOST, 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://{LOCAL_HOST}:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    from tools.find_chromium import NotFound, find

    try:
        chromium = find()  # before sync_playwright(): find() may start a Playwright of its own
    except NotFound as err:
        pytest.fail(f"{err}. (`make chromium` does this for you.)", pytrace=False)
    with sync_playwright() as playwright:
        try:
            instance = playwright.chromium.launch(
                executable_path=chromium.executable_path, args=CHROMIUM_ARGS, headless=True
            )
        except PlaywrightError as err:
            pytest.fail(f"cannot launch Chromium ({chromium.source}: {chromium.path}): {err}", pytrace=False)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture(scope="session")
def visitor(browser, server):
    """Loads each page at most once per session and returns what was recorded (sitecheck.PageReport)."""
    visitor = Visitor(browser, server)
    yield visitor
    visitor.close()
