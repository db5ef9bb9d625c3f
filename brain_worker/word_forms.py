"""The forms of a word a search box should find: "stories" finds "story", "mötet" finds "möte",
"cyklar" finds "cykel", "umea" finds "Umeå".

Only the listing's search reads words this way (brain_worker/housekeeping.py): ranking keeps
exact words, where stemming measured no gain (docs/performance.md). English by the Snowball
stemmer, with the irregular plurals it leaves apart; Swedish by its inflection endings, since
Snowball's Swedish keeps a definite "-et" ("barnet", "jobbet", "lösenordet"). A black-box pass
found "stories", "companies", "children", "mötet", "bilar" and "umea" finding nothing.
"""

import unicodedata
from collections.abc import Container
from functools import lru_cache

import snowballstemmer

_ENGLISH = snowballstemmer.stemmer("english")
IRREGULAR = {"children": "child", "men": "man", "women": "woman", "people": "person", "feet": "foot",
             "teeth": "tooth", "mice": "mouse", "geese": "goose", "wives": "wife", "knives": "knife",
             "lives": "life", "leaves": "leaf", "halves": "half", "wolves": "wolf", "shelves": "shelf"}
# Longest first; a base keeps at least three letters ("bil", "barn").
SWEDISH_ENDINGS = ("arnas", "ernas", "ornas", "arna", "erna", "orna", "aren", "heten", "ens", "ets", "en", "et",
                   "ar", "er", "or", "na", "n", "t", "s")
VOWELS = "aeiouyåäö"  # a letter alone is an ending after one only ("flickan", "mötet"): not "plant", "start", "host"
UNSTRESSED = ("el", "er", "or")  # and a definite "-n" after these: "cykeln", "systern", "doktorn"
MIN_BASE = 3


@lru_cache(maxsize=200_000)
def keys(term: str) -> frozenset[str]:
    """What a term shares with its other forms: two terms are forms of one word when they share a key."""
    english = _ENGLISH.stemWord(IRREGULAR.get(term, term))
    found = {f"e:{english}", f"f:{_folded(term)}"}
    for base in _swedish_bases(term):
        found.add(f"s:{base}")
    return frozenset(found)


def _swedish_bases(term: str) -> set[str]:
    bases = {term}
    for ending in SWEDISH_ENDINGS:
        if term.endswith(ending) and len(term) - len(ending) >= MIN_BASE:
            base = term[: -len(ending)]
            if len(ending) == 1 and base[-1] not in VOWELS and not (ending == "n" and base[-2:] in UNSTRESSED):
                continue
            bases.add(base)
            if ending in ("or", "orna", "ornas"):  # "pizzor", "flickorna": of "pizza", "flicka"
                bases.add(f"{base}a")
            # A vowel that goes when an ending comes: "cykel" / "cyklar", "nyckel" / "nycklar", "vatten" / "vattnet".
            if len(base) > MIN_BASE and base[-1] in "lnr" and base[-2] not in VOWELS:
                bases.add(f"{base[:-1]}e{base[-1]}")
    return bases


def _folded(term: str) -> str:
    """Without diacritics: "umea" is how "Umeå" is typed on a keyboard without å."""
    return "".join(c for c in unicodedata.normalize("NFD", term) if not unicodedata.combining(c))


_ENDINGS_ADDED = ("", "s", "es", "en", "et", "n", "t", "ar", "er", "or", "arna", "erna", "orna", "na")


def held_forms(term: str, held: Container[str]) -> set[str]:
    """The forms of `term` among the terms `held` (a brain's words), found without reading them all: its bases
    with the usual endings put back ("julbord" holds "julbordet")."""
    return {f"{base}{ending}" for base in _swedish_bases(term) for ending in _ENDINGS_ADDED
            if f"{base}{ending}" in held and keys(f"{base}{ending}") & keys(term)}


def same_word(one: str, other: str) -> bool:
    return bool(keys(one) & keys(other))
