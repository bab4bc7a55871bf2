# Two entry points, both idempotent and fast once set up:
#   make demo   set up, then grade the bundled sample class
#   make test   set up, then run the project's tests (as root or as an ordinary user)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= out/sample-class
# The tests of isolation (the cluster's too: each worker starts a sandbox of its own): what .ci/run runs
# again as an ordinary user.
ISOLATION_TESTS := tests/test_attacks.py tests/test_isolation.py tests/test_sandbox.py tests/test_cgroups.py tests/test_cluster.py

.PHONY: setup demo test test-isolation clean

setup: $(STAMP)

# torch is pinned to the CPU build first, so that the project's torch range installs nothing more.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e ".[test,cluster]"
	touch $(STAMP)

# The sample class holds entries that cannot be graded on purpose (a syntax error, a file that is not
# UTF-8...): `grade` then exits 1 with the report written, which is what the demo shows.
demo: setup
	$(BIN)/autograder grade hw2 samples/hw2 --out $(OUT) --timeout 3 --total-timeout 20; \
	status=$$?; test $$status -le 1 || exit $$status

test: setup
	$(BIN)/python -m pytest

test-isolation: setup
	$(BIN)/python -m pytest $(ISOLATION_TESTS)

clean:
	rm -rf $(VENV) out
