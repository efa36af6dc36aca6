# Every target creates .venv and installs what it needs when that is missing or stale.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR := $(CURDIR)/.demo
DEMO_DB ?= sqlite:///$(DEMO_DIR)/demo.db
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run demo-server serve test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# One stamp per extra; it is stale whenever pyproject.toml changes.
$(VENV)/.installed-%: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[$*]'
	touch $@

# The demo: the embedded server on SQLite with the seeded challenge, and the app signed in.
run: $(VENV)/.installed-server
	$(BIN)/change-challenge demo $(DEMO_ARGS)

# The demo as a plain server, for curl and scripts.
demo-server: $(VENV)/.installed-server
	CHALLENGE_DATABASE_URL=$(DEMO_DB) $(BIN)/change-challenge seed demo
	@echo "Demo server: http://$(HOST):$(PORT)/api/v1/  (API reference: http://$(HOST):$(PORT)/openapi.json)"
	CHALLENGE_DATABASE_URL=$(DEMO_DB) $(BIN)/change-challenge serve --host $(HOST) --port $(PORT)

serve: $(VENV)/.installed-server
	$(BIN)/change-challenge serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(DEMO_DIR) bench/out .pytest_cache .mypy_cache .ruff_cache
