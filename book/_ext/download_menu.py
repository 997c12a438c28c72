"""The download menu in the header of every page (sphinx-book-theme's), as the extensions here change it.

The theme hands each page's header buttons to its template in ``context["header_buttons"]``; the menu is the group
labelled ``download-buttons``. The extensions add to it, in the order of their ``html-page-context`` priorities:
the student notebook (student_notebooks.py), the deck (decks.py), the book's PDF (book_pdf.py) and a handout's PDF
(handouts.py).
"""

GROUP = "download-buttons"


def entries(context):
    """The page's download-menu entries, a list to change in place; None when the page has no menu."""
    for group in context.get("header_buttons", []):
        if group.get("label") == GROUP:
            return group["buttons"]
    return None


def link(url, text, icon, tooltip, label):
    """A menu entry that opens ``url``."""
    return {"type": "link", "url": url, "text": text, "icon": icon, "tooltip": tooltip, "label": label}
