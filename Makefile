# The two commands of the README's quick start live here: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export NO_MKDOCS_2_WARNING := 1

.PHONY: run test test-fast setup lint build serve bench fuzz clean

# One virtual environment; what is installed into it depends on the job: `make run` needs only the
# `site` extra (mkdocs, Material, nh3), `make test` the `test` extra. A stamp per extra.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-%: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[$*]'
	touch $@

setup: $(VENV)/.installed-test

## The main job: lint the example handbook, build it, serve it (NO_SERVE=1 builds and exits).
run: $(VENV)/.installed-site
	$(BIN)/improve lint
	$(BIN)/mkdocs build --strict
	@if [ -n "$(NO_SERVE)" ]; then echo "Built the handbook into site/ (NO_SERVE set: not serving)."; \
	else echo "Serving the handbook on http://$(HOST):$(PORT)/ (Ctrl-C stops)"; \
	$(BIN)/mkdocs serve --dirty --dev-addr $(HOST):$(PORT); fi

## The whole test suite: ruff, mypy, the import contracts, pytest.
test: setup
	$(BIN)/ruff check improve tests tooling
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest -n 2 --cov --cov-report=term:skip-covered --cov-fail-under=85 $(PYTEST_ARGS)

## The fast loop while coding: unit and property tests only (no browser, mkdocs or pre-commit runs).
test-fast: setup
	$(BIN)/pytest -n 2 -q tests/unit tests/property $(PYTEST_ARGS)

bench: setup
	$(BIN)/python tooling/benchmark.py $(BENCH_ARGS)

fuzz: setup
	$(BIN)/python tooling/fuzz.py $(FUZZ_ARGS)

clean:
	rm -rf site .improve-cache .pytest_cache .mypy_cache .ruff_cache
