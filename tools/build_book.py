"""Build the book into book/_build/html, strictly: any warning or failing cell fails the build.

    python -m tools.build_book            # what `make book` runs
    python -m tools.build_book --offline  # what `make site` runs: the same build with no network
    python -m tools.build_book --chapter 02_xavier_initialization   # executes only that chapter, for its author
    python -m tools.build_book --stored   # executes nothing: every chapter from its stored outputs, in a minute

Uses the jupyter-book of the interpreter running this module. Every chapter is executed (see
``execute`` in _config.yml). Without ``-W`` Jupyter Book 1 exits 0 even when a cell fails (the
traceback only lands in _build/html/reports), so ``-W -n --keep-going`` is not optional here.
Every build writes each chapter's reveal.js deck into the site, html/slides/ (book/_ext/decks.py, a few
seconds); the full build needs the decks' npm packages (`make book` installs them), ``--chapter`` and
``--stored`` leave the decks out when they are missing.

``--offline`` runs the build inside a new network namespace that has nothing but a loopback
interface (the kernels talk to the build over 127.0.0.1), which proves that the build needs
nothing from the internet. That takes root, or unprivileged user namespaces; where neither is
available the build runs normally and says so.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "book"
CONFIG = ROOT / "_config.yml"
TOC = ROOT / "_toc.yml"
BUILD = SOURCE / "_build"  # Jupyter Book writes <path-output>/_build/{html,.doctrees,jupyter_execute}
SITE = BUILD / "html"

# Bring the loopback interface up inside the new namespace, then run the command given after `_`.
_LOOPBACK_THEN_EXEC = 'ip link set lo up && exec "$@"'


def jupyter_book_command(output: Path = SOURCE, config: Path = CONFIG) -> list[str]:
    """`jupyter-book build` of this interpreter, with paths that do not depend on the working directory.

    The paths are absolute on purpose: JB1 resolves a relative ``--toc`` against the source folder
    (book/), not the working directory, and writes to ``<folder of _config.yml>/_build`` unless
    ``--path-output`` says otherwise.
    """
    return [
        sys.executable,
        "-c",
        "import sys; from jupyter_book.cli.main import main; sys.exit(main(prog_name='jupyter-book'))",
        "build",
        str(SOURCE),
        "--path-output",
        str(output),
        "--config",
        str(config),
        "--toc",
        str(TOC),
        "--all",
        "-W",
        "-n",
        "--keep-going",
    ]


def _works(prefix: list[str]) -> bool:
    """Can we create a network namespace with this prefix and bring loopback up in it?"""
    try:
        probe = subprocess.run(
            [*prefix, "bash", "-c", _LOOPBACK_THEN_EXEC, "_", "true"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def offline_prefix() -> tuple[list[str] | None, str]:
    """A command prefix that cuts the network off, or None with the reason why it cannot."""
    missing = [tool for tool in ("unshare", "ip", "bash") if shutil.which(tool) is None]
    if missing:
        return None, f"{', '.join(missing)} not found"
    if os.geteuid() == 0:
        candidates = [["unshare", "--net"]]
    else:
        # An unprivileged user namespace (mapped to root inside) may create a network namespace
        # where the kernel allows it (some distributions, e.g. Ubuntu 24.04's AppArmor, do not).
        candidates = [["unshare", "--map-root-user", "--net"]]
    for prefix in candidates:
        if _works(prefix):
            return prefix, "network namespace with loopback only"
    who = "as root" if os.geteuid() == 0 else "without root (no unprivileged user namespaces here)"
    return None, f"cannot create a network namespace {who}"


# ipykernel 7 warns at every kernel start that its TCP sockets are unencrypted. The build's kernels are
# started by jupyter_client with its default address, 127.0.0.1 (and by --offline in a namespace with no
# network at all), so nothing leaves the machine: the build says so once and drops the repeats.
_KERNEL_TCP_WARNING = "Kernel is running over TCP without encryption"
_KERNEL_TCP_NOTE = ("build_book: the chapter kernels listen on 127.0.0.1 only, so ipykernel's warning "
                    "'Kernel is running over TCP without encryption' does not apply here (not shown)")


def run(command: list[str]) -> int:
    """Run ``command`` from the repository root, passing its output through but for the kernels' TCP warning."""
    noted = False
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors="replace", bufsize=1) as process:
        for line in process.stdout:
            if _KERNEL_TCP_WARNING in line:
                if not noted:
                    print(_KERNEL_TCP_NOTE, flush=True)
                    noted = True
                continue
            print(line, end="", flush=True)
    return process.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.build_book", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--offline",
        action="store_true",
        help="build inside a network namespace with no network (falls back, loudly, when impossible)",
    )
    parser.add_argument(
        "--chapter",
        metavar="NAME",
        help="build the book strictly, executing only this chapter (a notebook name in book/, without .ipynb; the "
        "others are rendered from their stored outputs), into a folder of its own under the system's temporary directory",
    )
    parser.add_argument(
        "--stored",
        action="store_true",
        help="build the book strictly but execute no chapter (all are rendered from their stored outputs, so the "
        "sliders show no frames), into a folder of its own under the system's temporary directory: a quick look at "
        "pages, numbering and links",
    )
    args = parser.parse_args(argv)
    if args.chapter and args.stored:
        parser.error("--chapter and --stored exclude each other")
    if args.chapter:
        return build_chapter(args.chapter)
    if args.stored:
        return build_chapter(None)

    for required in (CONFIG, TOC):
        if not required.is_file():
            print(f"build_book: {required.relative_to(ROOT)} not found", file=sys.stderr)
            return 2

    command = jupyter_book_command()
    if args.offline:
        prefix, why = offline_prefix()
        if prefix is None:
            print(
                f"build_book: --offline: {why}; building WITH network access instead. "
                "This build does not prove that the site builds offline.",
                file=sys.stderr,
            )
        else:
            print(f"build_book: offline build ({why})", flush=True)
            command = [*prefix, "bash", "-c", _LOOPBACK_THEN_EXEC, "_", *command]

    # Start from nothing, so the site holds exactly what this build made (no stale pages).
    if BUILD.exists():
        shutil.rmtree(BUILD)

    start = time.perf_counter()
    returncode = run(command)
    elapsed = time.perf_counter() - start

    status = "ok" if returncode == 0 else f"FAILED (exit code {returncode})"
    print(f"build_book: {status}; build wall time {elapsed:.1f} s", flush=True)
    if returncode == 0 and not (SITE / "index.html").is_file():
        print(f"build_book: {SITE.relative_to(ROOT)}/index.html was not written", file=sys.stderr)
        return 1
    return returncode


