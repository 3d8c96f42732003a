# Two commands do everything on a fresh machine; each creates the virtual environment when missing.
#   make run   - train the default model on scikit-learn's bundled digits, outputs in runs/digits/
#   make test  - lint and run the test suite
#   make test-fast - lint and run the tests not marked slow (no multi-process, kill/resume, browser or long
#                    hypothesis runs): under a minute
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint benchmarks clean browser

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The CPU build of torch first: an unpinned torch would pull a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	$(BIN)/python -m pip install --quiet -e ".[test,export,tensorboard,parquet]"
	# Fill the CLI's option cache once (this imports torch), so help and argument errors start without it.
	$(BIN)/ae train --help > /dev/null
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/ae train --model deep --data digits --code-size 16 --out runs/digits --overwrite

# The report test opens report.html in Debian's Chromium; where it cannot be installed, that test is skipped.
browser:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || \
	  { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } || \
	  echo "Chromium could not be installed: the headless-browser report test will be skipped"

test: $(STAMP) browser
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -q -m "not slow"

benchmarks: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf runs build .pytest_cache .ruff_cache
