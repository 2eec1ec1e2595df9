# AidBridge: `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install demo serve test lint format services browser bench fuzz restore-drill lock clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --constraint requirements.lock --editable '.[dev]'
	touch $@

install: $(INSTALLED) ## Create the virtual environment and install AidBridge with dev tools

demo: install ## Run the product on embedded defaults with demo data (http://127.0.0.1:8000)
	$(BIN)/aidbridge migrate
	$(BIN)/aidbridge seed-demo
	$(BIN)/aidbridge serve

services: ## Make sure PostgreSQL and Redis are running (starts them when down)
	scripts/ensure-services.sh

browser: ## Make sure headless Chromium is installed for the browser tests
	scripts/ensure-chromium.sh

test: install services browser ## Run the whole test suite on real PostgreSQL, Redis, arq and Chromium
	$(BIN)/pytest

lint: install ## ruff (lint and format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy backend matching search admin

format: install ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install services ## Run the benchmarks under bench/ and print their figures
	@failed=""; for script in bench/bench_*.py; do echo "== $$script"; \
		$(BIN)/python $$script || failed="$$failed $$script"; done; \
	if [ -n "$$failed" ]; then echo "budget missed:$$failed"; exit 1; fi

fuzz: install services ## Schemathesis over the whole API on PostgreSQL, as staff and as an organisation member
	$(BIN)/python scripts/fuzz.py $(FUZZ_ARGS)

restore-drill: install services ## Back up, restore into fresh databases (PostgreSQL, SQLite), verify ledger and search
	$(BIN)/python scripts/restore_drill.py --entries $${DRILL_ENTRIES:-100000}

lock: ## Re-pin requirements.lock from a fresh resolve of pyproject.toml
	rm -rf /tmp/aidbridge-lock && $(PYTHON) -m venv /tmp/aidbridge-lock
	/tmp/aidbridge-lock/bin/pip install --quiet '.[dev]'
	/tmp/aidbridge-lock/bin/pip freeze --exclude-editable | grep -v '^aidbridge' > requirements.lock

clean: ## Remove the virtual environment and local data under var/
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
