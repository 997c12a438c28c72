"""Running times measured when the book is built, where instructors read them.

In a page, ``{running-time}`01_vanishing_gradients``` becomes a sentence with that chapter's execution time in
this build and its three slowest cells (the section each is in and its first line of code), for example:
"When this site was built, the chapter ran in 21 s, pre-rendering its sliders included; the slowest cells:
3 s under "1.4 Remedies" (``REMEDIES = …``), ...". A build that does not execute the chapter (``tools.build_book
--stored``) says so instead of giving a number.

The times come from the notebooks as myst-nb executed them (``_build/jupyter_execute``): nbclient writes each
cell's start and end into its metadata when asked to (``record_timing``); jupyter-cache, which myst-nb calls,
turns that off, so :func:`setup` turns it back on for myst-nb's direct execution (the mode the book uses).
"""

import json
from datetime import datetime
from pathlib import Path

from docutils import nodes

SLOWEST = 3
FIRST_LINE_CHARS = 40


class running_time(nodes.Inline, nodes.Element):
    """Where the sentence goes; replaced once every chapter has been executed and read."""


def running_time_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    return [running_time(rawtext, chapter=text.strip())], []


def _seconds(cell):
    timing = cell.get("metadata", {}).get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return None
    return (datetime.fromisoformat(end.replace("Z", "+00:00"))
            - datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()


def _heading(source):
    """The last Markdown heading in ``source`` (without its #s, outside code fences), or None."""
    headings, fenced = [], False
    for line in source.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif line.startswith("#") and not fenced:
            headings.append(line.lstrip("#").strip())
    return headings[-1] if headings else None


def _first_line(source):
    """The cell's first line of code (its first comment if it has no code), shortened to FIRST_LINE_CHARS."""
    lines = [s.strip() for s in source.splitlines() if s.strip()]
    line = next((s for s in lines if not s.startswith("#")), lines[0] if lines else "")
    return line if len(line) <= FIRST_LINE_CHARS else line[:FIRST_LINE_CHARS - 1].rstrip() + "…"


def _title(text):
    """A section title as nodes: its ``$...$`` parts as math (MathJax typesets them), the rest as text."""
    parts = text.split("$")
    return [nodes.math(part, part) if i % 2 else nodes.Text(part) for i, part in enumerate(parts) if part]


def cell_times(notebook):
    """``[(seconds, section, first line of code)]`` for every code cell that has timing metadata, in order."""
    section, times = None, []
    for cell in notebook["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "markdown":
            section = _heading(source) or section
        elif cell["cell_type"] == "code" and (seconds := _seconds(cell)) is not None:
            times.append((seconds, section, _first_line(source)))
    return times


def sentence(total, times, numbers=None):
    """The docutils nodes of the sentence, from the total run time and :func:`cell_times`.

    ``numbers`` maps a section's title to its number as the toc numbers it (e.g. "1.4"), where known.
    """
    if total is None or not times:
        return [nodes.Text("This build did not execute the chapter, so it measured no time; the book's full "
                           "build (make book) gives the seconds here.")]
    numbers = numbers or {}
    out = [nodes.Text(f"When this site was built, the chapter ran in {total:.0f} s, pre-rendering its "
                      f"sliders included (Run All in Jupyter skips that); the slowest cells: ")]
    slowest = sorted(times, key=lambda t: -t[0])[:SLOWEST]
    for i, (seconds, section, first) in enumerate(slowest):
        where = f"{numbers[section]} {section}" if section in numbers else (section or "the opening")
        out += [nodes.Text(f"{seconds:.1f} s under “"), *_title(where), nodes.Text("”")]
        if first:
            out += [nodes.Text(" ("), nodes.literal(first, first), nodes.Text(")")]
        out.append(nodes.Text("; " if i < len(slowest) - 1 else "."))
    return out


def _executed_notebook(app, chapter):
    from myst_nb.sphinx_ import NbMetadataCollector  # noqa: PLC0415 (only when myst-nb runs)

    data = NbMetadataCollector.get_exec_data(app.env, chapter) or {}
    path = Path(app.outdir).parent / "jupyter_execute" / f"{chapter}.ipynb"
    if not data.get("succeeded") or not path.is_file():
        return None, None
    return data.get("runtime"), json.loads(path.read_text(encoding="utf-8"))


def _section_numbers(app, chapter):
    """{section title: "N.M"} from the toc's numbering of ``chapter``."""
    numbers = {}
    for anchor, number in (app.env.toc_secnumbers.get(chapter) or {}).items():
        title = _title_of(app, chapter, anchor)
        if title and number:
            numbers[title] = ".".join(map(str, number))
    return numbers


def _title_of(app, chapter, anchor):
    toc = app.env.tocs.get(chapter)
    if toc is None:
        return None
    for reference in toc.findall(nodes.reference):
        if reference.get("anchorname", "") == anchor:
            return reference.astext()
    return None


def _resolve(app, doctree, docname):
    for node in list(doctree.findall(running_time)):
        chapter = node["chapter"]
        if chapter not in app.env.found_docs:
            raise ValueError(f"{docname}: {{running-time}} names {chapter!r}, which is not a page of the book")
        total, notebook = _executed_notebook(app, chapter)
        times = cell_times(notebook) if notebook else []
        node.replace_self(sentence(total, times, _section_numbers(app, chapter)))


def _record_timing():
    """Make myst-nb's direct execution ask nbclient for per-cell times (jupyter-cache passes False)."""
    from myst_nb.core.execute import direct  # noqa: PLC0415

    run = direct.single_nb_execution
    if getattr(run, "records_timing", False):
        return

    def single_nb_execution(*args, **kwargs):
        return run(*args, **{**kwargs, "record_timing": True})

    single_nb_execution.records_timing = True
    direct.single_nb_execution = single_nb_execution


def setup(app):
    _record_timing()
    app.add_node(running_time)
    app.add_role("running-time", running_time_role)
    app.connect("doctree-resolved", _resolve)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
