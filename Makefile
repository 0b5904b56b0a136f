# Every target that runs code first builds .venv from scratch if needed, so a fresh clone
# needs only Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-fast lint bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[testing,dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/anpr-ops demo

lint: $(STAMP)
	$(BIN)/ruff check anpr_ops tests $(wildcard benchmarks)
	$(BIN)/ruff format --check anpr_ops tests $(wildcard benchmarks)
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

test-fast: $(STAMP)
	$(BIN)/pytest -m "not slow"

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
