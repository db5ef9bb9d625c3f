"""Thread history fitted to the model's window (shared/prompts.build_messages, a pure core): a question
and its answer are kept or dropped together, so the kept history starts with a question and alternates."""

from datetime import date

import pytest

from shared.memory.store import StoredMemory
from shared.prompts import (
    PERSONA_MAX_CHARS,
    PERSONA_SHARE,
    Turn,
    build_messages,
    estimate_tokens,
    fit_context,
    persona_of,
)

SYSTEM = "You are Lumia."


def exchanges(count: int, words: int) -> list[Turn]:
    history = []
    for i in range(1, count + 1):
        question = f"Note {i}: " + "blah " * words
        history += [Turn("user", question), Turn("assistant", f"Echo: {question}")]
    return history


def roles(sent: list[dict[str, str]]) -> list[str]:
    return [m["role"] for m in sent]


@pytest.mark.parametrize("words", [10, 60, 100, 400])
@pytest.mark.parametrize("budget", range(60, 900, 11))
def test_the_kept_history_starts_with_a_question_and_alternates(words: int, budget: int) -> None:
    sent = build_messages(SYSTEM, "Summarise.", history=exchanges(3, words), budget=budget)
    history = sent[1:-1]
    assert roles(history) == ["user", "assistant"] * (len(history) // 2)
    assert sent[-1] == {"role": "user", "content": "Summarise."}
    assert sum(estimate_tokens(m["content"]) for m in sent) <= budget


def test_an_answer_whose_question_does_not_fit_goes_with_it() -> None:
    history = exchanges(3, 60)
    pair = sum(estimate_tokens(t.content) for t in history[-2:])
    fixed = estimate_tokens(SYSTEM) + estimate_tokens("Summarise.")
    # Room for the newest exchange and for the older answer alone, not for that answer with its question.
    budget = fixed + pair + estimate_tokens(history[3].content)
    sent = build_messages(SYSTEM, "Summarise.", history=history, budget=budget)
    assert [m["content"] for m in sent[1:-1]] == [t.content for t in history[-2:]]


def test_an_exchange_too_long_to_keep_whole_is_shortened_as_a_pair() -> None:
    history = exchanges(1, 400)
    fixed = estimate_tokens(SYSTEM) + estimate_tokens("Summarise.")
    sent = build_messages(SYSTEM, "Summarise.", history=history, budget=fixed + 300)
    question, answer = sent[1:-1]
    assert (question["role"], answer["role"]) == ("user", "assistant")
    for turn, original in ((question, history[0]), (answer, history[1])):
        assert turn["content"].startswith("[… ") and "left out to fit the context window" in turn["content"]
        assert original.content.endswith(turn["content"].split("…]\n", 1)[1])


def test_a_short_question_is_kept_whole_when_its_long_answer_is_shortened() -> None:
    history = [Turn("user", "Tell me everything."), Turn("assistant", "Everything: " + "blah " * 400)]
    fixed = estimate_tokens(SYSTEM) + estimate_tokens("Summarise.")
    sent = build_messages(SYSTEM, "Summarise.", history=history, budget=fixed + 200)
    assert sent[1] == {"role": "user", "content": "Tell me everything."}
    assert sent[2]["role"] == "assistant" and "left out to fit the context window" in sent[2]["content"]


def test_a_profile_longer_than_its_share_is_cut_and_leaves_the_memories_room() -> None:
    """A black-box pass: a 26 KB profile pushed every memory out of every chat."""
    notes = [StoredMemory(id=f"m{n}", content=f"Memory {n}: my bicycle is blue.", metadata={}) for n in range(3)]
    persona, kept = fit_context(SYSTEM, "What colour is my bicycle?", "- Likes long profiles.\n" * 3_000, notes,
                                2_000, today=date(2026, 12, 4))
    assert kept == notes
    assert persona is not None and persona.startswith("- Likes long profiles.")
    assert estimate_tokens(persona) <= 2_000 // PERSONA_SHARE


def test_a_profile_within_its_share_is_sent_whole() -> None:
    profile = "- Name: Anna.\n- Lives in Göteborg."
    persona, _ = fit_context(SYSTEM, "Hi", profile, [], 2_000, today=date(2026, 12, 4))
    assert persona == profile


def test_a_profile_the_model_wrote_on_and_on_is_saved_as_whole_lines_within_the_most() -> None:
    reply = "\n".join(f"- Fact number {n} about the user." for n in range(200))
    saved = persona_of(reply)
    assert len(saved) <= PERSONA_MAX_CHARS and reply.startswith(saved) and saved.endswith("the user.")
    assert persona_of("  - Short.  ") == "- Short."
