"""Catching an answer copied from the prompt instead of the documents.

A small model under pressure answers with the prompt's worked example ("The Elm Street
library opens at 9:30") or the engine's own words ("Reply now with one line FINAL(...)").
`PromptEcho.copied` says so when the answer holds a name or figure found only in the worked
examples, or when most of it is the engine's text and none of it the documents'.
"""

from __future__ import annotations

from rapidfuzz import fuzz

from rlm_desktop.verify.facts import DocumentFacts, Fact, FactText, key_facts
from rlm_desktop.verify.locate import DocumentSet, HasText
from rlm_desktop.verify.normalise import normalise

ECHO_SCORE = 90.0  # partial_ratio of the answer within the engine's text
MIN_ECHO_CHARS = 20  # shorter answers are judged by their names and figures only


class PromptEcho:
    """What the model was told (worked examples, engine messages) for one run."""

    def __init__(
        self, engine_texts: list[str], examples: list[str], documents: list[HasText], question: str
    ) -> None:
        self.corpus = normalise("\n".join([*engine_texts, *examples])).text
        self.distinctive = {
            f.key
            for example in examples
            for f in key_facts(example)
            if f.kind == "name" or (f.kind == "number" and not f.key.isdigit())
        }
        self.documents = documents
        self.docs = DocumentSet(documents)
        self.allowed = FactText(question + "\n" + "\n".join(d.name for d in documents))
        self._texts: list[DocumentFacts] | None = None

    def _in_documents(self, fact: Fact) -> bool:
        if self._texts is None:
            self._texts = [DocumentFacts(d.text) for d in self.documents]
        return any(t.has(fact) for t in self._texts)

    def copied(self, answer: str) -> bool:
        text = normalise(answer).text
        if not text:
            return False
        for fact in key_facts(answer):
            echoed = fact.key in self.distinctive and not self.allowed.has(fact)
            if echoed and not self._in_documents(fact):
                return True
        if len(text) < MIN_ECHO_CHARS:
            return False
        if fuzz.partial_ratio(text, self.corpus) < ECHO_SCORE:
            return False
        return self.docs.locate(answer) is None
