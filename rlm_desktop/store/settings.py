"""Settings remembered between launches: the last model, the run budgets, the model options
(context size, grammar), the side pane, whether runs are kept in the history.

One JSON file in the app's config folder, written atomically (temporary file + rename), read
tolerantly (a missing, damaged or old file gives the defaults for what it lacks). Qt-free;
the window's geometry lives in QSettings next to it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from rlm_desktop.engine.config import EngineConfig, GrammarChoice
from rlm_desktop.store.paths import config_dir

log = logging.getLogger(__name__)
SETTINGS_FILE = "settings.json"
_DEFAULTS = EngineConfig()


@dataclass
class Budgets:
    """The run limits a user may change (Run ▸ Limits…); `None` means no limit."""

    max_iterations: int = _DEFAULTS.max_iterations
    max_depth: int = _DEFAULTS.max_depth
    cell_timeout: float = _DEFAULTS.cell_timeout
    max_seconds: float | None = _DEFAULTS.max_seconds
    max_total_tokens: int | None = _DEFAULTS.max_total_tokens

    def apply(self, config: EngineConfig | None = None) -> EngineConfig:
        """`config` (the defaults when None) with these budgets."""
        return replace(config or EngineConfig(), **asdict(self))

    @classmethod
    def from_json(cls, data: Any) -> Budgets:
        budgets = cls()
        if not isinstance(data, dict):
            return budgets
        ranges = {
            "max_iterations": (1, 1000),
            "max_depth": (0, 10),
            "cell_timeout": (1, 24 * 3600),
            "max_seconds": (1, 7 * 24 * 3600),
            "max_total_tokens": (100, 10**9),
        }
        for name, (low, high) in ranges.items():
            value = data.get(name, getattr(budgets, name))
            if value is None and name in ("max_seconds", "max_total_tokens"):
                setattr(budgets, name, None)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                kind = float if name in ("cell_timeout", "max_seconds") else int
                setattr(budgets, name, kind(min(max(value, low), high)))
        return budgets


GRAMMAR_CHOICES: tuple[GrammarChoice, ...] = ("auto", "on", "off")
MIN_CONTEXT_TOKENS = 512
MAX_CONTEXT_TOKENS = 1 << 20
MAX_PARALLEL = 64


@dataclass
class ModelOptions:
    """Models ▸ Model options…: how the model is loaded and guided.

    `context_tokens` None lets the app choose the window from the model's maximum and the
    memory free; `grammar` "auto" constrains the turns of models under about 4B parameters;
    `parallel` is how many batched sub-calls run at once (llama.cpp: sequences decoded
    together, by default 8 where measured faster and else 1, `llama_load.auto_parallel`; a
    model server: requests in flight, default 4; None: the default).
    """

    context_tokens: int | None = None
    grammar: GrammarChoice = _DEFAULTS.grammar
    parallel: int | None = None

    def load_options(self) -> dict[str, object]:
        """What `make_backend(spec, model, **options)` takes."""
        options: dict[str, object] = {}
        if self.context_tokens:
            options["n_ctx"] = self.context_tokens
        if self.parallel:
            options["parallel"] = self.parallel
        return options

    def apply(self, config: EngineConfig) -> EngineConfig:
        return replace(config, grammar=self.grammar)

    @classmethod
    def from_json(cls, data: Any) -> ModelOptions:
        options = cls()
        if not isinstance(data, dict):
            return options
        tokens = data.get("context_tokens")
        if isinstance(tokens, int) and not isinstance(tokens, bool) and tokens > 0:
            options.context_tokens = min(max(tokens, MIN_CONTEXT_TOKENS), MAX_CONTEXT_TOKENS)
        if data.get("grammar") in GRAMMAR_CHOICES:
            options.grammar = data["grammar"]
        parallel = data.get("parallel")
        if isinstance(parallel, int) and not isinstance(parallel, bool) and parallel > 0:
            options.parallel = min(parallel, MAX_PARALLEL)
        return options


@dataclass
class Settings:
    last_model: str | None = None  # a .gguf path or an installed model's id
    budgets: Budgets = field(default_factory=Budgets)
    model_options: ModelOptions = field(default_factory=ModelOptions)
    show_side_pane: bool = True
    history: bool = True  # keep every run in the history database (off: nothing is written)
    ocr: bool = True  # read scanned pages and pictures of pages by text recognition

    def engine_config(self) -> EngineConfig:
        """The engine settings for the next run: the defaults, the budgets, the grammar."""
        return self.model_options.apply(self.budgets.apply())

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> Settings:
        settings = cls()
        if not isinstance(data, dict):
            return settings
        model = data.get("last_model")
        settings.last_model = model if isinstance(model, str) and model.strip() else None
        settings.budgets = Budgets.from_json(data.get("budgets"))
        settings.model_options = ModelOptions.from_json(data.get("model_options"))
        side = data.get("show_side_pane")
        settings.show_side_pane = side if isinstance(side, bool) else True
        history = data.get("history")
        settings.history = history if isinstance(history, bool) else True
        ocr = data.get("ocr")
        settings.ocr = ocr if isinstance(ocr, bool) else True
        return settings


def settings_path() -> Path:
    return config_dir() / SETTINGS_FILE


def load_settings(path: Path | None = None) -> Settings:
    path = path or settings_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        log.warning("settings file %s is unreadable (%s): using the defaults", path, exc)
        return Settings()
    return Settings.from_json(data)


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write atomically: a crash mid-write leaves the previous file whole."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(settings.to_json(), indent=2, sort_keys=True)
    fd, tmp = tempfile.mkstemp(prefix=".settings-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
