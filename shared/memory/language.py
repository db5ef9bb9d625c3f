"""Which of Lumia's two languages a text is written in, by its small words.

e5 puts a Swedish question nearer to any Swedish memory than to the English one that answers
it ("Vad jobbar jag med?" ranked "I work as a software developer at Ericsson" 16th among 47 memories,
behind the gym and the Christmas party): each language's texts share a part of their vectors.
Knowing each memory's language, a brain that holds both can take that part off (brain_worker/direction.py).
"""

import re

_WORD = re.compile(r"[^\W\d_]+")
ENGLISH = frozenset("""
    the a an and or but of to in on at for with from by about is are was were be been am do does did have has had
    you he she it we they me my your his her its our their this that these those what which who where when why
    how not no yes will would can could should there here so very
""".split())
SWEDISH = frozenset("""
    och eller men att det den som är var har hade jag du han hon vi ni de mig dig oss min mitt mina din ditt
    vår vårt våra hans hennes deras en ett inte på till från med för av om när vad vem vilken vilket vilka hur
    varför ska skulle kan kunde vill måste också bara mycket här där nu sen efter över igen
""".split())


def language_of(text: str) -> str | None:
    """"sv", "en", or None when its small words do not say (a name, a number, as many of each)."""
    said = _WORD.findall(text)
    words = [w.lower() for w in said]
    swedish = sum(w in SWEDISH for w in words)
    english = sum(w in ENGLISH for w in words) + said.count("I")  # lowercase "i" is Swedish "in"
    if swedish == english:
        # Swedish letters in a sentence without small words ("Skostorlek 44, älskar fika") still say it.
        if swedish == 0 and any(ch in "åäöÅÄÖ" for ch in text):
            return "sv"
        return None
    return "sv" if swedish > english else "en"
