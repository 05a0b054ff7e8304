"""The sandbox worker process: holds the REPL namespace and runs model code cells.

Started by `sandbox.host` as `python -I -c BOOT`, it talks to the host over two inherited pipe
descriptors with `wire` frames. Imports only the standard library and stdlib-only modules of
this package. Sub-calls (`llm_query`, `rlm_query`) are requests sent back to the host, which
answers them on the engine thread while this process waits.
"""

from __future__ import annotations

import ast
import io
import itertools
import linecache
import os
import sys
import time
import traceback
import types
from typing import Any

from rlm_desktop.documents.model import join_documents
from rlm_desktop.sandbox import hardening, procctl, wire
from rlm_desktop.sandbox.guard import secure_tree
from rlm_desktop.sandbox.helpers import make_helpers
from rlm_desktop.sandbox.messages import (
    LABEL_CHARS,
    BadRequest,
    Constraint,
    LlmAnswers,
    LlmQuery,
    RequestLimits,
    RlmAnswer,
    RlmQuery,
    SubcallRefused,
    SubcallReply,
    SubcallRequest,
    SubDocument,
    check_request,
    parse_reply,
)

BOOT = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from rlm_desktop.sandbox.worker import main; "
    "main(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))"
)
MAX_ERROR_CHARS = 2000
MAX_NAMES = 1000  # variable names listed for a FINAL_VAR that names none


DOC_FIELDS = frozenset({"kind", "name", "pages", "path", "text"})


