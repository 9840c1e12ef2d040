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
	@# The report test opens the HTML in a real headless browser (Debian's chromium).
	@command -v chromium >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && \
		apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null; } || \
		echo "note: chromium could not be installed; the browser test will be skipped"
	touch $@

install: $(BIN)/assure
install-test: $(VENV)/.test-extras

demo: install
	$(BIN)/assure check fixtures/submissions --period 2024-03 --out out/results.json
	$(BIN)/assure report fixtures/submissions --period 2024-03 --out out/report --quiet

test: install-test
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) out .assure
