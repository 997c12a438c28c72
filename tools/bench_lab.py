"""Live slider latency in a real JupyterLab (issue 19, target 3): median ≤ 100 ms, p95 ≤ 150 ms per explorer.

    python -m tools.bench_lab [--runs N] [chapter ...]   # e.g. 01 03_saturating_activations; default: all

Each chapter is run in JupyterLab (Run All Cells, as a reader would: tools/jupyterlab.py), then every control of
every explorer (an output with a ``.widget-image``) is moved through all its settings: each slider with the arrow
keys, to one end, to the other end and back to where it started; each dropdown to every other option and back.
The first move comes a few seconds after the run, then one move at a time with a pause after each (a reader's moves
are that far apart; a move made while the kernel is still busy with the last one is held back by ipywidgets until
it is idle, which is a different, throttled, delay).

Every time is taken in the page, with ``performance.now()``: from the input event (the ``keydown``, or the
dropdown's ``input``) to the new figure on screen: the image's ``src`` changed (a MutationObserver), the new image
decoded (``img.decode()``), then the next frame painted (``requestAnimationFrame``, then a task queued from it,
which runs once that frame is out). A hook on the page's WebSockets also notes when the change left for the
kernel and when the new image (the largest message) arrived, splitting each move into: browser to socket, round
trip through the server and the kernel, socket to ``src``, and decode and paint.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from tools import jupyterlab

ROOT = Path(__file__).resolve().parent.parent
PAUSE_S = 0.3  # between moves: the kernel's "idle" follows its image, and ipywidgets waits for it
SETTLE_S = 3  # after Run All, before the first move: JupyterLab is still laying out outputs; a reader reads first
MOVE_TIMEOUT_MS = 15_000
TARGET_MEDIAN_MS, TARGET_P95_MS = 100, 150

# Runs before JupyterLab's own code: notes the time and size of every WebSocket message, both ways.
SOCKET_HOOK = """
window.__initlabSocket = {sent: [], received: []};
const size = (data) => data.byteLength ?? data.size ?? data.length;
window.WebSocket = class extends WebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener('message', (e) => window.__initlabSocket.received.push([performance.now(), size(e.data)]));
  }
  send(data) {
    window.__initlabSocket.sent.push([performance.now(), size(data)]);
    super.send(data);
  }
};
"""

# Arms one measurement on an image; the promise it leaves in window.__initlabMove resolves with the times.
ARM = """([img, timeout]) => {
  const socket = window.__initlabSocket;
  socket.sent.length = socket.received.length = 0;
  let input = null;
  const mark = (e) => { if (input === null) input = e.timeStamp; };
  const kinds = ['keydown', 'input', 'change'];
  kinds.forEach((kind) => window.addEventListener(kind, mark, true));
  window.__initlabMove = new Promise((resolve, reject) => {
    const timer = setTimeout(() => { observer.disconnect(); reject(new Error('image not redrawn')); }, timeout);
    const observer = new MutationObserver(async () => {
      const src = performance.now();
      observer.disconnect();
      clearTimeout(timer);
      kinds.forEach((kind) => window.removeEventListener(kind, mark, true));
      await img.decode().catch(() => {});  // a src replaced again at once: time the paint anyway
      const decoded = performance.now();
      requestAnimationFrame(() => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => {
          const after = (list) => list.filter(([t]) => t >= input);
          const sent = after(socket.sent)[0];
          const image = after(socket.received).reduce((a, b) => (b[1] > a[1] ? b : a), [null, -1]);
          resolve({input, sent: sent ? sent[0] : null, received: image[0], src, decoded,
                   painted: performance.now()});
        };
        channel.port2.postMessage(null);
      });
    });
    observer.observe(img, {attributes: true, attributeFilter: ['src']});
  });
}"""


def _chapters() -> list[str]:
    return sorted(p.name for p in (ROOT / "book").glob("[0-9][0-9]_*.ipynb"))


def _moves(count: int, start: int) -> list[int]:
    """Slider steps (+1 right, -1 left) that visit every setting: to the last, to the first, back to ``start``."""
    return [1] * (count - 1 - start) + [-1] * (count - 1) + [1] * start


def _timed(page, image, move) -> dict:
    """Do ``move()`` and return its in-page times (ms, performance.now()) from input to painted."""
    page.evaluate(ARM, [image.element_handle(), MOVE_TIMEOUT_MS])
    move()
    times = page.evaluate("() => window.__initlabMove")
    time.sleep(PAUSE_S)
    return times


def _explorer_moves(page, output) -> list[dict]:
    """Move every control of one explorer through all its settings; the times of each move."""
    output.scroll_into_view_if_needed()
    image = output.locator(".widget-image").first
    handles = output.locator(".widget-slider .noUi-handle")
    selects = output.locator(".widget-dropdown select")
    found = []
    for j in range(handles.count()):
        handle = handles.nth(j)
        count = int(float(handle.get_attribute("aria-valuemax"))) + 1
        start = int(float(handle.get_attribute("aria-valuenow")))
        handle.focus()
        for step in _moves(count, start):
            key = "ArrowRight" if step > 0 else "ArrowLeft"
            found.append(_timed(page, image, lambda: page.keyboard.press(key)))
    for j in range(selects.count()):
        select = selects.nth(j)
        count = select.locator("option").count()
        start = select.evaluate("el => el.selectedIndex")
        for k in range(1, count + 1):
            index = (start + k) % count
            found.append(_timed(page, image, lambda: select.select_option(index=index)))
    return found


def measure(notebooks: list[str] | None = None):
    """Every move's in-page times, per explorer, as each is measured: dicts with chapter, explorer (its number in
    the chapter) and moves (a list of ``{input, sent, received, src, decoded, painted}``, ms on the page's clock)."""
    sys.path.insert(0, str(ROOT / "tests" / "site"))
    from sitecheck import browser  # the site tests' Chromium

    notebooks = notebooks or _chapters()
    with tempfile.TemporaryDirectory() as workdir, jupyterlab.server(notebooks, Path(workdir)) as base, \
            browser() as chromium:
        for notebook in notebooks:
            page = chromium.new_page(viewport={"width": 1400, "height": 1000})
            page.add_init_script(SOCKET_HOOK)
            try:
                jupyterlab.open_notebook(page, base, notebook)
                jupyterlab.run_all(page, base)
                time.sleep(SETTLE_S)
                outputs = page.locator(f"{jupyterlab.NOTEBOOK} .jp-OutputArea-output:has(.widget-image)")
                for i in range(outputs.count()):
                    yield {"chapter": notebook, "explorer": i + 1, "moves": _explorer_moves(page, outputs.nth(i))}
            finally:
                page.close()
                jupyterlab.shut_down_kernels(base)


def _summary(measured: dict) -> dict:
    latencies = [m["painted"] - m["input"] for m in measured["moves"]]
    return {"chapter": measured["chapter"], "explorer": measured["explorer"], "moves": len(latencies),
            "median_ms": float(np.median(latencies)), "p95_ms": float(np.percentile(latencies, 95))}


def slider_latencies(notebooks: list[str] | None = None) -> list[dict]:
    """Per explorer of ``notebooks`` (file names in book/; default: every chapter): chapter, explorer (its number
    in the chapter), moves, and the median and 95th percentile in ms from moving a control to the new figure on
    screen, measured in the page (see the module docstring)."""
    return [_summary(measured) for measured in measure(notebooks)]


def _phases(moves: list[dict]) -> str:
    """Median ms of each part of a move: browser to socket, server and kernel, socket to src, decode and paint."""
    def median(start, end):
        values = [m[end] - m[start] for m in moves if m[start] is not None and m[end] is not None]
        return f"{statistics.median(values):4.0f}" if values else "   -"
    return " ".join(median(a, b) for a, b in
                    (("input", "sent"), ("sent", "received"), ("received", "src"), ("src", "painted")))


def verdict(row: dict) -> str:
    """"ok" if one of ``slider_latencies()``'s rows meets the target, else "OVER TARGET"."""
    return "ok" if row["median_ms"] <= TARGET_MEDIAN_MS and row["p95_ms"] <= TARGET_P95_MS else "OVER TARGET"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench_lab", description=__doc__.split("\n")[0])
    parser.add_argument("chapters", nargs="*", help="chapter file names or their number prefixes (default: all)")
    parser.add_argument("--runs", type=int, default=1, help="measure this many times (fresh kernels each time) "
                                                            "and end with the medians of the runs")
    args = parser.parse_args(argv)
    names = [next(c for c in _chapters() if c.startswith(prefix)) for prefix in args.chapters] or None
    runs = []
    for run in range(1, args.runs + 1):
        print(f"run {run}: {'chapter':40s} fig moves median   p95   ms: to socket, round trip, to src, paint")
        runs.append([])
        for measured in measure(names):
            row = _summary(measured)
            runs[-1].append(row)
            print(f"run {run}: {row['chapter']:40s} {row['explorer']:3d} {row['moves']:5d} {row['median_ms']:6.0f} "
                  f"{row['p95_ms']:5.0f}   {_phases(measured['moves'])}   [{verdict(row)}]", flush=True)
    final = [dict(rows[0], median_ms=statistics.median(r["median_ms"] for r in rows),
                  p95_ms=statistics.median(r["p95_ms"] for r in rows)) for rows in zip(*runs)]
    if args.runs > 1:
        print(f"median of {args.runs} runs: {'chapter':40s} fig moves median   p95")
        for row in final:
            print(f"{row['chapter']:40s} {row['explorer']:3d} {row['moves']:5d} {row['median_ms']:6.0f} "
                  f"{row['p95_ms']:5.0f}   [{verdict(row)}]")
    ok = all(verdict(row) == "ok" for row in final)
    print(f"target: median ≤ {TARGET_MEDIAN_MS} ms, p95 ≤ {TARGET_P95_MS} ms per explorer: "
          f"{'met' if ok else 'missed'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
