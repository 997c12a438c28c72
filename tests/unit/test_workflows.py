"""The GitHub workflows: least privilege everywhere, and a weekly run of the test command."""

from pathlib import Path

import pytest
import yaml

WORKFLOWS = sorted((Path(__file__).resolve().parents[2] / ".github" / "workflows").glob("*.yml"))


def _load(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


def test_there_are_workflows():
    assert {p.name for p in WORKFLOWS} >= {"test.yml", "pages.yml", "release.yml"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_top_level_permissions_read_only_and_writes_only_per_job(path):
    data = _load(path)
    assert data.get("permissions") == {"contents": "read"}, f"{path.name}: top-level permissions must be contents: read"
    for name, job in data["jobs"].items():
        granted = job.get("permissions", {})
        assert granted != "write-all" and "write-all" not in str(granted), f"{path.name}: job {name} asks for write-all"


def test_the_test_command_runs_weekly_and_on_every_push():
    data = _load(Path(WORKFLOWS[0].parent / "test.yml"))
    assert {"push", "pull_request", "schedule"} <= set(data["on"])
    assert data["on"]["schedule"] and all("cron" in entry for entry in data["on"]["schedule"])
    steps = [step.get("run", "") for step in data["jobs"]["test"]["steps"]]
    assert "make test" in steps, "the workflow must run the README's test command"


def test_a_version_tag_makes_a_release_of_the_site_pdfs_decks_and_student_notebooks():
    data = _load(Path(WORKFLOWS[0].parent / "release.yml"))
    assert data["on"] == {"push": {"tags": ["v*"]}}
    job = data["jobs"]["release"]
    assert job["permissions"] == {"contents": "write"}
    script = "\n".join(step.get("run", "") for step in job["steps"])
    for needed in ("make book", "make slides", "CITATION.cff", "-site.zip", "-slides.zip", "-student-notebooks.zip",
                   "weight-initialization.pdf", "-handouts.zip", "dist/*.pdf", "CHANGELOG.md", "gh release create"):
        assert needed in script, needed


def test_every_workflow_that_builds_the_book_gives_it_a_chromium_to_print_with():
    for workflow in WORKFLOWS:
        for job in _load(workflow)["jobs"].values():
            runs = [step.get("run", "") for step in job.get("steps", [])]
            builds = [i for i, run in enumerate(runs) if "make book" in run or "make test" in run]
            if builds:
                chromium = [i for i, run in enumerate(runs) if "CHROMIUM=" in run]
                assert chromium and chromium[0] < builds[0], f"{workflow.name}: no Chromium before the build"
