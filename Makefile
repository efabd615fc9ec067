# ml-connector: every target works from a fresh clone.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv demo test test-all test-slow check bench services broker clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

## make demo: start every emulator on localhost and run the integrations (twice: full, then incremental)
demo: $(STAMP)
	$(BIN)/ml-connector demo

## make test: the suite that must pass (needs PostgreSQL: see README "Tests")
test: $(STAMP) services
	$(BIN)/pytest -q -m "not slow" -p no:cacheprovider

## make test-slow: chaos tests and large volumes
test-slow: $(STAMP) services broker
	$(BIN)/pytest -q -m slow -p no:cacheprovider

test-all: test test-slow

## make check: lint, format check, mypy strict on src
check: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src

## make bench: one table, baselines measured in the same run
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

## make services: start the local PostgreSQL if it is not running (tests use it); install Debian's
## chromium for the browser test if it is missing (best effort: without it that one test is skipped)
services:
	@pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null || \
	  (pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start 2>/dev/null || true)
	@test -x /usr/bin/chromium || \
	  ((apt-get update -qq && apt-get install -y -qq chromium) >/dev/null 2>&1 || \
	   echo "chromium not installed: the browser test will be skipped")

## make broker: start the local RabbitMQ (5672, guest/guest) if it is not running (the Celery tests use it;
## they start their own redis-server and a private RabbitMQ node for the restart test)
broker:
	@$(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5672), 2)" 2>/dev/null || \
	  (rabbitmq-server -detached >/dev/null 2>&1 && \
	   for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do \
	     $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5672), 2)" 2>/dev/null && break; sleep 2; \
	   done) || echo "RabbitMQ is not running on 5672: the Celery tests on RabbitMQ will fail"

clean:
	rm -rf $(VENV) .ml-connector-demo .pytest_cache
