# Two commands for a newcomer: `make demo` runs everything, `make test` runs the whole suite.
# Both use PostgreSQL/Redis from DATABASE_URL/REDIS_URL, or start embedded ones when unset.

PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
RUN_WITH_SERVICES := $(BIN)/python -m xeno.devservers --

.PHONY: demo test lint format install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: $(VENV)/.installed
	$(RUN_WITH_SERVICES) $(BIN)/python -m xeno.demo

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(RUN_WITH_SERVICES) sh -c 'DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run && $(BIN)/python -m pytest $(PYTEST_ARGS)'

clean:
	rm -rf .data test-artifacts
