# The two commands of the README: `make book` builds the site, `make test` runs every test.
# Each sets up its own virtual environment from the pinned requirements on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt | cksum | cut -d' ' -f1)
SITE   := book/_build/html
# reveal.js, require.js, jQuery and MathJax 2 for the offline decks, pinned by tools/slides/package-lock.json:
# every build of the site writes each chapter's deck into it (book/_ext/decks.py), so it installs them first.
SLIDE_ASSETS := tools/slides/node_modules/.package-lock.json

.PHONY: venv book test checks unit notebooks site slides browser live bench chromium clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $@

## Only create/update .venv from requirements.txt (CI uses it before installing a browser into the venv).
venv: $(STAMP)

## Build the whole book, executing every chapter, into book/_build/html (with every chapter's deck in slides/, and
## the book and its handouts as PDFs in downloads/, printed by Chromium: hence the browser).
book: $(STAMP) $(SLIDE_ASSETS) chromium
	$(BIN)/python -m tools.build_book
	@echo "Built: open $(SITE)/index.html (the chapters' slides: $(SITE)/slides/)"

## Run every test: helper code, notebooks, the offline build, the slides, the site and the slides in a browser.
# slides comes after site: the build starts by deleting book/_build, where `make slides` writes its decks. The browser
# tests walk every slide of every deck of the site (book/_build/html/slides) and fail on one that overflows.
# The chapters run three times here, each time with other float arithmetic (tools/arithmetic.py sets the default,
# OpenBLAS's Haswell kernels with numpy's AVX2 loops; what a target sets wins): nbval compares the stored outputs
# with a run on OpenBLAS's Sandybridge kernels; the offline build runs on the Prescott kernels with numpy's own
# loops as this CPU dispatches them, and tests/site/test_build_outputs.py compares what it printed with what is
# stored; the live JupyterLab test runs the chapters with the default.
# The machines here have two cores and the build runs on one (OpenBLAS on one thread, tools/arithmetic.py), so
# what needs no built site runs alongside it: the unit tests, nbval, then the live JupyterLab tests (each one's
# output is shown, whole, when it ends). The other browser tests come last, on two workers, and the one that times
# what a reader sees after them, alone (see browser).
test: $(STAMP) $(SLIDE_ASSETS) chromium
	@echo "make test: the offline build, and alongside it the unit tests, nbval and the live JupyterLab tests"
	$(MAKE) --no-print-directory -j2 --output-sync=target site checks
	$(MAKE) --no-print-directory slides browser BROWSER_TESTS="tests/site $(addprefix --ignore=,$(LIVE_TESTS))"

# The checks that need no built site, one after the other (the build takes the other core).
checks:
	$(MAKE) --no-print-directory unit && $(MAKE) --no-print-directory notebooks && $(MAKE) --no-print-directory live

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

notebooks: $(STAMP)
	OPENBLAS_CORETYPE=Sandybridge $(BIN)/python -m pytest --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg book

site: $(STAMP) $(SLIDE_ASSETS) chromium
	OPENBLAS_CORETYPE=Prescott NPY_DISABLE_CPU_FEATURES= $(BIN)/python -m tools.build_book --offline

$(SLIDE_ASSETS): tools/slides/package-lock.json
	cd tools/slides && npm ci --ignore-scripts --no-audit --no-fund

## Every chapter as an offline reveal.js deck in book/_build/slides: the quick re-export (the site has its own, in
## book/_build/html/slides); reuses the run of `make book` when current.
slides: $(STAMP) $(SLIDE_ASSETS)
	$(BIN)/python -m tools.slides export
	@echo "Slides: open book/_build/slides/01_vanishing_gradients.slides.html"

# The browser tests: every one of tests/site, unless BROWSER_TESTS names which. They run on two workers (pytest-xdist,
# each test file on one, each worker with its own Chromium), but for those that time what a reader sees (marked
# `timed`): those run afterwards, alone.
BROWSER_TESTS ?= tests/site
browser: $(STAMP) chromium
	$(BIN)/python -m pytest -n 2 --dist loadfile -m "not timed" $(BROWSER_TESTS)
	$(BIN)/python -m pytest -m timed $(BROWSER_TESTS)

# The browser tests that run the chapters in a real JupyterLab (and as a RISE slideshow): they need no built site.
LIVE_TESTS := tests/site/test_live_notebook.py tests/site/test_live_slides.py
live: $(STAMP) chromium
	$(BIN)/python -m pytest $(LIVE_TESTS)

chromium:
	@$(BIN)/python -m tools.find_chromium --install

## Speed figures: slider latency, chapter execution, build time, page weight, one training step.
bench: $(STAMP) chromium
	$(BIN)/python -m tools.bench

clean:
	rm -rf book/_build $(VENV) tools/slides/node_modules
