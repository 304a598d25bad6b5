# Two commands for a newcomer: `make report` and `make test`. Each installs what it
# needs into .venv first (from uv.lock, so every machine gets the same versions).

PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
YEAR ?= 2025
export UV_PYTHON_DOWNLOADS := never
# Compile bytecode at install: every command then starts warm, even on a fresh machine.
export UV_COMPILE_BYTECODE := 1
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: install bench-install report test lint ui ui-readonly sample-data clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet --python $(PYTHON)
	touch $@

# uv compiles site-packages only, and PYTHONDONTWRITEBYTECODE (set on some machines) keeps
# Python from caching the project's own modules: compile them here, again only when a
# source is newer than the last compile (compileall itself recompiles every hash-based
# pyc). checked-hash: a pyc is used only while its source's hash still matches, so an
# edited or checked-out file runs its new code whatever its mtime.
PROJECT_SOURCES := cicopa pipelines reports web schemas
PROJECT_PY := $(shell find $(PROJECT_SOURCES) -name '*.py')

$(VENV)/.compiled: $(VENV)/.installed $(PROJECT_PY)
	$(VENV)/bin/python -m compileall -q -j0 --invalidation-mode checked-hash $(PROJECT_SOURCES)
	touch $@

install: $(VENV)/.compiled

# Tools with heavy dependencies get environments of their own, never .venv: pandera
# imports pandas into every process of an environment that has it (46 MiB, and half
# a second at every start: `import pandera.polars` 0.85 s against 0.35 s).
# The tests' independent SDMX reader (sdmx1 needs pandas):
SDMX_READER := $(TOOLS)/sdmx-reader
$(SDMX_READER)/.installed: $(UV) tools/sdmx_reader/pyproject.toml tools/sdmx_reader/uv.lock
	UV_PROJECT_ENVIRONMENT=$(CURDIR)/$(SDMX_READER) $(UV) sync --frozen --quiet \
		--project tools/sdmx_reader --python $(PYTHON)
	touch $@

# The benchmarks' pandas peer and matplotlib (the bench group), beside the project.
BENCH_VENV := .venv-bench
$(BENCH_VENV)/.installed: $(UV) pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=$(CURDIR)/$(BENCH_VENV) $(UV) sync --frozen --quiet \
		--group bench --python $(PYTHON)
	touch $@

## The benchmarks' second environment (benchmarks/pipeline.py runs its peer there).
bench-install: install $(BENCH_VENV)/.installed

## Build the sample annual report for the latest sample year and print where it is.
report: install
	$(VENV)/bin/cicopa build --year $(YEAR)

# Tests run on every core, each module (or group of modules sharing a build, see
# tests/conftest.py) in one worker. Their temporary folders go to memory when the
# machine has /dev/shm: a build's SQLite instance syncs to disk on every event, a cost
# of the machine's disk, not of the code under test. One folder per checkout, so two
# clones never clear each other's.
TEST_TMP ?= $(shell [ -d /dev/shm ] && [ -w /dev/shm ] && \
	echo /dev/shm/cicopa-tests-$$(printf %s "$(CURDIR)" | sha256sum | cut -c1-12))
PYTEST_ARGS ?= -n auto --dist loadfile $(if $(TEST_TMP),--basetemp=$(TEST_TMP))

## The whole test suite (lint first: it is the cheapest check).
test: install $(SDMX_READER)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## The Dagster UI on http://127.0.0.1:3000 with the daemon (schedule, sensor).
ui: install
	$(VENV)/bin/cicopa ui

## The same UI read-only, for auditors: browse everything, run nothing.
ui-readonly: install
	$(VENV)/bin/cicopa ui --read-only

## Regenerate the committed sample data (deterministic: no diff expected).
sample-data: install
	$(VENV)/bin/python -m tools.generate_sample_data

clean:
	rm -rf out .dagster_home/storage .dagster_home/history .dagster_home/schedules .pytest_cache
