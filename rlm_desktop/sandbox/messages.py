"""The sub-call messages between the sandbox worker and the host, as typed values.

Model code asks for sub-calls through the worker: `llm_query`, `llm_query_batched` and the
helpers' labelled batches are one `LlmQuery` (a list of prompts, a label for each); `rlm_query`
(`recursive_llm`) is one `RlmQuery` (a question and the documents of the child's context, or
None for the caller's own). The host answers each with `LlmAnswers`, `RlmAnswer` or
`SubcallRefused`, which the worker raises in the cell as a RuntimeError.

On the pipe they are JSON objects. `parse_request` is the only place where the host reads a
raw request: the worker runs untrusted code that can write its own frames, so every field's
type, count and size is checked there and a bad request becomes `BadRequest` (the cell's
error), never anything the engine sees. Stdlib only: the worker imports this module too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

LABEL_CHARS = 200  # a sub-call's label (a document's name) as the host shows it


@dataclass(frozen=True)
class RequestLimits:
    """What one sub-call request may carry; more is refused before the engine sees it."""

    max_prompts: int = 5000
    """Prompts in one `llm_query_batched` (a `map_query` over 20 MB in 4,000-character chunks)."""
    max_documents: int = 5000
    """Documents in one `rlm_query` sub-context (as many files as one drop may hold)."""
    max_chars: int = 4_000_000
    """Characters in one request, every prompt, label, name and text together (the host raises
    it to the context's size and a quarter more, for an `rlm_query` on the whole context)."""


class BadRequest(ValueError):
    """A request the host refuses to serve; the cell sees it as a RuntimeError."""


class SubcallFailed(RuntimeError):
    """A sub-call could not be answered; the model's code sees a RuntimeError with this text."""


ANSWER_KINDS = ("choice", "number", "yes_no", "span")
MAX_CHOICES = 50
CHOICE_CHARS = 60


@dataclass(frozen=True)
class Constraint:
    """What every answer of a constrained batch must be (the per-item helpers: `classify`,
    `ask_number`, `ask_yes_no`, `extract`): one of `choices`, a whole number, yes or no, or a
    short span. The host turns it into a grammar and checks each answer against it."""

    kind: str  # one of ANSWER_KINDS
    choices: tuple[str, ...] = ()  # "choice" only

    def to_wire(self) -> dict[str, Any]:
        return {"kind": self.kind, "choices": list(self.choices)}


@dataclass(frozen=True)
class LlmQuery:
    """Plain model calls: one per prompt, answered in order (constrained when `constraint`)."""

    prompts: tuple[str, ...]
    labels: tuple[str, ...]  # one per prompt: what it is about ("" when not said)
    constraint: Constraint | None = None
    kind: ClassVar[str] = "llm_query"

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {
            "kind": self.kind,
            "prompts": list(self.prompts),
            "labels": list(self.labels),
        }
        if self.constraint is not None:
            wire["constraint"] = self.constraint.to_wire()
        return wire


@dataclass(frozen=True)
class SubDocument:
    name: str
    text: str


@dataclass(frozen=True)
class RlmQuery:
    """A child RLM on `documents` (None: the asking RLM's own context)."""

    question: str
    documents: tuple[SubDocument, ...] | None
    kind: ClassVar[str] = "rlm_query"

    def to_wire(self) -> dict[str, Any]:
        docs = None
        if self.documents is not None:
            docs = [{"name": d.name, "text": d.text} for d in self.documents]
        return {"kind": self.kind, "question": self.question, "documents": docs}


SubcallRequest = LlmQuery | RlmQuery


@dataclass(frozen=True)
class LlmAnswers:
    answers: tuple[str, ...]  # one per prompt, in order

    def to_wire(self) -> dict[str, Any]:
        return {"result": list(self.answers)}


@dataclass(frozen=True)
class RlmAnswer:
    answer: str

    def to_wire(self) -> dict[str, Any]:
        return {"result": self.answer}


@dataclass(frozen=True)
class SubcallRefused:
    message: str

    def to_wire(self) -> dict[str, Any]:
        return {"error": self.message}


SubcallReply = LlmAnswers | RlmAnswer | SubcallRefused


def _strings(value: object, what: str, most: int) -> tuple[str, ...]:
    if type(value) is not list:
        raise BadRequest(f"{what} must be a list of strings")
    if len(value) > most:
        raise BadRequest(f"too many {what} in one call ({len(value):,}; at most {most:,})")
    if not all(type(x) is str for x in value):
        raise BadRequest(f"{what} must be a list of strings")
    return tuple(value)


def _documents(value: object, limits: RequestLimits) -> tuple[SubDocument, ...] | None:
    if value is None:
        return None
    if type(value) is not list:
        raise BadRequest("the sub-context must be a list of documents")
    if len(value) > limits.max_documents:
        raise BadRequest(
            f"too many documents in one rlm_query ({len(value):,}; "
            f"at most {limits.max_documents:,})"
        )
    docs = []
    for d in value:
        if type(d) is not dict or type(d.get("name")) is not str or type(d.get("text")) is not str:
            raise BadRequest("each sub-context document needs a text name and a text")
        docs.append(SubDocument(d["name"], d["text"]))
    return tuple(docs)


def _constraint(value: object) -> Constraint | None:
    if value is None:
        return None
    if type(value) is not dict or value.get("kind") not in ANSWER_KINDS:
        raise BadRequest(f"a constraint needs a kind: {', '.join(ANSWER_KINDS)}")
    kind = str(value["kind"])
    choices = _strings(value.get("choices", []), "choices", MAX_CHOICES)
    choices = tuple(dict.fromkeys(" ".join(c.split()) for c in choices if c.strip()))
    if kind == "choice" and not choices:
        raise BadRequest("classify needs at least one label")
    if any(len(c) > CHOICE_CHARS for c in choices):
        raise BadRequest(f"a label may have at most {CHOICE_CHARS} characters")
    return Constraint(kind, choices if kind == "choice" else ())


def check_request(request: SubcallRequest, limits: RequestLimits) -> None:
    """`BadRequest` when a request carries more than `limits` allow (the worker checks its own
    requests with this before sending them; the host checks them again)."""
    if isinstance(request, LlmQuery):
        count, most, what = len(request.prompts), limits.max_prompts, "prompts"
        texts = [*request.prompts, *request.labels]
    else:
        docs = request.documents or ()
        count, most, what = len(docs), limits.max_documents, "documents"
        texts = [request.question] + [s for d in docs for s in (d.name, d.text)]
    if count > most:
        raise BadRequest(f"too many {what} in one call ({count:,}; at most {most:,})")
    size = sum(map(len, texts))
    if size > limits.max_chars:
        raise BadRequest(
            f"the request is too large ({size:,} characters; at most {limits.max_chars:,} "
            "in one call)"
        )


def parse_request(raw: dict[str, Any], limits: RequestLimits) -> SubcallRequest:
    """The typed request in a frame from the worker; `BadRequest` says what is wrong with it."""
    kind = raw.get("kind")
    if kind == LlmQuery.kind:
        prompts = _strings(raw.get("prompts"), "prompts", limits.max_prompts)
        labels_raw = raw.get("labels")
        if labels_raw is None:
            labels = ("",) * len(prompts)
        else:
            labels = _strings(labels_raw, "labels", limits.max_prompts)
            if len(labels) != len(prompts):
                raise BadRequest("one label per prompt")
            labels = tuple(x[:LABEL_CHARS] for x in labels)
        constraint = _constraint(raw.get("constraint"))
        request: SubcallRequest = LlmQuery(prompts, labels, constraint)
    elif kind == RlmQuery.kind:
        question = raw.get("question")
        if type(question) is not str:
            raise BadRequest("the question must be a string")
        request = RlmQuery(question, _documents(raw.get("documents"), limits))
    else:
        raise BadRequest(f"unknown sub-call {str(kind)[:40]!r}")
    check_request(request, limits)
    return request


def parse_reply(raw: dict[str, Any]) -> SubcallReply:
    """The reply as the worker reads it (the host is trusted; its shape is still checked)."""
    error = raw.get("error")
    if error is not None:
        return SubcallRefused(str(error))
    result = raw.get("result")
    if type(result) is list:
        return LlmAnswers(tuple(str(x) for x in result))
    return RlmAnswer(str(result))
