"""Slides from the chapters: RISE slide metadata in the notebooks, and offline reveal.js decks.

    python -m tools.slides mark                 # set the slide metadata of every chapter in _toc.yml
    python -m tools.slides mark --check         # exit 1, listing every cell that does not follow the rule
    python -m tools.slides export               # book/_build/slides/<chapter>.slides.html (+ assets/)
    python -m tools.slides export --out DIR book/01_vanishing_gradients.ipynb
    python -m tools.slides fit [--out DIR]      # every slide of the decks in DIR, measured in Chromium

**The rule** (one chapter = one talk; ``mark`` writes it into ``cell.metadata.slideshow.slide_type``,
which both RISE in JupyterLab and nbconvert read), first match wins:

=============================================================  ============
cell                                                           slide type
=============================================================  ============
code before the first ``##`` section (the Colab bootstrap and  ``skip``: it must run, nobody needs to
the setup cell), code tagged ``remove-cell``, or a *check       see it (an exported deck leaves check
cell* (tagged ``check``: assertions after a table)              cells out altogether)
Markdown with a ``#`` or ``##`` heading (title, sections)       ``slide``
Markdown with a ``###`` heading, an ``{exercise}`` or a         ``subslide`` (a new vertical slide)
``{prf:...}`` block (proposition, proof, definition)
a cell inside a gated solution (``{solution-start}`` ...        ``notes``: in the speaker view (press
``{solution-end}``), or one that only opens/closes a solution   ``S``, or ``T`` in RISE), not on screen
code calling ``explore(`` (an interactive figure), or code      ``subslide``: a figure gets a slide
whose stored output is an image
anything else                                                   ``-``: continues the current slide
=============================================================  ============

A heading anywhere in a Markdown cell counts (a cell cannot be split by metadata), so a cell that
ends a solution and then opens the summary is a ``slide``. The notebook metadata ``rise`` gets
:data:`RISE`: slides scroll when a derivation is longer than the screen, and the same options
drive the exported decks.

**The export** shows each chapter as the static site does: every interactive figure is the
kernel-free slider (pre-rendered frames switched by ``book/_static/initlab-frames.js``). The outputs
come from the book's last build (book/_build/jupyter_execute) when that build ran exactly the
chapter's cells, so ``make slides`` after ``make book`` takes seconds; otherwise the chapter is
executed in memory as the build does (kernel in book/, initlab's static mode; ``--execute`` forces
this). Nothing is written back into book/. Markdown cells are split at headings and exercise/solution/proposition
blocks, so that each gets the slide the rule gives it, and MyST is turned into what nbconvert
renders (directive blocks into boxes, citations into author-year text). The deck loads reveal.js,
require.js, jQuery and MathJax 2 from ``assets/`` next to it: copies of the npm packages pinned in
``tools/slides/package-lock.json`` (``npm ci`` in tools/slides), so it works offline, from
``file://`` or any static server. ``--stored`` exports the committed outputs instead (no kernel;
interactive figures then show their stored PNG). Every build of the site writes the decks into it too
(book/_ext/decks.py).

**Every slide fits its slide** (1280 x 800; body text 26 px, code and printed tables 22 px, nothing under
20 px). The deck's cells are cut where a slide would run past its bottom, and what follows goes on a
continuation slide below it (a new vertical slide), by rules on each cell's estimated height
(:func:`markdown_height`, :func:`output_height`): Markdown is split between paragraphs, lists, display
math and boxes (a list taller than a slide between its items); a code cell longer than
:data:`MAX_SOURCE_LINES` lines, or too tall with its output, shows its output and puts its source in the
speaker notes; outputs that do not fit together get a slide each, and a printed table taller than a slide
is cut into even parts; the quiz becomes one card per question, its answers and feedback in the notes.
``fit`` (tools/slides/fit.py) measures the real slides in Chromium, and tests/site/test_slides.py fails
on any slide that overflows.
"""

from __future__ import annotations

import argparse
import base64
import math
import os
import re
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from copy import deepcopy
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml
from initlab.notebook import explorer, quiz

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"
TOC = ROOT / "_toc.yml"
CONFIG = ROOT / "_config.yml"
BIBLIOGRAPHY = BOOK / "references.bib"
PACKAGE = Path(__file__).resolve().parent  # this folder: package.json, package-lock.json, the nbconvert template
NODE_MODULES = PACKAGE / "node_modules"
TEMPLATES = PACKAGE / "templates"
FRAMES_JS = BOOK / "_static" / "initlab-frames.js"
FRAMES_CSS = BOOK / "_static" / "initlab-frames.css"
DEFAULT_OUT = BOOK / "_build" / "slides"
EXECUTED = BOOK / "_build" / "jupyter_execute"  # where the book's build keeps the notebooks it executed
MODES = ("auto", "execute", "stored", "built")
ASSETS = "assets"  # folder next to the decks

SLIDE, SUBSLIDE, CONTINUE, NOTES, SKIP = "slide", "subslide", "-", "notes", "skip"

# Notebook-level options of jupyterlab_rise (its settings schema names them); the export uses them too.
RISE = {
    "theme": "white",  # reveal's white theme: dark text on white, its fonts shipped with reveal (no web fonts)
    "transition": "none",  # a projector and a tired audience: no motion
    "scroll": True,  # a derivation longer than the screen scrolls instead of being cut off
    "center": False,  # long slides start at the top
    "enable_chalkboard": False,
    "start_slideshow_at": "beginning",
    "slideNumber": "c/t",
}

# Width and height of the exported slides (reveal scales them to the screen): 16:10, a common projector.
DECK_SIZE = (1280, 800)

