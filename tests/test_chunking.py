"""How a document is cut into chunks (shared/memory/chunking.py)."""

import itertools

import pytest

from shared.memory.chunking import CHUNK_CHARS, chunk_markdown, chunk_text

TOWNS = ("Åre", "Östersund", "Luleå")
GUIDE = "# Norrland\n\nA guide to the north.\n\n" + "\n\n".join(
    f"## {town}\n\n{town} är en ort i norra Sverige. " + "Här finns fjäll och sjöar. " * 14
    + f"Bästa restaurangen i {town} heter Krogen {town}." for town in TOWNS)


def test_a_markdown_section_is_a_chunk_under_its_headings() -> None:
    """Found by a black-box pass: cut by size alone, a chunk ended with the next section's heading
    and the next began mid-sentence without it, and the Åre question found Östersund's chunk."""
    chunks = chunk_markdown(GUIDE)
    for town in TOWNS:
        [holding] = [c for c in chunks if f"Krogen {town}." in c]
        assert holding.startswith("# Norrland\n\n") and f"## {town}\n\n{town} är en ort" in holding
        assert not any(f"## {other}" in holding for other in TOWNS if other != town)


def test_a_long_section_is_split_with_overlap_and_each_part_keeps_its_headings() -> None:
    text = "# Manual\n\n## Boiler\n\n" + " ".join(f"Step {i} turns valve {i}." for i in range(300))
    chunks = chunk_markdown(text)
    assert len(chunks) > 3 and all(len(c) <= CHUNK_CHARS for c in chunks)
    assert all(c.startswith("# Manual\n\n## Boiler\n\n") for c in chunks)
    assert all(f"Step {i} turns valve {i}." in "".join(chunks) for i in range(300))
    tails = [c[-40:].split(" ", 1)[1] for c in chunks[:-1]]
    assert all(tail in after for tail, after in zip(tails, chunks[1:], strict=True))  # overlap


def test_a_section_shares_a_chunk_with_those_under_it_and_a_fenced_hash_is_no_heading() -> None:
    text = "# A\n\nshort\n\n## B\n\nalso short\n\n```\n# not a heading\n```"
    assert chunk_markdown(text) == [text]


def test_sibling_sections_never_share_a_chunk() -> None:
    """Found by a black-box pass: short sections packed together put the plumbing under "## Heating",
    and "Where is the main water valve?" found it second, under the threshold."""
    manual = ("# Home\n\n## Heating\n\nThe boiler is a Nibe.\n\n### Filter\n\nChange it in May.\n\n"
              "## Plumbing\n\nThe main water valve is under the sink.\n\n## Garden\n\nWater the roses.")
    assert chunk_markdown(manual) == [
        "# Home\n\n## Heating\n\nThe boiler is a Nibe.\n\n### Filter\n\nChange it in May.",
        "# Home\n\n## Plumbing\n\nThe main water valve is under the sink.",
        "# Home\n\n## Garden\n\nWater the roses."]


def test_text_without_headings_is_chunked_as_plain_text() -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(200))
    assert chunk_markdown(text) == chunk_text(text)


@pytest.mark.parametrize("sentence", ["日本語のテキストです。", "我们明天去北京看朋友！"])
def test_text_without_spaces_is_cut_between_sentences(sentence: str) -> None:
    """Found by a black-box pass: Japanese text was cut every 1,000 characters mid-word, ignoring "。"."""
    chunks = chunk_text(sentence * 3000)
    assert len(chunks) > 10
    assert all(chunk.startswith(sentence[:3]) and chunk.endswith(sentence[-1]) for chunk in chunks)


def test_a_chunk_ends_at_a_question_mark_as_at_a_full_stop() -> None:
    chunks = chunk_text("Är det här en fråga? " * 3000)
    assert len(chunks) > 10 and all(chunk.endswith("fråga?") for chunk in chunks)


def test_a_question_quoted_in_japanese_is_no_sentence_end() -> None:
    sentence = "「今日は雨ですか？」と彼は聞いた。"
    chunks = chunk_text(sentence * 400)
    assert len(chunks) > 3 and all(c.startswith("「") and c.endswith("聞いた。") for c in chunks)


@pytest.mark.parametrize("sentence", [
    "Mr. Smith met Dr. Jones on the corner of the street by the old mill.",
    "We bought fruit, e.g. apples and pears, at the market on the square.",
    "Vi köpte t.ex. äpplen och bl.a. päron på torget vid den gamla kvarnen.",
    "She paused for a moment... and then went on talking about the weather.",
])
def test_an_abbreviation_or_a_trailing_off_ends_no_chunk(sentence: str) -> None:
    """A chunk ended at "Mr." and the next one began "Smith met": a full stop after an abbreviation, or an
    ellipsis before a word in lower case, is no sentence's end."""
    chunks = chunk_text(" ".join([sentence] * 200))
    assert len(chunks) > 10
    assert all(chunk.startswith(sentence[:12]) and chunk.endswith(sentence[-12:]) for chunk in chunks)


def test_the_overlap_starts_at_a_sentence() -> None:
    text = " ".join(f"Sentence {i} tells {'something ' * (i % 7)}new." for i in range(400))
    chunks = chunk_text(text)
    assert len(chunks) > 10 and all(chunk.startswith("Sentence ") for chunk in chunks)
    # each begins with a sentence its predecessor ends with
    assert all(after[: after.index(".") + 1] in before for before, after in itertools.pairwise(chunks))


@pytest.mark.parametrize("end", ["the share rose to 12.50.", "and he said no."])
def test_a_number_or_a_no_before_a_full_stop_ends_a_sentence(end: str) -> None:
    """Found by a review: taken for abbreviations, "12.50." and "no." ended no sentence, and the chunk
    was cut mid-sentence at a space instead."""
    text = "word " * 130 + end + " Then " + "more " * 150 + "home."
    assert chunk_text(text)[0].endswith(end)
