/*
 * Kernel-free explorers for the static site.
 *
 * When the book is built, `initlab` pre-renders one PNG per combination of control settings and
 * emits, for each interactive figure:
 *
 *   <div class="initlab-explorer" data-initlab-explorer>
 *     <div class="initlab-controls"> ... <input type="range" data-initlab-control="depth"> ...
 *                                     ... <select data-initlab-control="activation"> ... </div>
 *     <img class="initlab-frame" src="_images/frames/3f2a....png" alt="...">
 *     <script type="application/json" class="initlab-explorer-data">
 *       {"controls": [{"name": "depth", "labels": [...]}, ...], "frames": [...], "alts": [...]}
 *     </script>
 *   </div>
 *
 * Each control's value is the index of its setting. Frames are stored row-major over the controls
 * in the order listed (the last control varies fastest). This script swaps the image (and its alt
 * text) when a control moves, and keeps the slider's <output> and aria-valuetext in step.
 *
 * On the site each frame is a file (book/_ext/static_frames.py; a deck or a notebook inlines them as
 * data: URIs, which work the same here). Only the first is part of the page's load: the others are
 * fetched when the explorer comes within about a screen of the viewport, or when the reader first
 * touches its controls, and decoded then, so that moving a control later swaps to a picture that is
 * already in memory. new Image() rather than fetch(): it also works from file://, where fetch() does not.
 * Vanilla JavaScript, no dependencies, nothing from another host: it works over http:// and file:// alike.
 */
