#!/usr/bin/env bash
# Installs llama-cpp-python at the project's pin, built for the best GPU backend this machine can
# use, and says which. Never rebuilds when the installed version already satisfies the pin,
# unless CMAKE_ARGS is set: then it rebuilds for that backend (e.g. CMAKE_ARGS="-DGGML_CUDA=on").
set -euo pipefail
PY="${1:-python3}"
PIN=$(grep -o '"llama-cpp-python==[^"]*"' pyproject.toml | tr -d '"')
WANT=${PIN#llama-cpp-python==}
HAVE=$("$PY" -c 'import importlib.metadata as m; print(m.version("llama-cpp-python"))' 2>/dev/null || true)
EXTRA=()
if [ -n "${CMAKE_ARGS:-}" ]; then
  CHOSEN="as forced by CMAKE_ARGS=$CMAKE_ARGS"
  # pip would otherwise reuse the wheel it built for the old backend
  [ -n "$HAVE" ] && EXTRA=(--force-reinstall --no-cache-dir --no-deps)
elif [ "$HAVE" = "$WANT" ]; then
  echo "llama-cpp-python $HAVE already installed: not rebuilding (set CMAKE_ARGS to force a backend)."
  exit 0
elif [ "$(uname -s)" = "Darwin" ] && [ "$(uname -m)" = "arm64" ]; then
  export CMAKE_ARGS="-DGGML_METAL=on"; CHOSEN="Metal (Apple Silicon)"
elif command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1 \
     && { command -v nvcc >/dev/null 2>&1 || [ -x /usr/local/cuda/bin/nvcc ]; }; then
  command -v nvcc >/dev/null 2>&1 || export PATH="/usr/local/cuda/bin:$PATH"
  export CMAKE_ARGS="-DGGML_CUDA=on"; CHOSEN="CUDA (NVIDIA GPU and CUDA toolkit found)"
else
  CHOSEN="CPU (no Metal, no NVIDIA GPU with the CUDA toolkit)"
fi
echo "Building $PIN for: $CHOSEN. This compiles llama.cpp and takes several minutes the first time."
"$PY" -m pip install -q "${EXTRA[@]}" "$PIN"