def build_chapter(name: str | None) -> int:
    """One chapter's strict build, apart from the book's (several authors can build at once).

    Every page of the book is built, so that every link resolves, but only this chapter is executed:
    the others are rendered from their stored outputs. The configuration is the book's, written to a
    temporary folder with its local extensions' paths made absolute and the other chapters excluded
    from execution. With ``name=None`` no chapter is executed (``--stored``).
    """
    import yaml  # a dependency of jupyter-book

    if name is not None and not (SOURCE / f"{name}.ipynb").is_file():
        print(f"build_book: --chapter: book/{name}.ipynb not found", file=sys.stderr)
        return 2
    where = Path(tempfile.gettempdir()) / f"initlab-build-{name or 'stored'}"
    if where.exists():
        shutil.rmtree(where)
    where.mkdir()
    config = yaml.safe_load(CONFIG.read_text())
    extensions = config["sphinx"]["local_extensions"]
    for extension, folder in extensions.items():
        extensions[extension] = str(ROOT / folder)
    # The decks (book/_ext/decks.py) take seconds; without the npm packages they are left out, not an error.
    config["sphinx"]["config"]["initlab_decks"] = "optional"
    # So do the PDFs (book/_ext/book_pdf.py, handouts.py): without a Chromium to print with, left out.
    config["sphinx"]["config"]["initlab_pdf"] = "optional"
    if name is None:
        config["execute"]["execute_notebooks"] = "off"
    else:
        others = [p.name for p in SOURCE.glob("*.ipynb") if p.stem != name]
        config["execute"]["exclude_patterns"] = [f"*{other}" for other in others]
    (where / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    command = jupyter_book_command(output=where, config=where / "_config.yml")
    start = time.perf_counter()
    returncode = run(command)
    status = "ok" if returncode == 0 else f"FAILED (exit code {returncode})"
    print(f"build_book: {status}; {time.perf_counter() - start:.1f} s; open {where}/_build/html/{name or 'index'}.html "
          f"(browser tests on it: INITLAB_SITE={where}/_build/html)", flush=True)
    return returncode


if __name__ == "__main__":
    sys.exit(main())
