"""One printable handout per chapter: its figure taken from the chapter, a link from the lesson plan, a PDF.

A handout is a page, ``instructors/handouts/<chapter>.md`` (listed in _toc.yml under the lesson plans), with
the key result, its formula, one figure, three things to remember and the practical check. The site's print
stylesheet (``_static/initlab-print.css``) lays it out for one or two A4 or Letter pages with no sidebars or
buttons, and the build prints each to ``downloads/handouts/<chapter>.pdf`` (A4), offered in the handout page's
download menu.

* ``{handout-figure} fig-label`` shows a figure of a chapter, by its label, as the chapter shows it after this
  build executed it (the same image file, no second copy), its caption prefixed by its number there
  ("Figure 1.4 of the chapter: ..."). A handout runs no code of its own, so its figure is the chapter's.
* ``{handout}`01_vanishing_gradients``` links a chapter's handout and its PDF from any page (the lesson plans).
"""

import copy
import re
import time
from pathlib import Path

from docutils import nodes
from sphinx.util import logging
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

import download_menu

FOLDER = "instructors/handouts"
PDF_FOLDER = "downloads/handouts"
_CHAPTER = re.compile(r"^\d\d_\w+$")
logger = logging.getLogger(__name__)


class handout_figure(nodes.General, nodes.Element):
    """Where a chapter's figure goes; replaced by a copy of it once every page has been read."""


class HandoutFigure(SphinxDirective):
    required_arguments = 1

    def run(self):
        return [handout_figure(label=self.arguments[0].strip(), line=self.lineno)]


def handouts(app):
    """The chapters that have a handout page in this build, in order."""
    return sorted(Path(doc).name for doc in app.env.found_docs if doc.startswith(FOLDER + "/")
                  and _CHAPTER.match(Path(doc).name))


def pdf_path(chapter):
    return f"{PDF_FOLDER}/{chapter}.pdf"


def handout_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{handout}`chapter```: "the handout (PDF)", linked to the chapter's handout page and its PDF."""
    chapter = text.strip()
    env = inliner.document.settings.env
    if f"{FOLDER}/{chapter}" not in env.found_docs:
        message = inliner.reporter.error(f"handout: no page {FOLDER}/{chapter}.md for {chapter!r}", line=lineno)
        return [inliner.problematic(rawtext, rawtext, message)], [message]
    up = "../" * env.docname.count("/")
    page = nodes.reference(rawtext, "the handout", refuri=f"{up}{FOLDER}/{chapter}.html", classes=["initlab-handout"])
    pdf = nodes.reference("", "PDF", refuri=up + pdf_path(chapter), classes=["initlab-handout-pdf"])
    return [page, nodes.Text(" ("), pdf, nodes.Text(")")], []


def _figure(env, label):
    """The chapter's figure node for ``label``, and its number there ("1.4"), or an error message."""
    found = env.domaindata["std"]["labels"].get(label)
    if not found:
        return None, None, f"handout-figure: no figure labelled {label!r}"
    docname, labelid, _ = found
    for figure in env.get_doctree(docname).findall(nodes.figure):
        if labelid in figure["ids"]:
            number = env.toc_fignumbers.get(docname, {}).get("figure", {}).get(labelid)
            return figure, ".".join(map(str, number)) if number else None, None
    return None, None, f"handout-figure: {label!r} labels no figure (in {docname})"


class PlaceFigures(SphinxPostTransform):
    """Each {handout-figure} becomes a copy of the chapter's figure node, as read from the chapter. It runs before
    myst-nb picks each output's format for the builder (its SelectMimeType, priority 4), so the copy gets the
    same pick as the chapter (the image, not the figure's text/plain repr)."""

    default_priority = 3

    def run(self, **kwargs):
        for placeholder in list(self.document.findall(handout_figure)):
            figure, number, error = _figure(self.env, placeholder["label"])
            if error:
                logger.warning(error, location=(self.env.docname, placeholder["line"]))
                placeholder.replace_self([])
                continue
            shown = copy.deepcopy(figure)
            shown["ids"], shown["names"] = [f"handout-{placeholder['label']}"], []  # numfig wants an id
            shown["classes"].append("initlab-handout-figure")
            caption = next(shown.findall(nodes.caption), None)
            if caption is not None and number:
                caption.insert(0, nodes.Text(f"Figure {number} of the chapter: "))
            placeholder.replace_self(shown)


def add_download_entry(app, pagename, templatename, context, doctree):
    """In a handout's download menu, its PDF takes the place of the theme's "print this page" entry."""
    chapter = Path(pagename).name
    buttons = download_menu.entries(context)
    if not (pagename.startswith(FOLDER + "/") and _CHAPTER.match(chapter)) or buttons is None:
        return
    buttons[:] = [b for b in buttons if b.get("label") != "download-pdf-button"]
    buttons.append(download_menu.link(context["pathto"](pdf_path(chapter), 1), "handout (PDF)", "fas fa-file-pdf",
                                      "Download this handout as a PDF (A4)", "download-handout-pdf-button"))


def write_pdfs(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    import book_pdf

    browser_path = book_pdf.chromium(app)
    if browser_path is False:
        return
    start = time.perf_counter()
    site = Path(app.outdir)
    pages = [(site / f"{FOLDER}/{chapter}.html", site / pdf_path(chapter)) for chapter in handouts(app)]
    counts = book_pdf.printer().print_pages(pages, executable_path=browser_path)
    logger.info(f"handouts: {len(pages)} PDFs in {site / PDF_FOLDER} ({', '.join(map(str, counts))} pages; "
                f"{time.perf_counter() - start:.0f} s)")


def setup(app):
    app.add_node(handout_figure)
    app.add_directive("handout-figure", HandoutFigure)
    app.add_role("handout", handout_role)
    app.add_post_transform(PlaceFigures)
    app.connect("html-page-context", add_download_entry, priority=504)
    app.connect("build-finished", write_pdfs, priority=700)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
