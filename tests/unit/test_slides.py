"""tools.slides: the slide rule, the metadata-only `mark`, MyST for the decks, and the command line."""

from __future__ import annotations

import base64
import json
import re
import shutil
from copy import deepcopy

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from initlab.notebook import quiz

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


# --------------------------------------------------------------------------- every slide fits its slide


def _png(width, height):
    """A base64 PNG header of the given size (only the header is read)."""
    head = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + width.to_bytes(4, "big") + height.to_bytes(4, "big")
    return base64.b64encode(head + b"\x08\x02\x00\x00\x00").decode()


def _kinds(cells):
    return [c.metadata["slideshow"]["slide_type"] for c in cells]


def _paragraph(words):
    return " ".join(f"word{i}" for i in range(words))


def test_split_blocks_keeps_math_code_and_boxes_whole_and_introductions_with_what_they_introduce():
    source = ("First paragraph.\n\n$$\na = b\n$$\n\n```python\nx = 1\n\ny = 2\n```\n\n"
              "```{prf:proof}\nStep one.\n\nStep two.\n```\n\n(eq-label)=\n\nTarget text.\n\n"
              "The cases:\n\n- one\n- two\n\nLast.")
    assert slides.split_blocks(source) == [
        "First paragraph.", "$$\na = b\n$$", "```python\nx = 1\n\ny = 2\n```",
        "```{prf:proof}\nStep one.\n\nStep two.\n```", "(eq-label)=\nTarget text.",
        "The cases:\n\n- one\n- two", "Last."]


def test_a_list_taller_than_a_slide_is_cut_between_items_keeping_its_numbers():
    items = [f"{i}. {_paragraph(40)}" for i in range(1, 31)]
    block = "Introduction:\n\n" + "\n".join(items)
    parts = slides.split_list(block)
    assert len(parts) >= 2
    assert all(slides.markdown_height(part) <= slides.SLIDE_ROOM for part in parts)
    assert parts[0].startswith("Introduction:")
    assert [line for part in parts for line in part.splitlines() if line.strip()] == \
           [line for line in block.splitlines() if line.strip()]
    assert parts[1].split(".")[0].isdigit() and parts[1].split(".")[0] != "1"  # numbering goes on
    assert slides.split_list("Short:\n\n- a\n- b") == ["Short:\n\n- a\n- b"]


def test_a_long_list_in_a_box_gets_a_box_per_part_and_a_box_in_a_box_is_left_whole():
    inner = "\n".join(f"- {_paragraph(40)}" for _ in range(30))
    box = f'<div class="myst myst-note">\n<p class="myst-title">Note</p>\n\n{inner}\n\n</div>'
    parts = slides.split_list(box)
    assert len(parts) >= 2
    for part in parts:
        assert part.startswith('<div class="myst myst-note">\n<p class="myst-title">Note</p>')
        assert part.endswith("</div>") and part.count("<div") == part.count("</div>") == 1
    nested = f'<div class="myst">\n\n<div class="myst">\n\n{inner}\n\n</div>\n\n</div>'
    assert slides.split_list(nested) == [nested]


def test_taller_text_is_estimated_taller():
    one, two = slides.markdown_height(_paragraph(20)), slides.markdown_height(_paragraph(200))
    assert 0 < one < two
    assert slides.markdown_height("## A heading") > slides.markdown_height("A heading")
    assert slides.markdown_height("$$\n\\frac{a}{b}\n$$") > slides.markdown_height("$$\na = b\n$$")


def test_a_formula_counts_as_a_formula_inside_a_list_item_or_after_its_sentence():
    """A display formula is as tall wherever its block starts: estimated as prose, the derivations of chapters 6
    and 9 ran 150-300 px past the bottom of their slides."""
    formula = "$$\n\\begin{aligned}\na &= \\frac{b}{c} \\\\\n&= d\n\\end{aligned}\n$$"
    alone = slides.markdown_height(formula)
    item = "5. The chain rule sums over all outputs:\n\n" + "\n".join("   " + line for line in formula.splitlines())
    after = "Unrolling the recursion gives:\n\n" + formula
    assert slides.markdown_height(item) > alone + slides.markdown_height("5. The chain rule sums over all outputs:") / 2
    assert slides.markdown_height(after) > alone + slides.markdown_height("Unrolling the recursion gives:") / 2
    table = "| a | $\\frac{x}{y}$ |\n|---|---|\n| 1 | 2 |"
    assert slides.markdown_height("It reads:\n\n" + table) > slides.markdown_height(table)


