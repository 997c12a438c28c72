"""Speed figures for the book, on this machine: `make bench`.

Reports, each against its target where it has one:
  - the live redraw time of every interactive figure over all its control settings, first visit
    (computing the setting) and revisit (cached), median and 95th percentile (target ≤ 60 / ≤ 100 ms);
  - what the reader sees of it: in a real JupyterLab, from moving a control to the new figure on screen, per
    explorer, median and 95th percentile (target ≤ 100 / ≤ 150 ms, issue 19; tools/bench_lab.py);
  - each chapter's execution time in a fresh kernel (target ≤ 15 s, issue 19);
  - the clean build time of the whole book;
  - each built page's weight before the reader touches it: every byte the browser loads for it, raw (target
    for a chapter page ≤ 1.5 MB, issue 19), as a host that gzips text would send it, and the page's own HTML
    (target ≤ 400 KB);
  - one SGD step of a 10-layer, 256-wide MLP on a batch of 256, initlab's against PyTorch's CPU eager step
    on the same network, batch, dtype (float32), loss (cross-entropy) and thread count (target: ratio ≤ 1).
    PyTorch is a benchmark-only requirement (tools/bench-requirements.txt), installed here when missing;
    the book never imports it.
The numbers go to stdout and to bench/results/latest.json. Timings are of wall-clock time on a
shared machine: run it when nothing else is running. (numpy's OpenBLAS and PyTorch both start a thread
per core; on a busy machine a thread that is not scheduled stalls every matrix product that waits for it,
which can multiply the time of the book's many small products several times over.)
"""

import gzip
import json
import statistics
import subprocess
import sys
import time

import nbformat
import numpy as np

from tools import bench_lab
from tools.execute_notebooks import BOOK, live_client

ROOT = BOOK.parent
SITE = BOOK / "_build" / "html"
RESULTS = ROOT / "bench" / "results"
BENCH_REQUIREMENTS = ROOT / "tools" / "bench-requirements.txt"
CHAPTER_SECONDS = 15  # issue 19, target 2: every chapter in ≤ 15 s on a fresh kernel
PAGE_BYTES, HTML_BYTES = 1_500_000, 400_000  # issue 19, target 1: a chapter page before interaction, its HTML

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
    with live_client(nb) as client:
        # Its startup warning that TCP is unencrypted, once per chapter: the kernel listens on 127.0.0.1 only.
        client.extra_arguments = ["--log-level=ERROR"]
        with client.setup_kernel():
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

    Three figures per page: the raw bytes of every response (the issue's measure), what a host that gzips
    text (as GitHub Pages does; images are sent as they are) would transfer, and the page's own HTML. The
    local test server sends everything uncompressed, so the second is computed.
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
            weights[page_path] = {"raw_bytes": raw, "gzip_transfer_bytes": sent,
                                  "html_bytes": (SITE / page_path).stat().st_size, "requests": len(bodies)}
    return weights


STEP_SIZES = [256] + [256] * 9 + [10]  # 10 weight layers, 256 wide, 10 classes
STEP_BATCH, STEP_LR = 256, 0.01


def _step_data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((STEP_BATCH, STEP_SIZES[0])).astype(np.float32)
    y = rng.integers(0, STEP_SIZES[-1], STEP_BATCH)
    return x, y


def _initlab_step():
    """initlab's SGD step as the book runs it: ``initlab.train(..., steps=1)`` (its per-layer records included)."""
    sys.path.insert(0, str(BOOK))
    import initlab

    x, y = _step_data()
    model = initlab.MLP(STEP_SIZES, activation="relu", rng=0)

    def step():
        initlab.train(model, x, y, steps=1, lr=STEP_LR)

    return model, step


def _torch():
    """PyTorch, installed from tools/bench-requirements.txt (the pinned CPU build) if it is missing."""
    try:
        import torch
    except ImportError:
        print(f"  PyTorch is not installed: it is a benchmark-only requirement, installing "
              f"{BENCH_REQUIREMENTS.relative_to(ROOT)} (torch==2.13.0, CPU build) with pip ...", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-r", str(BENCH_REQUIREMENTS)], check=True)
        import torch
    return torch


def _blas_threads():
    """The threads numpy's BLAS uses (threadpoolctl comes with scikit-learn, a book dependency)."""
    from threadpoolctl import threadpool_info

    counts = [info["num_threads"] for info in threadpool_info() if info.get("internal_api") == "openblas"]
    return counts[0] if counts else 1


def step_comparison(repeats=30):
    """initlab's SGD step against PyTorch's CPU eager step on the same network, batch and threads.

    Both networks start from the same float32 weights (torch's ``Linear`` stores ``W`` transposed); a step is
    forward, mean cross-entropy, backward and the plain SGD update ``θ ← θ − η g``, the loss read back as a
    Python float. The two steps alternate, so that load from elsewhere on the machine falls on both alike.
    Returns a dict of medians in milliseconds (wall clock and process CPU time) and their ratios.
    """
    torch = _torch()
    threads = _blas_threads()
    torch.set_num_threads(threads)
    model, initlab_step = _initlab_step()
    x, y = _step_data()
    layers = []
    for k, (w, b) in enumerate(zip(model.weights, model.biases)):
        linear = torch.nn.Linear(*w.shape)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w.T.copy()))
            linear.bias.copy_(torch.from_numpy(b.copy()))
        layers += [linear] + ([torch.nn.ReLU()] if k < len(model.weights) - 1 else [])
    net = torch.nn.Sequential(*layers)
    optimizer = torch.optim.SGD(net.parameters(), lr=STEP_LR)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)

    def torch_step():
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(tx), ty)
        loss.backward()
        optimizer.step()
        return loss.item()

    # Same start, same first loss: the two compute the same thing.
    first = torch_step()
    sys.path.insert(0, str(BOOK))
    import initlab

    initlab_first = initlab.train(model, x, y, steps=1, lr=STEP_LR).loss[0]
    if abs(first - initlab_first) > 1e-4 * max(1.0, abs(first)):
        raise RuntimeError(f"initlab and torch disagree on the first loss: {initlab_first} vs {first}")
    for _ in range(3):
        torch_step(), initlab_step()
    times = {"initlab": ([], []), "torch": ([], [])}
    for _ in range(repeats):
        for name, step in (("initlab", initlab_step), ("torch", torch_step)):
            wall, cpu = time.perf_counter(), time.process_time()
            step()
            times[name][0].append(time.perf_counter() - wall)
            times[name][1].append(time.process_time() - cpu)
    result = {"threads": threads, "torch_version": torch.__version__}
    for name, (walls, cpus) in times.items():
        result[f"{name}_ms"] = statistics.median(walls) * 1000
        result[f"{name}_cpu_ms"] = statistics.median(cpus) * 1000
    result["ratio"] = result["initlab_ms"] / result["torch_ms"]
    result["cpu_ratio"] = result["initlab_cpu_ms"] / result["torch_cpu_ms"]
    return result


