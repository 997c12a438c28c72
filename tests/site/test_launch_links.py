"""Every chapter page of the built site carries Binder and Colab launch links, and a JupyterHub link exactly when
_config.yml sets a hub, that open that chapter's notebook from the repository of _config.yml (read from the HTML:
no browser needed)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import sitecheck
import yaml
from bs4 import BeautifulSoup

CONFIG = yaml.safe_load((sitecheck.ROOT / "_config.yml").read_text(encoding="utf-8"))
REPOSITORY = CONFIG["repository"]
LAUNCH = CONFIG["launch_buttons"]
HUB = LAUNCH.get("jupyterhub_url") or ""  # "" (the book's own setting): no hub, so no JupyterHub entry
OWNER, NAME = urlsplit(REPOSITORY["url"]).path.strip("/").split("/")
BRANCH = REPOSITORY["branch"]
BOOK = REPOSITORY["path_to_book"]
UI = {"jupyterlab": "lab/tree", "classic": "tree"}[LAUNCH["notebook_interface"]]  # as sphinx-book-theme maps it


def launch_links(site, page):
    """{button text: href} of the page's launch-button menu."""
    soup = BeautifulSoup((site / page).read_text(encoding="utf-8"), "html.parser")
    menu = soup.select_one(".dropdown-launch-buttons")
    assert menu is not None, f"{page}: no launch-button menu"
    return {a.get_text(strip=True): a["href"] for a in menu.select("a[href]")}


def base(url):
    """Scheme, host and path of a configured service URL, as the links must start."""
    parts = urlsplit(url)
    return parts.scheme, parts.hostname, parts.path.rstrip("/")


def notebook_path(path, prefix):
    """The repository path after ``prefix`` in a link path (checked to be the chapter's notebook by the caller)."""
    assert path.startswith(prefix), f"{path!r} does not start with {prefix!r}"
    return path[len(prefix):]


@pytest.fixture(scope="module", params=sitecheck.notebook_pages(), ids=lambda page: page.removesuffix(".html"))
def chapter(request, site):
    page = request.param
    return page, f"{BOOK}/{page.removesuffix('.html')}.ipynb", launch_links(site, page)


def test_chapters_are_listed():
    assert sitecheck.notebook_pages(), "no chapter notebooks in _toc.yml"


def test_a_chapter_page_has_binder_colab_and_a_hub_only_when_one_is_set(chapter):
    page, _, links = chapter
    assert sorted(links) == ["Binder", "Colab"] + (["JupyterHub"] if HUB else []), f"{page}: {links}"


def test_binder_opens_the_chapter_in_jupyterlab(chapter):
    page, notebook, links = chapter
    url = urlsplit(links["Binder"])
    scheme, host, root = base(LAUNCH["binderhub_url"])
    assert (url.scheme, url.hostname, url.fragment) == ("https", host, "") and scheme == "https"
    assert url.path == f"{root}/v2/gh/{OWNER}/{NAME}/{BRANCH}", f"{page}: {links['Binder']}"
    query = parse_qs(url.query, strict_parsing=True)
    assert query == {"urlpath": [f"{UI}/{notebook}"]}, f"{page}: {links['Binder']}"
    assert (sitecheck.ROOT / notebook_path(query["urlpath"][0], f"{UI}/")).is_file()


def test_colab_opens_the_chapter_from_github(chapter):
    page, notebook, links = chapter
    url = urlsplit(links["Colab"])
    scheme, host, root = base(LAUNCH["colab_url"])
    assert (url.scheme, url.hostname, url.query, url.fragment) == ("https", host, "", "") and scheme == "https"
    path = notebook_path(url.path, f"{root}/github/{OWNER}/{NAME}/blob/{BRANCH}/")
    assert path == notebook, f"{page}: {links['Colab']}"
    assert (sitecheck.ROOT / path).is_file()


def test_jupyterhub_pulls_the_repository_with_nbgitpuller_and_opens_the_chapter(chapter):
    if not HUB:
        pytest.skip("_config.yml sets no hub: the pages have no JupyterHub entry (checked by the test above)")
    page, notebook, links = chapter
    url = urlsplit(links["JupyterHub"])
    scheme, host, root = base(HUB)
    assert (url.scheme, url.hostname, url.fragment) == ("https", host, "") and scheme == "https"
    assert url.path == f"{root}/hub/user-redirect/git-pull", f"{page}: {links['JupyterHub']}"
    query = parse_qs(url.query, strict_parsing=True)
    # nbgitpuller clones into a folder named after the repository, inside the user's home (the UI's root)
    assert query == {
        "repo": [f"https://github.com/{OWNER}/{NAME}"],
        "branch": [BRANCH],
        "urlpath": [f"{UI}/{NAME}/{notebook}"],
    }, f"{page}: {links['JupyterHub']}"
    assert (sitecheck.ROOT / notebook_path(query["urlpath"][0], f"{UI}/{NAME}/")).is_file()
