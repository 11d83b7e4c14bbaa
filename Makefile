# Two commands do all set-up on a fresh machine with Python 3.11+:
#   make demo   - the bundled example, end to end
#   make test   - the test suite
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
OUT ?= out

.PHONY: demo test bench lint clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

demo: $(BIN)/.installed
	$(BIN)/mbpack example $(OUT)
	$(BIN)/mbpack validate $(OUT)/haxilegen51.xlsx
	$(BIN)/mbpack compute $(OUT)/haxilegen51.xlsx -o $(OUT)/results
	$(BIN)/mbpack package $(OUT)/haxilegen51.xlsx -o $(OUT)/package

test: $(BIN)/.installed
	$(BIN)/python -m pytest -q

lint: $(BIN)/.installed
	$(BIN)/ruff check mbpack tests bench
	$(BIN)/ruff format --check mbpack tests bench
	$(BIN)/mypy

bench: $(BIN)/.installed
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) $(OUT) build dist
