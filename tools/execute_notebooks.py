"""Re-run chapters in place so that their stored outputs are what the code produces now.

    python -m tools.execute_notebooks                # every chapter in book/
    python -m tools.execute_notebooks book/01_*.ipynb

Authors run this after editing a chapter; nbval (``make notebooks``) then checks that the stored
outputs still match a fresh run. Kernels start in ``book/`` (where ``import initlab`` works) in
live mode, not the build's static mode. Widget state is not stored (JupyterLab's default too):
it is regenerated when a reader runs the cell, and it would change on every run.
"""

import argparse
import contextlib
import os
import pathlib
import time

import nbformat
from initlab.notebook import explorer
from nbclient import NotebookClient

BOOK = pathlib.Path(__file__).resolve().parent.parent / "book"


@contextlib.contextmanager
def live_client(nb, timeout=600):
    """A NotebookClient for ``nb`` whose kernel starts in book/ and in live mode (initlab's static-mode
    variable unset, as for a reader); kernels inherit this process's environment when they start."""
    saved = os.environ.pop(explorer.ENV_VAR, None)
    try:
        yield NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                             resources={"metadata": {"path": str(BOOK)}})
    finally:
        if saved is not None:
            os.environ[explorer.ENV_VAR] = saved


def _merge_streams(outputs):
    """Join consecutive stdout (or stderr) chunks: how the kernel happened to split a print is not
    content, and would otherwise change the stored notebook from one run to the next."""
    merged = []
    for out in outputs:
        last = merged[-1] if merged else None
        if (out.output_type == "stream" and last is not None and last.output_type == "stream"
                and last.name == out.name):
            last.text += out.text
        else:
            merged.append(out)
    return merged


def execute(path, timeout=600):
    nb = nbformat.read(path, as_version=4)
    with live_client(nb, timeout) as client:
        start = time.perf_counter()
        client.execute()
        seconds = time.perf_counter() - start
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # timestamps of an earlier run
        if cell.cell_type == "code":
            cell.outputs = _merge_streams(cell.outputs)
    nbformat.write(nb, path)
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path)
    args = parser.parse_args()
    paths = args.notebooks or sorted(p for p in BOOK.glob("*.ipynb"))
    for path in paths:
        print(f"{path.name}: executed in {execute(path):.1f} s")


if __name__ == "__main__":
    main()
