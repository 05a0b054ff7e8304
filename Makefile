# Two commands do all the setup:  `make run` (install + launch) and `make test` (install + tests).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test setup lint llama clean-venv

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip wheel setuptools

$(STAMP): pyproject.toml scripts/install_llama.sh | $(PY)
	bash scripts/system_deps.sh
	bash scripts/install_llama.sh $(PY)
	$(PY) -m pip install -q -e ".[test]"
	touch $(STAMP)

models/SmolLM2-135M-Instruct.Q4_1.gguf: | $(PY)
	$(PY) scripts/fetch_demo_model.py

setup: $(STAMP) models/SmolLM2-135M-Instruct.Q4_1.gguf

# Rebuild llama.cpp for another backend: CMAKE_ARGS="-DGGML_CUDA=on" make llama
llama: | $(PY)
	bash scripts/install_llama.sh $(PY)

run: setup
	$(PY) -m rlm_desktop $(ARGS)

test: setup
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean-venv:
	rm -rf $(VENV)
