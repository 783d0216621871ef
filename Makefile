# Two commands do all the set-up: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The offline data pack sits beside the repository when there is one.
PACK ?= $(wildcard ../shared/data)
PACK_FLAG := $(if $(PACK),--pack $(PACK),)
OUT ?= runs/latest
EXPERIMENT ?= experiments/default.toml

.PHONY: run test lint typecheck unit browser clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# The browser test (tests/reports/test_browser.py) drives Debian's chromium through
# chromium-driver. Installed here when missing and we are root (or have passwordless
# sudo); otherwise a warning, and the test skips -- or fails under
# MACROPATCH_REQUIRE_BROWSER=1, which .ci/run sets.
BROWSER_PACKAGES := chromium chromium-driver
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo -n"; \
	else echo "warning: chromium/chromedriver missing and not root: the browser test will skip" >&2; exit 0; fi; \
	if ! command -v apt-get >/dev/null; then \
		echo "warning: chromium/chromedriver missing and no apt-get: the browser test will skip" >&2; exit 0; fi; \
	echo "Installing $(BROWSER_PACKAGES) with apt-get"; \
	export DEBIAN_FRONTEND=noninteractive; \
	{ $$sudo apt-get update -qq && \
	  $$sudo apt-get install -y -qq --no-install-recommends $(BROWSER_PACKAGES) >/dev/null; } \
	|| echo "warning: apt-get could not install $(BROWSER_PACKAGES): the browser test will skip" >&2

run: $(STAMP)
	$(BIN)/macropatch run --experiment $(EXPERIMENT) $(PACK_FLAG) --out $(OUT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) browser
	$(if $(PACK),MACROPATCH_PACK=$(abspath $(PACK)),) $(BIN)/pytest -q

test: lint typecheck unit

clean:
	rm -rf $(VENV) runs .pytest_cache .mypy_cache .ruff_cache
