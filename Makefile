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

.PHONY: install test test-unit test-service test-integration test-e2e run demo bench definitions migrate lint clean

install: $(BIN)/.installed ## virtualenv with everything

$(BIN)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

test: install ## every test layer (unit, service, integration) and the policy staff's rule cases
	$(BIN)/cocreate topology check
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

run: install ## every service against RabbitMQ on localhost (no Docker)
	$(BIN)/cocreate topology apply
	$(BIN)/cocreate run

demo: install ## a scenario from the seeds across the running services
	$(BIN)/python -m demo

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache
