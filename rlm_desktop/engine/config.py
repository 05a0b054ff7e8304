"""Engine settings: budgets, limits and the choices that make small models reliable."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from rlm_desktop.sandbox.helpers import HELPER_NAMES

SMALL_MODEL_PARAMS = 4_000_000_000
Variant = Literal["small", "large"]  # the prompt a run uses
PromptChoice = Literal["auto", "small", "large"]  # auto: small under SMALL_MODEL_PARAMS
GrammarChoice = Literal["auto", "on", "off"]  # auto: on for the small prompt
# The helpers the prompt names when all are in the REPL (`HelperChoice.usual()`, the default):
# measured with the 135M demo model, grep and map_query (README, "How the small-model defaults
# were chosen"); chunks and ask_each_document are named only when chosen by name.
USUAL_HELPERS: dict[Variant, tuple[str, ...]] = {
    "small": ("grep", "map_query"),
    "large": HELPER_NAMES,
}


@dataclass(frozen=True)
class HelperChoice:
    """Which REPL helpers (HELPER_NAMES: grep, chunks, map_query, ask_each_document) a run has,
    and which of them its prompt names. Made by one of the three constructors:
    `usual()` (the default): all in the REPL, the prompt naming the variant's usual ones;
    `none()`: no helpers; `only(names)`: just those, each named in the prompt.
    """

    in_repl: tuple[str, ...]  # in HELPER_NAMES order
    name_all: bool  # the prompt names every one (else the variant's usual ones)

    @classmethod
    def usual(cls) -> HelperChoice:
        return cls(HELPER_NAMES, name_all=False)

    @classmethod
    def none(cls) -> HelperChoice:
        return cls((), name_all=True)

    @classmethod
    def only(cls, names: Iterable[str]) -> HelperChoice:
        """Just `names`; ValueError naming any that is not a helper."""
        wanted = set(names)
        unknown = wanted - set(HELPER_NAMES)
        if unknown:
            raise ValueError(f"unknown helpers: {', '.join(sorted(unknown))}")
        return cls(tuple(h for h in HELPER_NAMES if h in wanted), name_all=True)

    def named(self, variant: Variant) -> tuple[str, ...]:
        """The helpers the prompt of `variant` ("small" | "large") names."""
        if self.name_all:
            return self.in_repl
        return tuple(h for h in USUAL_HELPERS[variant] if h in self.in_repl)


@dataclass
class EngineConfig:
    max_iterations: int = 20  # model turns per RLM (root and each child)
    max_depth: int = 2  # deepest child RLM; at the limit rlm_query degrades to llm_query
    max_seconds: float | None = None  # wall time for the whole run
    max_total_tokens: int | None = None  # prompt + completion tokens for the whole run
    max_consecutive_errors: int = 3
    cell_timeout: float = 60.0
    cell_output_chars: int = 1_000_000  # what the worker keeps of one cell's output
    feedback_chars: int | None = None  # output fed back per turn; None: by prompt variant
    max_turn_tokens: int = 768
    subcall_max_tokens: int = 384
    final_max_tokens: int = 256
    prompt_variant: PromptChoice = "auto"
    grammar: GrammarChoice = "auto"
    helpers: HelperChoice = field(default_factory=HelperChoice.usual)  # REPL helpers
    subcalls: bool = True  # llm_query / rlm_query available to model code
    chunk_chars: int | None = None  # helper chunk size; None: from the model's window
    grep_results: int | None = None  # lines grep() shows; None: by prompt variant
    examples: int | None = None  # worked examples in the small prompt (0-2); None: 2
    temperature: float = 0.0
    plan_first: bool = True  # small models: a whole-collection question's first turn is a plan
    compact_at: float = 0.8  # compact older turns past this share of the window

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def variant_for(self, n_params: int | None) -> Variant:
        if self.prompt_variant != "auto":
            return self.prompt_variant
        return "small" if n_params is not None and n_params < SMALL_MODEL_PARAMS else "large"

    def grammar_on(self, variant: Variant) -> bool:
        if self.grammar != "auto":
            return self.grammar == "on"
        return variant == "small"

    def feedback_limit(self, variant: Variant) -> int:
        if self.feedback_chars:
            return self.feedback_chars
        return 1500 if variant == "small" else 6000

    def grep_limit(self, variant: Variant) -> int:
        if self.grep_results:
            return self.grep_results
        # Measured with the 135M demo model (quick suite, grep lines shown 1/2/3/5): a small
        # model reads one line well and picks the wrong one among several.
        return 1 if variant == "small" else 20

    def example_count(self) -> int:
        return 2 if self.examples is None else max(0, min(2, self.examples))

    def chunk_size(self, context_window: int) -> int:
        if self.chunk_chars:
            return self.chunk_chars
        # About half the window in characters (3.5 characters a token), capped.
        return max(1000, min(20_000, int(context_window * 0.5 * 3.5)))
