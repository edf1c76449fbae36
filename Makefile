# The README's two commands: `make demo` and `make test`.  Every install step lives here.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

## demo: install, then register an image with the real `aws` binary on the embedded emulator
demo: $(STAMP)
	$(BIN)/osc-shim demo

## test: install (AWS CLI v1 from PyPI, v2 from Debian, the clients of tests/clients), then run the whole test suite
test: $(STAMP)
	bash scripts/install-awscli-v2.sh
	bash scripts/install-clients.sh
	$(BIN)/python -m pytest

## bench: the benchmark scripts; figures go to docs/performance.md by hand
bench: $(STAMP)
	$(BIN)/python bench/run.py

## docs: regenerate the generated tables in docs/
docs: $(STAMP)
	$(BIN)/python -m osc_shim.docgen

clean:
	rm -rf $(VENV)