_HEADING = re.compile(r"^(#{1,6})\s+\S")
_FENCE_OPEN = re.compile(r"^(`{3,}|~{3,}|:{3,})\s*(?:\{([\w:.-]+)\})?(.*)$")
_TARGET = re.compile(r"\(\S+\)=")  # a MyST label target line, `(label)=`
_SOLUTION_GATE = {"solution-start", "solution-end"}
_SOLUTIONS = _SOLUTION_GATE | {"solution"}
# Code cells no audience needs: the Colab bootstrap (remove-cell) and the check cells, whose assertions
# guard the table above them (the site shows them collapsed, a deck not at all).
_HIDDEN_FROM_SLIDES = {"remove-cell", "check"}


# ------------------------------------------------------------------------------------------- the rule


@dataclass
class _Scan:
    """What a Markdown cell holds at its top level (outside code fences and directive bodies)."""

    headings: set[int] = field(default_factory=set)
    directives: list[str] = field(default_factory=list)
    first: str | None = None  # the first top-level element: "text", "heading", or a directive's name


def _inside_fence(stack: list, stripped: str) -> None:
    """Follow a line inside the open fences ``stack`` ((fence characters, directive name or None), innermost
    last): it closes the innermost fence, or opens a code block in a directive (directives nest, code blocks
    do not)."""
    chars, name = stack[-1]
    if stripped and set(stripped) == {chars[0]} and len(stripped) >= len(chars):
        stack.pop()
    elif name is not None and _FENCE_OPEN.match(stripped):
        stack.append((_FENCE_OPEN.match(stripped).group(1), None))


def _scan(source: str) -> _Scan:
    scan, stack = _Scan(), []  # stack of open fences: (fence characters, directive name or None)
    for line in source.splitlines():
        stripped = line.strip()
        if stack:
            _inside_fence(stack, stripped)
            continue
        fence = _FENCE_OPEN.match(stripped)
        if fence:
            name = fence.group(2)
            stack.append((fence.group(1), name or None))
            if name:
                scan.directives.append(name)
            scan.first = scan.first or (name or "text")
        elif _HEADING.match(line):
            scan.headings.add(len(_HEADING.match(line).group(1)))
            scan.first = scan.first or "heading"
        elif stripped and not _TARGET.fullmatch(stripped):  # a `(label)=` target is not content
            scan.first = scan.first or "text"
    return scan


def _after(scan: _Scan, in_solution: bool) -> bool:
    """Whether the cell ends inside a gated solution, given whether it started in one."""
    for name in scan.directives:
        if name in _SOLUTION_GATE:
            in_solution = name == "solution-start"
    return in_solution


def _has_image(cell) -> bool:
    return any("image/png" in out.get("data", {}) or "image/svg+xml" in out.get("data", {})
               for out in cell.get("outputs", []))


def slide_types(cells) -> list[str]:
    """The slide type of each cell by the rule of this module's docstring."""
    types, in_solution, in_section = [], False, False
    for cell in cells:
        if cell.cell_type == "markdown":
            scan = _scan(cell.source)
            started_in_solution, in_solution = in_solution, _after(scan, in_solution)
            if scan.headings & {1, 2}:
                kind = SLIDE
            elif 3 in scan.headings or any(d == "exercise" or d.startswith("prf:") for d in scan.directives):
                kind = SUBSLIDE
            elif started_in_solution or scan.first in _SOLUTIONS:
                kind = NOTES
            else:
                kind = CONTINUE
            in_section = in_section or 2 in scan.headings
        elif cell.cell_type == "code":
            if not in_section or _HIDDEN_FROM_SLIDES & set(cell.metadata.get("tags", [])):
                kind = SKIP
            elif in_solution:
                kind = NOTES
            elif "explore(" in cell.source or _has_image(cell):
                kind = SUBSLIDE
            else:
                kind = CONTINUE
        else:  # raw cells are not for an audience
            kind = SKIP
        types.append(kind)
    return types


def differences(nb) -> list[str]:
    """How the notebook's slide metadata differs from the rule (empty when it follows it)."""
    found = []
    if nb.metadata.get("rise") != RISE:
        found.append(f"notebook metadata 'rise' is {nb.metadata.get('rise')!r}, expected {RISE!r}")
    for index, (cell, kind) in enumerate(zip(nb.cells, slide_types(nb.cells))):
        have = cell.metadata.get("slideshow", {}).get("slide_type")
        if have != kind:
            first = next((line for line in cell.source.splitlines() if line.strip()), "")[:50]
            found.append(f"cell {index} ({cell.cell_type}, {first!r}): slide_type {have!r}, expected {kind!r}")
    return found


def mark(nb) -> None:
    """Set every cell's slide type by the rule, and the notebook's RISE options, in place."""
    for cell, kind in zip(nb.cells, slide_types(nb.cells)):
        cell.metadata["slideshow"] = {"slide_type": kind}
    nb.metadata["rise"] = dict(RISE)


# -------------------------------------------------------------------------- Markdown for the decks


def split_markdown(source: str) -> list[str]:
    """A Markdown cell cut before each top-level heading and exercise/solution/proposition block,
    and after each solution, so that every piece can get its own slide type."""
    pieces, current, stack = [], [], []

    def cut():
        if any(line.strip() for line in current):
            pieces.append("\n".join(current).strip("\n"))
        current.clear()

    for line in source.splitlines():
        stripped = line.strip()
        if stack:
            current.append(line)
            chars, name = stack[-1]
            if stripped and set(stripped) == {chars[0]} and len(stripped) >= len(chars):
                stack.pop()
                if not stack and name in _SOLUTIONS:
                    cut()
            elif name is not None and _FENCE_OPEN.match(stripped):
                stack.append((_FENCE_OPEN.match(stripped).group(1), None))
            continue
        fence = _FENCE_OPEN.match(stripped)
        name = fence.group(2) if fence else None
        starts_block = _HEADING.match(line) or (
            name is not None and (name in _SOLUTIONS or name == "exercise" or name.startswith("prf:")))
        if starts_block:
            # A `(label)=` target right above a heading or block belongs to it.
            keep = len(current)
            while keep and (_TARGET.fullmatch(current[keep - 1].strip()) or not current[keep - 1].strip()):
                keep -= 1
            carried = current[keep:]
            del current[keep:]
            cut()
            current.extend(carried)
        current.append(line)
        if fence:
            stack.append((fence.group(1), name))
    cut()
    return pieces or [""]


