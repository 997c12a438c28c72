"""tools.repository: the one repository setting (_config.yml) and every place that copies it; the Colab
install cell it writes into each chapter; book/ as the pip-installable package that cell installs."""

import difflib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest
import yaml

from tools import repository
from tools.repository import BOOTSTRAP_ID, Setting

ROOT = repository.ROOT
FORK = Setting("alice", "fork", "dev", "https://hub.example.edu")
# The book sets no hub; the copies below set this one first, so that rewriting a hub's links is tested too.
UPSTREAM_HUB = "https://hub.upstream.example.edu"
# A page with links of every kind the tool rewrites, and two it must leave alone. {slug}, {owner}, {name} and
# {branch} are the upstream's (_config.yml's); {hub} its hub.
LINKS_PAGE = """\
Repository: https://github.com/{slug}. Clone https://github.com/{slug}.git
[Binder](https://mybinder.org/v2/gh/{slug}/{branch}?urlpath=lab/tree/book/01_vanishing_gradients.ipynb)
[Colab](https://colab.research.google.com/github/{slug}/blob/{branch}/book/01_vanishing_gradients.ipynb)
[Hub]({hub}/hub/user-redirect/git-pull?repo=https%3A//github.com/{slug}&urlpath=lab/tree/{name}/book/01_vanishing_gradients.ipynb&branch={branch})
Site: https://{owner_lower}.github.io/{name}/intro.html; pip install "initlab @ git+https://github.com/{slug}@{branch}#subdirectory=book"
Not ours: https://github.com/jmshea/jupyterquiz and https://mybinder.org/v2/gh/jupyter/nbgitpuller/main
"""


