"""The chapters' own kinds of cell, as a reader sees them (book/_static/initlab-pages.{css,js}), light and dark.

* A solution's header opens the solution when clicked, anywhere on it, and the page does not jump away.
* The quiz is in the book's look in both colour modes: the theme's surface and text colours, the body font at
  the body size, every text readable on what it is drawn on (WCAG AA, 4.5:1), before and after answering, and
  no light slab around it in dark mode.
* A self-check cell's saved output reads as an instruction in a calm info box, in the body font.
* A check cell is a collapsed one-line "Show the check" toggle, with no box around it.
"""

from __future__ import annotations

import pytest
from sitecheck import EXTERNAL_URL, chapter_pages, notebook_pages

PAGES = notebook_pages()  # every notebook page (the chapters, and pages such as the short answers)
CHAPTERS = chapter_pages()  # the numbered chapters, with quiz and exercises
SCHEMES = ["light", "dark"]
AA = 4.5

# Colour helpers in the page: WCAG contrast of an element's text against the background it is drawn on
# (the first ancestor with an opaque enough background).
_COLOUR_JS = """
() => { window.__contrast = (() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return rgb(getComputedStyle(document.body).backgroundColor).slice(0, 3);
  };
  const ratio = (a, b) => { const x = luminance(a), y = luminance(b);
                            return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  return (el) => ({
    ratio: ratio(rgb(getComputedStyle(el).color).slice(0, 3), background(el)),
    color: getComputedStyle(el).color, background: background(el),
    luminance: luminance(background(el)),
    text: (el.innerText || el.value || '').trim().slice(0, 50),
  });
})(); }
"""


def _open(browser, server, page_path, scheme="light"):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.route(EXTERNAL_URL, lambda route: route.abort())
    page.goto(f"{server}/{page_path}", wait_until="load")
    assert page.evaluate("document.documentElement.dataset.theme") == scheme
    page.evaluate(_COLOUR_JS)
    return context, page


def _chapter_with(site, needle):
    for page_path in PAGES:
        if (site / page_path).is_file() and needle in (site / page_path).read_text(encoding="utf-8"):
            return page_path
    pytest.fail(f"no chapter page has {needle!r}", pytrace=False)


# ------------------------------------------------------------------------------------------- solutions


@pytest.mark.parametrize("page_path", PAGES)
def test_clicking_a_solution_header_opens_it_without_leaving(browser, server, page_path):
    context, page = _open(browser, server, page_path)
    try:
        solutions = page.locator(".solution.dropdown")
        if not solutions.count():
            pytest.skip(f"{page_path} has no solution dropdown")
        for i in range(solutions.count()):
            solution = solutions.nth(i)
            title = solution.locator(":scope > .admonition-title")
            what = f"{page_path}, solution {i + 1} ({title.inner_text().strip()[:60]!r})"
            assert title.locator("a").count() == 0, f"{what}: its header still holds a link"
            assert "toggle-hidden" in (solution.get_attribute("class") or ""), f"{what}: not collapsed at first"
            url = page.url
            # Click the words naming the exercise, the part that used to be a link, where a reader clicks: at
            # their centre (force: Playwright would otherwise wait for them to be the click's target themselves,
            # and here the header is, by design).
            named = title.locator(".initlab-solution-of")
            (named if named.count() else title).click(force=True)
            assert page.url == url, f"{what}: the click navigated to {page.url}"
            assert "toggle-hidden" not in (solution.get_attribute("class") or ""), f"{what}: the click did not open it"
            title.click()
            assert "toggle-hidden" in (solution.get_attribute("class") or ""), f"{what}: a second click did not close it"
    finally:
        context.close()


# ----------------------------------------------------------------------------------------------- quizzes

