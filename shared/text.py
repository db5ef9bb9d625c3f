"""What a piece of text shows, as the validators of messages and brain names see it."""

import unicodedata

_INVISIBLE = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"})  # combining marks alone show nothing either
# Letters and symbols drawn as blanks (Hangul fillers, the blank Braille pattern).
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Marks that make text read in another order than it is stored ("rtl\u202eevil" shows as "rtllive"):
# embeddings, overrides, isolates and the two direction marks.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def shows_nothing(value: str) -> bool:
    """Whitespace, zero-width spaces, byte order marks and the like only. By category, not
    isprintable(): that is False for emoji newer than Python's Unicode ("🫨")."""
    return all(unicodedata.category(ch) in _INVISIBLE or ch in _BLANK_LOOKING for ch in value)


# What bytes that are not UTF-8 (%FF in a URL) decode to, refused in names, sources, searches and paths.
NOT_UTF8 = "must be UTF-8 text (it holds U+FFFD, what bytes that are not UTF-8 decode to)"

HALF_CHARACTER = ("holds half of a character (a lone surrogate escape such as \\udfff): JSON text is sent as "
                  "whole characters, an emoji's two escapes together")


def has_half_character(value: str) -> bool:
    """A lone surrogate: Python's JSON reader takes "\\udfff", and UTF-8 (the bus, Chroma) cannot hold it."""
    return any("\ud800" <= ch <= "\udfff" for ch in value)