@dataclass
class References:
    """What MyST cross-references and citations in the chapters point to."""

    citations: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (authors, year)
    labels: dict[str, str] = field(default_factory=dict)  # label -> text to show
    documents: dict[str, str] = field(default_factory=dict)  # document name -> its title

    @classmethod
    def of_book(cls, notebooks) -> "References":
        from pybtex.database import parse_file  # a dependency of sphinxcontrib-bibtex

        refs = cls()
        for key, entry in parse_file(str(BIBLIOGRAPHY)).entries.items():
            people = entry.persons.get("author") or entry.persons.get("editor") or []
            names = [" ".join(p.last_names) for p in people] or [entry.fields.get("title", key)]
            authors = names[0] if len(names) == 1 else (
                f"{names[0]} and {names[1]}" if len(names) == 2 else f"{names[0]} et al.")
            refs.citations[key.lower()] = (authors, entry.fields.get("year", "n.d."))
        for path in notebooks:
            nb = nbformat.read(path, as_version=4)
            for cell in nb.cells:
                if cell.cell_type == "markdown":
                    refs._collect(cell.source, Path(path).stem)
        return refs

    def _collect(self, source: str, document: str) -> None:
        lines = source.splitlines()
        for i, line in enumerate(lines):
            heading = _HEADING.match(line)
            if heading and len(heading.group(1)) == 1:
                self.documents.setdefault(document, line.lstrip("#").strip())
            if _TARGET.fullmatch(line.strip()):
                following = next((l for l in lines[i + 1:] if l.strip()), "")
                self.labels[line.strip()[1:-2]] = following.lstrip("#").strip()
            fence = _FENCE_OPEN.match(line.strip())
            if fence and fence.group(2):
                kind = fence.group(2).split(":")[-1].replace("-", " ").capitalize()
                title = fence.group(3).strip()
                for option in lines[i + 1:]:
                    label = re.match(r"^:label:\s*(\S+)", option)
                    if label:
                        self.labels[label.group(1)] = f"{kind} ({title})" if title else kind
                    if not option.startswith(":"):
                        break

    def cite(self, keys: str, textual: bool) -> str:
        found = [self.citations.get(k.strip().lower(), (k.strip(), "")) for k in keys.split(",")]
        if textual:
            return "; ".join(f"{authors} ({year})" for authors, year in found)
        return "(" + "; ".join(f"{authors} {year}".strip() for authors, year in found) + ")"


_ROLE = re.compile(r"\{([\w:-]+)\}`([^`]*)`")
_EXPLICIT = re.compile(r"^(.*?)\s*<([^<>]+)>$", re.S)


def _role(refs: References, match) -> str:
    role, text = match.group(1), match.group(2)
    explicit = _EXPLICIT.match(text)
    shown, target = (explicit.group(1), explicit.group(2)) if explicit else (None, text)
    if role in ("cite:p", "cite:ps", "cite"):
        return refs.cite(target, textual=False)
    if role in ("cite:t", "cite:ts"):
        return refs.cite(target, textual=True)
    if role == "term":
        return f"*{shown or target}*"
    if role == "doc":
        return shown or refs.documents.get(Path(target).stem, Path(target).stem)
    if role in ("ref", "prf:ref", "numref", "eq"):
        return (shown or refs.labels.get(target, target)).replace("%s", "").strip()
    if role == "math":
        return f"${text}$"
    return shown or target


def myst_to_markdown(source: str, refs: References) -> str:
    """MyST as nbconvert's Markdown renderer can show it: directive blocks become titled boxes
    (solution gates and label targets vanish), roles become text."""
    out, stack = [], []  # stack: (fence characters, kind or None for a code block)
    lines = source.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stack and stripped and set(stripped) == {stack[-1][0][0]} and len(stripped) >= len(stack[-1][0]):
            chars, kind = stack.pop()
            out.append(line if kind is None else ("" if kind == "" else "\n</div>\n"))
            i += 1
            continue
        if stack and stack[-1][1] is None:  # inside a code block: verbatim
            out.append(line)
            i += 1
            continue
        fence = _FENCE_OPEN.match(stripped)
        if fence:
            name, title = fence.group(2), fence.group(3).strip()
            i += 1
            options = {}
            while name and i < len(lines) and re.match(r"^:[\w-]+:", lines[i]):
                key, _, value = lines[i][1:].partition(":")
                options[key] = value.strip()
                i += 1
            if name is None:
                stack.append((fence.group(1), None))
                out.append(line)
            elif name in _SOLUTION_GATE:
                stack.append((fence.group(1), ""))  # a gate has no body to show
            else:
                kind = name.split(":")[-1]
                if name == "admonition":
                    heading, css = title, options.get("class", "note")
                else:
                    heading = kind.replace("-", " ").capitalize() + (f": {title}" if title else "")
                    css = kind
                title_html = _ROLE.sub(lambda m: _role(refs, m), heading)
                stack.append((fence.group(1), kind))
                out.append(f'\n<div class="myst myst-{css}">\n<p class="myst-title">{title_html}</p>\n')
            continue
        if _TARGET.fullmatch(stripped):
            i += 1
            continue
        out.append(_ROLE.sub(lambda m: _role(refs, m), line))
        i += 1
    return "\n".join(out).strip("\n")


