# Every target bootstraps .venv from PyPI through this project's own files.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SCALE ?= 1
SEED ?= 7

.PHONY: demo test bench lint venv clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/distillguard simulate --scenario default --scale $(SCALE) --seed $(SEED) --out data/
	$(BIN)/distillguard scan data/events.jsonl.gz --accounts data/accounts.jsonl \
		--releases data/releases.json --labels data/labels.csv --out out/
	$(BIN)/distillguard evaluate --labels data/labels.csv --verdicts out/verdicts.csv \
		--events data/events.jsonl.gz --event-labels data/event_labels.csv.gz \
		--out out/evaluation.json

test: $(STAMP)
	$(BIN)/pytest -q -n 2

bench: $(STAMP)
	$(BIN)/python bench/run.py

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy

clean:
	rm -rf $(VENV) data out bench/out
