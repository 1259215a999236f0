# Drilldown. `make run` and `make test` set themselves up on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DAGSTER_HOME ?= $(CURDIR)/.drilldown/dagster_home
export DRILLDOWN_WAREHOUSE ?= $(CURDIR)/.drilldown/warehouse.duckdb

.PHONY: run test ui lint bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

$(DAGSTER_HOME)/dagster.yaml:
	@mkdir -p $(DAGSTER_HOME)
	@printf 'telemetry:\n  enabled: false\n' > $@

run: $(STAMP) $(DAGSTER_HOME)/dagster.yaml ## materialize every asset for the demo universe
	$(BIN)/drilldown run

test: $(STAMP) ## the whole test suite
	$(BIN)/python -m pytest -n 2 --dist loadgroup

ui: $(STAMP) $(DAGSTER_HOME)/dagster.yaml ## the Dagster UI on 127.0.0.1:3000
	$(BIN)/dagster dev -h 127.0.0.1 -p 3000 -w workspace.yaml

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python benchmarks/harvest.py
	$(BIN)/python benchmarks/indicators.py

clean:
	rm -rf .drilldown
