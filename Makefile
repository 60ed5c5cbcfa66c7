# Two commands: `make run` starts the app, `make test` runs every check.
# Each sets up what it needs in .venv from the package registries.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test data system bench

run: $(VENV)/app.stamp
	$(BIN)/streamlit run app.py

test: $(VENV)/dev.stamp system data
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

$(VENV)/app.stamp: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/dev.stamp: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/app.stamp $@

# The browser for end-to-end tests and Debian's Fashion-MNIST package.
system:
	bash scripts/install_system_deps.sh

# The full MNIST and Fashion-MNIST sets, checksum-verified, in ./data.
data: $(VENV)/app.stamp
	$(BIN)/python -m cnnlab.data fetch mnist fashion_mnist

bench: $(VENV)/dev.stamp system data
	bash scripts/install_system_deps.sh --bench
	for script in bench/bench_*.py; do $(BIN)/python $$script || exit 1; done
