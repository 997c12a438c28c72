"""The whole built site as one zip, for a USB stick or a lecture room without network.

When a build has finished and the other extensions have written the decks and the student notebooks, the site is
packed into ``downloads/weight-initialization-site.zip`` inside it: every page, deck, notebook and asset, under
one top folder named with the version (``weight-initialization-1.0.0/``), so that unpacking it anywhere and opening
``index.html`` gives the book over ``file://``, the PDFs in ``downloads/`` included (book_pdf.py and handouts.py
write them first). The how-to page links it. The zip leaves out only itself.
"""

import zipfile
from pathlib import Path

from release import version

FOLDER = "downloads"


NAME = "weight-initialization-site.zip"


def pack(site: Path, target: Path, top: str) -> int:
    """Zip every file of ``site`` but ``target`` into ``target``, under the folder ``top``; return the number of
    files packed. Images, PDFs and zips are stored as they are (they hardly compress)."""
    count = 0
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for path in sorted(site.rglob("*")):
            rel = path.relative_to(site)
            if not path.is_file() or path == target:
                continue
            stored = path.suffix.lower() in (".png", ".jpg", ".jpeg", ".gif", ".woff", ".woff2", ".zip", ".pdf")
            archive.write(path, f"{top}/{rel.as_posix()}",
                          compress_type=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
            count += 1
    return count


def write_offline_copy(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    site = Path(app.outdir)
    (site / FOLDER).mkdir(exist_ok=True)
    release = version()
    target = site / FOLDER / NAME
    count = pack(site, target, top=f"weight-initialization-{release}")
    print(f"offline copy: {count} files, {target.stat().st_size / 1e6:.1f} MB -> {target.relative_to(site)}",
          flush=True)


def setup(app):
    # After everything else is written: the decks and the student notebooks (priority 500), the handouts' PDFs (700)
    # and the book's (800).
    app.connect("build-finished", write_offline_copy, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
