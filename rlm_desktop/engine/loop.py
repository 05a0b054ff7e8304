"""One RLM: the model-driven REPL loop, for the root run and for every child `rlm_query`.

system prompt (context metadata) → model turn → parse → run the cells in the sandbox → feed the
truncated output back → repeat, until a FINAL answer or a budget runs out; then the model is
asked once for its best answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rlm_desktop.documents.model import Context
from rlm_desktop.engine import final_ask, grammar, plan, prompts
from rlm_desktop.engine.config import EngineConfig, Variant
from rlm_desktop.engine.conversation import Conversation
from rlm_desktop.engine.events import (
    CellFinished,
    CellStarted,
    FinalAnswer,
    IterationFinished,
    IterationStarted,
    TokenStreamed,
)
from rlm_desktop.engine.protocol import (
    ParsedTurn,
    looks_at_documents,
    parse_turn,
    truncate_output,
)
from rlm_desktop.engine.shared import RunOutcome, RunShared
from rlm_desktop.engine.status import Status
from rlm_desktop.engine.subcalls import SubcallBridge
from rlm_desktop.llm.base import Completion, GenerationRequest
from rlm_desktop.sandbox.helpers import CITE
from rlm_desktop.sandbox.host import Sandbox, SandboxConfig
from rlm_desktop.verify.prompt_copy import PromptEcho


@dataclass
class TurnResult:
    """What one model turn led to: an answer, or the message to send back."""

    final: str | None = None
    feedback: str = ""
    error: bool = False  # counts towards the consecutive-errors budget
    notes: list[str] = field(default_factory=list)


def repl_helpers(cfg: EngineConfig) -> tuple[str, ...]:
    """The helper functions put in the REPL: the chosen ones, and `cite` with any of them."""
    chosen = tuple(cfg.helpers.in_repl)
    return (*chosen, CITE) if chosen else ()


def sandbox_config(cfg: EngineConfig, variant: Variant, context_window: int) -> SandboxConfig:
    """The REPL settings a run's sandbox gets."""
    return SandboxConfig(
        cell_timeout=cfg.cell_timeout,
        max_output_chars=cfg.cell_output_chars,
        helpers=repl_helpers(cfg),
        chunk_chars=cfg.chunk_size(context_window),
        grep_results=cfg.grep_limit(variant),
    )


