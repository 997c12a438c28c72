"""The live form of the interactive figures: every chapter run in a real JupyterLab, every control moved.

The static site's sliders are tested in test_site.py; this is the other half of `explore()`. A
JupyterLab server is started on 127.0.0.1 over a temporary copy of the chapters and `initlab`
(nothing is written back into book/), the chapter is run with "Run All Cells", and then each
control of each widget is moved in the browser: the figure's image must be redrawn by the kernel. The
other notebooks of the toc (the short answers, the checklist) have no explorers: they must run clean.
The round-trip times (browser -> kernel -> browser) are printed for information; the speed targets
are measured kernel-side by `make bench`.
"""

from __future__ import annotations

import json
import os
import shutil
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from initlab.notebook import explorer

from sitecheck import BOOK, toc_files

READY_TIMEOUT = 90
RUN_TIMEOUT = 180
REDRAW_TIMEOUT_MS = 15_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _notebooks() -> list[str]:
    """Every notebook of the toc: the chapters, the short answers, the checklist."""
    return [f"{name}.ipynb" for name in toc_files() if (BOOK / f"{name}.ipynb").is_file()]


def _chapters() -> list[str]:
    """The numbered chapters (01_..., each with explorers)."""
    return [name for name in _notebooks() if re.match(r"\d\d_", name)]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server over a copy of the chapters; yields its base URL."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(BOOK / "initlab", root / "initlab", ignore=shutil.ignore_patterns("__pycache__"))
    for name in _notebooks():
        shutil.copy(BOOK / name, root / name)
    state = tmp_path_factory.mktemp("lab-state")  # no user settings or workspaces leak in or out
    # Render every cell (JupyterLab 4 only renders the cells in view by default), so that the test
    # can find every figure and read every prompt.
    tracker = state / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(state / "config"), JUPYTERLAB_SETTINGS_DIR=str(state / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(state / "workspaces"), JUPYTER_RUNTIME_DIR=str(state / "runtime"))
    env.pop(explorer.ENV_VAR, None)  # live mode, as a reader gets it
    port = _free_port()
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               "--IdentityProvider.token=", "--ServerApp.password=", f"--ServerApp.root_dir={root}",
               "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               # loopback only, no token: lets the test shut kernels down with a plain DELETE
               "--ServerApp.disable_check_xsrf=True"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = open(state / "server.log", "w")
    server = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start; its log:\n{(state / 'server.log').read_text()[-3000:]}")
                time.sleep(0.5)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _kernel_idle(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/api/kernels", timeout=5) as response:
            kernels = json.load(response)
    except urllib.error.HTTPError as err:
        if err.code >= 500:  # the server can fail this request while a kernel is starting: ask again
            return False
        raise
    return bool(kernels) and all(k["execution_state"] == "idle" for k in kernels)


def _shut_down_kernels(base: str) -> None:
    """Stop every kernel, so that one chapter's kernel does not compete with the next one's."""
    with urllib.request.urlopen(f"{base}/api/kernels", timeout=5) as response:
        kernels = json.load(response)
    for kernel in kernels:
        request = urllib.request.Request(f"{base}/api/kernels/{kernel['id']}", method="DELETE")
        urllib.request.urlopen(request, timeout=20).close()


# The notebook on show: JupyterLab keeps other documents' panels in the page, hidden.
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"


def _code_prompts(page) -> list[str]:
    return page.locator(f"{NOTEBOOK} .jp-CodeCell .jp-InputArea-prompt").all_inner_texts()


def _run_all(page, base: str) -> None:
    """Run All Cells from the menu once the kernel is up, and wait until every code cell has run."""
    deadline = time.monotonic() + READY_TIMEOUT
    while not _kernel_idle(base):
        if time.monotonic() > deadline:
            pytest.fail(f"the kernel did not become idle within {READY_TIMEOUT} s")
        time.sleep(0.5)
    for _ in range(3):  # a click that lands while the UI is still settling can be lost: try again
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        started = time.monotonic() + 15
        while time.monotonic() < started and all(p.strip() in ("", "[ ]:") for p in _code_prompts(page)):
            time.sleep(0.3)
        if not all(p.strip() in ("", "[ ]:") for p in _code_prompts(page)):
            break
    deadline = time.monotonic() + RUN_TIMEOUT
    while True:
        prompts = _code_prompts(page)
        if prompts and all(any(c.isdigit() for c in p) for p in prompts):  # "[12]:", not "[*]:" or "[ ]:"
            return
        if time.monotonic() > deadline:
            pending = [p for p in prompts if not any(c.isdigit() for c in p)]
            pytest.fail(f"{len(pending)} code cells not run after {RUN_TIMEOUT} s: {pending[:3]}")
        time.sleep(0.5)


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
        # A workspace of its own, reset: only this chapter is open (no tabs restored from the last test).
        page.goto(f"{lab}/lab/workspaces/{notebook.removesuffix('.ipynb')}/tree/{notebook}?reset", wait_until="load")
        page.wait_for_selector(f"{NOTEBOOK} .jp-Cell", timeout=60_000)
        _run_all(page, lab)

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
        _shut_down_kernels(lab)
