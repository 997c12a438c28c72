"""book/_ext/decks.py: every chapter's deck in the site, the download-menu entry and the {deck} role."""

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from docutils import nodes
from sphinx.errors import ConfigError

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "book" / "_ext"))
import decks  # noqa: E402

from tools import slides  # noqa: E402

FIRST = slides.chapters()[0].stem


class _Reporter:
    def __init__(self):
        self.errors = []

    def error(self, message, line=None):
        self.errors.append(message)
        return nodes.system_message(message, level=3, type="ERROR")


def _role(text, docname):
    reporter = _Reporter()
    inliner = SimpleNamespace(
        reporter=reporter, document=SimpleNamespace(settings=SimpleNamespace(env=SimpleNamespace(docname=docname))),
        problematic=lambda rawtext, text, message: nodes.problematic(rawtext, text))
    made, messages = decks.deck_role("deck", f"{{deck}}`{text}`", text, 1, inliner)
    return made, messages, reporter.errors


def test_every_chapter_of_the_toc_gets_a_deck():
    assert decks.deck_chapters() == [path.stem for path in slides.chapters()]
    assert decks.deck_path(FIRST) == f"slides/{FIRST}.slides.html"


@pytest.mark.parametrize(("docname", "prefix"), [("how_to_use", ""), ("instructors/01_x", "../")])
def test_the_role_links_the_deck_relative_to_the_page(docname, prefix):
    (link,), messages, errors = _role(FIRST, docname)
    assert link["refuri"] == f"{prefix}slides/{FIRST}.slides.html" and link.astext() == decks.DEFAULT_TEXT
    assert not messages and not errors
    (link,), _, _ = _role(f"chapter 1's deck <{FIRST}>", docname)
    assert link.astext() == "chapter 1's deck" and link["refuri"].endswith(f"slides/{FIRST}.slides.html")


def test_the_role_names_the_chapters_when_given_another():
    made, messages, errors = _role("99_no_such_chapter", "how_to_use")
    assert isinstance(made[0], nodes.problematic) and len(messages) == 1
    assert "deck: chapter must be one of" in errors[0] and FIRST in errors[0] and "'99_no_such_chapter'" in errors[0]


def test_a_chapter_page_offers_its_deck_in_the_download_menu_and_other_pages_do_not():
    def context():
        return {"pathto": lambda target, resource: f"../{target}",
                "header_buttons": [{"label": "download-buttons", "buttons": [{"label": "download-notebook-button"}]}]}

    page = context()
    decks.add_download_entry(None, FIRST, "page.html", page, None)
    entry = page["header_buttons"][0]["buttons"][-1]
    assert entry["url"] == f"../slides/{FIRST}.slides.html" and entry["text"] == "slides"
    other = context()
    decks.add_download_entry(None, "glossary", "page.html", other, None)
    assert len(other["header_buttons"][0]["buttons"]) == 1


def _app(tmp_path, mode):
    return SimpleNamespace(builder=SimpleNamespace(format="html"), config=SimpleNamespace(initlab_decks=mode),
                           outdir=str(tmp_path / "html"))


@pytest.mark.parametrize(("mode", "warned"), [("required", 1), ("optional", 0)])
def test_missing_npm_packages_fail_a_full_build_and_not_a_quick_one(tmp_path, monkeypatch, mode, warned):
    monkeypatch.setattr(slides, "missing_packages", lambda: ["reveal.js"])
    said = {"warning": [], "info": []}
    monkeypatch.setattr(decks, "logger", SimpleNamespace(warning=said["warning"].append, info=said["info"].append))
    decks.write_decks(_app(tmp_path, mode), None)
    assert len(said["warning"]) == warned and len(said["info"]) == 1 - warned
    assert "reveal.js" in (said["warning"] + said["info"])[0] and "npm ci" in (said["warning"] + said["info"])[0]
    assert not (tmp_path / "html" / decks.FOLDER).exists()


def test_a_failed_build_or_another_builder_writes_no_decks(tmp_path, monkeypatch):
    monkeypatch.setattr(slides, "export", lambda *a, **k: pytest.fail("exported"))
    decks.write_decks(_app(tmp_path, "required"), RuntimeError("the build failed"))
    latex = _app(tmp_path, "required")
    latex.builder.format = "latex"
    decks.write_decks(latex, None)


def test_the_setting_takes_only_its_two_values():
    decks.check_config(None, SimpleNamespace(initlab_decks="optional"))
    with pytest.raises(ConfigError, match=r"initlab_decks must be one of required, optional, got 'yes'"):
        decks.check_config(None, SimpleNamespace(initlab_decks="yes"))