def test_png_size_is_read_from_the_header():
    assert slides._png_size(_png(1000, 600)) == (1000, 600)
    assert slides._png_size(base64.b64encode(b"not a png at all, really").decode()) is None
    image = new_output("display_data", data={"image/png": _png(1000, 250), "text/plain": "<Figure>"})
    tall = new_output("display_data", data={"image/png": _png(1000, 2000), "text/plain": "<Figure>"})
    assert slides.output_height(image) < slides.output_height(tall) <= slides.SLIDE_ROOM


def _code(source, *outputs):
    cell = new_code_cell(source)
    cell.outputs = list(outputs)
    return cell


def test_short_code_stays_on_its_slide_with_what_it_printed():
    cell = _code("x = 1\nprint(x)", new_output("stream", name="stdout", text="1\n"))
    (piece,) = slides.fit_code(cell, "-")
    assert piece.source == cell.source and not piece.metadata.get("transient")
    assert _kinds([piece]) == ["-"]


def test_long_code_goes_to_the_speaker_notes_and_its_output_stays():
    source = "\n".join(f"x{i} = {i}" for i in range(slides.MAX_SOURCE_LINES + 1))
    cell = _code(source, new_output("stream", name="stdout", text="done\n"))
    shown, notes = slides.fit_code(cell, "-")
    assert shown.metadata["transient"] == {"remove_source": True} and shown.outputs[0]["text"] == "done\n"
    assert _kinds([shown, notes]) == ["-", "notes"] and source in notes.source
    (only_notes,) = slides.fit_code(_code(source), "-")  # nothing printed: nothing on the slide
    assert _kinds([only_notes]) == ["notes"]


def test_a_table_taller_than_a_slide_is_cut_into_even_parts_on_continuation_slides():
    rows = [f"row {i:3d}  {i * 0.5:8.3f}" for i in range(70)]
    cell = _code("print_table(...)", new_output("stream", name="stdout", text="\n".join(rows) + "\n"))
    pieces = slides.fit_code(cell, "-")
    notes = [p for p in pieces if _kinds([p]) == ["notes"]]
    assert len(notes) == 1 and "print_table(...)" in notes[0].source  # no room for the code: it is in the notes
    pieces = [p for p in pieces if p not in notes]
    assert len(pieces) >= 3
    assert _kinds(pieces) == ["-"] + ["subslide"] * (len(pieces) - 1)
    sizes = [len(p.outputs[0]["text"].splitlines()) for p in pieces]
    assert max(sizes) - min(sizes) <= 1
    assert [line for p in pieces for line in p.outputs[0]["text"].splitlines()] == rows
    assert all(slides.cell_height(p) <= slides.SLIDE_ROOM for p in pieces)


def test_outputs_that_do_not_fit_together_get_a_slide_each():
    figure = new_output("display_data", data={"image/png": _png(1000, 330), "text/plain": "<Figure>"})
    assert 2 * slides.output_height(figure) > slides.SLIDE_ROOM
    pieces = slides.fit_code(_code("figures.one()\nfigures.two()", figure, deepcopy(figure)), "subslide")
    assert _kinds(pieces) == ["subslide", "subslide"] and [len(p.outputs) for p in pieces] == [1, 1]
    assert pieces[0].source and not pieces[1].source  # the source, when shown, stays with the first


