"""book/_ext/lazy_images.py: every figure of the book is written with loading="lazy"."""

import sys
from pathlib import Path

from docutils import nodes
from docutils.core import publish_doctree, publish_from_doctree

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import lazy_images  # noqa: E402

SOURCE = """
.. image:: plot.png
   :alt: a plot

.. figure:: chart.png

   A caption.

.. image:: logo.png
"""


def test_every_image_is_lazy_unless_it_says_otherwise_and_the_html_writer_writes_it():
    doctree = publish_doctree(SOURCE)
    list(doctree.findall(nodes.image))[-1]["loading"] = "embed"  # an image that chose how it loads keeps it
    lazy_images.lazy_images(None, doctree, "page")
    assert [image.get("loading") for image in doctree.findall(nodes.image)] == ["lazy", "lazy", "embed"]
    html = publish_from_doctree(doctree, writer_name="html5").decode()
    assert html.count('loading="lazy"') == 2
