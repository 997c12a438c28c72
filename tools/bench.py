"""Speed figures for the book, on this machine: `make bench`.

Reports, each against its target where it has one:
  - the live redraw time of every interactive figure over all its control settings, first visit
    (computing the setting) and revisit (cached), median and 95th percentile (target ≤ 60 / ≤ 100 ms);
  - each chapter's execution time in a fresh kernel (target ≤ 20 s);
  - the clean build time of the whole book;
  - each built page's weight: every byte the browser loads for it, frames included (target ≤ 3 MB
    for a chapter page);
  - one SGD step of a 10-layer, 256-wide MLP on a batch of 256 (a reference figure, no target).
The numbers go to stdout and to bench/results/latest.json. Timings are of wall-clock time on a
shared machine: run it when nothing else is running.
"""

import gzip
import json
import statistics
import subprocess
import sys
import time

import nbformat
import numpy as np

from tools.execute_notebooks import BOOK, live_client

ROOT = BOOK.parent
SITE = BOOK / "_build" / "html"
RESULTS = ROOT / "bench" / "results"

BINARY = (".png", ".jpg", ".woff", ".woff2", ".ico")
MEASURE_EXPLORERS = """
import json
from initlab.notebook import explorer
report = []
for e in explorer.explorers():
    first, again = e.time_redraws(), e.time_redraws()
    report.append({"figure": type(e.target).__name__, "settings": len(first),
                   "first": first.tolist(), "again": again.tolist()})
print("BENCH" + json.dumps(report))
"""


def chapters():
    toc = (ROOT / "_toc.yml").read_text()
    names = [line.split("file:")[1].strip() for line in toc.splitlines() if "file:" in line]
    return [BOOK / f"{n}.ipynb" for n in names if (BOOK / f"{n}.ipynb").exists()]


def run_chapter(path):
    """Execute a chapter as a reader would (live mode), then time its explorers in the same kernel."""
    nb = nbformat.read(path, as_version=4)
    with live_client(nb) as client, client.setup_kernel():
        start = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        seconds = time.perf_counter() - start
        probe = nbformat.v4.new_code_cell(MEASURE_EXPLORERS)
        nb.cells.append(probe)
        client.execute_cell(probe, len(nb.cells) - 1)
    text = "".join(o.get("text", "") for o in probe.outputs if o.get("output_type") == "stream")
    explorers = json.loads(text.split("BENCH", 1)[1])
    return seconds, explorers


def percentiles(seconds):
    ms = np.asarray(seconds) * 1000
    return float(np.median(ms)), float(np.percentile(ms, 95))


def build_time():
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tools.build_book"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def page_weights():
    """Bytes the browser fetches for each built page, measured in headless Chromium.

    Two figures per page: the raw bytes of every response, and what a host that gzips text
    (as GitHub Pages does; images are sent as they are) would transfer, the usual meaning of
    page weight. The local test server sends everything uncompressed, so the second is computed.
    """
    sys.path.insert(0, str(ROOT / "tests" / "site"))
    from sitecheck import browser, pages, serve  # the site tests' own helpers

    weights = {}
    with serve(SITE) as base, browser() as chromium:
        for page_path in pages(SITE):
            page = chromium.new_page()
            responses = []
            page.on("response", lambda response: responses.append(response))
            page.goto(f"{base}/{page_path}", wait_until="networkidle")
            bodies = [(r.url, r.body()) for r in responses]  # read before the page closes
            page.close()
            raw = sum(len(body) for _, body in bodies)
            sent = sum(len(body) if url.endswith(BINARY) else len(gzip.compress(body, 6)) for url, body in bodies)
            weights[page_path] = (raw, sent)
    return weights


def training_step():
    sys.path.insert(0, str(BOOK))
    import initlab

    rng = np.random.default_rng(0)
    x = rng.standard_normal((256, 256)).astype(np.float32)
    y = rng.integers(0, 10, 256)
    model = initlab.MLP([256] + [256] * 9 + [10], activation="relu", rng=0)
    initlab.train(model, x, y, steps=3, lr=0.01)  # warm-up
    times = []
    for _ in range(20):
        start = time.perf_counter()
        initlab.train(model, x, y, steps=1, lr=0.01)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    results = {"chapters": {}, "explorers": [], "pages": {}}
    ok = True
    print("== Chapters (fresh kernel, live mode) and their interactive figures")
    for path in chapters():
        seconds, explorers = run_chapter(path)
        results["chapters"][path.name] = seconds
        print(f"{path.name}: executed in {seconds:.1f} s (target ≤ 20 s)")
        ok &= seconds <= 20
        for e in explorers:
            m1, p1 = percentiles(e["first"])
            m2, p2 = percentiles(e["again"])
            e.update(first_median_ms=m1, first_p95_ms=p1, again_median_ms=m2, again_p95_ms=p2, chapter=path.name)
            results["explorers"].append(e)
            verdict = "ok" if m1 <= 60 and p1 <= 100 else "OVER TARGET"
            ok &= verdict == "ok"
            print(f"  {e['figure']:24s} {e['settings']:3d} settings  first visit: median {m1:5.1f} ms, "
                  f"p95 {p1:5.1f} ms; revisit: median {m2:5.1f} ms, p95 {p2:5.1f} ms  [{verdict}]")

    print("\n== Clean build of the whole book")
    results["build_seconds"] = build_time()
    print(f"jupyter-book build: {results['build_seconds']:.1f} s")

    print("\n== Page weight: every byte the browser loads, raw and as sent by a host that gzips text")
    for page_path, (raw, sent) in page_weights().items():
        results["pages"][page_path] = {"raw_bytes": raw, "gzip_transfer_bytes": sent}
        is_chapter = page_path.split("/")[-1][:2].isdigit()
        verdict = ("ok" if sent <= 3e6 else "OVER TARGET") if is_chapter else ""
        ok &= verdict != "OVER TARGET"
        print(f"  {page_path:40s} raw {raw / 1e6:5.2f} MB, transferred {sent / 1e6:5.2f} MB {verdict}")

    print("\n== One training step, 10-layer 256-wide MLP, batch 256 (reference)")
    results["training_step_ms"] = training_step() * 1000
    print(f"  {results['training_step_ms']:.1f} ms")

    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=1))
    print(f"\n{'All targets met.' if ok else 'Some targets missed (see above).'} Details: bench/results/latest.json")


if __name__ == "__main__":
    main()
