"""An answer copied from the prompt's worked examples or the engine's messages is refused and
asked for again once; a second copy ends the run with no answer (replayed turns, real sandbox)."""

from __future__ import annotations

from rlm_desktop.documents.model import Context, Document
from rlm_desktop.engine import prompts
from tests.engine.replay_run import look, replay

AGREEMENT = Context(
    [
        Document(
            name="supply.txt",
            text="Supply agreement between Harbour Goods and Meridian Foods.\n"
            "Liability is limited to EUR 250,000 per contract year.\n",
        )
    ]
)
COPIED = (
    "FINAL(The supply agreement is the contract that allows the Elm Street library to "
    "deliver its products to customers.)"
)


def _small(responses: list[str]) -> object:
    # the replay backend reports no size: the small prompt (with worked examples) is forced
    return replay(responses, context=AGREEMENT, prompt_variant="small")


def test_a_copied_example_is_refused_and_the_second_answer_kept() -> None:
    run = _small([look("print(grep('liability'))"), COPIED, "FINAL(EUR 250,000 per year)"])
    result = run.result
    assert result.answer == "EUR 250,000 per year"
    assert result.answer_verified
    refusal = run.prompt_of_call(2)
    assert refusal.startswith("That answer repeats the instructions")


def test_a_model_that_insists_ends_with_no_answer() -> None:
    run = _small([look("print(grep('liability'))"), COPIED, COPIED, "FINAL(never asked)"])
    result = run.result
    assert result.answer == ""
    assert result.answer_note == prompts.NO_ANSWER_NOTE
    assert len(run.backend.requests) == 3  # the fourth reply was never asked for
    assert not result.answer_verified and result.citations == []


def test_the_budget_requests_own_wording_is_not_an_answer() -> None:
    echo = "FINAL(Reply now with one line FINAL(...) that holds your best answer, based on what)"
    run = _small([look("print(grep('liability'))"), echo, echo])
    assert (run.result.answer, run.result.answer_note) == ("", prompts.NO_ANSWER_NOTE)


def test_an_answer_from_the_documents_is_kept_even_when_the_prompt_has_its_words() -> None:
    docs = Context([Document(name="notes.txt", text="The Elm Street library opens at 9:30.\n")])
    run = replay(
        [look("print(grep('library opens'))"), "FINAL(The Elm Street library opens at 9:30.)"],
        context=docs,
        prompt_variant="small",
    )
    assert run.result.answer == "The Elm Street library opens at 9:30."
    assert run.result.answer_verified
