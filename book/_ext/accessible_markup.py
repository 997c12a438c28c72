"""Accessible markup for what the theme and docutils write, fixed as each page is written.

Things the theme, myst-nb and docutils write fail axe-core's serious/critical rules or WCAG,
and none has a setting (tests/site/test_accessibility.py checks every page):

* pydata-sphinx-theme 0.17 makes each sidebar entry that has sub-pages collapsible with a
  ``<summary>`` holding only a decorative chevron: a button with no name ("summary-name"). Each
  one is named after the entry it opens, e.g. "For instructors: show or hide its pages".
* myst-nb 1.4 labels the summary of every collapsed cell "Toggle hidden content" (aria-label), so a screen
  reader never hears the visible "Show the check": the label is dropped and the visible words name it.
* docutils 0.21 writes a bibliography as ``<div role="list">`` around entries with
  ``role="doc-biblioentry"``, a role DPUB-ARIA 1.1 deprecated because it is not a list item
  ("aria-required-children"). The entries become ``role="listitem"``, as DPUB-ARIA 1.1 advises.
"""

TOGGLE_NAME = "{}: show or hide its pages"


def name_toc_toggles(soup):
    """Name every nameless ``<summary>`` of a sidebar toctree (the theme's BeautifulSoup, changed in
    place: the theme caches it) after the entry it belongs to; returns `soup`."""
    for summary in soup.find_all("summary"):
        if summary.get_text(strip=True) or summary.get("aria-label"):
            continue
        entry = summary.find_parent("li")
        link = entry.find("a", recursive=False) if entry else None
        if link is not None:
            summary["aria-label"] = TOGGLE_NAME.format(link.get_text(" ", strip=True))
    return soup


def accessible_markup(app, pagename, templatename, context, doctree):
    if "body" in context:
        context["body"] = context["body"].replace('role="doc-biblioentry"', 'role="listitem"')
        # myst-nb names every collapsed cell's <summary> "Toggle hidden content", hiding its visible words
        # ("Show the check") from screen readers (WCAG 2.5.3, label in name): the visible words name it.
        context["body"] = context["body"].replace('<summary aria-label="Toggle hidden content">', "<summary>")
    generate = context.get("generate_toctree_html")  # pydata-sphinx-theme's, for this page
    if generate is None:
        return

    def generate_named(kind, *args, **kwargs):
        toctree = generate(kind, *args, **kwargs)
        return name_toc_toggles(toctree) if kind == "sidebar" else toctree

    context["generate_toctree_html"] = generate_named


def setup(app):
    # After the theme's own handlers (priority 500), which put generate_toctree_html in the context.
    app.connect("html-page-context", accessible_markup, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
