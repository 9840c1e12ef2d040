# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test install install-test lint clean

$(BIN)/assure: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-extras: $(BIN)/assure
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/assure
install-test: $(VENV)/.test-extras

demo: install
	$(BIN)/assure check fixtures/submissions --period 2024-03 --no-history --out out/results.json

test: install-test
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) out .assure
