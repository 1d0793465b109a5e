# The two commands of the README: `make run` and `make test`. Each sets itself up on a fresh clone, from the lock
# files in requirements/ (exact versions and hashes): `make run` installs what the shop runs on, `make test` the dev
# tools too. After changing the dependencies in pyproject.toml, `make lock` writes the lock files again.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed
PIP := $(BIN)/python -m pip install --quiet
UV ?= uv
LOCK := $(UV) pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes --no-header --quiet

.PHONY: run test bench lint typecheck contracts pytest services lock clean vendor-swagger-ui

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUNTIME): requirements/runtime.txt pyproject.toml | $(BIN)/python
	$(PIP) --require-hashes -r requirements/runtime.txt
	$(PIP) --no-deps -e .
	touch $(RUNTIME)

$(DEV): requirements/dev.txt pyproject.toml | $(BIN)/python
	$(PIP) --require-hashes -r requirements/dev.txt
	$(PIP) --no-deps -e .
	touch $(DEV) $(RUNTIME)

run: $(RUNTIME)
	$(BIN)/starshop run

services:
	@scripts/ensure-services

lint: $(DEV)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

typecheck: $(DEV)
	$(BIN)/mypy

contracts: $(DEV)
	$(BIN)/lint-imports

pytest: $(DEV) services
	$(BIN)/pytest

test: lint typecheck contracts pytest

bench: $(DEV) services
	$(BIN)/python bench/run_all.py

# uv resolves for every platform (--universal); `pip install uv` gives it. No index address is written.
lock:
	$(LOCK) -o requirements/runtime.txt
	$(LOCK) --extra dev -o requirements/dev.txt

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
