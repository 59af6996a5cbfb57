# Two entry points: `make demo` and `make test`. Both install what is missing on
# first use: Debian packages (scripts/system-deps.sh), the Python environment in
# .venv with pinned dependencies, GDAL's Python bindings built against the
# system GDAL, and the web libraries of package.json in node_modules.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test test-quick system-deps data bench clean

demo: $(INSTALLED)
	$(BIN)/wijkatlas demo

# The lint gate (ruff, mypy, import contracts), the wheel run outside the checkout, then every test.
test: $(INSTALLED)
	bash scripts/lint.sh
	bash scripts/check-wheel.sh
	$(BIN)/python -m pytest -m "slow or not slow"

# Daily work: the tests without the slow ones (Schemathesis fuzzing).
test-quick: $(INSTALLED)
	$(BIN)/python -m pytest

# Assignment and aggregation at national size, fast path against the baseline.
bench: $(INSTALLED)
	$(BIN)/wijkatlas bench --scale 1

system-deps:
	bash scripts/system-deps.sh

# Regenerates the embedded demo municipality in data/ (deterministic).
data: $(INSTALLED)
	$(BIN)/wijkatlas generate-demo

$(INSTALLED): pyproject.toml constraints.txt package.json package-lock.json scripts/system-deps.sh
	bash scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	$(BIN)/python -m pip install --quiet -c constraints.txt "GDAL==$$(gdal-config --version)"
	npm ci --no-audit --no-fund --silent
	$(BIN)/python -m wijkatlas.web_assets node_modules
	touch $@

clean:
	rm -rf $(VENV) node_modules out
