"""The whole book as a PDF in the site, ``downloads/weight-initialization.pdf``, and in every page's download menu.

When the site is written, tools.book_pdf prints the book's pages (all but the instructors') into one PDF with
Chromium, the browser the tests drive (see that module for why the browser, and how). On every page in the PDF,
the download menu's ".pdf" entry, which printed the browser page, becomes a link to the book's PDF opened at
that page (a named destination, ``#pdf-<page>``); on the other pages it is named "print", which is what it does.

Chromium is found as the tests find it (tools.find_chromium; ``make book`` installs Debian's). If it is missing
the build fails, saying how to install it, unless the configuration sets ``initlab_pdf = "optional"``
(``tools.build_book --chapter`` and ``--stored`` do): then no PDF is written and the build says so.
"""

import sys
import time
from pathlib import Path

from sphinx.util import logging

import download_menu
from release import version

ROOT = Path(__file__).resolve().parents[2]
FOLDER = "downloads"
MODES = ("required", "optional")
logger = logging.getLogger(__name__)


def printer():
    """tools.book_pdf (the repository root holds tools/)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tools import book_pdf

    return book_pdf


def chromium(app):
    """The browser to print with (Playwright's ``executable_path``), or False when there is none and that is
    allowed (the build then says so; without ``initlab_pdf = "optional"`` it is a warning, so ``-W`` fails)."""
    printer()
    from tools.find_chromium import NotFound, find

    try:
        return find().executable_path
    except NotFound as error:
        how = f"no Chromium to print with ({error}); `python -m tools.find_chromium --install` installs one"
        if app.config.initlab_pdf == "optional":
            logger.info(f"PDF: not written: {how}")
        else:
            logger.warning(f"PDF: {how}")
        return False


def pdf_url(context):
    return context["pathto"](f"{FOLDER}/{printer().NAME}", 1)


def add_download_entry(app, pagename, templatename, context, doctree):
    """Replace the theme's "print this page" entry (labelled ".pdf") with the book's PDF, opened at this page, where
    it is in the PDF; elsewhere, call the entry what it does."""
    in_pdf = pagename in printer().pages()
    for button in download_menu.entries(context) or []:
        if button.get("label") != "download-pdf-button":
            continue
        if not in_pdf:
            button.update({"text": "print", "icon": "fas fa-print", "tooltip": "Print this page"})
        else:
            button.clear()
            button.update(download_menu.link(f"{pdf_url(context)}#{printer().PART_PREFIX}{pagename}", "book (PDF)",
                                             "fas fa-file-pdf", "The whole book as a PDF, opened at this page",
                                             "download-book-pdf-button"))


def write_pdf(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    executable_path = chromium(app)
    if executable_path is False:
        return
    site = Path(app.outdir)
    target = site / FOLDER / printer().NAME
    start = time.perf_counter()
    report = printer().write(site, target, version=version(), executable_path=executable_path)
    logger.info(f"PDF: {report['pages']} pages, {report['bytes'] / 1e6:.1f} MB -> {target.relative_to(site)} "
                f"({report['prints']} prints, {time.perf_counter() - start:.0f} s)")


def check_config(app, config):
    if config.initlab_pdf not in MODES:
        from sphinx.errors import ConfigError

        raise ConfigError(f"initlab_pdf must be one of {', '.join(MODES)}, got {config.initlab_pdf!r}")


def setup(app):
    app.add_config_value("initlab_pdf", "required", "env", [str])
    app.connect("config-inited", check_config)
    app.connect("html-page-context", add_download_entry, priority=504)
    # After the decks and the student notebooks (500), before the site's zip (offline_copy.py, 900), which packs it.
    app.connect("build-finished", write_pdf, priority=800)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