def split_blocks(source: str) -> list[str]:
    """A Markdown piece cut at its top-level blank lines: paragraphs, lists, display math, code blocks and
    directive blocks (kept whole), so that a long piece can continue on the next slide. A `(label)=` target
    stays with the block below it, and a block that ends with a colon with the block it introduces."""
    blocks, current, stack, in_math = [], [], [], False
    for line in source.splitlines():
        stripped = line.strip()
        if stack:
            _inside_fence(stack, stripped)
        elif in_math:
            in_math = not stripped.endswith("$$")
        elif not stripped:
            if current and not _TARGET.fullmatch(current[-1].strip()):
                blocks.append("\n".join(current))
                current = []
            continue
        elif _FENCE_OPEN.match(stripped):
            fence = _FENCE_OPEN.match(stripped)
            stack.append((fence.group(1), fence.group(2) or None))
        elif stripped.startswith("$$"):
            in_math = stripped == "$$" or not stripped[2:].rstrip().endswith("$$")
        current.append(line)
    if current:
        blocks.append("\n".join(current))
    merged = []
    for block in blocks:
        if merged and merged[-1].rstrip().endswith(":"):
            merged[-1] += "\n\n" + block
        else:
            merged.append(block)
    return merged or [""]


# ------------------------------------------------------------------------- every slide fits its slide

# Type sizes of the decks (the template sets them), in CSS px of the 1280 x 800 slide: body text and headings
# scale with BODY_PX; code and printed tables with CODE_PX. Both stay at or above
# tools/slides/fit.py's MIN_FONT_PX (20 px), legible from the back of a room.
BODY_PX, CODE_PX = 26, 22
# The height the exporter fills on a slide: 800 px less reveal's margins and the slack the estimates need
# (they count characters, not glyphs; tools/slides/fit.py measures the real thing in a browser).
SLIDE_ROOM = 700
CHARS_PER_LINE = 84  # prose at BODY_PX on the 1240 px text column (about 100 fit), counted pessimistically
CODE_CHARS_PER_LINE = 88  # printed output wraps past this (monospace at CODE_PX)
MAX_SOURCE_LINES = 10  # longer code goes to the speaker notes; the slide shows what it printed
_LINE = {"body": 1.4 * BODY_PX, "code": 1.3 * CODE_PX, "table": 2.0 * BODY_PX}
_HEADING_EM = {1: 1.9, 2: 1.45, 3: 1.15}
# MathJax sets a formula about 1.3 times the size of the text around it (it matches the fonts' x-heights), so
# inline TeX takes about 70% of its source's width, a line holding a fraction, a sum or a sub- and superscript
# pair grows by TALL_LINE_EXTRA, and a display formula takes DISPLAY_MATH_EM (its margins) plus a row height
# per line: the figures are the tallest measured in the decks of this book (tools/slides/fit.py).
INLINE_MATH_WIDTH = 0.7
TALL_LINE_EXTRA = 0.55 * BODY_PX
DISPLAY_MATH_EM = 2.7
DISPLAY_ROW_EM = {"tall": 3.85, "flat": 1.55}
_INLINE_MATH = re.compile(r"\$[^$\n]+\$")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_TAG = re.compile(r"<[^>]+>")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s")
_TALL_MATH = re.compile(r"\\(?:frac|dfrac|tfrac|sum|prod|int|binom|sqrt|big|Big|bigg|Bigg|left|begin\{[pb]matrix)")
_TALL_INLINE = re.compile(_TALL_MATH.pattern + r"|\^\{|_\{[^}]*\}\^|\\(?:hat|bar|tilde|overline)")


def _visible_length(text: str) -> int:
    """How many characters ``text`` takes on screen (inline TeX as INLINE_MATH_WIDTH of its source)."""
    text = _INLINE_MATH.sub(lambda m: "x" * max(1, round(INLINE_MATH_WIDTH * len(m.group(0)))), text)
    return len(_TAG.sub("", _LINK.sub(r"\1", text)).strip())


def _tall_lines(text: str, rows: int) -> int:
    """How many of the ``rows`` lines of ``text`` are made taller by an inline formula (at most one per formula)."""
    return min(rows, sum(1 for m in _INLINE_MATH.finditer(text) if _TALL_INLINE.search(m.group(0))))


def _prose_height(lines: list[str]) -> float:
    """Paragraph or list lines (joined into items), wrapped at CHARS_PER_LINE."""
    items, height = [], 0.0
    for line in lines:
        if not items or _LIST_ITEM.match(line):
            items.append(line)
        else:
            items[-1] += " " + line.strip()
    for item in items:
        width = CHARS_PER_LINE - (4 if _LIST_ITEM.match(item) else 0)
        rows = max(1, math.ceil(_visible_length(item) / width))
        height += rows * _LINE["body"] + _tall_lines(item, rows) * TALL_LINE_EXTRA
    return height + 0.8 * BODY_PX + 0.15 * BODY_PX * (len(items) - 1)


