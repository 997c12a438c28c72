"""tools.slides: the slide rule, the metadata-only `mark`, MyST for the decks, and the command line."""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tools import slides

PNG = "iVBORw0KGgo="  # any base64: only the output's MIME type matters to the rule


def _image_cell(source):
    cell = new_code_cell(source)
    cell.outputs = [new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})]
    return cell


def _bootstrap_cell():
    cell = new_code_cell("%pip install initlab")
    cell.metadata["tags"] = ["remove-cell"]
    return cell


def _check_cell(source="# Check: the measured factor is the predicted one\nassert abs(x - 1) < 0.1"):
    cell = new_code_cell(source)
    cell.metadata["tags"] = ["hide-input", "check"]
    cell.metadata["mystnb"] = {"code_prompt_show": "Show the check", "code_prompt_hide": "Hide the check"}
    return cell


# (cell, slide type the rule must give it), in notebook order: the order matters (setup, solutions).
SYNTHETIC = [
    (new_markdown_cell("# 1. A chapter\n\n```{admonition} Learning objectives\n:class: tip\n1. one\n```"), "slide"),
    (_bootstrap_cell(), "skip"),
    (new_code_cell("%matplotlib inline\nimport initlab"), "skip"),
    (new_markdown_cell("(sec-first)=\n## 1.1 The first section\n\nText."), "slide"),
    (new_code_cell("print(1)"), "-"),
    (new_markdown_cell("More text, and a fence that is not a heading:\n\n```python\n## not a heading\n```"), "-"),
    (new_markdown_cell("```{prf:proposition} A result\n:label: prop-a\n$x = 1$\n```\n\n```{prf:proof}\nEasy.\n```"),
     "subslide"),
    (new_markdown_cell("### A subsection"), "subslide"),
    (new_code_cell("explorer = explore(fig, depth=Slider([1, 2]))\nexplorer"), "subslide"),
    (_image_cell("figures.static_figure()"), "subslide"),
    (new_code_cell("x = 2"), "-"),
    (_check_cell(), "skip"),  # a check cell: on the site collapsed, on a slide never
    (_bootstrap_cell(), "skip"),
    (new_markdown_cell("## 1.2 Exercises"), "slide"),
    (new_markdown_cell("````{exercise} Ex\n:label: ex-a\nDo it.\n````\n\n"
                       "````{solution-start} ex-a\n:class: dropdown\n````\n\nThe start of the answer."), "subslide"),
    (_image_cell("answer = explore(fig, a=Slider([1, 2]))"), "notes"),  # inside a solution: notes win
    (new_markdown_cell("The end of the answer.\n\n````{solution-end}\n````"), "notes"),
    (new_markdown_cell("````{solution-start} ex-b\n````"), "notes"),
    (new_code_cell("y = 3"), "notes"),
    (new_markdown_cell("````{solution-end}\n````\n\n## 1.3 Summary"), "slide"),
    (new_code_cell("y"), "-"),
]


def _synthetic():
    return new_notebook(cells=[cell for cell, _ in SYNTHETIC])


def test_rule_on_a_synthetic_chapter():
    got = slides.slide_types(_synthetic().cells)
    expected = [kind for _, kind in SYNTHETIC]
    wrong = [(i, g, e) for i, (g, e) in enumerate(zip(got, expected)) if g != e]
    assert not wrong, f"(cell, got, expected): {wrong}"


def test_code_before_the_first_section_is_skipped_only_there():
    nb = new_notebook(cells=[new_markdown_cell("# T"), new_code_cell("import a"), new_markdown_cell("## S"),
                             new_code_cell("import b")])
    assert slides.slide_types(nb.cells) == ["slide", "skip", "slide", "-"]


def test_mark_then_no_differences():
    nb = _synthetic()
    assert slides.differences(nb), "an unmarked notebook must differ from the rule"
    slides.mark(nb)
    assert slides.differences(nb) == []
    assert nb.metadata["rise"] == slides.RISE and nb.metadata["rise"]["scroll"] is True
    assert [c.metadata["slideshow"]["slide_type"] for c in nb.cells] == [kind for _, kind in SYNTHETIC]


def test_differences_name_the_cell_and_both_types():
    nb = _synthetic()
    slides.mark(nb)
    nb.cells[4].metadata["slideshow"]["slide_type"] = "fragment"
    (found,) = slides.differences(nb)
    assert "cell 4" in found and "'fragment'" in found and "'-'" in found


def _chapter_copy(tmp_path):
    source = slides.chapters()[0]
    copy = tmp_path / source.name
    shutil.copy(source, copy)
    return copy


def _strip_slide_metadata(data):
    data["metadata"].pop("rise", None)
    for cell in data["cells"]:
        cell["metadata"].pop("slideshow", None)
    return data


