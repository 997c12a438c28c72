"""Re-run chapters in place so that their stored outputs are what the code produces now.

    python -m tools.execute_notebooks                # every chapter in book/
    python -m tools.execute_notebooks book/01_*.ipynb

Authors run this after editing a chapter; nbval (``make notebooks``) then checks that the stored
outputs still match a fresh run. Kernels start in ``book/`` (where ``import initlab`` works) in
live mode, not the build's static mode. Widget state is not stored (JupyterLab's default too):
it is regenerated when a reader runs the cell, and it would change on every run.
"""

import argparse
import os
import pathlib
import time

import nbformat
from nbclient import NotebookClient

BOOK = pathlib.Path(__file__).resolve().parent.parent / "book"


def execute(path, timeout=600):
    nb = nbformat.read(path, as_version=4)
    env_static = os.environ.pop("INITLAB_STATIC", None)
    try:
        start = time.perf_counter()
        NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(BOOK)}}).execute()
        seconds = time.perf_counter() - start
    finally:
        if env_static is not None:
            os.environ["INITLAB_STATIC"] = env_static
    nb.metadata.pop("widgets", None)
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
