"""Turning a message list into the prompt text the model was trained on.

With a chat template in the GGUF (`tokenizer.chat_template`) the template is rendered with
llama-cpp-python's Jinja2 formatter (sandboxed, Transformers-compatible). Templates that refuse
a system role or two user messages in a row get them merged and are tried again.

Without a template (base models such as Gemma 3 270M), or when the template fails, a plain
transcript is used — the documented fallback:

    ### System
    <system text>

    ### User
    <user text>

    ### Assistant
    <reply>

Generation then stops at the next "\\n### " header, so a base model cannot write the user's
next turn. `system_end` marks where the system part ends in the text (the prefix every child
RLM shares), or None when the template mixes it into a later message.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rlm_desktop.llm.base import Message

FALLBACK_STOPS = ("\n### ",)  # the next header: the base model is starting a new turn


@dataclass(frozen=True)
class FormattedPrompt:
    text: str
    system_end: int | None = None  # characters of `text` that hold only the system message
    stops: tuple[str, ...] = ()


@dataclass
class ChatFormat:
    template: str | None
    bos: str = ""
    eos: str = ""
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._render = None
        if self.template:
            try:
                from llama_cpp.llama_chat_format import Jinja2ChatFormatter

                formatter = Jinja2ChatFormatter(
                    self.template, eos_token=self.eos, bos_token=self.bos
                )
                self._render = formatter
            except Exception as exc:  # a template Jinja cannot even compile
                self.notes.append(f"chat template unusable ({_short(exc)}); using plain format")

    @property
    def uses_template(self) -> bool:
        return self._render is not None

    def format(self, messages: list[Message]) -> FormattedPrompt:
        if self._render is not None:
            for attempt in (messages, _merged(messages)):
                text = self._template_text(attempt, generation_prompt=True)
                if text is not None:
                    return FormattedPrompt(text, self._system_end(attempt, text))
            note = "the chat template failed on a conversation; used the plain format for it"
            if note not in self.notes:
                self.notes.append(note)
        return fallback_format(messages)

    def _template_text(self, messages: list[Message], generation_prompt: bool) -> str | None:
        assert self._render is not None
        self._render.add_generation_prompt = generation_prompt
        try:
            return self._render(messages=messages).prompt  # type: ignore[arg-type]
        except Exception:
            return None

    def _system_end(self, messages: list[Message], text: str) -> int | None:
        if not messages or messages[0]["role"] != "system":
            return None
        head = self._template_text(messages[:1], generation_prompt=False)
        return len(head) if head and text.startswith(head) and len(head) < len(text) else None


def fallback_format(messages: list[Message]) -> FormattedPrompt:
    """The plain transcript format for models without a usable chat template."""
    parts: list[str] = []
    system_end: int | None = None
    for i, message in enumerate(messages):
        role = message["role"].capitalize()
        parts.append(f"### {role}\n{message['content'].strip()}\n\n")
        if i == 0 and message["role"] == "system":
            system_end = len(parts[0])
    parts.append("### Assistant\n")
    return FormattedPrompt("".join(parts), system_end, FALLBACK_STOPS)


def _merged(messages: list[Message]) -> list[Message]:
    """System text folded into the first user message; consecutive same-role messages joined."""
    out: list[Message] = []
    system = ""
    for message in messages:
        if message["role"] == "system":
            system = f"{system}\n\n{message['content']}".strip()
            continue
        content = message["content"]
        if system and message["role"] == "user":
            content, system = f"{system}\n\n{content}", ""
        if out and out[-1]["role"] == message["role"]:
            out[-1] = {"role": message["role"], "content": f"{out[-1]['content']}\n\n{content}"}
        else:
            out.append({"role": message["role"], "content": content})
    if system:
        out.insert(0, {"role": "user", "content": system})
    return out


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