def test_paginate_starts_a_continuation_slide_where_the_room_runs_out():
    cells = [new_markdown_cell("## A section")] + [new_markdown_cell(_paragraph(150)) for _ in range(8)]
    for cell, kind in zip(cells, ["slide"] + ["-"] * 8):
        cell.metadata["slideshow"] = {"slide_type": kind}
    notes = new_markdown_cell(_paragraph(2000))
    notes.metadata["slideshow"] = {"slide_type": "notes"}
    cells.insert(2, notes)
    slides.paginate(cells)
    kinds = _kinds(cells)
    assert kinds[0] == "slide" and kinds[2] == "notes" and "subslide" in kinds
    used = 0
    for cell, kind in zip(cells, kinds):
        if kind == "notes":
            continue
        used = slides.cell_height(cell) if kind in ("slide", "subslide") else used + slides.cell_height(cell)
        assert used <= slides.SLIDE_ROOM


def test_the_quiz_becomes_one_card_per_question_with_its_answers_in_the_notes(refs):
    nb = new_notebook(cells=[new_markdown_cell("# 1. A chapter"), new_markdown_cell("## Quiz"),
                             new_code_cell('quiz.show("01_vanishing_gradients")')])
    deck = slides.deck_notebook(nb, refs)
    questions = quiz.load("01_vanishing_gradients")
    cards = [c for c in deck.cells if c.source.startswith("**Quiz ")]
    assert len(cards) == len(questions) and all(_kinds([c]) == ["subslide"] for c in cards)
    assert not any(c.cell_type == "code" for c in deck.cells)
    for card in cards:
        notes = deck.cells[deck.cells.index(card) + 1]
        assert _kinds([notes]) == ["notes"] and "Right" in notes.source
    first = next(q for q in questions if q["type"] == "multiple_choice")
    assert "**A.**" in cards[questions.index(first)].source


def test_every_deck_cell_of_every_chapter_fits_by_the_estimates(refs):
    """The rules leave no slide taller than the room they plan for, on the real chapters (committed outputs);
    tests/site/test_slides.py measures the same decks in a browser."""
    for path in slides.chapters():
        deck = slides.deck_notebook(nbformat.read(path, as_version=4), refs)
        used, slide = 0, 0
        for cell in deck.cells:
            kind = cell.metadata["slideshow"]["slide_type"]
            if kind in ("notes", "skip"):
                continue
            if kind in ("slide", "subslide"):
                used, slide = 0, slide + 1
            used += slides.cell_height(cell)
            first = next((line for line in cell.source.splitlines() if line.strip()), "")[:40]
            assert used <= slides.SLIDE_ROOM or slides.cell_height(cell) == used, (
                f"{path.name}, slide {slide}: {used:.0f} px planned ({first!r})")


def test_the_deck_html_has_one_section_per_planned_slide(refs, tmp_path):
    path = slides.chapters()[0]
    target, _ = slides.export_one(path, tmp_path, refs, mode="stored")
    deck = slides.deck_notebook(nbformat.read(path, as_version=4), refs)
    planned = sum(k in ("slide", "subslide") for k in _kinds(deck.cells))
    tags = re.findall(r"<section\b|</section>", target.read_text(encoding="utf-8"))
    shown = sum(a.startswith("<section") and b == "</section>" for a, b in zip(tags, tags[1:]))
    assert shown == planned  # a <div> cut in two by a split would break the slides' nesting


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


def test_fit_names_the_decks_it_cannot_find(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        slides.main(["fit", "--out", str(tmp_path)])
    assert exit_.value.code == 2
    assert f"no deck {slides.chapters()[0].stem}.slides.html" in capsys.readouterr().err


def test_export_without_the_npm_packages_says_how_to_install_them(tmp_path, monkeypatch):
    monkeypatch.setattr(slides, "NODE_MODULES", tmp_path / "node_modules")
    with pytest.raises(SystemExit, match=r"npm ci"):
        slides.copy_assets(tmp_path / "out")


def test_export_rejects_an_unknown_mode(tmp_path):
    with pytest.raises(ValueError, match=r"mode must be one of auto, execute, stored, built, got 'live'"):
        slides.export([], tmp_path, mode="live")
