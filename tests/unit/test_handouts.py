"""The handouts (book/instructors/handouts): one per chapter, each with its parts, a figure of its own chapter and
links that exist; each lesson plan links its handout. That they print on one or two pages is measured on the
built site (tests/site/test_handouts.py)."""

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"
HANDOUTS = BOOK / "instructors" / "handouts"
PARTS = ["## The key result", "## Three things to remember", "## The practical check"]
MAX_WORDS = 340  # with the figure, what fits one to two printed pages (measured on the built site)


def _chapters():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    return [entry["file"] for part in toc["parts"] if part.get("numbered") for entry in part["chapters"]]


def _notebook_text(chapter):
    cells = json.loads((BOOK / f"{chapter}.ipynb").read_text(encoding="utf-8"))["cells"]
    return cells, "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


CHAPTERS = _chapters()


def test_every_chapter_has_a_handout_listed_in_the_toc():
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    assert CHAPTERS
    for chapter in CHAPTERS:
        assert (HANDOUTS / f"{chapter}.md").is_file(), f"no handout for {chapter}"
        assert f"file: instructors/handouts/{chapter}\n" in toc, f"the handout of {chapter} is not in _toc.yml"
    assert "file: instructors/handouts/index\n" in toc


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_handout_has_its_parts_in_order(chapter):
    text = (HANDOUTS / f"{chapter}.md").read_text(encoding="utf-8")
    cells, markdown = _notebook_text(chapter)
    title = re.search(r"^# (.+)$", markdown, re.M).group(1).strip()
    assert text.splitlines()[0] == f"# Handout: {title}"
    positions = [text.find(part + "\n") for part in PARTS]
    assert all(p > 0 for p in positions) and positions == sorted(positions), f"parts missing or out of order: {PARTS}"
    remember = text[positions[1]:positions[2]]
    assert re.findall(r"^(\d)\. ", remember, re.M) == ["1", "2", "3"], "three things to remember, numbered"
    assert 1 <= text.count("$$") // 2 <= 2, "the key result's formula: one display equation, at most two"
    assert len(re.sub(r"```.*?```", "", text, flags=re.S).split()) <= MAX_WORDS


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_handout_shows_a_figure_of_its_own_chapter_and_refers_to_labels_that_exist(chapter):
    text = (HANDOUTS / f"{chapter}.md").read_text(encoding="utf-8")
    cells, markdown = _notebook_text(chapter)
    figures = re.findall(r"^```\{handout-figure\} (\S+)$", text, re.M)
    names = {c["metadata"].get("mystnb", {}).get("figure", {}).get("name") for c in cells if c["cell_type"] == "code"}
    assert len(figures) == 1 and figures[0] in names, f"{figures} must be one figure of {chapter}"
    labels = set(re.findall(r"^\((\S+)\)=$", markdown, re.M))
    for ref in re.findall(r"\{ref\}`(?:[^`<]*<)?([^`>]+)>?`", text):
        assert ref in labels, f"{{ref}} to {ref}, which {chapter} does not define"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_lesson_plan_links_its_handout(chapter):
    plan = (BOOK / "instructors" / f"{chapter}.md").read_text(encoding="utf-8")
    assert f"{{handout}}`{chapter}`" in plan