_QUIZ_STATE = """
() => {
  const quiz = document.querySelector('.Quiz');
  const css = getComputedStyle(quiz);
  const root = getComputedStyle(document.documentElement);
  const body = getComputedStyle(document.querySelector('.bd-content p') || document.body);
  const texts = [...document.querySelectorAll('.MultipleChoiceQn, .ManyChoiceQn, .NumericQn, .MCButton, .InpLabel, '
                                         + '.Input-text, .Feedback.correct, .Feedback.incorrect')]
    .filter((e) => e.closest('.Quiz') && e.getClientRects().length);
  const output = quiz.closest('div.output') || quiz.parentElement;
  return {
    background: css.backgroundColor,
    surface: root.getPropertyValue('--pst-color-surface').trim(),
    fontSize: parseFloat(css.fontSize), bodySize: parseFloat(body.fontSize),
    fontFamily: css.fontFamily, bodyFamily: body.fontFamily,
    sizes: texts.map((e) => [e.className, parseFloat(getComputedStyle(e).fontSize)]),
    contrasts: texts.map((e) => ({cls: e.className, ...window.__contrast(e)})),
    wrapper: window.__contrast(output),
    page: window.__contrast(document.querySelector('.bd-content p')),
  };
}
"""


def _hex_to_rgb(colour: str) -> str:
    colour = colour.lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    return "rgb({}, {}, {})".format(*(int(colour[i:i + 2], 16) for i in (0, 2, 4)))


def _answer_one_wrong_and_one_right(page):
    quiz = page.locator(".Quiz").filter(has=page.locator("label.MCButton")).first
    wrong = quiz.locator('label.MCButton[data-correct="false"]')
    if wrong.count():
        wrong.first.click()
    second = page.locator(".Quiz").filter(has=page.locator("label.MCButton")).nth(1)
    second.locator('label.MCButton[data-correct="true"]').first.click()
    page.wait_for_timeout(1000)  # jupyterquiz animates the answered button's colour (0.6-0.8 s)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_quiz_has_the_books_look_and_readable_text(browser, server, scheme):
    page_path = CHAPTERS[0]
    context, page = _open(browser, server, page_path, scheme)
    try:
        page.locator(".Quiz").first.wait_for(timeout=10_000)
        _answer_one_wrong_and_one_right(page)
        state = page.evaluate(_QUIZ_STATE)
        problems = []
        if state["background"] != _hex_to_rgb(state["surface"]):
            problems.append(f"panel {state['background']}, the theme's surface is {state['surface']}")
        if state["fontSize"] > state["bodySize"]:
            problems.append(f"quiz text {state['fontSize']} px, body text {state['bodySize']} px")
        if state["fontFamily"] != state["bodyFamily"]:
            problems.append(f"quiz font {state['fontFamily']!r}, body font {state['bodyFamily']!r}")
        problems += [f"{cls!r}: {size} px, above the body's {state['bodySize']} px"
                     for cls, size in state["sizes"] if size > state["bodySize"] + 0.5]
        problems += [f"{c['cls']!r} ({c['text']!r}): contrast {c['ratio']:.2f} ({c['color']} on {c['background']})"
                     for c in state["contrasts"] if c["ratio"] < AA]
        answered = [c["cls"] for c in state["contrasts"] if "correct" in c["cls"]]
        if not any("Feedback" in cls for cls in answered) or not any("Button" in cls for cls in answered):
            problems.append(f"answering left no feedback or answered button to measure: {answered}")
        # No light slab around the quiz in dark mode (nor a dark one in light mode): the output around it has the
        # page's own background.
        if abs(state["wrapper"]["luminance"] - state["page"]["luminance"]) > 0.05:
            problems.append(f"the quiz's output box is {state['wrapper']['background']}, the page "
                            f"{state['page']['background']}")
        assert not problems, f"{page_path}, {scheme} mode:\n  " + "\n  ".join(problems)
    finally:
        context.close()


