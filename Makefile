# The few verbs a newcomer needs. Everything runs from a local virtualenv (.venv).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup demo test lint bench messages clean

$(STAMP): pyproject.toml
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "dutybot needs Python 3.11 or newer (try: make PY=python3.11 ...)")'
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)  ## create .venv and install dutybot with its test tools

demo: setup  ## open the offline console with a sample community (no Telegram token needed)
	$(BIN)/dutybot console

test: setup  ## run the test suite (SQLite; PostgreSQL too when DUTYBOT_TEST_DATABASE_URL is set)
	$(BIN)/pytest -q

lint: setup  ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: setup  ## run the benchmarks in benchmarks/ (numbers go to docs/benchmarks.md)
	$(BIN)/python -m benchmarks

messages: setup  ## re-extract translatable strings and merge them into the catalogs
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k plain_text:2 -o bot/locales/dutybot.pot --no-location --sort-output --omit-header .
	$(BIN)/pybabel update -i bot/locales/dutybot.pot -d bot/locales -D dutybot --no-fuzzy-matching

clean:
	rm -rf $(VENV) dutybot-console.db* .pytest_cache .mypy_cache .ruff_cache
