"""Font Awesome cut down to the icons the site shows.

pydata-sphinx-theme's stylesheet, which every page loads, carries Font Awesome 6's rule for each of its 1,881
icons (``.fa-rocket:before{content:"\\f135"}``: 86 KB of its 397 KB), and every page draws a few of them from the
solid font, ``fa-solid-900.woff2`` (156 KB). The site shows about twenty. Once the build has finished:

* the icon names the site uses (``fa-...`` in any page or script it serves) are collected;
* the stylesheet keeps the rules of those icons only (the rest of it, Font Awesome's own included, is untouched);
* the solid font keeps the glyphs that some stylesheet of the site can still ask for: those of the kept rules,
  and the private-use characters the theme writes into its CSS (its admonition and button icons), with fontTools'
  subsetter (WOFF2 needs Brotli).

tests/site/test_site.py checks on every page that each glyph drawn in the Font Awesome font is in the font served.
"""

from __future__ import annotations

import re
from pathlib import Path

THEME_CSS = Path("_static/styles/pydata-sphinx-theme.css")
SOLID_FONT = Path("_static/vendor/fontawesome/webfonts/fa-solid-900.woff2")
# Font Awesome's own files name every icon; no page loads them (site_assets.py drops the theme's
# fontawesome.js from every page, and the theme's stylesheet holds Font Awesome's CSS).
UNSERVED = (Path("_static/vendor/fontawesome"), Path("_static/scripts/fontawesome.js"))
ICON_NAME = re.compile(r"\bfa-[a-z0-9]+(?:-[a-z0-9]+)*")
# One icon rule as Font Awesome's minified CSS writes it, aliases and all: .fa-a:before,.fa-b:before{content:"\f1"}
ICON_RULE = re.compile(r'((?:\.fa-[a-z0-9-]+::?before,?)+)\{content:"([^"]*)"\}')
CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6}) ?")
PRIVATE_USE = range(0xE000, 0xF900)


def used_icons(texts) -> set[str]:
    """Every ``fa-...`` name in ``texts`` (pages and scripts)."""
    return {name for text in texts for name in ICON_NAME.findall(text)}


def keep_used_rules(css: str, used: set[str]) -> str:
    """``css`` without the icon rules none of whose names is in ``used``."""
    if not isinstance(used, set):
        raise TypeError(f"used must be a set of icon names, got {type(used).__name__}")

    def rule(match):
        names = set(ICON_NAME.findall(match.group(1)))
        return match.group(0) if names & used else ""

    return ICON_RULE.sub(rule, css)


def characters_asked_for(css: str) -> set[int]:
    """The code points a stylesheet can draw from an icon font: its icon rules' content, and every private-use
    character it holds, written as such or as a CSS escape."""
    points = {ord(c) for c in CSS_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), css) if ord(c) in PRIVATE_USE}
    for _, content in ICON_RULE.findall(css):
        points |= {ord(c) for c in CSS_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), content)}
    return points


def subset_font(path: Path, codepoints: set[int]) -> None:
    """Rewrite the WOFF2 font at ``path`` with only the glyphs of ``codepoints`` (those it has)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(path)
    present = set(font.getBestCmap())
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(codepoints & present))
    subsetter.subset(font)
    font.flavor = "woff2"
    font.save(path)


def cut_icon_font(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    css_path, font_path = outdir / THEME_CSS, outdir / SOLID_FONT
    if not css_path.is_file() or not font_path.is_file():
        raise FileNotFoundError(f"{THEME_CSS} or {SOLID_FONT} is not in the built site: has pydata-sphinx-theme "
                                "moved its Font Awesome? Update book/_ext/icon_font.py")
    served = [p for p in outdir.rglob("*")
              if p.suffix in (".html", ".js", ".css") and p.is_file() and _served(p.relative_to(outdir))]
    used = used_icons(p.read_text(encoding="utf-8") for p in served if p.suffix != ".css")
    css_path.write_text(keep_used_rules(css_path.read_text(encoding="utf-8"), used), encoding="utf-8")
    asked = set().union(*(characters_asked_for(p.read_text(encoding="utf-8")) for p in served if p.suffix == ".css"))
    subset_font(font_path, asked)


def _served(relative: Path) -> bool:
    return not any(path == relative or path in relative.parents for path in UNSERVED)


def setup(app):
    # After site_assets' lighten_pages (500: the GitHub logo is no longer an icon), before the frames (600), the PDFs
    # (700, 800) and the zip (900).
    app.connect("build-finished", cut_icon_font, priority=550)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
