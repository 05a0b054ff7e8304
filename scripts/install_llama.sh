#!/usr/bin/env bash
# Installs llama-cpp-python at the project's pin, built so that it runs on any CPU of its kind:
#   * never -march=native. On x86-64 and 64-bit Arm Linux the CPU kernels are built in every
#     variant llama.cpp knows (GGML_BACKEND_DL + GGML_CPU_ALL_VARIANTS) and the app picks the
#     best one this processor supports at run time (rlm_desktop/llm/cpu_backends.py).
#   * never AMX: llama.cpp's AMX kernels crash on some Xeons (upstream llama.cpp PR #26954), so
#     the AMX variant is removed after every install and the app never loads it.
#   * GPU backends (CUDA on an NVIDIA machine with the toolkit, Metal on Apple Silicon) as before;
#     CMAKE_ARGS="-DGGML_CUDA=on" (or Vulkan, …) forces one.
# The wheel is built once per *build profile* (pin, platform, CMake options) and kept in the
# app's own cache under that profile's key; pip's wheel cache is never used, so a build made for
# one CPU or backend can never be handed to another. Installed-and-matching means no rebuild.
set -euo pipefail
PY="${1:-python3}"
PIN=$(grep -o '"llama-cpp-python==[^"]*"' pyproject.toml | tr -d '"')
WANT=${PIN#llama-cpp-python==}
OS=$(uname -s)
ARCH=$(uname -m)

# Everything but the backend choice: portable CPU code, no native tuning, no vision library.
BASE="-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF"
BASE="$BASE -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF"
# Run-time CPU dispatch: every CPU variant is a module next to libggml (llama_cpp/lib).
DISPATCH="-DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON -DCMAKE_INSTALL_BINDIR=llama_cpp/lib"

if [ -n "${CMAKE_ARGS:-}" ]; then
  CHOSEN="as asked by CMAKE_ARGS=$CMAKE_ARGS"
  PROFILE_ARGS="$BASE $CMAKE_ARGS"
  case "$CMAKE_ARGS" in *GGML_METAL*) ;; *) PROFILE_ARGS="$PROFILE_ARGS $DISPATCH" ;; esac
elif [ "$OS" = "Darwin" ] && [ "$ARCH" = "arm64" ]; then
  CHOSEN="Metal (Apple Silicon)"
  PROFILE_ARGS="$BASE -DGGML_METAL=on"
elif command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1 \
     && { command -v nvcc >/dev/null 2>&1 || [ -x /usr/local/cuda/bin/nvcc ]; }; then
  command -v nvcc >/dev/null 2>&1 || export PATH="/usr/local/cuda/bin:$PATH"
  CHOSEN="CUDA (NVIDIA GPU and CUDA toolkit found) with portable CPU kernels"
  PROFILE_ARGS="$BASE $DISPATCH -DGGML_CUDA=on"
elif [ "$OS" = "Darwin" ]; then
  CHOSEN="CPU (Intel Mac: baseline instructions)"
  PROFILE_ARGS="$BASE"
else
  CHOSEN="CPU, every processor variant, picked at run time"
  PROFILE_ARGS="$BASE $DISPATCH"
fi

KEY=$(printf '%s|%s|%s|%s' "$WANT" "$OS" "$ARCH" "$PROFILE_ARGS" | sha256sum | cut -c1-16)
PROFILE="$WANT $OS-$ARCH $KEY"
SITE=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["platlib"])')
STAMP="$SITE/llama_cpp/rlm_build_profile.txt"
if [ -f "$STAMP" ] && [ "$(head -n1 "$STAMP")" = "$PROFILE" ]; then
  echo "llama-cpp-python $WANT already built for this profile ($KEY): not rebuilding."
  exit 0
fi

CACHE="${RLM_DESKTOP_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rlm-desktop/llama-wheels}/$KEY"
WHEEL=$(ls "$CACHE"/llama_cpp_python-"$WANT"-*.whl 2>/dev/null | head -n1 || true)
if [ -z "$WHEEL" ]; then
  echo "Building $PIN for: $CHOSEN."
  echo "This compiles llama.cpp once per build profile ($KEY) and can take 20 minutes or more."
  mkdir -p "$CACHE.part"
  CMAKE_ARGS="$PROFILE_ARGS" CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc 2>/dev/null || echo 2)}" \
    "$PY" -m pip wheel -q --no-deps --no-cache-dir --no-binary llama-cpp-python -w "$CACHE.part" "$PIN"
  rm -rf "$CACHE" && mv "$CACHE.part" "$CACHE"
  WHEEL=$(ls "$CACHE"/llama_cpp_python-"$WANT"-*.whl | head -n1)
else
  echo "Using the llama-cpp-python build cached for this profile ($KEY)."
fi
"$PY" -m pip install -q --no-cache-dir --force-reinstall --no-deps "$WHEEL"
"$PY" -m pip install -q --no-cache-dir "$WHEEL"  # its own dependencies (numpy, jinja2, …)
# AMX stays off until upstream fixes it: the variant that would be picked on AMX CPUs is removed.
rm -f "$SITE"/llama_cpp/lib/libggml-cpu-sapphirerapids.*
printf '%s\n%s\n' "$PROFILE" "$PROFILE_ARGS" >"$STAMP"
echo "llama-cpp-python $WANT installed ($CHOSEN)."
