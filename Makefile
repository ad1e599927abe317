# The two doors: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_ENV := DEBUG=1
# `make run PORT=8123`: the server listens there, and the links in mails and certificates point there.
PORT ?= 8000
SITE_URL ?= http://127.0.0.1:$(PORT)
# Hashed lock files (`make lock` writes them): runtime for the Docker image, dev (runtime,
# test tools and checkers) for everything here.
LOCK_RUNTIME := requirements/runtime.txt
LOCK_DEV := requirements/dev.txt
LOCK_INPUTS := pyproject.toml requirements/build.in
UV_COMPILE = $(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command 'make lock' $(LOCK_ARGS)

.PHONY: run test install assets messages migrate signing-key demo lint mutate lock bench clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Every package from the lock, checked against its hashes; then the project itself, built
# with the locked setuptools.
$(STAMP): $(BIN)/python pyproject.toml $(LOCK_DEV)
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK_DEV)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Rewrites both locks from pyproject.toml, keeping the pinned versions that still fit;
# `make lock LOCK_ARGS=--upgrade` moves everything to the newest, or
# LOCK_ARGS='--upgrade-package django' one package. The dev lock is constrained by the
# runtime one, so the image and the tests run the same versions.
lock: $(STAMP)
	$(UV_COMPILE) $(LOCK_INPUTS) -o $(LOCK_RUNTIME)
	$(UV_COMPILE) --extra test --extra dev -c $(LOCK_RUNTIME) $(LOCK_INPUTS) -o $(LOCK_DEV)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

install: $(STAMP) node_modules/.package-lock.json messages

assets: node_modules/.package-lock.json

# Compiled translations are built, not committed.
messages: $(STAMP)
	$(DEV_ENV) $(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules -v0

migrate: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput -v0

# A self-signed development pair for the certificate PDFs and credentials (signing/, ignored by
# git); kept when it exists. Production mounts the real keys (README, "Verifying a certificate").
signing-key: install
	$(DEV_ENV) $(BIN)/python manage.py make_signing_key

demo: migrate signing-key
	$(DEV_ENV) SITE_URL=$(SITE_URL) $(BIN)/python manage.py seed_demo

run: demo
	@echo ""
	@echo "Portal: $(SITE_URL)/  (English /en/, Polish /pl/, Romanian /ro/)"
	@echo "E-mails (vote confirmation links) are printed below in this terminal."
	@echo ""
	$(DEV_ENV) SITE_URL=$(SITE_URL) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(BIN)/python -m pytest

# Benchmarks on PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/portal);
# they build throw-away databases next to it. http_load also needs wrk and redis-server.
bench: install
	$(BIN)/python bench/tally_fraud.py --votes 1000000
	$(BIN)/python bench/http_load.py

# Checkers configured in pyproject.toml.
lint: install
	$(DEV_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	$(DEV_ENV) $(BIN)/python manage.py check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(DEV_ENV) $(BIN)/mypy

# Mutation testing of the rule modules ([tool.mutmut]), on SQLite without Redis; long.
# `$(BIN)/mutmut results` lists the survivors afterwards, `$(BIN)/mutmut browse` shows them.
mutate: install
	env -u DATABASE_URL -u REDIS_URL $(BIN)/mutmut run

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3 mutants
