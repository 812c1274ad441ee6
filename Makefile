# e呼应 — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
export HOST PORT

.PHONY: run test setup install schema clean console bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet '.[test]'
	touch $(STAMP)

install: $(STAMP)

setup: $(STAMP)
	DEMO=$${DEMO:-1} $(PY) -m db.manage setup

run: setup console
	DEMO=$${DEMO:-1} $(VENV)/bin/uvicorn app:app --host $(HOST) --port $(PORT) --proxy-headers --ws-ping-interval 20 --ws-ping-timeout 20 --ws-max-size 1048576

test: $(STAMP) console
	$(PY) -m tests.runner

# The web console (console/, Vite): rebuilt when console/dist is missing or older than its
# sources. Without Node.js the server still runs and /console says how to build it.
CONSOLE_SRC := $(shell find console/src -type f 2>/dev/null) console/index.html console/vite.config.js \
               console/package.json console/package-lock.json

console: console/dist/index.html

console/dist/index.html: $(CONSOLE_SRC)
	@if command -v npm >/dev/null 2>&1; then \
	  cd console && npm ci --no-audit --no-fund && npm run build; \
	else \
	  echo "npm not found: console not built (needs Node.js 20.19+); /console will say so"; \
	fi

# Rewrite the committed SDL after a schema change (a test fails until you do).
schema: $(STAMP)
	$(PY) -c "from schema import schema; open('schema.graphql','w').write(schema.as_str() + '\n')"

# Benchmarks (bench/README.md). `make bench`: the HTTP query benchmark (bench/http_bench.py) on the
# 235,000-request PostgreSQL dataset (made once by bench/dataset.py), against PostGraphile
# (installed into a scratch folder by bench/peers/postgraphile.sh) and the asyncpg floor.
# More arguments: make bench BENCH_ARGS='--ours-rev da579a3 --queries wall,node --rounds 1'
BENCH_REQUESTS ?= 235000
BENCH_SERVER   ?= postgresql://postgres@127.0.0.1:5432
BENCH_ARGS     ?=

bench: $(STAMP)
	@if [ -f bench/dataset.py ]; then \
	  $(PY) bench/dataset.py --requests $(BENCH_REQUESTS) --server $(BENCH_SERVER) || exit 1; \
	else \
	  echo "bench/dataset.py is not there: cannot make ehy_bench_$(BENCH_REQUESTS); using it as it is (or pass BENCH_ARGS='--database NAME')"; \
	fi
	@if [ -x bench/peers/postgraphile.sh ]; then \
	  bench/peers/postgraphile.sh install || echo "PostGraphile did not install: the benchmark runs without it"; \
	else \
	  echo "bench/peers/postgraphile.sh is not there: the benchmark runs without PostGraphile"; \
	fi
	$(PY) bench/http_bench.py --database ehy_bench_$(BENCH_REQUESTS) --server $(BENCH_SERVER) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var console/dist
