"""The book's build re-runs every chapter: its text outputs must be the stored ones, under other arithmetic.

`make notebooks` compares the stored outputs with a run under OpenBLAS's Sandybridge kernels; `make site`
builds the book under the Prescott kernels with numpy's own loops as this CPU dispatches them (see the
Makefile). Comparing what the build printed with what is stored makes that second run a strict check too, at
no cost: the chapters were executed anyway. What is compared is what nbval compares of text: every stream
and every text/plain result, in order, after the substitutions of tests/nbval_sanitize.cfg. (The build runs
explorers in static mode; their text/plain summary is the same as in Jupyter, only the HTML differs.)
"""

from __future__ import annotations

import configparser
import json
import re

import pytest

from sitecheck import BOOK, toc_files

EXECUTED = BOOK / "_build" / "jupyter_execute"
SANITIZE = BOOK.parent / "tests" / "nbval_sanitize.cfg"
CHAPTERS = [name for name in toc_files() if (BOOK / f"{name}.ipynb").exists()]


def _substitutions():
    parser = configparser.ConfigParser()
    parser.read(SANITIZE, encoding="utf-8")
    return [(re.compile(parser[s]["regex"]), parser[s]["replace"]) for s in parser.sections()]


SUBSTITUTIONS = _substitutions()


def text_outputs(path):
    """``[(cell number, text), ...]``: every code cell's streams and text/plain results, sanitized as nbval does."""
    found = []
    cells = [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
    for number, cell in enumerate(cells):
        for output in cell.get("outputs", []):
            if output["output_type"] == "stream":
                text = "".join(output["text"])
            elif "text/plain" in output.get("data", {}):
                text = "".join(output["data"]["text/plain"])
            else:
                continue
            for pattern, replacement in SUBSTITUTIONS:
                text = pattern.sub(replacement, text)
            found.append((number, text))
    return found


def _merged(outputs):
    """Consecutive texts of one cell joined: how a kernel splits a stream into chunks is not content."""
    merged = []
    for number, text in outputs:
        if merged and merged[-1][0] == number:
            merged[-1] = (number, merged[-1][1] + text)
        else:
            merged.append((number, text))
    return merged


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_build_printed_what_is_stored(chapter):
    built = EXECUTED / f"{chapter}.ipynb"
    if not built.exists():
        pytest.fail(f"{built} is missing: run `make site` (or `make book`) before the browser tests")
    stored, fresh = _merged(text_outputs(BOOK / f"{chapter}.ipynb")), _merged(text_outputs(built))
    differ = [f"code cell {a[0]}:\n  stored: {a[1]!r}\n  built:  {b[1]!r}" for a, b in zip(stored, fresh) if a != b]
    assert not differ, "\n".join(differ[:5])
    assert len(stored) == len(fresh), f"{len(stored)} text outputs stored, {len(fresh)} printed by the build"


def test_the_comparison_sees_a_changed_number(tmp_path):
    cell = {"cell_type": "code", "source": "", "metadata": {}, "outputs": [
        {"output_type": "stream", "name": "stdout", "text": ["loss 0.0965 at 0x7f3a2b4c5d6e\n"]}]}
    path = tmp_path / "a.ipynb"
    path.write_text(json.dumps({"cells": [cell]}))
    assert text_outputs(path) == [(0, "loss 0.0965 at 0xADDRESS\n")]
    cell["outputs"][0]["text"] = ["loss 0.0454 at 0x7f3a2b4c5d6f\n"]
    other = tmp_path / "b.ipynb"
    other.write_text(json.dumps({"cells": [cell]}))
    assert text_outputs(path) != text_outputs(other)
