"""PyInstaller hook for llama-cpp-python (PyInstaller ships none): its shared libraries.

llama.cpp's libraries live in `llama_cpp/lib/` and are opened with ctypes, so PyInstaller's
import analysis cannot see them. The portable build keeps one CPU module per processor
generation there (`libggml-cpu-haswell.so`, …) that the app picks from at run time, plus GPU
modules (CUDA, Vulkan) when built with them: all of them are taken, at the same place.
"""

from PyInstaller.utils.hooks import collect_dynamic_libs

binaries = collect_dynamic_libs("llama_cpp", destdir="llama_cpp/lib")
hiddenimports = ["llama_cpp._ggml"]
# The vision (mtmd/llava) wrappers and the web server are not used by the app.
excludedimports = ["llama_cpp.server", "llama_cpp.llava_cpp", "llama_cpp.mtmd_cpp"]
