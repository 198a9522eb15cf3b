# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
STAMP  := $(VENV)/.fuselearn-installed

.PHONY: demo test test-all install clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip setuptools wheel

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(PIP) install -c constraints.txt -e ".[all,dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/fuselearn demo

# Headless Chromium for the report's browser test: a no-op when installed; without apt (or root)
# it does nothing and that test skips, saying why.
browser:
	@command -v chromium >/dev/null 2>&1 || test -x /usr/bin/chromium || \
	  { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	    { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } ; } || \
	  echo "chromium not installed (no apt-get or not root): the browser test will skip"

test: $(STAMP) browser
	$(BIN)/python -m pytest -n 2 --timeout=600

test-all: $(STAMP) browser
	$(BIN)/python -m pytest -n 2 -m "" --timeout=1800

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache
