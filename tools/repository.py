"""One repository setting for the whole book: rewrite every place the repository appears, or check them.

    python -m tools.repository OWNER/NAME [--branch B] [--hub URL]   # e.g. a fork: rewrite every place
    python -m tools.repository --check                                # exit 1, listing what disagrees

The setting is in _config.yml: ``repository.url`` (``https://github.com/OWNER/NAME``),
``repository.branch`` and ``launch_buttons.jupyterhub_url``. sphinx-book-theme builds every chapter
page's launch buttons (Binder, Colab, and JupyterHub through nbgitpuller when a hub is set; the book
sets none, ``""``, so a class adds its own with ``--hub``) from it when the book is built. Copies of it live in:

* each chapter's first code cell, the Colab install cell (tagged ``remove-cell``: hidden on the
  site): on Colab it pip-installs initlab from ``git+https://github.com/OWNER/NAME@BRANCH`` (book/ is
  a pip-installable package, see book/pyproject.toml). The cell is rendered from :data:`BOOTSTRAP`:
  inserted where missing, replaced where stale. The rest of the notebook is written back byte for
  byte (nbformat's own layout, as tools/execute_notebooks.py writes it);
* links in the notebooks' cells, the Markdown pages, the README, binder/, the workflows and
  _config.yml: ``github.com/OWNER/NAME[/blob|tree/BRANCH]``, Binder's ``/v2/gh/OWNER/NAME/BRANCH``,
  Colab's ``/github/OWNER/NAME/blob/BRANCH``, ``raw.githubusercontent.com/OWNER/NAME/BRANCH``,
  ``git+https://github.com/OWNER/NAME@BRANCH``, the published site ``OWNER.github.io/NAME``, and
  nbgitpuller links (``HUB/hub/user-redirect/git-pull?repo=...``: hub, branch and folder too). A
  link is the book's when it names the repository (or branch) of _config.yml or of a chapter's
  install cell, or a repository of the same name (a fork's upstream); links to other projects are
  left alone.

``--check`` is the rewrite to what _config.yml says, done in memory: every change it would make is
a mismatch. Only GitHub is supported: Colab and the theme's Colab button open notebooks from GitHub.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = "_config.yml"
# Files besides the chapters that may link to the repository, relative to the root.
TEXT_FILES = ("_config.yml", "*.md", "book/**/*.md", "binder/*", ".github/**/*.yml")
SKIP_DIRS = {"_build", ".ipynb_checkpoints", "node_modules"}

BOOTSTRAP_ID = "colab-install"
BOOTSTRAP_METADATA = {"tags": ["remove-cell"], "slideshow": {"slide_type": "skip"}}
# Plain Python, no `!pip`: it runs, and does nothing, in every other kernel (nbval, the build, Binder).
BOOTSTRAP = '''\
# On Colab, install this book's helper package (initlab) and turn on Colab's widget manager, which
# ipywidgets 8 needs. Elsewhere initlab sits next to this notebook and this cell does nothing.
import importlib.util
import subprocess
import sys

if "google.colab" in sys.modules:
    if importlib.util.find_spec("initlab") is None:
        requirement = "{requirement}"
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", requirement], check=True)
        importlib.invalidate_caches()
    from google.colab import output

    output.enable_custom_widget_manager()'''

_OWNER = r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}"
_NAME = r"(?!\.\.?(?![A-Za-z0-9._-]))[A-Za-z0-9._-]{1,100}"
# A git branch name, minus the characters that would need quoting in a URL.
_BRANCH = r"(?![-/.])(?!.*(?:\.\.|//|@\{|/\.|\.lock$|[/.]$))[A-Za-z0-9._/-]{1,200}"
_GITHUB_URL = re.compile(rf"https://github\.com/(?P<owner>{_OWNER})/(?P<name>{_NAME}?)(?:\.git)?/?")
_REQUIREMENT = re.compile(r'requirement = "initlab @ git\+https://github\.com/(?P<slug>[^@"]+)@(?P<branch>[^#"]+)#')

# Where a name or branch in text ends: a delimiter, or a full stop that ends a sentence.
_END = r"(?=$|[/@?#\s\"'`)\]>|,;:&*]|\.(?:$|[\s)\]]))"
# A repository in text: a known prefix, then OWNER/NAME (or OWNER.github.io/NAME).
_SLUG_END = rf"(?:{_END}|(?=\.git\b))"
_REFERENCE = re.compile(
    r"(?P<prefix>git\+https://github\.com/|(?:www\.)?github\.com/|/v2/gh/|colab\.research\.google\.com/github/"
    rf"|raw\.githubusercontent\.com/)(?P<owner>{_OWNER})/(?P<name>[A-Za-z0-9._-]+?){_SLUG_END}"
    rf"|(?P<pages_owner>{_OWNER})\.github\.io/(?P<pages_name>[A-Za-z0-9._-]+?){_SLUG_END}",
    re.IGNORECASE,
)
# What separates the slug from a branch, by prefix (a github.com link names one only in /blob/ or /tree/).
_BEFORE_BRANCH = {
    "git+https://github.com/": ("@",),
    "github.com/": ("/blob/", "/tree/"),
    "/v2/gh/": ("/",),
    "colab.research.google.com/github/": ("/blob/",),
    "raw.githubusercontent.com/": ("/",),
}
# An nbgitpuller link, as the theme writes it (or HTML-escaped): HUB/hub/user-redirect/git-pull?repo=...
_NBGITPULLER = re.compile(r"https://[^\s\"'<>()]+?/hub/user-redirect/git-pull\?[^\s\"'<>()\]]+")


class RepositoryError(ValueError):
    """A bad argument or setting; the message says what is expected."""


@dataclass(frozen=True)
class Setting:
    owner: str
    name: str
    branch: str
    hub: str

    @property
    def slug(self):
        return f"{self.owner}/{self.name}"

    @property
    def url(self):
        return f"https://github.com/{self.slug}"

    @property
    def requirement(self):
        return f"initlab @ git+{self.url}@{self.branch}#subdirectory=book"


@dataclass
class Change:
    path: Path  # relative to the root
    what: str
    text: str  # the file's new content


# ------------------------------------------------------------------------------------ arguments


def parse_slug(text):
    """``"OWNER/NAME"`` -> ``(owner, name)``."""
    if "://" in text or text.lower().startswith(("github.com", "www.")):
        raise RepositoryError(
            f"give the repository as OWNER/NAME (e.g. alice/weight-initialization), not a URL: {text!r}")
    owner, _, name = text.removesuffix(".git").partition("/")
    if not (re.fullmatch(_OWNER, owner) and re.fullmatch(_NAME, name)):
        raise RepositoryError(
            "the repository must be OWNER/NAME: a GitHub owner (letters, digits, single hyphens), a slash and a "
            f"repository name (letters, digits, '.', '_', '-'), e.g. alice/weight-initialization; got {text!r}"
        )
    return owner, name


def check_branch(branch):
    if not re.fullmatch(_BRANCH, branch):
        raise RepositoryError(
            "the branch must be a git branch name of letters, digits, '.', '_', '-' and '/' (not starting with "
            f"'-', '/' or '.'; no '..' or '//'), e.g. main; got {branch!r}"
        )
    return branch


def check_hub(url):
    """A JupyterHub's base URL, without a trailing slash; ``""`` is no hub (no JupyterHub launch entry)."""
    if url == "":
        return ""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment or "@" in parts.netloc:
        raise RepositoryError(
            f"the hub must be the https:// address of a JupyterHub, with no query or fragment, e.g. "
            f"https://hub.example.edu; got {url!r}"
        )
    path = parts.path.rstrip("/")
    if "/hub/" in f"{path}/":
        raise RepositoryError(
            f"the hub must be its base address, without /hub/... (e.g. https://{parts.netloc}); got {url!r}")
    return f"https://{parts.netloc}{path}"


