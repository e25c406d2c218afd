# Jiayuan — the two commands of the README:
#   make demo   set up everything on a fresh machine (SQLite) and serve http://127.0.0.1:8000
#               (make demo PORT=8100 serves on another port)
#   make test   run the whole test suite (DATABASE_URL picks PostgreSQL; default SQLite)
SHELL := /bin/bash
PYTHON ?= python3.11
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
VENDOR := src/jiayuan/web/static/vendor

.PHONY: demo test setup static serve bench loadtest clean messages

# The background worker (roster imports) runs beside the web server, supervised: a worker
# that dies (killed, or aborted by a native library) is started again, with a back-off,
# and the import it was running is marked failed (retryable). Ctrl-C stops both.
demo: setup
	JIAYUAN_BIND=127.0.0.1:$(PORT) $(BIN)/jiayuan demo-setup
	@trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/jiayuan worker --supervise --verbosity 0 & worker=$$!; \
	echo "后台任务程序已启动（jiayuan worker --supervise，pid $$worker）"; \
	$(BIN)/jiayuan serve --bind 127.0.0.1:$(PORT)

test: setup
	scripts/ensure-chromium
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: $(VENV)/.installed $(VENDOR)/.built

$(VENV)/.installed: pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "需要 Python 3.11（$(PYTHON)）"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@

$(VENDOR)/.built: frontend/package.json frontend/package-lock.json
	@command -v npm >/dev/null || { echo "需要 Node.js 和 npm 来安装前端依赖"; exit 1; }
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/fonts
	cp frontend/node_modules/bootstrap/dist/css/bootstrap.min.css frontend/node_modules/bootstrap/dist/js/bootstrap.bundle.min.js $(VENDOR)/
	cp frontend/node_modules/bootstrap-icons/font/bootstrap-icons.min.css $(VENDOR)/
	cp frontend/node_modules/bootstrap-icons/font/fonts/* $(VENDOR)/fonts/
	cp frontend/node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	cp frontend/node_modules/echarts/dist/echarts.min.js $(VENDOR)/
	touch $@

# Re-extract the texts into src/jiayuan/locale/en (N_ templates included, tests ignored),
# compile the .mo and list the entries still untranslated or fuzzy.
messages:
	PYTHON=$(CURDIR)/$(BIN)/python scripts/update-translations

bench: setup
	$(BIN)/python bench/search.py

# A working day under load (bench/loadtest/run.py; docs/performance.md, "Load"): the PostgreSQL
# database jiayuan_bench_load with 1,000,000 persons (made once, reused), gunicorn with the
# production unit's settings on 127.0.0.1, USERS locust users for DURATION, then p50/p95/p99
# per request kind, errors, throughput, imports and exports. Not part of `make test`.
USERS ?= 200
DURATION ?= 10m
loadtest: setup
	$(BIN)/python bench/loadtest/run.py --users $(USERS) --duration $(DURATION)

clean:
	rm -rf $(VENV) var frontend/node_modules $(VENDOR)
