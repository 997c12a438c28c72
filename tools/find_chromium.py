"""Find the Chromium that the browser tests drive; print its path.

    python -m tools.find_chromium            # print the path, or fail with what to do
    python -m tools.find_chromium --install  # if none is found: apt-get install chromium

Where we look, in order:
1. ``$CHROMIUM``, if set (it must then point at an executable);
2. Debian's ``chromium`` (``/usr/bin/chromium``, or ``chromium`` on PATH);
3. the Chromium that Playwright manages (``python -m playwright install chromium``), which is what
   CI uses on GitHub's Ubuntu runners, where ``chromium`` is only a snap stub.

The browser tests use the same lookup (``find()``), so what this prints is what they launch.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "CHROMIUM"
DEBIAN_PATH = Path("/usr/bin/chromium")


@dataclass(frozen=True)
class Chromium:
    path: Path
    # "env": $CHROMIUM; "system": a system chromium (Debian's); "playwright": Playwright's own build.
    source: str

    @property
    def executable_path(self) -> str | None:
        """What to pass to Playwright's ``launch(executable_path=...)``: None means its own browser."""
        return None if self.source == "playwright" else str(self.path)


class NotFound(RuntimeError):
    pass


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _playwright_chromium() -> Path | None:
    """The Chromium build Playwright would launch by default, if it has been downloaded."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    try:
        with sync_playwright() as p:
            path = Path(p.chromium.executable_path)
    except Exception:  # noqa: BLE001 - a broken driver means "not available", nothing more
        return None
    return path if _executable(path) else None


def find() -> Chromium:
    """The Chromium to use; raises NotFound with a message saying how to get one."""
    env = os.environ.get(ENV_VAR)
    if env:
        path = Path(env)
        if not _executable(path):
            raise NotFound(f"${ENV_VAR} is set to {env!r}, which is not an executable file")
        return Chromium(path, "env")
    if _executable(DEBIAN_PATH):
        return Chromium(DEBIAN_PATH, "system")
    on_path = shutil.which("chromium")
    if on_path:
        return Chromium(Path(on_path), "system")
    own = _playwright_chromium()
    if own:
        return Chromium(own, "playwright")
    raise NotFound(
        "no Chromium found: set $CHROMIUM, or install Debian's package "
        "(`python -m tools.find_chromium --install`, i.e. apt-get install chromium), "
        "or Playwright's build (`python -m playwright install --with-deps chromium`)"
    )


def install() -> None:
    """apt-get install chromium (with sudo when not root); raises NotFound when that cannot work."""
    if shutil.which("apt-get") is None:
        raise NotFound(
            "no Chromium found and no apt-get here: install Playwright's build instead with "
            "`python -m playwright install chromium`, or set $CHROMIUM to a Chromium executable"
        )
    prefix: list[str] = []
    if os.geteuid() != 0:
        if shutil.which("sudo") is None:
            raise NotFound(
                "no Chromium found; installing it needs root: run `apt-get install -y chromium` as root, "
                "or `python -m playwright install chromium`"
            )
        prefix = ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        print("+ " + " ".join(prefix + command), file=sys.stderr, flush=True)
        if subprocess.call(prefix + command, env=env) != 0:
            raise NotFound(
                f"`{' '.join(prefix + command)}` failed. On Ubuntu, where `chromium` is a snap, use "
                "`python -m playwright install --with-deps chromium` instead"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.find_chromium", description=__doc__.split("\n")[0])
    parser.add_argument("--install", action="store_true", help="apt-get install chromium if none is found")
    args = parser.parse_args(argv)
    try:
        try:
            found = find()
        except NotFound:
            if not args.install:
                raise
            install()
            found = find()
    except NotFound as err:
        print(f"find_chromium: {err}", file=sys.stderr)
        return 1
    print(found.path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
