"""Live slides: a chapter opened as a RISE slideshow (jupyterlab_rise) on a real Jupyter server.

jupyterlab_rise serves `/rise/<notebook>`: the notebook rendered as a reveal.js deck, with a kernel.
The deck must come up (reveal adds the class `ready`), hold one horizontal slide per `slide` cell
of the slide rule (tools/slides.py), and throw no uncaught exception. The server (on 127.0.0.1, over a temporary copy of the chapters) is the one of
test_live_notebook.py. Moving a widget inside the slideshow is not tested here: the slideshow opens
the saved notebook, whose widget views need the cells run inside the slideshow first;
test_live_notebook.py tests every widget in JupyterLab itself.
"""

from __future__ import annotations

import nbformat
import pytest
from test_live_notebook import _chapters, _shut_down_kernels, lab  # noqa: F401 - lab is a fixture

from tools import slides


@pytest.mark.parametrize("notebook", _chapters()[:1])
def test_rise_slideshow_opens(browser, lab, notebook):  # noqa: F811 - lab is the imported fixture
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{lab}/rise/{notebook}", wait_until="load")
        page.wait_for_selector(".reveal.ready", state="attached", timeout=60_000)
        horizontal = page.locator(".reveal .slides > section").count()
        # One horizontal slide per `slide` cell of the rule: fails until `python -m tools.slides mark` has run.
        expected = slides.slide_types(nbformat.read(slides.BOOK / notebook, as_version=4).cells).count("slide")
        assert horizontal == expected > 1, f"{notebook}: the RISE deck has {horizontal} slides, the rule gives {expected}"
        assert not errors, f"{notebook}: uncaught exceptions in the slideshow: {errors[:3]}"
    finally:
        page.close()
        _shut_down_kernels(lab)