# ---------------------------------------------------------------------------------- self-check and check


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_self_check_output_reads_as_an_instruction(browser, server, site, scheme):
    page_path = _chapter_with(site, "tag_self-check")
    context, page = _open(browser, server, page_path, scheme)
    try:
        outputs = page.locator(".cell.tag_self-check .cell_output div.output")
        assert outputs.count(), f"{page_path}: no self-check output"
        state = outputs.first.evaluate("""(el) => {
          const pre = el.querySelector('pre') || el;
          const root = getComputedStyle(document.documentElement);
          return {background: getComputedStyle(el).backgroundColor,
                  info: root.getPropertyValue('--pst-color-info-bg').trim(),
                  border: getComputedStyle(el).borderLeftColor, family: getComputedStyle(pre).fontFamily,
                  body: getComputedStyle(document.querySelector('.bd-content p')).fontFamily,
                  text: el.innerText, contrast: window.__contrast(pre)};
        }""")
        assert state["background"] == _hex_to_rgb(state["info"]), state
        assert state["family"] == state["body"], f"monospace, not the body font: {state['family']}"
        assert state["contrast"]["ratio"] >= AA, state["contrast"]
        assert "Your turn" in state["text"] and "Jupyter" in state["text"], state["text"]
    finally:
        context.close()


def test_a_check_cell_is_a_collapsed_quiet_toggle(browser, server, site):
    page_path = _chapter_with(site, "tag_check")
    context, page = _open(browser, server, page_path)
    try:
        details = page.locator(".cell.tag_check details.hide").first
        assert details.evaluate("(d) => d.open") is False, "a check cell starts open"
        summary = details.locator("summary")
        state = details.evaluate("""(d) => {
          const s = getComputedStyle(d), title = d.querySelector('summary p.collapsed');
          return {shadow: s.boxShadow, border: s.borderTopWidth, height: d.getBoundingClientRect().height,
                  text: title.innerText.trim(), size: parseFloat(getComputedStyle(title).fontSize),
                  body: parseFloat(getComputedStyle(document.querySelector('.bd-content p')).fontSize),
                  contrast: window.__contrast(title)};
        }""")
        assert state["text"] == "Show the check", state
        assert state["shadow"] == "none" and state["border"] in ("0px", ""), f"a box around the toggle: {state}"
        assert state["height"] < 2.2 * state["body"], f"the collapsed check is {state['height']} px tall"
        assert state["size"] < state["body"] and state["contrast"]["ratio"] >= AA, state
        summary.click()
        assert details.evaluate("(d) => d.open") is True
        assert "# Check:" in details.inner_text()
    finally:
        context.close()


# --------------------------------------------------------------------------------------- explorers on a phone

PHONE = {"width": 390, "height": 844}


def test_explorer_frames_stay_legible_on_a_phone(browser, server, site):
    """At 390 px a frame scaled to fit would show its text at 6-8 px. Each frame keeps the width at which its
    smallest text is 9 px (computed when it was rendered) and scrolls inside its own box, which becomes a
    named tab stop; the page itself does not scroll sideways."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    problems, measured = [], 0
    try:
        page = context.new_page()
        page.route(EXTERNAL_URL, lambda route: route.abort())
        for page_path in CHAPTERS:
            if "initlab-frame-box" not in (site / page_path).read_text(encoding="utf-8"):
                continue  # test_site.py requires the explorers
            page.goto(f"{server}/{page_path}", wait_until="load")
            state = page.evaluate("""() => ({
              page: document.documentElement.scrollWidth,
              boxes: [...document.querySelectorAll('.initlab-frame-box')].map((box) => {
                const img = box.querySelector('img.initlab-frame');
                return {id: img.id, legible: parseFloat(getComputedStyle(box).getPropertyValue('--initlab-legible-width')),
                        shown: img.getBoundingClientRect().width, box: box.clientWidth, scroll: box.scrollWidth,
                        tabindex: box.getAttribute('tabindex'), label: box.getAttribute('aria-label')};
              })})""")
            if state["page"] > PHONE["width"]:
                problems.append(f"{page_path}: the page is {state['page']} px wide at {PHONE['width']} px")
            for b in state["boxes"]:
                measured += 1
                if not b["legible"] or b["shown"] + 0.5 < b["legible"]:
                    problems.append(f"{page_path} {b['id']}: shown {b['shown']:.0f} px, legible from {b['legible']} px")
                if b["scroll"] > b["box"] + 1 and (b["tabindex"] != "0" or not b["label"]):
                    problems.append(f"{page_path} {b['id']}: its box scrolls but is no named tab stop")
    finally:
        context.close()
    assert measured, "no explorer frame on any chapter page"
    assert not problems, "explorers on a 390 px phone:\n  " + "\n  ".join(problems)
