# `make up` runs Lumia; `make test` runs the tests. Both set themselves up on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: up test lint bench docs clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

up: $(STAMP)
	$(BIN)/python -m shared.launcher

# One pytest process per core, each test file kept in one of them: a file's shared stack starts
# once, and most of the suite's time is Lumia's own processes starting and working.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy shared gateway llm_worker brain_worker ingest_worker tools_worker
	$(BIN)/python -m pytest -n auto --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python bench/ttft.py

# The bus API as AsyncAPI documents, generated from the workers' code (nothing is
# connected; CHROMA_URL only lets the ingest_worker app be built on its own), then put in name
# order: FastStream's follows memory addresses, and changed from run to run.
docs: $(STAMP)
	for w in llm brain ingest tools; do \
		CHROMA_URL=$${CHROMA_URL:-http://127.0.0.1:8001} $(BIN)/faststream docs gen $${w}_worker.app:create_app \
			--factory --yaml -o docs/asyncapi/$${w}_worker.yaml; \
	done
	$(BIN)/python docs/asyncapi/order.py docs/asyncapi/*_worker.yaml

clean:
	rm -rf $(VENV)