def _runs(lines: list[str]) -> list[tuple[str, list[str]]]:
    """A block's lines as runs of one kind each: "math" (a display formula, also one inside a list item or after
    the sentence that introduces it), "code" (a fenced block), "table" or "text"."""
    runs, closing = [], None  # closing: what ends the math or code run under way
    for line in lines:
        stripped = line.strip()
        if closing:
            runs[-1][1].append(line)
            if stripped.endswith("$$") if closing == "$$" else stripped.startswith(closing):
                closing = None
            continue
        if stripped.startswith("$$"):
            runs.append(("math", [line]))
            closing = None if len(stripped) > 2 and stripped.endswith("$$") else "$$"
        elif stripped.startswith("\\begin{"):
            runs.append(("math", [line]))
            closing = "\\end{" + stripped[len("\\begin{"):].split("}")[0] + "}"
        elif stripped.startswith(("```", "~~~")):
            runs.append(("code", [line]))
            closing = stripped[:3]
        else:
            kind = "table" if stripped.startswith("|") else "text"
            if not runs or runs[-1][0] != kind:
                runs.append((kind, []))
            runs[-1][1].append(line)
    return runs


def _text_run_height(lines: list[str]) -> float:
    height, prose = 0.0, []
    for line in lines:
        heading = _HEADING.match(line)
        if heading:
            size = _HEADING_EM.get(len(heading.group(1)), 1.0) * BODY_PX
            rows = math.ceil(_visible_length(line.lstrip("#")) * size / BODY_PX / CHARS_PER_LINE)
            height += max(1, rows) * 1.25 * size + 0.8 * BODY_PX
        elif line.lstrip().startswith('<div class="myst'):
            height += 1.2 * BODY_PX  # the box's padding and margins
        elif line.lstrip().startswith('<p class="myst-title">'):
            height += _LINE["body"] + 0.4 * BODY_PX
        elif line.strip() != "</div>":
            prose.append(line)
    return height + (_prose_height(prose) if prose else 0.0)


def markdown_height(source: str) -> float:
    """Estimated height in px of a deck's Markdown cell (after :func:`myst_to_markdown`)."""
    height = 0.0
    for block in split_blocks(source):
        lines = [line for line in block.splitlines() if line.strip()]
        for kind, run in _runs(lines):
            if kind == "math":
                rows = "\n".join(run).count("\\\\") + 1
                row_em = DISPLAY_ROW_EM["tall" if _TALL_MATH.search("\n".join(run)) else "flat"]
                height += (DISPLAY_MATH_EM + rows * row_em) * BODY_PX
            elif kind == "code":
                height += (len(run) - 2) * _LINE["code"] + BODY_PX
            elif kind == "table":
                rows = [line for line in run if not set(line.strip()) <= set("|-: ")]
                for row in rows:
                    lines_in_row = max(1, math.ceil(_visible_length(row) / CHARS_PER_LINE))
                    height += lines_in_row * _LINE["table"] + _tall_lines(row, lines_in_row) * TALL_LINE_EXTRA
            else:
                height += _text_run_height(run)
    return height


def split_list(block: str) -> list[str]:
    """A Markdown block taller than a slide that holds a list (after the sentence that introduces it, if
    any) cut between the list's items into parts that each fit (an ordered list's parts keep their numbers);
    any other block is returned whole."""
    lines = block.strip("\n").splitlines()
    if markdown_height(block) <= SLIDE_ROOM or not any(_LIST_ITEM.match(line) for line in lines):
        return [block]
    if lines[0].startswith("<div") and lines[-1] == "</div>":  # a box: each part in a box of its own
        head = lines[:2] if lines[1].startswith('<p class="myst-title">') else lines[:1]
        inner = "\n".join(lines[len(head):-1])
        if "<div" in inner:
            return [block]
        return ["\n".join(head) + "\n\n" + part + "\n\n</div>" for part in split_list(inner)]
    if "<div" in block or "</div>" in block:
        return [block]  # boxes must open and close on the same slide
    units = [[]]  # the introduction, then one unit per top-level item
    for line in lines:
        if _LIST_ITEM.match(line) and not line.startswith((" ", "\t")):
            units.append([])
        units[-1].append(line)
    parts = [[]]
    for unit in units:
        if parts[-1] and markdown_height("\n".join(sum(parts[-1] + [unit], []))) > SLIDE_ROOM:
            parts.append([])
        parts[-1].append(unit)
    return ["\n".join(sum(part, [])).strip("\n") for part in parts if any(sum(part, []))]


def _png_size(data: str) -> tuple[int, int] | None:
    """Width and height of a base64 PNG, from its header."""
    head = base64.b64decode(data[:44] + "=" * (-len(data[:44]) % 4))
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def _text_height(text: str) -> float:
    rows = sum(max(1, math.ceil(len(line) / CODE_CHARS_PER_LINE)) for line in text.rstrip("\n").splitlines())
    return max(1, rows) * _LINE["code"] + 0.6 * CODE_PX


def output_height(output) -> float:
    """Estimated height in px of one output on a slide (the template's image and explorer sizes)."""
    if output.get("output_type") == "stream":
        return _text_height(output.get("text", ""))
    data = output.get("data", {})
    if "text/html" in data and "data-initlab-explorer" in data["text/html"]:
        return 540 + 130  # the frame (max-height in the template) and its controls
    if "image/png" in data:
        size = _png_size(data["image/png"])
        ratio = size[1] / size[0] if size and size[0] else 0.6
        return min(600, 1000 * ratio) + 60  # the output area's padding
    if "text/html" in data:
        return 200
    if "text/plain" in data:
        return _text_height(data["text/plain"])
    return 0


def _source_height(source: str) -> float:
    return len(source.splitlines()) * _LINE["code"] + CODE_PX


def _notes_cell(markdown: str):
    cell = nbformat.v4.new_markdown_cell(markdown)
    cell.metadata["slideshow"] = {"slide_type": NOTES}
    return cell


def _code_piece(cell, outputs, kind: str, show_source: bool):
    piece = nbformat.v4.new_code_cell(cell.source if show_source else "")
    piece.outputs = outputs
    piece.metadata["slideshow"] = {"slide_type": kind}
    if not show_source:
        piece.metadata["transient"] = {"remove_source": True}
    return piece


