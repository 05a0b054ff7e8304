#!/usr/bin/env bash
# Installs llama-cpp-python at the project's pin, built for the best GPU backend this machine can use.
# Never rebuilds when the installed version already satisfies the pin.
# Force a backend with CMAKE_ARGS, e.g. CMAKE_ARGS="-DGGML_CUDA=on" or CMAKE_ARGS="-DGGML_METAL=off".
set -euo pipefail
PY="${1:-python3}"
PIN=$(grep -o '"llama-cpp-python==[^"]*"' pyproject.toml | tr -d '"')
WANT=${PIN#llama-cpp-python==}
HAVE=$("$PY" -c 'import importlib.metadata as m; print(m.version("llama-cpp-python"))' 2>/dev/null || true)
if [ "$HAVE" = "$WANT" ]; then
  echo "llama-cpp-python $HAVE already installed: not rebuilding."
  exit 0
fi
if [ -z "${CMAKE_ARGS:-}" ]; then
  if [ "$(uname -s)" = "Darwin" ] && [ "$(uname -m)" = "arm64" ]; then
    export CMAKE_ARGS="-DGGML_METAL=on"; CHOSEN="Metal (Apple Silicon)"
  elif command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1 && command -v nvcc >/dev/null 2>&1; then
    export CMAKE_ARGS="-DGGML_CUDA=on"; CHOSEN="CUDA (NVIDIA GPU and CUDA toolkit found)"
  else
    CHOSEN="CPU (no Metal, no NVIDIA GPU with the CUDA toolkit)"
  fi
else
  CHOSEN="as forced by CMAKE_ARGS=$CMAKE_ARGS"
fi
echo "Building $PIN for: $CHOSEN. This compiles llama.cpp and takes several minutes the first time."
"$PY" -m pip install -q "$PIN"
