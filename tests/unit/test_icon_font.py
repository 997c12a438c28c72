"""book/_ext/icon_font.py: Font Awesome's rules and glyphs cut to the icons the site uses."""

import shutil
import sys
from pathlib import Path

import pydata_sphinx_theme
import pytest
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import icon_font  # noqa: E402

THEME_STATIC = Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" / "static"
CSS = ('.fa-1x{font-size:1em}.fa-0:before{content:"\\30 "}.fa-rocket:before{content:"\\f135"}'
       '.fa-trash-alt:before,.fa-trash-can:before{content:"\\f2ed"}.fa-bars:before{content:"\\f0c9"}'
       'html{--pst-icon-download:"\uf019"}')


def test_icon_names_are_found_in_pages_and_scripts():
    page = '<i class="fa-solid fa-magnifying-glass fa-lg"></i><span class="btn__icon-container">'
    script = 'button.classList.replace("fa-sun", "fa-moon")'
    assert icon_font.used_icons([page, script]) == {"fa-solid", "fa-magnifying-glass", "fa-lg", "fa-sun", "fa-moon"}


def test_rules_of_unused_icons_go_and_everything_else_stays():
    kept = icon_font.keep_used_rules(CSS, {"fa-rocket", "fa-trash-can"})
    assert '.fa-rocket:before{content:"\\f135"}' in kept
    assert '.fa-trash-alt:before,.fa-trash-can:before{content:"\\f2ed"}' in kept  # one alias used: the rule stays
    assert "fa-bars" not in kept and "fa-0" not in kept
    assert kept.startswith(".fa-1x{font-size:1em}") and "--pst-icon-download" in kept


def test_the_characters_a_stylesheet_asks_for_include_escapes_raw_ones_and_icon_rules():
    assert icon_font.characters_asked_for(CSS) == {0x30, 0xF135, 0xF2ED, 0xF0C9, 0xF019}
    assert icon_font.characters_asked_for("p{content:'\\2014'}") == set()  # not an icon: a dash for the text


def test_used_icons_must_be_a_set():
    with pytest.raises(TypeError, match="used must be a set of icon names"):
        icon_font.keep_used_rules(CSS, ["fa-rocket"])


def test_the_font_keeps_exactly_the_glyphs_asked_for(tmp_path):
    font = tmp_path / "fa-solid-900.woff2"
    shutil.copy(THEME_STATIC / "vendor" / "fontawesome" / "webfonts" / "fa-solid-900.woff2", font)
    before = font.stat().st_size
    icon_font.subset_font(font, {0xF135, 0xF0C9, 0x10FFFF})  # the last one is not in the font: ignored
    assert set(TTFont(font).getBestCmap()) == {0xF135, 0xF0C9}
    assert font.stat().st_size < before / 20
