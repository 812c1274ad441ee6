# e呼应 — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
export HOST PORT

.PHONY: run test setup install schema clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet '.[test]'
	touch $(STAMP)

install: $(STAMP)

setup: $(STAMP)
	DEMO=$${DEMO:-1} $(PY) -m db.manage setup

run: setup
	DEMO=$${DEMO:-1} $(VENV)/bin/uvicorn app:app --host $(HOST) --port $(PORT) --proxy-headers --ws-ping-interval 20 --ws-ping-timeout 20

test: $(STAMP)
	$(PY) -m tests.runner

# Rewrite the committed SDL after a schema change (a test fails until you do).
schema: $(STAMP)
	$(PY) -c "from schema import schema; open('schema.graphql','w').write(schema.as_str() + '\n')"

clean:
	rm -rf $(VENV) var
