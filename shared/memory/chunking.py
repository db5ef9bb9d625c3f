"""Documents become overlapping chunks, so a fact on a boundary is whole in at least one of them."""

import re

CHUNK_CHARS = 1000
OVERLAP_CHARS = 200


def chunk_text(text: str, size: int = CHUNK_CHARS, overlap: int = OVERLAP_CHARS) -> list[str]:
    """Split at paragraph, then sentence, boundaries where possible; never cut inside a word if avoidable."""
    text = re.sub(r"\n{3,}", "\n\n", text.strip())
    chunks: list[str] = []
    start = 0
    while start < len(text):
        end = min(start + size, len(text))
        if end < len(text):
            window = text[start:end]
            cut = max(window.rfind("\n\n"), window.rfind(". "), window.rfind("\n"))
            if cut < size // 2:
                cut = window.rfind(" ")
            if cut > size // 2:
                end = start + cut + 1
        chunk = text[start:end].strip()
        if chunk:
            chunks.append(chunk)
        if end >= len(text):
            break
        start = max(end - overlap, start + 1)
        # Start the overlap at a word boundary.
        space = text.find(" ", start, end)
        if space != -1 and space - start < overlap // 2:
            start = space + 1
    return chunks
