"""Slides from the chapters: RISE slide metadata in the notebooks, and offline reveal.js decks.

    python -m tools.slides mark                 # set the slide metadata of every chapter in _toc.yml
    python -m tools.slides mark --check         # exit 1, listing every cell that does not follow the rule
    python -m tools.slides export               # book/_build/slides/<chapter>.slides.html (+ assets/)
    python -m tools.slides export --out DIR book/01_vanishing_gradients.ipynb

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
interactive figures then show their stored PNG).
"""

from __future__ import annotations

import argparse
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
from initlab.notebook import explorer

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
MODES = ("auto", "execute", "stored")
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


def _scan(source: str) -> _Scan:
    scan, stack = _Scan(), []  # stack of open fences: (fence characters, directive name or None)
    for line in source.splitlines():
        stripped = line.strip()
        if stack:
            chars, name = stack[-1]
            if stripped and set(stripped) == {chars[0]} and len(stripped) >= len(chars):
                stack.pop()
            elif name is not None and _FENCE_OPEN.match(stripped):  # directives nest, code blocks do not
                stack.append((_FENCE_OPEN.match(stripped).group(1), None))
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


def deck_notebook(nb, refs: References):
    """The notebook the deck is made from: Markdown split into pieces, each cell marked by the
    rule, MyST rewritten, and no widget views (they would need widget JavaScript from a CDN)."""
    deck = deepcopy(nb)
    cells = []
    for cell in deck.cells:
        if cell.cell_type == "code" and "check" in cell.metadata.get("tags", []):
            continue  # a check cell guards the table above it; a talk does not show it
        if cell.cell_type == "markdown":
            for piece in split_markdown(cell.source):
                cells.append(nbformat.v4.new_markdown_cell(piece))
        else:
            cells.append(cell)
    for cell, kind in zip(cells, slide_types(cells)):
        cell.metadata["slideshow"] = {"slide_type": kind}
        if cell.cell_type == "markdown":
            cell.source = myst_to_markdown(cell.source, refs)
        else:
            for out in cell.get("outputs", []):
                out.get("data", {}).pop("application/vnd.jupyter.widget-view+json", None)
    deck.cells = [c for c in cells if c.cell_type != "markdown" or c.source.strip()]
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


def copy_assets(out: Path) -> Path:
    """Copy what the decks load into ``out/assets`` (from tools/slides/node_modules)."""
    missing = [name for name, _, _ in _ASSET_FILES if not (NODE_MODULES / name / "package.json").is_file()]
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


def built_outputs(nb, path: Path):
    """The notebook as the book's last build executed it (book/_build/jupyter_execute, static mode),
    if that build ran exactly these cells; else None."""
    built = EXECUTED / path.name
    if not built.is_file():
        return None
    executed = nbformat.read(built, as_version=4)
    if [(c.cell_type, c.source) for c in executed.cells] != [(c.cell_type, c.source) for c in nb.cells]:
        return None
    return executed


def export_one(path: Path, out: Path, refs: References, mode: str = "auto") -> tuple[Path, str]:
    """One deck; ``mode`` says where the outputs come from: "auto" (the book's build if it ran these
    very cells, else a fresh static-mode run), "execute" (always run), or "stored" (the committed ones)."""
    nb = nbformat.read(path, as_version=4)
    executed = built_outputs(nb, path) if mode == "auto" else None
    if executed is not None:
        for cell, ran in zip(nb.cells, executed.cells):
            if cell.cell_type == "code":
                cell.outputs = ran.outputs
        how = f"outputs of the book's build ({EXECUTED.relative_to(ROOT)})"
    elif mode == "stored":
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


def export(paths, out: Path = DEFAULT_OUT, mode: str = "auto", jobs: int = 1) -> list[Path]:
    """Write a deck for each notebook into ``out``, with the assets they load (see export_one)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    out.mkdir(parents=True, exist_ok=True)
    copy_assets(out)
    refs = References.of_book(chapters())

    def one(path):
        target, how = export_one(Path(path), out, refs, mode)
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
    commands = parser.add_subparsers(dest="command", required=True, metavar="{mark,export}")
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
    args = parser.parse_args(argv)
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

