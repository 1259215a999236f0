# Drilldown. `make run` and `make test` set themselves up on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DAGSTER_HOME ?= $(CURDIR)/.drilldown/dagster_home
export DRILLDOWN_WAREHOUSE ?= $(CURDIR)/.drilldown/warehouse.duckdb

.PHONY: run test ui docs lint bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

# Dagster builds one asset per dbt model from the manifest: re-parse when the project changes.
DBT_SOURCES := $(shell find dbt_project -path dbt_project/target -prune -o -type f \( -name '*.sql' -o -name '*.yml' -o -name '*.md' \) -print)
MANIFEST := dbt_project/target/manifest.json
$(MANIFEST): $(STAMP) $(DBT_SOURCES)
	cd dbt_project && ../$(BIN)/dbt parse --quiet --profiles-dir .

$(DAGSTER_HOME)/dagster.yaml:
	@mkdir -p $(DAGSTER_HOME)
	@printf 'telemetry:\n  enabled: false\n' > $@

run: $(STAMP) $(MANIFEST) $(DAGSTER_HOME)/dagster.yaml ## materialize every asset for the demo universe
	$(BIN)/drilldown run

test: $(STAMP) $(MANIFEST) ## the whole test suite
	$(BIN)/python -m pytest -n 2 --dist loadgroup --durations=15

ui: $(STAMP) $(MANIFEST) $(DAGSTER_HOME)/dagster.yaml ## the Dagster UI on 127.0.0.1:3000
	$(BIN)/dagster dev -h 127.0.0.1 -p 3000 -w workspace.yaml

docs: $(STAMP) $(MANIFEST) ## dbt docs (metric definitions) on 127.0.0.1:8080, from the warehouse `make run` built
	cd dbt_project && ../$(BIN)/dbt docs generate --profiles-dir . && \
		../$(BIN)/dbt docs serve --profiles-dir . --host 127.0.0.1 --port 8080 --no-browser

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python benchmarks/harvest.py
	$(BIN)/python benchmarks/indicators.py
	$(BIN)/python benchmarks/backtest.py
	$(BIN)/python benchmarks/signals.py
	$(BIN)/python benchmarks/execution.py

clean:
	rm -rf .drilldown
