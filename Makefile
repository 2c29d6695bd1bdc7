# contestapp: the two commands of the README are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: setup run demo test test-fast bench translations clean

$(BIN)/flask: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

setup: $(BIN)/flask

## Set up on SQLite, load the demo contests, and serve them on http://127.0.0.1:5000 with the scheduler beside
## (`flask jobs run` in its own process; Ctrl-C stops both)
run: setup
	@scripts/ensure-system.sh fonts || echo "(no CJK font installed: certificates will refuse to print until one is)"
	$(BIN)/flask db upgrade
	$(BIN)/flask demo --url http://127.0.0.1:5000
	BIN=$(BIN) HOST=127.0.0.1 PORT=5000 scripts/run-dev.sh

demo: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask demo

## Set up everything the tests need (Debian packages, PostgreSQL) and run the whole suite on SQLite and PostgreSQL
test: setup
	scripts/ensure-system.sh all
	CONTESTAPP_TEST_DATABASE_URL=$$(scripts/ensure-postgres.sh) $(BIN)/pytest

## The suite on SQLite only, without the system checks (quick local loop)
test-fast: setup
	$(BIN)/pytest -q -m "not browser and not slow"

## Benchmarks: each prints its figures beside the floor measured in the same run
bench: setup
	scripts/ensure-system.sh all
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

translations: setup
	$(BIN)/python scripts/i18n.py

clean:
	rm -rf $(VENV) instance/*.db* .pytest_cache