def _upstream():
    """The repository's own setting, with UPSTREAM_HUB where it sets no hub."""
    setting = repository.parse_config((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return Setting(setting.owner, setting.name, setting.branch, setting.hub or UPSTREAM_HUB)


def _links_page(setting):
    return LINKS_PAGE.format(slug=setting.slug, owner_lower=setting.owner.lower(), name=setting.name,
                             branch=setting.branch, hub=setting.hub)


def _without_install_cell(path):
    nb = nbformat.read(path, as_version=4)
    nb.cells = [cell for cell in nb.cells if not repository._is_bootstrap(cell)]
    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")


@pytest.fixture
def copy(tmp_path):
    """The files the tool reads, copied; chapters without their install cell; plus a page of links."""
    root = tmp_path / "repo"
    (root / "book").mkdir(parents=True)
    shutil.copy(ROOT / "_config.yml", root)
    for path in repository.text_files(ROOT):
        target = root / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    for path in repository.chapters(ROOT):
        shutil.copy(path, root / "book")
        _without_install_cell(root / "book" / path.name)
    config = root / "_config.yml"
    config.write_text(repository.config_with(config.read_text(encoding="utf-8"), _upstream()), encoding="utf-8")
    (root / "book" / "links.md").write_text(_links_page(_upstream()), encoding="utf-8")
    return root


def _snapshot(root):
    return {p.relative_to(root): p.read_text(encoding="utf-8") for p in root.rglob("*") if p.is_file()}


def _changed_lines(before, after):
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]


# ------------------------------------------------------------------------------------ the real repository


def test_every_place_in_the_repository_agrees_with_config(capsys):
    code = repository.main(["--check"])
    out = capsys.readouterr()
    assert code == 0, f"run `python -m tools.repository {_upstream().slug}`:\n{out.out}{out.err}"


def test_config_sets_binder_colab_no_hub_and_no_thebe():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    launch = config["launch_buttons"]
    assert launch["binderhub_url"] == "https://mybinder.org"
    assert launch["colab_url"] == "https://colab.research.google.com"
    assert launch["jupyterhub_url"] == "", "a placeholder hub would give every page a JupyterHub entry that fails"
    assert launch["thebe"] is False  # thebe would load code from outside the site
    assert config["repository"]["path_to_book"] == "book"


# ------------------------------------------------------------------------------------ rewriting a copy


def test_inserting_the_install_cell_adds_that_cell_and_nothing_else(copy):
    before = _snapshot(copy)
    assert repository.main([_upstream().slug], root=copy) == 0
    after = _snapshot(copy)
    chapters = [p.relative_to(copy) for p in repository.chapters(copy)]
    assert chapters, "no chapters copied"
    assert sorted(p for p in after if after[p] != before[p]) == sorted(chapters)
    for rel in chapters:
        nb = nbformat.reads(after[rel], as_version=4)
        code = [cell for cell in nb.cells if cell.cell_type == "code"]
        first = code[0]
        assert first.id == BOOTSTRAP_ID and first.source == repository.bootstrap_source(_upstream())
        assert "remove-cell" in first.metadata["tags"] and first.metadata["slideshow"] == {"slide_type": "skip"}
        assert first.outputs == [] and first.execution_count is None
        nb.cells.remove(first)
        assert nbformat.writes(nb) + "\n" == before[rel], f"{rel}: more than the install cell changed"


def test_rewriting_for_a_fork_changes_exactly_the_repository(copy, capsys):
    upstream = _upstream()
    repository.main([upstream.slug], root=copy)
    before = _snapshot(copy)
    args = [FORK.slug, "--branch", FORK.branch, "--hub", FORK.hub + "/"]  # a trailing slash is dropped
    assert repository.main(args, root=copy) == 0
    after = _snapshot(copy)

    def mentions_upstream(text):
        return any(form.lower() in text.lower() for form in (upstream.slug, f"{upstream.owner}.github.io/{upstream.name}"))

    expected = {Path("_config.yml"), Path("book/links.md")} | {p.relative_to(copy) for p in repository.chapters(copy)}
    expected |= {rel for rel, text in before.items() if rel.suffix == ".md" and mentions_upstream(text)}
    assert {p for p in after if after[p] != before[p]} == expected

    assert _changed_lines(before[Path("_config.yml")], after[Path("_config.yml")]) == [
        f"-  baseurl: https://{upstream.owner.lower()}.github.io/{upstream.name}/",
        f"+  baseurl: https://{FORK.owner.lower()}.github.io/{FORK.name}/",
        f"-  url: {upstream.url}", f"+  url: {FORK.url}", f"-  branch: {upstream.branch}", f"+  branch: {FORK.branch}",
        f"-  jupyterhub_url: {upstream.hub}", f"+  jupyterhub_url: {FORK.hub}",
    ]
    assert repository.parse_config(after[Path("_config.yml")]) == FORK
    assert after[Path("book/links.md")] == _links_page(FORK)  # its last line, links to other projects, unchanged
    assert f"git clone {FORK.url}\ncd {FORK.name}\n" in after[Path("book/how_to_use.md")]
    for chapter in repository.chapters(copy):
        rel = chapter.relative_to(copy)
        lines = _changed_lines(before[rel], after[rel])
        assert lines == [f'-    "        requirement = \\"{upstream.requirement}\\"\\n",',
                         f'+    "        requirement = \\"{FORK.requirement}\\"\\n",'], f"{rel}: {lines}"

    capsys.readouterr()
    assert repository.main(["--check"], root=copy) == 0
    assert repository.main([FORK.slug, "--branch", FORK.branch], root=copy) == 0  # again: nothing left to do
    assert _snapshot(copy) == after
    assert "0 file(s) rewritten" in capsys.readouterr().out


def test_check_lists_every_place_that_disagrees(copy, capsys):
    repository.main([_upstream().slug], root=copy)
    first, second, *_ = repository.chapters(copy)
    first.write_text(first.read_text(encoding="utf-8").replace(_upstream().slug, FORK.slug), encoding="utf-8")
    _without_install_cell(second)
    (copy / "book" / "links.md").write_text(_links_page(FORK), encoding="utf-8")
    before = _snapshot(copy)
    capsys.readouterr()

    assert repository.main(["--check"], root=copy) == 1
    out = capsys.readouterr()
    assert f"{first.relative_to(copy)}: install cell installs {FORK.slug}@{_upstream().branch}" in out.out
    assert f"{second.relative_to(copy)}: install cell inserted" in out.out
    assert re.search(rf"book/links.md: line 1: github.com/{FORK.slug} -> github.com/{_upstream().slug}", out.out)
    assert f"python -m tools.repository {_upstream().slug}" in out.err
    assert _snapshot(copy) == before  # --check writes nothing


@pytest.mark.parametrize(
    "args, message",
    [
        (["alice"], "must be OWNER/NAME"),
        (["alice/fork/extra"], "must be OWNER/NAME"),
        (["-alice/fork"], None),  # argparse: an unknown option
        (["al ice/fork"], "must be OWNER/NAME"),
        (["https://github.com/alice/fork"], "not a URL"),
        (["alice/fork", "--branch", "a..b"], "branch must be a git branch name"),
        (["alice/fork", "--branch", "feature//x"], "branch must be a git branch name"),
        (["alice/fork", "--hub", "http://hub.example.edu"], "https:// address of a JupyterHub"),
        (["alice/fork", "--hub", "hub.example.edu"], "https:// address of a JupyterHub"),
        (["alice/fork", "--hub", "https://hub.example.edu/hub/login"], "without /hub/"),
        (["alice/fork", "--hub", "https://hub.example.edu/?next=x"], "no query or fragment"),
    ],
)
def test_bad_arguments_give_clear_errors_and_change_nothing(copy, capsys, args, message):
    before = _snapshot(copy)
    try:
        code = repository.main(args, root=copy)
    except SystemExit as exit_:  # argparse
        code = exit_.code
    err = capsys.readouterr().err
    assert code == 2
    if message:
        assert message in err and repr(args[-1]) in err, err
    assert _snapshot(copy) == before


@pytest.mark.parametrize("args", [[], ["--check", "alice/fork"], ["--check", "--hub", "https://h.example.edu"]])
def test_either_a_repository_or_check(args, capsys):
    with pytest.raises(SystemExit) as exit_:
        repository.main(args)
    assert exit_.value.code == 2
    assert "give either OWNER/NAME" in capsys.readouterr().err


def test_argument_checks_are_value_errors():
    with pytest.raises(ValueError, match="OWNER/NAME"):
        repository.parse_slug("alice")
    assert repository.parse_slug("Alice-1/fork.git") == ("Alice-1", "fork")
    assert repository.check_branch("feature/x-1.2") == "feature/x-1.2"
    assert repository.check_hub("https://example.edu/jupyter/") == "https://example.edu/jupyter"
    assert repository.check_hub("") == ""  # no hub


def test_an_empty_hub_removes_the_jupyterhub_entry_and_keeps_the_hub_of_hub_links(copy, capsys):
    assert repository.main([FORK.slug, "--hub", ""], root=copy) == 0
    after = _snapshot(copy)
    assert "hub none" in capsys.readouterr().out
    assert yaml.safe_load(after[Path("_config.yml")])["launch_buttons"]["jupyterhub_url"] == ""
    assert repository.parse_config(after[Path("_config.yml")]).hub == ""
    fork_without_hub = Setting(FORK.owner, FORK.name, _upstream().branch, UPSTREAM_HUB)
    assert after[Path("book/links.md")] == _links_page(fork_without_hub)  # repository and folder follow the fork
    assert repository.main(["--check"], root=copy) == 0


def test_a_bad_config_is_named(copy, capsys):
    config = copy / "_config.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("https://github.com/", "https://gitlab.com/"))
    assert repository.main(["--check"], root=copy) == 2
    assert "_config.yml: repository.url must be https://github.com/OWNER/NAME" in capsys.readouterr().err


def test_config_values_that_yaml_would_misread_are_quoted(copy):
    repository.main(["alice/fork", "--branch", "1.0"], root=copy)
    assert yaml.safe_load((copy / "_config.yml").read_text())["repository"]["branch"] == "1.0"


# ------------------------------------------------------------------------------------ the install cell


class _Calls(list):
    def __call__(self, *args, **kwargs):
        self.append((args, kwargs))


@pytest.fixture
def run_cell(monkeypatch, capsys):
    """Runs the install cell as a kernel would; returns (pip calls, widget-manager calls, printed text)."""
    pip = _Calls()
    monkeypatch.setattr(subprocess, "run", pip)

    def run():
        exec(compile(repository.bootstrap_source(_upstream()), "<install cell>", "exec"), {})
        out = capsys.readouterr()
        return pip, out.out + out.err

    return run


@pytest.fixture
def colab(monkeypatch):
    """A stand-in for the google.colab module of a Colab kernel; returns its widget-manager calls."""
    enabled = _Calls()
    output = types.ModuleType("google.colab.output")
    output.enable_custom_widget_manager = enabled
    colab = types.ModuleType("google.colab")
    colab.output = output
    google = types.ModuleType("google")
    google.colab = colab
    for name, module in (("google", google), ("google.colab", colab), ("google.colab.output", output)):
        monkeypatch.setitem(sys.modules, name, module)
    return enabled


def _initlab_missing(monkeypatch):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: None if name == "initlab" else find_spec(name, *args))


