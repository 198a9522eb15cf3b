# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
STAMP  := $(VENV)/.fuselearn-installed

.PHONY: demo test test-all install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip setuptools wheel

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(PIP) install -c constraints.txt -e ".[all,dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/fuselearn demo

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --timeout=600

test-all: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m "" --timeout=1800

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache
