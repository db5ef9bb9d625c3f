"""How a chat message reads, in English or Swedish: whether it only asks something of the
assistant, is about the user, or about the conversation itself.

Every chat message is remembered, questions and requests too. As context for a later chat
they tell the model nothing about the user, yet e5 puts short questions and requests close
to each other: after "What's my job?" and "Can you suggest a snack?" were said, "Tell me a
joke." found them above the relevance threshold and answered with them as context. So the
chat's context leaves out a remembered message that only asks (brain_worker/retrieval.py);
`/query` and listing still return it.
"""

import re

_SENTENCE = re.compile(r"[^.!?…？]*[.!?…？]*")
_WORD = re.compile(r"[^\W\d_][\w'’]*")
ASKING_WORDS = frozenset("""
    what what's whats where where's who who's whom whose when which how how's why
    can could would will do does did is are am was were have has should shall may might
    vad var vart varifrån vem vems vilka vilken vilket när hur varför
    kan kunde skulle ska har hade är blir finns får gör vet minns
""".split())
REQUEST_WORDS = frozenset("""
    tell write explain translate give show help summarize summarise list suggest recommend
    describe compose draft generate calculate create find name define compare please
    berätta skriv förklara översätt ge visa hjälp sammanfatta lista föreslå rekommendera
    beskriv räkna skapa hitta nämn definiera jämför snälla
""".split())
# A request in the first person usually carries a fact ("Write down that I moved to Oslo"),
# and a question may ask the assistant to keep one ("Can you remember that my code is 4711?").
KEEPING_WORDS = frozenset("remember note save ihåg notera spara".split())
FIRST_PERSON = frozenset("i'm i've i'd i'll my mine we we're our ours jag min mitt mina vi vår vårt våra".split())
GREETING_WORDS = 2  # "Hi!", "Hej då!", "Thanks!" are not statements
# English "I" only as written: lowercased it is Swedish "i" (in).
_FIRST_PERSON = re.compile(r"\bI\b|\b(?:me|my|mine|myself|we|us|our|ours|jag|mig|min|mitt|mina|vi|oss|vår|vårt|våra)\b",
                           re.IGNORECASE)
_TALK = re.compile(r"\b(?:ask|asked|asking|question|questions|talk|talked|discuss|discussed|chat|chatted|said|told|"
                   r"fråga|frågade|frågat|frågan|frågor|prata|pratade|pratat|diskuterade|sa|sade|berättade)\b",
                   re.IGNORECASE)


def asks_only(text: str) -> bool:
    """Every sentence is a question that starts with an asking word ("Where do I live?") or a
    request in the second person ("Tell me a joke."), greetings aside; at least one is."""
    asked = False
    for sentence in (s.strip() for s in _SENTENCE.findall(text)):
        said = [w.replace("’", "'") for w in _WORD.findall(sentence)]
        if not said:
            continue
        if _asks(said, question=sentence.rstrip(".!…").endswith(("?", "？"))):
            asked = True
        elif sentence.endswith(("?", "？")) or len(said) > GREETING_WORDS:
            return False
    return asked


def _asks(said: list[str], question: bool) -> bool:
    words = {w.lower() for w in said}
    if question:
        return said[0].lower() in ASKING_WORDS and not KEEPING_WORDS & words
    # English "I" only as written: lowercased it is Swedish "i" (in).
    first_person = "I" in said or bool(FIRST_PERSON & words)
    return said[0].lower() in REQUEST_WORDS and not first_person and not KEEPING_WORDS & words


def in_first_person(text: str) -> bool:
    """Whether the message speaks of the user ("What did I do last week?", "Vad gjorde vi?")."""
    return any(found.group() != "i" for found in _FIRST_PERSON.finditer(text))


def about_the_conversation(text: str) -> bool:
    """Whether the message asks about what was said ("What did I ask you yesterday?")."""
    return _TALK.search(text) is not None