def _split_output(output) -> list:
    """A printed output too tall for one slide, cut into pieces that each fit."""
    if output.get("output_type") != "stream" or _text_height(output["text"]) <= SLIDE_ROOM:
        return [output]
    per_slide = int((SLIDE_ROOM - 0.6 * CODE_PX) // _LINE["code"])
    lines = output["text"].rstrip("\n").splitlines()
    pieces = math.ceil(len(lines) / per_slide)
    base, extra = divmod(len(lines), pieces)  # even pieces: no slide with a lone last row
    starts = [i * base + min(i, extra) for i in range(pieces + 1)]
    return [nbformat.v4.new_output("stream", name=output.get("name", "stdout"),
                                   text="\n".join(lines[a:b]) + "\n") for a, b in zip(starts, starts[1:])]


def fit_code(cell, kind: str) -> list:
    """A code cell as one or more deck cells that each fit a slide: its source on the slide when it is short
    and fits with its first output, otherwise in the speaker notes; outputs that do not fit together get a
    slide each, and a printed table taller than a slide continues on the next."""
    outputs = [piece for output in cell.get("outputs", []) for piece in _split_output(output)]
    source = cell.source.strip()
    first = output_height(outputs[0]) if outputs else 0
    show = (bool(source) and len(source.splitlines()) <= MAX_SOURCE_LINES
            and _source_height(source) + first <= SLIDE_ROOM)
    if not outputs and not show:
        return [_notes_cell(f"```python\n{source}\n```")] if source else []
    groups, height = [[]], _source_height(source) if show else 0
    for output in outputs:
        h = output_height(output)
        if groups[-1] and height + h > SLIDE_ROOM:
            groups.append([])
            height = 0
        groups[-1].append(output)
        height += h
    cells = [_code_piece(cell, group, kind if i == 0 else SUBSLIDE, show and i == 0)
             for i, group in enumerate(groups)]
    if source and not show:
        cells.insert(1, _notes_cell(f"The code of this slide:\n\n```python\n{source}\n```"))
    return cells


def cell_height(cell) -> float:
    """Estimated height in px of a deck cell on its slide."""
    if cell.cell_type == "markdown":
        return markdown_height(cell.source)
    shown = not cell.metadata.get("transient", {}).get("remove_source") and cell.source.strip()
    return (_source_height(cell.source) if shown else 0) + sum(output_height(o) for o in cell.get("outputs", []))


def paginate(cells) -> None:
    """Start a continuation slide (a new vertical slide) wherever a cell would run past the bottom of the
    current one, in place. Speaker notes and skipped cells take no room."""
    used = 0.0
    for cell in cells:
        kind = cell.metadata["slideshow"]["slide_type"]
        if kind in (NOTES, SKIP):
            continue
        height = cell_height(cell)
        if kind in (SLIDE, SUBSLIDE):
            used = height
        elif used and used + height > SLIDE_ROOM:
            cell.metadata["slideshow"]["slide_type"] = SUBSLIDE
            used = height
        else:
            used += height


_QUIZ_CALL = re.compile(r"""quiz\.show\(\s*["']([\w-]+)["']\s*\)""")
_LETTERS = "ABCDEFGHIJ"


def quiz_cards(name: str, refs: References) -> list:
    """A chapter's quiz as cards for a room, one question per slide: the question and its lettered choices on
    the slide, the right answer and every answer's feedback in the speaker notes (the book's pages keep the
    interactive quiz)."""
    questions = quiz.load(name)
    cells = []
    for number, question in enumerate(questions, 1):
        lines = [f"**Quiz {number}/{len(questions)}.** {question['question']}", ""]
        notes = []
        if question["type"] == "numeric":
            lines.append("*The answer is a number.*")
            for answer in question["answers"]:
                value = (answer["value"] if answer.get("type") == "value" else
                         "between {} and {}".format(*answer["range"]) if answer.get("type") == "range" else
                         "anything else")
                right = "**Right:** " if answer.get("correct") else ""
                notes.append(f"- {right}{value}: {answer['feedback']}")
        else:
            if question["type"] == "many_choice":
                lines.append("*Select every right answer.*")
            for letter, answer in zip(_LETTERS, question["answers"]):
                lines.append(f"- **{letter}.** {answer['answer']}")
                right = "**Right.** " if answer.get("correct") else ""
                notes.append(f"- **{letter}.** {right}{answer['feedback']}")
        card = nbformat.v4.new_markdown_cell(myst_to_markdown("\n".join(lines), refs))
        card.metadata["slideshow"] = {"slide_type": SUBSLIDE}
        cells += [card, _notes_cell(myst_to_markdown("\n".join(notes), refs))]
    return cells


def deck_notebook(nb, refs: References):
    """The notebook the deck is made from: Markdown split into pieces, each cell marked by the
    rule, MyST rewritten, no widget views (they would need widget JavaScript from a CDN), the quiz as
    cards, and every slide cut to fit (:func:`fit_code`, :func:`paginate`)."""
    deck = deepcopy(nb)
    cells = []
    for cell in deck.cells:
        if cell.cell_type == "code" and "check" in cell.metadata.get("tags", []):
            continue  # a check cell guards the table above it; a talk does not show it
        if cell.cell_type == "markdown":
            for piece in split_markdown(cell.source):
                cells += [nbformat.v4.new_markdown_cell(block) for block in split_blocks(piece)]
        else:
            cells.append(cell)
    fitted = []
    for cell, kind in zip(cells, slide_types(cells)):
        cell.metadata["slideshow"] = {"slide_type": kind}
        if cell.cell_type == "markdown":
            for i, part in enumerate(split_list(myst_to_markdown(cell.source, refs))):
                piece = nbformat.v4.new_markdown_cell(part)
                piece.metadata["slideshow"] = {"slide_type": kind if i == 0 else SUBSLIDE}
                fitted.append(piece)
            continue
        for out in cell.get("outputs", []):
            out.get("data", {}).pop("application/vnd.jupyter.widget-view+json", None)
        called = _QUIZ_CALL.search(cell.source) if cell.cell_type == "code" else None
        if called and kind not in (SKIP, NOTES):
            fitted += quiz_cards(called.group(1), refs)
        elif cell.cell_type == "code" and kind not in (SKIP, NOTES):
            fitted += fit_code(cell, kind)
        else:
            fitted.append(cell)
    deck.cells = [c for c in fitted if c.cell_type != "markdown" or c.source.strip()]
    paginate(deck.cells)
    deck.metadata.pop("widgets", None)
    title = next((line.lstrip("#").strip() for c in deck.cells if c.cell_type == "markdown"
                  for line in c.source.splitlines() if _HEADING.match(line)), "Slides")
    deck.metadata["title"] = title
    return deck


# ------------------------------------------------------------------------------------------- export

# What each deck loads, copied from the npm packages (tools/slides/package-lock.json pins them):
# (package, files or folders inside it, where they go under assets/).
_ASSET_FILES = [
    ("reveal.js", ["dist/reveal.js", "dist/reveal.css", f"dist/theme/{RISE['theme']}.css",
                   "dist/theme/fonts/source-sans-pro", "plugin/notes/notes.js", "LICENSE"], "reveal.js"),
    ("requirejs", ["require.js"], "."),
    ("jquery", ["dist/jquery.min.js"], "."),
    # MathJax 2 (nbconvert's reveal template calls MathJax.Hub): the TeX-to-CommonHTML build, the
    # extensions it may load on demand, and its woff fonts; not the SVG/HTML-CSS outputs (90% of it).
    ("mathjax", ["MathJax.js", "config/TeX-AMS_CHTML-full.js", "config/Safe.js", "extensions",
                 "jax/element", "jax/input/TeX", "jax/output/CommonHTML", "fonts/HTML-CSS/TeX/woff", "LICENSE"],
     "mathjax"),
]
_SKIP_IN_ASSETS = shutil.ignore_patterns("a11y", "*.map", "*.eot", "*.ttf", "*.md")


def missing_packages() -> list[str]:
    """The npm packages the decks load that are not installed in tools/slides/node_modules."""
    return [name for name, _, _ in _ASSET_FILES if not (NODE_MODULES / name / "package.json").is_file()]


def copy_assets(out: Path) -> Path:
    """Copy what the decks load into ``out/assets`` (from tools/slides/node_modules)."""
    missing = missing_packages()
    if missing:
        raise SystemExit(f"slides: npm packages missing from {NODE_MODULES}: {', '.join(missing)}. Install them "
                         f"first: `make slides`, or (cd tools/slides && npm ci --ignore-scripts)")
    assets = out / ASSETS
    if assets.exists():
        shutil.rmtree(assets)
    for package, files, where in _ASSET_FILES:
        for name in files:
            source, target = NODE_MODULES / package / name, assets / where / name
            if where == ".":
                target = assets / Path(name).name
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target, ignore=_SKIP_IN_ASSETS)
            else:
                shutil.copy2(source, target)
    shutil.copy2(FRAMES_JS, assets / FRAMES_JS.name)
    shutil.copy2(FRAMES_CSS, assets / FRAMES_CSS.name)
    return assets


