"""`ConversationSession`: questions asked one after another over one set of documents, in ONE
REPL, so a follow-up can use the variables earlier questions made.

Each question's first prompt starts with a short record of the earlier questions, their
answers and the names of the variables they made (within a share of the model's window).
Documents added mid-conversation join `context`/`documents` for the next question, and the
model is told which ones are new: the REPL is restarted with the larger context and the
variables that are plain values (Python literals) are copied into it; the model is told which
could not be. The same copy re-creates a conversation's variables in a later process
(`restore`). Qt-free and store-free: the window and `ask --continue` wrap it with recording.
"""

from __future__ import annotations

import ast
import keyword
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rlm_desktop.cancel import CancelToken
from rlm_desktop.documents.model import Context, Document
from rlm_desktop.engine.config import EngineConfig
from rlm_desktop.engine.engine import FollowUp, RlmEngine, RunResult
from rlm_desktop.engine.events import Event
from rlm_desktop.engine.loop import sandbox_config
from rlm_desktop.llm.base import Backend
from rlm_desktop.sandbox.host import Sandbox, SandboxError

RECORD_SHARE = 0.15  # of the model's window, in characters at ~3.5 a token
ANSWER_CHARS = 400
QUESTION_CHARS = 300
MAX_VARIABLES = 60
MAX_VALUE_CHARS = 200_000  # a variable's literal kept at most this long (else name only)
SNAPSHOT_TIMEOUT_S = 10.0
LITERAL_TYPES = frozenset(
    {"str", "int", "float", "bool", "NoneType", "list", "tuple", "dict", "set", "frozenset"}
    | {"bytes", "complex"}
)
_VAR_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*): ([A-Za-z_][\w.]*)(?:, len (\d+))?$")


@dataclass
class Variable:
    name: str
    type: str
    value: str | None = None  # a Python literal, when the value is one and not too long


@dataclass
class EarlierTurn:
    question: str
    answer: str
    status: str
    made: list[str] = field(default_factory=list)  # variables this question made


class ConversationSession:
    """One conversation's REPL and record. Use from one thread (the engine's)."""

    def __init__(
        self,
        backend: Backend,
        config: EngineConfig | None,
        context: Context,
        earlier: Iterable[EarlierTurn] = (),
        variables: Iterable[Variable] = (),
    ) -> None:
        self.backend = backend
        self.config = config or EngineConfig()
        self.context = Context(list(context.documents))
        self.turns: list[EarlierTurn] = list(earlier)
        self.variables: list[Variable] = list(variables)  # as the last question left them
        self.sandbox: Sandbox | None = None
        self.new_documents: list[str] = []  # names added since the last question
        # variables a new REPL could not be given (not plain values), and those it will be
        self.lost: list[str] = [v.name for v in self.variables if v.value is None]
        self._to_restore: list[Variable] = [v for v in self.variables if v.value is not None]

    # --- the questions -----------------------------------------------------------------
    def ask(
        self,
        question: str,
        on_event: Callable[[Event], None] | None = None,
        cancel: CancelToken | None = None,
    ) -> RunResult:
        """Run one question in the conversation's REPL; the REPL stays open for the next."""
        self._prepare_sandbox()
        follow_up = FollowUp(sandbox=self.sandbox, earlier=self.record())
        engine = RlmEngine(self.backend, self.config)
        result = engine.run(question, self.context, on_event, cancel, follow_up=follow_up)
        self.sandbox = follow_up.sandbox
        before = {v.name for v in self.variables}
        self.variables = self.snapshot()
        made = [v.name for v in self.variables if v.name not in before]
        self.turns.append(EarlierTurn(question, result.answer, result.status, made))
        self.new_documents, self.lost = [], []
        return result

    def add_documents(self, documents: Iterable[Document]) -> list[str]:
        """Add documents for the next question; the names of those added (a document with
        the name and text of one already there is left out)."""
        have = {(d.name, d.text) for d in self.context.documents}
        added = [d for d in documents if (d.name, d.text) not in have]
        if not added:
            return []
        self.context = Context([*self.context.documents, *added])
        self.new_documents += [d.name for d in added]
        if self.sandbox is not None:  # its context is fixed: a new REPL, the values copied
            self.variables = self.snapshot()
            self._to_restore = [v for v in self.variables if v.value is not None]
            self.lost = [v.name for v in self.variables if v.value is None]
            self.sandbox.close()
            self.sandbox = None
        return [d.name for d in added]

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.close()
            self.sandbox = None

    def __enter__(self) -> ConversationSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the REPL ------------------------------------------------------------------------
    def _prepare_sandbox(self) -> None:
        if self.sandbox is not None or not self._to_restore:
            return
        info = self.backend.info
        variant = self.config.variant_for(info.n_params)
        config = sandbox_config(self.config, variant, info.context_window)
        sandbox = Sandbox(self.context, config=config)  # it refuses sub-calls
        try:
            sandbox.start()
        except SandboxError:
            return  # the run reports it when it starts its own
        restored = restore(sandbox, self._to_restore)
        self.lost += [v.name for v in self._to_restore if v.name not in restored]
        self._to_restore = []
        self.sandbox = sandbox

    def snapshot(self) -> list[Variable]:
        """The REPL's variables: names and types, and plain values as literals (none when
        the REPL is gone: a cancel or a crash took it, and its variables with it)."""
        if self.sandbox is None or self.sandbox.pid is None:
            return []
        return snapshot(self.sandbox)

    # --- the record for the prompt ----------------------------------------------------------
    def record(self) -> str:
        """What the first prompt of the next question starts with ("" for a first question
        with nothing carried)."""
        budget = int(self.backend.info.context_window * RECORD_SHARE * 3.5)
        return earlier_record(
            self.turns, self.variables, self.new_documents, self.lost, self.context, budget
        )


