/*
 * A display formula wider than its column scrolls sideways (the theme gives div.math mjx-container
 * overflow: auto); one that scrolls takes the keyboard's focus, so that the arrow keys can scroll it (WCAG 2.1.1;
 * axe's scrollable-region-focusable). MathJax's context menu made every formula a tab stop; the site's MathJax has
 * no menu (_config.yml loads only the components the book uses), so only the formulas that scroll become tab
 * stops, measured once MathJax has typeset the page and again when the window changes width.
 * Vanilla JavaScript, no dependencies; JB1 loads it on every page.
 */
(function () {
  "use strict";

  function focusScrollingFormulas() {
    var formulas = document.querySelectorAll("div.math mjx-container");
    for (var i = 0; i < formulas.length; i++) {
      var formula = formulas[i];
      if (formula.scrollWidth > formula.clientWidth) {
        formula.setAttribute("tabindex", "0");
      } else {
        formula.removeAttribute("tabindex");
      }
    }
  }

  // MathJax loads asynchronously; by the load event its startup has begun and its promise settles once typeset.
  window.addEventListener("load", function () {
    if (!window.MathJax || !window.MathJax.startup || !window.MathJax.startup.promise) {
      return; // a page without math
    }
    window.MathJax.startup.promise.then(function () {
      focusScrollingFormulas();
      var pending = null;
      window.addEventListener("resize", function () {
        window.clearTimeout(pending);
        pending = window.setTimeout(focusScrollingFormulas, 100);
      });
    });
  });
})();