def _mathjax_macros() -> dict[str, str]:
    """The book's TeX macros (MathJax 3 configuration in _config.yml), for MathJax 2."""
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    return config["sphinx"]["config"].get("mathjax3_config", {}).get("tex", {}).get("macros", {})


def exporter():
    from nbconvert import SlidesExporter

    return SlidesExporter(
        template_name="initlab",
        extra_template_basedirs=[str(TEMPLATES)],
        reveal_url_prefix=f"{ASSETS}/reveal.js",
        reveal_theme=RISE["theme"],
        reveal_transition=RISE["transition"],
        reveal_scroll=RISE["scroll"],
        reveal_number=RISE["slideNumber"],
        reveal_width=str(DECK_SIZE[0]),
        reveal_height=str(DECK_SIZE[1]),
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        # A heading's hidden ¶ link: of no use on a slide, and its href and the heading's id disagree when the
        # heading holds math or a character such as ×.
        exclude_anchor_links=True,
        jquery_url=f"{ASSETS}/jquery.min.js",
        require_js_url=f"{ASSETS}/require.js",
        mathjax_url=f"{ASSETS}/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
    )


def execute_static(nb, timeout: int = 600) -> float:
    """Run the notebook in memory as the book's build does: kernel in book/, initlab's static mode
    (interactive figures emit pre-rendered frames). Returns the seconds it took."""
    from nbclient import NotebookClient

    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(BOOK)}})
    start = time.perf_counter()
    client.execute(env={**os.environ, explorer.ENV_VAR: "1"})
    return time.perf_counter() - start


def built_outputs(nb, path: Path, executed: Path = EXECUTED):
    """The notebook as the book's last build executed it (``executed``: book/_build/jupyter_execute, static
    mode), if that build ran exactly these cells; else None."""
    built = executed / path.name
    if not built.is_file():
        return None
    executed = nbformat.read(built, as_version=4)
    if [(c.cell_type, c.source) for c in executed.cells] != [(c.cell_type, c.source) for c in nb.cells]:
        return None
    return executed


