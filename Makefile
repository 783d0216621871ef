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

.PHONY: run test lint typecheck unit clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/macropatch run --experiment $(EXPERIMENT) $(PACK_FLAG) --out $(OUT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(if $(PACK),MACROPATCH_PACK=$(abspath $(PACK)),) $(BIN)/pytest -q

test: lint typecheck unit

clean:
	rm -rf $(VENV) runs .pytest_cache .mypy_cache .ruff_cache