def main():
    results = {"chapters": {}, "explorers": [], "pages": {}}
    ok = True
    print("== Chapters (fresh kernel, live mode) and their interactive figures")
    for path in chapters():
        seconds, explorers = run_chapter(path)
        results["chapters"][path.name] = seconds
        print(f"{path.name}: executed in {seconds:.1f} s (target ≤ {CHAPTER_SECONDS} s)")
        ok &= seconds <= CHAPTER_SECONDS
        for e in explorers:
            m1, p1 = percentiles(e["first"])
            m2, p2 = percentiles(e["again"])
            e.update(first_median_ms=m1, first_p95_ms=p1, again_median_ms=m2, again_p95_ms=p2, chapter=path.name)
            results["explorers"].append(e)
            verdict = "ok" if m1 <= 60 and p1 <= 100 else "OVER TARGET"
            ok &= verdict == "ok"
            print(f"  {e['figure']:24s} {e['settings']:3d} settings  first visit: median {m1:5.1f} ms, "
                  f"p95 {p1:5.1f} ms; revisit: median {m2:5.1f} ms, p95 {p2:5.1f} ms  [{verdict}]")

    print("\n== Live sliders in JupyterLab: from moving a control to the new figure on screen (tools/bench_lab.py)")
    results["live_sliders"] = bench_lab.slider_latencies()
    for row in results["live_sliders"]:
        verdict = bench_lab.verdict(row)
        ok &= verdict == "ok"
        print(f"  {row['chapter']:40s} explorer {row['explorer']}: {row['moves']:3d} moves, median "
              f"{row['median_ms']:5.0f} ms, p95 {row['p95_ms']:5.0f} ms  [{verdict}]")

    print("\n== Clean build of the whole book")
    results["build_seconds"] = build_time()
    print(f"jupyter-book build: {results['build_seconds']:.1f} s")

    print(f"\n== Page weight before interaction: every byte the browser loads (chapter pages: ≤ {PAGE_BYTES / 1e6} MB "
          f"raw, HTML ≤ {HTML_BYTES / 1e3:.0f} KB), and as sent by a host that gzips text")
    for page_path, weight in page_weights().items():
        results["pages"][page_path] = weight
        raw, sent, html = weight["raw_bytes"], weight["gzip_transfer_bytes"], weight["html_bytes"]
        is_chapter = page_path.split("/")[-1][:2].isdigit()
        verdict = ("ok" if raw <= PAGE_BYTES and html <= HTML_BYTES else "OVER TARGET") if is_chapter else ""
        ok &= verdict != "OVER TARGET"
        print(f"  {page_path:40s} raw {raw / 1e6:5.2f} MB ({weight['requests']:2d} requests), gzipped "
              f"{sent / 1e6:5.2f} MB, HTML {html / 1e3:4.0f} KB {verdict}")

    print("\n== One SGD step, 10-layer 256-wide MLP, batch 256, float32, cross-entropy: initlab vs PyTorch eager")
    step = step_comparison()
    results["training_step_ms"] = step["initlab_ms"]
    results["step_comparison"] = step
    verdict = "ok" if step["ratio"] <= 1 else "OVER TARGET"
    ok &= verdict == "ok"
    print(f"  {step['threads']} BLAS thread(s), torch {step['torch_version']}; medians of alternating steps")
    print(f"  initlab {step['initlab_ms']:.1f} ms (CPU {step['initlab_cpu_ms']:.1f} ms), "
          f"torch {step['torch_ms']:.1f} ms (CPU {step['torch_cpu_ms']:.1f} ms)")
    print(f"  ratio initlab/torch {step['ratio']:.2f} (CPU time {step['cpu_ratio']:.2f}), target ≤ 1  [{verdict}]")

    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=1))
    print(f"\n{'All targets met.' if ok else 'Some targets missed (see above).'} Details: bench/results/latest.json")


if __name__ == "__main__":
    main()
