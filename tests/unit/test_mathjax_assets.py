"""book/_ext/mathjax_assets.py: the site gets MathJax's startup and exactly the components _config.yml names."""

import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import mathjax_assets  # noqa: E402

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["sphinx"]["config"]


def test_component_names_map_to_the_files_the_loader_fetches():
    files = mathjax_assets.files_for(["input/tex-base", "[tex]/ams", "output/chtml"])
    assert files == ["startup.js", "core.js", "input/tex-base.js", "input/tex/extensions/ams.js", "output/chtml.js",
                     "output/chtml/fonts/tex.js", "output/chtml/fonts/woff-v2"]


def test_the_book_points_pages_at_startup_and_every_component_it_names_exists():
    assert CONFIG["mathjax_path"] == "mathjax/startup.js"
    source = mathjax_assets.mathjax_source()
    components = CONFIG["mathjax3_config"]["loader"]["load"]
    missing = [path for path in mathjax_assets.files_for(components) if not (source / path).exists()]
    assert not missing, f"MathJax 3.2.2 has no {missing}"
    # The one-file build is not what the pages load, and the copy is a small part of MathJax.
    size = sum(f.stat().st_size for path in mathjax_assets.files_for(components)
               for f in ([source / path] if (source / path).is_file() else (source / path).rglob("*")))
    assert size < 1_300_000 < sum(f.stat().st_size for f in source.rglob("*") if f.is_file())


def test_the_tex_packages_the_loader_brings_are_the_ones_tex_uses():
    loaded = {c.removeprefix("[tex]/") for c in CONFIG["mathjax3_config"]["loader"]["load"] if c.startswith("[tex]/")}
    assert set(CONFIG["mathjax3_config"]["tex"]["packages"]["[+]"]) == loaded


@pytest.mark.parametrize("bad", ["output/chtml", None, ["input/tex-base", 3]])
def test_a_component_list_that_is_not_a_list_of_names_is_refused(bad):
    with pytest.raises(ValueError, match="loader.load must be a list"):
        mathjax_assets.files_for(bad)