class CappedWriter(io.TextIOBase):
    """Collects printed text up to a limit and counts what it had to drop."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self.size = 0
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        s = str(s)
        room = self.limit - self.size
        if room > 0:
            self.parts.append(s[:room])
            self.size += min(room, len(s))
        self.dropped += max(0, len(s) - max(room, 0))
        return len(s)

    def getvalue(self) -> str:
        text = "".join(self.parts)
        if self.dropped:
            text += (
                f"\n[output truncated: {self.dropped:,} more characters were not kept; "
                f"the limit is {self.limit:,} per cell]"
            )
        return text


class Doc:
    """One document as the model sees it: attributes and dict-style keys both work."""

    __slots__ = tuple(sorted(DOC_FIELDS))

    def __init__(self, data: dict[str, Any]) -> None:
        self.name = str(data.get("name", ""))
        self.path = str(data.get("path", ""))
        self.kind = str(data.get("kind", "text"))
        self.text = str(data.get("text", ""))
        self.pages = list(data.get("pages", []))

    def __getitem__(self, key: str) -> Any:
        # Only its own fields: model code can call `Doc.__getitem__(anything, name)`, which
        # must not be a way round the sandbox's getattr.
        if type(key) is not str or key not in DOC_FIELDS:
            raise KeyError(key)
        return getattr(self, key)

    def __repr__(self) -> str:
        pages = f", {len(self.pages)} pages" if self.pages else ""
        return f"<document {self.name!r}: {self.kind}, {len(self.text):,} chars{pages}>"


def sub_documents(sub_context: Any, most: int) -> tuple[SubDocument, ...] | None:
    """`rlm_query`'s sub-context (a string, a dict of name to text, or a list of texts or
    documents) as the documents of the child's context; None: the caller's own. More than
    `most` documents are refused before any is converted."""
    if sub_context is None:
        return None
    if isinstance(sub_context, str):
        return (SubDocument("sub_context", sub_context),)
    items = list(
        itertools.islice(
            sub_context.items() if isinstance(sub_context, dict) else enumerate(sub_context),
            most + 1,
        )
    )
    if len(items) > most:
        raise RuntimeError(f"rlm_query refused: too many documents in one call (at most {most:,})")
    if isinstance(sub_context, dict):
        return tuple(SubDocument(str(k), str(v)) for k, v in items)
    return tuple(
        SubDocument(str(getattr(x, "name", f"part {i + 1}")), str(getattr(x, "text", x)))
        for i, x in items
    )


class FinalSignal:
    def __init__(self) -> None:
        self.value: str | None = None


class Repl:
    """The namespace and the cell runner."""

    def __init__(self, rfd: int, wfd: int, init: dict[str, Any]) -> None:
        self.rfd, self.wfd = rfd, wfd
        self.output_limit = int(init.get("max_output_chars", 1_000_000))
        self.max_frame = int(init.get("max_frame", wire.MAX_FRAME))
        self.limits = RequestLimits(**init.get("request_limits", {}))
        self.requests = 0  # sub-call requests sent over this worker's life
        self.docs = [Doc(d) for d in init.get("documents", [])]
        self.context = join_documents([(d.name, d.text) for d in self.docs])
        self.final = FinalSignal()
        self.cell_count = 0
        self.guarded = False  # cells are checked by `guard` (the audit-hook layer is on)
        self.threads = procctl.ThreadCount()
        self.ns: dict[str, Any] = {"__name__": "__repl__"}
        # dataclasses looks up a class's module when annotations are strings
        sys.modules.setdefault("__repl__", types.ModuleType("__repl__"))
        self.ns.update(self._builtins(init))
        self.reserved = frozenset(self.ns)

    # --- functions the model can call -------------------------------------------------
    def _request(self, request: SubcallRequest) -> SubcallReply:
        try:
            check_request(request, self.limits)
            frame = {"type": "request", "seq": self.requests + 1, **request.to_wire()}
            data = wire.encode(frame, self.max_frame)
        except (BadRequest, wire.FrameTooLarge) as exc:
            raise RuntimeError(f"{request.kind} refused: {exc}") from None
        self.requests += 1
        wire.write_frame(self.wfd, data)
        raw = wire.recv(self.rfd)
        if raw.get("type") != "reply" or raw.get("seq") != self.requests:
            # model code read from the pipe itself: nothing after this can be trusted, and an
            # exception could be caught by the cell
            os._exit(3)
        reply = parse_reply(raw)
        if isinstance(reply, SubcallRefused):
            raise RuntimeError(reply.message)
        return reply

    def _ask(
        self,
        prompts: list[str],
        labels: list[str] | None = None,
        constraint: Constraint | None = None,
    ) -> list[str]:
        texts = tuple(str(p) for p in prompts)
        tags = ("",) * len(texts) if labels is None else tuple(str(x) for x in labels)
        query = LlmQuery(texts, tuple(x[:LABEL_CHARS] for x in tags), constraint)
        reply = self._request(query)
        return list(reply.answers) if isinstance(reply, LlmAnswers) else []

    def _builtins(self, init: dict[str, Any]) -> dict[str, Any]:
        def llm_query(prompt: str) -> str:
            return self._ask([prompt])[0]

        def llm_query_batched(prompts: list[str]) -> list[str]:
            return self._ask(list(prompts))

        def labelled_batch(prompts: list[str], labels: list[str]) -> list[str]:
            # the helpers say what each question is about, for the window's progress line
            return self._ask(prompts, labels)

        def constrained_batch(
            prompts: list[str], labels: list[str], kind: str, choices: list[str]
        ) -> list[str]:
            # the per-item helpers: each answer is one of the allowed values or "unknown"
            return self._ask(prompts, labels, Constraint(kind, tuple(choices)))

        def rlm_query(question: str, sub_context: Any = None) -> str:
            docs = sub_documents(sub_context, self.limits.max_documents)
            reply = self._request(RlmQuery(str(question), docs))
            return reply.answer if isinstance(reply, RlmAnswer) else ""

        def FINAL(answer: Any) -> None:
            self.final.value = str(answer)

        def FINAL_VAR(name: Any) -> None:
            if isinstance(name, str) and name.strip().isidentifier():
                if name.strip() not in self.ns:
                    raise NameError(
                        f"FINAL_VAR: no variable named {name.strip()!r}; "
                        f"defined: {', '.join(self.user_vars()) or 'none'}"
                    )
                self.final.value = str(self.ns[name.strip()])
            else:
                self.final.value = str(name)

        def SHOW_VARS() -> str:
            lines = [f"{k}: {self.describe(v)}" for k, v in self.user_items()]
            return "\n".join(lines) if lines else "(no variables yet)"

        names: dict[str, Any] = {
            "context": self.context,
            "documents": self.docs,
            "llm_query": llm_query,
            "llm_query_batched": llm_query_batched,
            "rlm_query": rlm_query,
            "recursive_llm": rlm_query,
            "FINAL": FINAL,
            "FINAL_VAR": FINAL_VAR,
            "SHOW_VARS": SHOW_VARS,
        }
        chosen = init.get("helpers", True)  # True: all helpers; False: none; or a list of names
        if chosen:
            chunk_chars = int(init.get("chunk_chars", 4000))
            grep_results = int(init.get("grep_results", 20))
            made = make_helpers(
                self.docs,
                lambda: self.context,
                labelled_batch,
                chunk_chars,
                grep_results,
                constrained_batch,
            )
            names.update({k: f for k, f in made.items() if chosen is True or k in chosen})
        return names

    # --- variables ---------------------------------------------------------------------
    def user_items(self) -> list[tuple[str, Any]]:
        return [
            (k, v)
            for k, v in self.ns.items()
            if not k.startswith("_") and k not in self.reserved and k != "__builtins__"
        ]

    def user_vars(self) -> list[str]:
        return [k for k, _ in self.user_items()]

    @staticmethod
    def describe(value: Any) -> str:
        size = f", len {len(value)}" if hasattr(value, "__len__") else ""
        return f"{type(value).__name__}{size}"

    def get_var(self, name: str) -> dict[str, Any]:
        if name in self.ns and name not in self.reserved:
            try:
                value = str(self.ns[name])
                return {"type": "var", "found": True, **self.cut("value", value)}
            except Exception as exc:  # the model's own __str__ failed
                error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
                return {"type": "var", "found": False, "error": error}
        return {"type": "var", "found": False, "defined": self.user_vars()[:MAX_NAMES]}

    def cut(self, key: str, text: str | None) -> dict[str, Any]:
        """An answer cut to the output limit so that its frame fits, with its length (the host
        adds the notice)."""
        if text is None:
            return {key: None}
        return {key: text[: self.output_limit + 1], f"{key}_chars": len(text)}

    # --- running a cell ------------------------------------------------------------------
    def run_cell(self, code: str) -> dict[str, Any]:
        self.cell_count += 1
        filename = f"<cell {self.cell_count}>"
        linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
        out = CappedWriter(self.output_limit)
        self.final.value = None
        error = None
        started = time.perf_counter()
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = out
        try:
            tree = ast.parse(code, filename, "exec")
            if self.guarded:
                tree = secure_tree(tree)
            last = tree.body[-1] if tree.body else None
            if isinstance(last, ast.Expr):
                tree.body.pop()
            else:
                last = None
            exec(compile(tree, filename, "exec", dont_inherit=True), self.ns)
            if last is not None:
                expr = ast.Expression(last.value)
                value = eval(compile(expr, filename, "eval", dont_inherit=True), self.ns)
                if value is not None and out.size == 0 and not out.dropped:
                    print(value if isinstance(value, str) else repr(value))
        except BaseException as exc:
            error = self._report(exc, filename, out)
        finally:
            sys.stdout, sys.stderr = saved
        done = {
            "type": "done",
            "output": out.getvalue(),
            "error": error,
            **self.cut("final", self.final.value),
            "seconds": time.perf_counter() - started,
        }
        if self.threads.others():  # a thread outlived its cell: only a fresh process is safe
            done["restart"] = "a thread started by the cell was still running"
        return done

    @staticmethod
    def _report(exc: BaseException, filename: str, out: CappedWriter) -> str:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
        lines = ["Traceback (most recent call last):\n"] if frames else []
        lines += traceback.format_list(frames)
        lines += traceback.format_exception_only(type(exc), exc)
        out.write("".join(lines))
        summary = traceback.format_exception_only(type(exc), exc)[-1].strip()
        summary = summary.splitlines()[0] if summary else type(exc).__name__
        return summary[:MAX_ERROR_CHARS]


def main(rfd: int, wfd: int, host_pid: int = 0) -> None:
    """Serve the host until it goes; every way out ends with `os._exit`, so no finalizer or
    exit handler of model code runs once the audit hook is gone."""
    code = 0
    try:
        serve(rfd, wfd, host_pid)
    except wire.WireClosed:
        code = 0  # the host closed the pipe: it is done with this worker
    except BaseException:
        code = 3  # a broken protocol or a worker bug: the host reports the exit code
    finally:
        os._exit(code)


def serve(rfd: int, wfd: int, host_pid: int) -> None:
    procctl.die_with_parent(host_pid)
    init = wire.recv(rfd)
    repl = Repl(rfd, wfd, init)
    layers = hardening.apply(init.get("limits", {}), repl.ns)
    repl.guarded = "audit-hook" in layers
    wire.send(wfd, {"type": "ready", "layers": layers})
    while True:
        message = wire.recv(rfd)
        kind, seq = message.get("type"), message.get("seq")
        if kind == "exec":
            answer = repl.run_cell(str(message.get("code", "")))
        elif kind == "get_var":
            answer = repl.get_var(str(message.get("name", "")))
        else:
            return  # "shutdown", or nothing this worker knows
        try:
            data = wire.encode({**answer, "seq": seq}, repl.max_frame)
        except wire.FrameTooLarge as exc:
            error = f"the result was too large to send ({exc})"
            data = wire.encode({"type": answer["type"], "seq": seq, "output": "", "error": error})
        wire.write_frame(wfd, data)
