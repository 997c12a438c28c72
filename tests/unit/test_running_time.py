"""book/_ext/running_time.py: the seconds the instructors' pages give, from the cells' timing metadata."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "book" / "_ext"))
import running_time  # noqa: E402


def _code(source, start, end):
    return {"cell_type": "code", "source": source,
            "metadata": {"execution": {"iopub.execute_input": f"2026-12-07T10:00:{start:06.3f}Z",
                                       "shell.execute_reply": f"2026-12-07T10:00:{end:06.3f}Z"}}}


def _markdown(source):
    return {"cell_type": "markdown", "source": source, "metadata": {}}


NOTEBOOK = {"cells": [
    _markdown("# Chapter\n\nIntro."),
    _code("import numpy as np\n", 0.0, 0.5),
    _markdown("(sec-a)=\n## Section A\n\n```bash\n# not a heading\n```\n"),
    _code("# a comment first\nRESULTS = [train(model, steps=1000, lr=0.1, seed=s) for s in range(10)]\n", 1.0, 9.3),
    _code("print_table(RESULTS)\n", 9.5, 9.75),
    {"cell_type": "code", "source": "never run\n", "metadata": {}},
    _markdown("## Section B"),
    _code(["figure = explorer(", "depth=3)\n"], 10.0, 13.0),
    _markdown("## Correlations, $\\chi_1$ and more"),
    _code("# only a comment\n", 13.0, 13.1),
]}


def test_cell_times_reads_each_timed_cell_with_its_section_and_first_line():
    times = running_time.cell_times(NOTEBOOK)
    assert [(round(s, 2), section) for s, section, _ in times] == [
        (0.5, "Chapter"), (8.3, "Section A"), (0.25, "Section A"), (3.0, "Section B"),
        (0.1, "Correlations, $\\chi_1$ and more")]
    assert times[4][2] == "# only a comment"  # no code: its comment names it
    first = times[1][2]
    assert first.startswith("RESULTS = [train(") and first.endswith("…")
    assert len(first) == running_time.FIRST_LINE_CHARS
    assert times[3][2] == "figure = explorer(depth=3)"


def test_sentence_gives_total_and_slowest_cells_with_section_numbers():
    times = running_time.cell_times(NOTEBOOK)
    text = "".join(n.astext() for n in running_time.sentence(14.4, times, {"Section A": "1.1"}))
    assert text.startswith("When this site was built, the chapter ran in 14 s")
    assert "8.3 s under “1.1 Section A” (RESULTS" in text
    assert "3.0 s under “Section B” (figure = explorer(depth=3))" in text
    assert "0.5 s under “Chapter”" in text and "0.2 s" not in text  # only the three slowest
    assert text.endswith(").")


def test_sentence_without_an_execution_says_so():
    for total, times in ((None, []), (12.0, [])):
        text = "".join(n.astext() for n in running_time.sentence(total, times))
        assert "did not execute the chapter" in text and " s," not in text


def test_math_in_a_section_title_becomes_a_math_node():
    from docutils import nodes

    times = [(5.0, "Correlations, $\\chi_1$ and the phase diagram", "")]
    out = running_time.sentence(5.0, times)
    assert [n.astext() for n in out if isinstance(n, nodes.math)] == ["\\chi_1"]
    text = "".join(n.astext() for n in out)
    assert "$" not in text and "()" not in text and "( )" not in text
