"""Figures fetched when the reader nears them, not all with the page.

A chapter page holds a dozen figures and its explorers' first frames, some 300 KB of images, most of them far below
the first screen. Every figure of the book (a docutils image node: the chapters' plots, the figures of the pages)
gets ``loading="lazy"``, which docutils' HTML writer writes as it is; the explorers' frames have it in their own
markup (initlab.notebook.explorer). The browser then fetches an image when it comes near the window (Chromium: a
screen or two ahead of it), so the first load carries the figures at the top of the page, and a reader who scrolls
finds the next ones already there. Pages opened from ``file://`` (the offline copy) behave the same.

Printing does not scroll: tools/book_pdf.py's ``settle`` loads every image of a page before the book's PDF and the
handouts are printed.
"""

from docutils import nodes


def lazy_images(app, doctree, docname):
    for image in doctree.findall(nodes.image):
        image.setdefault("loading", "lazy")


def setup(app):
    app.connect("doctree-resolved", lazy_images)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