def earlier_record(
    turns: list[EarlierTurn],
    variables: list[Variable],
    new_documents: list[str],
    lost: list[str],
    context: Context,
    budget_chars: int,
) -> str:
    lines: list[str] = []
    if turns:
        lines.append("Earlier questions in this conversation (the REPL still has their variables):")
        entries = [_turn_lines(i, t) for i, t in enumerate(turns, 1)]
        kept: list[str] = []
        used = 0
        for entry in reversed(entries):  # the latest first, while they fit
            if used + len(entry) > budget_chars and kept:
                break
            kept.insert(0, entry)
            used += len(entry)
        if len(kept) < len(entries):
            lines.append(f"({len(entries) - len(kept)} older questions left out.)")
        lines.extend(kept)
    names = [v.name for v in variables if v.name not in lost]
    if names:
        shown = ", ".join(names[:MAX_VARIABLES])
        lines.append(f"Variables in the REPL: {shown}. Use them instead of redoing the work.")
    if lost:
        lines.append(
            "These variables could not be kept and are gone: " + ", ".join(lost[:MAX_VARIABLES])
        )
    if new_documents:
        n = len(context.documents)
        lines.append(
            f"New documents since the last question: {', '.join(new_documents)}. "
            f"`context` and `documents` now hold all {n} documents."
        )
    return "\n".join(lines)


def _turn_lines(number: int, turn: EarlierTurn) -> str:
    answer = _short(turn.answer, ANSWER_CHARS) or f"(no answer: {turn.status})"
    text = f"{number}. Question: {_short(turn.question, QUESTION_CHARS)}\n   Answer: {answer}"
    if turn.made:
        text += f"\n   Variables it made: {', '.join(turn.made[:20])}"
    return text


def _short(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def snapshot(sandbox: Sandbox) -> list[Variable]:
    """The variables of a live REPL: SHOW_VARS() for names and types, then each plain value
    read back as a literal (checked here with `ast.literal_eval`)."""
    saved = sandbox.config.cell_timeout
    sandbox.config.cell_timeout = SNAPSHOT_TIMEOUT_S
    try:
        listing = sandbox.run_cell("print(SHOW_VARS())")
        if listing.error or listing.restarted:
            return []
        found: list[Variable] = []
        for line in listing.output.splitlines()[: MAX_VARIABLES * 4]:
            m = _VAR_LINE.match(line.strip())
            if m is None or not _usable_name(m.group(1)):
                continue
            var = Variable(m.group(1), m.group(2))
            size = int(m.group(3) or 0)
            if var.type in LITERAL_TYPES and size <= MAX_VALUE_CHARS and len(found) < MAX_VARIABLES:
                var.value = _read_literal(sandbox, var.name)
            found.append(var)
        return found
    finally:
        sandbox.config.cell_timeout = saved


def _read_literal(sandbox: Sandbox, name: str) -> str | None:
    result = sandbox.run_cell(f"repr({name})")
    text = result.output.rstrip("\n")
    if result.error or result.restarted or len(text) > MAX_VALUE_CHARS:
        return None
    try:
        value = ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    return repr(value)  # written here, from the checked value


def restore(sandbox: Sandbox, variables: Iterable[Variable]) -> list[str]:
    """Assign each variable's literal in the REPL; the names that were made."""
    made: list[str] = []
    for var in variables:
        if var.value is None or not _usable_name(var.name):
            continue
        try:
            ast.literal_eval(var.value)  # only a literal ever reaches the REPL as code
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            continue
        result = sandbox.run_cell(f"{var.name} = {var.value}")
        if result.error is None and not result.restarted:
            made.append(var.name)
    return made


def _usable_name(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name) and not name.startswith("_")