def test_on_colab_the_cell_pip_installs_initlab_and_enables_the_widget_manager(run_cell, colab, monkeypatch):
    _initlab_missing(monkeypatch)
    pip, printed = run_cell()
    requirement = f"initlab @ git+{_upstream().url}@{_upstream().branch}#subdirectory=book"
    assert pip == [(([sys.executable, "-m", "pip", "install", "--quiet", requirement],), {"check": True})]
    assert colab == [((), {})]
    assert printed == ""


def test_on_colab_with_initlab_installed_only_the_widget_manager_is_enabled(run_cell, colab):
    pip, _ = run_cell()
    assert pip == [] and colab == [((), {})]


def test_elsewhere_the_cell_does_nothing_and_prints_nothing(run_cell, monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    _initlab_missing(monkeypatch)  # even without initlab: only Colab installs
    pip, printed = run_cell()
    assert pip == [] and printed == ""


def test_the_cell_is_plain_python():
    source = repository.bootstrap_source(_upstream())
    assert not [line for line in source.splitlines() if line.lstrip().startswith(("!", "%"))]
    compile(source, "<install cell>", "exec")
    assert len(source.splitlines()) <= 15


# ------------------------------------------------------------------------------------ book/ as a package


def _module_name(relative):
    parts = relative.with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_book_installs_as_initlab_with_its_subpackages_and_quiz_files(tmp_path):
    source = tmp_path / "book"
    source.mkdir()
    shutil.copy(ROOT / "book" / "pyproject.toml", source)
    shutil.copytree(ROOT / "book" / "initlab", source / "initlab", ignore=shutil.ignore_patterns("__pycache__"))
    quizzes = source / "initlab" / "notebook" / "quizzes"
    if not list(quizzes.glob("*.json")):  # the quiz files may not exist yet: the package data rule must still work
        quizzes.mkdir(exist_ok=True)
        (quizzes / "00_dummy.json").write_text("[]")
    target = tmp_path / "site-packages"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--disable-pip-version-check", "--target", str(target), str(source)], check=True)

    modules = sorted(_module_name(path.relative_to(source)) for path in (source / "initlab").rglob("*.py"))
    probe = f"""
import importlib, importlib.resources, json, sys
sys.path.insert(0, {str(target)!r})
for name in {modules!r}:
    importlib.import_module(name)
quizzes = importlib.resources.files("initlab") / "notebook" / "quizzes"
print(json.dumps({{"file": sys.modules["initlab"].__file__,
                  "quizzes": sorted(p.name for p in quizzes.iterdir() if p.name.endswith(".json"))}}))
"""
    # In a fresh interpreter, where only the installed copy is on the path (not book/, as in pytest.ini).
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert Path(found["file"]).is_relative_to(target)
    assert found["quizzes"] == sorted(p.name for p in quizzes.glob("*.json"))


def test_package_dependencies_keep_what_colab_has_and_pin_the_quiz_package_as_the_book_does():
    import tomllib

    project = tomllib.loads((ROOT / "book" / "pyproject.toml").read_text())["project"]
    assert project["name"] == "initlab"
    names = {re.split(r"[<>=!~ ;\[]", dep, maxsplit=1)[0].lower(): dep for dep in project["dependencies"]}
    assert set(names) == {"numpy", "matplotlib", "ipywidgets", "scikit-learn", "pillow", "jupyterquiz"}
    pinned = {name for name, dep in names.items() if "==" in dep}
    assert pinned == {"jupyterquiz"}
    book_pin = re.search(r"(?im)^jupyterquiz==(\S+)$", (ROOT / "requirements.txt").read_text())[1]
    assert names["jupyterquiz"] == f"jupyterquiz=={book_pin}"


# --- the chapters' check cells ----------------------------------------------------------------------------
# A cell that measures and prints a table does not also assert: its assertions sit in the next code cell, a
# *check cell* (tags "hide-input" and "check"), which the site shows collapsed as "Show the check" and the
# slides leave out. Code inside a solution (a {solution-start} ... {solution-end} gate) may assert: it is
# the answer, hidden in its dropdown.

CHAPTERS = sorted((ROOT / "book").glob("0*.ipynb"))
CHECK_TAGS = {"hide-input", "check"}
CHECK_PROMPTS = {"code_prompt_show": "Show the check", "code_prompt_hide": "Hide the check"}
_ASSERT = re.compile(r"^[ \t]*assert\b", re.MULTILINE)


def _code_cells_outside_solutions(nb):
    """(index, cell) of every code cell not inside a gated solution."""
    from tools.slides import _after, _scan  # the slide rule's own reading of solution gates

    in_solution = False
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            in_solution = _after(_scan(cell.source), in_solution)
        elif cell.cell_type == "code" and not in_solution:
            yield index, cell


def _first_line(cell):
    return next((line.strip() for line in cell.source.splitlines() if line.strip()), "")[:60]


def test_every_assertion_outside_a_solution_is_in_a_check_cell():
    offenders = []
    for path in CHAPTERS:
        nb = nbformat.read(path, as_version=4)
        for index, cell in _code_cells_outside_solutions(nb):
            if _ASSERT.search(cell.source) and not CHECK_TAGS <= set(cell.metadata.get("tags", [])):
                offenders.append(f"{path.name}, cell {index}: asserts but is not a check cell "
                                 f"({_first_line(cell)!r})")
    assert not offenders, (f"{len(offenders)} code cells assert in the reading path (move the assertions to a "
                           "check cell after them, tags ['hide-input', 'check']):\n  " + "\n  ".join(offenders))


def test_check_cells_follow_the_convention():
    """Tags, the "Show the check" prompts, a first line saying what is verified, and no output."""
    offenders = []
    for path in CHAPTERS:
        nb = nbformat.read(path, as_version=4)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or "check" not in cell.metadata.get("tags", []):
                continue
            where = f"{path.name}, cell {index}"
            if not CHECK_TAGS <= set(cell.metadata.get("tags", [])):
                offenders.append(f"{where}: tags {cell.metadata.get('tags')}, needs {sorted(CHECK_TAGS)}")
            prompts = {k: cell.metadata.get("mystnb", {}).get(k) for k in CHECK_PROMPTS}
            if prompts != CHECK_PROMPTS:
                offenders.append(f"{where}: mystnb prompts {prompts}, expected {CHECK_PROMPTS}")
            if not _first_line(cell).startswith("# Check: "):
                offenders.append(f"{where}: starts {_first_line(cell)!r}, expected '# Check: <what is verified>'")
            if cell.get("outputs"):
                offenders.append(f"{where}: has {len(cell.outputs)} output(s); a check cell only asserts")
    assert not offenders, "check cells off the convention:\n  " + "\n  ".join(offenders)


_TEST_TALK = re.compile(r"\(asserted\)|Student's t", re.IGNORECASE)


def test_no_chapter_prose_talks_about_what_is_asserted():
    """The narrative says what was measured and what it means, not which test statistic guards it."""
    offenders = []
    for path in CHAPTERS:
        nb = nbformat.read(path, as_version=4)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "markdown":
                for match in _TEST_TALK.finditer(cell.source):
                    context = cell.source[max(0, match.start() - 40):match.end() + 20].replace("\n", " ")
                    offenders.append(f"{path.name}, cell {index}: {context!r}")
    assert not offenders, "chapter prose that talks about the checks:\n  " + "\n  ".join(offenders)
