"""book/_ext/static_frames.py: an explorer's inline frames become content-addressed files the page links to."""

import base64
import hashlib
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "book" / "_ext"))
import static_frames  # noqa: E402

PNG_A = b"\x89PNG\r\n\x1a\n" + b"frame a" * 20
PNG_B = b"\x89PNG\r\n\x1a\n" + b"frame b" * 20


def uri(png):
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def name(png):
    return hashlib.sha256(png).hexdigest()[:16] + ".png"


def explorer(key, frames, start=0):
    """The markup initlab.notebook.explorer.Explorer.to_html emits, reduced to what the rewriting sees."""
    data = json.dumps({"controls": [{"name": "depth", "labels": [str(i) for i in range(len(frames))]}],
                       "frames": frames, "alts": [f"frame {i}" for i in range(len(frames))]}, separators=(",", ":"))
    return (f'<div class="initlab-explorer" id="initlab-{key}" data-initlab-explorer><div class="initlab-controls">'
            f'<input type="range" id="initlab-{key}-depth" min="0" max="{len(frames) - 1}" value="{start}" '
            f'data-initlab-control="depth"></div><div class="initlab-frame-box">'
            f'<img class="initlab-frame" src="{frames[start]}" alt="frame {start}"></div>'
            f'<script type="application/json" class="initlab-explorer-data">{data}</script></div>')


# An image outside any explorer (a logo, a hand-written figure) is not the extension's business.
OTHER = f'<p><img src="{uri(b"not a frame")}" alt="logo"></p>'


def page(*explorers):
    return f"<html><body>{OTHER}<main>{''.join(explorers)}</main><p>after</p></body></html>"


def test_frames_become_files_named_by_their_content():
    html, files = static_frames.externalize(page(explorer("a", [uri(PNG_A), uri(PNG_B)], start=1)))
    assert files == {name(PNG_A): PNG_A, name(PNG_B): PNG_B}
    assert html.count("data:image/png") == 1 and OTHER in html  # only the image outside the explorer is left
    data = json.loads(re.search(r'class="initlab-explorer-data">(.*?)</script>', html).group(1))
    assert data["frames"] == [f"_images/frames/{name(PNG_A)}", f"_images/frames/{name(PNG_B)}"]
    assert data["alts"] == ["frame 0", "frame 1"]
    assert f'<img class="initlab-frame" src="_images/frames/{name(PNG_B)}" alt="frame 1">' in html
    assert html.endswith("</main><p>after</p></body></html>")


def test_a_page_in_a_folder_links_up_to_the_root():
    html, _ = static_frames.externalize(page(explorer("a", [uri(PNG_A), uri(PNG_B)])), prefix="../")
    assert f'src="../_images/frames/{name(PNG_A)}"' in html
    assert f'"frames":["../_images/frames/{name(PNG_A)}","../_images/frames/{name(PNG_B)}"]' in html


def test_frames_shared_by_explorers_are_one_file_and_a_rewritten_page_is_left_as_it_is():
    original = page(explorer("a", [uri(PNG_A), uri(PNG_B)]), explorer("b", [uri(PNG_B), uri(PNG_A)]))
    html, files = static_frames.externalize(original)
    assert set(files) == {name(PNG_A), name(PNG_B)}
    assert "data:image/png" not in html.replace(OTHER, "")
    assert static_frames.externalize(html) == (html, {})


def test_the_site_gets_the_files_the_decks_keep_their_frames_and_stale_frames_go(tmp_path):
    site = tmp_path / "html"
    pages = {"01_chapter.html": page(explorer("a", [uri(PNG_A), uri(PNG_B)])),
             "instructors/01_chapter.html": page(explorer("b", [uri(PNG_B), uri(PNG_A)])),
             "slides/01_chapter.slides.html": page(explorer("a", [uri(PNG_A), uri(PNG_B)])),
             "intro.html": "<html><body>no explorer</body></html>"}
    for rel, text in pages.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(text, encoding="utf-8")
    stale = site / static_frames.FOLDER / "0123456789abcdef.png"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"a frame of an earlier build")

    assert static_frames.write_frame_files(site) == (2, 2)
    folder = site / static_frames.FOLDER
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == {name(PNG_A): PNG_A, name(PNG_B): PNG_B}
    assert f'src="../_images/frames/{name(PNG_B)}"' in (site / "instructors/01_chapter.html").read_text()
    assert f'src="_images/frames/{name(PNG_A)}"' in (site / "01_chapter.html").read_text()
    assert (site / "slides/01_chapter.slides.html").read_text() == pages["slides/01_chapter.slides.html"]
    assert (site / "intro.html").read_text() == pages["intro.html"]
    # A second run (an incremental build that wrote no page again) keeps every file the pages use.
    assert static_frames.write_frame_files(site) == (2, 0)
    assert len(list(folder.iterdir())) == 2


def test_the_rewriting_runs_before_anything_that_reads_the_published_pages(monkeypatch):
    """The handouts' PDFs, the book's PDF and the site's zip are made from the pages after their frames are files."""
    monkeypatch.delenv(static_frames.ENV_VAR, raising=False)  # setup() sets it: the tests after this one run live
    connected = []

    class App:
        def connect(self, event, handler, priority=500):
            connected.append((event, priority))

    static_frames.setup(App())
    assert [event for event, _ in connected] == ["build-finished"]
    ours = connected[0][1]
    for reader in ("handouts", "book_pdf", "offline_copy"):
        source = (Path(static_frames.__file__).parent / f"{reader}.py").read_text(encoding="utf-8")
        theirs = re.search(r'app\.connect\("build-finished", \w+, priority=(\d+)\)', source)
        assert theirs and ours < int(theirs.group(1)), f"{reader}.py reads the pages before their frames are files"