(function () {
  "use strict";

  var READY = "initlabReady";
  // How near the viewport an explorer must come for its frames to be fetched: a screen above or below it,
  // which a reader scrolling at a reading pace takes longer to cross than the frames take to arrive.
  var NEAR = "100% 0px";

  function fail(root, message) {
    // A broken explorer is a build bug: say so loudly (the browser tests treat console errors as failures).
    console.error("initlab-frames: explorer '" + (root.id || "?") + "': " + message);
    root.setAttribute("data-initlab-error", message);
  }

  function setup(root) {
    if (root.dataset[READY]) {
      return;
    }
    root.dataset[READY] = "1";

    var img = root.querySelector("img.initlab-frame");
    var dataEl = root.querySelector("script.initlab-explorer-data");
    if (!img || !dataEl) {
      fail(root, "missing img.initlab-frame or script.initlab-explorer-data");
      return;
    }
    var data;
    try {
      data = JSON.parse(dataEl.textContent);
    } catch (err) {
      fail(root, "frame data is not valid JSON (" + err.message + ")");
      return;
    }
    var specs = data.controls || [];
    var frames = data.frames || [];
    var alts = data.alts || [];

    // Bind each declared control to its element; compute the row-major strides.
    var controls = [];
    var total = 1;
    for (var i = 0; i < specs.length; i++) {
      var spec = specs[i];
      var el = root.querySelector('[data-initlab-control="' + spec.name + '"]');
      if (!el) {
        fail(root, "no element for control '" + spec.name + "'");
        return;
      }
      var output = null;
      if (el.id) {
        var outputs = root.querySelectorAll("output");
        for (var k = 0; k < outputs.length; k++) {
          if ((outputs[k].getAttribute("for") || "").split(/\s+/).indexOf(el.id) >= 0) {
            output = outputs[k];
            break;
          }
        }
      }
      controls.push({ el: el, labels: spec.labels || [], output: output, stride: 1 });
      total *= (spec.labels || []).length;
    }
    for (var j = controls.length - 2; j >= 0; j--) {
      controls[j].stride = controls[j + 1].stride * controls[j + 1].labels.length;
    }
    if (frames.length !== total) {
      fail(root, "has " + frames.length + " frames, but its controls need " + total);
      return;
    }
    if (alts.length && alts.length !== total) {
      fail(root, "has " + alts.length + " alt texts for " + total + " frames");
      return;
    }

    function position(control) {
      var v = parseInt(control.el.value, 10);
      if (isNaN(v)) {
        v = 0;
      }
      return Math.min(Math.max(v, 0), control.labels.length - 1);
    }

    // Every frame fetched and decoded, once, nearest settings to the current one first. The images are
    // kept so that their decoded pictures stay in the browser's memory cache. A frame that fails to load
    // is not reported here: the <img> reports it, if the reader ever moves to it.
    var preloaded = null;
    function preload() {
      if (preloaded) {
        return;
      }
      preloaded = [];
      var here = controls.map(position);
      var order = frames.map(function (_, i) {
        var moves = 0;
        for (var c = 0; c < controls.length; c++) {
          moves += Math.abs(Math.floor(i / controls[c].stride) % controls[c].labels.length - here[c]);
        }
        return { index: i, moves: moves };
      });
      order.sort(function (a, b) {
        return a.moves - b.moves || a.index - b.index;
      });
      var pending = frames.length;
      var settled = function () {
        pending -= 1;
        if (!pending) {
          root.setAttribute("data-initlab-preloaded", "all");
        }
      };
      root.setAttribute("data-initlab-preloaded", "started");
      order.forEach(function (item) {
        var image = new Image();
        image.decoding = "async";
        image.src = frames[item.index];
        var done = image.decode ? image.decode() : new Promise(function (resolve, reject) {
          image.onload = resolve;
          image.onerror = reject;
        });
        done.then(settled, settled);
        preloaded.push(image);
      });
    }

    function update() {
      var index = 0;
      for (var c = 0; c < controls.length; c++) {
        var control = controls[c];
        var v = position(control);
        index += v * control.stride;
        if (control.el.type === "range") {
          var label = String(control.labels[v]);
          control.el.setAttribute("aria-valuetext", label);
          if (control.output) {
            control.output.textContent = label;
          }
        }
      }
      // A frame not loaded yet: the browser keeps showing the previous one until it has arrived.
      if (img.getAttribute("src") !== frames[index]) {
        img.src = frames[index];
      }
      if (alts.length) {
        img.alt = alts[index];
      }
      root.setAttribute("data-initlab-frame", String(index));
    }

    // On a narrow screen the frame keeps a legible width and its box scrolls sideways (initlab-frames.css):
    // a box that scrolls is a tab stop, named, so keyboard users can scroll it too.
    var box = img.parentElement;
    if (box && box.classList.contains("initlab-frame-box")) {
      var scrollable = function () {
        if (box.scrollWidth > box.clientWidth + 1) {
          box.tabIndex = 0;
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", "Figure (scrolls sideways)");
        } else {
          box.removeAttribute("tabindex");
          box.removeAttribute("role");
          box.removeAttribute("aria-label");
        }
      };
      window.addEventListener("resize", scrollable);
      img.addEventListener("load", scrollable);
      scrollable();
    }

    for (var m = 0; m < controls.length; m++) {
      // Ranges fire `input` while dragging; selects fire `change`. Listening to both is harmless.
      controls[m].el.addEventListener("input", update);
      controls[m].el.addEventListener("change", update);
    }
    // Browsers may restore form values on reload or back/forward navigation: resync the image.
    window.addEventListener("pageshow", update);
    update();

    // The reader may reach for a control before the observer has fired (a keyboard user tabbing to it,
    // a browser without IntersectionObserver): fetch then too.
    ["pointerdown", "focusin", "keydown"].forEach(function (type) {
      root.addEventListener(type, preload, true);
    });
    if (typeof IntersectionObserver === "function") {
      var observer = new IntersectionObserver(function (entries) {
        for (var e = 0; e < entries.length; e++) {
          if (entries[e].isIntersecting) {
            observer.disconnect();
            preload();
            return;
          }
        }
      }, { rootMargin: NEAR });
      observer.observe(root);
    } else {
      preload();
    }
  }

  function setupAll() {
    var roots = document.querySelectorAll("[data-initlab-explorer]");
    for (var i = 0; i < roots.length; i++) {
      setup(roots[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setupAll);
  } else {
    setupAll();
  }
})();
