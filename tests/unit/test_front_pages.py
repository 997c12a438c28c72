"""The pages around the chapters: the short answers, the checklist, notation, glossary, intro and how-to-use.

Every link they make resolves (sections by label, pages by name, citations, glossary terms), every number the
short answers quote is glued by a code cell, each answer has the length the book promises, and the notebooks
follow the chapters' conventions (checks in collapsed check cells, nothing wider than 80 characters)."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"
NOTEBOOKS = ["short_answers", "checklist"]
PAGES = ["notation", "glossary", "intro", "how_to_use"]


def _cells(name):
    return json.loads((BOOK / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]


def _source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _markdown(name):
    if name in NOTEBOOKS:
        return "\n\n".join(_source(c) for c in _cells(name) if c["cell_type"] == "markdown")
    return (BOOK / f"{name}.md").read_text(encoding="utf-8")


def _book_labels():
    """Every `(label)=` target and `:label:` option in the book's sources."""
    labels = set()
    for path in list(BOOK.glob("*.ipynb")) + list(BOOK.glob("*.md")) + list(BOOK.glob("instructors/*.md")):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".ipynb":
            text = "\n".join(_source(c) for c in json.loads(text)["cells"])
        labels |= set(re.findall(r"^\((\S+)\)=\s*$", text, flags=re.M))
        labels |= set(re.findall(r"^:label:\s*(\S+)", text, flags=re.M))
    return labels


def _targets(text, role):
    """The targets of every {role}`...` in ``text``: ``text <target>`` or the bare target."""
    found = []
    for body in re.findall(r"\{" + re.escape(role) + r"\}`([^`]+)`", text):
        match = re.search(r"<([^<>]+)>\s*$", body)
        found.append((match.group(1) if match else body).strip())
    return found


ALL = NOTEBOOKS + PAGES


@pytest.mark.parametrize("name", ALL)
def test_every_section_link_resolves(name):
    labels = _book_labels()
    text = _markdown(name)
    missing = [t for t in _targets(text, "ref") if t not in labels]
    missing += [t for t in _targets(text, "prf:ref") if t not in labels]
    assert not missing, f"{name}: links to labels that no page defines: {missing}"


@pytest.mark.parametrize("name", ALL)
def test_every_page_link_resolves(name):
    missing = [t for t in _targets(_markdown(name), "doc")
               if not any((BOOK / f"{t}{ext}").is_file() for ext in (".ipynb", ".md"))]
    assert not missing, f"{name}: links to pages that do not exist: {missing}"


@pytest.mark.parametrize("name", ALL)
def test_every_citation_is_in_the_bibliography(name):
    keys = set(re.findall(r"^@\w+\{([^,]+),", (BOOK / "references.bib").read_text(encoding="utf-8"), flags=re.M))
    cited = [k.strip() for role in ("cite:p", "cite:t") for body in _targets(_markdown(name), role)
             for k in body.split(",")]
    assert cited or name not in ("short_answers", "checklist")
    assert not [k for k in cited if k not in keys], f"{name}: unknown citation keys"


@pytest.mark.parametrize("name", ALL)
def test_every_glossary_term_exists(name):
    glossary = _markdown("glossary")
    body = glossary[glossary.index("```{glossary}"):]
    terms = {line.strip() for line in body.splitlines() if line and not line[0].isspace() and not line.startswith(("`", ":"))}
    used = _targets(_markdown(name), "term")
    assert not [t for t in used if t not in terms], f"{name}: terms missing from the glossary"


def test_every_number_the_short_answers_quote_is_glued_and_stored():
    cells = _cells("short_answers")
    prose = _markdown("short_answers")
    quoted = {body.split(":")[0] for body in re.findall(r"\{glue(?::text|:md)?\}`([^`]+)`", prose)}
    assert len(quoted) >= 6
    glued = set()
    for cell in cells:
        if cell["cell_type"] == "code":
            for output in cell.get("outputs", []):
                for mime in output.get("data", {}):
                    if mime.startswith("application/papermill.record/"):
                        glued.add(output["metadata"]["scrapbook"]["name"])
    assert quoted <= glued, f"quoted but not glued (run the notebook): {sorted(quoted - glued)}"


def _words(text):
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    text = re.sub(r"\$[^$]*\$", " x ", text)
    text = re.sub(r"\{[^}]+\}`([^`<]*)(<[^`]*>)?`", r"\1", text)
    return len([w for w in text.split() if re.search(r"\w", w)])


def test_each_short_answer_is_150_to_300_words_with_a_formula_a_number_and_links():
    answers = [_source(c) for c in _cells("short_answers")
               if c["cell_type"] == "markdown" and "\n## " in "\n" + _source(c)]
    assert len(answers) == 6
    for text in answers:
        title = next(line for line in text.splitlines() if line.startswith("## "))
        assert 150 <= _words(text) <= 300, f"{title}: {_words(text)} words"
        assert "$$" in text, f"{title}: no display formula"
        assert "{glue:" in text, f"{title}: no number from the book"
        assert "{ref}" in text and "{doc}" in text, f"{title}: no link to a section and a chapter"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_cells_follow_the_chapter_conventions(name):
    for cell in _cells(name):
        source = _source(cell)
        tags = cell.get("metadata", {}).get("tags", [])
        if cell["cell_type"] != "code" or "remove-cell" in tags:
            continue
        assert all(len(line) <= 80 for line in source.splitlines()), source.splitlines()[0]
        for output in cell.get("outputs", []):
            text = output.get("text", "") if output.get("output_type") == "stream" else ""
            text = "".join(text) if isinstance(text, list) else text
            assert all(len(line) <= 80 for line in text.splitlines()), text[:200]
            assert output.get("output_type") != "error"
        if "check" in tags:
            assert "hide-input" in tags and source.startswith("# Check: ")
            assert not cell.get("outputs"), "a check cell prints nothing"
            assert cell["metadata"]["mystnb"]["code_prompt_show"] == "Show the check"
        if name == "short_answers" and "check" not in tags:
            assert "remove-input" in tags, "the short answers hide their code"