# ------------------------------------------------------------------------------------ _config.yml


def parse_config(text):
    """The setting in the text of _config.yml."""
    config = yaml.safe_load(text) or {}
    repository = config.get("repository") or {}
    url = str(repository.get("url", ""))
    match = _GITHUB_URL.fullmatch(url)
    if not match:
        raise RepositoryError(f"{CONFIG}: repository.url must be https://github.com/OWNER/NAME; got {url!r}")
    try:
        branch = check_branch(str(repository.get("branch", "")))
        hub = check_hub(str((config.get("launch_buttons") or {}).get("jupyterhub_url") or ""))
    except RepositoryError as err:
        raise RepositoryError(f"{CONFIG}: {err}") from None
    return Setting(match["owner"], match["name"], branch, hub)


def _yaml_scalar(value):
    """``value`` written so that YAML reads it back as this string (``branch: 1.0`` would be a number)."""
    return value if yaml.safe_load(f"k: {value}") == {"k": value} else '"' + value.replace('"', '\\"') + '"'


def set_config_value(text, section, key, value):
    """Set ``section.key`` in the YAML ``text`` line by line, so that comments and layout stay as they are."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.match(rf"{section}:\s*(#.*)?$", line)), None)
    if start is None:
        raise RepositoryError(f"{CONFIG}: no top-level '{section}:' section")
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"[^\s#]", lines[i])), len(lines))
    for i in range(start + 1, end):
        match = re.match(rf"(\s+{key}:\s*)(\"[^\"]*\"|'[^']*'|[^\s#]*)(.*)$", lines[i].rstrip("\r\n"))
        if match:
            if yaml.safe_load(f"k: {match[2]}") != {"k": value}:  # else keep the line as it is written
                lines[i] = f"{match[1]}{_yaml_scalar(value)}{match[3]}\n"
            return "".join(lines)
    indent = next((m[0] for i in range(start + 1, end) if (m := re.match(r"[ \t]+(?=\S)", lines[i]))), "  ")
    lines.insert(start + 1, f"{indent}{key}: {_yaml_scalar(value)}\n")
    return "".join(lines)


def config_with(text, setting):
    for section, key, value in (("repository", "url", setting.url), ("repository", "branch", setting.branch),
                                ("launch_buttons", "jupyterhub_url", setting.hub)):
        text = set_config_value(text, section, key, value)
    if parse_config(text) != setting:  # never write a config that does not say what was asked
        raise RepositoryError(f"{CONFIG}: could not set the repository in it (unexpected layout)")
    return text


# ------------------------------------------------------------------------------------ links in text


def rewrite_links(text, old_slugs, old_branches, new):
    """``text`` with every link to the book's repository pointing to ``new``; and a description per link.

    A link is the book's when its OWNER/NAME is one of ``old_slugs`` (compared case-insensitively, as
    GitHub does) or its NAME is ``new.name``; its branch is rewritten when it is one of ``old_branches``.
    """
    slugs = {slug.lower() for slug in old_slugs}
    branches = sorted(old_branches, key=len, reverse=True)  # "dev/x" before "dev"
    pieces, changes, last = [], [], 0
    for match in _REFERENCE.finditer(text):
        pages = match["pages_owner"] is not None
        owner, name = (match["pages_owner"], match["pages_name"]) if pages else (match["owner"], match["name"])
        if f"{owner}/{name}".lower() not in slugs and name.lower() != new.name.lower():
            continue
        new_owner = new.owner.lower() if pages else new.owner
        replacement = f"{new_owner}.github.io/{new.name}" if pages else f"{match['prefix']}{new_owner}/{new.name}"
        end = match.end()
        prefix = "" if pages else match["prefix"].lower().removeprefix("www.")
        for lead in _BEFORE_BRANCH.get(prefix, ()):
            if not text.startswith(lead, end):
                continue
            branch = next((b for b in branches if re.match(re.escape(b) + _END, text[end + len(lead):])), None)
            if branch is not None:
                replacement += lead + new.branch
                end += len(lead) + len(branch)
            break
        if text[match.start():end] != replacement:
            pieces += [text[last:match.start()], replacement]
            last = end
            changes.append(f"{_line(text, match.start())}: {text[match.start():end]} -> {replacement}")
    text = "".join(pieces) + text[last:]
    text, pulls = _rewrite_nbgitpuller(text, new)
    text, folders = _rewrite_clone_folder(text)
    return text, changes + pulls + folders


# `git clone URL` then `cd FOLDER` on the next line: git names the folder after the repository.
_CLONE_THEN_CD = re.compile(r"(git clone https://github\.com/[^/\s]+/(?P<name>[A-Za-z0-9._-]+?)(?:\.git)?[ \t]*\n"
                            r"[ \t]*cd )(?P<folder>\S+)")


def _rewrite_clone_folder(text):
    """``cd`` into the folder that the ``git clone`` on the line before creates."""
    changes = []

    def rebuild(match):
        if match["folder"] == match["name"]:
            return match[0]
        changes.append(f"{_line(text, match.start())}: cd {match['folder']} -> cd {match['name']}")
        return match[1] + match["name"]

    return _CLONE_THEN_CD.sub(rebuild, text), changes


def _line(text, position):
    number = text.count("\n", 0, position) + 1
    return f"line {number}"


def _rewrite_nbgitpuller(text, new):
    """Point the nbgitpuller links to the book's repository (their ``repo=`` is already ``new``'s) at
    ``new``'s hub, branch and clone folder (nbgitpuller clones into a folder named after the repository)."""
    changes = []

    def rebuild(match):
        link = match[0]
        hub = new.hub or link.partition("/hub/")[0]  # with no hub of its own, the book keeps the link's
        amp = "&amp;" if "&amp;" in link else "&"
        parts = urlsplit(link.replace("&amp;", "&"))
        params = dict(parse_qsl(parts.query))
        if params.get("repo", "").rstrip("/") != new.url:
            return link
        wanted = {**params, "repo": new.url, "branch": new.branch}
        if "urlpath" in params:
            wanted["urlpath"] = re.sub(r"^((?:lab/)?tree/)[^/]+", rf"\g<1>{new.name}", params["urlpath"])
        if wanted == params and link.startswith(f"{hub}/hub/"):
            return link  # however it is encoded
        rebuilt = f"{hub}/hub/user-redirect/git-pull?" + urlencode(wanted, safe="/").replace("&", amp)
        changes.append(f"{_line(text, match.start())}: {link} -> {rebuilt}")
        return rebuilt

    return _NBGITPULLER.sub(rebuild, text), changes


