"""Documents become overlapping chunks, so a fact on a boundary is whole in at least one of them."""

import re

CHUNK_CHARS = 1000
OVERLAP_CHARS = 200
CHUNKING = 3  # raised whenever chunks are cut otherwise: a document uploaded again is then cut anew
# A sentence's end: a mark with any closing quotes and a space after it (Latin scripts), or a mark with
# no closing quote after it (Chinese and Japanese, written without spaces: cut by size alone, their
# chunks began mid-word; 「…ですか？」と聞いた。 ends at 。).
_SENTENCE_END = re.compile(r"(?<![.!?…])[.!?…]++[\"'”’)\]]{0,3}(?=\s)|[。！？](?![」』”’）])")
# The same, last in the text: greedy, so one match from the end rather than a scan of every sentence;
# of a run of marks only the last (`_ends_sentence` looks back over the run): a `+` here, or one that
# could give back, took quadratic time on a run without a space (100,000 dots: 4.8 s).
_LAST_SENTENCE_END = re.compile(r"(?s:.*)([.!?…][\"'”’)\]]{0,3}(?=\s)|[。！？](?![」』”’）]))")
# A full stop after one of these ends no sentence, nor an ellipsis before a word in lower case: cut
# there, a chunk ended at "Mr." and the next began "Smith said", or at "t.ex." and "e.g.".
# Not numbers ("rose to 12.50. Analysts") nor "no" ("I said no."), which end sentences.
_ABBREVIATION = re.compile(r"(?:[^\W\d_]{1,3}\.)+[^\W\d_]{1,3}|[^\W\d_]|mr|mrs|ms|dr|prof|st|jr|sr|vs|nr|fig|ca|kl|"
                           r"jfr|inkl|exkl|resp|tel", re.IGNORECASE)
_WORD_AFTER = re.compile(r"\s*[\"'“‘(\[]*(\S)")
_BOUNDARY = re.compile(r"[ 、，]")


def _ends_sentence(text: str, start: int, mark: int, after: int) -> bool:
    """Whether the mark at text[mark:after] ends a sentence (`start`: where the search began)."""
    while mark > start and text[mark - 1] in ".…!?":  # all of an ellipsis, which the greedy search splits
        mark -= 1
    if text[mark] not in ".…":
        return True
    near = max(0, mark - 20)
    word = text[max(near - 1, text.rfind(" ", near, mark), text.rfind("\n", near, mark)) + 1:mark]
    if _ABBREVIATION.fullmatch(word):
        return False
    if text[mark] != "…" and not text.startswith("..", mark):
        return True
    following = _WORD_AFTER.match(text, after)
    return following is None or not following.group(1).islower()


def _last_sentence_end(text: str, start: int, end: int) -> int:
    """Where the last sentence within text[start:end] ends (just past its mark), or -1."""
    while (found := _LAST_SENTENCE_END.match(text, start, end)) is not None:
        if _ends_sentence(text, start, found.start(1), found.end()):
            return found.end()
        end = found.start(1)
    return -1


def _first_sentence_end(text: str, start: int, end: int) -> int:
    """Where the first sentence within text[start:end] ends, or -1."""
    for found in _SENTENCE_END.finditer(text, start, end):
        if _ends_sentence(text, start, found.start(), found.end()):
            return found.end()
    return -1


def chunk_text(text: str, size: int = CHUNK_CHARS, overlap: int = OVERLAP_CHARS) -> list[str]:
    """Split at paragraph, then sentence, boundaries where possible; never cut inside a word if avoidable.
    The overlap starts at a sentence where one starts in it: no chunk begins mid-sentence needlessly."""
    text = re.sub(r"\n{3,}", "\n\n", text.strip())
    chunks: list[str] = []
    start = 0
    while start < len(text):
        end = min(start + size, len(text))
        if end < len(text):
            window = text[start:end]
            cut = max(window.rfind("\n\n"), _last_sentence_end(text, start, end) - start - 1, window.rfind("\n"))
            if cut < size // 2:
                cut = max(window.rfind(" "), window.rfind("、"), window.rfind("，"))
            if cut > size // 2:
                end = start + cut + 1
        chunk = text[start:end].strip()
        if chunk:
            chunks.append(chunk)
        if end >= len(text):
            break
        start = max(end - overlap, start + 1)
        # The overlap starts at a sentence, else at a word boundary (in Chinese or Japanese, written
        # without spaces, after a clause's end).
        if (sentence := _first_sentence_end(text, start, end - 1)) >= 0:
            start = sentence
        elif (boundary := _BOUNDARY.search(text, start, end)) is not None and boundary.start() - start < overlap // 2:
            start = boundary.end()
    return chunks


_HEADING = re.compile(r"^(#{1,6})[ \t]+\S")
_FENCE = re.compile(r"^\s*(```|~~~)")


def chunk_markdown(text: str, size: int = CHUNK_CHARS, overlap: int = OVERLAP_CHARS) -> list[str]:
    """Chunks that keep to the document's sections: a section is a chunk of its own, together with
    the sections under it while they fit, a long one is split with overlap, and every chunk starts
    with the headings it is under ("# Guide", "## Åre"). Cut by size alone, a chunk ended with
    the next section's heading and the next began mid-sentence without it: "Vad heter bästa
    restaurangen i Åre?" found Östersund's chunk first. Sibling sections never share a chunk: short
    ones ("## Plumbing", "## Garden") packed together read as one topic."""
    chunks: list[str] = []
    packed, packed_path = "", None
    for path, section in _sections(text):
        parent = path[:-1] if section.startswith("#") else path  # the section's own heading is in it
        heading = "\n\n".join(parent)
        whole = f"{heading}\n\n{section}" if heading else section
        if packed and parent == packed_path and len(packed) + 2 + len(section) <= size:
            packed, packed_path = packed + "\n\n" + section, path
            continue
        lead = "\n\n".join(path)
        if packed and not (len(whole) > size and lead.startswith(packed)):  # not headings the parts repeat
            chunks.append(packed)
        packed, packed_path = "", None
        if len(whole) <= size:
            packed, packed_path = whole, path
            continue
        body = section.split("\n", 1)[1] if section.startswith("#") and "\n" in section else section
        room = max(size - len(lead) - 2, size // 2) if lead else size
        chunks += [f"{lead}\n\n{part}" if lead else part for part in chunk_text(body, room, min(overlap, room // 4))]
    if packed:
        chunks.append(packed)
    return chunks


def _sections(text: str) -> list[tuple[list[str], str]]:
    """The document cut before each heading (not inside a code fence): each section with the
    heading lines it is under, its own last."""
    text = re.sub(r"\n{3,}", "\n\n", text.strip())
    path: list[tuple[int, str]] = []
    sections: list[tuple[list[str], str]] = []
    lines: list[str] = []
    fenced = False

    def close() -> None:
        section = "\n".join(lines).strip()
        if section:
            sections.append(([line for _, line in path], section))

    for line in text.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
        found = None if fenced else _HEADING.match(line)
        if found:
            close()
            lines = []
            level = len(found.group(1))
            path = [(lvl, h) for lvl, h in path if lvl < level] + [(level, line.strip())]
        lines.append(line)
    close()
    return sections
