# Every target that runs code first builds .venv from scratch if needed, so a fresh clone
# needs only Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The HTML report is tested in a real browser: Debian's chromium, installed from the
# distribution's packages when missing (CI is a fresh Debian machine).
CHROMIUM := /usr/bin/chromium
SUDO     := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: demo test test-fast lint bench docs reference clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[testing,dev,bench]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/anpr-ops demo

lint: $(STAMP)
	$(BIN)/ruff check anpr_ops tests $(wildcard benchmarks)
	$(BIN)/ruff format --check anpr_ops tests $(wildcard benchmarks)
	$(BIN)/mypy

test: lint $(CHROMIUM)
	$(BIN)/pytest

$(CHROMIUM):
	@echo "installing Debian's chromium and a font: the HTML report is tested in a browser"
	@( $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install \
	    -y -qq chromium fonts-dejavu-core >/dev/null ) \
	  || echo "could not install chromium: the browser test is skipped (and fails under CI)"

test-fast: $(STAMP)
	$(BIN)/pytest -m "not slow"

# The documentation site, into site/; --strict makes a broken link or anchor an error.
docs: $(STAMP)
	$(BIN)/mkdocs build --strict

# Regenerate docs/reference from the code (a test fails when they are out of date).
reference: $(STAMP)
	$(BIN)/python -m anpr_ops._docgen docs

bench: $(STAMP)
	$(BIN)/python -m benchmarks --tree
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis site
