"""The live form of the interactive figures: every chapter run in a real JupyterLab, every control moved.

The static site's sliders are tested in test_site.py; this is the other half of `explore()`. A
JupyterLab server is started on 127.0.0.1 over a temporary copy of the chapters and `initlab`
(nothing is written back into book/), the chapter is run with "Run All Cells", and then each
control of each widget is moved in the browser: the figure's image must be redrawn by the kernel. The
other notebooks of the toc (the short answers, the checklist) have no explorers: they must run clean.
The round-trip times (browser -> kernel -> browser) are printed for information; the live latency
target is measured in the page by tools/bench_lab.py, which starts JupyterLab and runs the notebooks
the same way (tools/jupyterlab.py).
"""

from __future__ import annotations

import re
import statistics
import time

import pytest

from sitecheck import BOOK, toc_files
from tools import jupyterlab
from tools.jupyterlab import NOTEBOOK

REDRAW_TIMEOUT_MS = 15_000


def _notebooks() -> list[str]:
    """Every notebook of the toc: the chapters, the short answers, the checklist."""
    return [f"{name}.ipynb" for name in toc_files() if (BOOK / f"{name}.ipynb").is_file()]


def _chapters() -> list[str]:
    """The numbered chapters (01_..., each with explorers)."""
    return [name for name in _notebooks() if re.match(r"\d\d_", name)]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server over a copy of the chapters; yields its base URL."""
    try:
        with jupyterlab.server(_notebooks(), tmp_path_factory.mktemp("lab")) as base:
            yield base
    except jupyterlab.LabError as err:
        pytest.fail(str(err))


def _wait_for_new_src(page, image, old: str) -> float:
    start = time.perf_counter()
    page.wait_for_function("([el, old]) => el.getAttribute('src') !== old", arg=[image.element_handle(), old],
                           timeout=REDRAW_TIMEOUT_MS)
    return time.perf_counter() - start


@pytest.mark.parametrize("notebook", _notebooks())
def test_every_widget_control_redraws_its_figure(browser, lab, notebook):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        jupyterlab.open_notebook(page, lab, notebook)
        jupyterlab.run_all(page, lab)

        failed = page.locator(f"{NOTEBOOK} .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        assert failed.count() == 0, f"{notebook}: error or stderr output: {failed.first.inner_text()[:500]}"

        outputs = page.locator(f"{NOTEBOOK} .jp-OutputArea-output:has(.widget-image)")
        if notebook not in _chapters():  # the short answers and the checklist: no explorers, they just run
            assert not errors, f"{notebook}: uncaught exceptions in JupyterLab: {errors[:3]}"
            return
        assert outputs.count() >= 2, f"{notebook}: expected at least two live figures, found {outputs.count()}"
        times, problems = [], []
        for i in range(outputs.count()):
            output = outputs.nth(i)
            output.scroll_into_view_if_needed()
            image = output.locator(".widget-image").first
            sliders = output.locator(".widget-slider .noUi-handle")
            selects = output.locator(".widget-dropdown select")
            assert sliders.count() + selects.count() > 0, f"figure {i + 1} has no controls"
            for j in range(sliders.count()):
                handle = sliders.nth(j)
                at_end = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
                old = image.get_attribute("src")
                handle.focus()
                page.keyboard.press("ArrowLeft" if at_end else "ArrowRight")
                try:
                    times.append(_wait_for_new_src(page, image, old))
                except Exception:  # noqa: BLE001 - reported below with what was moved
                    problems.append(f"figure {i + 1}: slider {j + 1} moved, image not redrawn")
            for j in range(selects.count()):
                select = selects.nth(j)
                options = select.locator("option").count()
                current = select.evaluate("el => el.selectedIndex")
                old = image.get_attribute("src")
                select.select_option(index=(current + 1) % options)
                try:
                    times.append(_wait_for_new_src(page, image, old))
                except Exception:  # noqa: BLE001
                    problems.append(f"figure {i + 1}: dropdown {j + 1} changed, image not redrawn")
        assert not problems, f"{notebook}: " + "; ".join(problems)
        assert not errors, f"{notebook}: uncaught exceptions in JupyterLab: {errors[:3]}"
        print(f"\n{notebook}: {len(times)} control moves redrawn; browser-kernel-browser round trip "
              f"median {1000 * statistics.median(times):.0f} ms, max {1000 * max(times):.0f} ms")
    finally:
        page.close()
        jupyterlab.shut_down_kernels(lab)
