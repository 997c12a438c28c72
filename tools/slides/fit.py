"""Does every slide fit its slide? Each deck opened in Chromium at the deck's own size, every slide visited.

    python -m tools.slides fit                  # the decks in book/_build/slides
    python -m tools.slides fit --out DIR        # the decks in DIR (e.g. book/_build/html/slides)

A slide *overflows* when its content is taller than the 1280 x 800 slide (reveal.js then shows a scroll bar,
or a projector shows the top only), or wider. It is *illegible* when some of its text is set smaller than
:data:`MIN_FONT_PX` CSS pixels of the 1280 x 800 slide: about 1/40 of the slide's height, the size a
back row can still read on a projected screen (reveal's own body text is 42 px). ``tests/site/test_slides.py``
runs :func:`measure` on every deck and fails on either.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MIN_FONT_PX = 20
TOLERANCE_PX = 2  # sub-pixel rounding of scrollHeight against clientHeight

# Visits every slide (horizontal and vertical) through its #/h/v address and measures it once reveal.js has
# shown it and MathJax 2 has typeset it. Works on any deck of tools.slides (it needs no global Reveal).
_WALK = """
async (minFont) => {
  const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const typeset = () => new Promise((r) => (window.MathJax && MathJax.Hub) ? MathJax.Hub.Queue(r) : r());
  const slides = [];
  document.querySelectorAll('.reveal .slides > section').forEach((top, h) => {
    const inner = top.querySelectorAll(':scope > section');
    if (inner.length) inner.forEach((s, v) => slides.push([s, h, v])); else slides.push([top, h, 0]);
  });
  const found = [];
  for (const [slide, h, v] of slides) {
    location.hash = `#/${h}/${v}`;
    for (let i = 0; i < 100 && !slide.classList.contains('present'); i++) await frame();
    await typeset();
    await frame();
    let small = null;
    const walker = document.createTreeWalker(slide, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      // MathJax's MathML copy of each formula is for screen readers: clipped to nothing, never seen.
      const unseen = 'aside.notes, .MathJax_Preview, .MJX_Assistive_MathML, script, style';
      if (!node.textContent.trim() || !el || el.closest(unseen)) continue;
      if (!el.getClientRects().length) continue;  // not rendered (display: none)
      const size = parseFloat(getComputedStyle(el).fontSize);
      if (size < minFont && (!small || size < small.size)) small = {size, text: node.textContent.trim().slice(0, 40)};
    }
    // How tall the content is (the section itself fills the slide): its lowest child, in slide pixels.
    const box = slide.getBoundingClientRect(), scale = box.height / slide.offsetHeight;
    const bottom = Math.max(0, ...[...slide.children].filter((e) => !e.matches('aside.notes'))
      .map((e) => e.getBoundingClientRect().bottom - box.top));
    // MathJax's quick previews, left while a formula waits for its final layout: a slide measured with any
    // is not what the room sees.
    const previews = slide.querySelectorAll('.MJXp-math').length;
    found.push({h, v, down: slide.scrollHeight - slide.clientHeight, across: slide.scrollWidth - slide.clientWidth,
                height: slide.scrollHeight, content: bottom / scale, small, previews});
  }
  return found;
}
"""


@dataclass(frozen=True)
class Slide:
    """One slide of a deck as measured: where it is, by how many pixels it overflows, its smallest text."""

    index: int  # 1-based, as reveal.js numbers the slides ("c/t")
    h: int
    v: int
    down: int  # content taller than the slide by this many CSS px (<= 0: it fits)
    across: int
    height: int  # of the content, in px of the slide
    small_font: float | None = None  # the smallest font size under MIN_FONT_PX, if any
    small_text: str = ""
    previews: int = 0  # formulas MathJax had not finished when the slide was measured

    @property
    def overflows(self) -> bool:
        return self.down > TOLERANCE_PX or self.across > TOLERANCE_PX

    def describe(self) -> str:
        where = f"slide {self.index} (#/{self.h}/{self.v})"
        problems = []
        if self.down > TOLERANCE_PX:
            problems.append(f"{self.down} px too tall ({self.height} px on an 800 px slide)")
        if self.across > TOLERANCE_PX:
            problems.append(f"{self.across} px too wide")
        if self.small_font is not None:
            problems.append(f"text at {self.small_font:g} px (< {MIN_FONT_PX} px): {self.small_text!r}")
        if self.previews:
            problems.append(f"measured before MathJax had typeset {self.previews} formula(s)")
        return f"{where}: " + "; ".join(problems)


def measure(page, url: str, size: tuple[int, int]) -> list[Slide]:
    """Every slide of the deck at ``url``, in a Playwright ``page`` whose viewport is the deck's ``size``."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(url, wait_until="load")
    page.wait_for_selector(".reveal.ready", state="attached")
    page.wait_for_function("() => !window.MathJax || (MathJax.isReady === true)", timeout=60_000)
    found = page.evaluate(_WALK, MIN_FONT_PX)
    return [Slide(index=i + 1, h=s["h"], v=s["v"], down=round(s["down"]), across=round(s["across"]),
                  height=round(max(s["content"], s["height"] if s["down"] > 0 else 0)),
                  small_font=(s["small"] or {}).get("size"), small_text=(s["small"] or {}).get("text", ""),
                  previews=s["previews"])
            for i, s in enumerate(found)]


def problems(slides: list[Slide]) -> list[Slide]:
    """The slides that overflow or carry text too small for a room."""
    return [s for s in slides if s.overflows or s.small_font is not None or s.previews]


def report(decks: list[Path], size: tuple[int, int]) -> int:
    """Measure ``decks`` in the system's Chromium and print every slide that does not fit; the number of them."""
    from playwright.sync_api import sync_playwright

    from tools.find_chromium import find

    chromium = find()
    total_bad = total = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium.executable_path,
                                             args=["--no-sandbox", "--disable-gpu"], headless=True)
        try:
            page = browser.new_page(viewport={"width": size[0], "height": size[1]})
            page.set_default_timeout(60_000)
            for deck in decks:
                slides = measure(page, deck.resolve().as_uri(), size)
                bad = problems(slides)
                over = [s for s in slides if s.overflows]
                total_bad, total = total_bad + len(bad), total + len(slides)
                print(f"{deck.name}: {len(over)} of {len(slides)} slides overflow, "
                      f"{sum(s.small_font is not None for s in slides)} with text under {MIN_FONT_PX} px"
                      + (f"; worst {max(s.down for s in over)} px" if over else ""))
                for slide in bad:
                    print(f"  {slide.describe()}")
        finally:
            browser.close()
    print(f"fit: {total_bad} of {total} slides do not fit or are too small to read")
    return total_bad