def text_files(root):
    found = set()
    for pattern in TEXT_FILES:
        for path in root.glob(pattern):
            if path.is_file() and not SKIP_DIRS & set(path.relative_to(root).parts):
                found.add(path)
    return sorted(found)


# ------------------------------------------------------------------------------------ chapters


def chapters(root):
    return sorted((root / "book").glob("*.ipynb"))


def bootstrap_source(setting):
    return BOOTSTRAP.replace("{requirement}", setting.requirement)


def _is_bootstrap(cell):
    return cell.cell_type == "code" and (
        cell.get("id") == BOOTSTRAP_ID or "enable_custom_widget_manager" in cell.source)


def installed_from(nb):
    """(slugs, branches) the install cells of a notebook name."""
    found = [_REQUIREMENT.search(cell.source) for cell in nb.cells if _is_bootstrap(cell)]
    return {m["slug"] for m in found if m}, {m["branch"] for m in found if m}


def rewrite_chapter(nb, old_slugs, old_branches, new):
    """Put the install cell (rendered for ``new``) first among the code cells of ``nb`` and point its
    other cells' links to ``new``, in place; returns what changed."""
    changes = []
    cells = [cell for cell in nb.cells if _is_bootstrap(cell)]
    cell = cells[0] if cells else nbformat.v4.new_code_cell(id=BOOTSTRAP_ID)
    for extra in cells[1:]:
        nb.cells.remove(extra)
        changes.append(f"a second install cell (id {extra.get('id')}) removed")
    source = bootstrap_source(new)
    if not cells:
        changes.append(f"install cell inserted (installs {new.requirement!r})")
    elif cell.source != source:
        match = _REQUIREMENT.search(cell.source)
        old = f"installs {match['slug']}@{match['branch']}" if match else "is not the current template"
        changes.append(f"install cell {old}; now {new.slug}@{new.branch}")
    cell.source = source
    if cells and cell.outputs:
        changes.append("install cell has stored outputs (cleared)")
    cell.outputs = []
    for key, value in BOOTSTRAP_METADATA.items():
        if key == "tags":
            value = list(dict.fromkeys([*cell.metadata.get("tags", []), *value]))
        if cell.metadata.get(key) != value:
            if cells:
                changes.append(f"install cell metadata {key} set to {value}")
            cell.metadata[key] = value
    others = [c for c in nb.cells if c is not cell]
    position = next((i for i, c in enumerate(others) if c.cell_type == "code"), len(others))
    if next((i for i, c in enumerate(nb.cells) if c is cell), None) != position:
        if cells:
            changes.append("install cell moved before the first code cell")
        nb.cells[:] = [*others[:position], cell, *others[position:]]
    for index, other in enumerate(nb.cells):
        if other is not cell:
            other.source, links = rewrite_links(other.source, old_slugs, old_branches, new)
            changes += [f"cell {index} ({other.get('id')}): {link}" for link in links]
    return changes


