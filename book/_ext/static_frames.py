"""The kernel-free explorers of the static site: rendered by the chapter kernels, served as image files.

`initlab.notebook.explorer.explore` shows live ipywidgets controls in Jupyter. A static page has no
kernel behind it, so when the book is built the same call must instead pre-render one frame
per control setting and emit a small HTML slider (switched by ``_static/initlab-frames.js``).
The kernels that Jupyter Book starts inherit this process's environment, so setting the
variable here, when Sphinx loads the extension, reaches every chapter however the build is run.

The explorer inlines its frames as ``data:`` URIs (a notebook, a deck or a live kernel has no folder to put
files in). On the site that made the frames most of a chapter's HTML, which no browser can cache or fetch
later. So once the pages are written, every frame of every page's explorers becomes a file,
``_images/frames/<first 16 hex digits of the PNG's sha256>.png``: named by its content, so a frame two pages
share is stored once and a browser may keep it as long as it likes. The page then holds relative URLs, the
first frame stays the image's ``src`` (so it loads with the page, and prints), and initlab-frames.js fetches
the others when the reader comes near the explorer or touches it. The decks (slides/) keep their inline
frames: they are single files on purpose. This runs before the handouts' PDFs (700), the book's PDF (800) and
the site's zip (900), which read the pages as they will be published.
"""

import base64
import hashlib
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # book/, where initlab is
from initlab.notebook.explorer import ENV_VAR  # noqa: E402

FOLDER = "_images/frames"
LEAVE_ALONE = ("slides",)  # top-level folders of the site whose pages keep their frames inline (the decks)

# One explorer, from its root to the end of its data script. The script's JSON holds no "<" at all (explorer.py
# escapes it), so the first "</script>" ends it.
_EXPLORER = re.compile(r'<div class="initlab-explorer"[^>]*\bdata-initlab-explorer\b.*?</script>', re.S)
_DATA_URI = re.compile(r"data:image/png;base64,([A-Za-z0-9+/]+={0,2})")
_FRAME_FILE = re.compile(re.escape(FOLDER) + r"/([0-9a-f]{16}\.png)")


def frame_name(png: bytes) -> str:
    return hashlib.sha256(png).hexdigest()[:16] + ".png"


def externalize(page: str, prefix: str = "") -> tuple[str, dict[str, bytes]]:
    """``page`` (HTML) with each explorer's inline PNG frames replaced by ``<prefix>_images/frames/<name>.png``,
    and the files that those URLs name: ``{name: png bytes}``. ``prefix`` leads from the page to the site's root
    ("../" for a page one folder down). Anything outside an explorer is left exactly as it was."""
    files: dict[str, bytes] = {}

    def to_file(match):
        png = base64.b64decode(match.group(1), validate=True)
        name = frame_name(png)
        files[name] = png
        return f"{prefix}{FOLDER}/{name}"

    return _EXPLORER.sub(lambda explorer: _DATA_URI.sub(to_file, explorer.group(0)), page), files


def site_pages(site: Path):
    """Every HTML page of the built site whose explorers are served as files."""
    for path in sorted(site.rglob("*.html")):
        top = path.relative_to(site).parts
        if len(top) > 1 and (top[0].startswith("_") or top[0] in LEAVE_ALONE):
            continue
        yield path


def write_frame_files(site: Path) -> tuple[int, int]:
    """Move the frames of every page of ``site`` into files; remove frame files no page uses any more (an earlier
    build's). Returns (frame files in use, pages rewritten)."""
    folder = site / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    rewritten = 0
    for path in site_pages(site):
        text = path.read_text(encoding="utf-8")
        if "data-initlab-explorer" not in text:
            continue
        depth = len(path.relative_to(site).parts) - 1
        new, files = externalize(text, "../" * depth)
        for name, png in files.items():
            target = folder / name
            if not target.is_file():
                target.write_bytes(png)
        if new != text:
            path.write_text(new, encoding="utf-8")
            rewritten += 1
        used.update(_FRAME_FILE.findall(new))
    for stale in folder.glob("*.png"):
        if stale.name not in used:
            stale.unlink()
    return len(used), rewritten


def _build_finished(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    count, rewritten = write_frame_files(Path(app.outdir))
    print(f"explorer frames: {count} files in {FOLDER}, {rewritten} pages rewritten", flush=True)


def setup(app):
    os.environ[ENV_VAR] = "1"
    app.connect("build-finished", _build_finished, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
