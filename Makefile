# Two commands: `make run` serves the app on http://127.0.0.1:8000 against an embedded moto server
# with demo data; `make test` runs the whole suite. Both set everything up on a fresh machine.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test browser-deps e2e e2e-cloudformation fuzz bench lint format clean package

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

# The browser tests drive Debian's Chromium (Playwright's own browser download does not work here) and need a
# CJK font for the Chinese pages. Installed once; we run as root on CI's fresh machines.
browser-deps:
	@command -v chromium >/dev/null && fc-list :lang=zh family | grep -q . || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei)

run: $(STAMP)
	$(PY) -m devtools.local_stack

test: $(STAMP) browser-deps
	$(PY) -m pytest

# The end-to-end tests alone; e2e-cloudformation deploys infra/ through moto's CloudFormation first (as CI does).
e2e: $(STAMP)
	$(PY) -m pytest tests/e2e

e2e-cloudformation: $(STAMP)
	BAZAAR_STACK_DEPLOY=cloudformation $(PY) -m pytest tests/e2e

fuzz: $(STAMP)
	$(PY) -m pytest tests/fuzz

bench: $(STAMP)
	$(PY) -m bench.run

# Chalice's SAM template merged with infra/ (data stack, secrets, alarms, dashboard: devtools/template.py),
# linted, into dist/$(STAGE)/. STAGE=dev|prod.
STAGE ?= dev
package: $(STAMP)
	$(PY) -m devtools.package --stage $(STAGE)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf $(VENV) dist .pytest_cache .ruff_cache test-artifacts
