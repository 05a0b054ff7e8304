"""Making a backend from the CLI's / settings' words: `--backend B` and `--model PATH_OR_ID`.

`replay:FILE` → the replay backend; `openai:URL` → a model server the user runs (llama-server,
LM Studio, Ollama, vLLM), `--model` naming the server's model; `llama` (the default) →
llama.cpp in-process on the model given by path or catalogue id (the bundled demo model when
none is given).
"""

from __future__ import annotations

from rlm_desktop.llm.base import Backend, BackendError

BACKENDS_HELP = (
    "replay:FILE | openai:URL (a local model server; --model is its model name) | llama (default)"
)


def make_backend(spec: str | None, model: str | None = None, **options: object) -> Backend:
    spec = (spec or "llama").strip()
    if spec.startswith("replay:"):
        from rlm_desktop.llm.replay import ReplayBackend

        path = spec.split(":", 1)[1]
        if not path:
            raise BackendError("--backend replay:FILE needs a file name after 'replay:'.")
        return ReplayBackend.from_file(path)
    if spec == "openai" or spec.startswith("openai:"):
        from rlm_desktop.llm.openai_compat import OpenAICompatBackend

        return OpenAICompatBackend.open(spec.partition(":")[2], model, **options)
    if spec in ("llama", "llama.cpp", "llamacpp"):
        try:
            from rlm_desktop.llm.llama import LlamaBackend
        except ImportError as exc:
            raise BackendError(f"The llama.cpp backend is not available: {exc}") from None
        return LlamaBackend.open(model, **options)
    raise BackendError(f"Unknown backend {spec!r}: use {BACKENDS_HELP}.")
