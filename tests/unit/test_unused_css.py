"""book/_ext/unused_css.py: the third-party stylesheets cut to the rules the site's pages and scripts can use."""

import sys
from pathlib import Path

import pydata_sphinx_theme
import pytest
import tinycss2

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import unused_css  # noqa: E402

CSS = ("@charset \"UTF-8\";/*! licence */:root{--x:1}.btn{color:red}.btn.show,.navbar-nav{margin:0}"
       "a:not(.active){color:blue}.card .card-title{font-weight:700}/* a note */"
       "@media (min-width:960px){.col-lg-4{width:33%}.btn{padding:0}}"
       "@font-face{font-family:X;src:url(x.woff2)}@keyframes spin{to{transform:rotate(1turn)}}"
       ".md\\:flex{display:flex}.bs-tooltip-auto .tooltip-arrow{top:0}")


def rules(css):
    return [" ".join(tinycss2.serialize(r.prelude).split()) for r in tinycss2.parse_stylesheet(css)
            if r.type == "qualified-rule"]


def test_words_are_the_class_names_pages_and_scripts_can_hold():
    page = '<div class="bd-article card-title">x</div>'
    script = 'element.classList.add("pst-squeeze"); el.className = "btn btn-sm"'
    assert {"bd-article", "card-title", "pst-squeeze", "btn", "btn-sm"} <= unused_css.words([page, script])


def test_a_selector_needs_only_its_classes_outside_parentheses():
    (rule,) = [r for r in tinycss2.parse_stylesheet(".a.b > p:not(.c):is(.d) .e[data-f='.g'], .h{x:1}")]
    first, second = unused_css.selectors(rule.prelude)
    assert unused_css.required_classes(first) == {"a", "b", "e"}
    assert unused_css.required_classes(second) == {"h"}


def test_rules_no_element_can_match_go_and_the_rest_stay():
    kept = unused_css.cut(CSS, {"btn", "card"})
    assert rules(kept) == [":root", ".btn", "a:not(.active)", ".md\\:flex"]
    assert "@media (min-width:960px){.btn{padding:0}}" in kept


def test_a_rule_stays_when_one_of_its_selectors_can_match():
    kept = unused_css.cut(".btn.show,.navbar-nav{margin:0}.card .card-title{font-weight:700}", {"navbar-nav"})
    assert rules(kept) == [".btn.show,.navbar-nav"]


def test_media_blocks_are_cut_rule_by_rule_and_go_when_empty():
    kept = unused_css.cut("@media (min-width:960px){.col-lg-4{width:33%}.btn{padding:0}}"
                          "@media print{.d-print-none{display:none}}", {"btn"})
    assert kept == "@media (min-width:960px){.btn{padding:0}}"


def test_at_rules_licences_and_unlookable_classes_stay_other_comments_go():
    kept = unused_css.cut(CSS, set())
    for text in ('@charset "UTF-8";', "/*! licence */", ":root{--x:1}", "a:not(.active){color:blue}",
                 "@font-face{font-family:X;src:url(x.woff2)}", "@keyframes spin{to{transform:rotate(1turn)}}",
                 ".md\\:flex{display:flex}"):
        assert text in kept
    assert "a note" not in kept and ".btn{" not in kept and "col-lg-4" not in kept


def test_the_classes_bootstrap_builds_at_run_time_are_kept():
    assert ".bs-tooltip-auto .tooltip-arrow{top:0}" in unused_css.cut(CSS, {"tooltip-arrow"})


def test_present_must_be_a_set():
    with pytest.raises(TypeError, match="present must be a set"):
        unused_css.cut(CSS, ["btn"])


def test_the_theme_stylesheet_keeps_what_its_header_uses_and_loses_what_no_page_uses():
    css = (Path(pydata_sphinx_theme.__file__).parent / "theme/pydata_sphinx_theme/static/styles/"
           "pydata-sphinx-theme.css").read_text(encoding="utf-8")
    header = '<header class="bd-header navbar navbar-expand-lg bd-navbar"><div class="bd-header__inner bd-page-width">'
    kept = unused_css.cut(css, unused_css.words([header]))
    assert len(kept) < len(css) / 2
    assert ".bd-header" in kept and ".navbar-expand-lg" in kept
    assert ".carousel-item" not in kept and ".col-md-6" not in kept
    assert [r for r in tinycss2.parse_stylesheet(kept) if r.type == "error"] == []


def test_the_site_is_cut_and_the_stale_source_maps_go(tmp_path):
    static = tmp_path / "_static" / "styles"
    static.mkdir(parents=True)
    (static / "pydata-sphinx-theme.css").write_text(".btn{color:red}.unused{color:blue}")
    (static / "pydata-sphinx-theme.css.map").write_text("{}")
    (static / "sphinx-book-theme.css").write_text(".btn{x:1}")
    (tmp_path / "_static" / "sphinx-design.min.css").write_text(".sd-card{x:1}")
    (tmp_path / "_static" / "mystnb.abc.css").write_text(".cell{x:1}")
    (tmp_path / "page.html").write_text('<a class="btn">x</a>')
    (tmp_path / "_static" / "vendor" / "fontawesome").mkdir(parents=True)
    (tmp_path / "_static" / "vendor" / "fontawesome" / "all.js").write_text('"unused"')  # not served: not read

    class App:
        outdir = str(tmp_path)

        class builder:
            format = "html"

    unused_css.cut_stylesheets(App, None)
    assert (static / "pydata-sphinx-theme.css").read_text() == ".btn{color:red}"
    assert not (static / "pydata-sphinx-theme.css.map").exists()
    assert (tmp_path / "_static" / "sphinx-design.min.css").read_text() == ""
    (tmp_path / "_static" / "mystnb.abc.css").unlink()
    with pytest.raises(FileNotFoundError, match="mystnb"):
        unused_css.cut_stylesheets(App, None)
