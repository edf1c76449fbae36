# The README's two commands: `make demo` and `make test`.  Every install step lives here.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# One stamp per install: `make demo` installs only what the demo runs, so its stamp must not
# let `make test` skip the test install.
DEMO_STAMP := $(VENV)/.installed-demo
TEST_STAMP := $(VENV)/.installed-test

# Test files run in this many processes (pytest-xdist, one file per worker at a time, so module
# fixtures stay shared).  Most of the suite waits on subprocesses, sockets and injected delays:
# on two cores, three workers ran each test folder in 35-50% of its one-process time.
WORKERS ?= 3

.PHONY: demo test test-fast bench docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# the emulator and AWS CLI v1: what `osc-shim demo` runs
$(DEMO_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[emulator,cli]'
	touch $@

# everything the tests use (the test extra includes the demo's extras)
$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

## demo: install, then register an image with the real `aws` binary on the embedded emulator
demo: $(DEMO_STAMP)
	$(BIN)/osc-shim demo

## test: install (AWS CLI v1 from PyPI, v2 from Debian, the clients of tests/clients), then run the whole test suite
test: $(TEST_STAMP)
	bash scripts/install-awscli-v2.sh
	bash scripts/install-clients.sh
	$(BIN)/python -m pytest -n $(WORKERS) --dist loadfile

## test-fast: the unit tests only (no subprocess, no server: see tests/support/markers.py), under a minute
test-fast: $(TEST_STAMP)
	$(BIN)/python -m pytest -q -m unit

## bench: the benchmark scripts; figures go to docs/performance.md by hand
bench: $(TEST_STAMP)
	$(BIN)/python bench/run.py

## docs: regenerate the generated tables and lists in docs/
docs: $(DEMO_STAMP)
	$(BIN)/python -m osc_shim.docgen

clean:
	rm -rf $(VENV)
