"""Live slides: a chapter presented as a RISE slideshow (jupyterlab_rise) on a real Jupyter server.

jupyterlab_rise serves `/rise/<notebook>`: the notebook as a reveal.js deck, with a kernel. The deck
must come up (reveal adds the class `ready`) with one horizontal slide per `slide` cell of the slide
rule (tools/slides) and no uncaught exception. Then, as a presenter does, the cells are run one by
one with Shift+Enter until the first interactive figure is on its slide, and dragging its slider must
make the kernel redraw the figure. (jupyterlab_widgets 3.0.11 and later do not load in RISE's app, see
requirements.txt; this test is what catches that.) The server (on 127.0.0.1, over a temporary copy of the
chapters) is the one of test_live_notebook.py.
"""

from __future__ import annotations

import time

import nbformat
import pytest
from test_live_notebook import (  # noqa: F401 - lab is a fixture
    REDRAW_TIMEOUT_MS,
    _chapters,
    _wait_for_new_src,
    lab,
)

from tools import slides
from tools.jupyterlab import kernel_idle, shut_down_kernels

CELL_TIMEOUT = 120  # seconds for one cell to run


def _run_next_cell(page, base: str) -> None:
    page.keyboard.press("Shift+Enter")
    time.sleep(0.3)  # let the kernel report busy before we wait for idle
    deadline = time.monotonic() + CELL_TIMEOUT
    while not kernel_idle(base):
        if time.monotonic() > deadline:
            pytest.fail(f"a cell did not finish within {CELL_TIMEOUT} s in the slideshow")
        time.sleep(0.2)


@pytest.mark.parametrize("notebook", _chapters()[:1])
def test_rise_slideshow_runs_and_its_widgets_redraw(browser, lab, notebook):  # noqa: F811 - lab is the fixture
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{lab}/rise/{notebook}", wait_until="load")
        page.wait_for_selector(".reveal.ready", state="attached", timeout=60_000)
        horizontal = page.locator(".reveal .slides > section").count()
        # One horizontal slide per `slide` cell of the rule: fails until `python -m tools.slides mark` has run.
        cells = nbformat.read(slides.BOOK / notebook, as_version=4).cells
        expected = slides.slide_types(cells).count("slide")
        assert horizontal == expected > 1, f"{notebook}: the RISE deck has {horizontal} slides, the rule gives {expected}"

        deadline = time.monotonic() + 30
        while not kernel_idle(lab):
            if time.monotonic() > deadline:
                pytest.fail("the slideshow's kernel did not start")
            time.sleep(0.3)
        page.locator(".jp-Cell").first.click()
        figures = page.locator(".widget-image")
        for _ in range(len(cells)):
            _run_next_cell(page, lab)
            if figures.count():
                break
        assert figures.count(), f"{notebook}: no live figure appeared on the slides after running every cell"

        image, old = figures.first, figures.first.get_attribute("src")
        handle = page.locator(".widget-slider .noUi-handle").first
        box = handle.bounding_box()
        assert box, f"{notebook}: the live figure's slider is not on screen"
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + 60, box["y"] + box["height"] / 2, steps=5)
        page.mouse.up()
        try:
            _wait_for_new_src(page, image, old)
        except Exception:
            pytest.fail(f"{notebook}: moving the slider did not redraw the figure within {REDRAW_TIMEOUT_MS} ms")
        assert not errors, f"{notebook}: uncaught exceptions in the slideshow: {errors[:3]}"
    finally:
        page.close()
        shut_down_kernels(lab)
