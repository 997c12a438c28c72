"""Every chapter's reveal.js deck in the site, and links to it.

When the HTML build has finished, ``slides/<chapter>.slides.html`` and the ``slides/assets/`` they load are
written into the site by tools.slides' exporter, from the notebooks as this build executed them
(``_build/jupyter_execute``; a build that executes nothing, ``tools.build_book --stored``, gives decks of the
committed outputs). The chapters are those of _toc.yml that tools.slides gives a deck (``NN_name``), so a
chapter added there gets one with no further work. The decks work offline and from ``file://``, like those of
``make slides`` (book/_build/slides).

Each chapter page's download menu offers its deck, and in any page ``{deck}`01_vanishing_gradients``` links
a chapter's deck (``{deck}`the slides <01_vanishing_gradients>``` with a text of its own) by a path relative
to the page, so that the link works from ``instructors/`` and from ``file://``.

The decks load reveal.js, MathJax 2, require.js and jQuery from the npm packages that tools/slides/package.json
pins; `make book` installs them. If they are missing the build fails, saying how to install them, unless the
configuration sets ``initlab_decks = "optional"`` (``tools.build_book --chapter`` and ``--stored`` do): then it
writes no decks and says so.
"""

import re
import sys
import time
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

import download_menu

ROOT = Path(__file__).resolve().parents[2]
FOLDER = "slides"
SUFFIX = ".slides.html"
DEFAULT_TEXT = "the slides"
_EXPLICIT = re.compile(r"^(.*?)\s*<([^<>]+)>$", re.S)
logger = logging.getLogger(__name__)


def _slides():
    """tools.slides, the exporter (the repository root holds tools/)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tools import slides

    return slides


def deck_chapters():
    """The names of the chapters that get a deck, in the order of _toc.yml."""
    return [path.stem for path in _slides().chapters()]


def deck_path(chapter):
    return f"{FOLDER}/{chapter}{SUFFIX}"


def deck_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{deck}`chapter``` or ``{deck}`text <chapter>```: a link to the chapter's deck, relative to this page."""
    explicit = _EXPLICIT.match(text)
    shown, chapter = (explicit.group(1), explicit.group(2).strip()) if explicit else (DEFAULT_TEXT, text.strip())
    chapters = deck_chapters()
    if chapter not in chapters:
        message = inliner.reporter.error(f"deck: chapter must be one of {', '.join(chapters)}, got {chapter!r}",
                                         line=lineno)
        return [inliner.problematic(rawtext, rawtext, message)], [message]
    docname = inliner.document.settings.env.docname
    uri = "../" * docname.count("/") + deck_path(chapter)
    return [nodes.reference(rawtext, shown, refuri=uri, classes=["initlab-deck"])], []


def add_download_entry(app, pagename, templatename, context, doctree):
    """Put the chapter's deck in its page's download menu, after the notebooks."""
    buttons = download_menu.entries(context)
    if pagename not in deck_chapters() or buttons is None:
        return
    buttons.append(download_menu.link(context["pathto"](deck_path(pagename), 1), "slides", "fas fa-chalkboard",
                                      "Open this chapter's slides (reveal.js; S opens the speaker notes)",
                                      "open-slides-button"))


def write_decks(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    slides = _slides()
    missing = slides.missing_packages()
    if missing:
        how = "install them with `make slides` or `(cd tools/slides && npm ci --ignore-scripts)`"
        if app.config.initlab_decks == "optional":
            logger.info(f"decks: not written (npm packages missing: {', '.join(missing)}; {how})")
            return
        logger.warning(f"decks: npm packages missing: {', '.join(missing)}; {how}")
        return
    start = time.perf_counter()
    out = Path(app.outdir) / FOLDER
    slides.export(slides.chapters(), out, mode="built", executed=Path(app.outdir).parent / "jupyter_execute")
    logger.info(f"decks: {len(deck_chapters())} in {out} ({time.perf_counter() - start:.0f} s)")


MODES = ("required", "optional")


def check_config(app, config):
    if config.initlab_decks not in MODES:
        from sphinx.errors import ConfigError

        raise ConfigError(f"initlab_decks must be one of {', '.join(MODES)}, got {config.initlab_decks!r}")


def setup(app):
    app.add_config_value("initlab_decks", "required", "env", [str])
    app.connect("config-inited", check_config)
    app.add_role("deck", deck_role)
    app.connect("html-page-context", add_download_entry, priority=503)  # after the student notebook (502)
    app.connect("build-finished", write_decks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
