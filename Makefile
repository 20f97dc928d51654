# The two commands of the README: `make run` and `make test`.
# `make install` installs what the platform needs to run (requirements.txt); `make install-dev` adds the test and
# lint tools (requirements-dev.txt), which `make test` and `make lint` use and production never gets.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test install install-dev migrate demo lint bandit bench worker beat messages clean

$(STAMP): requirements.txt package.json
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@if command -v npm >/dev/null 2>&1; then npm ci --silent --no-audit --no-fund || npm install --silent --no-audit --no-fund; \
	  else echo "npm not found: maps and charts need Node.js (npm) for their front-end packages"; fi
	@touch $(STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(DEV_STAMP)

install: $(STAMP)

install-dev: $(DEV_STAMP)

migrate: install
	@mkdir -p var
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput

demo: migrate
	DEBUG=$${DEBUG:-1} $(PY) manage.py seed_demo

run: demo
	@echo "Veiligheidsplatform: http://127.0.0.1:$(PORT)/  (demo-accounts: zie README)"
	DEBUG=$${DEBUG:-1} $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install-dev
	$(PY) -m pytest -q $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(MAKE) --no-print-directory bandit

# Security lint of the platform's code (pyproject.toml [tool.bandit]); each finding kept is marked `# nosec <ID>  # why`.
bandit: install-dev
	$(VENV)/bin/bandit -c pyproject.toml -r . -q

worker: install
	$(VENV)/bin/celery -A veiligheid worker --loglevel=info

beat: install
	$(VENV)/bin/celery -A veiligheid beat --loglevel=info

# Benchmarks on separate PostgreSQL databases (never the platform's own): 10 million addresses with one client, then
# gunicorn with 32 concurrent clients and a bulk check alongside, beside the code before issue 9 (README "Benchmarks").
# Quick smoke run: BENCH_ARGS="--addresses 20000 --signals 2000 --duration 5"; also --skip-volume, --no-baseline.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/vp_bench
bench: install
	DEBUG=1 $(PY) manage.py bench_load --database-url $(BENCH_DATABASE_URL) $(BENCH_ARGS)

messages: install
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=node_modules
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

clean:
	rm -rf $(VENV) var node_modules
