"""book/_ext/offline_copy.py: the site packed under one top folder, its downloads (the PDFs) included, the zip itself not."""

import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "book" / "_ext"))
import offline_copy  # noqa: E402


def test_pack_keeps_every_file_under_one_folder_and_leaves_itself_out(tmp_path):
    site = tmp_path / "html"
    for rel, data in {"index.html": b"<html>", "slides/a.slides.html": b"deck" * 100, "_images/f.png": b"\x89PNG" * 50,
                      "downloads/book.pdf": b"%PDF" * 50,
                      f"downloads/{offline_copy.NAME}": b"the zip of the previous build"}.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(data)
    target = site / "downloads" / offline_copy.NAME
    assert offline_copy.pack(site, target, top="book-1.2.3") == 4
    with zipfile.ZipFile(target) as z:
        infos = {i.filename: i for i in z.infolist()}
        assert set(infos) == {"book-1.2.3/index.html", "book-1.2.3/slides/a.slides.html", "book-1.2.3/_images/f.png",
                              "book-1.2.3/downloads/book.pdf"}
        assert infos["book-1.2.3/_images/f.png"].compress_type == zipfile.ZIP_STORED  # PNGs do not compress
        assert infos["book-1.2.3/downloads/book.pdf"].compress_type == zipfile.ZIP_STORED
        assert infos["book-1.2.3/slides/a.slides.html"].compress_type == zipfile.ZIP_DEFLATED
        assert z.read("book-1.2.3/slides/a.slides.html") == b"deck" * 100
