# The two commands of the README: `make run` and `make test`. Each sets itself up on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint typecheck contracts pytest services clean vendor-swagger-ui

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/starshop run

services:
	@scripts/ensure-services

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

typecheck: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

pytest: $(STAMP) services
	$(BIN)/pytest

test: lint typecheck contracts pytest

bench: $(STAMP) services
	$(BIN)/python bench/run_all.py

# The API docs page's assets, shipped in the package (static/swagger-ui): the npm package's files, unmodified.
SWAGGER_UI ?= 5.18.2
SWAGGER_DIR := src/starshop/entrypoints/web/static/swagger-ui
vendor-swagger-ui:
	tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent swagger-ui-dist@$(SWAGGER_UI) >/dev/null && tar xzf *.tgz && \
	cd $(CURDIR) && for f in swagger-ui-bundle.js swagger-ui-standalone-preset.js swagger-ui.css favicon-32x32.png \
	LICENSE NOTICE; do cp $$tmp/package/$$f $(SWAGGER_DIR)/; done && rm -rf $$tmp
	sed -i 's/swagger-ui-dist` [0-9.]*/swagger-ui-dist` $(SWAGGER_UI)/' $(SWAGGER_DIR)/README.md

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
