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

.PHONY: setup synth test lint deploy diff bench clean integ integ-snapshots

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

# checkov pins an older pytest than the tests use: its own venv, made by `make lint` only.
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
SCAN_CONFIGS := pki.yaml $(sort $(wildcard examples/*.yaml))
SCAN_OUT := cdk.out.scan

$(CHECKOV_STAMP): requirements-checkov.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	touch $@

lint: setup $(CHECKOV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy cdk_pca stacks app.py
	rm -rf $(SCAN_OUT)
	for config in $(SCAN_CONFIGS); do \
		cdk synth --quiet --no-notices -o $(SCAN_OUT)/$$(basename $$config .yaml) -c config=$$config || exit 1; \
	done
	# Zero unsuppressed findings; each suppression is in the template metadata with its reason.
	# --skip-download: offline, no Prisma Cloud guidelines.
	$(CHECKOV_VENV)/bin/checkov --directory $(SCAN_OUT) --framework cloudformation \
		--skip-download --compact --quiet

# Without credentials CDK itself only says "Unable to resolve AWS account to use": say what to do,
# in one line, before it starts. $(call require_aws_credentials,TARGET,WHAT DID NOT HAPPEN)
define require_aws_credentials
@$(PY) -c "import boto3, sys; sys.exit(0 if boto3.session.Session().get_credentials() else 1)" 2>/dev/null \
	|| { echo "make $(1): no AWS credentials: run 'aws configure' (or 'aws sso login'), or set AWS_PROFILE to a configured profile; a new account or region also needs 'cdk bootstrap' once; $(2)" >&2; exit 2; }
endef

deploy: setup
	$(call require_aws_credentials,deploy,nothing deployed)
	$(VENV)/bin/cdk-pca plan --config $(CONFIG)
	cdk deploy --no-notices -c config=$(CONFIG)

diff: setup
	$(call require_aws_credentials,diff,nothing compared)
	cdk diff --no-notices -c config=$(CONFIG)

# The integration tests, deployed for real into the caller's account and region (BILLED: four
# general-purpose CAs for about an hour, see README "Integration tests"): integ-runner deploys
# tests/integ/integ_*.py, runs their assertions, destroys the stacks and updates the snapshots;
# then tests/integ/sweep.py deletes the CAs, buckets and keys the stacks retain. `make test` only
# compares the snapshots, offline.
INTEG_REGION ?= $(or $(AWS_REGION),$(AWS_DEFAULT_REGION),us-east-1)
INTEG_RUNNER = integ-runner --language python --app "$(CURDIR)/$(PY) {filePath}" --directory tests/integ
integ: setup
	$(call require_aws_credentials,integ,nothing deployed)
	status=0; $(INTEG_RUNNER) --update-on-failed --force --parallel-regions $(INTEG_REGION) || status=$$?; \
		$(PY) tests/integ/sweep.py --region $(INTEG_REGION) || status=$$((status ? status : 2)); \
		exit $$status

# The integ snapshots after a change to the stacks, without deploying (integ-runner --dry-run
# synthesizes and rewrites them; no AWS call). `make integ` proves the change in an account.
integ-snapshots: setup
	$(INTEG_RUNNER) --dry-run --update-on-failed --force

# Benchmarks, not tests: each prints its figures beside a reference measured in the same run.
# (bench.lookup_calls without --skip-moto also loads 5,000 certificates into moto: ~8 minutes.)
bench: setup
	$(PY) -m bench.synth
	$(PY) -m bench.lookup_calls --skip-moto
	$(PY) -m bench.status_crl

clean:
	rm -rf cdk.out $(SCAN_OUT) $(VENV) $(CHECKOV_VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
