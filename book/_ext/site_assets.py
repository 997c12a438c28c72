"""Keep each page's <head> to scripts that run cleanly and stay on the site.

Five fixes. The first two at the last moment before a page is written:

* Sphinx 7.4 writes an inline script twice when an extension adds it after the builder started
  (the builder keeps it with ``filename=None``, the registry copy comes back with ``filename=''``
  and the two no longer compare equal). sphinx-thebe's inline config starts with
  ``const THEBE_JS_URL = ...``, so the second copy throws ``Identifier 'THEBE_JS_URL' has already
  been declared`` on every page. Here duplicates are dropped.
* With ``launch_buttons.thebe: false`` nothing can start thebe, yet sphinx-thebe still adds its
  script, its stylesheet and that config (which names a CDN URL). They are dropped too.

Three more once the build has finished, in every page written:

* The theme (pydata-sphinx-theme) puts its Font Awesome SVG script, ``fontawesome.js`` (1.5 MB), in
  every page's head "so that users can add custom icons". The book adds none, and the theme's
  stylesheet already draws every icon it uses from the Font Awesome web fonts (220 KB, loaded only
  when used), so the script tag is removed from the pages. It is the largest file a page would load.
* The theme also loads Sphinx's search code and the whole search index (``searchindex.js``, about
  180 KB and growing with the book) on every page, for its "search as you type" results. That option
  is off here (the theme's default): the search box sends the reader to ``search.html``, which loads
  the index itself. So, unless the option is on, the three scripts are removed from every other page.
* The repository button's GitHub logo is the one glyph any page takes from Font Awesome's brands font (120 KB):
  it becomes the same logo as an inline SVG (sphinx-design's octicon), and that font is never loaded.
"""

import re
from pathlib import Path

FONTAWESOME_SCRIPT = re.compile(r'\s*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>')
SEARCH_SCRIPTS = re.compile(
    r'\s*<script src="[^"]*(?:_static/searchtools\.js|_static/language_data\.js|searchindex\.js)"></script>')
GITHUB_ICON = '<i class="fab fa-github"></i>'
THEBE_SCRIPT = "sphinx-thebe.js"
THEBE_STYLESHEET = "sphinx-thebe.css"
THEBE_INLINE_MARKER = "THEBE_JS_URL"


def _thebe_enabled(config):
    options = getattr(config, "html_theme_options", None) or {}
    launch = options.get("launch_buttons") or {}
    return bool(launch.get("thebe")) or bool((getattr(config, "thebe_config", None) or {}).get("always_load"))


def _filename(asset):
    return str(getattr(asset, "filename", asset) or "")


def _key(asset):
    attributes = getattr(asset, "attributes", {}) or {}
    return (_filename(asset), getattr(asset, "priority", 500), tuple(sorted(attributes.items())))


def _is_thebe(asset):
    body = (getattr(asset, "attributes", {}) or {}).get("body", "")
    name = _filename(asset)
    return name.endswith(THEBE_SCRIPT) or name.endswith(THEBE_STYLESHEET) or THEBE_INLINE_MARKER in body


def tidy_assets(app, pagename, templatename, context, doctree):
    drop_thebe = not _thebe_enabled(app.config)
    for name in ("script_files", "css_files"):
        assets = context.get(name)
        if not assets:
            continue
        seen, kept = set(), []
        for asset in assets:
            key = _key(asset)
            if key in seen or (drop_thebe and _is_thebe(asset)):
                continue
            seen.add(key)
            kept.append(asset)
        assets[:] = kept  # in place: the theme's templates read these very lists


def _search_as_you_type(config):
    options = getattr(config, "html_theme_options", None) or {}
    return str(options.get("search_as_you_type", False)).lower() == "true"


def lighten_pages(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    from sphinx_design.icons import get_octicon

    outdir = Path(app.outdir)
    keep_search = _search_as_you_type(app.config)
    github = get_octicon("mark-github", height="1em")
    for page in outdir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        kept = FONTAWESOME_SCRIPT.sub("", text).replace(GITHUB_ICON, github)
        if not keep_search and page != outdir / "search.html":
            kept = SEARCH_SCRIPTS.sub("", kept)
        if kept != text:
            page.write_text(kept, encoding="utf-8")


def setup(app):
    app.connect("html-page-context", tidy_assets, priority=900)
    app.connect("build-finished", lighten_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
