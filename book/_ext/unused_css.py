"""The third-party stylesheets cut to the rules the site can use.

Every page loads pydata-sphinx-theme's stylesheet (Bootstrap 5 and the theme: 311 KB once icon_font has cut its
icons), sphinx-design's (55 KB) and MyST-NB's (43 KB), and the site uses a third of the first and a tenth of the
others. Once the build has finished, each of the stylesheets in ``CUT`` keeps a rule when one of its selectors can
match an element of the site: every class that the selector requires is a word of some page or script the site
serves. A script that adds a class writes its name (Bootstrap's ``show``, the theme's ``pst-squeeze``), so it is a
word of that script, except the two names Bootstrap builds at run time (``RUN_TIME_CLASSES``).

A selector requires the classes written outside any parentheses: ``a:not(.active)`` matches without ``.active``,
and those inside ``:is()``, ``:where()`` or ``:has()`` are left to the browser. Rules that name no class (elements,
attributes, ``:root``), ``@font-face``, ``@keyframes`` and every other at-rule without rules inside stay as they
are; ``@media`` and ``@supports`` blocks are cut rule by rule, and go when they are left empty. Comments go, but
for licences (``/*! ... */``); so do the source maps, which no longer map.

tests/site/test_site.py loads pages, opens a tooltip, and checks that each rule of the original stylesheets whose
classes are all on some element is served.
"""

from __future__ import annotations

import re
from pathlib import Path

import tinycss2

# Relative to the built site; a glob for MyST-NB's, whose name carries its digest.
CUT = ("_static/styles/pydata-sphinx-theme.css", "_static/sphinx-design.min.css", "_static/mystnb.*.css",
       "_static/styles/sphinx-book-theme.css")
# Bootstrap names a shown tooltip's or popover's placement class `bs-${NAME}-auto`.
RUN_TIME_CLASSES = {"bs-tooltip-auto", "bs-popover-auto"}
WORD = re.compile(r"[A-Za-z0-9_-]+")
NESTED = ("media", "supports", "layer", "container")
# Not served: Font Awesome's own files (see icon_font.py).
UNSERVED = ("_static/vendor/fontawesome/", "_static/scripts/fontawesome.js")


def words(texts) -> set[str]:
    """Every run of letters, digits, ``-`` and ``_`` in ``texts``: all the class names they can hold."""
    return {word for text in texts for word in WORD.findall(text)}


def required_classes(selector: list) -> set[str]:
    """The classes one selector (its tokens, without the commas between selectors) needs on elements."""
    needed, tokens = set(), [t for t in selector if t.type != "comment"]
    for before, token in zip([None, *tokens], tokens):
        if token.type == "ident" and before is not None and before.type == "literal" and before.value == ".":
            needed.add(token.value)
    return needed


def selectors(prelude: list) -> list[list]:
    """A rule's prelude split at its top-level commas."""
    groups = [[]]
    for token in prelude:
        if token.type == "literal" and token.value == ",":
            groups.append([])
        else:
            groups[-1].append(token)
    return groups


def can_match(prelude: list, present: set[str]) -> bool:
    """Whether some selector of the rule needs only classes in ``present`` (a class that is not a plain word,
    such as ``md:flex``, counts as present: it cannot be looked up word by word)."""
    return any(all(c in present or not WORD.fullmatch(c) for c in required_classes(s)) for s in selectors(prelude))


def cut(css: str, present: set[str]) -> str:
    """``css`` without the rules that no element with only the classes ``present`` can match."""
    if not isinstance(present, set):
        raise TypeError(f"present must be a set of class names, got {type(present).__name__}")
    return _cut_rules(tinycss2.parse_stylesheet(css), present | RUN_TIME_CLASSES)


def _cut_rules(rules: list, present: set[str]) -> str:
    out = []
    for rule in rules:
        if rule.type == "qualified-rule":
            if can_match(rule.prelude, present):
                out.append(tinycss2.serialize([rule]))
        elif rule.type == "at-rule" and rule.content is not None and rule.lower_at_keyword in NESTED:
            inner = _cut_rules(tinycss2.parse_rule_list(rule.content), present)
            if inner.strip():
                out.append(f"@{rule.at_keyword}{tinycss2.serialize(rule.prelude)}{{{inner}}}")
        elif rule.type == "comment":
            if rule.value.startswith("!"):  # a licence, which must stay with the code
                out.append(tinycss2.serialize([rule]))
        elif rule.type != "whitespace":
            out.append(tinycss2.serialize([rule]))
    return "".join(out)


def served_words(outdir: Path) -> set[str]:
    """The words of every page and script the built site at ``outdir`` serves."""
    texts = (p.read_text(encoding="utf-8", errors="replace") for p in outdir.rglob("*")
             if p.suffix in (".html", ".js") and p.is_file()
             and not p.relative_to(outdir).as_posix().startswith(UNSERVED))
    return words(texts)


def cut_stylesheets(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    present = served_words(outdir)
    for pattern in CUT:
        found = sorted(outdir.glob(pattern))
        if not found:
            raise FileNotFoundError(f"{pattern} is not in the built site: has its package renamed it? "
                                    "Update CUT in book/_ext/unused_css.py")
        for path in found:
            path.write_text(cut(path.read_text(encoding="utf-8"), present), encoding="utf-8")
            # Its source map (for the browser's developer tools) no longer maps it.
            path.with_name(path.name + ".map").unlink(missing_ok=True)


def setup(app):
    # After icon_font (550) and the explorers' frames (600), whose pages' classes must be read; before the PDFs
    # (700, 800), which print pages with these stylesheets, and the zip (900).
    app.connect("build-finished", cut_stylesheets, priority=650)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
