# MatchApp: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
PORT ?= 5000

.PHONY: run test test-sqlite test-postgres translations translations-update bench clean

$(VENV)/.installed: requirements.txt requirements-model.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	sh tools/install-env.sh $(PY)
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Compiled catalogs (.mo) are build output, not committed.
translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile -d matchapp/translations

# After adding strings: refresh the catalogs, then translate the new entries in messages.po.
translations-update: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--project MatchApp -o matchapp/translations/messages.pot .
	$(VENV)/bin/pybabel update -i matchapp/translations/messages.pot -d matchapp/translations --no-fuzzy-matching

run: $(VENV)/.installed translations
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	@echo
	@$(FLASK) demo-logins
	@echo
	@echo "MatchApp is running at http://127.0.0.1:$(PORT)/"
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# Redocly's linter for the OpenAPI document (tests/test_api_lint.py), from the npm registry, pinned by its lock file.
REDOCLY := tools/redocly/node_modules/.bin/redocly

$(REDOCLY): tools/redocly/package.json tools/redocly/package-lock.json
	npm ci --prefix tools/redocly --no-audit --no-fund --silent
	touch $@

test: $(VENV)/.installed-dev $(REDOCLY) translations test-sqlite test-postgres

test-sqlite:
	env -u TEST_DATABASE_URL $(PY) -m pytest -q tests

# Runs only when TEST_DATABASE_URL points at a PostgreSQL server; CI must set it.
test-postgres:
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		$(PY) -m pytest -q tests; \
	elif [ "$$CI" = "true" ]; then \
		echo "TEST_DATABASE_URL is not set: CI must run the suite on PostgreSQL" >&2; exit 1; \
	else \
		echo "TEST_DATABASE_URL not set: skipping the PostgreSQL pass (see README)"; \
	fi

BENCHMARKS := bench/quality.py bench/matching.py bench/fuzz.py bench/enumeration.py bench/load.py

bench: $(VENV)/.installed-dev
	set -e; for f in $(BENCHMARKS); do echo "== $$f"; $(PY) $$f; done

clean:
	rm -rf $(VENV) instance test-output
