# Two commands: `make run` serves the app on http://127.0.0.1:8000 against an embedded moto server
# with demo data; `make test` runs the whole suite. Both set everything up on a fresh machine.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test browser-deps e2e e2e-cloudformation fuzz bench lint format clean package deploy deploy-dry-run \
	smoke smoke-local check-workflows rotate-cursor-secret

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

# The browser tests drive Debian's Chromium (Playwright's own browser download does not work here) and need a
# CJK font for the Chinese pages and a Uyghur one (UKIJ, Arabic script) for the Uyghur pages. Installed once; we run
# as root on CI's fresh machines.
browser-deps:
	@command -v chromium >/dev/null && fc-list :lang=zh family | grep -q . && fc-list | grep -q UKIJ || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei \
			fonts-ukij-uyghur)

run: $(STAMP)
	$(PY) -m devtools.local_stack

# The suite runs on every core, up to 4 (pytest-xdist); a file's tests stay together, in order, on one worker
# (the browser and e2e files share one local stack per file). TEST_WORKERS=0 runs it in this process.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ $$n -gt 4 ] && n=4; echo $$n)
test: $(STAMP) browser-deps
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --durations=25

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

# Package, upload, deploy the stack, print the API URL, media URL and user pool id (devtools/deploy.py). Refuses a
# stage account other than infra/stages.json's, and prod from a dirty tree or a commit that is not a version tag.
deploy: $(STAMP)
	$(PY) -m devtools.deploy --stage $(STAGE)

# The same deploy against a moto server, to "stack created" and the outputs (what it covers: devtools/deploy_dry_run.py).
deploy-dry-run: $(STAMP)
	$(PY) -m devtools.deploy_dry_run --stage $(STAGE)

# A short end-to-end check of any deployed API: make smoke URL=https://.../api (SMOKE_EMAIL, SMOKE_PASSWORD).
smoke: $(STAMP)
	@test -n "$(URL)" || (echo "usage: make smoke URL=<api url>" >&2; exit 2)
	$(PY) -m devtools.smoke --url "$(URL)"

# make smoke against a freshly started local stack (as CI runs it), with the demo buyer.
smoke-local: $(STAMP)
	$(PY) -m devtools.smoke --local

# New cursor-signing key on a stage; the previous one keeps verifying for an hour (devtools/secrets.py).
rotate-cursor-secret: $(STAMP)
	$(PY) -m devtools.secrets rotate cursor --stage $(STAGE)

# The GitHub workflows against the GitHub workflow schema (bundled with check-jsonschema: works offline).
check-workflows: $(STAMP)
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf $(VENV) dist .pytest_cache .ruff_cache .mypy_cache test-artifacts
