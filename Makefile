# Every target bootstraps what it needs (Python venv, node_modules) and is idempotent.
# Nothing here needs an AWS account or credentials except `deploy` and `diff`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CONFIG ?= pki.yaml
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
# cryptography built for the revocation canary's Lambda (linux arm64), so synth needs no network.
CANARY_STAMP := build/canary-lambda/.installed
# The CDK CLI and jsii run on the Node 22 pinned in package.json (Node 20 makes jsii print an
# end-of-life banner), so node_modules/.bin goes first on PATH.
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1
export CDK_DISABLE_VERSION_CHECK := 1

.PHONY: setup synth test lint deploy diff bench clean integ

setup: $(PY_STAMP) $(NODE_STAMP) $(CANARY_STAMP)

$(PY_STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(CANARY_STAMP): $(PY_STAMP) cdk_pca/canary_bundle.py
	$(PY) -m cdk_pca.canary_bundle
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

synth: setup
	$(VENV)/bin/cdk-pca plan --config $(CONFIG)
	cdk synth --quiet --no-notices -c config=$(CONFIG)
	@echo "Templates written to cdk.out/"

# ruff runs here (0.1 s); mypy --strict (a minute cold, aws_cdk's stubs are large) runs in `make lint`.
test: setup
	$(VENV)/bin/ruff check --quiet .
	$(PY) -m pytest -n 2 --dist loadfile -q

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy cdk_pca stacks app.py

deploy: setup
	$(VENV)/bin/cdk-pca plan --config $(CONFIG)
	cdk deploy --no-notices -c config=$(CONFIG)

diff: setup
	cdk diff --no-notices -c config=$(CONFIG)

# The integration tests, deployed for real into the caller's account and region (BILLED: four
# general-purpose CAs for about an hour, see README "Integration tests"): integ-runner deploys
# tests/integ/integ_*.py, runs their assertions, destroys the stacks and updates the snapshots;
# then tests/integ/sweep.py deletes the CAs, buckets and keys the stacks retain. `make test` only
# compares the snapshots, offline.
INTEG_REGION ?= $(or $(AWS_REGION),$(AWS_DEFAULT_REGION),us-east-1)
INTEG_RUNNER = integ-runner --language python --app "$(CURDIR)/$(PY) {filePath}" --directory tests/integ
integ: setup
	@$(PY) -c "import boto3, sys; sys.exit(0 if boto3.session.Session().get_credentials() else 1)" \
		|| { echo "make integ: no AWS credentials (set AWS_PROFILE, or run 'aws sso login'); nothing deployed" >&2; exit 2; }
	status=0; $(INTEG_RUNNER) --update-on-failed --force --parallel-regions $(INTEG_REGION) || status=$$?; \
		$(PY) tests/integ/sweep.py --region $(INTEG_REGION) || status=$$((status ? status : 2)); \
		exit $$status

# Benchmarks, not tests: each prints its figures beside a reference measured in the same run.
# (bench.lookup_calls without --skip-moto also loads 5,000 certificates into moto: ~8 minutes.)
bench: setup
	$(PY) -m bench.synth
	$(PY) -m bench.lookup_calls --skip-moto
	$(PY) -m bench.status_crl

clean:
	rm -rf cdk.out $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
