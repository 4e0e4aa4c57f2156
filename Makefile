# The two commands of the README: `make run` and `make test`. Both set up .venv when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.mjlab-installed
# Bytecode caches stay on even where the environment turns them off: without them every run compiles each module
# again and pytest rewrites the plugin's asserts again (about 3 s of each `mjlab run` on these machines).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test lint features bench bench-quick clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run every feature on the embedded in-process stack, writing reports/ (junit.xml, cucumber.json, report.html)
run: $(STAMP)
	$(BIN)/mjlab run features/

## lint, type-check, unit/integration/plugin tests, then the features in-process and over the network
test: $(STAMP) lint
	$(BIN)/pytest
	$(BIN)/mjlab run features/ --stack inprocess --junitxml reports/features-inprocess.xml --cucumberjson reports/features-inprocess.json --html reports/features-inprocess.html
	$(BIN)/mjlab run features/ --stack network --junitxml reports/features-network.xml --cucumberjson reports/features-network.json --html reports/features-network.html

lint: $(STAMP)
	$(BIN)/ruff check simulator harness tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/mjlab bench --json reports/bench.json

bench-quick: $(STAMP)
	$(BIN)/mjlab bench --quick --json reports/bench-quick.json

clean:
	rm -rf $(VENV) reports build *.egg-info
