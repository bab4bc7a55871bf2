# Two entry points, both idempotent and fast once set up:
#   make demo   set up, then grade the bundled sample class
#   make test   set up, then run the project's tests (as root or as an ordinary user)
#   make serve  set up, then serve the course to the demo roster (links in out/service/tokens.csv)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= out/sample-class
SERVICE ?= out/service
ROSTER ?= samples/roster.csv
# The tests of isolation (the cluster's too: each worker starts a sandbox of its own), and the service's API
# that relies on it: what .ci/run runs again as an ordinary user.
ISOLATION_TESTS := tests/test_attacks.py tests/test_isolation.py tests/test_sandbox.py tests/test_cgroups.py \
	tests/test_cluster.py tests/test_service_api.py

.PHONY: setup demo serve test test-isolation clean

setup: $(STAMP)

# torch is pinned to the CPU build first, so that the project's torch range installs nothing more.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e ".[test,similarity,service,cluster]"
	touch $(STAMP)

# The sample class holds entries that cannot be graded on purpose (a syntax error, a file that is not
# UTF-8...): `grade` then exits 1 with the report written, which is what the demo shows.
demo: setup
	$(BIN)/autograder grade hw2 samples/hw2 --out $(OUT) --timeout 3 --total-timeout 20; \
	status=$$?; test $$status -le 1 || exit $$status

# Tokens are kept when run again (students new in ROSTER get one); the links are in $(SERVICE)/tokens.csv.
serve: setup
	$(BIN)/autograder tokens --data $(SERVICE) --roster $(ROSTER) --out $(SERVICE)/tokens.csv
	$(BIN)/autograder serve --data $(SERVICE)

test: setup
	$(BIN)/python -m pytest

# Of those, what does not depend on who runs it ran once already (as root): the service's suite on
# PostgreSQL (the same requests as on SQLite), and the cluster's retries, resume and lost workers.
ONCE_ONLY := postgresql or killed_client or left_without_workers or killed_mid_batch

test-isolation: setup
	$(BIN)/python -m pytest $(ISOLATION_TESTS) -k "not ($(ONCE_ONLY))"

clean:
	rm -rf $(VENV) out