class RlmRun:
    def __init__(
        self,
        shared: RunShared,
        question: str,
        context: Context,
        depth: int,
        node_id: str,
        parent_id: str | None = None,
        sandbox: Sandbox | None = None,
        earlier: str = "",
        keep_sandbox: bool = False,
    ) -> None:
        """`sandbox`: a REPL kept from an earlier question of the same conversation;
        `keep_sandbox`: leave the REPL open at the end, for the next question; `earlier`: the
        record of the earlier questions, put before this question in the first user message."""
        self.shared = shared
        self.question = question
        self.context = context
        self.depth = depth
        self.node_id = node_id
        self.parent_id = parent_id
        self.session = f"d{depth}"
        self.cells_run = 0
        self.code_seen: set[str] = set()
        cfg = shared.config
        self.total_turns = cfg.max_iterations
        self.feedback_limit = cfg.feedback_limit(shared.variant)
        self.reminder = question if shared.variant == "small" else None
        self.conversation = Conversation(shared.backend.count_tokens)
        self.has_grep = "grep" in cfg.helpers.in_repl
        self.early_note = prompts.early_final_note(self.has_grep)
        description = context.describe()
        system = prompts.system_prompt(
            shared.variant, description, cfg.subcalls, cfg.example_count(), cfg.helpers
        )
        self.conversation.add("system", system)
        self.echo = PromptEcho(
            [
                prompts.system_prompt(
                    shared.variant, "", cfg.subcalls, cfg.example_count(), cfg.helpers
                ),
                *prompts.engine_texts(),
            ],
            prompts.shown_examples(shared.variant, cfg.example_count(), cfg.helpers),
            list(context.documents),
            question,
        )
        self.copies = 0  # answers refused as copied from the prompt
        first = prompts.first_user_message(question, self.total_turns)
        self.conversation.add("user", f"{earlier}\n\n{first}" if earlier else first)
        self.keep_sandbox = keep_sandbox
        self.subcalls = SubcallBridge(shared, context, depth, spawn=self._child)
        config = sandbox_config(cfg, shared.variant, shared.context_window)
        if sandbox is not None:
            sandbox.config = config
            self.sandbox = sandbox
        else:
            self.sandbox = Sandbox(context, config=config)

    def _child(
        self, question: str, context: Context, depth: int, node_id: str, parent_id: str
    ) -> RunOutcome:
        return RlmRun(self.shared, question, context, depth, node_id, parent_id).run()

    # --- the loop ------------------------------------------------------------------------
    def run(self) -> RunOutcome:
        shared = self.shared
        errors_in_a_row = 0
        try:
            self.sandbox.start()
            if not shared.sandbox_layers:
                shared.sandbox_layers = list(self.sandbox.layers)
            for index in range(self.total_turns):
                reason = shared.exhausted()
                if reason:
                    return final_ask.ask_final(self, reason, index)
                result = self._turn(index)
                if result.final is not None:
                    shared.emit(FinalAnswer(self.node_id, self.parent_id, answer=result.final))
                    note = prompts.NO_ANSWER_NOTE if self.copies > 1 else ""
                    return RunOutcome(result.final, Status.OK, index + 1, note)
                errors_in_a_row = errors_in_a_row + 1 if result.error else 0
                self.conversation.add("user", result.feedback)
                if errors_in_a_row >= shared.config.max_consecutive_errors:
                    return final_ask.ask_final(
                        self, f"{errors_in_a_row} failed turns in a row", index + 1
                    )
            return final_ask.ask_final(
                self, f"the turn limit ({self.total_turns} turns)", self.total_turns
            )
        finally:
            if not self.keep_sandbox:
                self.sandbox.close()
            shared.backend.end_session(self.session)

    def generate(self, node: str, max_tokens: int, gbnf: str | None) -> Completion:
        shared = self.shared
        window = shared.context_window
        self.conversation.fit(int(window * shared.config.compact_at) - max_tokens)
        request = GenerationRequest(
            messages=list(self.conversation.messages),
            max_tokens=max_tokens,
            temperature=shared.config.temperature,
            grammar=gbnf if shared.grammar else None,
            session=self.session,
        )
        completion = shared.backend.complete(
            request,
            on_token=lambda piece: shared.emit(TokenStreamed(node, self.node_id, text=piece)),
            cancel=shared.cancel,
        )
        shared.usage.add(completion.usage)
        shared.cancel.raise_if_cancelled()
        return completion

    def _turn(self, index: int) -> TurnResult:
        shared = self.shared
        node = shared.new_id()
        shared.iterations += 1
        shared.emit(IterationStarted(node, self.node_id, index=index, depth=self.depth))
        gbnf = grammar.TURN if self.cells_run else self._first_grammar()
        completion = self.generate(node, shared.config.max_turn_tokens, gbnf)
        parsed = parse_turn(completion.text)
        if shared.grammar and self._is_repeat(parsed):
            # A small model that re-runs code it already ran is stuck: ask it for the answer.
            usage = completion.usage
            completion = self.generate(node, shared.config.final_max_tokens, grammar.FINAL_ONLY)
            usage.add(completion.usage)
            completion.usage = usage
            parsed = parse_turn(completion.text)
        self.conversation.add("assistant", completion.text)
        result = self._refuse_copy(self._act(parsed, index, node), index + 1)
        self.finished(node, completion, result.feedback)
        return result

    def _refuse_copy(self, result: TurnResult, next_index: int) -> TurnResult:
        """An answer copied from the prompt is refused and asked for again once; a second
        one ends the run with no answer (never a false one)."""
        if not result.final or not self.echo.copied(result.final):
            return result
        self.copies += 1
        if self.copies > 1:
            return TurnResult(final="", feedback=prompts.NO_ANSWER_NOTE)
        message = prompts.copied_answer_message(next_index, self.total_turns, self.reminder)
        return TurnResult(feedback=message, error=True)

    def _first_grammar(self) -> str:
        if self.reminder is None:
            return grammar.CODE_ONLY
        first = plan.first_turn(self.question, plan.can_plan(self.shared.config))
        if first.kind == "plan":  # a small model, a whole-collection question
            return plan.plan_grammar(first.code)
        return grammar.first_look(self.question) if self.has_grep else grammar.CODE_ONLY

    def finished(self, node: str, completion: Completion, note: str) -> None:
        u = completion.usage
        self.shared.emit(
            IterationFinished(
                node,
                self.node_id,
                text=completion.text,
                prompt_tokens=u.prompt_tokens,
                prompt_evaluated=u.prompt_evaluated,
                completion_tokens=u.completion_tokens,
                seconds=u.seconds,
                note=note,
            )
        )

    # --- acting on a turn ----------------------------------------------------------------
    def _act(self, parsed: ParsedTurn, index: int, node: str) -> TurnResult:
        next_index, total = index + 1, self.total_turns
        if parsed.has_code:
            return self._run_cells(parsed, next_index, node)
        if parsed.final is None:
            return TurnResult(feedback=prompts.corrective_message(next_index, total), error=True)
        if self.cells_run == 0:
            return TurnResult(
                feedback=prompts.look_first_message(next_index, total, self.has_grep), error=True
            )
        if parsed.final.kind == "text":
            return TurnResult(final=parsed.final.value)
        return self._final_var(parsed.final.value, next_index, node)

    def _is_repeat(self, parsed: ParsedTurn) -> bool:
        """Small models only: a turn whose code was all run before."""
        keys = {" ".join(code.split()) for code in parsed.code_blocks}
        return self.reminder is not None and bool(keys) and keys <= self.code_seen

    def _final_var(self, name: str, next_index: int, node: str) -> TurnResult:
        serve = self.subcalls.for_cell(
            node, self.sandbox.subcall_seconds
        )  # the value's __str__ may make sub-calls
        found, value, defined = self.sandbox.get_var(name, self.shared.cancel, serve)
        if found:
            return TurnResult(final=value)
        message = prompts.missing_var_message(name, defined, next_index, self.total_turns)
        return TurnResult(feedback=message, error=True)

    def _run_cells(self, parsed: ParsedTurn, next_index: int, node: str) -> TurnResult:
        shared = self.shared
        if self._is_repeat(parsed):
            message = prompts.repeated_code_message(next_index, self.total_turns, self.reminder)
            return TurnResult(feedback=message, error=True)
        self.code_seen |= {" ".join(code.split()) for code in parsed.code_blocks}
        # Turn-0 guard: an answer set in the first code turn counts only if that code read the
        # documents (a small model's FINAL("42") before any look is a guess).
        may_answer = self.cells_run > 0 or any(map(looks_at_documents, parsed.code_blocks))
        outputs: list[str] = []
        notes: list[str] = []
        failures = 0
        for i, code in enumerate(parsed.code_blocks):
            cell = shared.new_id()
            shared.emit(CellStarted(cell, node, code=code, index=i))
            serve = self.subcalls.for_cell(cell, self.sandbox.subcall_seconds)
            result = self.sandbox.run_cell(code, cancel=shared.cancel, on_request=serve)
            self.cells_run += 1
            shared.emit(
                CellFinished(
                    cell,
                    node,
                    output=result.output,
                    error=result.error,
                    seconds=result.seconds,
                    final=result.final,
                )
            )
            outputs.append(truncate_output(result.output, self.feedback_limit))
            failures += result.error is not None
            if result.final is not None:
                if may_answer:
                    return TurnResult(final=result.final)
                notes.append(self.early_note)
                break
        if parsed.final is not None and not notes:
            if parsed.final.kind == "var" and may_answer:
                var = self._final_var(parsed.final.value, next_index, node)
                if var.final is not None:
                    return var
            early = parsed.final.kind == "var" and not may_answer
            notes.append(self.early_note if early else prompts.IGNORED_FINAL_NOTE)
        feedback = prompts.output_message(
            outputs, notes, next_index, self.total_turns, self.reminder
        )
        error = failures == len(outputs) or self.early_note in notes
        return TurnResult(feedback=feedback, error=error)
