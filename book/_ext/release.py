"""The book's version and licences, on every page's footer.

The version has one home, ``CITATION.cff`` at the repository's top level (what GitHub's "Cite this repository"
reads); ``tests/unit/test_release.py`` keeps ``book/pyproject.toml`` and ``CHANGELOG.md`` in step with it. The
footer links the two licence files on the repository named in ``_config.yml`` (``repository.url``), so a fork's
footer points at the fork.
"""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
LICENCES = (("Text and figures", "CC BY 4.0", "LICENSE-CC-BY-4.0"), ("code", "MIT", "LICENSE"))


def version():
    """The version in CITATION.cff, e.g. ``"1.0.0"``."""
    return str(yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))["version"])


def footer(repository_url, branch, release):
    """The footer's HTML: the version, then each licence linked to its file on the repository."""
    base = f"{repository_url.rstrip('/')}/blob/{branch}"
    licences = "; ".join(f'{what}: <a href="{base}/{name}">{short}</a>' for what, short, name in LICENCES)
    return (f'<p class="initlab-footer">Version {release}. {licences}. '
            f'Cite it with <a href="{base}/CITATION.cff">CITATION.cff</a>.</p>')


def _config_inited(app, config):
    release = version()
    config.version = config.release = release
    options = config.html_theme_options
    options["extra_footer"] = footer(options.get("repository_url", ""), options.get("repository_branch", "main"),
                                     release)


def setup(app):
    app.connect("config-inited", _config_inited)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