def export_one(path: Path, out: Path, refs: References, mode: str = "auto",
               executed: Path = EXECUTED) -> tuple[Path, str]:
    """One deck; ``mode`` says where the outputs come from: "auto" (the build's in ``executed`` if it ran
    these very cells, else a fresh static-mode run), "execute" (always run), "stored" (the committed ones),
    or "built" (the build's if it ran these very cells, else the committed ones: never a kernel)."""
    nb = nbformat.read(path, as_version=4)
    built = built_outputs(nb, path, executed) if mode in ("auto", "built") else None
    if built is not None:
        for cell, ran in zip(nb.cells, built.cells):
            if cell.cell_type == "code":
                cell.outputs = ran.outputs
        how = f"outputs of the build ({executed.name})"
    elif mode in ("stored", "built"):
        how = "committed outputs (interactive figures as PNG)"
    else:
        how = f"executed in {execute_static(nb):.1f} s"
    deck = deck_notebook(nb, refs)
    resources = {
        "metadata": {"name": path.stem},
        "initlab": {"assets": ASSETS, "macros": _mathjax_macros(), "center": RISE["center"]},
    }
    html, _ = exporter().from_notebook_node(deck, resources=resources)
    target = out / f"{path.stem}.slides.html"
    target.write_text(html, encoding="utf-8")
    return target, how


def export(paths, out: Path = DEFAULT_OUT, mode: str = "auto", jobs: int = 1,
           executed: Path = EXECUTED) -> list[Path]:
    """Write a deck for each notebook into ``out``, with the assets they load (see export_one)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    out.mkdir(parents=True, exist_ok=True)
    copy_assets(out)
    refs = References.of_book(chapters())

    def one(path):
        target, how = export_one(Path(path), out, refs, mode, executed)
        print(f"{Path(path).name}: {how}; {target.stat().st_size / 1e6:.1f} MB -> {target}", flush=True)
        return target

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, paths))


# -------------------------------------------------------------------------------------------- the CLI


def chapters() -> list[Path]:
    """The numbered chapters listed in _toc.yml (01_..., the lectures), in order; pages such as the short
    answers and the checklist get no deck."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            for key in ("root", "file"):
                if isinstance(node.get(key), str) and (BOOK / f"{Path(node[key]).with_suffix('')}.ipynb").is_file():
                    found.append(BOOK / f"{Path(node[key]).with_suffix('')}.ipynb")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(yaml.safe_load(TOC.read_text(encoding="utf-8")))
    return [path for path in found if re.match(r"\d\d_", path.name)]


def _notebooks(parser, given) -> list[Path]:
    paths = [Path(p) for p in given] if given else chapters()
    for path in paths:
        if path.suffix != ".ipynb":
            parser.error(f"NOTEBOOK must be a .ipynb file, got {str(path)!r}")
        if not path.is_file():
            parser.error(f"notebook not found: {str(path)!r}")
    return paths


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.slides", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="{mark,export,fit}")
    marker = commands.add_parser("mark", help="set the slide metadata of the chapters by the rule")
    marker.add_argument("--check", action="store_true", help="change nothing; exit 1 if a cell differs from the rule")
    marker.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="default: every chapter in _toc.yml")
    exporting = commands.add_parser("export", help="write every chapter as an offline reveal.js deck")
    exporting.add_argument("--out", type=Path, default=DEFAULT_OUT, help="default: book/_build/slides")
    outputs = exporting.add_mutually_exclusive_group()
    outputs.add_argument("--execute", action="store_true",
                         help="always execute the chapters (default: reuse the book build's run when it ran the same cells)")
    outputs.add_argument("--stored", action="store_true",
                         help="use the committed outputs, no kernel (interactive figures as PNG)")
    exporting.add_argument("--jobs", type=int, default=1, help="chapters exported at once (default 1)")
    exporting.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="default: every chapter in _toc.yml")
    fitting = commands.add_parser("fit", help="measure every slide of the exported decks in Chromium")
    fitting.add_argument("--out", type=Path, default=DEFAULT_OUT,
                         help="the decks' folder (default: book/_build/slides; the site's: book/_build/html/slides)")
    args = parser.parse_args(argv)
    if args.command == "fit":
        from . import fit

        decks = [args.out / f"{path.stem}.slides.html" for path in chapters()]
        absent = [deck.name for deck in decks if not deck.is_file()]
        if len(absent) == len(decks):
            fitting.error(f"no deck {', '.join(absent)} in {args.out}: export them first")
        if absent:
            print(f"fit: not exported, not measured: {', '.join(absent)}")
        return 1 if fit.report([deck for deck in decks if deck.is_file()], DECK_SIZE) or absent else 0
    paths = _notebooks(marker if args.command == "mark" else exporting, args.notebooks)

    if args.command == "export":
        if args.jobs < 1:
            exporting.error(f"--jobs must be at least 1, got {args.jobs}")
        start = time.perf_counter()
        mode = "execute" if args.execute else "stored" if args.stored else "auto"
        export(paths, args.out, mode=mode, jobs=args.jobs)
        print(f"slides: {len(paths)} decks in {args.out} ({time.perf_counter() - start:.0f} s); "
              f"open {args.out / (paths[0].stem + '.slides.html')}")
        return 0

    failed = 0
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        found = differences(nb)
        if args.check:
            if found:
                failed += 1
                print(f"{path}: {len(found)} differences from the slide rule:\n  " + "\n  ".join(found))
        elif found:
            mark(nb)
            nbformat.write(nb, path)  # as tools.execute_notebooks writes the chapters: only metadata changes
            print(f"{path}: marked ({len(found)} changes)")
    if args.check:
        if failed:
            print(f"slides: {failed} notebook(s) not marked; run `python -m tools.slides mark`", file=sys.stderr)
            return 1
        print(f"slides: all {len(paths)} notebooks follow the slide rule")
    return 0