def test_mark_changes_only_metadata_and_keeps_the_repos_json_format(tmp_path):
    copy = _chapter_copy(tmp_path)
    original = copy.read_text(encoding="utf-8")
    assert slides.main(["mark", str(copy)]) == 0
    marked = copy.read_text(encoding="utf-8")
    data = json.loads(marked)
    assert all("slideshow" in cell["metadata"] for cell in data["cells"])
    # Sources, outputs and everything else as before, written as nbformat writes the chapters.
    assert json.dumps(_strip_slide_metadata(data), indent=1, ensure_ascii=False, sort_keys=True) + "\n" == \
        json.dumps(_strip_slide_metadata(json.loads(original)), indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    assert marked.endswith("}\n") and "\\u00" not in marked.split('"outputs"')[0]
    assert slides.main(["mark", "--check", str(copy)]) == 0
    assert slides.main(["mark", str(copy)]) == 0
    assert copy.read_text(encoding="utf-8") == marked, "marking twice must change nothing"


def test_check_fails_on_an_unmarked_copy(tmp_path, capsys):
    copy = _chapter_copy(tmp_path)
    nb = nbformat.read(copy, as_version=4)
    for cell in nb.cells:
        cell.metadata.pop("slideshow", None)
    nbformat.write(nb, copy)
    assert slides.main(["mark", "--check", str(copy)]) == 1
    assert "differences from the slide rule" in capsys.readouterr().out


def test_every_chapter_follows_the_slide_rule(capsys):
    """Fails until `python -m tools.slides mark` has been run on the chapters (and after an edit that
    adds cells without marking them)."""
    code = slides.main(["mark", "--check"])
    assert code == 0, capsys.readouterr().out


# ----------------------------------------------------------------------------------- deck Markdown


def test_split_cuts_before_headings_and_blocks_and_after_solutions():
    source = ("Answer text.\n````{solution-end}\n````\n\n## 2. Summary\nSummary text.\n\n"
              "```python\n# a comment, not a heading\n```\n"
              "```{prf:proposition} P\n:label: p\nStatement.\n```")
    pieces = slides.split_markdown(source)
    assert pieces[0] == "Answer text."
    assert pieces[1].startswith("````{solution-end}")
    assert pieces[2].startswith("## 2. Summary") and "# a comment" in pieces[2]
    assert pieces[3].startswith("```{prf:proposition}")
    assert len(pieces) == 4


def test_a_label_target_stays_with_its_heading():
    assert slides.split_markdown("Text.\n\n(sec-x)=\n## X") == ["Text.", "(sec-x)=\n## X"]


@pytest.fixture(scope="module")
def refs():
    return slides.References.of_book(slides.chapters())


def test_myst_becomes_boxes_and_text(refs):
    source = ("(sec-x)=\n```{prf:proposition} The bound\n:label: prop-x\nSee {cite:t}`glorot2010understanding` "
              "and {cite:p}`he2015delving`, {doc}`chapter 1 <01_vanishing_gradients>`.\n```\n"
              "````{solution-start} ex-a\n:class: dropdown\n````\n"
              "```python\nprint('{cite:p}`kept`')\n```")
    out = slides.myst_to_markdown(source, refs)
    assert '<div class="myst myst-proposition">' in out and "Proposition: The bound" in out
    assert "Glorot and Bengio (2010)" in out and "(He et al. 2015)" in out
    assert "chapter 1" in out and "{doc}" not in out
    assert "(sec-x)=" not in out and ":label:" not in out and "solution-start" not in out
    assert "print('{cite:p}`kept`')" in out, "code blocks stay verbatim"


def test_references_resolve_proposition_labels(refs):
    assert refs.labels["prop-backward-bound"].startswith("Proposition")
    assert slides.myst_to_markdown("{prf:ref}`prop-backward-bound`", refs) == refs.labels["prop-backward-bound"]


def test_deck_notebook_splits_marks_and_drops_widget_views(refs):
    nb = _synthetic()
    widget = new_output("execute_result", data={"application/vnd.jupyter.widget-view+json": {"model_id": "x"},
                                                "image/png": PNG, "text/plain": "Interactive figure"})
    nb.cells[8].outputs = [widget]
    deck = slides.deck_notebook(nb, refs)
    kinds = [c.metadata["slideshow"]["slide_type"] for c in deck.cells]
    shown = [c for c in nb.cells if "check" not in c.metadata.get("tags", [])]
    assert len(deck.cells) > len(shown)  # the exercise cell became exercise + answer pieces
    answer = next(c for c in deck.cells if "The start of the answer" in c.source)
    assert answer.metadata["slideshow"]["slide_type"] == "notes"
    assert kinds.count("slide") == 4 and deck.metadata["title"] == "1. A chapter"
    assert all("application/vnd.jupyter.widget-view+json" not in o.get("data", {})
               for c in deck.cells for o in c.get("outputs", []))
    assert nb.cells[8].outputs[0]["data"].get("application/vnd.jupyter.widget-view+json"), "input left alone"
    assert not any("check" in c.metadata.get("tags", []) for c in deck.cells), "a check cell reached the deck"
    assert not any("# Check:" in c.source for c in deck.cells)


# ------------------------------------------------------------------------------------ command line


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["mark", "book/no_such_chapter.ipynb"], "notebook not found: 'book/no_such_chapter.ipynb'"),
        (["mark", "README.md"], "NOTEBOOK must be a .ipynb file, got 'README.md'"),
        (["export", "--jobs", "0"], "--jobs must be at least 1, got 0"),
        (["present"], "invalid choice: 'present'"),
        ([], "the following arguments are required"),
    ],
)
def test_bad_arguments_give_clear_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        slides.main(argv)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_export_without_the_npm_packages_says_how_to_install_them(tmp_path, monkeypatch):
    monkeypatch.setattr(slides, "NODE_MODULES", tmp_path / "node_modules")
    with pytest.raises(SystemExit, match=r"npm ci"):
        slides.copy_assets(tmp_path / "out")


def test_export_rejects_an_unknown_mode(tmp_path):
    with pytest.raises(ValueError, match=r"mode must be one of auto, execute, stored, got 'live'"):
        slides.export([], tmp_path, mode="live")
