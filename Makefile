# Two commands: `make run` opens the app, `make test` runs the suite. Both set up .venv first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
ONNX   := embeddings/model.onnx

.PHONY: run test bench index validate clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

# The ONNX copy of the bundled model that queries run on: made here from the installed weights
# (about 20 s, once), never downloaded or committed; checked against its hash whenever the install changes.
$(ONNX): $(STAMP)
	$(PY) -m assistant.search.onnx_copy
	touch $(ONNX)

run: $(ONNX)
	$(VENV)/bin/reflect

test: $(ONNX)
	$(PY) -m pytest

bench: $(ONNX)
	$(PY) benchmarks/run_all.py

index: $(ONNX)
	$(VENV)/bin/reflect index

validate: $(STAMP)
	$(VENV)/bin/reflect case validate

clean:
	rm -rf $(VENV) .pytest_cache
