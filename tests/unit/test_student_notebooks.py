"""book/_ext/student_notebooks.py: the student version of a notebook keeps everything but the solutions."""

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import student_notebooks as sn  # noqa: E402

NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))


def _md(text):
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def _code(text, tags=()):
    return {"cell_type": "code", "metadata": {"tags": list(tags)}, "source": text, "outputs": [
        {"output_type": "stream", "name": "stdout", "text": "out\n"}], "execution_count": 1}


def _text(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


SAMPLE = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
    _md("# Title\n\n````{exercise} One\n:label: ex-one\n\nDo it.\n````"),
    _code("check.one(None)", tags=["self-check"]),
    _md("````{solution} ex-one\n:class: dropdown\n\nThe answer is 4:\n\n```python\nx = 4\n```\n````\n\nAfter."),
    _md("````{exercise} Two\n:label: ex-two\n\nAgain.\n````"),
    _md("Before.\n\n````{solution-start} ex-two\n:class: dropdown\n````\n\nFirst we compute"),
    _code("answer = compute()"),
    _md("and that is all.\n\n````{solution-end}\n````\n\nNext section."),
    _code("print('kept')"),
]}


def test_solutions_go_exercises_self_checks_and_the_rest_stay():
    student = sn.student_version(SAMPLE)
    texts = [_text(c) for c in student["cells"]]
    assert texts == [
        "# Title\n\n````{exercise} One\n:label: ex-one\n\nDo it.\n````",
        "check.one(None)",
        f"{sn.NOTE}\n\nAfter.",
        "````{exercise} Two\n:label: ex-two\n\nAgain.\n````",
        f"Before.\n\n{sn.NOTE}",
        "Next section.",
        "print('kept')",
    ]
    assert student["cells"][1]["outputs"] == SAMPLE["cells"][1]["outputs"]  # outputs outside solutions stay
    assert SAMPLE["cells"][5]["source"] == "answer = compute()"  # the original is not changed


def test_an_unclosed_gated_solution_is_an_error():
    broken = {**SAMPLE, "cells": SAMPLE["cells"][:6]}
    with pytest.raises(ValueError, match="solution-end"):
        sn.student_version(broken)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_of_the_book(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    student = sn.student_version(notebook)
    original = "\n".join(_text(c) for c in notebook["cells"])
    kept = "\n".join(_text(c) for c in student["cells"])
    assert not re.search(r"\{solution", kept)
    assert kept.count("{exercise}") == original.count("{exercise}")
    solutions = len(re.findall(r"\{solution(?:-start)?\}", original))
    assert kept.count(sn.NOTE) == solutions

    def tagged(nb, tag):
        return [_text(c) for c in nb["cells"] if tag in c["metadata"].get("tags", [])]

    for tag in ("self-check", "remove-cell"):  # every self-check and the hidden Colab cell stay
        assert tagged(student, tag) == tagged(notebook, tag), tag
    kept_checks = iter(tagged(notebook, "check"))  # checks of a solution's numbers go with the solution
    assert all(check in kept_checks for check in tagged(student, "check"))
