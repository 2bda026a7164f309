# Each target sets up what it needs: a fresh machine with Python 3.11 and make is enough.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Reinstall when pyproject.toml changes.
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: demo test lint typecheck clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres]'
	rm -f $(VENV)/.installed-*
	touch $@

## Build the demo database (3,000 realistic cases) and open casedesk on it.
demo: $(STAMP)
	$(BIN)/casedesk demo

## The whole test suite, with the linters first; one test process per core and one
## more, as the tests spend part of their time waiting on their servers and terminals
## (each process starts its own Dovecot and PostgreSQL on free ports). Work-stealing: a
## process that runs out takes tests from the others, so no long test waits at the end.
## The sources are compiled once first: where PYTHONDONTWRITEBYTECODE is set, each test
## process and each `casedesk` a test starts would compile them again (~0.35 s of CPU).
JOBS ?= $(shell echo $$(( $$(nproc) + 1 )))
test: $(STAMP)
	./scripts/test-servers
	$(MAKE) --no-print-directory lint
	$(BIN)/python -m compileall -q cli mail scheduler server store tui
	$(BIN)/python -m pytest -n $(JOBS) --dist worksteal

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

## The static types alone (mypy, configured in pyproject.toml); `lint` runs them too.
typecheck: $(STAMP)
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache *.egg-info
