"""A student version of every chapter notebook, downloadable from the chapter's page.

When the build has finished, each notebook page of the book gets ``notebooks/<page>.student.ipynb`` next to the
pages: the notebook with every solution taken out (each ``{solution}`` block, and everything from a
``{solution-start}`` to its ``{solution-end}``, code cells and their outputs included) and a line saying where
the solution is; the exercises, the self-check cells and everything else stay as they are. The page's download
menu (sphinx-book-theme's) offers it under the full notebook, which the theme already serves from ``_sources``.
Nothing here is committed: the files exist only in the built site.
"""

import copy
import json
import re
from pathlib import Path

import download_menu

FOLDER = "notebooks"
SUFFIX = ".student.ipynb"
NOTE = "*Solution: in the full notebook, and on this chapter's page of the book.*"
_OPEN = re.compile(r"^(?P<fence>`{3,}|~{3,})\{(?P<name>solution|solution-start|solution-end)\}")


def _source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _strip(source, inside):
    """``source`` without its solution lines, given whether it starts inside a gated solution.

    Returns ``(kept lines, whether the text ends inside a gated solution)``.
    """
    kept = []
    lines = source.splitlines()
    i = 0
    while i < len(lines):
        match = _OPEN.match(lines[i])
        if match:
            fence, name = match["fence"], match["name"]
            close = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == fence), len(lines) - 1)
            if name in ("solution", "solution-start"):
                kept.append(NOTE)
            inside = name == "solution-start"
            i = close + 1
            continue
        if not inside:
            kept.append(lines[i])
        i += 1
    return kept, inside


def student_version(notebook):
    """A copy of ``notebook`` (nbformat 4 as a dict) without its solutions."""
    student = copy.deepcopy(notebook)
    cells, inside = [], False
    for cell in student["cells"]:
        if cell["cell_type"] != "markdown":
            if not inside:
                cells.append(cell)
            continue
        kept, inside = _strip(_source(cell), inside)
        text = "\n".join(kept).strip("\n")
        if text.strip():
            cell["source"] = text
            cells.append(cell)
    if inside:
        raise ValueError("a {solution-start} has no {solution-end}")
    student["cells"] = cells
    return student


def student_name(page):
    return f"{page}{SUFFIX}"


def _is_notebook(app, page):
    return page in app.env.found_docs and str(app.env.doc2path(page)).endswith(".ipynb")


def _pages_with_notebooks(app):
    return sorted(page for page in app.env.found_docs if _is_notebook(app, page))


def write_student_notebooks(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    folder = Path(app.outdir) / FOLDER
    folder.mkdir(exist_ok=True)
    for page in _pages_with_notebooks(app):
        notebook = json.loads(Path(app.env.doc2path(page)).read_text(encoding="utf-8"))
        target = folder / student_name(Path(page).name)
        target.write_text(json.dumps(student_version(notebook), indent=1, ensure_ascii=False) + "\n",
                          encoding="utf-8")


def add_download_entry(app, pagename, templatename, context, doctree):
    """Put the student notebook in the page's download menu, after the full one (renamed to say which is which)."""
    buttons = download_menu.entries(context)
    if not _is_notebook(app, pagename) or buttons is None:
        return
    for i, button in enumerate(buttons):
        # a notebook page's own source is its notebook (the theme's "notebook" entry is for Markdown notebooks)
        if button.get("label") in ("download-notebook-button", "download-source-button"):
            button["text"] = "notebook"
            button["tooltip"] = "Download the notebook, with its solutions"
            url = f"{context['pathto'](FOLDER, 1)}/{student_name(Path(pagename).name)}"
            buttons.insert(i + 1, download_menu.link(url, "student notebook", "fas fa-code",
                                                     "Download the notebook without the solutions",
                                                     "download-student-notebook-button"))
            return


def setup(app):
    app.connect("html-page-context", add_download_entry, priority=502)  # after the theme's own (501)
    app.connect("build-finished", write_student_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
