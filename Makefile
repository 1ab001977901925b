# Development entry points. Every target sets up .venv on first use and rebuilds it
# whenever the packaging files change, so a fresh clone needs nothing but python3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# A second environment with the oldest releases that pyproject.toml allows.
OLDEST_VENV := .venv-oldest
OLDEST_BIN := $(OLDEST_VENV)/bin
OLDEST_STAMP := $(OLDEST_VENV)/.installed
PYTEST_ARGS ?=
# Two workers keep the suite within CI's budget on a 2-core machine.
PYTEST_WORKERS ?= 2

.PHONY: venv test test-oldest fuzz lint format report bench reproduce docs clean

venv: $(STAMP)

$(STAMP): setup.cfg pyproject.toml constraints-dev.txt
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints-dev.txt -e ".[all,test]"
	touch $(STAMP)

# .pre-commit-config.yaml runs the same two commands before each commit.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Binary wheels only: an old release without a wheel for this Python must fail
# the install at once rather than compile for an hour.
$(OLDEST_STAMP): setup.cfg pyproject.toml constraints-oldest.txt
	rm -rf $(OLDEST_VENV)
	$(PYTHON) -m venv $(OLDEST_VENV)
	$(OLDEST_BIN)/python -m pip install --quiet --upgrade pip
	$(OLDEST_BIN)/python -m pip install --quiet --only-binary=:all: \
		-c constraints-oldest.txt -e ".[all,test]"
	touch $(OLDEST_STAMP)

# The suite against the declared floors of numpy, scipy, scikit-learn and numba.
test-oldest: $(OLDEST_STAMP)
	$(OLDEST_BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The fuzz suite with its long profile; the table of calls tried goes to fuzz-report.md.
fuzz: $(STAMP)
	FUZZ=long FUZZ_REPORT=fuzz-report.md $(BIN)/python -m pytest -n $(PYTEST_WORKERS) \
		-p no:cacheprovider tests/test_fuzz_estimators.py tests/test_fuzz_inspection.py \
		tests/test_fuzz_metrics.py

report: $(STAMP)
	$(BIN)/skadv report --out report

# Quick mode of every benchmark; each refreshes its table in benchmarks/results/.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.bench_linear --quick
	$(BIN)/python -m benchmarks.bench_ig --quick
	$(BIN)/python -m benchmarks.bench_nets --quick

reproduce: $(STAMP)
	$(BIN)/python -m benchmarks.reproduce_paper $(if $(FULL),--full,--quick)

docs: $(STAMP)
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) $(OLDEST_VENV) build dist *.egg-info docs/_build
