/*
 * Solution headers open their solution.
 *
 * sphinx-exercise writes a solution's header as "Solution to <a href="#ex-...">Exercise 7.3 (title)</a>",
 * and sphinx-togglebutton makes the whole header the dropdown's toggle. A click on the link both toggled
 * the solution and jumped to the exercise, away from it; the link was also a tab stop of its own. Here the
 * link becomes plain text (the header is then one control, with the toggle button sphinx-togglebutton adds
 * for the keyboard). initlab-pages.css already lets clicks fall through before this runs.
 * Vanilla JavaScript, no dependencies; JB1 loads it on every page.
 */
(function () {
  "use strict";

  function unlinkSolutionHeaders() {
    var links = document.querySelectorAll(".solution.dropdown > .admonition-title a");
    for (var i = 0; i < links.length; i++) {
      var link = links[i];
      var text = document.createElement("span");
      text.className = "initlab-solution-of";
      while (link.firstChild) {
        text.appendChild(link.firstChild);
      }
      link.parentNode.replaceChild(text, link);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", unlinkSolutionHeaders);
  } else {
    unlinkSolutionHeaders();
  }
})();
