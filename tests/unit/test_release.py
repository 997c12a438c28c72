"""Licences, citation and version: what an instructor checks before adopting the book.

The CFF schema in ``data/`` is version 1.2.0 of the Citation File Format's official JSON schema
(https://citation-file-format.github.io/1.2.0/schema.json), kept here so the test runs offline.
"""

import json
import re
import sys
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import release  # noqa: E402

SCHEMA = Path(__file__).with_name("data") / "citation-file-format-1.2.0.schema.json"


def citation():
    return yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def test_code_is_mit_and_text_is_cc_by_4():
    mit = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert mit.startswith("MIT License\n")
    assert "Permission is hereby granted, free of charge" in mit
    cc = (ROOT / "LICENSE-CC-BY-4.0").read_text(encoding="utf-8")
    assert cc.startswith("Creative Commons Attribution 4.0 International\n")
    for section in ("Section 1 – Definitions.", "Section 3 – License Conditions.", "Section 8 – Interpretation."):
        assert section in cc, section


def test_citation_file_is_valid_cff_1_2():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["$id"] == "https://citation-file-format.github.io/1.2.0/schema.json"
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    data = citation()
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]
    assert not errors, errors
    assert data["cff-version"] == "1.2.0"
    assert set(data["license"]) == {"CC-BY-4.0", "MIT"}
    assert data["authors"] == [{"name": "The Weight Initialization course authors"}]


def test_the_schema_rejects_what_cff_forbids():
    """The validation above can fail: a wrong licence identifier and a missing title are errors."""
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    broken = {**citation(), "license": "MIT-ish"}
    del broken["title"]
    messages = [e.message for e in validator.iter_errors(broken)]
    assert any("'title' is a required property" in m for m in messages), messages
    assert any("MIT-ish" in m for m in messages), messages


def test_one_version_everywhere():
    version = release.version()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), version
    package = tomllib.loads((ROOT / "book" / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert package == version, "book/pyproject.toml and CITATION.cff give different versions"
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## {re.escape(version)}\b", changelog, re.M), f"CHANGELOG.md has no section for {version}"


def test_footer_names_version_and_both_licences():
    html = release.footer("https://github.com/someone/fork/", "main", "9.8.7")
    assert "Version 9.8.7" in html
    assert '<a href="https://github.com/someone/fork/blob/main/LICENSE-CC-BY-4.0">CC BY 4.0</a>' in html
    assert '<a href="https://github.com/someone/fork/blob/main/LICENSE">MIT</a>' in html


@pytest.mark.parametrize("page", ["README.md", "book/how_to_use.md"])
def test_licences_named_where_readers_look(page):
    text = (ROOT / page).read_text(encoding="utf-8")
    for name in ("LICENSE-CC-BY-4.0", "LICENSE", "CC BY 4.0", "MIT", "CITATION.cff"):
        assert name in text, f"{page} does not name {name}"
    assert "attribut" in text.lower(), f"{page} does not say how to attribute"
