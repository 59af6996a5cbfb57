# Two entry points: `make demo` and `make test`. Both create .venv and install
# the project with pinned dependencies on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test system-deps data clean

demo: $(INSTALLED)
	$(BIN)/wijkatlas demo

test: $(INSTALLED) system-deps
	$(BIN)/python -m pytest

system-deps:
	bash scripts/system-deps.sh

# Regenerates the embedded demo municipality in data/ (deterministic).
data: $(INSTALLED)
	$(BIN)/wijkatlas generate-demo

$(INSTALLED): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $@

clean:
	rm -rf $(VENV) out
