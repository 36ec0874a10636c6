PY ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)

# Tests use this machine's RabbitMQ and PostgreSQL. Where a Docker engine answers and these are
# not set, the tests start their own with testcontainers instead.
ifneq ($(shell docker info >/dev/null 2>&1 && echo docker),docker)
export COCREATE_TEST_AMQP_URI ?= amqp://guest:guest@127.0.0.1:5672/
export COCREATE_TEST_POSTGRES_URL ?= postgresql+pg8000://postgres@127.0.0.1:5432/test
endif

.PHONY: install browser test test-unit test-service test-integration test-e2e run demo bench definitions docs migrate lint clean

install: $(BIN)/.installed browser ## virtualenv with everything, and a browser for the board's tests

# The board's browser tests drive Debian's chromium (no browser download) with a CJK font; the
# deploy tests run Debian's docker-compose (`config` only: no engine) on the compose file.
# apt-get runs only when something is missing and we are root; otherwise it says what to do.
browser:
	@if [ ! -x /usr/bin/chromium ] || ! dpkg -s fonts-noto-cjk >/dev/null 2>&1 || ! command -v docker-compose >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose; \
	  else \
	    echo "chromium, fonts-noto-cjk or docker-compose missing: as root, apt-get install -y chromium fonts-noto-cjk docker-compose" >&2; \
	  fi; \
	fi

$(BIN)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

test: install ## every test layer (unit, service, integration) and the policy staff's rule cases
	$(BIN)/cocreate topology check
	$(BIN)/cocreate docs check
	$(BIN)/pytest -q -p no:cacheprovider

test-unit: install
	$(BIN)/pytest -q tests/unit

test-service: install
	$(BIN)/pytest -q tests/service

test-integration: install
	$(BIN)/pytest -q tests/integration

test-e2e: install ## the services as `make run` starts them, over HTTP and AMQP
	$(BIN)/pytest -q tests/e2e

definitions: install ## regenerate deploy/rabbitmq/definitions.json from the services' handlers
	$(BIN)/cocreate topology write

docs: install ## regenerate docs/events (AsyncAPI 3.0 + one JSON Schema per event) from the catalogue
	$(BIN)/cocreate docs write

run: install ## every service against RabbitMQ on localhost (no Docker)
	$(BIN)/cocreate topology apply
	$(BIN)/cocreate run

demo: install ## a scenario from the seeds across the running services
	$(BIN)/python -m demo

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache
