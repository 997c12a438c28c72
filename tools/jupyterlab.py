"""A real JupyterLab over a copy of the book's notebooks, driven by Playwright (the live test and the benchmark).

``server(notebooks, workdir)`` copies the notebooks and ``initlab`` into ``workdir`` (nothing is written back
into book/), starts JupyterLab there on 127.0.0.1 with no token and no user settings, and yields its base URL;
``open_notebook`` and ``run_all`` then show a notebook in a page and run it as a reader would (Run All Cells).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from initlab.notebook import explorer

BOOK = Path(__file__).resolve().parent.parent / "book"
READY_TIMEOUT = 90
RUN_TIMEOUT = 180

# The notebook on show: JupyterLab keeps other documents' panels in the page, hidden.
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"


class LabError(RuntimeError):
    """JupyterLab did not start, or a notebook did not run."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(notebooks: list[str], workdir: Path):
    """A JupyterLab server over copies of ``notebooks`` (names in book/) and initlab in an empty ``workdir``;
    yields its base URL."""
    root, state = workdir / "lab", workdir / "state"  # no user settings or workspaces leak in or out
    shutil.copytree(BOOK / "initlab", root / "initlab", ignore=shutil.ignore_patterns("__pycache__"))
    for name in notebooks:
        shutil.copy(BOOK / name, root / name)
    # Render every cell (JupyterLab 4 only renders the cells in view by default), so that every figure
    # can be found and every prompt read.
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
               # loopback only, no token: lets kernels be shut down with a plain DELETE
               "--ServerApp.disable_check_xsrf=True"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log_path = state / "server.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + READY_TIMEOUT
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/api/status", timeout=2):
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise LabError(f"JupyterLab did not start; its log:\n{log_path.read_text()[-3000:]}") from None
                    time.sleep(0.5)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def kernel_idle(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/api/kernels", timeout=5) as response:
            kernels = json.load(response)
    except urllib.error.HTTPError as err:
        if err.code >= 500:  # the server can fail this request while a kernel is starting: ask again
            return False
        raise
    return bool(kernels) and all(k["execution_state"] == "idle" for k in kernels)


def shut_down_kernels(base: str) -> None:
    """Stop every kernel, so that one notebook's kernel does not compete with the next one's."""
    with urllib.request.urlopen(f"{base}/api/kernels", timeout=5) as response:
        kernels = json.load(response)
    for kernel in kernels:
        request = urllib.request.Request(f"{base}/api/kernels/{kernel['id']}", method="DELETE")
        urllib.request.urlopen(request, timeout=20).close()


def open_notebook(page, base: str, notebook: str) -> None:
    """Show ``notebook`` in ``page``, in a workspace of its own, reset: no tabs restored from an earlier visit."""
    page.goto(f"{base}/lab/workspaces/{notebook.removesuffix('.ipynb')}/tree/{notebook}?reset", wait_until="load")
    page.wait_for_selector(f"{NOTEBOOK} .jp-Cell", timeout=60_000)


def code_prompts(page) -> list[str]:
    return page.locator(f"{NOTEBOOK} .jp-CodeCell .jp-InputArea-prompt").all_inner_texts()


def run_all(page, base: str) -> None:
    """Run All Cells from the menu once the kernel is up, and wait until every code cell has run."""
    deadline = time.monotonic() + READY_TIMEOUT
    while not kernel_idle(base):
        if time.monotonic() > deadline:
            raise LabError(f"the kernel did not become idle within {READY_TIMEOUT} s")
        time.sleep(0.5)
    for _ in range(3):  # a click that lands while the UI is still settling can be lost: try again
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        started = time.monotonic() + 15
        while time.monotonic() < started and all(p.strip() in ("", "[ ]:") for p in code_prompts(page)):
            time.sleep(0.3)
        if not all(p.strip() in ("", "[ ]:") for p in code_prompts(page)):
            break
    deadline = time.monotonic() + RUN_TIMEOUT
    while True:
        prompts = code_prompts(page)
        if prompts and all(any(c.isdigit() for c in p) for p in prompts):  # "[12]:", not "[*]:" or "[ ]:"
            return
        if time.monotonic() > deadline:
            pending = [p for p in prompts if not any(c.isdigit() for c in p)]
            raise LabError(f"{len(pending)} code cells not run after {RUN_TIMEOUT} s: {pending[:3]}")
        time.sleep(0.5)
