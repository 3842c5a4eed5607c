# The two commands of the README. Each sets itself up and is safe to run again.
#   make run   install what is needed, then serve the live demo wall of Seoul;
#              CITY= another city (an id in cities/ or a profile's path), PORT= its port
#   make test  install what is needed (browser included), lint, then run every test
#   make bench the benchmark; its table goes to bench/RESULTS.md and the README
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
# Debian's browser and driver: no test tool downloads a browser of its own.
export SE_CHROMEDRIVER ?= /usr/bin/chromedriver
export DASH_TEST_CHROMEPATH ?= /usr/bin/chromium

# the tests in two processes, a module's tests in one: they wait on browsers and
# servers more than they compute (XDIST= runs them in one)
XDIST ?= -n 2 --dist loadfile

# each city keeps its store in data/<its id>/, so several can run side by side
CITY ?=
PORT ?= 8050
CITY_PROFILE = $(if $(or $(findstring /,$(CITY)),$(filter %.toml,$(CITY))),$(CITY),cities/$(CITY).toml)
WITH_CITY = $(if $(CITY),CITYWALL_PROFILE=$(CITY_PROFILE) )
CHECK_CITY = $(if $(CITY),test -f $(CITY_PROFILE) || { echo "make: no profile $(CITY_PROFILE): CITY= takes an id from cities/ (e.g. guayaquil) or a profile's path" >&2; exit 2; },true)

.PHONY: run test bench browser ingest clean

run: $(STAMP)
	@$(CHECK_CITY)
	$(WITH_CITY)$(BIN)/citywall serve --port $(PORT)

test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest --headless $(XDIST) $(PYTEST_ARGS)

# the benchmark (about 30 minutes; the first run also builds the full year)
bench: $(STAMP) browser
	$(BIN)/citywall bench $(BENCH_ARGS)

ingest: $(STAMP)
	@$(CHECK_CITY)
	$(WITH_CITY)$(BIN)/citywall ingest --once

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $@

browser:
	@tools/install-browser.sh

clean:
	rm -rf $(VENV) data