# ------------------------------------------------------------------------------------ the plan


def plan(root, new):
    """Every change that makes ``root`` agree with ``new`` (nothing is written)."""
    config_text = (root / CONFIG).read_text(encoding="utf-8")
    old = parse_config(config_text)
    notebooks = {path: nbformat.read(path, as_version=4) for path in chapters(root)}
    old_slugs, old_branches = {old.slug}, {old.branch}
    for nb in notebooks.values():
        slugs, branches = installed_from(nb)
        old_slugs |= slugs
        old_branches |= branches

    texts, whats = {}, {}  # per file: its new text, and what changed in it

    def change(path, text, what):
        rel = path.relative_to(root)
        texts[rel] = text
        whats.setdefault(rel, []).extend(what)

    new_config = config_with(config_text, new)
    if new_config != config_text:
        fields = [f"{field} {getattr(old, field)} -> {getattr(new, field)}"
                  for field in ("slug", "branch", "hub") if getattr(old, field) != getattr(new, field)]
        change(root / CONFIG, new_config, ["setting: " + (", ".join(fields) or "written in its normal form")])
    for path in text_files(root):
        text = texts.get(path.relative_to(root)) or path.read_text(encoding="utf-8")
        rewritten, links = rewrite_links(text, old_slugs, old_branches, new)
        if links:
            change(path, rewritten, links)
    for path, nb in notebooks.items():
        what = rewrite_chapter(nb, old_slugs, old_branches, new)
        text = nbformat.writes(nb) + "\n"
        if text != path.read_text(encoding="utf-8"):
            change(path, text, what)
    return [Change(path, what, texts[path]) for path in texts for what in whats[path]]


def apply(root, changes):
    """Write the files of ``changes`` (each change carries its file's final text); returns them."""
    written = {change.path: change.text for change in changes}
    for path, text in written.items():
        (root / path).write_text(text, encoding="utf-8")
    return sorted(written)


# ------------------------------------------------------------------------------------ command line


def main(argv=None, root=ROOT):
    parser = argparse.ArgumentParser(prog="python -m tools.repository", description=__doc__.splitlines()[0])
    parser.add_argument("repository", nargs="?", metavar="OWNER/NAME",
                        help="the GitHub repository, e.g. alice/weight-initialization")
    parser.add_argument("--branch", help="the branch the links open (default: the one in _config.yml)")
    parser.add_argument("--hub", metavar="URL",
                        help="the class's JupyterHub, e.g. https://hub.example.edu; \"\" for none, which hides the "
                             "JupyterHub launch entry (default: what _config.yml says)")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 listing every place that disagrees with _config.yml")
    args = parser.parse_args(argv)
    if args.check == bool(args.repository) or (args.check and (args.branch or args.hub)):
        parser.error("give either OWNER/NAME [--branch B] [--hub URL], or --check alone")
    try:
        current = parse_config((root / CONFIG).read_text(encoding="utf-8"))
        if args.check:
            new = current
        else:
            owner, name = parse_slug(args.repository)
            branch = check_branch(args.branch) if args.branch is not None else current.branch
            hub = check_hub(args.hub) if args.hub is not None else current.hub
            new = Setting(owner, name, branch, hub)
        changes = plan(root, new)
    except RepositoryError as err:
        print(f"tools.repository: {err}", file=sys.stderr)
        return 2
    for change in changes:
        print(f"{change.path}: {change.what}")
    if args.check:
        if changes:
            print(f"{len(changes)} place(s) disagree with {CONFIG} ({current.slug}@{current.branch}); fix them "
                  f"with: python -m tools.repository {current.slug} --branch {current.branch}", file=sys.stderr)
            return 1
        print(f"every place agrees with {CONFIG}: {current.slug}@{current.branch}, hub {current.hub or 'none'}")
        return 0
    files = apply(root, changes)
    print(f"{len(files)} file(s) rewritten for {new.slug}@{new.branch}, hub {new.hub or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
